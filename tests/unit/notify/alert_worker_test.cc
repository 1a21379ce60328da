// SPDX-License-Identifier: Apache-2.0
// The alert worker against a real SQLite outbox, with a fake clock and recording channels: no
// thread, no sleeping; each RunOnce is one pass.
#include "notify/alert_worker.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/alert_channel.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeClock;
using testing::TempDir;

// Records what it was given; fails while `fail` is set (nothing recorded then).
class RecordingChannel final : public AlertChannel {
 public:
  explicit RecordingChannel(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  Status Deliver(const Alert& alert) override {
    ++calls;
    if (fail) {
      return Unavailable("connection refused (test)");
    }
    delivered.push_back(alert);
    return {};
  }
  std::vector<std::string> Recipients(size_t i) const {
    std::vector<std::string> out;
    for (const FeedbackEvent& e : delivered.at(i).events) {
      out.push_back(e.recipient);
    }
    return out;
  }

  bool fail = false;
  int calls = 0;
  std::vector<Alert> delivered;

 private:
  std::string name_;
};

class FakeRates final : public RateSource {
 public:
  void RestoreLevels(std::string_view bounce, std::string_view complaint) override {
    restored = std::string(bounce) + "/" + std::string(complaint);
  }
  RateSnapshot Current() override { return now; }
  double LineOf(std::string_view rate, std::string_view level) const override {
    if (level == "warning") {
      return rate == "bounce" ? 0.05 : 0.001;
    }
    return level == "ok" ? 0 : 0.5;
  }
  std::vector<DomainLine> WorstDomains(size_t) override { return domains; }

  RateSnapshot now;
  std::vector<DomainLine> domains;
  std::string restored;
};

FeedbackEvent HardBounce(std::string recipient) {
  FeedbackEvent e;
  e.type = EventType::kBounce;
  e.recipient = std::move(recipient);
  e.source = "ses";
  BounceInfo b;
  b.bounce_class = BounceClass::kHard;
  b.status = "5.1.1";
  b.diagnostic = "smtp; 550 5.1.1 user unknown";
  b.reason = "userunknown";
  e.bounce = b;
  return e;
}

FeedbackEvent Complaint(std::string recipient) {
  FeedbackEvent e;
  e.type = EventType::kComplaint;
  e.recipient = std::move(recipient);
  e.source = "ses";
  e.complaint = ComplaintInfo{};
  return e;
}

class AlertWorkerTest : public ::testing::Test {
 protected:
  AlertWorkerTest() { OpenStore(); }

  void OpenStore() {
    store::sqlite::SqliteOptions o;
    o.path = (dir_.path() / "bw.db").string();
    o.alert_rule = [this](const FeedbackEvent& e) -> std::vector<std::string> {
      if ((e.type == EventType::kBounce && e.bounce->bounce_class == BounceClass::kHard) ||
          e.type == EventType::kComplaint) {
        return channels_;
      }
      return {};
    };
    auto s = store::sqlite::OpenSqliteStore(o, clock_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
  }

  // A worker over `channels` with the given schedule (the same for each).
  std::unique_ptr<AlertWorker> Worker(std::vector<RecordingChannel*> channels,
                                      ChannelSchedule schedule, RateSource* rates = nullptr) {
    std::vector<AlertWorker::Channel> list;
    for (RecordingChannel* c : channels) {
      list.push_back({c, schedule});
    }
    return std::make_unique<AlertWorker>(options_, *store_, clock_, std::move(list), rates);
  }

  void Ingest(std::vector<FeedbackEvent> events) {
    store::IngestBatch b;
    b.source = "sns";
    b.dedup_key = "m-" + std::to_string(++batches_);
    b.kind = "Notification";
    b.raw = "{}";
    b.events = std::move(events);
    auto r = store_->Ingest(std::move(b));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }

  int64_t Pending() {
    auto stats = store_->GetAlertOutboxStats();
    EXPECT_TRUE(stats.has_value());
    int64_t n = 0;
    for (const auto& [name, st] : *stats) {
      n += st.pending;
    }
    return n;
  }

  static ChannelSchedule NoDigest(milliseconds min_interval) {
    ChannelSchedule s;
    s.min_interval = min_interval;
    s.digest_interval = milliseconds(0);
    return s;
  }

  TempDir dir_;
  FakeClock clock_;
  std::vector<std::string> channels_ = {"email"};
  std::unique_ptr<store::Store> store_;
  AlertWorkerOptions options_;
  int batches_ = 0;
};

TEST_F(AlertWorkerTest, FirstEventAtOnceThenAtMostOneAlertPerMinInterval) {
  RecordingChannel email("email");
  auto worker = Worker({&email}, NoDigest(minutes(5)));
  EXPECT_EQ(worker->RunOnce(), std::nullopt);  // nothing waiting

  Ingest({HardBounce("first@example.com")});
  worker->RunOnce();
  ASSERT_EQ(email.delivered.size(), 1u);
  EXPECT_EQ(email.Recipients(0), std::vector<std::string>{"first@example.com"});
  EXPECT_THAT(email.delivered[0].content.subject, HasSubstr("Hard bounce: first@example.com"));
  const TimePoint first_sent = clock_.Now();

  Ingest({HardBounce("second@example.com")});
  clock_.Advance(minutes(1));
  Ingest({Complaint("third@example.com"), HardBounce("fourth@example.com")});
  auto next = worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 1u) << "sent again within min_interval";
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, first_sent + minutes(5));

