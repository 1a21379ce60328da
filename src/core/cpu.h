// SPDX-License-Identifier: Apache-2.0
// What the CPU the process runs on can do, for the few loops that have a faster version for a
// newer instruction set than the build's baseline (x86-64: SSE2). Such a version is a function
// built with [[gnu::target("avx2")]], called only when HasAvx2() says the CPU runs it; the
// baseline version stays for every other CPU. BW_CPU_AVX2_TARGET is defined (and <immintrin.h>
// included) where such functions can be built: GCC or Clang on x86-64 with glibc 2.33 or later.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && __has_include(<sys/platform/x86.h>)
#include <immintrin.h>
#include <sys/platform/x86.h>
#define BW_CPU_AVX2_TARGET 1
#endif

namespace bw {

// Whether this CPU and its OS run AVX2 code (the OS saves the YMM registers), as glibc's dynamic
// loader found at start: no CPUID here (each one traps to the hypervisor in a VM, ~12 us, and
// GCC's __builtin_cpu_supports would add a constructor running several at every start).
// `GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2` turns it off, for glibc's own string functions and
// for ours: the tests run the baseline versions that way (tests/unit/ingest/*). Always false
// without BW_CPU_AVX2_TARGET. Thread-safe.
inline bool HasAvx2() {
#if defined(BW_CPU_AVX2_TARGET)
  static const bool kHas = CPU_FEATURE_ACTIVE(AVX2);
  return kHas;
#else
  return false;
#endif
}

}  // namespace bw
