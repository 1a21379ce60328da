// SPDX-License-Identifier: Apache-2.0
#include "policy/policy.h"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace bw::policy {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using bw::testing::FakeClock;

constexpr int64_t kDay = 24 * 3600 * 1000;

// Feeds events through Decide, keeping the state as a store would, with a FakeClock that moves
// to each event's time (live ingestion).
class PolicyTest : public ::testing::Test {
 protected:
  FeedbackEvent Make(EventType type, std::optional<BounceClass> cls = std::nullopt) {
    FeedbackEvent e;
    e.id = "ev" + std::to_string(++next_id_);
    e.type = type;
    e.recipient = "User@Example.com";
    e.occurred_at_ms = ToUnixMs(clock_.Now());
    if (type == EventType::kBounce) {
      BounceInfo b;
      b.bounce_class = cls.value_or(BounceClass::kHard);
      e.bounce = b;
    }
    if (type == EventType::kComplaint) {
      e.complaint = ComplaintInfo{};
    }
    return e;
  }

  // Applies an event now; returns whether Decide produced a state.
  bool Apply(const FeedbackEvent& e) {
    auto next = Decide(config_, state_, e, "user@example.com", "User@example.com", clock_.Now());
    if (next) {
      state_ = std::move(next);
    }
    return next.has_value();
  }
  bool Bounce(BounceClass cls) { return Apply(Make(EventType::kBounce, cls)); }

  bool SuppressedNow() const { return state_ && IsSuppressedAt(*state_, NowMs()); }
  int64_t NowMs() const { return ToUnixMs(clock_.Now()); }

  PolicyConfig config_;
  FakeClock clock_;
  std::optional<SuppressionState> state_;
  int next_id_ = 0;
};

TEST_F(PolicyTest, DefaultsMatchTheDocumentation) {
  PolicyConfig c;
  EXPECT_EQ(c.soft_bounce_limit, 3);
  EXPECT_EQ(c.soft_bounce_window, hours(24 * 7));
  EXPECT_TRUE(c.suppress_on_complaint);
  EXPECT_EQ(c.ttl_soft, hours(24 * 14));
  EXPECT_TRUE(Validate(c).has_value());
}

TEST_F(PolicyTest, ValidateRejectsOutOfRangeValues) {
  PolicyConfig c;
  c.soft_bounce_limit = 0;
  EXPECT_FALSE(Validate(c).has_value());
  c = PolicyConfig{};
  c.soft_bounce_window = milliseconds(0);
  EXPECT_FALSE(Validate(c).has_value());
  c = PolicyConfig{};
  c.ttl_soft = milliseconds(-1);
  EXPECT_FALSE(Validate(c).has_value());
}

TEST_F(PolicyTest, HardBounceSuppressesAtOnceForever) {
  ASSERT_TRUE(Bounce(BounceClass::kHard));
  ASSERT_TRUE(SuppressedNow());
  EXPECT_EQ(state_->reason, SuppressionReason::kBounce);
  EXPECT_EQ(state_->detail, "hard_bounce");
  EXPECT_EQ(state_->expires_at_ms, 0);
  EXPECT_EQ(state_->hard_bounces, 1);
  EXPECT_EQ(state_->address_key, "user@example.com");
  EXPECT_EQ(state_->address, "User@example.com");
  EXPECT_EQ(state_->suppressed_at_ms, NowMs());
  EXPECT_EQ(state_->event_ids, std::vector<std::string>{"ev1"});
  clock_.Advance(hours(24 * 365 * 10));
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, SoftBouncesSuppressAtTheLimitWithinTheWindow) {
  ASSERT_TRUE(Bounce(BounceClass::kSoft));
  EXPECT_FALSE(SuppressedNow());
  clock_.Advance(hours(24));
  ASSERT_TRUE(Bounce(BounceClass::kUndetermined));
  EXPECT_FALSE(SuppressedNow());
  EXPECT_EQ(state_->recent_soft_ms.size(), 2u);
  clock_.Advance(hours(24));
  ASSERT_TRUE(Bounce(BounceClass::kSoft));
  ASSERT_TRUE(SuppressedNow());
  EXPECT_EQ(state_->detail, "soft_bounce_limit");
  EXPECT_EQ(state_->soft_bounces, 3);
  EXPECT_EQ(state_->expires_at_ms, NowMs() + 14 * kDay);
  EXPECT_EQ(state_->event_ids.size(), 3u);
}

TEST_F(PolicyTest, WindowEdgeBounceExactlyAWindowOldNoLongerCounts) {
  int64_t start = NowMs();
  Bounce(BounceClass::kSoft);
  clock_.Advance(hours(24));
  Bounce(BounceClass::kSoft);
  // Third bounce exactly 7 days after the first: the first is out of the window.
  clock_.SetNowForTest(FromUnixMs(start + 7 * kDay));
  Bounce(BounceClass::kSoft);
  EXPECT_FALSE(SuppressedNow());
  EXPECT_EQ(state_->recent_soft_ms.size(), 2u);
}

