// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/sns_message.h"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sns_test_util.h"
#include "testing/test_data.h"

namespace bw::sns {
namespace {

namespace json = boost::json;
using bw::testing::ReadData;
using testing::ReadHttpFixture;

std::string Load(const std::string& name) { return ReadData("sns/" + name + ".json"); }

json::object LoadObject(const std::string& name) { return json::parse(Load(name)).as_object(); }

TEST(ParseSnsMessageTest, RealNotificationWithSubject) {
  auto m = ParseSnsMessage(Load("sns-notification-signed-v1-with-subject-2026"));
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->type, SnsMessageType::kNotification);
  EXPECT_EQ(m->message_id, "26858270-545e-5848-82a2-e05566af3dcf");
  EXPECT_EQ(m->topic_arn, "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic");
  ASSERT_TRUE(m->subject.has_value());
  EXPECT_EQ(*m->subject, "My message subject");
  EXPECT_EQ(m->message, "Hello! This message has a subject.");
  EXPECT_EQ(m->timestamp, "2026-03-06T19:53:21.424Z");
  EXPECT_EQ(m->timestamp_ms, 1772826801424);
  EXPECT_EQ(m->signature_version, "1");
  EXPECT_EQ(m->signature.size(), 344u);
  EXPECT_EQ(m->signing_cert_url, testing::kRealCertUrl);
  EXPECT_EQ(m->unsubscribe_url.rfind("https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe", 0),
            0u);
  EXPECT_TRUE(m->subscribe_url.empty());
  EXPECT_TRUE(m->token.empty());
}

TEST(ParseSnsMessageTest, SubjectAbsentVersusNullVersusEmpty) {
  auto absent = ParseSnsMessage(Load("sns-notification-signed-v1-no-subject-2026"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->subject.has_value());

  json::object o = LoadObject("sns-notification-signed-v1-no-subject-2026");
  o["Subject"] = nullptr;
  auto null_subject = ParseSnsMessage(json::serialize(o));
  ASSERT_TRUE(null_subject);
  EXPECT_FALSE(null_subject->subject.has_value());

  o["Subject"] = "";
  auto empty_subject = ParseSnsMessage(json::serialize(o));
  ASSERT_TRUE(empty_subject);
  ASSERT_TRUE(empty_subject->subject.has_value());
  EXPECT_EQ(*empty_subject->subject, "");

  o["Subject"] = 5;
  auto bad = ParseSnsMessage(json::serialize(o));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidInput);
  EXPECT_NE(bad.error().message().find("Subject"), std::string::npos);
}

TEST(ParseSnsMessageTest, Confirmations) {
  auto sub = ParseSnsMessage(Load("sns-subscription-confirmation-signed-v1-2026"));
  ASSERT_TRUE(sub) << sub.error().ToString();
  EXPECT_EQ(sub->type, SnsMessageType::kSubscriptionConfirmation);
  EXPECT_EQ(sub->token.size(), 256u);
  EXPECT_EQ(sub->subscribe_url.rfind("https://sns.us-west-2.amazonaws.com/?Action=Confirm", 0), 0u);
  EXPECT_NE(sub->message.find("\nTo confirm the subscription"), std::string::npos);
  EXPECT_FALSE(sub->subject.has_value());

  auto unsub = ParseSnsMessage(Load("sns-unsubscribe-confirmation-signed-v2-2026"));
  ASSERT_TRUE(unsub) << unsub.error().ToString();
  EXPECT_EQ(unsub->type, SnsMessageType::kUnsubscribeConfirmation);
  EXPECT_FALSE(unsub->token.empty());
  EXPECT_EQ(unsub->signature_version, "2");
}

TEST(ParseSnsMessageTest, EveryFixtureParses) {
  std::vector<std::string> names = testing::RealFixtures();
  for (const auto& s : testing::SyntheticFixtures()) {
    names.push_back("synthetic/" + s);
  }
  for (const char* doc :
       {"sns-doc-example-notification", "sns-doc-example-subscription-confirmation",
        "sns-doc-example-unsubscribe-confirmation",
        "sns-doc-example-notification-raw-delivery-disabled"}) {
    names.push_back(doc);
  }
  EXPECT_EQ(names.size(), 5u + 11u + 4u);
  for (const auto& name : names) {
    auto m = ParseSnsMessage(Load(name));
    EXPECT_TRUE(m) << name << ": " << m.error().ToString();
  }
}

TEST(ParseSnsMessageTest, EscapesAreDecoded) {
  auto m = ParseSnsMessage(Load("synthetic/synthetic-sns-envelope-escapes-v2"));
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(
      m->message,
      "Line1\nLine2 \"quoted\" \\ backslash / slash caf\xC3\xA9 \xE2\x9C\x93 \xC2\xA0nbsp\ttab");
  EXPECT_EQ(*m->subject, "Sujet \xC3\xA9t\xC3\xA9 \"x\"");
  EXPECT_EQ(m->signing_cert_url, testing::kSyntheticCertUrl);
  EXPECT_EQ(m->signature.find('\\'), std::string::npos);
}

TEST(ParseSnsMessageTest, MissingRequiredFieldsPerType) {
  struct Case {
    std::string fixture;
    std::vector<std::string> required;
  };
  const std::vector<std::string> common = {"Type",      "MessageId",     "TopicArn",
                                           "Message",   "Timestamp",     "SignatureVersion",
                                           "Signature", "SigningCertURL"};
  std::vector<std::string> confirmation = common;
  confirmation.push_back("SubscribeURL");
  confirmation.push_back("Token");
  const Case cases[] = {
      {"sns-notification-signed-v1-with-subject-2026", common},
      {"sns-subscription-confirmation-signed-v1-2026", confirmation},
      {"sns-unsubscribe-confirmation-signed-v2-2026", confirmation},
  };
  for (const Case& c : cases) {
    for (const std::string& field : c.required) {
      json::object o = LoadObject(c.fixture);
      ASSERT_TRUE(o.erase(field)) << field;
      auto m = ParseSnsMessage(json::serialize(o));
      ASSERT_FALSE(m) << c.fixture << " without " << field;
      EXPECT_EQ(m.error().code(), Code::kInvalidInput);
      EXPECT_NE(m.error().message().find("\"" + field + "\""), std::string::npos)
          << m.error().message();

      o = LoadObject(c.fixture);
      o[field] = 42;
      m = ParseSnsMessage(json::serialize(o));
      ASSERT_FALSE(m) << c.fixture << " with numeric " << field;
      EXPECT_EQ(m.error().code(), Code::kInvalidInput);
      EXPECT_NE(m.error().message().find("not a string"), std::string::npos) << m.error().message();

      if (field != "Message" && field != "Type") {
        o[field] = "";
        m = ParseSnsMessage(json::serialize(o));
        ASSERT_FALSE(m) << c.fixture << " with empty " << field;
        EXPECT_NE(m.error().message().find("empty"), std::string::npos) << m.error().message();
      }
    }
  }
  // Not required for a Notification.
  json::object o = LoadObject("sns-notification-signed-v1-with-subject-2026");
  o.erase("UnsubscribeURL");
  o.erase("Subject");
  EXPECT_TRUE(ParseSnsMessage(json::serialize(o)));
}

TEST(ParseSnsMessageTest, FieldsOfOtherTypesAreIgnored) {
  json::object o = LoadObject("sns-notification-signed-v1-with-subject-2026");
  o["Token"] = "t";
  o["SubscribeURL"] = "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription";
  auto n = ParseSnsMessage(json::serialize(o));
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->token.empty());
  EXPECT_TRUE(n->subscribe_url.empty());

