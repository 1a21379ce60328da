// SPDX-License-Identifier: Apache-2.0
// The pure row functions the store calls (RowsForEvent, RowsForReportedSends), the persisted
// path they feed (rows -> Merge in a new counter = the same Reputation), the JSON documents of
// the reputation API, and the /metrics registry.
#include <chrono>
#include <string>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "metrics/registry.h"
#include "metrics/reputation.h"
#include "metrics/reputation_json.h"
#include "testing/fake_clock.h"

namespace bw::metrics {
namespace {

using std::chrono::hours;

int64_t HoursMs(int64_t h) { return std::chrono::milliseconds(hours(h)).count(); }

int64_t Ms(std::string_view iso) { return *ParseIso8601Ms(iso); }

FeedbackEvent Event(EventType type, int64_t at_ms, std::string recipient = "a@Example.com") {
  FeedbackEvent e;
  e.type = type;
  e.occurred_at_ms = at_ms;
  e.recipient = std::move(recipient);
  e.mail.source_arn = "arn:aws:ses:us-east-1:123456789012:identity/Mail.Example.com";
  e.mail.configuration_set = "marketing";
  if (type == EventType::kBounce) {
    e.bounce = BounceInfo{};
    e.bounce->bounce_class = BounceClass::kHard;
  }
  return e;
}

TEST(RowsForEventTest, OneRowPerDimensionInTheEventsBucket) {
  ReputationConfig config;
  const int64_t now = Ms("2026-11-30T03:30:00Z");
  auto rows = RowsForEvent(Event(EventType::kBounce, Ms("2026-11-30T01:59:59Z")), config, now);
  const Counts c{.bounces = 1, .hard_bounces = 1};
  const int64_t b = Ms("2026-11-30T01:00:00Z");
  const std::vector<BucketRow> expected = {
      {b, Dimension::kAll, "", c},
      {b, Dimension::kIdentity, "mail.example.com", c},
      {b, Dimension::kConfigurationSet, "marketing", c},
      {b, Dimension::kRecipientDomain, "example.com", c},
  };
  EXPECT_EQ(rows, expected);
}

TEST(RowsForEventTest, MatchesWhatTheCounterAddsAndTouchesNothing) {
  testing::FakeClock clock(FromUnixMs(Ms("2026-11-30T03:30:00Z")));
  ReputationConfig config;
  ReputationCounter counter(config, clock);
  for (const FeedbackEvent& e :
       {Event(EventType::kDelivery, Ms("2026-11-30T02:10:00Z")),
        Event(EventType::kBounce, Ms("2026-11-30T05:00:00Z")),  // future: counts now
        Event(EventType::kSend, 0)}) {
    auto pure = RowsForEvent(e, config, Ms("2026-11-30T03:30:00Z"));
    EXPECT_EQ(pure, counter.Add(e));
  }
}

TEST(RowsForEventTest, NothingForUncountedOrTooOldEvents) {
  ReputationConfig config;
  const int64_t now = Ms("2026-11-30T03:30:00Z");
  EXPECT_TRUE(RowsForEvent(Event(EventType::kOpen, now), config, now).empty());
  EXPECT_TRUE(
      RowsForEvent(Event(EventType::kBounce, now - HoursMs(24 * 91)), config, now).empty());
  EXPECT_EQ(RowsForEvent(Event(EventType::kBounce, now - HoursMs(24 * 89)), config, now)
                .size(),
            4u);
}

TEST(RowsForReportedSendsTest, IdentityLowerCasedNoRecipientDomain) {
  ReputationConfig config;
  const int64_t now = Ms("2026-11-30T03:30:00Z");
  auto rows = RowsForReportedSends(now, 1000, "Example.COM", "cs", config, now);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].key, "example.com");
  EXPECT_EQ(rows[2].key, "cs");
  EXPECT_EQ(rows[3].key, "");
  EXPECT_EQ(rows[0].counts, Counts{.reported_sends = 1000});
  EXPECT_TRUE(RowsForReportedSends(now, 0, "", "", config, now).empty());
  EXPECT_TRUE(
      RowsForReportedSends(now - HoursMs(24 * 100), 5, "", "", config, now).empty());
}

