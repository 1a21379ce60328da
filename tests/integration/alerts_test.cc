// SPDX-License-Identifier: Apache-2.0
// Alerts end to end: signed SNS notifications into the real App (SQLite in a temp dir), the
// outbox written with the events, the alert worker's thread sending to a real SMTP server
// (python3-aiosmtpd, mails parsed by Python's email package) and to a real HTTPS webhook.
// The App runs on a FakeClock: min_interval and back-off are crossed by moving it, so nothing
// here waits for minutes; the waits below are for the worker thread (real time, bounded).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/sns_fixture.h"
#include "testing/smtp_server.h"
#include "testing/tls_test_server.h"

namespace bw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SmtpTestServer;

// Polls `done` every 20 ms for at most `limit` (real time).
bool WaitFor(const std::function<bool()>& done, milliseconds limit = seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SmtpTestServer::Available()) {
      GTEST_SKIP() << "python3-aiosmtpd is not installed (scripts/install-deps installs it)";
    }
    app::AlertsConfig& a = fx_.config().alerts;
    a.instance_name = "bw-test";
    a.poll_interval = milliseconds(20);
    a.retry_initial = seconds(1);
    a.retry_max = seconds(4);
    a.email.from = "bouncewatch@bw.example";
    a.email.to = {"ops@example.com"};
    a.email.starttls = "never";
    a.email.min_interval = hours(1);
    a.email.digest_interval = milliseconds(0);
    a.email.triggers = {app::kTriggerHardBounce, app::kTriggerComplaint};
  }

  std::string Now() { return FormatIso8601Ms(ToUnixMs(fx_.clock().Now())); }

  std::string Mail() {
    return R"("mail": {"timestamp": ")" + Now() +
           R"(", "source": "news@shop.example", "messageId": "0100018c-mail-)" +
           std::to_string(++n_) + R"(", "destination": ["x@example.com"],)" +
           R"( "commonHeaders": {"subject": "Black Friday deals", "from": ["news@shop.example"]}})";
  }

  // Posts a signed SES notification; returns the SNS MessageId. Expects 200.
  std::string Post(const std::string& ses_json, std::string message_id = "") {
    if (message_id.empty()) {
      message_id = "sns-alert-" + std::to_string(++n_);
    }
    auto m = fx_.Notification(ses_json, message_id);
    auto r = fx_.Post(m);
    EXPECT_EQ(r.status, 200) << r.body;
    return message_id;
  }
  std::string HardBounce(const std::string& recipient, std::string message_id = "") {
    return Post(R"({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",)"
                R"( "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": ")" +
                    recipient +
                    R"(", "action": "failed", "status": "5.1.1", "diagnosticCode": )"
                    R"("smtp; 550 5.1.1 <)" +
                    recipient +
                    R"(>: Recipient address rejected: User unknown"}], "timestamp": ")" + Now() +
                    R"(", "feedbackId": "fb-)" + std::to_string(++n_) +
                    R"(", "reportingMTA": "dsn; a8-1.smtp-out.amazonses.com"}, )" + Mail() + "}",
                std::move(message_id));
  }
  std::string Complaint(const std::string& recipient) {
    return Post(R"({"notificationType": "Complaint", "complaint": {"complainedRecipients": )"
                R"([{"emailAddress": ")" +
                recipient + R"("}], "timestamp": ")" + Now() + R"(", "feedbackId": "c-)" +
                std::to_string(++n_) +
                R"(", "complaintFeedbackType": "abuse", "userAgent": "Yahoo!-Mail-Feedback/2.0"}, )" +
                Mail() + "}");
  }

  int64_t OutboxPending() {
    auto stats = fx_.app().store().GetAlertOutboxStats();
    EXPECT_TRUE(stats.has_value());
    int64_t n = 0;
    for (const auto& [name, st] : *stats) {
      n += st.pending;
    }
    return n;
  }

  // Every recipient named in the mails so far, with how often.
  static std::map<std::string, int> Mentions(const std::vector<SmtpTestServer::Mail>& mails,
                                             const std::vector<std::string>& addresses) {
    std::map<std::string, int> out;
    for (const auto& m : mails) {
      for (const std::string& a : addresses) {
        // Each event block starts with "<address>: " on its own line.
        if (m.text.find(a + ": ") != std::string::npos) {
          ++out[a];
        }
      }
    }
    return out;
  }

  testing::AppFixture fx_;
  int n_ = 0;
};

