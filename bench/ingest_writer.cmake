# The SQLite ingest writer with serve's hooks (suppression policy, reputation rows, index):
# events/s and CPU per message of the process and of the writer thread. Not a ctest test.
# Run: <build>/bench/ingest_writer_bench (set BW_BENCH_DIR to choose the disk).
add_executable(ingest_writer_bench ingest_writer_bench.cc)
target_compile_definitions(ingest_writer_bench PRIVATE BW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_libraries(ingest_writer_bench PRIVATE bw_malloc bw_store_sqlite bw_ingest_ses bw_policy
                                                  bw_metrics benchmark::benchmark_main)