  clock_.Advance(minutes(3) + seconds(59));
  worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 1u);
  clock_.Advance(seconds(1));
  worker->RunOnce();
  ASSERT_EQ(email.delivered.size(), 2u);
  EXPECT_EQ(email.Recipients(1), (std::vector<std::string>{"second@example.com",
                                                           "third@example.com",
                                                           "fourth@example.com"}));
  EXPECT_THAT(email.delivered[1].content.subject, HasSubstr("2 hard bounces and 1 complaint"));
  EXPECT_EQ(Pending(), 0);

  clock_.Advance(hours(1));
  worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 2u) << "something was sent twice";
}

TEST_F(AlertWorkerTest, FailuresBackOffExponentiallyUpToTheCapAndLoseNothing) {
  options_.retry_initial = seconds(30);
  options_.retry_max = minutes(2);
  RecordingChannel email("email");
  email.fail = true;
  auto worker = Worker({&email}, NoDigest(minutes(5)));

  Ingest({HardBounce("a@example.com")});
  worker->RunOnce();
  EXPECT_EQ(email.calls, 1);
  // Attempts at +30 s, +60 s after that, then every 2 min (the cap).
  const std::vector<std::pair<milliseconds, int>> steps = {
      {seconds(29), 1}, {seconds(1), 2},  {seconds(59), 2}, {seconds(1), 3},
      {seconds(119), 3}, {seconds(1), 4}, {seconds(119), 4}, {seconds(1), 5}};
  for (const auto& [advance, calls] : steps) {
    clock_.Advance(advance);
    Ingest({Complaint("while-down-" + std::to_string(email.calls) + "@example.com")});
    worker->RunOnce();
    EXPECT_EQ(email.calls, calls) << "after advancing " << advance.count() << " ms";
  }
  EXPECT_TRUE(email.delivered.empty());
  EXPECT_EQ(Pending(), 9);
  EXPECT_EQ(worker->attempts(), 5);

  email.fail = false;
  clock_.Advance(minutes(2));
  worker->RunOnce();
  ASSERT_EQ(email.delivered.size(), 1u);
  EXPECT_EQ(email.delivered[0].events.size(), 9u) << "every alert, in one mail";
  EXPECT_EQ(email.Recipients(0).front(), "a@example.com");
  EXPECT_EQ(Pending(), 0);
  clock_.Advance(hours(2));
  worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 1u);
}

TEST_F(AlertWorkerTest, ARestartSendsNothingTwiceAndForgetsNothing) {
  RecordingChannel email("email");
  {
    auto worker = Worker({&email}, NoDigest(minutes(5)));
    Ingest({HardBounce("sent@example.com")});
    worker->RunOnce();
    ASSERT_EQ(email.delivered.size(), 1u);
    Ingest({HardBounce("waiting@example.com")});  // held back by min_interval
    worker->RunOnce();
    ASSERT_EQ(email.delivered.size(), 1u);
  }
  store_.reset();
  OpenStore();
  RecordingChannel after("email");
  auto worker = Worker({&after}, NoDigest(minutes(5)));
  clock_.Advance(minutes(1));
  worker->RunOnce();
  EXPECT_TRUE(after.delivered.empty()) << "min_interval is remembered across a restart";
  clock_.Advance(minutes(4));
  worker->RunOnce();
  ASSERT_EQ(after.delivered.size(), 1u);
  EXPECT_EQ(after.Recipients(0), std::vector<std::string>{"waiting@example.com"});
}