  o = LoadObject("sns-subscription-confirmation-signed-v1-2026");
  o["Subject"] = "s";
  o["UnsubscribeURL"] = "https://x";
  auto s = ParseSnsMessage(json::serialize(o));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->subject.has_value());
  EXPECT_TRUE(s->unsubscribe_url.empty());
}

TEST(ParseSnsMessageTest, MessageAttributesKept) {
  json::object o = LoadObject("sns-notification-signed-v1-no-subject-2026");
  o["MessageAttributes"] = json::parse(R"({"a":{"Type":"String","Value":"b"}})");
  auto m = ParseSnsMessage(json::serialize(o));
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->message_attributes_json);
  EXPECT_EQ(*m->message_attributes_json, R"({"a":{"Type":"String","Value":"b"}})");
  o["MessageAttributes"] = "x";
  EXPECT_FALSE(ParseSnsMessage(json::serialize(o)));
}

// ParseSnsMessage reads the common body without a tree and hands anything unusual to the tree
// parser; both must decide every body alike. Shapes that take each way:
TEST(ParseSnsMessageTest, UnusualShapesParseAsTheCommonOne) {
  const json::object base = LoadObject("sns-notification-signed-v1-with-subject-2026");
  const auto expected = ParseSnsMessage(json::serialize(base));
  ASSERT_TRUE(expected);
  const std::string body = json::serialize(base);
  const std::string members = body.substr(1, body.size() - 2);  // "k":v,... without the braces
  const std::vector<std::string> same = {
      // unknown members of every kind, holding collected names deeper down
      "{\"Extra\":{\"Type\":\"Notice\",\"MessageId\":[1,\"x\",{\"Message\":null}]},\"N\":-1.5e3,"
      "\"B\":true,\"Z\":null," + members + ",\"A\":[[\"Type\"],{}]}",
      // whitespace everywhere, keys written with escapes
      " {\n " + members + " } \n",
      "{" + std::string(R"("Mess\u0061geId":"26858270-545e-5848-82a2-e05566af3dcf",)") + members +
          "}",
      // a member of another type's fields that is not even a string
      "{\"Token\":5,\"SubscribeURL\":{\"a\":1}," + members + "}",
  };
  for (const std::string& b : same) {
    auto m = ParseSnsMessage(b);
    ASSERT_TRUE(m) << b << ": " << m.error().ToString();
    EXPECT_EQ(*m, *expected) << b;
  }
  // A duplicate member: the last one counts.
  auto dup = ParseSnsMessage("{\"MessageId\":\"first\"," + members + "}");
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->message_id, expected->message_id);
  dup = ParseSnsMessage("{" + members + ",\"Subject\":\"second\"}");
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->subject, "second");
  dup = ParseSnsMessage("{" + members + ",\"Subject\":null}");
  ASSERT_TRUE(dup);
  EXPECT_FALSE(dup->subject.has_value());
  // Long values with escapes (the parser hands them over in pieces), in a collected member and
  // in a skipped one.
  json::object big = base;
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "line \"" + std::to_string(i) + "\"\n\u00e9\t";
  }
  big["Message"] = text;
  big["Skipped"] = text;
  auto m = ParseSnsMessage(json::serialize(big));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message, text);
  // \u escapes (a surrogate pair is left to Boost.JSON) and raw UTF-8 decode alike either way.
  for (const auto& [escaped, decoded] : std::vector<std::pair<std::string, std::string>>{
           {R"(caf\u00e9 \u2713 \u0041\u0000\/)", std::string("caf\xC3\xA9 \xE2\x9C\x93 A") + '\0' + "/"},
           {R"(\uD83D\uDE00 x)", "\xF0\x9F\x98\x80 x"},
           {"raw \xC3\xA9 \xF0\x9F\x98\x80", "raw \xC3\xA9 \xF0\x9F\x98\x80"}}) {
    json::object with = base;
    with["Message"] = "@@";
    std::string b = json::serialize(with);
    b.replace(b.find("\"@@\""), 4, "\"" + escaped + "\"");
    auto u = ParseSnsMessage(b);
    ASSERT_TRUE(u) << escaped << ": " << u.error().ToString();
    EXPECT_EQ(u->message, decoded) << escaped;
  }
  // Not an object, trailing bytes, a collected member of the wrong kind: refused as before.
  for (const std::string& b : {"[" + body + "]", "\"" + members + "\"", body + " x", body + "{}",
                               "{" + members + ",\"Type\":1}", "{" + members + ",\"Signature\":[]}",
                               "{" + members + ",\"Message\":null}", std::string("null"), std::string("7")}) {
    auto r = ParseSnsMessage(b);
    ASSERT_FALSE(r) << b;
    EXPECT_EQ(r.error().code(), Code::kInvalidInput) << b;
  }
  auto wrong = ParseSnsMessage("{" + members + ",\"Timestamp\":{\"a\":\"b\"}}");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message(), "SNS message field \"Timestamp\" is not a string");
}