TEST_F(PolicyTest, WindowEdgeOneMillisecondInsideStillCounts) {
  int64_t start = NowMs();
  Bounce(BounceClass::kSoft);
  clock_.Advance(hours(24));
  Bounce(BounceClass::kSoft);
  clock_.SetNowForTest(FromUnixMs(start + 7 * kDay - 1));
  Bounce(BounceClass::kSoft);
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, SlidingWindowCountsTheLatestBounces) {
  // Bounces on days 0, 6, 8, 9: at day 9, days 6, 8, 9 are within 7 days.
  int64_t start = NowMs();
  for (int day : {0, 6, 8}) {
    clock_.SetNowForTest(FromUnixMs(start + day * kDay));
    Bounce(BounceClass::kSoft);
    EXPECT_FALSE(SuppressedNow()) << "day " << day;
  }
  clock_.SetNowForTest(FromUnixMs(start + 9 * kDay));
  Bounce(BounceClass::kSoft);
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, DeliveryInBetweenResetsTheCount) {
  Bounce(BounceClass::kSoft);
  Bounce(BounceClass::kSoft);
  ASSERT_TRUE(Apply(Make(EventType::kDelivery)));
  EXPECT_TRUE(state_->recent_soft_ms.empty());
  Bounce(BounceClass::kSoft);
  Bounce(BounceClass::kSoft);
  EXPECT_FALSE(SuppressedNow());
  Bounce(BounceClass::kSoft);
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, DeliveryDoesNotLiftASuppression) {
  Bounce(BounceClass::kHard);
  Apply(Make(EventType::kDelivery));
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, IrrelevantEventsChangeNothing) {
  EXPECT_FALSE(Apply(Make(EventType::kDelivery)));  // unknown address: nothing to track
  EXPECT_FALSE(Apply(Make(EventType::kOpen)));
  EXPECT_FALSE(Apply(Make(EventType::kSend)));
  EXPECT_FALSE(state_.has_value());
  Bounce(BounceClass::kHard);
  EXPECT_FALSE(Apply(Make(EventType::kClick)));
  EXPECT_FALSE(Apply(Make(EventType::kDelivery)));  // no recent soft bounces
}

TEST_F(PolicyTest, SoftSuppressionExpiresAfterTtlSoft) {
  for (int i = 0; i < 3; ++i) {
    Bounce(BounceClass::kSoft);
  }
  ASSERT_TRUE(SuppressedNow());
  clock_.Advance(hours(24 * 14) - milliseconds(1));
  EXPECT_TRUE(SuppressedNow());
  clock_.Advance(milliseconds(1));
  EXPECT_FALSE(SuppressedNow());
}

TEST_F(PolicyTest, AfterExpiryTheWindowStartsAgain) {
  for (int i = 0; i < 3; ++i) {
    Bounce(BounceClass::kSoft);
  }
  clock_.Advance(hours(24 * 14));
  ASSERT_TRUE(Bounce(BounceClass::kSoft));
  EXPECT_FALSE(SuppressedNow());
  EXPECT_EQ(state_->recent_soft_ms.size(), 1u);
  EXPECT_EQ(state_->suppressed_at_ms, 0);
  EXPECT_EQ(state_->soft_bounces, 4);  // history is kept
}

TEST_F(PolicyTest, BouncingWhileSoftSuppressedExtendsExpiry) {
  for (int i = 0; i < 3; ++i) {
    Bounce(BounceClass::kSoft);
  }
  int64_t suppressed_at = state_->suppressed_at_ms;
  clock_.Advance(hours(24));
  Bounce(BounceClass::kSoft);
  EXPECT_EQ(state_->expires_at_ms, NowMs() + 14 * kDay);
  EXPECT_EQ(state_->suppressed_at_ms, suppressed_at);
}

TEST_F(PolicyTest, HardBounceUpgradesASoftSuppressionToPermanent) {
  for (int i = 0; i < 3; ++i) {
    Bounce(BounceClass::kSoft);
  }
  Bounce(BounceClass::kHard);
  EXPECT_EQ(state_->detail, "hard_bounce");
  EXPECT_EQ(state_->expires_at_ms, 0);
}

