# Pre-signed SNS requests for the end-to-end load test (scripts/bench-e2e).
add_executable(sns_requests_gen sns_requests_gen.cc)
target_link_libraries(sns_requests_gen PRIVATE bw_ingest_sns)
