# POST /v1/sends bodies (issue 5).
bw_fuzz_target(reported_sends LIBS bw_http)
