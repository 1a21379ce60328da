// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail_files.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bw::mail {
namespace {

// '/' sorts before every other byte, so a directory's files precede a sibling whose name
// continues with a byte smaller than '/' ("a/b" < "a-b"), as path comparison orders them.
bool PathLess(const std::string& a, const std::string& b) {
  static_assert(std::endian::native == std::endian::little, "the word compare below");
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  // Eight bytes at a time to the first difference (paths share long prefixes).
  while (i + 8 <= n) {
    uint64_t x = 0;
    uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      i += static_cast<size_t>(__builtin_ctzll(x ^ y)) / 8;  // little-endian: first byte lowest
      break;
    }
    i += 8;
  }
  while (i < n && a[i] == b[i]) {
    ++i;
  }
  if (i == n) {
    return a.size() < b.size();
  }
  unsigned char x = static_cast<unsigned char>(a[i]);
  unsigned char y = static_cast<unsigned char>(b[i]);
  if (x == '/') {
    return true;
  }
  if (y == '/') {
    return false;
  }
  return x < y;
}

// Appends the regular files under `dir` (a path without a trailing '/', or "" for "/").
void Walk(const std::string& dir, int depth, std::vector<std::string>& out) {
  if (depth > 64) {
    return;  // a symbolic-link loop or an absurd tree
  }
  DIR* d = ::opendir(dir.empty() ? "/" : dir.c_str());
  if (d == nullptr) {
    return;
  }
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    std::string path = dir + "/" + std::string(name);
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN || type == DT_LNK) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        continue;
      }
      // A link to a directory is not followed (no loops), as recursive_directory_iterator.
      type = S_ISREG(st.st_mode)                          ? DT_REG
             : S_ISDIR(st.st_mode) && e->d_type != DT_LNK ? DT_DIR
                                                          : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      Walk(path, depth + 1, out);
    } else if (type == DT_REG) {
      out.push_back(std::move(path));
    }
  }
  ::closedir(d);
}

}  // namespace

std::vector<std::string> ListMailFiles(const std::vector<std::string>& inputs,
                                       std::vector<std::string>* missing) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    struct stat st {};
    if (::stat(in.c_str(), &st) != 0) {
      if (missing != nullptr) {
        missing->push_back(in);
      }
    } else if (S_ISDIR(st.st_mode)) {
      std::string dir = in;
      while (!dir.empty() && dir.back() == '/') {
        dir.pop_back();
      }
      size_t first = files.size();
      Walk(dir, 0, files);
      std::sort(files.begin() + static_cast<std::ptrdiff_t>(first), files.end(), PathLess);
    } else if (S_ISREG(st.st_mode)) {
      files.push_back(in);
    } else if (missing != nullptr) {
      missing->push_back(in);
    }
  }
  return files;
}

bool MailFileReader::Read(const std::string& path, std::string_view* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  if (capacity_ == 0) {
    capacity_ = 256u << 10;  // most mails fit: one read, then the read that sees the end
    buffer_.reset(new char[capacity_]);
  }
  size_t got = 0;
  while (true) {
    if (got == capacity_) {
      std::unique_ptr<char[]> bigger(new char[capacity_ * 2]);
      std::memcpy(bigger.get(), buffer_.get(), got);
      buffer_ = std::move(bigger);
      capacity_ *= 2;
    }
    ssize_t n = ::read(fd, buffer_.get() + got, capacity_ - got);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int saved = errno;
      ::close(fd);
      errno = saved;
      return false;
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  *out = std::string_view(buffer_.get(), got);
  return true;
}

}  // namespace bw::mail
