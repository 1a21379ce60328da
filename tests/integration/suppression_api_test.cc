// SPDX-License-Identifier: Apache-2.0
// The suppression list end to end: signed SNS notifications into a real server with a SQLite
// file, the policy deciding in the ingest transaction, and the authenticated /v1 JSON API.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "app/suppression_io.h"
#include "app/tokens.h"
#include "integration/api_client.h"
#include "integration/sns_fixture.h"

namespace bw {
namespace {

namespace json = boost::json;
using std::chrono::hours;

class SuppressionApiTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    fx_.Start();
    admin_ = Token("ops", "admin");
    writer_ = Token("deploy", "write");
    reader_ = Token("dashboard", "read");
  }

  // Posts one signed SES notification for `recipient`; expects 200.
  void Send(const std::string& ses_json) {
    auto m = fx_.Notification(ses_json, "sns-" + std::to_string(++n_));
    auto r = fx_.Post(m);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Bounce(const std::string& recipient, const std::string& type,
              const std::string& subtype = "General") {
    Send(R"({"notificationType": "Bounce", "bounce": {"bounceType": ")" + type +
         R"(", "bounceSubType": ")" + subtype + R"(", "bouncedRecipients": [{"emailAddress": ")" +
         recipient + R"("}], "timestamp": ")" + Now() + R"(", "feedbackId": "f"}, )" +
         Mail(recipient) + "}");
  }
  void Delivery(const std::string& recipient) { Send(DeliveryJson(recipient)); }
  void Complaint(const std::string& recipient) { Send(ComplaintJson(recipient)); }

  int GetStatus(const std::string& address) {
    return Call("GET", "/v1/suppressions/" + address, reader_).status;
  }

  std::string admin_, writer_, reader_;
};

