// SPDX-License-Identifier: Apache-2.0
// `bouncewatch simulate` end to end: the simulator's notifications, signed with the simulator key
// in the server's data_dir, posted over real HTTP to a real App (SQLite, trust_simulator on), and
// the events read back from the store.
#include <atomic>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "app/simulator_trust.h"
#include "sim/http_sender.h"
#include "sim/load_runner.h"
#include "sim/ses_notification.h"
#include "sim/sns_envelope.h"
#include "sns_fixture.h"

namespace bw {
namespace {

using sim::Scenario;
using sim::SesFormat;
using testing::AppFixture;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class SimulateE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(/*trust_simulator=*/true); }

  void Start(bool trust_simulator) {
    fx_.config().sns.trust_simulator = trust_simulator;
    fx_.Start();
    // The same data_dir as the server: the key pair serve pinned.
    app::SimulatorTrust trust = app::EnsureSimulatorTrust(fx_.config().data_dir);
    for (int v : {1, 2}) {
      sim::SignerOptions o;
      o.topic_arn = testing::kTopic;
      o.signing_cert_url = trust.cert_url;
      o.private_key_pem = ReadFile(trust.key_path);
      o.signature_version = v;
      signers_.emplace_back(o);
    }
    auto t =
        sim::ParseHttpUrl("http://127.0.0.1:" + std::to_string(fx_.app().port()) + "/webhooks/sns");
    ASSERT_TRUE(t.has_value());
    target_ = *t;
  }

  // Builds, signs and posts one notification; returns the SNS MessageId after a 200.
  std::string Send(const sim::NotificationOptions& n, int version = 2) {
    auto ses = sim::BuildSesNotification(n, fx_.clock());
    EXPECT_TRUE(ses.has_value());
    return SendJson(*ses, version);
  }
  std::string SendJson(const std::string& ses, int version = 2) {
    auto req = signers_[static_cast<size_t>(version - 1)].Sign(ses, fx_.clock());
    EXPECT_TRUE(req.has_value());
    sim::HttpOutcome out = sender().Post(*req);
    EXPECT_EQ(out.status, 200) << out.error << out.body;
    return req->message_id;
  }
  sim::HttpSender& sender() {
    if (!sender_) {
      sender_ = std::make_unique<sim::HttpSender>(target_);
    }
    return *sender_;
  }

  AppFixture fx_;
  std::vector<sim::SnsSigner> signers_;
  sim::HttpTarget target_;
  std::unique_ptr<sim::HttpSender> sender_;
};

class EveryFormatE2e : public SimulateE2eTest, public ::testing::WithParamInterface<SesFormat> {};

TEST_P(EveryFormatE2e, EveryScenarioStoresTheRightEvent) {
  const SesFormat format = GetParam();
  const int64_t now = ToUnixMs(fx_.clock().Now());
  struct Case {
    Scenario scenario;
    EventType type;
    const char* bounce_class;  // "" = not a bounce
    const char* ses_type;
    const char* ses_subtype;
    const char* status;
    const char* reason;
    const char* diagnostic_prefix;
  };
  const Case cases[] = {
      {Scenario::kSuccess, EventType::kDelivery, "", "", "", "", "", ""},
      {Scenario::kBounce, EventType::kBounce, "hard", "Permanent", "General", "5.1.1",
       "userunknown", "smtp; 550 5.1.1 user unknown"},
      {Scenario::kComplaint, EventType::kComplaint, "", "", "", "", "", ""},
      {Scenario::kSuppressionList, EventType::kBounce, "hard", "Permanent",
       "OnAccountSuppressionList", "5.1.1", "suppressed", "Amazon SES did not send"},
      {Scenario::kOoto, EventType::kBounce, "soft", "Transient", "General", "", "", ""},
  };
  int version = 1;
  for (const Case& c : cases) {
    sim::NotificationOptions n;
    n.scenario = c.scenario;
    n.format = format;
    SCOPED_TRACE(std::string(sim::ScenarioName(c.scenario)));
    version = 3 - version;  // alternate 2, 1, 2, ...
    const std::string id = Send(n, version);
    auto events = fx_.Events(id);
    ASSERT_EQ(events.size(), 1u);
    const FeedbackEvent& e = events[0];
    EXPECT_EQ(e.type, c.type);
    EXPECT_EQ(e.recipient, sim::RecipientFor(n));
    EXPECT_EQ(e.occurred_at_ms, now);
    EXPECT_EQ(e.origin.topic_arn, testing::kTopic);
    EXPECT_EQ(e.mail.from, "sender@example.com");
    EXPECT_EQ(e.mail.sending_account_id, "123456789012");
    EXPECT_EQ(e.mail.subject, "bouncewatch simulator test");
    EXPECT_EQ(e.mail.configuration_set, format == SesFormat::kEvent ? "bouncewatch-simulator" : "");
    if (std::string(c.bounce_class).empty()) {
      EXPECT_FALSE(e.bounce.has_value());
    } else {
      ASSERT_TRUE(e.bounce.has_value());
      EXPECT_EQ(BounceClassName(e.bounce->bounce_class), c.bounce_class);
      EXPECT_EQ(e.bounce->ses_type, c.ses_type);
      EXPECT_EQ(e.bounce->ses_subtype, c.ses_subtype);
      EXPECT_EQ(e.bounce->status, c.status);
      if (std::string(c.reason).size() > 0) {
        EXPECT_EQ(e.bounce->reason, c.reason);
      }
      EXPECT_EQ(e.bounce->diagnostic.rfind(c.diagnostic_prefix, 0), 0u) << e.bounce->diagnostic;
    }
    if (c.scenario == Scenario::kBounce) {
      EXPECT_EQ(e.bounce->action, "failed");
      EXPECT_EQ(e.bounce->reporting_mta, "dsn; a8-96.smtp-out.amazonses.com");
    }
    if (c.type == EventType::kComplaint) {
      ASSERT_TRUE(e.complaint.has_value());
      EXPECT_EQ(e.complaint->feedback_type, "abuse");
      EXPECT_EQ(e.complaint->user_agent, "Amazon SES Mailbox Simulator");
      EXPECT_FALSE(e.complaint->arrival_date.empty());
    }
    if (c.type == EventType::kDelivery) {
      const auto* smtp = e.details.if_contains("smtp_response");
      ASSERT_NE(smtp, nullptr);
      EXPECT_EQ(smtp->as_string(), "250 2.6.0 Message received");
    }
  }
}

