// SPDX-License-Identifier: Apache-2.0
// Finding and reading mail files for `parse-mail` and bw_parse_mail_tool: one code path for both,
// built for many small files (a directory walk by readdir's file types, no per-file stat; one
// open and a read loop into a reused buffer per file).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bw::mail {

// The regular files named by `inputs`: a file as given, a directory walked recursively (hidden
// entries included; symbolic links to files followed, to directories not; at most 64 levels).
// Each directory's files come sorted as byte strings with '/' before every other byte (so "a/b"
// precedes "a-b", as std::filesystem::path orders them); inputs keep their order. Inputs that are
// neither a file nor a directory are appended to `missing` (when not null). Unreadable
// subdirectories are skipped.
std::vector<std::string> ListMailFiles(const std::vector<std::string>& inputs,
                                       std::vector<std::string>* missing);

// Reads whole files into one buffer that it keeps between calls. Not thread-safe: one per thread.
class MailFileReader {
 public:
  // The bytes of `path`, valid until the next Read; false (and errno set) when it cannot be
  // opened or read. Reads until end of file, so a file that changes size is still read whole.
  bool Read(const std::string& path, std::string_view* out);

 private:
  // Not a std::string: growing one zero-fills it, touching every page of a buffer that a small
  // mail never reaches.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

}  // namespace bw::mail
