// SPDX-License-Identifier: Apache-2.0
// jemalloc's start-up options for the bouncewatch executable (read before main; MALLOC_CONF in
// the environment still overrides them). thp:always asks for transparent huge pages on the heap
// (the kernel here only gives them on request: "madvise" mode): a million-address import
// touches a few hundred MB of SQLite pages and entries at random, and with 4 KiB pages spent
// about a fifth of its CPU in page faults and TLB misses (docs/benchmarks.md, issue 4, session 5).
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
