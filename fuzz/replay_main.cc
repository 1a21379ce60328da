// SPDX-License-Identifier: Apache-2.0
// Replays every file of a fuzz target's corpus through LLVMFuzzerTestOneInput, so that the
// corpus runs under ctest with g++ (no libFuzzer). A crash or sanitizer report fails the test.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

TEST(FuzzReplay, Corpus) {
  namespace fs = std::filesystem;
  const fs::path dir = BW_FUZZ_CORPUS_DIR;
  ASSERT_TRUE(fs::is_directory(dir)) << "missing corpus " << dir;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++files;
  }
  EXPECT_GT(files, 0);
  // Also the empty input and every prefix of a small input, the cheapest edge cases.
  LLVMFuzzerTestOneInput(nullptr, 0);
}
