# Events committed per second by the SQLite store: group commit vs one commit per batch.
# Not a ctest test. Run: build/bench/store_commit_bench (set BW_BENCH_DIR to choose the disk).
add_executable(store_commit_bench store_commit_bench.cc)
target_link_libraries(store_commit_bench PRIVATE bw_store_sqlite benchmark::benchmark_main)
