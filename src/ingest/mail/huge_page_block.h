// SPDX-License-Identifier: Apache-2.0
// Memory whose first touch should cost one page fault, not one per 4 KiB page: the mail reader's
// read-ahead chunks (mail_files.cc) and the parser's large per-thread scratch buffers
// (mime_internal.h). On the bench VM a first touch of a 4 KiB page costs ≈ 10-14 µs, a
// transparent huge page ≈ 53-250 µs for all 2 MiB, but now and then ≈ 5 ms (when the host has
// taken the memory back): one block per thread, shared, not one per use (docs/benchmarks.md,
// issue 6, sessions 11 and 12).
#pragma once

#include <cstddef>
#include <span>

namespace bw::mail {

// One 2 MiB block, mapped 2 MiB-aligned and marked MADV_HUGEPAGE, which the kernel may back with
// one transparent huge page (transparent huge pages set to "always" or "madvise"). Without huge
// pages it is ordinary anonymous memory, touched page by page. Empty (data() null, size() 0)
// when the mapping fails. The block is unmapped by the destructor; not copyable.
class HugePageBlock {
 public:
  static constexpr size_t kSize = size_t{2} << 20;

  HugePageBlock();
  ~HugePageBlock();
  HugePageBlock(const HugePageBlock&) = delete;
  HugePageBlock& operator=(const HugePageBlock&) = delete;

  char* data() const { return data_; }
  size_t size() const { return data_ == nullptr ? 0 : kSize; }

 private:
  char* data_ = nullptr;
};

// This thread's HugePageBlock, mapped by the first MailFileReader of the thread that reads with
// io_uring and kept until the thread exits, so that one huge-page fault serves both the reader's
// read-ahead chunks and the parser's large scratch buffers:
//   [0, kReadAheadBytes)          the read-ahead chunks of one reader at a time;
//   then two scratch regions of kScratchBytes: LoadMail's normalised mail, the fast path's decoded
//   parts (mime_internal.h).
class ThreadBlock {
 public:
  static constexpr size_t kScratchBytes = size_t{128} << 10;
  static constexpr size_t kReadAheadBytes = HugePageBlock::kSize - 2 * kScratchBytes;

  // The read-ahead part for one reader, the block mapped on the thread's first call. Empty when
  // the mapping failed, or while another reader of this thread holds it (until ReleaseReadAhead).
  static std::span<char> ClaimReadAhead();
  static void ReleaseReadAhead();

  // Scratch region `i` (0 or 1) when this thread's block is mapped, else empty: a thread that
  // reads no files with a reader (one mail from standard input) never maps a block for the
  // parser alone, and its buffers stay on the heap.
  static std::span<char> Scratch(size_t i);
};

}  // namespace bw::mail