// ingest -> rows -> restart (a new counter fed the persisted rows) -> the same Reputation.
TEST(PersistedPathTest, RowsMergedIntoANewCounterGiveTheSameReputation) {
  testing::FakeClock clock(FromUnixMs(Ms("2026-11-30T03:30:00Z")));
  ReputationConfig config;
  config.min_sends = 10;
  ReputationCounter live(config, clock);
  std::vector<BucketRow> persisted;
  auto keep = [&](std::vector<BucketRow> rows) {
    persisted.insert(persisted.end(), rows.begin(), rows.end());
  };
  for (int i = 0; i < 40; ++i) {
    keep(live.Add(Event(EventType::kDelivery, Ms("2026-11-29T10:00:00Z") + i * 60000,
                        i % 2 ? "x@gmail.com" : "y@yahoo.com")));
  }
  keep(live.Add(Event(EventType::kBounce, Ms("2026-11-30T01:00:00Z"), "z@gmail.com")));
  keep(live.AddReportedSends(Ms("2026-11-30T02:00:00Z"), 500, "mail.example.com"));
  clock.Advance(hours(2));
  ReputationCounter restarted(config, clock);
  restarted.Merge(persisted);
  const Reputation a = live.Compute();
  const Reputation b = restarted.Compute();
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_EQ(b.sends, 41);
  EXPECT_EQ(b.send_source, SendSource::kDeliveredBounced);
  EXPECT_DOUBLE_EQ(a.bounce_rate, b.bounce_rate);
  EXPECT_EQ(boost::json::serialize(ReputationDocument(live, std::nullopt, 20)),
            boost::json::serialize(ReputationDocument(restarted, std::nullopt, 20)));
}

TEST(ReputationDocumentTest, ShapeOfTheApiDocument) {
  testing::FakeClock clock(FromUnixMs(Ms("2026-11-30T03:30:00Z")));
  ReputationConfig config;
  config.min_sends = 2;
  ReputationCounter counter(config, clock);
  counter.Add(Event(EventType::kDelivery, Ms("2026-11-30T03:00:00Z"), "a@gmail.com"));
  counter.Add(Event(EventType::kDelivery, Ms("2026-11-30T03:00:00Z"), "b@gmail.com"));
  counter.Add(Event(EventType::kBounce, Ms("2026-11-30T03:00:00Z"), "c@yahoo.com"));
  auto doc = ReputationDocument(counter, std::nullopt, 20);
  EXPECT_EQ(doc.at("as_of").as_string(), "2026-11-30T03:30:00.000Z");
  EXPECT_EQ(doc.at("window").at("start").as_string(), "2026-11-23T04:00:00.000Z");
  EXPECT_EQ(doc.at("window").at("duration").as_string(), "7d");
  EXPECT_TRUE(doc.at("window").at("sends_limit").is_null());
  EXPECT_EQ(doc.at("send_source").as_string(), "delivered_bounced");
  EXPECT_EQ(doc.at("sends").as_int64(), 3);
  EXPECT_EQ(doc.at("low_confidence").as_bool(), false);
  EXPECT_EQ(doc.at("level").as_string(), "at_risk");
  EXPECT_DOUBLE_EQ(doc.at("bounce").at("rate").as_double(), 1.0 / 3);
  EXPECT_EQ(doc.at("bounce").at("hard_bounces").as_int64(), 1);
  EXPECT_TRUE(doc.at("complaint").at("thresholds").at("elevated").is_null());
  EXPECT_DOUBLE_EQ(doc.at("complaint").at("thresholds").at("warning").as_double(), 0.001);
  EXPECT_EQ(doc.at("counts").at("deliveries").as_int64(), 2);
  const auto& domains = doc.at("breakdowns").at("recipient_domain").as_array();
  ASSERT_EQ(domains.size(), 2u);
  EXPECT_EQ(domains[0].at("key").as_string(), "yahoo.com");  // worst first
  EXPECT_EQ(domains[0].at("level").as_string(), "at_risk");
  EXPECT_EQ(domains[0].at("low_confidence").as_bool(), true);  // 1 send < 2
  EXPECT_TRUE(doc.at("breakdowns").as_object().contains("identity"));

  auto only = ReputationDocument(counter, Dimension::kRecipientDomain, 1);
  EXPECT_EQ(only.at("breakdowns").as_object().size(), 1u);
  EXPECT_EQ(only.at("breakdowns").at("recipient_domain").as_array().size(), 1u);
}

