// SPDX-License-Identifier: Apache-2.0
#include "http/static_handler.h"

#include <gtest/gtest.h>

namespace bw::http {
namespace {

const StaticAsset kAssets[] = {
    {"/index.html", "text/html; charset=utf-8", "\"aaaa\"", "<html>hi</html>", 15},
    {"/assets/app.js", "text/javascript; charset=utf-8", "\"bbbb\"", "let x = 1;", 10},
};

Request Get(std::string path, std::string method = "GET") {
  Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = path;
  return r;
}

std::string HeaderOf(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return "";
}

TEST(StaticHandlerTest, RootServesIndexWithSecurityHeaders) {
  StaticHandler h(kAssets);
  Response r = h.Serve(Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<html>hi</html>");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "ETag"), "\"aaaa\"");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  std::string csp = HeaderOf(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
}

TEST(StaticHandlerTest, ServesAssetsByExactPath) {
  StaticHandler h(kAssets);
  Response r = h.Serve(Get("/assets/app.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "let x = 1;");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(h.Serve(Get("/index.html")).body, "<html>hi</html>");
}

TEST(StaticHandlerTest, UnknownPathsGetAnHtml404Page) {
  StaticHandler h(kAssets);
  for (const char* path : {"/nope", "/assets/", "/assets/app.js/", "/assets/../index.html",
                           "/ASSETS/app.js", "/assets/app"}) {
    Response r = h.Serve(Get(path));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_NE(r.body.find("href=\"/\""), std::string::npos) << path;
    EXPECT_FALSE(HeaderOf(r, "Content-Security-Policy").empty()) << path;
  }
}

TEST(StaticHandlerTest, ConditionalGetAnswers304) {
  StaticHandler h(kAssets);
  Request r = Get("/assets/app.js");
  r.headers["if-none-match"] = "\"bbbb\"";
  Response res = h.Serve(r);
  EXPECT_EQ(res.status, 304);
  EXPECT_TRUE(res.body.empty());
  r.headers["if-none-match"] = "\"zzzz\", W/\"bbbb\"";
  EXPECT_EQ(h.Serve(r).status, 304) << "weak comparison, list";
  r.headers["if-none-match"] = "\"zzzz\"";
  EXPECT_EQ(h.Serve(r).status, 200);
  r.headers["if-none-match"] = "*";
  EXPECT_EQ(h.Serve(r).status, 304);
}

TEST(StaticHandlerTest, OnlyGetAndHead) {
  StaticHandler h(kAssets);
  Response head = h.Serve(Get("/", "HEAD"));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  Response post = h.Serve(Get("/", "POST"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace bw::http
