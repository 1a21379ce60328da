// SPDX-License-Identifier: Apache-2.0
#include "sim/load_runner.h"

#include <filesystem>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "sim/http_sender.h"
#include "sim/request_files.h"
#include "testing/test_data.h"

namespace bw::sim {
namespace {
using std::chrono::microseconds;

TEST(ParseHttpUrlTest, AcceptsHttpUrls) {
  auto t = ParseHttpUrl("http://127.0.0.1:8080/webhooks/sns");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "8080");
  EXPECT_EQ(t->target, "/webhooks/sns");
  auto d = ParseHttpUrl("http://localhost");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->port, "80");
  EXPECT_EQ(d->target, "/");
  auto q = ParseHttpUrl("http://[::1]:9/a?b=c");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->host, "::1");
  EXPECT_EQ(q->target, "/a?b=c");
}

TEST(ParseHttpUrlTest, RejectsOthersWithASentence) {
  for (const char* bad : {"https://127.0.0.1/", "127.0.0.1:8080", "ftp://x/", "http://", ""}) {
    auto t = ParseHttpUrl(bad);
    ASSERT_TRUE(t.has_error()) << bad;
    EXPECT_NE(t.error().message().find("--to"), std::string::npos);
  }
}

TEST(LoadRunnerTest, PercentileIsNearestRank) {
  std::vector<microseconds> v;
  for (int i = 1; i <= 100; ++i) {
    v.emplace_back(i);
  }
  EXPECT_EQ(Percentile(v, 0.5), microseconds(50));
  EXPECT_EQ(Percentile(v, 0.9), microseconds(90));
  EXPECT_EQ(Percentile(v, 0.99), microseconds(99));
  EXPECT_EQ(Percentile(v, 1.0), microseconds(100));
  EXPECT_EQ(Percentile({microseconds(7)}, 0.99), microseconds(7));
  EXPECT_EQ(Percentile({}, 0.5), microseconds(0));
}

TEST(LoadRunnerTest, ProgressAndSummaryText) {
  EXPECT_EQ(FormatProgress(5, 10, 1.0, 10), "[#####     ]  50%  5/10  5/s");
  LoadSummary s;
  s.sent = 10;
  s.ok = 7;
  s.client_errors = 2;
  s.errors = 1;
  s.seconds = 2;
  s.p50 = microseconds(1500);
  std::string text = FormatSummary(s);
  EXPECT_NE(text.find("2xx 7, 4xx 2, 5xx 0, other 0, errors 1"), std::string::npos) << text;
  EXPECT_NE(text.find("5.0 requests/s"), std::string::npos) << text;
  EXPECT_NE(text.find("p50 1.50 ms"), std::string::npos) << text;
}

// A port nothing listens on: bind one, note it, close it.
std::string ClosedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(
      ioc, {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(0)});
  return std::to_string(a.local_endpoint().port());
}

TEST(LoadRunnerTest, UnreachableServerCountsEveryRequestAsAConnectError) {
  auto target = ParseHttpUrl("http://127.0.0.1:" + ClosedPort() + "/webhooks/sns");
  ASSERT_TRUE(target.has_value());
  LoadOptions o;
  o.count = 20;
  o.concurrency = 4;
  std::atomic<int> made{0};
  auto s = RunLoad(*target, o, [&](uint64_t i) -> Result<SignedRequest> {
    ++made;
    SignedRequest r;
    r.message_id = std::to_string(i);
    r.body = "{}";
    return r;
  });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(made.load(), 20);
  EXPECT_EQ(s->sent, 20u);
  EXPECT_EQ(s->errors, 20u);
  EXPECT_EQ(s->connect_errors, 20u);
  EXPECT_EQ(s->ok, 0u);
  EXPECT_NE(s->first_error.find("refused"), std::string::npos) << s->first_error;
}

TEST(LoadRunnerTest, RejectsBadOptions) {
  auto target = ParseHttpUrl("http://127.0.0.1:1/");
  LoadOptions o;
  o.count = 0;
  auto maker = [](uint64_t) -> Result<SignedRequest> { return SignedRequest{}; };
  EXPECT_TRUE(RunLoad(*target, o, maker).has_error());
  o.count = 1;
  o.concurrency = 0;
  EXPECT_TRUE(RunLoad(*target, o, maker).has_error());
  o.concurrency = 1;
  o.ack_log = "/nonexistent-dir/acks";
  EXPECT_TRUE(RunLoad(*target, o, maker).has_error());
}

TEST(RequestFilesTest, WritesBodiesHeadersIndexAndWrkScript) {
  testing::TempDir dir;
  const std::string out = (dir.path() / "reqs").string();
  auto n = WriteRequestFiles(out, 3, [](uint64_t i) -> Result<SignedRequest> {
    SignedRequest r;
    r.message_id = "id-" + std::to_string(i);
    r.body = "{\"n\":" + std::to_string(i) + "}";
    r.headers = {{"x-amz-sns-message-id", r.message_id}, {"User-Agent", "ua"}};
    return r;
  });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 3u);
  auto read = [&](const std::string& name) {
    std::ifstream in(std::filesystem::path(out) / name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(read("index.txt"), "000001\n000002\n000003\n");
  EXPECT_EQ(read("000002.json"), "{\"n\":1}");
  EXPECT_EQ(read("000003.headers"), "x-amz-sns-message-id: id-2\nUser-Agent: ua\n");
  EXPECT_NE(read("wrk.lua").find("wrk.format(\"POST\""), std::string::npos);

  auto failing = WriteRequestFiles(
      out, 2, [](uint64_t) -> Result<SignedRequest> { return InvalidInput("no key"); });
  ASSERT_TRUE(failing.has_error());
  EXPECT_EQ(failing.error().message(), "no key");
}

}  // namespace
}  // namespace bw::sim
