// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail_files.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <span>
#include <sys/stat.h>
#include <unistd.h>

#ifdef BW_HAVE_LIBURING
#include <liburing.h>
#endif

#include "ingest/mail/huge_page_block.h"

namespace bw::mail {
namespace {

// Bytes [at, at + 8) of `name` as a big-endian word, NUL bytes past its end: words compare as
// the bytes do (unsigned), which is how std::string_view orders names.
uint64_t BigEndianWord(std::string_view name, size_t at) {
  unsigned char bytes[8] = {};
  if (at < name.size()) {
    std::memcpy(bytes, name.data() + at, std::min<size_t>(name.size() - at, 8));
  }
  uint64_t word = 0;
  for (unsigned char b : bytes) {
    word = (word << 8) | b;
  }
  return word;
}

// A directory entry read by Walk: its name is names[offset, offset + size) of the WalkScratch.
// It carries the name's first 16 bytes as two big-endian words (NUL-padded; names hold no NUL),
// so most comparisons while sorting are two integer compares instead of a memcmp call.
struct Entry {
  uint64_t head0;
  uint64_t head1;
  uint32_t offset;
  uint32_t size;
  unsigned char type;
};

// The names and entries of the directories being walked, one buffer of each for a whole listing:
// a directory's entries sit past its parent's and are dropped when it is done, so the buffers grow
// to the largest directory once instead of being regrown for every directory (and every round
// of a run that lists the same directory again). `dirents` is the getdents64 buffer, allocated
// once per listing: opendir would allocate one of the same 32 KiB per directory, after an fstat
// to size it.
struct WalkScratch {
  static constexpr size_t kDirentBytes = 32u << 10;
  std::string names;
  std::vector<Entry> entries;
  std::unique_ptr<char[]> dirents;
};

// Appends the regular files under `dir` (a path without a trailing '/', or "" for "/") in path
// order: each directory's entries sorted by name, a subdirectory's files where its name sorts.
// That is the order of the whole paths with '/' before every other byte: names hold no '/', so
// two paths first differ inside the names of two siblings, or one sibling's name is a prefix of
// the other's and comes first either way ("a/b" and "a" before "a-b"). Leaves `scratch` as it
// found it.
void Walk(const std::string& dir, int depth, WalkScratch& scratch, MailFileList& out) {
  if (depth > 64) {
    return;  // a symbolic-link loop or an absurd tree
  }
  // As opendir opens it; then read with getdents64 into the scratch buffer, as readdir does.
  const int fd =
      ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  if (scratch.dirents == nullptr) {
    scratch.dirents.reset(new char[WalkScratch::kDirentBytes]);
  }
  // The names in one buffer and sorted as views into it: no string per entry (a directory of
  // mails is mostly names longer than the 15 bytes a std::string holds without allocating).
  std::string& names = scratch.names;
  std::vector<Entry>& entries = scratch.entries;
  const size_t names_first = names.size();
  const size_t first = entries.size();
  char* const buffer = scratch.dirents.get();
  while (true) {
    const ssize_t got = ::getdents64(fd, buffer, WalkScratch::kDirentBytes);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;  // the end, or an error (which ends readdir's loop too)
    }
    for (size_t at = 0; at < static_cast<size_t>(got);) {
      const auto* e = reinterpret_cast<const dirent64*>(buffer + at);
      at += e->d_reclen;
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") {
        continue;
      }
      entries.push_back({BigEndianWord(name, 0), BigEndianWord(name, 8),
                         static_cast<uint32_t>(names.size()), static_cast<uint32_t>(name.size()),
                         e->d_type});
      names.append(name);
    }
  }
  ::close(fd);
  const auto name_of = [&names](const Entry& e) {
    return std::string_view(names.data() + e.offset, e.size);
  };
  // Byte order of the names: the words compare as their bytes do, and two entries with the same
  // words either are the same name (cannot happen in one directory) or both are at least 16
  // bytes long, and the bytes after the 16th decide.
  const size_t end = entries.size();
  std::sort(entries.begin() + static_cast<std::ptrdiff_t>(first), entries.end(),
            [&](const Entry& a, const Entry& b) {
              if (a.head0 != b.head0) {
                return a.head0 < b.head0;
              }
              if (a.head1 != b.head1) {
                return a.head1 < b.head1;
              }
              const std::string_view x = name_of(a);
              const std::string_view y = name_of(b);
              return x.substr(std::min<size_t>(x.size(), 16)) <
                     y.substr(std::min<size_t>(y.size(), 16));
            });
  // By index and by value: a subdirectory's walk appends to (and may reallocate) the buffers.
  // Each entry's path is appended to `out` and taken back when it is not a regular file.
  for (size_t i = first; i < end; ++i) {
    const Entry e = entries[i];
    out.Append(dir, name_of(e));
    unsigned char type = e.type;
    if (type == DT_UNKNOWN || type == DT_LNK) {
      struct stat st {};
      if (::stat(out.c_str(out.size() - 1), &st) != 0) {
        out.PopBack();
        continue;
      }
      // A link to a directory is not followed (no loops), as recursive_directory_iterator.
      type = S_ISREG(st.st_mode)                        ? DT_REG
             : S_ISDIR(st.st_mode) && e.type != DT_LNK ? DT_DIR
                                                        : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      const std::string path(out[out.size() - 1]);
      out.PopBack();
      Walk(path, depth + 1, scratch, out);
    } else if (type != DT_REG) {
      out.PopBack();
    }
  }
  entries.resize(first);
  names.resize(names_first);
}

}  // namespace