TEST_P(EveryFormatE2e, LabelsAndRecipientsAreKept) {
  sim::NotificationOptions n;
  n.scenario = Scenario::kBounce;
  n.format = GetParam();
  n.label = "label1";
  auto events = fx_.Events(Send(n));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].recipient, "bounce+label1@simulator.amazonses.com");

  n.scenario = Scenario::kComplaint;
  n.recipient = "jane.doe+news@example.com";
  events = fx_.Events(Send(n));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kComplaint);
  EXPECT_EQ(events[0].recipient, "jane.doe+news@example.com");
}

INSTANTIATE_TEST_SUITE_P(Sim, EveryFormatE2e,
                         ::testing::Values(SesFormat::kIdentity, SesFormat::kEvent),
                         [](const auto& info) {
                           return std::string(sim::SesFormatName(info.param));
                         });

TEST_F(SimulateE2eTest, CustomSendsTheFileAsIs) {
  const std::string click = testing::ReadData("ses/ses-event-click.json");
  ASSERT_TRUE(sim::CheckSesJson(click).has_value());
  auto events = fx_.Events(SendJson(click));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kClick);
  EXPECT_EQ(events[0].recipient, "recipient@example.com");
}

// Load mode: every 2xx is stored exactly once, and re-sending the same MessageIds stores nothing.
TEST_F(SimulateE2eTest, LoadModeCountsAddUp) {
  testing::TempDir tmp;
  const std::string ack_path = (tmp.path() / "acks").string();
  sim::NotificationOptions n;
  n.scenario = Scenario::kBounce;
  std::mutex mu;
  std::vector<sim::SignedRequest> sent;  // GUARDED_BY(mu)
  sim::LoadOptions o;
  o.count = 2000;
  o.concurrency = 8;
  o.ack_log = ack_path;
  std::atomic<uint64_t> progress_calls{0};
  o.progress = [&](uint64_t done, uint64_t total, double) {
    EXPECT_LE(done, total);
    ++progress_calls;
  };
  auto s = sim::RunLoad(target_, o, [&](uint64_t i) -> Result<sim::SignedRequest> {
    auto ses = sim::BuildSesNotification(n, fx_.clock());
    if (ses.has_error()) {
      return ses.error();
    }
    auto req = signers_[i % 2].Sign(*ses, fx_.clock());
    if (req.has_value()) {
      std::lock_guard<std::mutex> lock(mu);
      sent.push_back(*req);
    }
    return req;
  });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->sent, 2000u);
  EXPECT_EQ(s->ok, 2000u) << sim::FormatSummary(*s) << s->first_error << s->first_bad_body;
  EXPECT_EQ(s->ok + s->client_errors + s->server_errors + s->other_status + s->errors, s->sent);
  EXPECT_LE(s->connections, 8 * 2);  // keep-alive: about one connection per thread
  EXPECT_GE(progress_calls.load(), 1u);
  EXPECT_GT(s->p99.count(), 0);
  EXPECT_LE(s->p50, s->p90);
  EXPECT_LE(s->p90, s->p99);

  std::set<std::string> acked;
  std::ifstream in(ack_path);
  for (std::string line; std::getline(in, line);) {
    EXPECT_TRUE(acked.insert(line).second) << "acked twice: " << line;
  }
  EXPECT_EQ(acked.size(), 2000u);

  auto count_events = [&] {
    std::multiset<std::string> stored;
    for (const auto& e : fx_.Events()) {
      if (e.type == EventType::kBounce) {
        stored.insert(e.origin.sns_message_id);
      }
    }
    return stored;
  };
  auto stored = count_events();
  EXPECT_EQ(stored.size(), 2000u);
  EXPECT_EQ(std::set<std::string>(stored.begin(), stored.end()), acked);

  // SNS retries reuse the MessageId: resending 100 of them answers 200 and stores nothing new.
  sim::LoadOptions again;
  again.count = 100;
  again.concurrency = 4;
  auto s2 = sim::RunLoad(target_, again, [&](uint64_t i) -> Result<sim::SignedRequest> {
    return sent[static_cast<size_t>(i)];
  });
  ASSERT_TRUE(s2.has_value());
  EXPECT_EQ(s2->ok, 100u);
  EXPECT_EQ(count_events().size(), 2000u);
}

