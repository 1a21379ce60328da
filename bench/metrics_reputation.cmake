# Reputation rates over 7 days with 10 M events: bucketed counters vs a naive scan. Not a ctest
# test. Run: build/bench/metrics_reputation_bench (BW_BENCH_EVENTS=N to change the volume).
add_executable(metrics_reputation_bench metrics_reputation_bench.cc)
target_link_libraries(metrics_reputation_bench PRIVATE bw_metrics benchmark::benchmark_main)