TEST_F(AlertWorkerTest, ChannelsAreIndependent) {
  channels_ = {"email", "webhook"};
  RecordingChannel email("email");
  RecordingChannel webhook("webhook");
  email.fail = true;
  auto worker = Worker({&email, &webhook}, NoDigest(milliseconds(0)));
  Ingest({Complaint("c@example.com")});
  worker->RunOnce();
  EXPECT_EQ(webhook.delivered.size(), 1u);
  EXPECT_TRUE(email.delivered.empty());
  email.fail = false;
  clock_.Advance(seconds(30));
  worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 1u);
  EXPECT_EQ(webhook.delivered.size(), 1u);
}

TEST_F(AlertWorkerTest, DigestEveryIntervalWithCountsRatesAndDomainsNotRepeatedAfterRestart) {
  RecordingChannel email("email");
  FakeRates rates;
  rates.now.bounce_rate = 0.03;
  rates.now.bounce_level = "elevated";
  rates.now.sends = 500;
  rates.domains = {{"example.com", 100, 3, 0, 0.03, 0}};
  ChannelSchedule schedule;
  schedule.min_interval = milliseconds(0);
  schedule.digest_interval = hours(1);
  schedule.level_changes = false;
  const TimePoint start = clock_.Now();
  {
    auto worker = Worker({&email}, schedule, &rates);
    auto next = worker->RunOnce();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(*next, start + hours(1));
    Ingest({HardBounce("a@example.com"), Complaint("b@example.com")});
    clock_.Advance(minutes(59));
    worker->RunOnce();
    ASSERT_EQ(email.delivered.size(), 1u);
    EXPECT_EQ(email.delivered[0].kind, Alert::Kind::kEvents);
    clock_.Advance(minutes(1));
    worker->RunOnce();
    ASSERT_EQ(email.delivered.size(), 2u);
    const Alert& d = email.delivered[1];
    EXPECT_EQ(d.kind, Alert::Kind::kDigest);
    EXPECT_EQ(d.digest.hard_bounces, 1);
    EXPECT_EQ(d.digest.complaints, 1);
    EXPECT_EQ(d.digest.period_start_ms, ToUnixMs(start));
    EXPECT_EQ(d.digest.period_end_ms, ToUnixMs(start + hours(1)));
    EXPECT_EQ(d.digest.rates.bounce_level, "elevated");
    ASSERT_EQ(d.digest.worst_domains.size(), 1u);
    EXPECT_THAT(d.content.subject, HasSubstr("Digest: 1 hard bounce, 1 complaint"));
    EXPECT_THAT(d.content.text, HasSubstr("example.com"));
  }
  store_.reset();
  OpenStore();
  auto worker = Worker({&email}, schedule, &rates);
  clock_.Advance(minutes(59));
  worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 2u) << "a restart must not send the digest again";
  clock_.Advance(minutes(1));
  worker->RunOnce();
  ASSERT_EQ(email.delivered.size(), 3u);
  EXPECT_EQ(email.delivered[2].digest.hard_bounces, 0);
  EXPECT_EQ(email.delivered[2].digest.period_start_ms, ToUnixMs(start + hours(1)));
}

TEST_F(AlertWorkerTest, LevelChangesUpAndBackDownOnceEachAndRememberedAcrossRestarts) {
  RecordingChannel email("email");
  FakeRates rates;
  auto worker = Worker({&email}, NoDigest(minutes(5)), &rates);
  worker->RunOnce();
  EXPECT_EQ(rates.restored, "ok/ok");
  EXPECT_TRUE(email.delivered.empty());

  rates.now.bounce_rate = 0.06;
  rates.now.bounce_level = "warning";
  worker->RunOnce();
  ASSERT_EQ(email.delivered.size(), 1u);
  const Alert& up = email.delivered[0];
  EXPECT_EQ(up.kind, Alert::Kind::kLevelChange);
  EXPECT_EQ(up.level_change.rate, "bounce");
  EXPECT_EQ(up.level_change.from_level, "ok");
  EXPECT_EQ(up.level_change.to_level, "warning");
  EXPECT_DOUBLE_EQ(up.level_change.threshold, 0.05);
  EXPECT_THAT(up.content.subject, HasSubstr("Bounce rate rose to 6.00 %"));
  worker->RunOnce();
  EXPECT_EQ(email.delivered.size(), 1u) << "the same level is not news";

  worker.reset();
  store_.reset();
  OpenStore();
  worker = Worker({&email}, NoDigest(minutes(5)), &rates);
  worker->RunOnce();
  EXPECT_EQ(rates.restored, "warning/ok");
  EXPECT_EQ(email.delivered.size(), 1u) << "a restart at the same level sends nothing";

  rates.now.bounce_rate = 0.01;
  rates.now.bounce_level = "ok";
  rates.now.complaint_rate = 0.002;
  rates.now.complaint_level = "warning";
  worker->RunOnce();
  ASSERT_EQ(email.delivered.size(), 3u);
  EXPECT_EQ(email.delivered[1].level_change.rate, "bounce");
  EXPECT_EQ(email.delivered[1].level_change.to_level, "ok");
  EXPECT_DOUBLE_EQ(email.delivered[1].level_change.threshold, 0.05);
  EXPECT_THAT(email.delivered[1].content.subject, HasSubstr("fell to"));
  EXPECT_EQ(email.delivered[2].level_change.rate, "complaint");
  EXPECT_EQ(email.delivered[2].level_change.to_level, "warning");
}

