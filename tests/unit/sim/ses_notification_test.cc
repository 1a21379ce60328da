// SPDX-License-Identifier: Apache-2.0
#include "sim/ses_notification.h"

#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "testing/fake_clock.h"

namespace bw::sim {
namespace {
namespace json = boost::json;

constexpr const char* kNow = "2026-11-30T03:00:00.000Z";
constexpr const char* kMailTime = "2026-11-30T02:59:59.500Z";

std::string S(const json::value& v) { return std::string(v.as_string()); }

json::object Build(Scenario s, SesFormat f, NotificationOptions o = {}) {
  testing::FakeClock clock;
  clock.SetNowForTest(kNow);
  o.scenario = s;
  o.format = f;
  auto text = BuildSesNotification(o, clock);
  EXPECT_TRUE(text.has_value());
  EXPECT_TRUE(CheckSesJson(*text).has_value());
  return json::parse(*text).as_object();
}

class EveryFormat : public ::testing::TestWithParam<SesFormat> {
 protected:
  bool event() const { return GetParam() == SesFormat::kEvent; }
  const char* type_key() const { return event() ? "eventType" : "notificationType"; }
  // Checks the mail object every scenario carries.
  void CheckMail(const json::object& root, const std::string& recipient) {
    const json::object& mail = root.at("mail").as_object();
    EXPECT_EQ(S(mail.at("timestamp")), kMailTime);
    EXPECT_EQ(S(mail.at("source")), "sender@example.com");
    EXPECT_EQ(S(mail.at("sourceArn")), "arn:aws:ses:us-east-1:123456789012:identity/example.com");
    EXPECT_EQ(S(mail.at("sendingAccountId")), "123456789012");
    const std::string id = S(mail.at("messageId"));
    EXPECT_EQ(id.size(), 60u) << id;
    EXPECT_EQ(id.substr(id.size() - 7), "-000000");
    ASSERT_EQ(mail.at("destination").as_array().size(), 1u);
    EXPECT_EQ(S(mail.at("destination").as_array()[0]), recipient);
    EXPECT_FALSE(mail.at("headersTruncated").as_bool());
    bool saw_to = false;
    for (const auto& h : mail.at("headers").as_array()) {
      if (S(h.at("name")) == "To") {
        saw_to = true;
        EXPECT_EQ(S(h.at("value")), recipient);
      }
    }
    EXPECT_TRUE(saw_to);
    const json::object& common = mail.at("commonHeaders").as_object();
    EXPECT_EQ(S(common.at("to").as_array()[0]), recipient);
    EXPECT_EQ(S(common.at("subject")), "bouncewatch simulator test");
    EXPECT_EQ(S(common.at("messageId")), "<" + id + "@email.amazonses.com>");
    EXPECT_EQ(S(common.at("date")), "Mon, 30 Nov 2026 02:59:59 +0000");
    if (event()) {
      const json::object& tags = mail.at("tags").as_object();
      EXPECT_EQ(S(tags.at("ses:configuration-set").as_array()[0]), "bouncewatch-simulator");
      EXPECT_EQ(S(tags.at("ses:from-domain").as_array()[0]), "example.com");
      EXPECT_FALSE(mail.contains("sourceIp"));
    } else {
      EXPECT_FALSE(mail.contains("tags"));  // "SES does not publish tags" on identities
      EXPECT_TRUE(mail.contains("sourceIp"));
      EXPECT_TRUE(mail.contains("callerIdentity"));
    }
  }
};

TEST_P(EveryFormat, SuccessIsADelivery) {
  auto root = Build(Scenario::kSuccess, GetParam());
  EXPECT_EQ(S(root.at(type_key())), "Delivery");
  const json::object& d = root.at("delivery").as_object();
  EXPECT_EQ(S(d.at("timestamp")), kNow);
  EXPECT_EQ(S(d.at("recipients").as_array()[0]), "success@simulator.amazonses.com");
  EXPECT_EQ(S(d.at("smtpResponse")), "250 2.6.0 Message received");
  EXPECT_EQ(d.at("processingTimeMillis").to_number<int64_t>(), 500);
  EXPECT_EQ(S(d.at("reportingMTA")), "a8-70.smtp-out.amazonses.com");
  EXPECT_EQ(d.contains("remoteMtaIp"), !event());
  CheckMail(root, "success@simulator.amazonses.com");
}

TEST_P(EveryFormat, BounceIsPermanentGeneralUserUnknown) {
  auto root = Build(Scenario::kBounce, GetParam());
  EXPECT_EQ(S(root.at(type_key())), "Bounce");
  const json::object& b = root.at("bounce").as_object();
  EXPECT_EQ(S(b.at("bounceType")), "Permanent");
  EXPECT_EQ(S(b.at("bounceSubType")), "General");
  EXPECT_EQ(S(b.at("timestamp")), kNow);
  EXPECT_EQ(S(b.at("reportingMTA")), "dsn; a8-96.smtp-out.amazonses.com");
  EXPECT_FALSE(S(b.at("feedbackId")).empty());
  const json::object& r = b.at("bouncedRecipients").as_array()[0].as_object();
  EXPECT_EQ(S(r.at("emailAddress")), "bounce@simulator.amazonses.com");
  EXPECT_EQ(S(r.at("action")), "failed");
  EXPECT_EQ(S(r.at("status")), "5.1.1");
  EXPECT_EQ(S(r.at("diagnosticCode")), "smtp; 550 5.1.1 user unknown");
  CheckMail(root, "bounce@simulator.amazonses.com");
}

TEST_P(EveryFormat, ComplaintIsAbuseWithAFeedbackReport) {
  auto root = Build(Scenario::kComplaint, GetParam());
  EXPECT_EQ(S(root.at(type_key())), "Complaint");
  const json::object& c = root.at("complaint").as_object();
  EXPECT_EQ(S(c.at("complaintFeedbackType")), "abuse");
  EXPECT_EQ(S(c.at("userAgent")), "Amazon SES Mailbox Simulator");
  EXPECT_EQ(S(c.at("arrivalDate")), "2026-11-30T02:59:59.750Z");
  EXPECT_EQ(S(c.at("timestamp")), kNow);
  EXPECT_TRUE(c.at("complaintSubType").is_null());
  EXPECT_EQ(S(c.at("complainedRecipients").as_array()[0].at("emailAddress")),
            "complaint@simulator.amazonses.com");
  CheckMail(root, "complaint@simulator.amazonses.com");
}

TEST_P(EveryFormat, SuppressionListIsAPermanentBounceSesMadeItself) {
  auto root = Build(Scenario::kSuppressionList, GetParam());
  EXPECT_EQ(S(root.at(type_key())), "Bounce");
  const json::object& b = root.at("bounce").as_object();
  EXPECT_EQ(S(b.at("bounceType")), "Permanent");
  EXPECT_EQ(S(b.at("bounceSubType")), "OnAccountSuppressionList");
  EXPECT_EQ(S(b.at("reportingMTA")), "dns; amazonses.com");
  EXPECT_FALSE(b.contains("remoteMtaIp"));
  const json::object& r = b.at("bouncedRecipients").as_array()[0].as_object();
  EXPECT_EQ(S(r.at("emailAddress")), "suppressionlist@simulator.amazonses.com");
  EXPECT_NE(S(r.at("diagnosticCode")).find("suppression list for your account"), std::string::npos);
  CheckMail(root, "suppressionlist@simulator.amazonses.com");

  NotificationOptions global;
  global.suppression = SuppressionList::kGlobal;
  auto g = Build(Scenario::kSuppressionList, GetParam(), global);
  EXPECT_EQ(S(g.at("bounce").at("bounceSubType")), "Suppressed");
}

TEST_P(EveryFormat, OotoIsATransientGeneralBounceWithoutDsn) {
  auto root = Build(Scenario::kOoto, GetParam());
  EXPECT_EQ(S(root.at(type_key())), "Bounce");
  const json::object& b = root.at("bounce").as_object();
  EXPECT_EQ(S(b.at("bounceType")), "Transient");
  EXPECT_EQ(S(b.at("bounceSubType")), "General");
  const json::object& r = b.at("bouncedRecipients").as_array()[0].as_object();
  EXPECT_EQ(S(r.at("emailAddress")), "ooto@simulator.amazonses.com");
  EXPECT_FALSE(r.contains("status"));
  EXPECT_FALSE(r.contains("diagnosticCode"));
  CheckMail(root, "ooto@simulator.amazonses.com");
}

TEST_P(EveryFormat, LabelAndRecipientChangeTheAddressEverywhere) {
  NotificationOptions o;
  o.label = "label1";
  auto root = Build(Scenario::kBounce, GetParam(), o);
  EXPECT_EQ(S(root.at("bounce").at("bouncedRecipients").as_array()[0].at("emailAddress")),
            "bounce+label1@simulator.amazonses.com");
  CheckMail(root, "bounce+label1@simulator.amazonses.com");

  NotificationOptions r;
  r.recipient = "someone+tag@example.org";
  r.label = "ignored";
  auto root2 = Build(Scenario::kComplaint, GetParam(), r);
  EXPECT_EQ(S(root2.at("complaint").at("complainedRecipients").as_array()[0].at("emailAddress")),
            "someone+tag@example.org");
  CheckMail(root2, "someone+tag@example.org");
}

INSTANTIATE_TEST_SUITE_P(Sim, EveryFormat,
                         ::testing::Values(SesFormat::kIdentity, SesFormat::kEvent),
                         [](const auto& info) { return std::string(SesFormatName(info.param)); });

TEST(SesNotificationTest, MessageIdsAreUniquePerSend) {
  testing::FakeClock clock;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    auto text = BuildSesNotification({}, clock);
    ASSERT_TRUE(text.has_value());
    ids.insert(S(json::parse(*text).at("mail").at("messageId")));
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(SesNotificationTest, CustomBuildsNothing) {
  testing::FakeClock clock;
  NotificationOptions o;
  o.scenario = Scenario::kCustom;
  EXPECT_TRUE(BuildSesNotification(o, clock).has_error());
}

TEST(SesNotificationTest, ScenarioAndFormatNames) {
  for (const char* name : {"success", "bounce", "complaint", "suppressionlist", "ooto", "custom"}) {
    auto s = ParseScenario(name);
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_EQ(ScenarioName(*s), name);
  }
  EXPECT_FALSE(ParseScenario("Bounce").has_value());
  EXPECT_FALSE(ParseScenario("").has_value());
  EXPECT_EQ(ParseSesFormat("event"), SesFormat::kEvent);
  EXPECT_EQ(ParseSesFormat("ses"), SesFormat::kIdentity);
  EXPECT_FALSE(ParseSesFormat("json").has_value());
}

TEST(SesNotificationTest, CheckSesJsonSaysWhatIsWrong) {
  EXPECT_TRUE(CheckSesJson(R"({"notificationType":"Bounce","mail":{}})").has_value());
  EXPECT_TRUE(CheckSesJson(R"({"eventType":"Rendering Failure","mail":{}})").has_value());
  auto msg = [](std::string_view text) { return CheckSesJson(text).error().message(); };
  EXPECT_NE(msg("not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(msg("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(msg(R"({"mail":{}})").find("notificationType"), std::string::npos);
  EXPECT_NE(msg(R"({"notificationType":3,"mail":{}})").find("notificationType"), std::string::npos);
  EXPECT_NE(msg(R"({"notificationType":"Bounce"})").find("mail"), std::string::npos);
  EXPECT_NE(msg(R"({"eventType":"Bounce","mail":"x"})").find("mail"), std::string::npos);
}

TEST(SesNotificationTest, UuidsAreVersion4) {
  std::string u = NewUuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[8], '-');
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  EXPECT_NE(NewUuid(), u);
}

}  // namespace
}  // namespace bw::sim
