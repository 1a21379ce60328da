# SES notifications mapped per second (bw::ses::MapSesMessage). Not a ctest test.
add_executable(ses_map_bench ses_map_bench.cc)
target_link_libraries(ses_map_bench PRIVATE bw_ingest_ses benchmark::benchmark_main)
target_compile_definitions(ses_map_bench PRIVATE
  BW_SES_BENCH_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data/ses")
