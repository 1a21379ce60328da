// SPDX-License-Identifier: Apache-2.0
// A fresh directory for a benchmark's database, under $BW_BENCH_DIR (default: the system temp
// dir): fsync cost depends on the disk, so the caller chooses it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <stdlib.h>
#include <string>

namespace bw::bench {

inline std::filesystem::path MakeTempDir() {
  namespace fs = std::filesystem;
  const char* base = std::getenv("BW_BENCH_DIR");
  std::string tmpl =
      ((base != nullptr ? fs::path(base) : fs::temp_directory_path()) / "bw-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + tmpl);
  }
  return tmpl;
}

}  // namespace bw::bench
