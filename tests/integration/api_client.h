// SPDX-License-Identifier: Apache-2.0
// Calls to the /v1 JSON API of an AppFixture's server, shared by the API integration tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "app/tokens.h"
#include "core/time_format.h"
#include "integration/sns_fixture.h"

namespace bw::testing {

// Creates an API token in the fixture's store and returns its secret; a failure is a test
// failure and gives "".
inline std::string CreateTestToken(AppFixture& fx, const std::string& name,
                                   const std::string& scope) {
  auto t = app::CreateApiToken(fx.app().store(), name, scope, fx.clock());
  EXPECT_TRUE(t.has_value()) << t.error().ToString();
  return t ? *t : "";
}

// One request with `Authorization: Bearer <token>` (none when token is empty) and a JSON body
// (Content-Type only when the body is not empty).
inline HttpResult CallApi(AppFixture& fx, const std::string& method, const std::string& target,
                          const std::string& token, const std::string& body = {}) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + token);
  }
  if (!body.empty()) {
    headers.emplace_back("Content-Type", "application/json");
  }
  return fx.client().Request(method, target, body, headers);
}

// The response body as JSON; a body that does not parse is a test failure (null is returned).
inline boost::json::value JsonBody(const HttpResult& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  EXPECT_FALSE(ec) << r.body.substr(0, 300);
  return v;
}

// error.<field> ("code" or "message") of an API error body; anything else is a test failure.
inline std::string ErrorField(const HttpResult& r, const char* field) {
  boost::json::value v = JsonBody(r);
  if (!v.is_object() || !v.as_object().contains("error")) {
    ADD_FAILURE() << "not an error body: " << r.body;
    return "";
  }
  return std::string(v.at("error").at(field).as_string());
}

// A test fixture around one AppFixture (fx_, started by the test's SetUp) with the calls above
// as members, and builders for SES content posted through fx_.
class ApiTest : public ::testing::Test {
 protected:
  std::string Token(const std::string& name, const std::string& scope) {
    return CreateTestToken(fx_, name, scope);
  }

  HttpResult Call(const std::string& method, const std::string& target, const std::string& token,
                  const std::string& body = {}) {
    return CallApi(fx_, method, target, token, body);
  }

  static boost::json::value Json(const HttpResult& r) { return JsonBody(r); }

  static std::string ErrorCode(const HttpResult& r) { return ErrorField(r, "code"); }

  // The fixture clock's now, ISO-8601.
  std::string Now() { return FormatIso8601Ms(ToUnixMs(fx_.clock().Now())); }

  // The "mail" member of SES content sent now to `recipient`, with a new messageId.
  std::string Mail(const std::string& recipient) {
    return R"("mail": {"timestamp": ")" + Now() +
           R"(", "source": "news@example.com", "messageId": "mail-)" + std::to_string(++n_) +
           R"(", "destination": [")" + recipient + R"("]})";
  }

  // SES Delivery and Complaint notifications for `recipient`, now.
  std::string DeliveryJson(const std::string& recipient) {
    return R"({"notificationType": "Delivery", "delivery": {"timestamp": ")" + Now() +
           R"(", "recipients": [")" + recipient +
           R"("], "processingTimeMillis": 5, "smtpResponse": "250 ok"}, )" + Mail(recipient) + "}";
  }
  std::string ComplaintJson(const std::string& recipient) {
    return R"({"notificationType": "Complaint", "complaint": {"complainedRecipients": )"
           R"([{"emailAddress": ")" +
           recipient + R"("}], "timestamp": ")" + Now() + R"(", "feedbackId": "c"}, )" +
           Mail(recipient) + "}";
  }

  AppFixture fx_;
  int n_ = 0;  // numbers mail and SNS message ids
};

}  // namespace bw::testing
