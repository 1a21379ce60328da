// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace bw::testing {

// Path of a file under tests/data.
inline std::filesystem::path DataPath(const std::string& relative) {
  return std::filesystem::path(BW_TEST_DATA_DIR) / relative;
}

// The whole file under tests/data; throws when missing (a test setup error, not a result).
inline std::string ReadData(const std::string& relative) {
  std::ifstream in(DataPath(relative), std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing test data " + DataPath(relative).string());
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A fresh empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bwtest-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace bw::testing
