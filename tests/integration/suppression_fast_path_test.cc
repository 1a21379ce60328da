// SPDX-License-Identifier: Apache-2.0
// The suppression list's fast paths against a real server and SQLite file: the in-memory index
// behind GET and check (agreeing with writes through events, the API and another process), the
// token cache's revocation bound, the streamed export, and the raw message of a mail event.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "app/app.h"
#include "app/tokens.h"
#include "core/address.h"
#include "core/time_format.h"
#include "integration/api_client.h"
#include "integration/sns_fixture.h"

namespace bw {
namespace {

namespace json = boost::json;

class SuppressionFastPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.Start();
    auto t = app::CreateApiToken(fx_.app().store(), "reader", "read", fx_.clock());
    ASSERT_TRUE(t.has_value()) << t.error().ToString();
    reader_ = *t;
    auto w = app::CreateApiToken(fx_.app().store(), "writer", "write", fx_.clock());
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
    writer_ = *w;
  }

  testing::HttpResult Call(const std::string& method, const std::string& target,
                           const std::string& token, const std::string& body = {}) {
    return testing::CallApi(fx_, method, target, token, body);
  }

  static json::value Json(const testing::HttpResult& r) { return testing::JsonBody(r); }

  bool Checked(const std::string& address) {
    auto r = Call("POST", "/v1/suppressions/check", reader_,
                  R"({"addresses": [")" + address + R"("]})");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r).at("results").as_array()[0].at("suppressed").as_bool();
  }

  testing::AppFixture fx_;
  std::string reader_, writer_;
  int n_ = 0;
};

TEST_F(SuppressionFastPathTest, GetAndCheckFollowEveryKindOfWrite) {
  // An event (hard bounce) suppresses: GET and check say so at once (after the 200).
  std::string now = FormatIso8601Ms(ToUnixMs(fx_.clock().Now()));
  auto m = fx_.Notification(
      R"({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",)"
      R"( "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": "ev@example.com"}],)"
      R"( "timestamp": ")" + now + R"(", "feedbackId": "f"}, "mail": {"timestamp": ")" + now +
          R"(", "source": "a@example.com", "messageId": "m1", "destination": ["ev@example.com"]}})",
      "sns-fast-1");
  ASSERT_EQ(fx_.Post(m).status, 200);
  EXPECT_EQ(Call("GET", "/v1/suppressions/ev@example.com", reader_).status, 200);
  EXPECT_TRUE(Checked("EV@example.com"));

  // API PUT and DELETE.
  EXPECT_EQ(Call("GET", "/v1/suppressions/put@example.com", reader_).status, 404);
  EXPECT_FALSE(Checked("put@example.com"));
  ASSERT_EQ(Call("PUT", "/v1/suppressions/put@example.com", writer_).status, 200);
  EXPECT_EQ(Call("GET", "/v1/suppressions/put@example.com", reader_).status, 200);
  EXPECT_TRUE(Checked("put@example.com"));
  ASSERT_EQ(Call("DELETE", "/v1/suppressions/put@example.com", writer_).status, 200);
  EXPECT_EQ(Call("GET", "/v1/suppressions/put@example.com", reader_).status, 404);
  EXPECT_FALSE(Checked("put@example.com"));

  // Another process on the same file (the CLI): seen within the index's poll interval.
  auto cli = app::OpenStore(fx_.config(), fx_.clock(), /*read_only=*/false);
  ASSERT_TRUE(cli.has_value()) << cli.error().ToString();
  auto a = NormalizeAddress("cli@example.com");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE((*cli)->AddSuppressions({{*a, SuppressionReason::kManual, "", ""}}, {"cli", ""}));
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = Call("GET", "/v1/suppressions/cli@example.com", reader_).status;
    if (status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(Checked("cli@example.com"));
}