char* MailFileList::Room(size_t n) {
  if (blocks_.empty() || block_size_ - used_ < n) {
    block_size_ = std::max(kBlock, n);
    blocks_.push_back(std::unique_ptr<char[]>(new char[block_size_]));
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  used_ += n;
  return at;
}

void MailFileList::Append(std::string_view path) {
  char* p = Room(path.size() + 1);
  std::memcpy(p, path.data(), path.size());
  p[path.size()] = '\0';
  const size_t slash = path.rfind('/');
  paths_.push_back({p, static_cast<uint32_t>(path.size()),
                    static_cast<uint32_t>(slash == std::string_view::npos ? 0 : slash + 1)});
}

void MailFileList::Append(std::string_view dir, std::string_view name) {
  const size_t size = dir.size() + 1 + name.size();
  char* p = Room(size + 1);
  std::memcpy(p, dir.data(), dir.size());
  p[dir.size()] = '/';
  std::memcpy(p + dir.size() + 1, name.data(), name.size());
  p[size] = '\0';
  paths_.push_back({p, static_cast<uint32_t>(size), static_cast<uint32_t>(dir.size() + 1)});
}

void MailFileList::PopBack() {
  // The last path is the last thing in the last block: Room never goes back to an earlier block.
  used_ = static_cast<size_t>(paths_.back().data - blocks_.back().get());
  paths_.pop_back();
}

MailFileList ListMailFiles(const std::vector<std::string>& inputs,
                           std::vector<std::string>* missing) {
  MailFileList files;
  WalkScratch scratch;
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
      Walk(dir, 0, scratch, files);
    } else if (S_ISREG(st.st_mode)) {
      files.Append(in);
    } else if (missing != nullptr) {
      missing->push_back(in);
    }
  }
  return files;
}

#ifdef BW_HAVE_LIBURING

// One ring per reader: kBatch registered file slots and kBatch chunks of kChunk bytes. The chunks
// are the read-ahead part of this thread's ThreadBlock (a huge page): reading into 4 KiB pages
// faulted in each page the first time a file reached it, ≈ 85 faults over the corpus, a few per
// cent of a 5-round parse-mail run on a VM where a fault costs 10-20 µs (docs/benchmarks.md,
// issue 6, session 11). A second reader of the same thread maps a block of its own.
struct MailFileReader::Ring {
  static_assert(kBatch * kChunk == ThreadBlock::kReadAheadBytes, "the chunks fill their part");
  io_uring ring{};
  bool inited = false;
  char* chunks = nullptr;
  bool claimed = false;                // chunks are the thread's block's
  std::unique_ptr<HugePageBlock> own;  // else they are this one's
  const MailFileList* files = nullptr;
  size_t begin = 0;  // files[begin, begin + count) have been read ahead
  size_t count = 0;
  int open_res[kBatch] = {};  // the CQE results: a slot's open, then its read
  int read_res[kBatch] = {};
  // Files are opened relative to their directory, so that the kernel copies in and looks up only
  // the last name, not the whole path (5-10 % of the reading time, docs/benchmarks.md, issue 6,
  // session 13). `dir_fd` is an O_PATH descriptor of `dir` (-1 when it could not be opened: then
  // whole paths), kept while the files come from that directory (so a directory renamed away
  // meanwhile is still read where it went, as an open directory is); the descriptors it replaced
  // during a submission are closed once the submission's opens are done.
  std::string dir;
  int dir_fd = -1;
  int replaced[kBatch] = {};
  size_t replaced_count = 0;

  ~Ring() {
    if (inited) {
      io_uring_queue_exit(&ring);  // also closes the files left in the slots
    }
    CloseReplacedDirs();
    if (dir_fd >= 0) {
      ::close(dir_fd);
    }
    if (claimed) {
      ThreadBlock::ReleaseReadAhead();
    }
  }

