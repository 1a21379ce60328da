// SPDX-License-Identifier: Apache-2.0
#include "metrics/reputation.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>
#include <vector>
#include <string>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "testing/fake_clock.h"

namespace bw::metrics {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

int64_t Ms(std::string_view iso) { return *ParseIso8601Ms(iso); }

FeedbackEvent Event(EventType type, int64_t at_ms, std::string recipient = "a@example.com") {
  FeedbackEvent e;
  e.type = type;
  e.occurred_at_ms = at_ms;
  e.received_at_ms = at_ms + 1000;
  e.recipient = std::move(recipient);
  e.source = "ses";
  e.mail.source_arn = "arn:aws:ses:us-east-1:123456789012:identity/Mail.Example.com";
  e.mail.from = "news@mail.example.com";
  e.mail.configuration_set = "marketing";
  return e;
}

FeedbackEvent Bounce(BounceClass c, int64_t at_ms, std::string subtype = "General",
                     std::string recipient = "a@example.com") {
  FeedbackEvent e = Event(EventType::kBounce, at_ms, std::move(recipient));
  e.bounce = BounceInfo{};
  e.bounce->bounce_class = c;
  e.bounce->ses_type = c == BounceClass::kHard ? "Permanent" : "Transient";
  e.bounce->ses_subtype = std::move(subtype);
  return e;
}

FeedbackEvent Complaint(int64_t at_ms, std::string subtype = "",
                        std::string recipient = "a@example.com") {
  FeedbackEvent e = Event(EventType::kComplaint, at_ms, std::move(recipient));
  e.complaint = ComplaintInfo{};
  e.complaint->sub_type = std::move(subtype);
  return e;
}

void AddMany(ReputationCounter& c, const FeedbackEvent& e, int n) {
  for (int i = 0; i < n; ++i) {
    c.Add(e);
  }
}

class ReputationTest : public ::testing::Test {
 protected:
  // Now is 03:30; the current bucket starts at 03:00.
  testing::FakeClock clock_{FromUnixMs(Ms("2026-11-30T03:30:00Z"))};
  int64_t now_ = Ms("2026-11-30T03:30:00Z");
};

TEST(CountsForEventTest, OnlyHardBouncesCountAsBounces) {
  ReputationConfig cfg;
  const int64_t t = Ms("2026-11-30T03:00:00Z");
  EXPECT_EQ(CountsForEvent(Bounce(BounceClass::kHard, t), cfg),
            (Counts{.bounces = 1, .hard_bounces = 1}));
  EXPECT_EQ(CountsForEvent(Bounce(BounceClass::kSoft, t, "MailboxFull"), cfg),
            (Counts{.bounces = 1}));
  EXPECT_EQ(CountsForEvent(Bounce(BounceClass::kUndetermined, t), cfg), (Counts{.bounces = 1}));
  // Global suppression list counts for SES; the account-level list does not.
  EXPECT_EQ(CountsForEvent(Bounce(BounceClass::kHard, t, "Suppressed"), cfg),
            (Counts{.bounces = 1, .hard_bounces = 1}));
  EXPECT_EQ(CountsForEvent(Bounce(BounceClass::kHard, t, "OnAccountSuppressionList"), cfg),
            (Counts{.excluded = 1}));
}

TEST(CountsForEventTest, ComplaintsSendsDeliveriesAndOthers) {
  ReputationConfig cfg;
  const int64_t t = Ms("2026-11-30T03:00:00Z");
  EXPECT_EQ(CountsForEvent(Complaint(t), cfg), (Counts{.complaints = 1}));
  EXPECT_EQ(CountsForEvent(Complaint(t, "OnAccountSuppressionList"), cfg), (Counts{.excluded = 1}));
  EXPECT_EQ(CountsForEvent(Event(EventType::kSend, t), cfg), (Counts{.sends = 1}));
  EXPECT_EQ(CountsForEvent(Event(EventType::kDelivery, t), cfg), (Counts{.deliveries = 1}));
  EXPECT_TRUE(CountsForEvent(Event(EventType::kOpen, t), cfg).Empty());
  EXPECT_TRUE(CountsForEvent(Event(EventType::kAutoReply, t), cfg).Empty());
  EXPECT_TRUE(CountsForEvent(Event(EventType::kDeliveryDelay, t), cfg).Empty());
}

TEST(CountsForEventTest, SimulatorExcludedUnlessConfigured) {
  ReputationConfig cfg;
  const int64_t t = Ms("2026-11-30T03:00:00Z");
  const FeedbackEvent sim =
      Bounce(BounceClass::kHard, t, "General", "bounce+x@Simulator.AmazonSES.com");
  EXPECT_EQ(CountsForEvent(sim, cfg), (Counts{.excluded = 1}));
  cfg.count_simulator = true;
  EXPECT_EQ(CountsForEvent(sim, cfg), (Counts{.bounces = 1, .hard_bounces = 1}));
}

TEST(DimensionKeysTest, IdentityAndDomain) {
  FeedbackEvent e = Event(EventType::kSend, 1, "Someone <X@GMail.COM>");
  EXPECT_EQ(IdentityOf(e), "mail.example.com");
  EXPECT_EQ(RecipientDomainOf(e.recipient), "gmail.com");
  e.mail.source_arn.clear();
  e.mail.from = "\"News\" <news@Other.Example>";
  EXPECT_EQ(IdentityOf(e), "other.example");
  EXPECT_EQ(RecipientDomainOf("no-at-sign"), "");
}

TEST_F(ReputationTest, NothingAtAll) {
  ReputationCounter c(ReputationConfig{}, clock_);
  const Reputation r = c.Compute();
  EXPECT_EQ(r.send_source, SendSource::kNone);
  EXPECT_EQ(r.sends, 0);
  EXPECT_EQ(r.bounce_rate, 0);
  EXPECT_EQ(r.level, Level::kOk);
  EXPECT_TRUE(r.low_confidence);
  EXPECT_EQ(r.as_of_ms, now_);
}

TEST_F(ReputationTest, SendEventsAreTheDenominatorWhenPresent) {
  ReputationCounter c(ReputationConfig{}, clock_);
  const int64_t t = now_ - 60000;
  AddMany(c, Event(EventType::kSend, t), 2000);
  AddMany(c, Event(EventType::kDelivery, t), 1900);  // ignored as denominator: Send wins
  AddMany(c, Bounce(BounceClass::kHard, t), 60);
  AddMany(c, Bounce(BounceClass::kSoft, t), 40);
  AddMany(c, Complaint(t), 3);
  c.AddReportedSends(t, 99999);
  const Reputation r = c.Compute();
  EXPECT_EQ(r.send_source, SendSource::kSendEvents);
  EXPECT_EQ(r.sends, 2000);
  EXPECT_EQ(r.hard_bounces, 60);
  EXPECT_DOUBLE_EQ(r.bounce_rate, 0.03);
  EXPECT_DOUBLE_EQ(r.complaint_rate, 0.0015);
  EXPECT_EQ(r.bounce_level, Level::kElevated);
  EXPECT_EQ(r.complaint_level, Level::kWarning);
  EXPECT_EQ(r.level, Level::kWarning);
  EXPECT_FALSE(r.low_confidence);
  EXPECT_EQ(r.counts.reported_sends, 99999);
}

TEST_F(ReputationTest, DeliveredPlusBouncedWithoutSendEvents) {
  ReputationCounter c(ReputationConfig{}, clock_);
  const int64_t t = now_ - 60000;
  AddMany(c, Event(EventType::kDelivery, t), 900);
  AddMany(c, Bounce(BounceClass::kHard, t), 50);
  AddMany(c, Bounce(BounceClass::kSoft, t), 50);
  // Excluded events are in neither the numerator nor the denominator.
  AddMany(c, Bounce(BounceClass::kHard, t, "OnAccountSuppressionList"), 500);
  c.AddReportedSends(t, 99999);
  const Reputation r = c.Compute();
  EXPECT_EQ(r.send_source, SendSource::kDeliveredBounced);
  EXPECT_EQ(r.sends, 1000);
  EXPECT_DOUBLE_EQ(r.bounce_rate, 0.05);
  EXPECT_EQ(r.bounce_level, Level::kWarning);
  EXPECT_EQ(r.counts.excluded, 500);
  EXPECT_FALSE(r.low_confidence);
}

TEST_F(ReputationTest, ReportedSendsWhenNothingElse) {
  ReputationCounter c(ReputationConfig{}, clock_);
  c.AddReportedSends(now_ - milliseconds(hours(2)).count(), 4000);
  c.AddReportedSends(now_, 1000);
  c.AddReportedSends(now_, 0);   // ignored
  c.AddReportedSends(now_, -5);  // ignored
  AddMany(c, Complaint(now_), 25);
  const Reputation r = c.Compute();
  EXPECT_EQ(r.send_source, SendSource::kReported);
  EXPECT_EQ(r.sends, 5000);
  EXPECT_DOUBLE_EQ(r.complaint_rate, 0.005);
  EXPECT_EQ(r.complaint_level, Level::kAtRisk);
  EXPECT_EQ(r.bounce_level, Level::kOk);
  EXPECT_EQ(r.level, Level::kAtRisk);
}

TEST_F(ReputationTest, LowVolumeIsLowConfidence) {
  ReputationConfig cfg;
  cfg.min_sends = 1000;
  ReputationCounter c(cfg, clock_);
  AddMany(c, Event(EventType::kSend, now_), 999);
  c.Add(Bounce(BounceClass::kHard, now_));
  Reputation r = c.Compute();
  EXPECT_EQ(r.sends, 999);
  EXPECT_TRUE(r.low_confidence);
  c.Add(Event(EventType::kSend, now_));
  r = c.Compute();
  EXPECT_EQ(r.sends, 1000);
  EXPECT_FALSE(r.low_confidence);
  // Three sends and one hard bounce: at risk, but say it is low confidence.
  ReputationCounter tiny(cfg, clock_);
  AddMany(tiny, Event(EventType::kSend, now_), 3);
  tiny.Add(Bounce(BounceClass::kHard, now_));
  r = tiny.Compute();
  EXPECT_EQ(r.level, Level::kAtRisk);
  EXPECT_TRUE(r.low_confidence);
}

TEST_F(ReputationTest, LevelThresholdsAreInclusive) {
  const ReputationConfig cfg;
  const auto bounce = [&](double r) {
    return LevelFor(r, cfg.bounce_elevated, cfg.bounce_warning, cfg.bounce_at_risk);
  };
  const auto complaint = [&](double r) {
    return LevelFor(r, cfg.complaint_elevated, cfg.complaint_warning, cfg.complaint_at_risk);
  };
  EXPECT_EQ(bounce(0.0199), Level::kOk);
  EXPECT_EQ(bounce(0.02), Level::kElevated);
  EXPECT_EQ(bounce(0.0499), Level::kElevated);
  EXPECT_EQ(bounce(0.05), Level::kWarning);
  EXPECT_EQ(bounce(0.10), Level::kAtRisk);
  EXPECT_EQ(bounce(1.5), Level::kAtRisk);
  EXPECT_EQ(complaint(0.00099), Level::kOk);  // no elevated line for complaints by default
  EXPECT_EQ(complaint(0.001), Level::kWarning);
  EXPECT_EQ(complaint(0.005), Level::kAtRisk);
  EXPECT_EQ(LevelFor(0.0006, 0.0005, 0.001, 0.005), Level::kElevated);
}

TEST_F(ReputationTest, ConfiguredThresholdsApply) {
  ReputationConfig cfg;
  cfg.bounce_elevated = 0.01;
  cfg.bounce_warning = 0.02;
  cfg.bounce_at_risk = 0.03;
  cfg.min_sends = 0;
  ReputationCounter c(cfg, clock_);
  AddMany(c, Event(EventType::kSend, now_), 100);
  AddMany(c, Bounce(BounceClass::kHard, now_), 2);
  EXPECT_EQ(c.Compute().bounce_level, Level::kWarning);
  c.Add(Bounce(BounceClass::kHard, now_));
  EXPECT_EQ(c.Compute().bounce_level, Level::kAtRisk);
  EXPECT_FALSE(c.Compute().low_confidence);
}

TEST_F(ReputationTest, WindowEdgesAreWholeBuckets) {
  ReputationCounter c(ReputationConfig{}, clock_);
  // The window is the current bucket (03:00) plus the 167 before it: from 11-23T04:00.
  const int64_t first_in = Ms("2026-11-23T04:00:00Z");
  c.Add(Bounce(BounceClass::kHard, first_in));
  c.Add(Bounce(BounceClass::kHard, first_in - 1));  // 03:59:59.999, one bucket too old
  AddMany(c, Event(EventType::kSend, now_), 10);
  Reputation r = c.Compute();
  EXPECT_EQ(r.window_start_ms, first_in);
  EXPECT_EQ(r.hard_bounces, 1);
  // 29 minutes later the same bucket still holds: nothing changes.
  clock_.Advance(minutes(29) + std::chrono::seconds(59));
  EXPECT_EQ(c.Compute().hard_bounces, 1);
  // At 04:00 a new bucket starts and the 11-23T04:00 bucket leaves the window.
  clock_.SetNowForTest("2026-11-30T04:00:00Z");
  r = c.Compute();
  EXPECT_EQ(r.window_start_ms, Ms("2026-11-23T05:00:00Z"));
  EXPECT_EQ(r.hard_bounces, 0);
  EXPECT_EQ(r.sends, 10);
}

TEST_F(ReputationTest, ShorterWindowAndBucket) {
  ReputationConfig cfg;
  cfg.window = hours(1);
  cfg.bucket = minutes(5);
  ReputationCounter c(cfg, clock_);
  // 03:30 now: window = 02:35 .. 03:30 (12 buckets of 5 min).
  c.Add(Bounce(BounceClass::kHard, Ms("2026-11-30T02:34:59Z")));
  c.Add(Bounce(BounceClass::kHard, Ms("2026-11-30T02:35:00Z")));
  c.Add(Bounce(BounceClass::kHard, Ms("2026-11-30T03:34:59Z")));  // later in the current bucket
  const Reputation r = c.Compute();
  EXPECT_EQ(r.window_start_ms, Ms("2026-11-30T02:35:00Z"));
  EXPECT_EQ(r.hard_bounces, 2);
}

TEST_F(ReputationTest, LateEventsLandInTheirBucketAndUnknownTimeUsesReceived) {
  ReputationCounter c(ReputationConfig{}, clock_);
  FeedbackEvent late = Bounce(BounceClass::kHard, Ms("2026-11-29T10:15:00Z"));
  auto rows = c.Add(late);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].bucket_start_ms, Ms("2026-11-29T10:00:00Z"));
  FeedbackEvent unknown = Bounce(BounceClass::kHard, 0);
  unknown.received_at_ms = Ms("2026-11-30T01:20:00Z");
  rows = c.Add(unknown);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].bucket_start_ms, Ms("2026-11-30T01:00:00Z"));
  unknown.received_at_ms = 0;
  rows = c.Add(unknown);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].bucket_start_ms, Ms("2026-11-30T03:00:00Z"));  // the clock's now
  EXPECT_EQ(c.Compute().hard_bounces, 3);
  // A timestamp years ahead counts in the current bucket, not in the future.
  rows = c.Add(Bounce(BounceClass::kHard, Ms("2099-01-01T00:00:00Z")));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].bucket_start_ms, Ms("2026-11-30T03:00:00Z"));
  clock_.Advance(hours(24 * 7));
  EXPECT_EQ(c.Compute().hard_bounces, 0);
}