// The single GET's answer (written directly, not through a json::object): every member, in the
// documented order, with values that need escaping, from both the inline path (token cached) and
// the blocking one (first use of a token).
TEST_F(SuppressionFastPathTest, GetAnswersEveryMemberInOrder) {
  std::string now = FormatIso8601Ms(ToUnixMs(fx_.clock().Now()));
  auto m = fx_.Notification(
      R"({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",)"
      R"( "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": "Get.Me@example.com"}],)"
      R"( "timestamp": ")" + now + R"(", "feedbackId": "f"}, "mail": {"timestamp": ")" + now +
          R"(", "source": "a@example.com", "messageId": "m-get", "destination": ["Get.Me@example.com"]}})",
      "sns-fast-get");
  ASSERT_EQ(fx_.Post(m).status, 200);
  ASSERT_EQ(Call("PUT", "/v1/suppressions/noted@example.com", writer_,
                 R"({"note": "said \"stop\"\nby phone \u00e9\u0001"})")
                .status,
            200);
  auto fresh = app::CreateApiToken(fx_.app().store(), "fresh", "read", fx_.clock());
  ASSERT_TRUE(fresh.has_value());
  for (const std::string& token : {*fresh, reader_, reader_}) {  // not cached, then cached
    auto r = Call("GET", "/v1/suppressions/get.me@EXAMPLE.com", token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.back(), '\n');
    json::object o = Json(r).as_object();
    std::vector<std::string> keys;
    for (const auto& kv : o) {
      keys.emplace_back(kv.key());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"address", "key", "suppressed", "reason", "detail",
                                              "suppressed_at", "expires_at", "first_seen",
                                              "last_seen", "counts", "note", "event_ids"}));
    EXPECT_EQ(o.at("address").as_string(), "Get.Me@example.com");
    EXPECT_EQ(o.at("key").as_string(), "get.me@example.com");
    EXPECT_TRUE(o.at("suppressed").as_bool());
    EXPECT_EQ(o.at("reason").as_string(), "bounce");
    EXPECT_EQ(o.at("expires_at"), nullptr);
    EXPECT_EQ(o.at("suppressed_at").as_string(), o.at("first_seen").as_string());
    EXPECT_TRUE(o.at("last_seen").is_string());
    EXPECT_EQ(o.at("counts").at("hard_bounces").as_int64(), 1);
    EXPECT_EQ(o.at("counts").at("soft_bounces").as_int64(), 0);
    EXPECT_EQ(o.at("counts").at("recent_soft_bounces").as_int64(), 0);
    EXPECT_EQ(o.at("counts").at("complaints").as_int64(), 0);
    ASSERT_EQ(o.at("event_ids").as_array().size(), 1u);
    EXPECT_FALSE(o.at("event_ids").as_array()[0].as_string().empty());

    auto n = Call("GET", "/v1/suppressions/noted@example.com", token);
    ASSERT_EQ(n.status, 200) << n.body;
    EXPECT_EQ(Json(n).at("note").as_string(), "said \"stop\"\nby phone \u00e9\x01");
    EXPECT_EQ(Json(n).at("reason").as_string(), "manual");
    EXPECT_TRUE(Json(n).at("event_ids").as_array().empty());
  }
}

TEST_F(SuppressionFastPathTest, ARevokedTokenStopsWorkingWithinTheCacheTtl) {
  ASSERT_EQ(Call("GET", "/v1/suppressions/x@example.com", reader_).status, 404);
  ASSERT_TRUE(fx_.app().store().RevokeToken("reader", ToUnixMs(fx_.clock().Now())));
  // Still cached (the bound documented in docs/api.md) ...
  EXPECT_EQ(Call("GET", "/v1/suppressions/x@example.com", reader_).status, 404);
  // ... and refused once the cache entry is older than its TTL (2 s on the fake clock).
  fx_.clock().Advance(std::chrono::milliseconds(2001));
  EXPECT_EQ(Call("GET", "/v1/suppressions/x@example.com", reader_).status, 401);
  EXPECT_EQ(Call("POST", "/v1/suppressions/check", reader_, R"({"addresses": ["x@example.com"]})")
                .status,
            401);
}