TEST(SeriesDocumentTest, PointsPerBucketAndBadBucket) {
  testing::FakeClock clock(FromUnixMs(Ms("2026-11-30T03:30:00Z")));
  ReputationCounter counter(ReputationConfig{}, clock);
  counter.Add(Event(EventType::kBounce, Ms("2026-11-30T01:10:00Z")));
  auto doc = SeriesDocument(counter, hours(1), Ms("2026-11-30T00:30:00Z"));
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->at("bucket").as_string(), "1h");
  EXPECT_EQ(doc->at("since").as_string(), "2026-11-30T00:00:00.000Z");
  EXPECT_EQ(doc->at("until").as_string(), "2026-11-30T04:00:00.000Z");
  const auto& points = doc->at("points").as_array();
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[1].at("t").as_string(), "2026-11-30T01:00:00.000Z");
  EXPECT_EQ(points[1].at("counts").at("hard_bounces").as_int64(), 1);
  EXPECT_EQ(points[0].at("send_source").as_string(), "none");
  EXPECT_FALSE(SeriesDocument(counter, std::chrono::minutes(90), 0));
}

TEST(RegistryTest, CollectorsGaugesAndCountersInOrder) {
  Registry r;
  Counter requests;
  requests.Inc(3);
  double depth = 7;
  r.AddCounter("bouncewatch_test_requests_total", "Requests.", requests);
  r.AddGauge("bouncewatch_test_depth", "Depth.", [&depth] { return depth; });
  EXPECT_EQ(r.Render(),
            "# HELP bouncewatch_test_requests_total Requests.\n"
            "# TYPE bouncewatch_test_requests_total counter\n"
            "bouncewatch_test_requests_total 3\n"
            "# HELP bouncewatch_test_depth Depth.\n"
            "# TYPE bouncewatch_test_depth gauge\n"
            "bouncewatch_test_depth 7\n");
  depth = 9;
  EXPECT_NE(r.Render().find("bouncewatch_test_depth 9\n"), std::string::npos);
}

TEST(RegistryTest, AFailingCollectorIsReportedAsAComment) {
  Registry r;
  r.AddGauge("bad name", "x", [] { return 1.0; });
  r.AddGauge("bouncewatch_ok", "Fine.", [] { return 1.0; });
  const std::string page = r.Render();
  EXPECT_EQ(page.rfind("# collector failed: ", 0), 0u) << page;
  EXPECT_NE(page.find("bouncewatch_ok 1\n"), std::string::npos);
}

TEST(LabeledCounterTest, CountsPerTuple) {
  LabeledCounter c;
  c.Inc({"bounce", "hard"});
  c.Inc({"bounce", "hard"}, 2);
  c.Inc({"delivery", ""});
  auto s = c.Snapshot();
  EXPECT_EQ((s[{"bounce", "hard"}]), 3u);
  EXPECT_EQ((s[{"delivery", ""}]), 1u);
  EXPECT_EQ(s.size(), 2u);
}

}  // namespace
}  // namespace bw::metrics
