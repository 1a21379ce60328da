# SNS signature verification and envelope parsing throughput (Google Benchmark; not a ctest test).
add_executable(sns_verify_bench ${CMAKE_CURRENT_LIST_DIR}/sns_verify_bench.cc)
target_link_libraries(sns_verify_bench PRIVATE bw_ingest_sns benchmark::benchmark)
target_compile_definitions(sns_verify_bench PRIVATE BW_TEST_DATA_DIR="${BW_TEST_DATA_DIR}")
