// SPDX-License-Identifier: Apache-2.0
// jemalloc's start-up options for the bouncewatch executable (read before main; MALLOC_CONF in
// the environment still overrides them).
// - thp:always asks for transparent huge pages on the heap (the kernel here only gives them on
//   request: "madvise" mode): a million-address import touches a few hundred MB of SQLite pages
//   and entries at random, and with 4 KiB pages spent about a fifth of its CPU in page faults and
//   TLB misses (docs/benchmarks.md, issue 4, session 5).
// - tcache_max:8192 keeps the thread caches to the small size classes up to 8 KiB (default
//   32 KiB). A thread cache holds up to 20 freed blocks of each larger class; a process whose
//   large blocks vary in size (parse-mail's per-mail buffers) then keeps asking for new extents,
//   which spill out of the huge pages into 4 KiB pages: 19 more page faults over 5 rounds of the
//   corpus, ≈ 0.2 ms on the VM (docs/benchmarks.md, issue 6, session 13).
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "thp:always,metadata_thp:auto,tcache_max:8192";
}