TEST_F(ReputationTest, WindowSendsUsesTheMostRecentSends) {
  ReputationConfig cfg;
  cfg.window_sends = 100;
  ReputationCounter c(cfg, clock_);
  // Three hourly buckets of 60 sends; the oldest one has 30 hard bounces.
  AddMany(c, Event(EventType::kSend, Ms("2026-11-30T01:10:00Z")), 60);
  AddMany(c, Bounce(BounceClass::kHard, Ms("2026-11-30T01:10:00Z")), 30);
  AddMany(c, Event(EventType::kSend, Ms("2026-11-30T02:10:00Z")), 60);
  AddMany(c, Bounce(BounceClass::kHard, Ms("2026-11-30T02:10:00Z")), 3);
  AddMany(c, Event(EventType::kSend, Ms("2026-11-30T03:10:00Z")), 60);
  Reputation r = c.Compute();
  EXPECT_EQ(r.window_start_ms, Ms("2026-11-30T02:00:00Z"));
  EXPECT_EQ(r.sends, 120);
  EXPECT_EQ(r.hard_bounces, 3);
  EXPECT_DOUBLE_EQ(r.bounce_rate, 0.025);
  // Reaching back further than the 7-day window is allowed with window_sends.
  ReputationCounter sparse(cfg, clock_);
  AddMany(sparse, Event(EventType::kSend, Ms("2026-11-10T00:00:00Z")), 100);
  AddMany(sparse, Bounce(BounceClass::kHard, Ms("2026-11-10T00:00:00Z")), 10);
  r = sparse.Compute();
  EXPECT_EQ(r.sends, 100);
  EXPECT_EQ(r.hard_bounces, 10);
  EXPECT_EQ(r.window_start_ms, Ms("2026-11-10T00:00:00Z"));
}