  // nullptr when the kernel or a seccomp filter refuses io_uring or a feature it needs.
  static std::unique_ptr<Ring> Create() {
    auto r = std::make_unique<Ring>();
    if (io_uring_queue_init(2 * kBatch, &r->ring, 0) < 0) {
      return nullptr;
    }
    r->inited = true;
    io_uring_probe* probe = io_uring_get_probe_ring(&r->ring);
    const bool ops = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_OPENAT) &&
                     io_uring_opcode_supported(probe, IORING_OP_READ);
    if (probe != nullptr) {
      io_uring_free_probe(probe);
    }
    // Sparse file tables (5.19) and opening into a slot (5.15).
    if (!ops || io_uring_register_files_sparse(&r->ring, kBatch) < 0) {
      return nullptr;
    }
    if (const std::span<char> part = ThreadBlock::ClaimReadAhead(); !part.empty()) {
      r->claimed = true;
      r->chunks = part.data();
    } else {
      r->own = std::make_unique<HugePageBlock>();
      r->chunks = r->own->data();
    }
    if (r->chunks == nullptr) {
      return nullptr;
    }
    return r;
  }

  // Submits all queued SQEs and waits for `expected` completions, handing each to `on_cqe`.
  // False when the ring failed (the caller then drops it).
  template <class F>
  bool SubmitAndReap(unsigned expected, F&& on_cqe) {
    unsigned submitted = 0;
    while (submitted < expected) {
      int rc = io_uring_submit(&ring);
      if (rc < 0 && rc != -EINTR && rc != -EAGAIN) {
        return false;
      }
      if (rc > 0) {
        submitted += static_cast<unsigned>(rc);
      }
    }
    for (unsigned seen = 0; seen < expected;) {
      io_uring_cqe* cqe = nullptr;
      int rc = io_uring_wait_cqe(&ring, &cqe);
      if (rc == -EINTR) {
        continue;
      }
      if (rc < 0) {
        return false;
      }
      on_cqe(cqe->user_data, cqe->res);
      io_uring_cqe_seen(&ring, cqe);
      ++seen;
    }
    return true;
  }

  void CloseReplacedDirs() {
    for (size_t j = 0; j < replaced_count; ++j) {
      ::close(replaced[j]);
    }
    replaced_count = 0;
  }

  // The descriptor to open list[i] at and the name to open there: its directory's and its last
  // component, or AT_FDCWD and the whole path when it has no '/' or its directory cannot be
  // opened. Opens the directory when it is not the previous file's: at most once per file, so a
  // submission of kBatch files replaces at most kBatch descriptors.
  int OpenDirOf(const MailFileList& list, size_t i, const char** name) {
    *name = list.c_str(i);
    const std::string_view path = list[i];
    const size_t at = list.name_offset(i);
    if (at == 0 || at == path.size()) {
      return AT_FDCWD;
    }
    const std::string_view d = at == 1 ? std::string_view("/") : path.substr(0, at - 1);
    if (d != dir) {
      if (dir_fd >= 0) {
        replaced[replaced_count++] = dir_fd;  // opens queued before this one may still use it
      }
      dir.assign(d);
      dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (dir_fd < 0) {
      return AT_FDCWD;
    }
    *name += at;
    return dir_fd;
  }

  // Opens files[first, first + n) into slots 0..n-1 and reads each one's first kChunk bytes:
  // each open hard-linked to its read (a hard link, as a short read would cut a soft one).
  bool Fill(const MailFileList& list, size_t first, size_t n) {
    files = nullptr;
    for (size_t k = 0; k < n; ++k) {
      io_uring_sqe* open = io_uring_get_sqe(&ring);
      io_uring_sqe* read = io_uring_get_sqe(&ring);
      if (open == nullptr || read == nullptr) {
        return false;  // cannot happen: the ring holds 2 * kBatch entries and is empty here
      }
      const char* name = nullptr;
      const int at = OpenDirOf(list, first + k, &name);
      io_uring_prep_openat_direct(open, at, name, O_RDONLY, 0, static_cast<unsigned>(k));
      open->flags |= IOSQE_IO_HARDLINK;
      open->user_data = 2 * k;
      io_uring_prep_read(read, static_cast<int>(k), chunks + k * kChunk, kChunk, 0);
      read->flags |= IOSQE_FIXED_FILE;
      read->user_data = 2 * k + 1;
    }
    const bool ok = SubmitAndReap(static_cast<unsigned>(2 * n), [&](uint64_t tag, int res) {
      // An if, not `(odd ? read_res : open_res)[tag / 2]`: GCC 12's -fsanitize=bounds computes a
      // wild index for a conditional of two arrays (the ASan/UBSan build crashed here).
      if (tag < 2 * kBatch) {
        if ((tag & 1) != 0) {
          read_res[tag / 2] = res;
        } else {
          open_res[tag / 2] = res;
        }
      }
    });
    if (!ok) {
      return false;  // the replaced descriptors are closed after the ring is torn down
    }
    CloseReplacedDirs();
    files = &list;
    begin = first;
    count = n;
    return true;
  }

  // Reads slot k's file from `offset` into buf[0, len): bytes read, or -errno.
  int ReadMore(size_t k, char* buf, size_t len, size_t offset, bool* ring_ok) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) {
      *ring_ok = false;
      return -EIO;
    }
    io_uring_prep_read(sqe, static_cast<int>(k), buf, static_cast<unsigned>(len), offset);
    sqe->flags |= IOSQE_FIXED_FILE;
    sqe->user_data = ~uint64_t{0};
    int got = -EIO;
    *ring_ok = SubmitAndReap(1, [&](uint64_t, int res) { got = res; });
    return got;
  }
};