TEST_F(SuppressionFastPathTest, ExportIsStreamedAndComplete) {
  // More than two pages of the stream (5,000 a page).
  std::vector<store::ManualSuppression> many;
  for (int i = 0; i < 12345; ++i) {
    auto a = NormalizeAddress("user" + std::to_string(i) + "@export.example");
    ASSERT_TRUE(a.has_value());
    many.push_back({*a, SuppressionReason::kImport, "", i % 2 ? "ses_complaint" : "ses_bounce"});
  }
  ASSERT_TRUE(fx_.app().store().AddSuppressions(many, {"test", "import"}));

  auto r = Call("GET", "/v1/suppressions/export?format=csv", reader_);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(r.headers.count("content-length"), 0u);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < r.body.size()) {
    size_t nl = r.body.find('\n', start);
    ASSERT_NE(nl, std::string::npos) << "every line ends with a newline";
    lines.push_back(r.body.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 12346u);
  EXPECT_EQ(lines[0], "EmailAddress,Reason");
  std::set<std::string> seen(lines.begin() + 1, lines.end());
  EXPECT_EQ(seen.size(), 12345u) << "no address twice";
  EXPECT_TRUE(seen.count("user0@export.example,BOUNCE"));
  EXPECT_TRUE(seen.count("user12344@export.example,BOUNCE"));
  EXPECT_TRUE(seen.count("user9999@export.example,COMPLAINT"));

  // JSONL the same way; and the connection stays usable afterwards (keep-alive).
  r = Call("GET", "/v1/suppressions/export?format=jsonl", reader_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 12345);
  EXPECT_EQ(Call("GET", "/v1/suppressions/user1@export.example", reader_).status, 200);

  // An empty list is a complete, header-only CSV.
  ASSERT_TRUE(fx_.app().store().ReplaceSuppressions({}, {"test", ""}));
  r = Call("GET", "/v1/suppressions/export", reader_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "EmailAddress,Reason\n");
}

TEST_F(SuppressionFastPathTest, EventOfABounceMailComesWithTheMail) {
  const std::string mail =
      "From: MAILER-DAEMON@mx.example\r\nTo: sender@example.com\r\n"
      "Subject: Undelivered Mail Returned to Sender\r\n\r\nsorry \xe9t\xe9\r\n";  // Latin-1 bytes
  store::IngestBatch b;
  b.source = "mail";
  b.dedup_key = "sha256:abc";
  b.kind = "mail";
  b.raw = mail;
  FeedbackEvent e;
  e.type = EventType::kBounce;
  e.recipient = "gone@example.com";
  e.source = "mail";
  e.origin.file = "/var/mail/bounce.eml";
  e.bounce.emplace();
  e.bounce->bounce_class = BounceClass::kHard;
  b.events.push_back(e);
  ASSERT_TRUE(fx_.app().store().Ingest(b).has_value());
  auto list = Call("GET", "/v1/events?recipient=gone@example.com", reader_);
  ASSERT_EQ(list.status, 200) << list.body;
  std::string id(Json(list).at("events").as_array().at(0).at("id").as_string());

  auto r = Call("GET", "/v1/events/" + id, reader_);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  const json::value& raw = v.at("raw");
  ASSERT_TRUE(raw.is_object()) << r.body;
  EXPECT_EQ(raw.at("source").as_string(), "mail");
  EXPECT_EQ(raw.at("dedup_key").as_string(), "sha256:abc");
  EXPECT_EQ(raw.at("kind").as_string(), "mail");
  // Not valid UTF-8: given as base64 of the exact bytes.
  EXPECT_FALSE(raw.as_object().contains("body"));
  EXPECT_EQ(raw.at("body_base64").as_string(),
            "RnJvbTogTUFJTEVSLURBRU1PTkBteC5leGFtcGxlDQpUbzogc2VuZGVyQGV4YW1wbGUuY29tDQpTdWJqZWN0"
            "OiBVbmRlbGl2ZXJlZCBNYWlsIFJldHVybmVkIHRvIFNlbmRlcg0KDQpzb3JyeSDpdOkNCg==");

  // A UTF-8 mail comes as text.
  b.dedup_key = "sha256:def";
  b.raw = "Subject: r\xc3\xa9sum\xc3\xa9\r\n\r\nbody\r\n";
  b.events[0].id.clear();
  b.events[0].recipient = "utf8@example.com";
  ASSERT_TRUE(fx_.app().store().Ingest(b).has_value());
  list = Call("GET", "/v1/events?recipient=utf8@example.com", reader_);
  id = std::string(Json(list).at("events").as_array().at(0).at("id").as_string());
  r = Call("GET", "/v1/events/" + id, reader_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Json(r).at("raw").at("body").as_string(), b.raw);
}

}  // namespace
}  // namespace bw
