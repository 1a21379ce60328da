// SPDX-License-Identifier: Apache-2.0
// Reputation rates end to end (issue 5): signed SNS notifications into a real server with a
// SQLite file, bucket rows written in the ingest transaction, the live counter behind
// GET /v1/reputation and /v1/reputation/series, POST /v1/sends, a restart, and GET /metrics
// checked by `promtool check metrics`.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "app/tokens.h"
#include "integration/api_client.h"
#include "integration/sns_fixture.h"

namespace bw {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::minutes;

class ReputationApiTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    fx_.config().reputation.min_sends = 5;
    fx_.Start();
    writer_ = Token("deploy", "write");
    reader_ = Token("dashboard", "read");
  }

  json::value Reputation(const std::string& query = "") {
    auto r = Call("GET", "/v1/reputation" + query, reader_);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  }

  // Posts one signed SES notification; returns the SNS MessageId. Expects 200.
  std::string Send(const std::string& ses_json, std::string message_id = "") {
    if (message_id.empty()) {
      message_id = "sns-" + std::to_string(++n_);
    }
    auto m = fx_.Notification(ses_json, message_id);
    auto r = fx_.Post(m);
    EXPECT_EQ(r.status, 200) << r.body;
    return message_id;
  }
  std::string BounceJson(const std::string& recipient) {
    return R"({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",)"
           R"( "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": ")" +
           recipient + R"(", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],)"
           R"( "timestamp": ")" + Now() + R"(", "feedbackId": "f"}, )" + Mail(recipient) + "}";
  }

  std::string writer_, reader_;
};

TEST_F(ReputationApiTest, RatesFollowIngestedEventsIgnoreDuplicatesAndSurviveRestart) {
  for (int i = 0; i < 9; ++i) {
    Send(DeliveryJson("user" + std::to_string(i) + "@gmail.com"));
  }
  const std::string bounce = BounceJson("gone@yahoo.com");
  const std::string bounce_id = Send(bounce);
  Send(ComplaintJson("angry@gmail.com"));
  Send(bounce, bounce_id);  // SNS retry: the same MessageId must not count twice

  json::value v = Reputation();
  EXPECT_EQ(v.at("send_source").as_string(), "delivered_bounced");
  EXPECT_EQ(v.at("sends").as_int64(), 10);
  EXPECT_EQ(v.at("low_confidence").as_bool(), false);  // min_sends = 5
  EXPECT_DOUBLE_EQ(v.at("bounce").at("rate").as_double(), 0.1);
  EXPECT_EQ(v.at("bounce").at("hard_bounces").as_int64(), 1);
  EXPECT_EQ(v.at("bounce").at("level").as_string(), "at_risk");
  EXPECT_EQ(v.at("complaint").at("complaints").as_int64(), 1);
  EXPECT_EQ(v.at("level").as_string(), "at_risk");
  EXPECT_EQ(v.at("counts").at("deliveries").as_int64(), 9);
  const auto& domains = v.at("breakdowns").at("recipient_domain").as_array();
  ASSERT_EQ(domains.size(), 2u);
  // Both at_risk with one bad event each: by key. yahoo.com has 1 send (< min_sends 5).
  EXPECT_EQ(domains[0].at("key").as_string(), "gmail.com");
  EXPECT_EQ(domains[0].at("sends").as_int64(), 9);
  EXPECT_EQ(domains[0].at("low_confidence").as_bool(), false);
  EXPECT_EQ(domains[1].at("key").as_string(), "yahoo.com");
  EXPECT_EQ(domains[1].at("low_confidence").as_bool(), true);

  // The live counter is what App::reputation() gives the alerts worker.
  EXPECT_EQ(fx_.app().reputation().Compute().sends, 10);

  const std::string before = json::serialize(v);
  fx_.Stop();
  fx_.Start();
  EXPECT_EQ(json::serialize(Reputation()), before) << "restart rebuilt other numbers";

  auto one = Reputation("?by=identity&limit=1");
  EXPECT_EQ(one.at("breakdowns").as_object().size(), 1u);
  EXPECT_EQ(one.at("breakdowns").at("identity").as_array().size(), 1u);
}

