// SPDX-License-Identifier: Apache-2.0
#include "net/curl_http_client.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/tls_test_server.h"

namespace bw::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TlsTestServer;

constexpr char kHost[] = "sns.us-east-1.amazonaws.com";

TlsTestServer::Response Reply(int status, std::string body) {
  TlsTestServer::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  // Trusts the server's CA and reaches it under kHost.
  CurlClientOptions TrustingOptions() const {
    CurlClientOptions o;
    o.resolve = {server_.ResolveEntry(kHost)};
    o.ca_file = server_.ca_file();
    o.user_agent = "bouncewatch-test/1";
    return o;
  }

  TlsTestServer server_{{kHost}};
  RequestOptions request_options_;
};

TEST_F(CurlHttpClientTest, GetThroughResolveOverrideReturnsStatusBodyAndHeaders) {
  server_.SetHandler([](const TlsTestServer::Request& req) {
    TlsTestServer::Response r = Reply(200, "-----BEGIN CERTIFICATE-----\n" + req.target);
    r.content_type = "application/x-pem-file";
    r.headers = {{"X-Amz-Request-Id", "abc"}};
    return r;
  });
  CurlHttpClient client(TrustingOptions());

  auto res =
      client.Get(server_.Url(kHost, "/SimpleNotificationService-1.pem?x=1"), request_options_);

  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "-----BEGIN CERTIFICATE-----\n/SimpleNotificationService-1.pem?x=1");
  ASSERT_NE(FindHeader(*res, "content-type"), nullptr);
  EXPECT_EQ(*FindHeader(*res, "CONTENT-TYPE"), "application/x-pem-file");
  ASSERT_NE(FindHeader(*res, "x-amz-request-id"), nullptr);
  EXPECT_EQ(*FindHeader(*res, "x-amz-request-id"), "abc");
  EXPECT_EQ(FindHeader(*res, "x-missing"), nullptr);

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/SimpleNotificationService-1.pem?x=1");
  ASSERT_NE(seen[0].Header("host"), nullptr);
  EXPECT_EQ(*seen[0].Header("host"), std::string(kHost) + ":" + std::to_string(server_.port()));
  ASSERT_NE(seen[0].Header("user-agent"), nullptr);
  EXPECT_EQ(*seen[0].Header("user-agent"), "bouncewatch-test/1");
}

TEST_F(CurlHttpClientTest, SystemStoreDoesNotTrustTheTestCa) {
  CurlClientOptions o = TrustingOptions();
  o.ca_file.clear();
  CurlHttpClient client(o);

  auto res = client.Get(server_.Url(kHost, "/cert.pem?Token=secret123"), request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kUnavailable);
  EXPECT_THAT(res.error().message(), HasSubstr(kHost));
  EXPECT_THAT(res.error().message(), HasSubstr("/cert.pem"));
  EXPECT_THAT(res.error().message(), Not(HasSubstr("secret123")));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CurlHttpClientTest, HostNameNotInCertificateIsRefused) {
  CurlClientOptions o = TrustingOptions();
  o.resolve.push_back(server_.ResolveEntry("evil.example.com"));
  CurlHttpClient client(o);

  auto res = client.Get(server_.Url("evil.example.com", "/"), request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kUnavailable);
  EXPECT_TRUE(server_.requests().empty());
  // The same client still reaches the name that is in the certificate.
  auto good = client.Get(server_.Url(kHost, "/"), request_options_);
  ASSERT_TRUE(good) << good.error().ToString();
  EXPECT_EQ(good->status, 200);
}

TEST_F(CurlHttpClientTest, BodyOverLimitWithContentLengthIsTooLarge) {
  server_.SetHandler(
      [](const TlsTestServer::Request&) { return Reply(200, std::string(5000, 'a')); });
  CurlHttpClient client(TrustingOptions());
  request_options_.max_body_bytes = 1000;

  auto res = client.Get(server_.Url(kHost, "/"), request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kTooLarge);
  EXPECT_THAT(res.error().message(), HasSubstr("1000"));
}

