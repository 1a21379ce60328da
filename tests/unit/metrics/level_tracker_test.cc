// SPDX-License-Identifier: Apache-2.0
#include "metrics/level_tracker.h"

#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bw::metrics {
namespace {

using ::testing::HasSubstr;

Reputation Snap(double bounce, double complaint, bool low_confidence = false) {
  const ReputationConfig c;
  Reputation r;
  r.bounce_rate = bounce;
  r.complaint_rate = complaint;
  r.sends = 10000;
  r.send_source = SendSource::kSendEvents;
  r.bounce_level = LevelFor(bounce, c.bounce_elevated, c.bounce_warning, c.bounce_at_risk);
  r.complaint_level =
      LevelFor(complaint, c.complaint_elevated, c.complaint_warning, c.complaint_at_risk);
  r.level = std::max(r.bounce_level, r.complaint_level);
  r.low_confidence = low_confidence;
  return r;
}

TEST(LevelTrackerTest, UpAndBackDownWithHysteresis) {
  LevelTracker t({}, ReputationConfig{});
  EXPECT_TRUE(t.Observe(Snap(0.01, 0)).empty());
  auto ch = t.Observe(Snap(0.051, 0));  // ok -> warning in one step
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].rate, RateKind::kBounce);
  EXPECT_EQ(ch[0].from, Level::kOk);
  EXPECT_EQ(ch[0].to, Level::kWarning);
  EXPECT_DOUBLE_EQ(ch[0].threshold, 0.05);
  EXPECT_TRUE(t.Observe(Snap(0.0499, 0)).empty());  // just under the line: no flapping
  EXPECT_TRUE(t.Observe(Snap(0.0451, 0)).empty());
  ch = t.Observe(Snap(0.0449, 0));  // 10 % below 5 %: back to elevated
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].from, Level::kWarning);
  EXPECT_EQ(ch[0].to, Level::kElevated);
  EXPECT_DOUBLE_EQ(ch[0].threshold, 0.05);
  ch = t.Observe(Snap(0.001, 0));
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].to, Level::kOk);
  EXPECT_EQ(t.bounce_level(), Level::kOk);
}

TEST(LevelTrackerTest, BothRatesAtOnce) {
  LevelTracker t({}, ReputationConfig{});
  auto ch = t.Observe(Snap(0.11, 0.006));
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0].to, Level::kAtRisk);
  EXPECT_EQ(ch[1].rate, RateKind::kComplaint);
  EXPECT_EQ(ch[1].to, Level::kAtRisk);
  EXPECT_DOUBLE_EQ(ch[1].threshold, 0.005);
  ch = t.Observe(Snap(0.11, 0.0002));  // complaint straight back to ok (no elevated line)
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].rate, RateKind::kComplaint);
  EXPECT_EQ(ch[0].to, Level::kOk);
}

TEST(LevelTrackerTest, LowConfidenceRisesAreHeldBack) {
  LevelTracker t({}, ReputationConfig{});
  EXPECT_TRUE(t.Observe(Snap(0.33, 0, /*low_confidence=*/true)).empty());
  EXPECT_EQ(t.bounce_level(), Level::kOk);
  EXPECT_EQ(t.Observe(Snap(0.06, 0, false)).size(), 1u);
  // Falls are reported even at low volume.
  EXPECT_EQ(t.Observe(Snap(0.0, 0, true)).size(), 1u);
  LevelTracker eager({.report_low_confidence = true}, ReputationConfig{});
  EXPECT_EQ(eager.Observe(Snap(0.33, 0, true)).size(), 1u);
}

TEST(LevelTrackerTest, StartAndRestore) {
  LevelTracker quiet({.start_from_ok = false}, ReputationConfig{});
  EXPECT_TRUE(quiet.Observe(Snap(0.06, 0)).empty());
  EXPECT_EQ(quiet.bounce_level(), Level::kWarning);
  LevelTracker restored({}, ReputationConfig{});
  restored.SetLevelsForRestore(Level::kWarning, Level::kOk);
  EXPECT_TRUE(restored.Observe(Snap(0.06, 0)).empty());
  EXPECT_EQ(restored.Observe(Snap(0.2, 0)).size(), 1u);
}

TEST(LevelTrackerTest, ReputationMetricsPassPromtool) {
  ExpositionWriter w;
  ASSERT_TRUE(AppendReputationMetrics(w, Snap(0.052, 0.0003)).has_value());
  const std::string page = w.Render();
  EXPECT_THAT(page, HasSubstr("bouncewatch_reputation_bounce_rate_ratio 0.052\n"));
  EXPECT_THAT(page, HasSubstr("bouncewatch_reputation_sends{source=\"send_events\"} 10000\n"));
  EXPECT_THAT(page,
              HasSubstr("bouncewatch_reputation_level{rate=\"bounce\",level=\"warning\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("bouncewatch_reputation_level{rate=\"bounce\",level=\"ok\"} 0\n"));
  EXPECT_THAT(page, HasSubstr("bouncewatch_reputation_level{rate=\"complaint\",level=\"ok\"} 1\n"));
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed";
  }
  const std::string cmd = "printf '%s' '" + page + "' | promtool check metrics";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << page;
}

}  // namespace
}  // namespace bw::metrics
