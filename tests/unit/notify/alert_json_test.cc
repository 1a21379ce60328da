// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_json.h"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace bw::notify {
namespace {

RateSnapshot Rates() {
  RateSnapshot r;
  r.bounce_rate = 0.0612;
  r.complaint_rate = 0.0015;
  r.bounce_level = "warning";
  r.complaint_level = "warning";
  r.sends = 12000;
  r.hard_bounces = 734;
  r.complaints = 18;
  r.send_source = "send_events";
  r.low_confidence = true;
  r.window_start_ms = 1795564800000;
  r.as_of_ms = 1796169600000;
  return r;
}

TEST(AlertJsonTest, LevelChangeRoundTrips) {
  LevelChange c{"bounce", "elevated", "warning", 0.05, Rates()};
  auto back = LevelChangeFromJson(*ParsePayload(boost::json::serialize(LevelChangeToJson(c))));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->rate, "bounce");
  EXPECT_EQ(back->from_level, "elevated");
  EXPECT_EQ(back->to_level, "warning");
  EXPECT_DOUBLE_EQ(back->threshold, 0.05);
  EXPECT_DOUBLE_EQ(back->now.bounce_rate, 0.0612);
  EXPECT_EQ(back->now.hard_bounces, 734);
  EXPECT_TRUE(back->now.low_confidence);
  EXPECT_EQ(back->now.window_start_ms, 1795564800000);
}

TEST(AlertJsonTest, DigestRoundTrips) {
  Digest d;
  d.period_start_ms = 1;
  d.period_end_ms = 2;
  d.events_by_type = {{"delivery", 980}, {"bounce", 14}};
  d.hard_bounces = 9;
  d.complaints = 1;
  d.rates = Rates();
  d.new_suppressions = {"a@example.org", "b@example.net"};
  d.new_suppressions_total = 7;
  d.worst_domains = {{"example.org", 120, 5, 1, 0.0417, 0.0083}};
  auto back = DigestFromJson(*ParsePayload(boost::json::serialize(DigestToJson(d))));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->events_by_type, d.events_by_type);
  EXPECT_EQ(back->new_suppressions, d.new_suppressions);
  EXPECT_EQ(back->new_suppressions_total, 7);
  ASSERT_EQ(back->worst_domains.size(), 1u);
  EXPECT_EQ(back->worst_domains[0].domain, "example.org");
  EXPECT_EQ(back->worst_domains[0].complaints, 1);
  EXPECT_DOUBLE_EQ(back->worst_domains[0].bounce_rate, 0.0417);
  EXPECT_EQ(back->rates.complaint_level, "warning");
}

TEST(AlertJsonTest, BadPayloadsAreErrorsNotCrashes) {
  EXPECT_FALSE(ParsePayload("not json").has_value());
  EXPECT_FALSE(ParsePayload(std::string(100, '[') + std::string(100, ']')).has_value());
  EXPECT_FALSE(DigestFromJson(*ParsePayload("[1, 2]")).has_value());
  EXPECT_FALSE(LevelChangeFromJson(*ParsePayload("\"x\"")).has_value());
  auto lenient = DigestFromJson(*ParsePayload(R"({"hard_bounces": 1e300, "rates": 5})"));
  ASSERT_TRUE(lenient.has_value());
  EXPECT_EQ(lenient->hard_bounces, 0);
  EXPECT_EQ(lenient->rates.bounce_level, "ok");
}

}  // namespace
}  // namespace bw::notify