TEST_F(CurlHttpClientTest, ChunkedBodyOverLimitIsAbortedWhileReceiving) {
  server_.SetHandler([](const TlsTestServer::Request&) {
    TlsTestServer::Response r = Reply(200, std::string(200000, 'b'));
    r.chunked = true;  // no Content-Length: only the write callback can notice
    return r;
  });
  CurlHttpClient client(TrustingOptions());
  request_options_.max_body_bytes = 1000;

  auto res = client.Get(server_.Url(kHost, "/"), request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kTooLarge);
}

TEST_F(CurlHttpClientTest, BodyExactlyAtLimitIsAccepted) {
  server_.SetHandler([](const TlsTestServer::Request&) {
    TlsTestServer::Response r = Reply(200, std::string(1000, 'c'));
    r.chunked = true;
    return r;
  });
  CurlHttpClient client(TrustingOptions());
  request_options_.max_body_bytes = 1000;

  auto res = client.Get(server_.Url(kHost, "/"), request_options_);

  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->body, std::string(1000, 'c'));
}

TEST_F(CurlHttpClientTest, StalledServerTimesOutAsUnavailable) {
  server_.SetStall(true);
  CurlHttpClient client(TrustingOptions());
  request_options_.connect_timeout = std::chrono::milliseconds(300);
  request_options_.total_timeout = std::chrono::milliseconds(300);

  auto res = client.Get(server_.Url(kHost, "/slow"), request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kUnavailable);
  EXPECT_THAT(res.error().message(), HasSubstr("GET https://sns.us-east-1.amazonaws.com"));
}

TEST_F(CurlHttpClientTest, NotFoundIsReturnedAsStatusNotError) {
  server_.SetHandler([](const TlsTestServer::Request&) { return Reply(404, "no such cert"); });
  CurlHttpClient client(TrustingOptions());

  auto res = client.Get(server_.Url(kHost, "/missing.pem"), request_options_);

  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "no such cert");
}

TEST_F(CurlHttpClientTest, RedirectIsReturnedNotFollowed) {
  std::string elsewhere = server_.Url(kHost, "/elsewhere");
  server_.SetHandler([elsewhere](const TlsTestServer::Request&) {
    TlsTestServer::Response r = Reply(302, "");
    r.headers = {{"Location", elsewhere}};
    return r;
  });
  CurlHttpClient client(TrustingOptions());

  auto res = client.Get(server_.Url(kHost, "/start"), request_options_);

  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, 302);
  ASSERT_NE(FindHeader(*res, "location"), nullptr);
  EXPECT_EQ(*FindHeader(*res, "location"), elsewhere);
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/start");
}

TEST_F(CurlHttpClientTest, PlainHttpUrlIsRefusedByDefault) {
  TlsTestServer plain(TlsTestServer::Options{.hosts = {"localhost"}, .plain_http = true}, nullptr);
  CurlHttpClient client(CurlClientOptions{});

  auto res = client.Get(plain.Url("127.0.0.1", "/"), request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kInvalidInput);
  EXPECT_TRUE(plain.requests().empty());
  auto post = client.Post(plain.Url("127.0.0.1", "/"), "x", {}, request_options_);
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().code(), Code::kInvalidInput);
}

TEST_F(CurlHttpClientTest, AllowHttpFetchesPlainHttp) {
  TlsTestServer plain(TlsTestServer::Options{.hosts = {"localhost"}, .plain_http = true},
                      [](const TlsTestServer::Request&) { return Reply(200, "plain"); });
  CurlClientOptions o;
  o.allow_http = true;
  CurlHttpClient client(o);

  auto res = client.Get(plain.Url("127.0.0.1", "/hook"), request_options_);

  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "plain");
  ASSERT_EQ(plain.requests().size(), 1u);
  // Other schemes stay refused.
  auto ftp = client.Get("ftp://127.0.0.1/file", request_options_);
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().code(), Code::kInvalidInput);
}

