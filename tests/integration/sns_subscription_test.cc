// SPDX-License-Identifier: Apache-2.0
// Real AWS-signed SNS messages (2026, us-west-2) against a real server that knows only the
// pinned certificate and the topic, with a local TLS server standing in for SNS's
// ConfirmSubscription endpoint (curl CONNECT_TO sends sns.us-west-2.amazonaws.com:443 to it).
#include <atomic>

#include <gtest/gtest.h>

#include "sns_fixture.h"
#include "testing/tls_test_server.h"

namespace bw {
namespace {

constexpr const char* kAwsTopic = "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic";
constexpr const char* kAwsCertUrl =
    "https://sns.us-west-2.amazonaws.com/"
    "SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem";
constexpr const char* kConfirmXml =
    "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
    "  <ConfirmSubscriptionResult>\n"
    "    <SubscriptionArn>arn:aws:sns:us-west-2:131990247566:dongie-standard-topic:"
    "2bcfbf39-05c3-41de-beaa-fcfcc21c8f55</SubscriptionArn>\n"
    "  </ConfirmSubscriptionResult>\n"
    "</ConfirmSubscriptionResponse>\n";

class SnsSubscriptionTest : public ::testing::Test {
 protected:
  SnsSubscriptionTest()
      : sns_({"sns.us-west-2.amazonaws.com"}, [this](const testing::TlsTestServer::Request&) {
          testing::TlsTestServer::Response r;
          r.status = answer_status_.load();
          r.content_type = "text/xml";
          r.body = r.status == 200 ? kConfirmXml : "<Error>busy</Error>";
          return r;
        }) {
    auto& c = fx_.config();
    c.sns.topics = {kAwsTopic};
    c.sns.pinned_certs[kAwsCertUrl] =
        testing::DataPath("sns/sns-signing-cert-us-west-2-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem")
            .string();
    c.outbound.ca_file = sns_.ca_file();
    c.outbound.connect_to = {"sns.us-west-2.amazonaws.com:443:127.0.0.1:" +
                             std::to_string(sns_.port())};
    c.outbound.timeout = std::chrono::seconds(5);
  }

  // Posts a fixture exactly as SNS sent it, with the clock a minute after its signed time.
  testing::HttpResult PostFixture(const std::string& file) {
    std::string body = testing::ReadData("sns/" + file);
    auto parsed = sns::ParseSnsMessage(body);
    EXPECT_TRUE(parsed.has_value());
    fx_.clock().SetNowForTest(FromUnixMs(parsed->timestamp_ms + 60'000));
    return fx_.Post(*parsed, body);
  }

  std::optional<store::Subscription> Subscription() {
    auto subs = fx_.app().store().ListSubscriptions();
    EXPECT_TRUE(subs.has_value());
    for (const auto& s : *subs) {
      if (s.topic_arn == kAwsTopic) {
        return s;
      }
    }
    return std::nullopt;
  }

  std::atomic<int> answer_status_{200};
  testing::TlsTestServer sns_;
  testing::AppFixture fx_;
};

TEST_F(SnsSubscriptionTest, ConfirmsRealSubscriptionConfirmation) {
  fx_.Start();
  auto r = PostFixture("sns-subscription-confirmation-signed-v1-2026.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("confirmed"), std::string::npos);
  auto requests = sns_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_NE(requests[0].target.find("Action=ConfirmSubscription"), std::string::npos);
  EXPECT_NE(requests[0].target.find("Token=2336412f37fb68"), std::string::npos);
  auto sub = Subscription();
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->state, "confirmed");
  EXPECT_EQ(sub->subscription_arn, std::string(kAwsTopic) + ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55");
}

TEST_F(SnsSubscriptionTest, FailedConfirmationIs503AndRetrySucceeds) {
  fx_.Start();
  answer_status_ = 500;
  auto r = PostFixture("sns-subscription-confirmation-signed-v1-2026.json");
  EXPECT_EQ(r.status, 503) << r.body;
  auto sub = Subscription();
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->state, "confirm_failed");
  EXPECT_FALSE(sub->last_error.empty());
  // SNS retries the same message: now the confirmation goes through.
  answer_status_ = 200;
  r = PostFixture("sns-subscription-confirmation-signed-v1-2026.json");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Subscription()->state, "confirmed");
  EXPECT_EQ(sns_.requests().size(), 2u);
}

TEST_F(SnsSubscriptionTest, WithoutAutoConfirmNothingIsVisited) {
  fx_.config().sns.auto_confirm = false;
  fx_.Start();
  auto r = PostFixture("sns-subscription-confirmation-signed-v1-2026.json");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(sns_.requests().empty());
  auto sub = Subscription();
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->state, "manual");
  EXPECT_NE(sub->subscribe_url.find("Action=ConfirmSubscription"), std::string::npos);
}

TEST_F(SnsSubscriptionTest, UnsubscribeIsRecordedAndNotResubscribed) {
  fx_.Start();
  auto r = PostFixture("sns-unsubscribe-confirmation-signed-v2-2026.json");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(sns_.requests().empty());
  auto sub = Subscription();
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->state, "unsubscribed");
}

TEST_F(SnsSubscriptionTest, RealNotificationsVerifyWithOnlyThePinnedCertificate) {
  fx_.Start();
  for (const char* file : {"sns-notification-signed-v1-with-subject-2026.json",
                           "sns-notification-signed-v1-no-subject-2026.json",
                           "sns-notification-signed-v2-no-subject-2026.json"}) {
    SCOPED_TRACE(file);
    auto r = PostFixture(file);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  // Not SES content: kept as unrecognized events, never dropped.
  auto events = fx_.Events();
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) {
    EXPECT_EQ(e.type, EventType::kUnrecognized);
    EXPECT_EQ(e.origin.topic_arn, kAwsTopic);
  }
  EXPECT_TRUE(sns_.requests().empty());  // the pinned certificate is never fetched
}

TEST_F(SnsSubscriptionTest, TamperedRealNotificationIs403) {
  fx_.Start();
  std::string body = testing::ReadData("sns/sns-notification-signed-v2-no-subject-2026.json");
  auto parsed = sns::ParseSnsMessage(body);
  ASSERT_TRUE(parsed.has_value());
  fx_.clock().SetNowForTest(FromUnixMs(parsed->timestamp_ms + 60'000));
  size_t at = body.find("\"Message\"");
  ASSERT_NE(at, std::string::npos);
  size_t value = body.find('"', body.find(':', at)) + 3;
  body[value] = body[value] == 'x' ? 'y' : 'x';
  EXPECT_EQ(fx_.Post(*parsed, body).status, 403);
  EXPECT_TRUE(fx_.Events().empty());
}

}  // namespace
}  // namespace bw