// --rate paces the whole run: request i leaves i/rate seconds after the start.
TEST_F(SimulateE2eTest, RateLimitsTheRun) {
  sim::LoadOptions o;
  o.count = 40;
  o.concurrency = 4;
  o.rate = 200;
  auto s = sim::RunLoad(target_, o, [&](uint64_t) {
    return signers_[1].Sign(*sim::BuildSesNotification({}, fx_.clock()), fx_.clock());
  });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ok, 40u);
  EXPECT_GE(s->seconds, 39.0 / 200);
  EXPECT_LE(s->requests_per_second(), 200 * 1.05);
}

// Without sns.trust_simulator the simulator's messages are refused with 403 (never retried) and
// never stored; the simulator's certificate URL is not fetched (any fetch would go to a closed
// local port, so the test needs no network either way).
TEST(SimulateUntrustedTest, ServerWithoutTrustSimulatorRefuses) {
  AppFixture fx;  // trust_simulator defaults to false
  fx.config().outbound.resolve = {"sns.us-east-1.amazonaws.com:443:127.0.0.1"};
  fx.config().outbound.timeout = std::chrono::seconds(2);
  fx.Start();
  app::SimulatorTrust trust = app::EnsureSimulatorTrust(fx.config().data_dir);
  sim::SignerOptions so;
  so.signing_cert_url = trust.cert_url;
  so.private_key_pem = ReadFile(trust.key_path);
  sim::SnsSigner signer(so);
  auto t =
      sim::ParseHttpUrl("http://127.0.0.1:" + std::to_string(fx.app().port()) + "/webhooks/sns");
  sim::LoadOptions o;
  o.count = 3;
  auto s = sim::RunLoad(*t, o, [&](uint64_t) {
    return signer.Sign(*sim::BuildSesNotification({}, fx.clock()), fx.clock());
  });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ok, 0u);
  EXPECT_EQ(s->client_errors + s->server_errors, 3u);
  EXPECT_EQ(s->first_bad_status, 403);
  EXPECT_EQ(s->client_errors, 3u);
  EXPECT_TRUE(fx.Events().empty());
}

// A topic missing from sns.topics: 403, which the CLI explains.
TEST_F(SimulateE2eTest, TopicNotAllowedAnswers403) {
  sim::SignerOptions so = signers_[1].options();
  so.topic_arn = "arn:aws:sns:us-east-1:123456789012:not-allowed";
  sim::SnsSigner signer(so);
  sim::LoadOptions o;
  o.count = 2;
  auto s = sim::RunLoad(target_, o, [&](uint64_t) {
    return signer.Sign(*sim::BuildSesNotification({}, fx_.clock()), fx_.clock());
  });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->client_errors, 2u);
  EXPECT_EQ(s->first_bad_status, 403);
  EXPECT_NE(s->first_bad_body.find("sns.topics"), std::string::npos) << s->first_bad_body;
  EXPECT_TRUE(fx_.Events().empty());
}

}  // namespace
}  // namespace bw
