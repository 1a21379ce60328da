// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/huge_page_block.h"

#include <cstdint>
#include <optional>
#include <sys/mman.h>

namespace bw::mail {

HugePageBlock::HugePageBlock() {
  // Twice the size, then the unaligned head and tail unmapped.
  void* m = mmap(nullptr, 2 * kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    return;
  }
  auto* base = static_cast<char*>(m);
  const uintptr_t at = reinterpret_cast<uintptr_t>(base);
  char* aligned = base + ((kSize - at % kSize) % kSize);
  if (aligned > base) {
    munmap(base, static_cast<size_t>(aligned - base));
  }
  munmap(aligned + kSize, static_cast<size_t>(base + 2 * kSize - (aligned + kSize)));
#ifdef MADV_HUGEPAGE
  madvise(aligned, kSize, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
#endif
  data_ = aligned;
}

HugePageBlock::~HugePageBlock() {
  if (data_ != nullptr) {
    munmap(data_, kSize);
  }
}

namespace {

struct ThreadState {
  std::optional<HugePageBlock> block;  // mapped on the first ClaimReadAhead
  bool read_ahead_claimed = false;
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

}  // namespace

std::span<char> ThreadBlock::ClaimReadAhead() {
  ThreadState& s = State();
  if (!s.block) {
    s.block.emplace();
  }
  if (s.block->data() == nullptr || s.read_ahead_claimed) {
    return {};
  }
  s.read_ahead_claimed = true;
  return {s.block->data(), kReadAheadBytes};
}

void ThreadBlock::ReleaseReadAhead() { State().read_ahead_claimed = false; }

std::span<char> ThreadBlock::Scratch(size_t i) {
  ThreadState& s = State();
  if (!s.block || s.block->data() == nullptr || i > 1) {
    return {};
  }
  return {s.block->data() + kReadAheadBytes + i * kScratchBytes, kScratchBytes};
}

}  // namespace bw::mail
