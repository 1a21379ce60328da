# The dashboard's request parsing (issue 7): Cookie headers and If-None-Match on arbitrary bytes.
bw_fuzz_target(dashboard_http LIBS bw_http)
