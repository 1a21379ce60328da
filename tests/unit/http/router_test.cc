// SPDX-License-Identifier: Apache-2.0
#include "http/router.h"

#include <gtest/gtest.h>

namespace bw::http {
namespace {

class Named final : public Handler {
 public:
  explicit Named(std::string name) : name_(std::move(name)) {}
  void Handle(Request, Responder respond) override { respond(Response::Text(200, name_)); }

 private:
  std::string name_;
};

Response Call(Router& router, std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = path;
  req.target = path;
  Response out;
  router.Handle(req, [&out](Response r) { out = std::move(r); });
  return out;
}

TEST(Router, ExactBeatsPrefixAndLongestPrefixWins) {
  Router router;
  router.Add("/healthz", {"GET"}, std::make_shared<Named>("health"));
  router.AddPrefix("/v1/", std::make_shared<Named>("v1"));
  router.AddPrefix("/v1/events/", std::make_shared<Named>("events"));
  EXPECT_EQ(Call(router, "GET", "/healthz").body, "health\n");
  EXPECT_EQ(Call(router, "GET", "/v1/x").body, "v1\n");
  EXPECT_EQ(Call(router, "GET", "/v1/events/1").body, "events\n");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
  Router router;
  router.Add("/webhooks/sns", {"POST"}, std::make_shared<Named>("sns"));
  EXPECT_EQ(Call(router, "GET", "/nope").status, 404);
  Response r = Call(router, "GET", "/webhooks/sns");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "POST");
}

TEST(HttpStatusFor, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(Code::kInvalidInput), 400);
  EXPECT_EQ(HttpStatusFor(Code::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(Code::kTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
  EXPECT_NE(ErrorResponse(NotFound("x")).body.find(R"("code":"not_found")"), std::string::npos);
}

}  // namespace
}  // namespace bw::http