TEST_F(ReputationTest, BreakdownsByIdentityConfigurationSetAndDomain) {
  ReputationConfig cfg;
  cfg.min_sends = 0;
  ReputationCounter c(cfg, clock_);
  for (const char* domain : {"gmail.com", "yahoo.com", "corp.example"}) {
    AddMany(c, Event(EventType::kSend, now_, std::string("u@") + domain), 100);
  }
  AddMany(c, Bounce(BounceClass::kHard, now_, "General", "x@yahoo.com"), 12);
  AddMany(c, Bounce(BounceClass::kHard, now_, "General", "x@corp.example"), 3);
  AddMany(c, Complaint(now_, "", "y@gmail.com"), 1);
  FeedbackEvent other = Event(EventType::kSend, now_, "z@gmail.com");
  other.mail.source_arn = "arn:aws:ses:us-east-1:1:identity/alerts@example.org";
  other.mail.configuration_set = "";
  c.Add(other);

  const auto domains = c.Breakdown(Dimension::kRecipientDomain);
  ASSERT_EQ(domains.size(), 3u);
  EXPECT_EQ(domains[0].key, "yahoo.com");  // at risk (12 %)
  EXPECT_EQ(domains[0].reputation.level, Level::kAtRisk);
  EXPECT_EQ(domains[1].key, "gmail.com");  // complaint 1/101 ≈ 1 %: at risk, 1 bad event
  EXPECT_EQ(domains[1].reputation.sends, 101);
  EXPECT_EQ(domains[2].key, "corp.example");  // 3 %: elevated
  EXPECT_EQ(domains[2].reputation.level, Level::kElevated);
  EXPECT_EQ(c.Breakdown(Dimension::kRecipientDomain, 1).size(), 1u);

  const auto identities = c.Breakdown(Dimension::kIdentity);
  ASSERT_EQ(identities.size(), 2u);
  EXPECT_EQ(identities[0].key, "mail.example.com");
  EXPECT_EQ(identities[0].reputation.sends, 300);
  EXPECT_EQ(identities[1].key, "alerts@example.org");
  EXPECT_EQ(identities[1].reputation.sends, 1);

  const auto sets = c.Breakdown(Dimension::kConfigurationSet);
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0].key, "marketing");
  EXPECT_EQ(sets[1].key, "");
  EXPECT_EQ(c.ComputeFor(Dimension::kConfigurationSet, "marketing").hard_bounces, 15);
  EXPECT_EQ(c.ComputeFor(Dimension::kRecipientDomain, "nowhere.example").sends, 0);
  EXPECT_EQ(c.Breakdown(Dimension::kAll)[0].reputation.sends, 301);
}