TEST_F(AlertWorkerTest, ThreadSendsWithoutBeingAskedAndStops) {
  options_.poll_interval = milliseconds(20);
  RecordingChannel email("email");
  auto worker = Worker({&email}, NoDigest(milliseconds(0)));
  worker->Start();
  Ingest({HardBounce("a@example.com")});
  worker->Wake();
  // Read only thread-safe state until the thread is stopped.
  for (int i = 0; i < 1000 && (worker->attempts() == 0 || Pending() != 0); ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  worker->Stop();
  EXPECT_EQ(Pending(), 0);
  ASSERT_EQ(email.delivered.size(), 1u);
  EXPECT_EQ(email.Recipients(0), std::vector<std::string>{"a@example.com"});
}

// An HttpClient that records POSTs and answers with a chosen status.
class FakeHttp final : public net::HttpClient {
 public:
  Result<net::HttpResponse> Get(const std::string&, const net::RequestOptions&) override {
    return Internal("unexpected GET");
  }
  Result<net::HttpResponse> Post(const std::string& url, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const net::RequestOptions&) override {
    posts.push_back({url, body, headers});
    net::HttpResponse r;
    r.status = status;
    r.body = "nope";
    return r;
  }
  struct PostCall {
    std::string url;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  std::vector<PostCall> posts;
  int status = 200;
};

TEST(WebhookChannelTest, PostsJsonWithTextAndStructuredFieldsAcceptedOnlyOn2xx) {
  FakeHttp http;
  WebhookChannel channel(http, {.url = "https://hooks.example.com/T/B/x"});
  Alert alert;
  alert.events = {HardBounce("jane@example.com")};
  alert.content = FormatEventAlert(alert.events, 0, {});
  ASSERT_TRUE(channel.Deliver(alert).has_value());
  ASSERT_EQ(http.posts.size(), 1u);
  EXPECT_EQ(http.posts[0].url, "https://hooks.example.com/T/B/x");
  EXPECT_EQ(http.posts[0].headers,
            (std::vector<std::pair<std::string, std::string>>{{"Content-Type",
                                                               "application/json"}}));
  boost::json::value v = boost::json::parse(http.posts[0].body);
  EXPECT_EQ(v.at("kind").as_string(), "events");
  const std::string text(v.at("text").as_string());
  EXPECT_THAT(text, HasSubstr("jane@example.com"));
  EXPECT_THAT(text, HasSubstr("5.1.1"));
  EXPECT_THAT(text, HasSubstr("What to do"));
  EXPECT_EQ(v.at("events").at(0).at("recipient").as_string(), "jane@example.com");
  EXPECT_EQ(v.at("events").at(0).at("bounce").at("class").as_string(), "hard");

  Alert level;
  level.kind = Alert::Kind::kLevelChange;
  level.level_change = {"bounce", "warning", "at_risk", 0.10, {}};
  level.content = FormatLevelChange(level.level_change, {});
  http.status = 500;
  auto failed = channel.Deliver(level);
  ASSERT_FALSE(failed.has_value());
  EXPECT_THAT(failed.error().message(), HasSubstr("500"));
  EXPECT_THAT(failed.error().message(), Not(HasSubstr("/T/B/x"))) << "URL secrets leak";
  boost::json::value lv = boost::json::parse(http.posts[1].body);
  EXPECT_EQ(lv.at("level_change").at("to").as_string(), "at_risk");
  EXPECT_EQ(lv.at("kind").as_string(), "level_change");
}

}  // namespace
}  // namespace bw::notify