TEST(ParseSnsMessageTest, TypeProblems) {
  json::object o = LoadObject("sns-notification-signed-v1-no-subject-2026");
  o["Type"] = "Notice";
  auto m = ParseSnsMessage(json::serialize(o));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Code::kInvalidInput);
  EXPECT_NE(m.error().message().find("unknown Type \"Notice\""), std::string::npos);
  o["Type"] = "notification";  // case matters
  EXPECT_FALSE(ParseSnsMessage(json::serialize(o)));
  o["Type"] = json::array{};
  m = ParseSnsMessage(json::serialize(o));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("\"Type\" is not a string"), std::string::npos);
}

TEST(ParseSnsMessageTest, BadTimestamp) {
  for (const char* ts : {"yesterday", "2026-13-01T00:00:00Z", "1772826801"}) {
    json::object o = LoadObject("sns-notification-signed-v1-no-subject-2026");
    o["Timestamp"] = ts;
    auto m = ParseSnsMessage(json::serialize(o));
    ASSERT_FALSE(m) << ts;
    EXPECT_EQ(m.error().code(), Code::kInvalidInput);
    EXPECT_NE(m.error().message().find("Timestamp"), std::string::npos);
  }
}

TEST(ParseSnsMessageTest, NotAnSnsBody) {
  const char* bodies[] = {"",       "{",         "[]", "\"Notification\"",
                          "null",   "42",        "{}", "{\"Type\":\"Notification\"",
                          "<xml/>", "{\"a\":1}{"};
  for (const char* body : bodies) {
    auto m = ParseSnsMessage(body);
    ASSERT_FALSE(m) << body;
    EXPECT_EQ(m.error().code(), Code::kInvalidInput) << body;
    EXPECT_FALSE(m.error().message().empty());
  }
  EXPECT_NE(ParseSnsMessage("[]").error().message().find("not an object"), std::string::npos);
  EXPECT_NE(ParseSnsMessage("{").error().message().find("not valid JSON"), std::string::npos);
}