TEST_F(ReputationTest, TooManyKeysGoToOther) {
  ReputationConfig cfg;
  cfg.max_keys_per_bucket = 2;
  ReputationCounter c(cfg, clock_);
  for (int i = 0; i < 5; ++i) {
    c.Add(Event(EventType::kSend, now_, "u@d" + std::to_string(i) + ".example"));
  }
  const auto domains = c.Breakdown(Dimension::kRecipientDomain);
  ASSERT_EQ(domains.size(), 3u);
  int64_t other = 0;
  for (const auto& row : domains) {
    if (row.key == "(other)") {
      other = row.reputation.sends;
    }
  }
  EXPECT_EQ(other, 3);
  EXPECT_EQ(c.Compute().sends, 5);
}

TEST_F(ReputationTest, RowsRoundTripThroughMerge) {
  ReputationCounter a(ReputationConfig{}, clock_);
  std::vector<BucketRow> persisted;
  const auto keep = [&](std::vector<BucketRow> rows) {
    persisted.insert(persisted.end(), rows.begin(), rows.end());
  };
  keep(a.Add(Event(EventType::kSend, now_ - milliseconds(hours(30)).count())));
  for (int i = 0; i < 50; ++i) {
    keep(a.Add(Event(EventType::kSend, now_, "u@gmail.com")));
  }
  keep(a.Add(Bounce(BounceClass::kHard, now_, "General", "v@yahoo.com")));
  keep(a.Add(Event(EventType::kOpen, now_)));  // counts nothing, adds no rows
  keep(a.AddReportedSends(now_, 7, "Mail.Example.com", "marketing"));

  ReputationCounter b(ReputationConfig{}, clock_);
  b.Merge(persisted);
  EXPECT_EQ(b.Rows(), a.Rows());
  const Reputation ra = a.Compute();
  const Reputation rb = b.Compute();
  EXPECT_EQ(ra.counts, rb.counts);
  EXPECT_EQ(rb.sends, 51);
  EXPECT_EQ(rb.hard_bounces, 1);
  EXPECT_EQ(b.ComputeFor(Dimension::kIdentity, "mail.example.com").counts.reported_sends, 7);
  // A full snapshot merges to the same state too.
  ReputationCounter d(ReputationConfig{}, clock_);
  d.Merge(a.Rows());
  EXPECT_EQ(d.Rows(), a.Rows());
}

