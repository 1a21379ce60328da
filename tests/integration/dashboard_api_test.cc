// SPDX-License-Identifier: Apache-2.0
// The dashboard's server side end to end (issue 7): sign-in with a token for a session cookie,
// CSRF on writes, expiry, /v1/setup, the embedded static files, the events domain filter.
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "app/tokens.h"
#include "integration/api_client.h"
#include "integration/sns_fixture.h"

namespace bw {
namespace {

namespace json = boost::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.config().api.session_ttl = std::chrono::hours(1);
    fx_.config().server.public_url = "https://bounces.example.com/";
    fx_.Start();
    admin_ = Token("ops", "admin");
    reader_ = Token("viewer", "read");
  }

  std::string Token(const std::string& name, const std::string& scope) {
    return testing::CreateTestToken(fx_, name, scope);
  }

  testing::HttpResult SignIn(const std::string& token) {
    return fx_.client().Post("/v1/session", R"({"token": ")" + token + R"("})",
                             {{"Content-Type", "application/json"}});
  }

  // Signs in; returns the cookie pair ("bw_session=...") and the CSRF token.
  std::pair<std::string, std::string> Session(const std::string& token) {
    auto r = SignIn(token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::string set_cookie = r.headers["set-cookie"];
    std::string pair = set_cookie.substr(0, set_cookie.find(';'));
    return {pair, std::string(Json(r).at("csrf_token").as_string())};
  }

  static json::value Json(const testing::HttpResult& r) { return testing::JsonBody(r); }
  static std::string Message(const testing::HttpResult& r) {
    return testing::ErrorField(r, "message");
  }

  testing::AppFixture fx_;
  std::string admin_;
  std::string reader_;
};

TEST_F(DashboardApiTest, SignInSetsAStrictHttpOnlyCookie) {
  auto r = SignIn(admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string& c = r.headers["set-cookie"];
  EXPECT_EQ(c.rfind("bw_session=", 0), 0u) << c;
  EXPECT_NE(c.find("; HttpOnly"), std::string::npos) << c;
  EXPECT_NE(c.find("; SameSite=Strict"), std::string::npos) << c;
  EXPECT_NE(c.find("; Path=/"), std::string::npos) << c;
  EXPECT_NE(c.find("; Secure"), std::string::npos) << "public_url is https: " << c;
  EXPECT_NE(c.find("Max-Age=3600"), std::string::npos) << c;
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  json::value v = Json(r);
  EXPECT_EQ(v.at("scope").as_string(), "admin");
  EXPECT_EQ(v.at("token_name").as_string(), "ops");
  EXPECT_EQ(v.at("expires_at").as_string(), "2026-11-30T04:00:00.000Z");
  EXPECT_EQ(r.body.find(admin_), std::string::npos) << "the token is never echoed";
}

TEST_F(DashboardApiTest, WrongTokenAndBadBodiesAreRefusedClearly) {
  auto r = SignIn("bw_wrong");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(Message(r).find("not valid"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_EQ(SignIn("").status, 400);
  EXPECT_EQ(fx_.client().Post("/v1/session", "token=" + admin_,
                              {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            400)
      << "a cross-site form cannot sign in";
  EXPECT_EQ(fx_.client().Post("/v1/session", R"({"token": 5})",
                              {{"Content-Type", "application/json"}})
                .status,
            400);
  EXPECT_EQ(fx_.client().Post("/v1/session", R"({"token": "x", "more": 1})",
                              {{"Content-Type", "application/json"}})
                .status,
            400);
  EXPECT_EQ(fx_.client().Request("PUT", "/v1/session").status, 405);
}

TEST_F(DashboardApiTest, CookieReadsAndCsrfGuardedWrites) {
  auto [cookie, csrf] = Session(admin_);
  auto me = fx_.client().Request("GET", "/v1/session", "", {{"Cookie", "a=b; " + cookie}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Json(me).at("csrf_token").as_string(), csrf);

  auto list = fx_.client().Request("GET", "/v1/suppressions", "", {{"Cookie", cookie}});
  EXPECT_EQ(list.status, 200) << list.body;

  auto no_csrf = fx_.client().Request("PUT", "/v1/suppressions/jane@example.com", "",
                                      {{"Cookie", cookie}});
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_NE(Message(no_csrf).find("X-CSRF-Token"), std::string::npos);
  auto bad_csrf = fx_.client().Request("PUT", "/v1/suppressions/jane@example.com", "",
                                       {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}});
  EXPECT_EQ(bad_csrf.status, 403);
  EXPECT_EQ(fx_.client()
                .Request("GET", "/v1/suppressions/jane@example.com", "", {{"Cookie", cookie}})
                .status,
            404)
      << "refused writes changed nothing";

  auto put = fx_.client().Request("PUT", "/v1/suppressions/jane@example.com",
                                  R"({"note": "asked"})",
                                  {{"Cookie", cookie},
                                   {"X-CSRF-Token", csrf},
                                   {"Content-Type", "application/json"}});
  EXPECT_EQ(put.status, 200) << put.body;
  auto del = fx_.client().Request("DELETE", "/v1/suppressions/jane@example.com", "",
                                  {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(del.status, 200) << del.body;

  auto invalid = fx_.client().Request("PUT", "/v1/suppressions/not-an-address", "",
                                      {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_FALSE(Message(invalid).empty());
}

TEST_F(DashboardApiTest, ReadOnlySessionCannotWrite) {
  auto [cookie, csrf] = Session(reader_);
  auto put = fx_.client().Request("PUT", "/v1/suppressions/jane@example.com", "",
                                  {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(put.status, 403) << put.body;
  EXPECT_NE(Message(put).find("scope read"), std::string::npos) << put.body;
}

TEST_F(DashboardApiTest, ExpiredSessionSaysSo) {
  auto [cookie, csrf] = Session(admin_);
  fx_.clock().Advance(std::chrono::hours(1));
  auto r = fx_.client().Request("GET", "/v1/suppressions", "", {{"Cookie", cookie}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Message(r), "your session expired; sign in again");
  auto me = fx_.client().Request("GET", "/v1/session", "", {{"Cookie", cookie}});
  EXPECT_EQ(me.status, 401);
  EXPECT_NE(me.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
}

TEST_F(DashboardApiTest, SignOutAndRevocationEndTheSession) {
  auto [cookie, csrf] = Session(admin_);
  auto out = fx_.client().Request("DELETE", "/v1/session", "", {{"Cookie", cookie}});
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(fx_.client().Request("GET", "/v1/events", "", {{"Cookie", cookie}}).status, 401);

  auto [cookie2, csrf2] = Session(reader_);
  ASSERT_TRUE(fx_.app().store().RevokeToken("viewer", ToUnixMs(fx_.clock().Now())).has_value());
  auto r = fx_.client().Request("GET", "/v1/events", "", {{"Cookie", cookie2}});
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(Message(r).find("revoked"), std::string::npos) << r.body;
}

TEST_F(DashboardApiTest, BearerStillWinsAndNoCredentialsStill401) {
  auto [cookie, csrf] = Session(reader_);
  // A Bearer token is used as given, whatever cookie comes along (no CSRF needed).
  auto put = fx_.client().Request("PUT", "/v1/suppressions/bob@example.com", "",
                                  {{"Cookie", cookie}, {"Authorization", "Bearer " + admin_}});
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(fx_.client().Get("/v1/suppressions").status, 401);
  EXPECT_EQ(fx_.client().Request("GET", "/v1/suppressions", "", {{"Cookie", "bw_session=made-up"}})
                .status,
            401);
}

TEST_F(DashboardApiTest, SetupListsEndpointTopicsAndCommands) {
  auto [cookie, csrf] = Session(reader_);
  auto r = fx_.client().Request("GET", "/v1/setup", "", {{"Cookie", cookie}});
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  EXPECT_EQ(v.at("endpoint_url").as_string(), "https://bounces.example.com/webhooks/sns");
  EXPECT_EQ(v.at("public_url_configured").as_bool(), true);
  const auto& topics = v.at("topics").as_array();
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_EQ(topics[0].at("topic_arn").as_string(), testing::kTopic);
  EXPECT_EQ(topics[0].at("region").as_string(), "us-east-1");
  EXPECT_EQ(topics[0].at("state").as_string(), "not_subscribed");
  EXPECT_TRUE(topics[0].at("last_message_at").is_null());
  std::string all;
  for (const auto& c : v.at("commands").as_array()) {
    all += std::string(c.at("command").as_string()) + "\n";
  }
  EXPECT_NE(all.find("aws sns subscribe --region us-east-1 --topic-arn " +
                     std::string(testing::kTopic) +
                     " --protocol https --notification-endpoint "
                     "https://bounces.example.com/webhooks/sns"),
            std::string::npos)
      << all;
  for (const char* type : {"Bounce", "Complaint", "Delivery"}) {
    EXPECT_NE(all.find("aws ses set-identity-notification-topic --region us-east-1 --identity "
                       "YOUR_IDENTITY --notification-type " +
                       std::string(type) + " --sns-topic " + testing::kTopic),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("aws ses set-identity-headers-in-notifications-enabled --region us-east-1 "
                       "--identity YOUR_IDENTITY --notification-type " +
                       std::string(type) + " --enabled"),
              std::string::npos)
        << all;
  }
  EXPECT_EQ(fx_.client().Get("/v1/setup").status, 401);
}

TEST_F(DashboardApiTest, SetupShowsWhenATopicLastDelivered) {
  auto m = fx_.Notification(R"({"notificationType": "Delivery", "mail": {"timestamp": )"
                            R"("2026-11-30T02:59:00.000Z", "source": "a@example.com", )"
                            R"("messageId": "m1", "destination": ["x@example.org"]}, )"
                            R"("delivery": {"timestamp": "2026-11-30T03:00:00.000Z", )"
                            R"("recipients": ["x@example.org"], "smtpResponse": "250 ok"}})",
                            "sns-setup-1");
  ASSERT_EQ(fx_.Post(m).status, 200);
  auto r = fx_.client().Request("GET", "/v1/setup", "", {{"Authorization", "Bearer " + admin_}});
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  const auto& t = v.at("topics").as_array().at(0);
  EXPECT_EQ(t.at("last_message_at").as_string(), "2026-11-30T03:00:00.000Z") << r.body;
}

TEST_F(DashboardApiTest, EventsFilterByDomain) {
  for (const auto& [id, rcpt] : std::vector<std::pair<std::string, std::string>>{
           {"d1", "a@example.org"}, {"d2", "b@Example.ORG"}, {"d3", "c@other.net"}}) {
    auto m = fx_.Notification(R"({"notificationType": "Delivery", "mail": {"timestamp": )"
                              R"("2026-11-30T02:59:00.000Z", "source": "a@example.com", )"
                              R"("messageId": ")" + id + R"(", "destination": [")" + rcpt +
                                  R"("]}, "delivery": {"timestamp": "2026-11-30T03:00:00.000Z", )"
                                  R"("recipients": [")" + rcpt + R"("], "smtpResponse": "250"}})",
                              "sns-" + id);
    ASSERT_EQ(fx_.Post(m).status, 200);
  }
  auto r = fx_.client().Request("GET", "/v1/events?domain=EXAMPLE.org", "",
                                {{"Authorization", "Bearer " + admin_}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("events").as_array().size(), 2u) << r.body;
  auto bad = fx_.client().Request("GET", "/v1/events?domain=no%20such", "",
                                  {{"Authorization", "Bearer " + admin_}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(DashboardApiTest, ServesTheEmbeddedDashboard) {
  auto index = fx_.client().Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("/assets/app.js"), std::string::npos);
  EXPECT_EQ(index.body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_NE(index.headers["content-security-policy"].find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(index.headers["x-content-type-options"], "nosniff");
  for (const char* asset : {"/assets/app.js", "/assets/style.css", "/assets/uPlot.iife.min.js",
                            "/assets/uPlot.min.css", "/assets/favicon.svg"}) {
    auto a = fx_.client().Get(asset);
    EXPECT_EQ(a.status, 200) << asset;
    EXPECT_GT(a.body.size(), 100u) << asset;
    auto again = fx_.client().Request("GET", asset, "", {{"If-None-Match", a.headers["etag"]}});
    EXPECT_EQ(again.status, 304) << asset;
  }
  auto missing = fx_.client().Get("/assets/nope.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("Not found"), std::string::npos);
  EXPECT_EQ(fx_.client().Get("/healthz").status, 200) << "other routes are unchanged";
}

}  // namespace
}  // namespace bw