TEST_F(AlertsTest, HardBounceAndComplaintAreMailedForAPersonBatchedByMinInterval) {
  SmtpTestServer smtp;
  fx_.config().alerts.email.smtp_url = smtp.Url();
  fx_.Start();

  const std::string first = HardBounce("jane.doe@example.org");
  ASSERT_TRUE(WaitFor([&] { return smtp.Mails().size() == 1; })) << "no alert mail arrived";
  const SmtpTestServer::Mail m = smtp.Mails().front();
  EXPECT_EQ(m.mail_from, "bouncewatch@bw.example");
  EXPECT_EQ(m.rcpt_tos, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(m.content_type, "multipart/alternative");
  EXPECT_EQ(m.subject, "[bw-test] Hard bounce: jane.doe@example.org (the mailbox does not exist)");
  // What a person needs: who, what happened, the SMTP status and diagnostic, what to do.
  EXPECT_THAT(m.text, HasSubstr("jane.doe@example.org: hard bounce, the mailbox does not exist"));
  EXPECT_THAT(m.text, HasSubstr("5.1.1"));
  EXPECT_THAT(m.text, HasSubstr("Recipient address rejected: User unknown"));
  EXPECT_THAT(m.text, HasSubstr("What to do:"));
  EXPECT_THAT(m.text, HasSubstr("Remove the address from your list"));
  EXPECT_THAT(m.text, HasSubstr("Black Friday deals"));
  EXPECT_THAT(m.html, HasSubstr("jane.doe@example.org"));
  EXPECT_THAT(m.html, HasSubstr("&lt;jane.doe@example.org&gt;"));  // the diagnostic, escaped
  EXPECT_THAT(m.html, HasSubstr("<table"));
  // Not raw JSON.
  EXPECT_THAT(m.text, Not(HasSubstr("notificationType")));
  EXPECT_THAT(m.text, Not(HasSubstr("{\"")));

  // The same SNS message again (an SNS retry) is a duplicate: no second alert.
  HardBounce("jane.doe@example.org", first);
  // Within min_interval (fake time stands still): gathered, not sent.
  Complaint("angry@example.net");
  HardBounce("gone@example.com");
  ASSERT_TRUE(WaitFor([&] { return OutboxPending() == 2; }));
  std::this_thread::sleep_for(milliseconds(300));  // many worker passes
  EXPECT_EQ(smtp.Mails().size(), 1u) << "a second mail within min_interval";

  fx_.clock().Advance(hours(1));
  ASSERT_TRUE(WaitFor([&] { return smtp.Mails().size() == 2; }));
  const SmtpTestServer::Mail batch = smtp.Mails()[1];
  EXPECT_EQ(batch.subject, "[bw-test] 1 hard bounce and 1 complaint");
  EXPECT_THAT(batch.text, HasSubstr("angry@example.net: complaint: the recipient marked your "
                                    "mail as spam"));
  EXPECT_THAT(batch.text, HasSubstr("Yahoo!-Mail-Feedback/2.0"));
  EXPECT_THAT(batch.text, HasSubstr("gone@example.com: hard bounce"));
  EXPECT_THAT(batch.html, HasSubstr("angry@example.net"));
  // The worker marks the rows sent after the SMTP server has the mail: wait for that commit.
  EXPECT_TRUE(WaitFor([&] { return OutboxPending() == 0; })) << OutboxPending() << " pending";
  EXPECT_EQ(Mentions(smtp.Mails(), {"jane.doe@example.org", "angry@example.net",
                                    "gone@example.com"}),
            (std::map<std::string, int>{
                {"jane.doe@example.org", 1}, {"angry@example.net", 1}, {"gone@example.com", 1}}));
}

TEST_F(AlertsTest, SmtpDownDelaysAlertsThenEachArrivesOnceAndARestartResendsNothing) {
  int port = 0;
  {
    SmtpTestServer probe;  // find a free port, then leave it closed: the relay is down
    port = probe.port();
  }
  fx_.config().alerts.email.smtp_url = "smtp://127.0.0.1:" + std::to_string(port);
  fx_.config().alerts.email.min_interval = milliseconds(0);
  fx_.Start();

  HardBounce("first@example.org");
  // It waits in the outbox, with a retry scheduled after the failed attempt.
  ASSERT_TRUE(WaitFor([&] {
    auto stats = fx_.app().store().GetAlertOutboxStats();
    return stats && (*stats)["email"].pending == 1 &&
           (*stats)["email"].next_event_due_at_ms > ToUnixMs(fx_.clock().Now());
  })) << "the worker never tried (and failed) to send";
  // Ingestion does not wait for SMTP: more notifications are accepted at once meanwhile, and
  // wait behind the back-off.
  Complaint("second@example.net");
  HardBounce("third@example.org");
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(OutboxPending(), 3);

  SmtpTestServer smtp({.port = port});  // the relay comes back
  fx_.clock().Advance(seconds(5));      // past the back-off
  ASSERT_TRUE(WaitFor([&] { return OutboxPending() == 0; })) << "alerts were not delivered";
  const std::vector<std::string> all = {"first@example.org", "second@example.net",
                                        "third@example.org"};
  EXPECT_EQ(Mentions(smtp.Mails(), all),
            (std::map<std::string, int>{
                {"first@example.org", 1}, {"second@example.net", 1}, {"third@example.org", 1}}));
  const size_t mails = smtp.Mails().size();
  fx_.clock().Advance(hours(1));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(smtp.Mails().size(), mails);

  // A restart of bouncewatch resends nothing.
  fx_.Stop();
  fx_.Start();
  fx_.clock().Advance(hours(2));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(smtp.Mails().size(), mails) << "a restart sent alerts again";
  EXPECT_EQ(OutboxPending(), 0);
  // And alerts still flow after it.
  HardBounce("after-restart@example.org");
  ASSERT_TRUE(WaitFor([&] { return smtp.Mails().size() == mails + 1; }));
  EXPECT_THAT(smtp.Mails().back().subject, HasSubstr("after-restart@example.org"));
}

TEST_F(AlertsTest, WebhookReceivesJsonWithTextAndIsRetriedUntilAccepted) {
  std::atomic<int> answered{0};
  testing::TlsTestServer hook({"127.0.0.1"}, [&answered](const testing::TlsTestServer::Request&) {
    testing::TlsTestServer::Response r;
    r.status = answered++ == 0 ? 503 : 200;  // the first delivery fails
    r.body = r.status == 200 ? "ok" : "busy";
    return r;
  });
  app::AlertsConfig& a = fx_.config().alerts;
  a.email = {};
  a.webhook.url = hook.Url("127.0.0.1", "/services/T000/B000/secret");
  a.webhook.min_interval = milliseconds(0);
  a.webhook.digest_interval = milliseconds(0);
  fx_.config().outbound.ca_file = hook.ca_file();
  fx_.Start();

  HardBounce("webhook@example.org");
  ASSERT_TRUE(WaitFor([&] { return hook.requests().size() == 1; }));
  fx_.clock().Advance(seconds(2));  // past the back-off
  ASSERT_TRUE(WaitFor([&] { return hook.requests().size() == 2 && OutboxPending() == 0; }));
  std::this_thread::sleep_for(milliseconds(200));
  const auto requests = hook.requests();
  ASSERT_EQ(requests.size(), 2u) << "accepted alert posted again";
  const auto& req = requests[1];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/services/T000/B000/secret");
  ASSERT_NE(req.Header("Content-Type"), nullptr);
  EXPECT_EQ(*req.Header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].body, req.body);
  boost::json::value v = boost::json::parse(req.body);
  const std::string text(v.at("text").as_string());
  EXPECT_THAT(text, HasSubstr("[bw-test] Hard bounce: webhook@example.org"));
  EXPECT_THAT(text, HasSubstr("What to do:"));
  EXPECT_EQ(v.at("kind").as_string(), "events");
  EXPECT_EQ(v.at("instance").as_string(), "bw-test");
  EXPECT_EQ(v.at("events").at(0).at("recipient").as_string(), "webhook@example.org");
  EXPECT_EQ(v.at("events").at(0).at("bounce").at("status").as_string(), "5.1.1");
}

}  // namespace
}  // namespace bw
