// SPDX-License-Identifier: Apache-2.0
#include "metrics/prometheus.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace bw::metrics {
namespace {

// A realistic /metrics page, as the app will build it.
std::string SamplePage() {
  ExpositionWriter w;
  EXPECT_TRUE(w.AddCounter("bouncewatch_events_total", "Feedback events stored, by type.",
                           {{"type", "bounce"}, {"class", "hard"}, {"reason", "userunknown"}}, 12)
                  .has_value());
  EXPECT_TRUE(w.AddCounter("bouncewatch_sns_requests_total", "SNS webhook requests by result.",
                           {{"result", "stored"}}, 1234567)
                  .has_value());
  EXPECT_TRUE(w.AddCounter("bouncewatch_events_total", "Feedback events stored, by type.",
                           {{"type", "complaint"}, {"class", ""}, {"reason", "abuse"}}, 1)
                  .has_value());
  EXPECT_TRUE(w.AddGauge("bouncewatch_bounce_rate_ratio",
                         "Hard bounces / sends over the reputation window.", {}, 0.0325)
                  .has_value());
  EXPECT_TRUE(w.AddGauge("bouncewatch_reputation_level",
                         "1 for the current level of each rate, 0 for the others.",
                         {{"rate", "bounce"}, {"level", "warning"}}, 1)
                  .has_value());
  Histogram h(Histogram::LatencyBounds());
  h.Observe(0.0004);
  h.Observe(0.003);
  h.Observe(0.003);
  h.Observe(42);
  EXPECT_TRUE(w.AddHistogram("bouncewatch_commit_duration_seconds",
                             "Time to commit one group of events.", {}, h.Snapshot())
                  .has_value());
  EXPECT_TRUE(w.AddGauge("bouncewatch_build_info", "Build information; always 1.",
                         {{"version", "0.1.0 \"dev\"\\x\nnext"}}, 1)
                  .has_value());
  return w.Render();
}

TEST(PrometheusTest, ExactText) {
  ExpositionWriter w;
  ASSERT_TRUE(
      w.AddCounter("bouncewatch_events_total", "Events\\stored\nby type.", {{"type", "bounce"}}, 3)
          .has_value());
  ASSERT_TRUE(w.AddGauge("bouncewatch_outbox_depth", "Alerts waiting.", {}, 2.5).has_value());
  ASSERT_TRUE(
      w.AddCounter("bouncewatch_events_total", "Events\\stored\nby type.", {{"type", "a\"b"}}, 0)
          .has_value());
  HistogramSnapshot h{{0.1, 1}, {1, 0, 2}, 5.25, 3};
  ASSERT_TRUE(w.AddHistogram("x_seconds", "h", {{"op", "commit"}}, h).has_value());
  EXPECT_EQ(w.Render(),
            "# HELP bouncewatch_events_total Events\\\\stored\\nby type.\n"
            "# TYPE bouncewatch_events_total counter\n"
            "bouncewatch_events_total{type=\"bounce\"} 3\n"
            "bouncewatch_events_total{type=\"a\\\"b\"} 0\n"
            "# HELP bouncewatch_outbox_depth Alerts waiting.\n"
            "# TYPE bouncewatch_outbox_depth gauge\n"
            "bouncewatch_outbox_depth 2.5\n"
            "# HELP x_seconds h\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{op=\"commit\",le=\"0.1\"} 1\n"
            "x_seconds_bucket{op=\"commit\",le=\"1\"} 1\n"
            "x_seconds_bucket{op=\"commit\",le=\"+Inf\"} 3\n"
            "x_seconds_sum{op=\"commit\"} 5.25\n"
            "x_seconds_count{op=\"commit\"} 3\n");
}

TEST(PrometheusTest, RejectsWhatPrometheusWouldReject) {
  ExpositionWriter w;
  EXPECT_FALSE(w.AddCounter("bouncewatch_events", "no _total", {}, 1).has_value());
  EXPECT_FALSE(w.AddCounter("bouncewatch_x_total", "negative", {}, -1).has_value());
  EXPECT_FALSE(w.AddGauge("1bad", "h", {}, 1).has_value());
  EXPECT_FALSE(w.AddGauge("bad-name", "h", {}, 1).has_value());
  EXPECT_FALSE(w.AddGauge("ok_name", "h", {{"bad-label", "v"}}, 1).has_value());
  EXPECT_FALSE(w.AddGauge("ok_name", "h", {{"__reserved", "v"}}, 1).has_value());
  EXPECT_FALSE(
      w.AddHistogram("h_seconds", "h", {{"le", "1"}}, Histogram({1}).Snapshot()).has_value());
  EXPECT_FALSE(w.AddHistogram("h_seconds", "h", {}, HistogramSnapshot{{1}, {1}, 0, 1}).has_value());
  ASSERT_TRUE(w.AddGauge("ok_name", "h", {}, 1).has_value());
  EXPECT_FALSE(w.AddCounter("ok_name", "h", {}, 1).has_value());  // type change
  EXPECT_FALSE(w.AddGauge("ok_name", "other help", {}, 1).has_value());
  EXPECT_EQ(w.Render(), "# HELP ok_name h\n# TYPE ok_name gauge\nok_name 1\n");
}

TEST(PrometheusTest, Values) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(12345678901234.0), "12345678901234");
  EXPECT_EQ(FormatValue(0.001), "0.001");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(PrometheusTest, HistogramBuckets) {
  Histogram h({0.1, 1});
  h.Observe(0.1);  // le is inclusive
  h.Observe(0.5);
  h.Observe(7);
  const HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.bucket_counts, (std::vector<uint64_t>{1, 1, 1}));
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(s.sum, 7.6);
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> PromtoolCheck(const std::string& text) {
  testing::TempDir dir;
  const auto in = dir.path() / "metrics.txt";
  const auto out = dir.path() / "promtool.out";
  std::ofstream(in) << text;
  const std::string cmd =
      "promtool check metrics < '" + in.string() + "' > '" + out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream result(out);
  std::stringstream ss;
  ss << result.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

bool HavePromtool() { return std::system("command -v promtool > /dev/null 2>&1") == 0; }

TEST(PrometheusTest, PromtoolAcceptsThePage) {
  if (!HavePromtool()) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus; scripts/install-deps)";
  }
  const auto [status, output] = PromtoolCheck(SamplePage());
  EXPECT_EQ(status, 0) << output << "\n" << SamplePage();
  EXPECT_EQ(output, "") << output;
}

TEST(PrometheusTest, PromtoolCanFail) {
  // Proves the check above would catch a broken page: a counter without _total and a
  // malformed line are reported.
  if (!HavePromtool()) {
    GTEST_SKIP() << "promtool not installed";
  }
  EXPECT_NE(PromtoolCheck("# HELP x_count c\n# TYPE x_count counter\nx_count 1\n").first, 0);
  EXPECT_NE(PromtoolCheck("x{a=\"b} 1\n").first, 0);
}

}  // namespace
}  // namespace bw::metrics