TEST_F(ReputationApiTest, SeriesHasOnePointPerBucket) {
  Send(BounceJson("a@x.org"));
  fx_.clock().Advance(hours(2));
  Send(DeliveryJson("b@x.org"));
  auto r = Call("GET", "/v1/reputation/series?bucket=1h&since=3h", reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  EXPECT_EQ(v.at("bucket").as_string(), "1h");
  const auto& points = v.at("points").as_array();
  ASSERT_EQ(points.size(), 4u);  // 02:00 .. 05:00, now is 05:00
  EXPECT_EQ(points[1].at("t").as_string(), "2026-11-30T03:00:00.000Z");
  EXPECT_EQ(points[1].at("counts").at("hard_bounces").as_int64(), 1);
  EXPECT_DOUBLE_EQ(points[1].at("bounce_rate").as_double(), 1.0);
  EXPECT_EQ(points[3].at("counts").at("deliveries").as_int64(), 1);
  EXPECT_EQ(points[2].at("send_source").as_string(), "none");
  EXPECT_DOUBLE_EQ(v.at("thresholds").at("bounce").at("warning").as_double(), 0.05);

  auto day = Call("GET", "/v1/reputation/series?bucket=1d&since=2026-11-29T00:00:00Z", reader_);
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_EQ(Json(day).at("points").as_array().size(), 2u);
}

TEST_F(ReputationApiTest, BadQueriesAreRefused) {
  for (const char* target :
       {"/v1/reputation/series?bucket=90m", "/v1/reputation/series?bucket=soon",
        "/v1/reputation/series?since=yesterday", "/v1/reputation/series?bucket=1m&since=1000d",
        "/v1/reputation/series?color=red", "/v1/reputation?by=planet",
        "/v1/reputation?limit=0", "/v1/reputation?limit=abc", "/v1/reputation?x=1"}) {
    auto r = Call("GET", target, reader_);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), "invalid_input") << target;
  }
  EXPECT_EQ(Call("GET", "/v1/reputation", "").status, 401);
  EXPECT_EQ(Call("GET", "/v1/reputation", "bw_not-a-token").status, 401);
  EXPECT_EQ(Call("DELETE", "/v1/reputation", reader_).status, 405);
}