TEST_F(PolicyTest, TtlSoftZeroNeverExpires) {
  config_.ttl_soft = milliseconds(0);
  for (int i = 0; i < 3; ++i) {
    Bounce(BounceClass::kSoft);
  }
  clock_.Advance(hours(24 * 1000));
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, LimitOfOneSuppressesOnTheFirstSoftBounce) {
  config_.soft_bounce_limit = 1;
  Bounce(BounceClass::kUndetermined);
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, ComplaintSuppressesForever) {
  ASSERT_TRUE(Apply(Make(EventType::kComplaint)));
  ASSERT_TRUE(SuppressedNow());
  EXPECT_EQ(state_->reason, SuppressionReason::kComplaint);
  EXPECT_EQ(state_->expires_at_ms, 0);
  EXPECT_EQ(state_->complaints, 1);
}

TEST_F(PolicyTest, ComplaintIsCountedButDoesNotSuppressWhenTurnedOff) {
  config_.suppress_on_complaint = false;
  ASSERT_TRUE(Apply(Make(EventType::kComplaint)));
  EXPECT_FALSE(SuppressedNow());
  EXPECT_EQ(state_->complaints, 1);
}

TEST_F(PolicyTest, SesOnAccountSuppressionListComplaintSuppressesEvenWhenTurnedOff) {
  config_.suppress_on_complaint = false;
  FeedbackEvent e = Make(EventType::kComplaint);
  e.complaint->sub_type = "OnAccountSuppressionList";
  Apply(e);
  EXPECT_TRUE(SuppressedNow());
  EXPECT_EQ(state_->detail, "ses_suppressed");
}

TEST_F(PolicyTest, SesSuppressedBouncesSuppressEvenWhenClassifiedSoft) {
  for (std::string sub : {"Suppressed", "OnAccountSuppressionList"}) {
    state_.reset();
    FeedbackEvent e = Make(EventType::kBounce, BounceClass::kUndetermined);
    e.bounce->ses_subtype = sub;
    Apply(e);
    ASSERT_TRUE(SuppressedNow()) << sub;
    EXPECT_EQ(state_->detail, "ses_suppressed");
    EXPECT_EQ(state_->expires_at_ms, 0);
  }
  state_.reset();
  FeedbackEvent e = Make(EventType::kBounce, BounceClass::kSoft);
  e.bounce->reason = "suppressed";
  Apply(e);
  EXPECT_TRUE(SuppressedNow());
}

TEST_F(PolicyTest, ManualEntryIsNotReplacedByEvents) {
  SuppressionState manual;
  manual.address_key = "user@example.com";
  manual.address = "user@example.com";
  manual.suppressed = true;
  manual.reason = SuppressionReason::kManual;
  manual.detail = "manual";
  manual.note = "asked us";
  manual.suppressed_at_ms = NowMs();
  state_ = manual;
  Bounce(BounceClass::kHard);
  Apply(Make(EventType::kComplaint));
  EXPECT_EQ(state_->reason, SuppressionReason::kManual);
  EXPECT_EQ(state_->note, "asked us");
  EXPECT_EQ(state_->hard_bounces, 1);
  EXPECT_EQ(state_->complaints, 1);
  EXPECT_EQ(state_->event_ids.size(), 2u);
}

TEST_F(PolicyTest, FutureEventTimesAreCappedAtNow) {
  FeedbackEvent e = Make(EventType::kBounce, BounceClass::kHard);
  e.occurred_at_ms = NowMs() + 365 * kDay;
  Apply(e);
  EXPECT_EQ(state_->suppressed_at_ms, NowMs());
}

TEST_F(PolicyTest, ReplayInOrderGivesTheLiveResult) {
  // Events recorded live, then replayed later with a "now" far in the future (rebuild).
  std::vector<FeedbackEvent> events;
  for (int i = 0; i < 3; ++i) {
    events.push_back(Make(EventType::kBounce, BounceClass::kSoft));
    Apply(events.back());
    clock_.Advance(hours(1));
  }
  SuppressionState live = *state_;
  std::optional<SuppressionState> replay;
  TimePoint later = clock_.Now() + hours(24 * 100);
  for (const auto& e : events) {
    auto next = Decide(config_, replay, e, "user@example.com", "User@example.com", later);
    if (next) {
      replay = next;
    }
  }
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(replay->expires_at_ms, live.expires_at_ms);
  EXPECT_EQ(replay->suppressed_at_ms, live.suppressed_at_ms);
  EXPECT_EQ(replay->recent_soft_ms, live.recent_soft_ms);
}

TEST_F(PolicyTest, EventIdsKeepTheNewest) {
  for (int i = 0; i < 25; ++i) {
    Bounce(BounceClass::kHard);
  }
  ASSERT_EQ(state_->event_ids.size(), SuppressionState::kMaxEventIds);
  EXPECT_EQ(state_->event_ids.back(), "ev25");
  EXPECT_EQ(state_->event_ids.front(), "ev6");
}

}  // namespace
}  // namespace bw::policy
