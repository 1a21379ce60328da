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

// EventToJsonLine writes the line directly; it must be byte for byte what Boost.JSON's
// serializer makes of EventToJson's tree (stored events and `events --format json` depend on it).
TEST(EventJson, LineEqualsTheSerializedTreeForEveryByteAndShape) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) {
    every_byte += static_cast<char>(c);
  }
  std::vector<std::string> texts = {
      "",          every_byte, "caf\xC3\xA9 \xE2\x9C\x93", "\xFF\xFE invalid UTF-8 \xC3",
      "a\"b\\c/d", "\x7F\x1F\x0B", std::string(3000, 'x') + "\n"};
  // Each byte that needs escaping at every offset of the writer's 8-byte blocks, next to bytes
  // that do not (high bytes included).
  for (const char special : {'"', '\\', '\x01', '\x1F', '\n'}) {
    for (size_t k = 0; k < 17; ++k) {
      texts.push_back(std::string(k, 'a') + special + "\x80\xFF !~ " + std::string(k, '\x7F'));
    }
  }
  int n = 0;
  for (const std::string& t : texts) {
    for (int shape = 0; shape < 4; ++shape) {
      FeedbackEvent e = SampleBounce();
      e.id = t;
      e.recipient = t + "@example.com";
      e.source = t;
      e.mail.subject = t;
      e.mail.from = t;
      e.mail.destination = {t, "x@example.com"};
      e.mail.tags[t] = {t, ""};
      e.mail.headers.emplace_back(t, t);
      e.origin.topic_arn = t;
      switch (shape) {
        case 0:  // bounce with every optional member
          e.bounce->diagnostic = t;
          e.bounce->remote_mta_ip = t;
          e.bounce->feedback_id = "fb";
          e.mail.header_message_id = t;
          e.mail.sent_at = "2016-01-27T14:59:38.237Z";
          e.mail.source_ip = "192.0.2.1";
          e.mail.caller_identity = t;
          e.mail.headers_truncated = true;
          e.origin.subscription_arn = t;
          e.origin.file = t;
          e.details["n"] = 1.5;
          e.details["i"] = -3;
          e.details["nested"] = boost::json::object{{t, boost::json::array{1, "x", nullptr}}};
          break;
        case 1:  // complaint, no times, no details, empty lists
          e.type = EventType::kComplaint;
          e.bounce.reset();
          e.complaint = ComplaintInfo{t, "", t, "Thu, 1 Jan 2026", t};
          e.occurred_at_ms = 0;
          e.received_at_ms = 0;
          e.details.clear();
          e.mail.destination.clear();
          e.mail.tags.clear();
          e.mail.headers.clear();
          break;
        case 2:  // neither bounce nor complaint, empty origin
          e.type = EventType::kUnrecognized;
          e.bounce.reset();
          e.origin = Origin{};
          e.details["raw"] = t;
          break;
        default:  // a default-constructed event
          e = FeedbackEvent{};
          break;
      }
      EXPECT_EQ(EventToJsonLine(e), boost::json::serialize(EventToJson(e)))
          << "text " << n << " shape " << shape;
    }
    ++n;
  }
}

TEST(EventJson, RejectsUnknownType) {
  auto r = EventFromJson(boost::json::parse(R"({"type":"nope"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_FALSE(EventFromJson(boost::json::parse("[1]")).has_value());
}

}  // namespace
}  // namespace bw
