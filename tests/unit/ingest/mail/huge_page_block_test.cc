// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/huge_page_block.h"

#include <cstdint>
#include <cstring>
#include <span>
#include <thread>

#include <gtest/gtest.h>

namespace bw::mail {
namespace {

TEST(HugePageBlockTest, IsTwoMiBAlignedAndWritableThroughout) {
  HugePageBlock block;
  if (block.data() == nullptr) {
    EXPECT_EQ(block.size(), 0u);
    GTEST_SKIP() << "the mapping failed";
  }
  ASSERT_EQ(block.size(), HugePageBlock::kSize);
  EXPECT_EQ(HugePageBlock::kSize, size_t{2} << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block.data()) % HugePageBlock::kSize, 0u);
  std::memset(block.data(), 0x5a, block.size());
  EXPECT_EQ(block.data()[0], 0x5a);
  EXPECT_EQ(block.data()[block.size() - 1], 0x5a);
}

TEST(HugePageBlockTest, EachBlockIsItsOwn) {
  HugePageBlock a;
  HugePageBlock b;
  if (a.data() == nullptr || b.data() == nullptr) {
    GTEST_SKIP() << "the mapping failed";
  }
  EXPECT_TRUE(a.data() + a.size() <= b.data() || b.data() + b.size() <= a.data());
  a.data()[0] = 'a';
  b.data()[0] = 'b';
  EXPECT_EQ(a.data()[0], 'a');
}

TEST(ThreadBlockTest, ReadAheadAndScratchRegionsShareOneBlockPerThread) {
  // The first claim maps the thread's block: then the scratch regions exist (not before, in a
  // thread that never claimed), right after the read-ahead part, 2 MiB in all.
  std::span<char> before_claim;
  std::span<char> other_thread;
  std::thread([&] { before_claim = ThreadBlock::Scratch(0); }).join();
  EXPECT_TRUE(before_claim.empty());
  const std::span<char> read_ahead = ThreadBlock::ClaimReadAhead();
  if (read_ahead.empty()) {
    GTEST_SKIP() << "the mapping failed, or a reader of this thread holds the block";
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(read_ahead.data()) % HugePageBlock::kSize, 0u);
  EXPECT_EQ(read_ahead.size(), ThreadBlock::kReadAheadBytes);
  EXPECT_TRUE(ThreadBlock::ClaimReadAhead().empty());  // one reader at a time
  const std::span<char> s0 = ThreadBlock::Scratch(0);
  const std::span<char> s1 = ThreadBlock::Scratch(1);
  EXPECT_EQ(s0.data(), read_ahead.data() + read_ahead.size());
  EXPECT_EQ(s1.data(), s0.data() + s0.size());
  EXPECT_EQ(s0.size(), ThreadBlock::kScratchBytes);
  EXPECT_EQ(s1.data() + s1.size(), read_ahead.data() + HugePageBlock::kSize);
  EXPECT_TRUE(ThreadBlock::Scratch(2).empty());
  s1.back() = 'x';
  ThreadBlock::ReleaseReadAhead();
  EXPECT_EQ(ThreadBlock::ClaimReadAhead().data(), read_ahead.data());  // the same block again
  std::thread([&] {
    other_thread = ThreadBlock::ClaimReadAhead();
    ThreadBlock::ReleaseReadAhead();
  }).join();
  EXPECT_NE(other_thread.data(), read_ahead.data());  // each thread its own
  ThreadBlock::ReleaseReadAhead();
  EXPECT_EQ(ThreadBlock::Scratch(0).data(), s0.data());  // mapped until the thread exits
}

}  // namespace
}  // namespace bw::mail
