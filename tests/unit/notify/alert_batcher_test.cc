// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_batcher.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace bw::notify {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

FeedbackEvent Ev(std::string recipient) {
  FeedbackEvent e;
  e.type = EventType::kBounce;
  e.recipient = std::move(recipient);
  return e;
}

std::vector<std::string> Recipients(const AlertBatcher::Batch& b) {
  std::vector<std::string> out;
  for (const auto& e : b.events) {
    out.push_back(e.recipient);
  }
  return out;
}

TEST(AlertBatcherTest, NothingPendingNothingDue) {
  testing::FakeClock clock;
  AlertBatcher b({.min_interval = minutes(5)}, clock);
  EXPECT_FALSE(b.TakeDue().has_value());
  EXPECT_FALSE(b.NextDue().has_value());
  EXPECT_EQ(b.pending(), 0u);
}

TEST(AlertBatcherTest, FirstEventGoesAtOnceTheRestWaitForTheInterval) {
  testing::FakeClock clock;
  AlertBatcher b({.min_interval = minutes(5)}, clock);
  const TimePoint t0 = clock.Now();
  b.Add(Ev("a@x"));
  EXPECT_EQ(b.NextDue(), t0);
  auto first = b.TakeDue();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Recipients(*first), std::vector<std::string>{"a@x"});

  clock.Advance(seconds(10));
  b.Add(Ev("b@x"));
  clock.Advance(minutes(2));
  b.Add(Ev("c@x"));
  EXPECT_EQ(b.NextDue(), t0 + minutes(5));
  EXPECT_FALSE(b.TakeDue().has_value());
  clock.Advance(minutes(2) + seconds(49));  // 4:59 after the first mail
  EXPECT_FALSE(b.TakeDue().has_value());
  EXPECT_EQ(b.pending(), 2u);
  clock.Advance(seconds(1));  // exactly 5:00
  auto second = b.TakeDue();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(Recipients(*second), (std::vector<std::string>{"b@x", "c@x"}));
  EXPECT_EQ(b.pending(), 0u);

  // A quiet period longer than the interval: the next event is due at once again.
  clock.Advance(minutes(30));
  b.Add(Ev("d@x"));
  EXPECT_EQ(b.NextDue(), clock.Now());
  EXPECT_TRUE(b.TakeDue().has_value());
}

TEST(AlertBatcherTest, FailedMailIsRestoredAheadOfNewerEvents) {
  testing::FakeClock clock;
  AlertBatcher b({.min_interval = minutes(1)}, clock);
  b.Add(Ev("a@x"));
  b.Add(Ev("b@x"));
  auto batch = b.TakeDue();
  ASSERT_TRUE(batch.has_value());
  b.Add(Ev("c@x"));              // arrives while the mail is being sent
  b.Restore(std::move(*batch));  // ... which failed
  EXPECT_EQ(b.pending(), 3u);
  EXPECT_FALSE(b.TakeDue().has_value());  // retried no sooner than min_interval
  clock.Advance(minutes(1));
  auto retry = b.TakeDue();
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(Recipients(*retry), (std::vector<std::string>{"a@x", "b@x", "c@x"}));
  EXPECT_FALSE(b.TakeDue().has_value());
}

TEST(AlertBatcherTest, OverflowIsCountedNotKept) {
  testing::FakeClock clock;
  AlertBatcher b({.min_interval = minutes(1), .max_pending = 3}, clock);
  for (int i = 0; i < 5; ++i) {
    b.Add(Ev("u" + std::to_string(i) + "@x"));
  }
  EXPECT_EQ(b.pending(), 5u);
  auto batch = b.TakeDue();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->events.size(), 3u);
  EXPECT_EQ(batch->omitted, 2u);
  EXPECT_EQ(batch->events.front().recipient, "u0@x");  // the oldest are kept
  // Restoring with newer events over the limit keeps the count exact.
  b.Add(Ev("new1@x"));
  b.Add(Ev("new2@x"));
  b.Restore(std::move(*batch));
  EXPECT_EQ(b.pending(), 7u);
  clock.Advance(minutes(1));
  batch = b.TakeDue();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->events.size(), 3u);
  EXPECT_EQ(batch->omitted, 4u);
}

}  // namespace
}  // namespace bw::notify