#else  // no liburing at build time: the plain loop only

struct MailFileReader::Ring {};

#endif

MailFileReader::MailFileReader(Mode mode) : mode_(mode) {}

MailFileReader::~MailFileReader() = default;

bool MailFileReader::uses_io_uring() const { return ring_ != nullptr; }

void MailFileReader::Grow(size_t at_least) {
  if (capacity_ >= at_least) {
    return;
  }
  size_t cap = capacity_ == 0 ? (256u << 10) : capacity_;
  while (cap < at_least) {
    cap *= 2;
  }
  std::unique_ptr<char[]> bigger(new char[cap]);
  if (capacity_ > 0) {
    std::memcpy(bigger.get(), buffer_.get(), capacity_);
  }
  buffer_ = std::move(bigger);
  capacity_ = cap;
}

bool MailFileReader::ReadAt(const MailFileList& files, size_t i, size_t end,
                            std::string_view* out) {
#ifdef BW_HAVE_LIBURING
  if (!ring_tried_) {
    ring_tried_ = true;
    if (mode_ == Mode::kAuto) {
      ring_ = Ring::Create();
    }
  }
  if (ring_ == nullptr) {
    return Read(files.c_str(i), out);
  }
  Ring& r = *ring_;
  if (r.files != &files || i < r.begin || i >= r.begin + r.count) {
    if (!r.Fill(files, i, std::min(kBatch, end - i))) {
      ring_.reset();  // a broken ring: the plain loop from now on
      return Read(files.c_str(i), out);
    }
  }
  const size_t k = i - r.begin;
  if (r.open_res[k] < 0 || r.read_res[k] < 0) {
    return Read(files.c_str(i), out);  // the plain way reports (and sets errno for) the failure
  }
  const size_t first = static_cast<size_t>(r.read_res[k]);
  const char* chunk = r.chunks + k * kChunk;
  if (first < kChunk) {  // a short read of a regular file: its end
    *out = std::string_view(chunk, first);
    return true;
  }
  // A larger file: its first chunk, then the rest from the same slot until end of file.
  Grow(2 * kChunk);
  std::memcpy(buffer_.get(), chunk, kChunk);
  size_t got = kChunk;
  while (true) {
    Grow(got + 1);
    bool ring_ok = true;
    const size_t want = std::min<size_t>(capacity_ - got, 1u << 30);
    int n = r.ReadMore(k, buffer_.get() + got, want, got, &ring_ok);
    if (!ring_ok) {
      ring_.reset();
      return Read(files.c_str(i), out);
    }
    if (n < 0) {
      return Read(files.c_str(i), out);
    }
    got += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < want) {
      break;  // a short read of a regular file (or 0): its end, as for the first chunk
    }
  }
  *out = std::string_view(buffer_.get(), got);
  return true;
#else
  return Read(files.c_str(i), out);
#endif
}

bool MailFileReader::Read(const char* path, std::string_view* out) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  Grow(1);  // most mails fit the first 256 KiB: one read, then the read that sees the end
  size_t got = 0;
  while (true) {
    if (got == capacity_) {
      Grow(capacity_ * 2);
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

BlockWriter::BlockWriter(std::FILE* to) : to_(to) {
  out_.reserve(kBlock + (16u << 10));  // room for the mail that crosses kBlock
}

BlockWriter::~BlockWriter() { Flush(); }

void BlockWriter::Flush() {
  std::fwrite(out_.data(), 1, out_.size(), to_);
  out_.clear();
  std::fflush(to_);
}

}  // namespace bw::mail