TEST_F(CurlHttpClientTest, PostSendsBodyAndHeaders) {
  server_.SetHandler([](const TlsTestServer::Request& req) {
    return Reply(201, "got " + std::to_string(req.body.size()));
  });
  CurlHttpClient client(TrustingOptions());
  const std::string body =
      R"({"Type":"SubscriptionConfirmation","Big":")" + std::string(3000, 'z') + R"("})";

  auto res =
      client.Post(server_.Url(kHost, "/confirm"), body,
                  {{"Content-Type", "application/json"}, {"X-Custom", "v 1"}, {"X-Empty", ""}},
                  request_options_);

  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "got " + std::to_string(body.size()));
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/confirm");
  EXPECT_EQ(seen[0].body, body);
  ASSERT_NE(seen[0].Header("content-type"), nullptr);
  EXPECT_EQ(*seen[0].Header("content-type"), "application/json");
  ASSERT_NE(seen[0].Header("x-custom"), nullptr);
  EXPECT_EQ(*seen[0].Header("x-custom"), "v 1");
  ASSERT_NE(seen[0].Header("x-empty"), nullptr);
  EXPECT_EQ(*seen[0].Header("x-empty"), "");
  EXPECT_EQ(seen[0].Header("expect"), nullptr);
}

TEST_F(CurlHttpClientTest, HeaderWithLineBreakIsRefused) {
  CurlHttpClient client(TrustingOptions());

  auto res =
      client.Post(server_.Url(kHost, "/"), "x", {{"X-A", "1\r\nX-Injected: 2"}}, request_options_);
  auto bad_name = client.Post(server_.Url(kHost, "/"), "x", {{"X:B", "1"}}, request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kInvalidInput);
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().code(), Code::kInvalidInput);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CurlHttpClientTest, UserInfoInUrlIsRefusedAndNotEchoed) {
  CurlHttpClient client(TrustingOptions());
  std::string url =
      "https://admin:hunter2@" + std::string(kHost) + ":" + std::to_string(server_.port()) + "/";

  auto res = client.Get(url, request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kInvalidInput);
  EXPECT_THAT(res.error().message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(res.error().message(), Not(HasSubstr("admin")));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CurlHttpClientTest, MalformedUrlsAreInvalidInput) {
  CurlHttpClient client(TrustingOptions());
  for (const std::string url : {"", "not a url", "https://", "sns.us-east-1.amazonaws.com/x.pem",
                                "https://exa mple.com/", "file:///etc/passwd"}) {
    auto res = client.Get(url, request_options_);
    ASSERT_FALSE(res) << url;
    EXPECT_EQ(res.error().code(), Code::kInvalidInput) << url << ": " << res.error().ToString();
  }
}

TEST_F(CurlHttpClientTest, ConnectionRefusedIsUnavailable) {
  TlsTestServer gone({kHost});
  const uint16_t port = gone.port();
  gone.Stop();
  CurlClientOptions o;
  o.resolve = {std::string(kHost) + ":" + std::to_string(port) + ":127.0.0.1"};
  o.ca_file = gone.ca_file();
  CurlHttpClient client(o);

  auto res = client.Get("https://" + std::string(kHost) + ":" + std::to_string(port) + "/",
                        request_options_);

  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code(), Code::kUnavailable);
}

TEST_F(CurlHttpClientTest, OneClientServesSeveralThreadsAtOnce) {
  server_.SetHandler([](const TlsTestServer::Request& req) { return Reply(200, req.target); });
  CurlHttpClient client(TrustingOptions());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string target = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto res = client.Get(server_.Url(kHost, target), request_options_);
        if (res && res->status == 200 && res->body == target) {
          ++good;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(good.load(), 20);
  EXPECT_EQ(server_.requests().size(), 20u);
}

TEST(RedactUrlTest, KeepsSchemeHostPortAndPathOnly) {
  EXPECT_EQ(RedactUrl("https://u:p@example.com:8443/a/b?Token=s3cret#frag"),
            "https://example.com:8443/a/b");
  EXPECT_EQ(RedactUrl("https://example.com"), "https://example.com/");
  EXPECT_EQ(RedactUrl("not a url"), "<unparsable URL>");
}

}  // namespace
}  // namespace bw::net