TEST_F(ReputationApiTest, ReportedSendsAreTheDenominatorWithoutOtherSources) {
  auto r = Call("POST", "/v1/sends", writer_,
                R"({"count": 1000, "identity": "Example.com", "configuration_set": "news"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("accepted").as_int64(), 1000);
  r = Call("POST", "/v1/sends", writer_, R"({"count": 500, "at": "2026-11-30T01:30:00Z"})");
  ASSERT_EQ(r.status, 200) << r.body;

  json::value v = Reputation();
  EXPECT_EQ(v.at("send_source").as_string(), "reported");
  EXPECT_EQ(v.at("sends").as_int64(), 1500);
  EXPECT_EQ(v.at("counts").at("reported_sends").as_int64(), 1500);
  const auto& ids = v.at("breakdowns").at("identity").as_array();
  bool found = false;
  for (const auto& row : ids) {
    if (row.at("key").as_string() == "example.com") {
      found = true;
      EXPECT_EQ(row.at("sends").as_int64(), 1000);
    }
  }
  EXPECT_TRUE(found) << json::serialize(ids);

  // Stored durably: a restart still has them.
  fx_.Stop();
  fx_.Start();
  EXPECT_EQ(Reputation().at("sends").as_int64(), 1500);
}

TEST_F(ReputationApiTest, BadSendsAreRefusedAndChangeNothing) {
  struct Case {
    const char* body;
    std::string token;
    int status;
  } cases[] = {
      {R"({"count": 10})", reader_, 403},
      {R"({"count": 10})", "", 401},
      {R"({"count": 10)", writer_, 400},
      {R"([10])", writer_, 400},
      {R"({"count": 10, "colour": "red"})", writer_, 400},
      {R"({"count": 0})", writer_, 400},
      {R"({"count": -5})", writer_, 400},
      {R"({"count": 1.5})", writer_, 400},
      {R"({"count": 2000000000})", writer_, 400},
      {R"({"identity": "x"})", writer_, 400},
      {R"({"count": 10, "at": "yesterday"})", writer_, 400},
      {R"({"count": 10, "at": "2020-01-01T00:00:00Z"})", writer_, 400},  // older than retention
      {R"({"count": 10, "identity": 5})", writer_, 400},
  };
  for (const Case& c : cases) {
    auto r = Call("POST", "/v1/sends", c.token, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << ": " << r.body;
    ErrorCode(r);
  }
  EXPECT_EQ(Call("POST", "/v1/sends?x=1", writer_, R"({"count": 1})").status, 400);
  EXPECT_EQ(Call("GET", "/v1/sends", writer_).status, 405);
  EXPECT_EQ(Reputation().at("counts").at("reported_sends").as_int64(), 0);
}

std::string LineStartingWith(const std::string& page, const std::string& prefix) {
  size_t pos = 0;
  while (pos < page.size()) {
    size_t end = page.find('\n', pos);
    std::string line = page.substr(pos, end - pos);
    if (line.rfind(prefix, 0) == 0) {
      return line;
    }
    if (end == std::string::npos) {
      break;
    }
    pos = end + 1;
  }
  return "";
}

TEST_F(ReputationApiTest, MetricsPageHasTheFamiliesAndPassesPromtool) {
  Send(DeliveryJson("a@gmail.com"));
  Send(DeliveryJson("b@gmail.com"));
  const std::string bounce = BounceJson("gone@yahoo.com");
  const std::string id = Send(bounce);
  Send(bounce, id);  // duplicate
  // A message whose signature does not verify: changed after signing.
  auto forged = fx_.Notification(DeliveryJson("c@gmail.com"), "sns-forged");
  forged.message += " ";
  EXPECT_EQ(fx_.Post(forged).status, 403);

  auto r = fx_.client().Request("GET", "/metrics");  // no token: like /healthz
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& page = r.body;
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_events_total{type=\"delivery\""),
            "bouncewatch_events_total{type=\"delivery\",bounce_class=\"\",reason=\"\"} 2");
  const std::string hard = LineStartingWith(page, "bouncewatch_events_total{type=\"bounce\"");
  EXPECT_NE(hard.find("bounce_class=\"hard\""), std::string::npos) << hard;
  EXPECT_EQ(hard.substr(hard.size() - 2), " 1") << hard;
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_sns_requests_total{result=\"stored\"}"),
            "bouncewatch_sns_requests_total{result=\"stored\"} 3");
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_sns_requests_total{result=\"duplicate\"}"),
            "bouncewatch_sns_requests_total{result=\"duplicate\"} 1");
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_sns_requests_total{result=\"rejected_forbidden\"}"),
            "bouncewatch_sns_requests_total{result=\"rejected_forbidden\"} 1");
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_sns_signature_failures_total "),
            "bouncewatch_sns_signature_failures_total 1");
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_suppressions "), "bouncewatch_suppressions 1");
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_reputation_sends{"),
            "bouncewatch_reputation_sends{source=\"delivered_bounced\"} 3");
  EXPECT_EQ(LineStartingWith(page, "bouncewatch_reputation_level{rate=\"bounce\",level=\"at_risk\"}"),
            "bouncewatch_reputation_level{rate=\"bounce\",level=\"at_risk\"} 1");
  EXPECT_NE(LineStartingWith(page, "bouncewatch_store_commit_duration_seconds_count "), "");
  EXPECT_NE(LineStartingWith(page, "bouncewatch_build_info{version=\""), "");
  EXPECT_EQ(page.find("# collector failed"), std::string::npos) << page;

  // Another part (the alerts worker) can add a gauge.
  fx_.app().metrics_registry().AddGauge("bouncewatch_test_items", "A test gauge.",
                                        [] { return 4.0; });
  auto again = fx_.client().Request("GET", "/metrics");
  EXPECT_EQ(LineStartingWith(again.body, "bouncewatch_test_items "), "bouncewatch_test_items 4");

  // promtool (Debian package prometheus, scripts/install-deps) must accept the page.
  const std::string file = (fx_.dir() / "metrics.txt").string();
  std::ofstream(file) << again.body;
  ASSERT_EQ(std::system("command -v promtool >/dev/null"), 0)
      << "promtool is missing: run scripts/install-deps";
  const std::string cmd = "promtool check metrics < " + file + " > " + file + ".out 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out(file + ".out");
  std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << "promtool check metrics failed:\n" << report << "\npage:\n" << again.body;
}

}  // namespace
}  // namespace bw