TEST_F(SuppressionApiTest, HardBounceSuppressesAtOnce) {
  EXPECT_EQ(GetStatus("jane@example.com"), 404);
  Bounce("Jane@Example.com", "Permanent");
  auto r = Call("GET", "/v1/suppressions/jane%40EXAMPLE.com", reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  EXPECT_EQ(v.at("key").as_string(), "jane@example.com");
  EXPECT_EQ(v.at("reason").as_string(), "bounce");
  EXPECT_EQ(v.at("detail").as_string(), "hard_bounce");
  EXPECT_TRUE(v.at("expires_at").is_null());
  ASSERT_EQ(v.at("event_ids").as_array().size(), 1u);
  // The event behind it, with the raw notification.
  std::string id(v.at("event_ids").as_array()[0].as_string());
  auto e = Call("GET", "/v1/events/" + id, reader_);
  ASSERT_EQ(e.status, 200) << e.body;
  json::value ev = Json(e);
  EXPECT_EQ(ev.at("event").at("type").as_string(), "bounce");
  EXPECT_NE(std::string(ev.at("raw").at("body").as_string()).find("\"Type\""), std::string::npos);
}

TEST_F(SuppressionApiTest, SoftBouncesNeedThreeAndDeliveryResets) {
  Bounce("soft@example.com", "Transient", "MailboxFull");
  fx_.clock().Advance(hours(1));
  Bounce("soft@example.com", "Transient", "MailboxFull");
  EXPECT_EQ(GetStatus("soft@example.com"), 404);
  fx_.clock().Advance(hours(1));
  Delivery("soft@example.com");
  fx_.clock().Advance(hours(1));
  Bounce("soft@example.com", "Transient", "MailboxFull");
  fx_.clock().Advance(hours(1));
  Bounce("soft@example.com", "Undetermined", "Undetermined");
  EXPECT_EQ(GetStatus("soft@example.com"), 404);
  fx_.clock().Advance(hours(1));
  Bounce("soft@example.com", "Transient", "General");
  auto r = Call("GET", "/v1/suppressions/soft@example.com", reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("detail").as_string(), "soft_bounce_limit");
  EXPECT_FALSE(Json(r).at("expires_at").is_null());
  // Expiry after ttl_soft (14 days), with the fake clock.
  fx_.clock().Advance(hours(24 * 14));
  EXPECT_EQ(GetStatus("soft@example.com"), 404);
}

TEST_F(SuppressionApiTest, ComplaintAndSesSuppressedSuppress) {
  Complaint("angry@example.com");
  auto r = Call("GET", "/v1/suppressions/angry@example.com", reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("reason").as_string(), "complaint");
  Bounce("listed@example.com", "Permanent", "OnAccountSuppressionList");
  r = Call("GET", "/v1/suppressions/listed@example.com", reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("detail").as_string(), "ses_suppressed");
}

TEST_F(SuppressionApiTest, CheckEndpoint) {
  Bounce("gone@example.com", "Permanent");
  auto r = Call("POST", "/v1/suppressions/check", reader_,
                R"({"addresses": ["Gone@Example.com", "\"G\" <gone@example.com>", "ok@example.com"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  EXPECT_EQ(v.at("suppressed_count").as_int64(), 2);
  const auto& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].at("suppressed").as_bool());
  EXPECT_EQ(results[0].at("reason").as_string(), "bounce");
  EXPECT_TRUE(results[1].at("suppressed").as_bool());
  EXPECT_FALSE(results[2].at("suppressed").as_bool());

  // Bad input: names the index, nothing looked up.
  r = Call("POST", "/v1/suppressions/check", reader_, R"({"addresses": ["a@x.org", "nope"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("addresses[1]"), std::string::npos) << r.body;
  r = Call("POST", "/v1/suppressions/check", reader_, R"({"addresses": ["a@x.org"], "x": 1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("unknown field"), std::string::npos) << r.body;
  r = Call("POST", "/v1/suppressions/check", reader_, R"({"addresses": [)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_input");
  r = Call("POST", "/v1/suppressions/check", reader_, R"({"addresses": "a@x.org"})");
  EXPECT_EQ(r.status, 400);
  std::string many = R"({"addresses": [)";
  for (int i = 0; i < 10001; ++i) {
    many += (i ? ",\"u" : "\"u") + std::to_string(i) + "@x.org\"";
  }
  many += "]}";
  r = Call("POST", "/v1/suppressions/check", reader_, many);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  many = R"({"addresses": [)";
  for (int i = 0; i < 10000; ++i) {
    many += (i ? ",\"u" : "\"u") + std::to_string(i) + "@x.org\"";
  }
  many += "]}";
  r = Call("POST", "/v1/suppressions/check", reader_, many);
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
}

TEST_F(SuppressionApiTest, AuthMissingBadAndScope) {
  EXPECT_EQ(Call("GET", "/v1/suppressions/a@x.org", "").status, 401);
  auto r = Call("GET", "/v1/suppressions/a@x.org", "bw_not-a-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCode(r), "unauthenticated");
  r = fx_.client().Request("GET", "/v1/events", {}, {{"Authorization", "Basic abc"}});
  EXPECT_EQ(r.status, 401);
  // read may not write.
  r = Call("PUT", "/v1/suppressions/a@x.org", reader_, R"({"note": "x"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "permission_denied");
  EXPECT_EQ(GetStatus("a@x.org"), 404);  // nothing changed
  // Revoked tokens stop working, within the token cache's TTL (2 s, docs/api.md; the
  // cache itself is tested in suppression_fast_path_test).
  ASSERT_TRUE(fx_.app().store().RevokeToken("dashboard", 1).has_value());
  fx_.clock().Advance(std::chrono::milliseconds(2001));
  EXPECT_EQ(Call("GET", "/v1/suppressions/a@x.org", reader_).status, 401);
}

TEST_F(SuppressionApiTest, FirstStartWritesAnAdminTokenFile) {
  std::string path = app::AdminTokenPath(fx_.config().data_dir);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  EXPECT_EQ(token, fx_.app().created_admin_token());
  EXPECT_EQ(Call("GET", "/v1/suppressions", token).status, 200);
  // A restart with tokens present makes none.
  fx_.Stop();
  fx_.Start();
  EXPECT_TRUE(fx_.app().created_admin_token().empty());
}

TEST_F(SuppressionApiTest, PutDeleteAndAudit) {
  auto r = Call("PUT", "/v1/suppressions/Bob@B%C3%BCcher.example", writer_,
                R"({"note": "asked by phone"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  EXPECT_EQ(v.at("key").as_string(), "bob@xn--bcher-kva.example");
  EXPECT_EQ(v.at("reason").as_string(), "manual");
  EXPECT_EQ(v.at("note").as_string(), "asked by phone");
  EXPECT_EQ(GetStatus("bob@xn--bcher-kva.example"), 200);

  // Bad input changes nothing.
  EXPECT_EQ(Call("PUT", "/v1/suppressions/x@y.org", writer_, R"({"note": 5})").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/suppressions/x@y.org", writer_, R"({"nope": "x"})").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/suppressions/x@y.org", writer_, "not json").status, 400);
  EXPECT_EQ(Call("PUT", "/v1/suppressions/not-an-address", writer_).status, 400);
  EXPECT_EQ(GetStatus("x@y.org"), 404);

  r = Call("DELETE", "/v1/suppressions/bob@xn--bcher-kva.example", writer_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(GetStatus("bob@xn--bcher-kva.example"), 404);
  EXPECT_EQ(Call("DELETE", "/v1/suppressions/bob@xn--bcher-kva.example", writer_).status, 404);
  auto audit = fx_.app().store().ListSuppressionAudit("bob@xn--bcher-kva.example", 10);
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "remove");
  EXPECT_EQ((*audit)[0].actor, "api:deploy");
  EXPECT_EQ(Call("POST", "/v1/suppressions/a@x.org", writer_).status, 405);
}

TEST_F(SuppressionApiTest, ListFiltersAndCursors) {
  for (int i = 0; i < 5; ++i) {
    Bounce("u" + std::to_string(i) + "@one.example", "Permanent");
  }
  Complaint("c@two.example");
  ASSERT_EQ(Call("PUT", "/v1/suppressions/m@two.example", writer_).status, 200);

  std::vector<std::string> keys;
  std::string target = "/v1/suppressions?limit=2";
  for (int page = 0; page < 10; ++page) {
    auto r = Call("GET", target, reader_);
    ASSERT_EQ(r.status, 200) << r.body;
    json::value v = Json(r);
    for (const auto& s : v.at("suppressions").as_array()) {
      keys.emplace_back(s.at("key").as_string());
    }
    if (v.at("next_cursor").is_null()) {
      break;
    }
    target = "/v1/suppressions?limit=2&cursor=" + std::string(v.at("next_cursor").as_string());
  }
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));

  auto r = Call("GET", "/v1/suppressions?domain=two.example", reader_);
  EXPECT_EQ(Json(r).at("suppressions").as_array().size(), 2u);
  r = Call("GET", "/v1/suppressions?domain=two.example&reason=manual", reader_);
  EXPECT_EQ(Json(r).at("suppressions").as_array().size(), 1u);
  r = Call("GET", "/v1/suppressions?since=1h", reader_);
  EXPECT_EQ(Json(r).at("suppressions").as_array().size(), 7u);

  // Cursors: tampered, foreign (another listing / other filters) → 400.
  r = Call("GET", "/v1/suppressions?limit=2", reader_);
  std::string cursor(Json(r).at("next_cursor").as_string());
  std::string tampered = cursor;
  tampered[0] = tampered[0] == '7' ? '6' : '7';
  EXPECT_EQ(Call("GET", "/v1/suppressions?limit=2&cursor=" + tampered, reader_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?domain=two.example&cursor=" + cursor, reader_).status,
            400);
  EXPECT_EQ(Call("GET", "/v1/events?cursor=" + cursor, reader_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?cursor=zz", reader_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?reason=nope", reader_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?colour=red", reader_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/suppressions?limit=0", reader_).status, 400);
}

TEST_F(SuppressionApiTest, EventsListWithFiltersAndCursor) {
  Bounce("a@ev.example", "Permanent");
  Delivery("b@ev.example");
  Complaint("c@ev.example");
  auto r = Call("GET", "/v1/events?type=bounce,complaint", reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("events").as_array().size(), 2u);
  r = Call("GET", "/v1/events?recipient=B@EV.example", reader_);
  EXPECT_EQ(Json(r).at("events").as_array().size(), 1u);
  std::vector<std::string> ids;
  std::string target = "/v1/events?limit=1";
  for (int i = 0; i < 10; ++i) {
    r = Call("GET", target, reader_);
    ASSERT_EQ(r.status, 200) << r.body;
    json::value v = Json(r);
    for (const auto& e : v.at("events").as_array()) {
      ids.emplace_back(e.at("id").as_string());
    }
    if (v.at("next_cursor").is_null()) {
      break;
    }
    target = "/v1/events?limit=1&cursor=" + std::string(v.at("next_cursor").as_string());
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(Call("GET", "/v1/events?type=nope", reader_).status, 400);
  EXPECT_EQ(Call("GET", "/v1/events/NOSUCHID", reader_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/nothing", reader_).status, 404);
}

TEST_F(SuppressionApiTest, ImportIsAllOrNothingAndExportRoundTrips) {
  std::string csv =
      "EmailAddress,Reason\n"
      "one@import.example,BOUNCE\n"
      "\"Two\" <two@import.example>,COMPLAINT\n"
      "broken-address,BOUNCE\n"
      "three@import.example,MAYBE\n";
  auto r = fx_.client().Request("POST", "/v1/suppressions/import", csv,
                                {{"Authorization", "Bearer " + writer_},
                                 {"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 400) << r.body;
  json::value v = Json(r);
  ASSERT_EQ(v.at("error").at("invalid").as_array().size(), 2u);
  EXPECT_EQ(v.at("error").at("invalid").as_array()[0].at("line").as_int64(), 4);
  EXPECT_EQ(v.at("error").at("invalid").as_array()[1].at("line").as_int64(), 5);
  EXPECT_EQ(GetStatus("one@import.example"), 404);  // nothing imported

  r = fx_.client().Request("POST", "/v1/suppressions/import?skip_invalid=true", csv,
                           {{"Authorization", "Bearer " + writer_}, {"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("imported").as_int64(), 2);
  EXPECT_EQ(GetStatus("one@import.example"), 200);
  auto got = Call("GET", "/v1/suppressions/two@import.example", reader_);
  EXPECT_EQ(Json(got).at("reason").as_string(), "import");
  // read may not import.
  EXPECT_EQ(Call("POST", "/v1/suppressions/import", reader_, "a@b.org\n").status, 403);

  r = Call("GET", "/v1/suppressions/export", reader_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "EmailAddress,Reason\none@import.example,BOUNCE\ntwo@import.example,COMPLAINT\n");
  r = Call("GET", "/v1/suppressions/export?format=jsonl", reader_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 2);

  r = fx_.client().Request("POST", "/v1/suppressions/import?format=jsonl",
                           "{\"address\": \"j@import.example\", \"note\": \"n\"}\n"
                           "{\"address\": \"k@import.example\", \"colour\": \"red\"}\n",
                           {{"Authorization", "Bearer " + writer_}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(GetStatus("j@import.example"), 404);
}

// A body many times the server's read buffer, parsed in pieces while the store writes
// (store/suppression_import.h): an invalid line at its very end imports nothing, not even the
// addresses parsed and written before it; without it every address is imported.
TEST_F(SuppressionApiTest, LargeImportWithInvalidLastLineImportsNothing) {
  std::string csv = "EmailAddress,Reason\n";
  constexpr int kCount = 30000;  // ~800 KB: under the default 1 MiB body limit
  for (int i = 0; i < kCount; ++i) {
    csv += "bulk" + std::to_string(i) + "@big.example,BOUNCE\n";
  }
  const std::string bad = csv + "bulk-last@big.example,SOMETIMES\n";
  auto r = fx_.client().Request("POST", "/v1/suppressions/import", bad,
                                {{"Authorization", "Bearer " + writer_},
                                 {"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 400) << r.body.substr(0, 300);
  json::value v = Json(r);
  ASSERT_EQ(v.at("error").at("invalid").as_array().size(), 1u);
  EXPECT_EQ(v.at("error").at("invalid").as_array()[0].at("line").as_int64(), kCount + 2);
  EXPECT_EQ(GetStatus("bulk0@big.example"), 404);
  EXPECT_EQ(GetStatus("bulk29999@big.example"), 404);

  r = fx_.client().Request("POST", "/v1/suppressions/import", csv,
                           {{"Authorization", "Bearer " + writer_}, {"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(Json(r).at("imported").as_int64(), kCount);
  EXPECT_EQ(GetStatus("bulk0@big.example"), 200);
  EXPECT_EQ(GetStatus("bulk29999@big.example"), 200);
  r = Call("GET", "/v1/suppressions/export", reader_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), kCount + 1);
}

TEST_F(SuppressionApiTest, RebuildAppliesAChangedPolicyAndKeepsManualEntries) {
  Bounce("soft@rb.example", "Transient");
  Bounce("soft@rb.example", "Transient");
  Bounce("hard@rb.example", "Permanent");
  Complaint("angry@rb.example");
  ASSERT_EQ(Call("PUT", "/v1/suppressions/manual@rb.example", writer_).status, 200);
  EXPECT_EQ(GetStatus("soft@rb.example"), 404);

  policy::PolicyConfig changed;
  changed.soft_bounce_limit = 2;
  changed.suppress_on_complaint = false;
  auto dry = app::RebuildSuppressions(fx_.app().store(), changed, fx_.clock(), true);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->added, std::vector<std::string>{"soft@rb.example"});
  EXPECT_EQ(dry->removed, std::vector<std::string>{"angry@rb.example"});
  EXPECT_TRUE(dry->changed.empty());
  EXPECT_EQ(dry->events, 4u);
  EXPECT_EQ(GetStatus("soft@rb.example"), 404);  // dry run wrote nothing

  auto done = app::RebuildSuppressions(fx_.app().store(), changed, fx_.clock(), false);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(GetStatus("soft@rb.example"), 200);
  EXPECT_EQ(GetStatus("angry@rb.example"), 404);
  EXPECT_EQ(GetStatus("hard@rb.example"), 200);
  EXPECT_EQ(GetStatus("manual@rb.example"), 200);
  // Running it again changes nothing.
  auto again = app::RebuildSuppressions(fx_.app().store(), changed, fx_.clock(), false);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->added.empty() && again->removed.empty() && again->changed.empty());
}

}  // namespace
}  // namespace bw