TEST(ParseSnsMessageTest, InvalidUtf8Rejected) {
  std::string body = Load("sns-notification-signed-v1-with-subject-2026");
  size_t pos = body.find("Hello");
  ASSERT_NE(pos, std::string::npos);
  body[pos] = '\xff';
  auto m = ParseSnsMessage(body);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Code::kInvalidInput);
}

TEST(ParseSnsMessageTest, Limits) {
  std::string body = Load("sns-notification-signed-v1-no-subject-2026");
  std::string big = body;
  big.insert(big.find('{') + 1, "\"Pad\":\"" + std::string(kMaxSnsBodyBytes, 'x') + "\",");
  auto m = ParseSnsMessage(big);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Code::kInvalidInput);
  EXPECT_NE(m.error().message().find("over the limit"), std::string::npos);

  auto nested = [&](int depth) {
    std::string b = body;
    b.insert(b.find('{') + 1,
             "\"Deep\":" + std::string(depth, '[') + std::string(depth, ']') + ",");
    return b;
  };
  EXPECT_TRUE(ParseSnsMessage(nested(kMaxSnsJsonDepth - 2)));
  m = ParseSnsMessage(nested(kMaxSnsJsonDepth + 8));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Code::kInvalidInput);
  EXPECT_NE(m.error().message().find("deeper"), std::string::npos) << m.error().message();
  EXPECT_FALSE(ParseSnsMessage(std::string(100000, '[')));
}

TEST(CheckHeadersAgreeTest, SyntheticHttpFixturesAgree) {
  for (const auto& name : testing::SyntheticFixtures()) {
    auto http = ReadHttpFixture("sns/synthetic/" + name + ".http");
    ASSERT_GE(http.headers.size(), 3u) << name;
    auto m = ParseSnsMessage(http.body);
    ASSERT_TRUE(m) << name << ": " << m.error().ToString();
    std::string json_file = Load("synthetic/" + name);
    while (!json_file.empty() && json_file.back() == '\n') {
      json_file.pop_back();
    }
    EXPECT_EQ(http.body, json_file) << name;
    EXPECT_TRUE(CheckHeadersAgree(*m, MakeHeaderLookup(http.headers))) << name;
  }
}

TEST(CheckHeadersAgreeTest, EachDisagreementNamesTheHeader) {
  auto http = ReadHttpFixture("sns/synthetic/synthetic-sns-envelope-delivery-v1.http");
  auto m = ParseSnsMessage(http.body);
  ASSERT_TRUE(m);
  for (const char* header :
       {"x-amz-sns-message-type", "x-amz-sns-message-id", "x-amz-sns-topic-arn"}) {
    auto headers = http.headers;
    bool found = false;
    for (auto& [name, value] : headers) {
      if (name == header) {
        value += "x";
        found = true;
      }
    }
    ASSERT_TRUE(found) << header;
    Status s = CheckHeadersAgree(*m, MakeHeaderLookup(headers));
    ASSERT_FALSE(s) << header;
    EXPECT_EQ(s.error().code(), Code::kInvalidInput);
    EXPECT_NE(s.error().message().find(header), std::string::npos) << s.error().message();
  }
}

TEST(CheckHeadersAgreeTest, AbsentHeadersAndCaseInsensitiveNames) {
  auto m = ParseSnsMessage(Load("sns-notification-signed-v1-no-subject-2026"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(CheckHeadersAgree(*m, HeaderLookup()));
  EXPECT_TRUE(CheckHeadersAgree(*m, MakeHeaderLookup({})));
  EXPECT_TRUE(
      CheckHeadersAgree(*m, MakeHeaderLookup({{"X-Amz-Sns-Message-Type", "Notification"}})));
  EXPECT_FALSE(CheckHeadersAgree(
      *m, MakeHeaderLookup({{"X-Amz-Sns-Message-Type", "SubscriptionConfirmation"}})));
}

}  // namespace
}  // namespace bw::sns
