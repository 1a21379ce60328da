// SPDX-License-Identifier: Apache-2.0
#include "core/event_json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace bw {
namespace {

FeedbackEvent SampleBounce() {
  FeedbackEvent e;
  e.id = "01ABC";
  e.type = EventType::kBounce;
  e.recipient = "jane@example.com";
  e.occurred_at_ms = 1453906778237;
  e.received_at_ms = 1796083200000;
  e.source = "ses";
  BounceInfo b;
  b.bounce_class = BounceClass::kHard;
  b.ses_type = "Permanent";
  b.ses_subtype = "General";
  b.status = "5.1.1";
  b.action = "failed";
  b.diagnostic = "smtp; 550 5.1.1 user unknown";
  b.reason = "userunknown";
  b.reporting_mta = "dns; email.example.com";
  e.bounce = b;
  e.mail.message_id = "000001";
  e.mail.subject = "Hello";
  e.mail.tags["ses:configuration-set"] = {"ConfigSet"};
  e.mail.headers = {{"From", "a@b"}};
  e.origin.sns_message_id = "m-1";
  e.details["smtp_response"] = "250 ok";
  return e;
}

TEST(EventJson, HasDesignFields) {
  boost::json::object o = EventToJson(SampleBounce());
  EXPECT_EQ(o.at("type").as_string(), "bounce");
  EXPECT_EQ(o.at("occurred_at").as_string(), "2016-01-27T14:59:38.237Z");
  EXPECT_EQ(o.at("bounce").at("class").as_string(), "hard");
  EXPECT_EQ(o.at("bounce").at("reason").as_string(), "userunknown");
  EXPECT_TRUE(o.at("complaint").is_null());
  EXPECT_EQ(o.at("mail").at("tags").at("ses:configuration-set").at(0).as_string(), "ConfigSet");
  EXPECT_EQ(o.at("origin").at("sns_message_id").as_string(), "m-1");
}

TEST(EventJson, RoundTrips) {
  FeedbackEvent e = SampleBounce();
  auto back = EventFromJson(boost::json::parse(EventToJsonLine(e)));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(EventToJsonLine(*back), EventToJsonLine(e));
}

// EventToJsonLine builds the tree in a stack arena that a large event overflows onto the heap;
// either way the line is the serialisation of EventToJson's object, and it round-trips.
TEST(EventJson, LineIsTheObjectSerialisedForSmallAndLargeEvents) {
  FeedbackEvent small = SampleBounce();
  FeedbackEvent large = SampleBounce();
  for (int i = 0; i < 200; ++i) {
    large.mail.headers.emplace_back("X-Header-" + std::to_string(i), std::string(100, 'a' + i % 26));
    large.mail.tags["tag-" + std::to_string(i)] = {"v" + std::to_string(i), "w"};
  }
  for (const FeedbackEvent* e : {&small, &large}) {
    const std::string line = EventToJsonLine(*e);
    EXPECT_EQ(line, boost::json::serialize(EventToJson(*e)));
    auto back = EventFromJson(boost::json::parse(line));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->mail.headers, e->mail.headers);
    EXPECT_EQ(back->mail.tags, e->mail.tags);
    EXPECT_EQ(EventToJsonLine(*back), line);
  }
  EXPECT_GT(EventToJsonLine(large).size(), 20000u);
}

TEST(EventJson, RejectsUnknownType) {
  auto r = EventFromJson(boost::json::parse(R"({"type":"nope"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_FALSE(EventFromJson(boost::json::parse("[1]")).has_value());
}

}  // namespace
}  // namespace bw
