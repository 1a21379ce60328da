// SPDX-License-Identifier: Apache-2.0
// Finding and reading mail files for `parse-mail` and bw_parse_mail_tool: one code path for both,
// built for many small files (a directory walk by readdir's file types, no per-file stat; files
// opened and read in batches with io_uring, or one open and a read loop per file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bw::mail {

// A list of file paths (each under 4 GiB) kept in 64 KiB blocks, each path NUL-terminated: no
// string (allocation, zero fill, copy and free) per file, which ListMailFiles made thousands of.
// The blocks are never moved or regrown, so a path stays where it is until the list is destroyed
// (also when the list is moved) and its bytes are written once (docs/benchmarks.md, issue 6,
// session 13). Movable, not copyable.
class MailFileList {
 public:
  size_t size() const { return paths_.size(); }
  bool empty() const { return paths_.empty(); }
  // Path i (i < size()), without its NUL.
  std::string_view operator[](size_t i) const { return {paths_[i].data, paths_[i].size}; }
  // Path i as a NUL-terminated string, for system calls.
  const char* c_str(size_t i) const { return paths_[i].data; }
  // Where the last component of path i begins: after its last '/', 0 when it has none.
  size_t name_offset(size_t i) const { return paths_[i].name_offset; }

  // Appends `path` (which holds no NUL byte).
  void Append(std::string_view path);
  // Appends dir + '/' + name (`name` holds no '/').
  void Append(std::string_view dir, std::string_view name);
  // Removes the last path (size() > 0).
  void PopBack();

 private:
  static constexpr size_t kBlock = 64u << 10;
  struct Path {
    const char* data;  // in one of blocks_, NUL-terminated
    uint32_t size;
    uint32_t name_offset;
  };

  // `n` bytes at the end of the last block, which a new block provides when they do not fit.
  char* Room(size_t n);

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_size_ = 0;  // of blocks_.back()
  size_t used_ = 0;        // bytes of blocks_.back() in use
  std::vector<Path> paths_;
};

// The regular files named by `inputs`: a file as given, a directory walked recursively (hidden
// entries included; symbolic links to files followed, to directories not; at most 64 levels).
// Each directory's files come sorted as byte strings with '/' before every other byte (so "a/b"
// precedes "a-b", as std::filesystem::path orders them); inputs keep their order. Inputs that are
// neither a file nor a directory are appended to `missing` (when not null). Unreadable
// subdirectories are skipped.
MailFileList ListMailFiles(const std::vector<std::string>& inputs,
                           std::vector<std::string>* missing);

// Reads whole files into buffers that it keeps between calls. Not thread-safe: one per thread.
//
// Two ways to read, same results: `ReadAt` over a list reads up to kBatch files ahead with
// io_uring (one system call opens and reads them all: IORING_OP_OPENAT into a registered file
// slot hard-linked to an IORING_OP_READ of the first kChunk bytes; a larger file's rest is read
// when it is its turn), which costs about a third of the system time of the plain loop on small
// files (docs/benchmarks.md, issue 6). Where io_uring cannot be set up (seccomp, io_uring
// disabled by sysctl, kernels before 5.19) or for `Mode::kPlain`, every file is one open, a read
// loop to end of file and a close. A file that cannot be opened or read is retried the plain way,
// so its errno is the one open/read gives.
class MailFileReader {
 public:
  enum class Mode { kAuto, kPlain };
  static constexpr size_t kBatch = 28;        // files opened and read per io_uring submission
  static constexpr size_t kChunk = 64u << 10;  // bytes read ahead per file (most mails fit)

  explicit MailFileReader(Mode mode = Mode::kAuto);
  ~MailFileReader();
  MailFileReader(const MailFileReader&) = delete;
  MailFileReader& operator=(const MailFileReader&) = delete;

  // The bytes of `path`, valid until the next Read/ReadAt; false (and errno set) when it cannot be
  // opened or read. Reads until end of file, so a file that changes size is still read whole.
  bool Read(const char* path, std::string_view* out);

  // The bytes of files[i] (i < end <= files.size()), as Read, except that with io_uring a read
  // shorter than asked is taken as the end of the file (true of regular files). Meant for
  // ascending i: when files[i] has not been read ahead, reads files[i, min(i + kBatch, end)) ahead
  // in one submission, each file opened relative to a descriptor of its directory (the kernel
  // then looks up only the last name; the directory is opened once per run of files in it).
  // `files` must stay unchanged while its files are being read.
  bool ReadAt(const MailFileList& files, size_t i, size_t end, std::string_view* out);

  // Whether ReadAt uses io_uring (false until the first ReadAt, and when it is unavailable).
  bool uses_io_uring() const;

 private:
  struct Ring;  // io_uring state, mail_files.cc

  // buffer_ holds at least `at_least` bytes (contents kept).
  void Grow(size_t at_least);

  Mode mode_;
  std::unique_ptr<Ring> ring_;
  bool ring_tried_ = false;
  // Not a std::string: growing one zero-fills it, touching every page of a buffer that a small
  // mail never reaches.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

// Output for a stdio stream, written in blocks of about kBlock bytes rather than per mail. Its
// buffer is reserved once: a std::string grown by appends reallocates on every doubling, and each
// copy touches new pages (≈ 30 page faults in a corpus run, docs/benchmarks.md, issue 6). Text
// appended to `buffer()` is written by the next MaybeFlush that finds kBlock bytes or more, by
// Flush, or by the destructor, in the order appended. Not thread-safe.
class BlockWriter {
 public:
  static constexpr size_t kBlock = 64u << 10;

  explicit BlockWriter(std::FILE* to);
  ~BlockWriter();  // Flush()
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // The text not written yet; append to it, then call MaybeFlush.
  std::string& buffer() { return out_; }
  // Writes the buffer when it holds kBlock bytes or more.
  void MaybeFlush() {
    if (out_.size() >= kBlock) {
      Flush();
    }
  }
  // Writes the buffer and the stream's own buffer (fflush).
  void Flush();

 private:
  std::FILE* to_;
  std::string out_;
};

}  // namespace bw::mail