// What Store::SumReputationRows returns for these rows: those from `since` on added up per
// (dimension, key), bucket_start_ms the newest bucket.
std::vector<BucketRow> SumSince(const std::vector<BucketRow>& rows, int64_t since) {
  std::map<std::pair<Dimension, std::string>, BucketRow> sums;
  for (const BucketRow& r : rows) {
    if (r.bucket_start_ms < since) {
      continue;
    }
    BucketRow& s = sums[{r.dimension, r.key}];
    s.dimension = r.dimension;
    s.key = r.key;
    s.bucket_start_ms = std::max(s.bucket_start_ms, r.bucket_start_ms);
    s.counts += r.counts;
  }
  std::vector<BucketRow> out;
  for (auto& [k, r] : sums) {
    out.push_back(r);
  }
  return out;
}

TEST_F(ReputationTest, MergeSummedAnswersAsMergeOfTheBuckets) {
  ReputationCounter a(ReputationConfig{}, clock_);
  std::vector<BucketRow> persisted;
  const auto keep = [&](std::vector<BucketRow> rows) {
    persisted.insert(persisted.end(), rows.begin(), rows.end());
  };
  const int64_t hour = milliseconds(hours(1)).count();
  // Inside the 7-day window (whole buckets from 03:00 six days and 23 hours back) and outside it.
  for (int h = 0; h < 24 * 9; h += 5) {
    const int64_t at = now_ - h * hour;
    for (int i = 0; i < 3 + h % 4; ++i) {
      keep(a.Add(Event(EventType::kSend, at, "u" + std::to_string(i) + "@d" +
                                                 std::to_string(h % 7) + ".example")));
    }
    keep(a.Add(Bounce(BounceClass::kHard, at, "General", "v@d" + std::to_string(h % 3) +
                                                         ".example")));
    if (h % 20 == 0) {
      keep(a.Add(Complaint(at, "", "w@d1.example")));
    }
  }
  keep(a.AddReportedSends(now_ - 2 * hour, 40, "Other.Example", "transactional"));
  ReputationCounter b(ReputationConfig{}, clock_);
  b.Merge(persisted);
  ReputationCounter s(ReputationConfig{}, clock_);
  const int64_t start = s.WindowStart();
  EXPECT_EQ(start, now_ - milliseconds(minutes(30)).count() - (24 * 7 - 1) * hour);
  s.MergeSummed(SumSince(persisted, start));

  const Reputation rb = b.Compute();
  const Reputation rs = s.Compute();
  EXPECT_EQ(rs.counts, rb.counts);
  EXPECT_EQ(rs.window_start_ms, rb.window_start_ms);
  EXPECT_EQ(rs.sends, rb.sends);
  int64_t all_sends = 0;
  for (const BucketRow& r : persisted) {
    all_sends += r.dimension == Dimension::kAll ? r.counts.sends : 0;
  }
  EXPECT_LT(rs.counts.sends, all_sends);  // the buckets before the window are left out
  EXPECT_GT(rs.counts.hard_bounces, 0);
  for (Dimension d : {Dimension::kIdentity, Dimension::kConfigurationSet,
                      Dimension::kRecipientDomain}) {
    const auto kb = b.Breakdown(d, 100);
    const auto ks = s.Breakdown(d, 100);
    ASSERT_EQ(ks.size(), kb.size()) << DimensionName(d);
    ASSERT_FALSE(ks.empty());
    for (size_t i = 0; i < kb.size(); ++i) {
      EXPECT_EQ(ks[i].key, kb[i].key);
      EXPECT_EQ(ks[i].reputation.counts, kb[i].reputation.counts) << ks[i].key;
      EXPECT_EQ(ks[i].reputation.level, kb[i].reputation.level) << ks[i].key;
    }
  }
  // Summed rows are not capped per bucket (the reader checks that no bucket exceeded the cap).
  ReputationConfig capped;
  capped.max_keys_per_bucket = 2;
  ReputationCounter c(capped, clock_);
  c.MergeSummed({BucketRow{now_, Dimension::kRecipientDomain, "a.example", Counts{.sends = 1}},
                 BucketRow{now_, Dimension::kRecipientDomain, "b.example", Counts{.sends = 2}},
                 BucketRow{now_, Dimension::kRecipientDomain, "c.example", Counts{.sends = 3}}});
  EXPECT_EQ(c.Breakdown(Dimension::kRecipientDomain).size(), 3u);
}

