// SPDX-License-Identifier: Apache-2.0
// End to end: signed SNS deliveries posted over real HTTP to a real server with a real SQLite
// store, checked through the store.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "sns_fixture.h"

namespace bw {
namespace {

using testing::AppFixture;

struct Expect {
  const char* file;
  size_t count;
  EventType type;
  std::vector<std::string> recipients;  // sorted
  const char* bounce_class;             // "" = no bounce part
  const char* status;
  const char* diagnostic;
  const char* mail_message_id;
};

const std::vector<Expect>& Expectations() {
  static const std::vector<Expect> kAll = {
      {"ses-notification-bounce-with-dsn.json", 1, EventType::kBounce, {"jane@example.com"},
       "hard", "5.1.1", "smtp; 550 5.1.1 <jane@example.com>... User",
       "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000"},
      {"ses-notification-bounce-without-dsn.json", 2, EventType::kBounce,
       {"jane@example.com", "richard@example.com"}, "hard", "", "",
       "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000"},
      {"ses-notification-complaint-with-feedback-report.json", 1, EventType::kComplaint,
       {"richard@example.com"}, "", "", "",
       "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000"},
      {"ses-notification-complaint-without-feedback-report.json", 1, EventType::kComplaint,
       {"richard@example.com"}, "", "", "",
       "0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000"},
      {"ses-notification-delivery.json", 1, EventType::kDelivery, {"jane@example.com"}, "", "",
       "", "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000"},
      {"ses-event-bounce.json", 1, EventType::kBounce, {"recipient@example.com"}, "hard", "5.1.1",
       "smtp; 550 5.1.1 user unknown",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-complaint.json", 1, EventType::kComplaint, {"recipient@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-delivery.json", 1, EventType::kDelivery, {"recipient@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-delivery-delay.json", 1, EventType::kDeliveryDelay, {"recipient@example.com"},
       "", "", "", "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-send.json", 1, EventType::kSend, {"recipient@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-reject.json", 1, EventType::kReject, {"sender@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-open.json", 1, EventType::kOpen, {"recipient@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-click.json", 1, EventType::kClick, {"recipient@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-rendering-failure.json", 1, EventType::kRenderingFailure,
       {"recipient@example.com"}, "", "", "",
       "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"},
      {"ses-event-subscription.json", 1, EventType::kSubscription, {"recipient@example.com"}, "",
       "", "", "EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000"},
  };
  return kAll;
}

class SnsPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { fx_.Start(); }
  AppFixture fx_;
};

TEST_F(SnsPipelineTest, EverySesFixtureGivesTheRightEvents) {
  int n = 0;
  for (const Expect& x : Expectations()) {
    SCOPED_TRACE(x.file);
    std::string id = "msg-" + std::to_string(++n);
    auto m = fx_.Notification(testing::ReadData(std::string("ses/") + x.file), id, n % 2 + 1);
    auto r = fx_.Post(m);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"stored\""), std::string::npos) << r.body;
    auto events = fx_.Events(id);
    ASSERT_EQ(events.size(), x.count);
    std::vector<std::string> recipients;
    for (const auto& e : events) {
      recipients.push_back(e.recipient);
      EXPECT_EQ(e.type, x.type);
      EXPECT_EQ(e.source, "ses");
      EXPECT_EQ(e.origin.topic_arn, testing::kTopic);
      EXPECT_EQ(e.mail.message_id, x.mail_message_id);
      EXPECT_FALSE(e.id.empty());
      EXPECT_EQ(e.received_at_ms, ToUnixMs(fx_.clock().Now()));
      if (std::string(x.bounce_class).empty()) {
        EXPECT_FALSE(e.bounce.has_value());
      } else {
        ASSERT_TRUE(e.bounce.has_value());
        EXPECT_EQ(BounceClassName(e.bounce->bounce_class), x.bounce_class);
        EXPECT_EQ(e.bounce->status, x.status);
        EXPECT_EQ(e.bounce->diagnostic, x.diagnostic);
      }
      if (x.type == EventType::kComplaint) {
        EXPECT_TRUE(e.complaint.has_value());
      }
    }
    std::sort(recipients.begin(), recipients.end());
    EXPECT_EQ(recipients, x.recipients);
  }
}

TEST_F(SnsPipelineTest, BounceKeepsMailFieldsAndReason) {
  auto m = fx_.Notification(testing::ReadData("ses/ses-notification-bounce-with-dsn.json"), "b1");
  ASSERT_EQ(fx_.Post(m).status, 200);
  auto events = fx_.Events("b1");
  ASSERT_EQ(events.size(), 1u);
  const FeedbackEvent& e = events[0];
  EXPECT_EQ(e.bounce->reason, "userunknown");
  EXPECT_EQ(e.bounce->ses_type, "Permanent");
  EXPECT_EQ(e.bounce->action, "failed");
  EXPECT_EQ(e.bounce->reporting_mta, "dns; email.example.com");
  EXPECT_EQ(e.mail.from, "john@example.com");
  EXPECT_EQ(e.mail.subject, "Hello");
  EXPECT_EQ(e.mail.sending_account_id, "123456789012");
  EXPECT_EQ(e.occurred_at_ms, *ParseIso8601Ms("2016-01-27T14:59:38.237Z"));
  EXPECT_EQ(e.mail.destination.size(), 3u);
  EXPECT_FALSE(e.mail.headers.empty());
  // The raw notification is kept with it.
  auto raw = fx_.app().store().GetRawMessage("sns", "b1");
  ASSERT_TRUE(raw.has_value());
  EXPECT_NE(raw->raw.find("\"Signature\""), std::string::npos);
}

TEST_F(SnsPipelineTest, EventPublishingKeepsTagsAndConfigurationSet) {
  auto m = fx_.Notification(testing::ReadData("ses/ses-event-bounce.json"), "t1");
  ASSERT_EQ(fx_.Post(m).status, 200);
  auto events = fx_.Events("t1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].mail.configuration_set, "ConfigSet");
  EXPECT_FALSE(events[0].mail.tags.empty());
}

TEST_F(SnsPipelineTest, DuplicateMessageIdStoresOnce) {
  auto m = fx_.Notification(testing::ReadData("ses/ses-notification-bounce-without-dsn.json"),
                            "dup-1");
  auto first = fx_.Post(m);
  ASSERT_EQ(first.status, 200);
  auto second = fx_.Post(m);
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("duplicate"), std::string::npos);
  EXPECT_EQ(fx_.Events("dup-1").size(), 2u);  // two recipients, once each
}

TEST_F(SnsPipelineTest, NonSesContentIsKeptAsUnrecognized) {
  auto m = fx_.Notification("Hello, this is not SES", "u1");
  auto r = fx_.Post(m);
  ASSERT_EQ(r.status, 200);
  auto events = fx_.Events("u1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
  EXPECT_EQ(events[0].details.at("raw").as_string(), "Hello, this is not SES");
}

TEST_F(SnsPipelineTest, RestartKeepsEventsAndDuplicates) {
  auto m = fx_.Notification(testing::ReadData("ses/ses-notification-delivery.json"), "r1");
  ASSERT_EQ(fx_.Post(m).status, 200);
  fx_.Stop();
  fx_.Start();
  EXPECT_EQ(fx_.Events("r1").size(), 1u);
  auto again = fx_.Post(m);
  ASSERT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("duplicate"), std::string::npos);
  EXPECT_EQ(fx_.Events("r1").size(), 1u);
}

TEST_F(SnsPipelineTest, HealthAndReadiness) {
  EXPECT_EQ(fx_.client().Get("/healthz").status, 200);
  EXPECT_EQ(fx_.client().Get("/readyz").status, 200);
  EXPECT_EQ(fx_.client().Get("/nope").status, 404);
  EXPECT_EQ(fx_.client().Get("/webhooks/sns").status, 405);
}

}  // namespace
}  // namespace bw
