// SPDX-License-Identifier: Apache-2.0
#include "core/cpu.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace bw {
namespace {

// Whether this process runs with glibc's tunable that turns AVX2 off (the *_without_avx2 tests).
bool Avx2TurnedOff() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::string(tunables).find("-AVX2") != std::string::npos;
}

// The "flags" line of /proc/cpuinfo lists "avx2" when the CPU has it and the kernel lets
// programs use it (the answer HasAvx2 must give on Linux), unless glibc's tunable turned it off.
TEST(CpuTest, HasAvx2IsWhatTheKernelReports) {
  std::ifstream in("/proc/cpuinfo");
  if (!in) {
    GTEST_SKIP() << "no /proc/cpuinfo";
  }
  std::string line;
  bool flags_seen = false;
  bool avx2 = false;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) {
      continue;
    }
    flags_seen = true;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string w; words >> w;) {
      avx2 = avx2 || w == "avx2";
    }
    break;
  }
  if (!flags_seen) {
    GTEST_SKIP() << "no flags line (not x86)";
  }
#if defined(BW_CPU_AVX2_TARGET)
  EXPECT_EQ(HasAvx2(), avx2 && !Avx2TurnedOff());
#else
  EXPECT_FALSE(HasAvx2());
#endif
  EXPECT_EQ(HasAvx2(), HasAvx2());  // asked once: the same answer every time
}

}  // namespace
}  // namespace bw