TEST_F(ReputationTest, RetentionDropsOldBuckets) {
  ReputationConfig cfg;
  cfg.retention = hours(24 * 8);
  ReputationCounter c(cfg, clock_);
  EXPECT_TRUE(c.Add(Event(EventType::kSend, now_ - milliseconds(hours(24 * 9)).count())).empty());
  EXPECT_FALSE(c.Add(Event(EventType::kSend, now_ - milliseconds(hours(24 * 7)).count())).empty());
  EXPECT_EQ(c.Rows().size(), 4u);
  clock_.Advance(hours(24 * 2));
  c.Prune();
  EXPECT_TRUE(c.Rows().empty());
  c.Merge({BucketRow{now_ - milliseconds(hours(24 * 30)).count(), Dimension::kAll, "",
                     Counts{.sends = 5}}});
  EXPECT_TRUE(c.Rows().empty());
}

TEST_F(ReputationTest, Series) {
  ReputationCounter c(ReputationConfig{}, clock_);
  AddMany(c, Event(EventType::kSend, Ms("2026-11-30T00:10:00Z")), 100);
  AddMany(c, Bounce(BounceClass::kHard, Ms("2026-11-30T00:20:00Z")), 4);
  AddMany(c, Event(EventType::kDelivery, Ms("2026-11-30T02:59:59Z")), 10);
  AddMany(c, Event(EventType::kSend, Ms("2026-11-30T03:00:00Z")), 50);

  auto points = c.Series(hours(1), Ms("2026-11-30T00:30:00Z"));
  ASSERT_TRUE(points.has_value());
  ASSERT_EQ(points->size(), 4u);  // 00:00, 01:00, 02:00, 03:00
  EXPECT_EQ((*points)[0].bucket_start_ms, Ms("2026-11-30T00:00:00Z"));
  EXPECT_EQ((*points)[0].sends, 100);
  EXPECT_DOUBLE_EQ((*points)[0].bounce_rate, 0.04);
  EXPECT_EQ((*points)[1].send_source, SendSource::kNone);
  EXPECT_EQ((*points)[2].send_source, SendSource::kDeliveredBounced);
  EXPECT_EQ((*points)[2].sends, 10);
  EXPECT_EQ((*points)[3].sends, 50);

  points = c.Series(hours(2), Ms("2026-11-30T00:00:00Z"));
  ASSERT_TRUE(points.has_value());
  ASSERT_EQ(points->size(), 2u);  // 00:00-02:00, 02:00-04:00
  EXPECT_EQ((*points)[0].counts.sends, 100);
  EXPECT_EQ((*points)[1].counts.sends, 50);
  EXPECT_EQ((*points)[1].counts.deliveries, 10);

  EXPECT_FALSE(c.Series(minutes(90), 0).has_value());
  EXPECT_FALSE(c.Series(minutes(30), 0).has_value());
  EXPECT_FALSE(c.Series(hours(1), Ms("2024-01-01T00:00:00Z")).has_value());  // > 10,000 points
  EXPECT_EQ(c.Series(hours(1), now_ + milliseconds(hours(5)).count())->size(), 0u);
}

TEST(ReputationConfigTest, Validate) {
  EXPECT_TRUE(ReputationConfig{}.Validate().has_value());
  ReputationConfig c;
  c.bucket = std::chrono::minutes(7);
  EXPECT_FALSE(c.Validate().has_value());
  c = {};
  c.bounce_warning = 0.2;  // above at_risk
  EXPECT_FALSE(c.Validate().has_value());
  c = {};
  c.complaint_elevated = 0.01;  // above warning
  EXPECT_FALSE(c.Validate().has_value());
  c = {};
  c.window_sends = 0;
  EXPECT_FALSE(c.Validate().has_value());
  c = {};
  c.retention = std::chrono::hours(24);
  EXPECT_FALSE(c.Validate().has_value());
  EXPECT_EQ(ParseLevel("at_risk"), Level::kAtRisk);
  EXPECT_EQ(LevelName(Level::kElevated), "elevated");
  EXPECT_EQ(SendSourceName(SendSource::kDeliveredBounced), "delivered_bounced");
  EXPECT_EQ(ParseDimension("recipient_domain"), Dimension::kRecipientDomain);
}

}  // namespace
}  // namespace bw::metrics
