// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/app.h"
#include "app/config.h"
#include "core/time_format.h"
#include "ingest/sns/signature.h"
#include "ingest/sns/sns_message.h"
#include "testing/fake_clock.h"
#include "testing/http_test_client.h"
#include "testing/test_data.h"

namespace bw::testing {

inline constexpr const char* kTopic = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
inline constexpr const char* kSyntheticCertUrl =
    "https://sns.us-east-1.amazonaws.com/"
    "SimpleNotificationService-00000000000000000000000000000000.pem";

// A real bouncewatch App on 127.0.0.1:0 with SQLite in a temp dir, trusting the synthetic test
// certificate (pinned to its fake SNS URL), with an injected FakeClock.
class AppFixture {
 public:
  AppFixture() : clock_(FromUnixMs(*ParseIso8601Ms("2026-11-30T03:00:00Z"))) {
    config_.data_dir = (dir_.path() / "data").string();
    config_.server.listen = "127.0.0.1:0";
    config_.store.url = "sqlite:" + (dir_.path() / "data" / "bw.db").string();
    config_.sns.topics = {kTopic};
    config_.sns.cert_cache_dir = (dir_.path() / "data" / "certs").string();
    config_.sns.pinned_certs[kSyntheticCertUrl] =
        DataPath("sns/synthetic/synthetic-test-signing-cert.pem").string();
    config_.server.threads = 2;
    key_ = ReadData("sns/synthetic/synthetic-test-signing-key.pem");
  }

  app::Config& config() { return config_; }
  FakeClock& clock() { return clock_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  void Start() {
    app_ = app::App::Create(config_, clock_);
    auto s = app_->Start();
    if (s.has_error()) {
      throw std::runtime_error(s.error().message());
    }
    client_ = std::make_unique<TestHttpClient>(app_->port());
  }
  void Stop() {
    client_.reset();
    app_.reset();
  }
  app::App& app() { return *app_; }
  TestHttpClient& client() { return *client_; }

  // A Notification carrying `message`, signed now with the synthetic key.
  sns::SnsMessage Notification(const std::string& message, const std::string& message_id,
                               int version = 2) {
    sns::SnsMessage m;
    m.type = sns::SnsMessageType::kNotification;
    m.message_id = message_id;
    m.topic_arn = kTopic;
    m.message = message;
    m.timestamp = FormatIso8601Ms(ToUnixMs(clock_.Now()));
    m.timestamp_ms = ToUnixMs(clock_.Now());
    m.signing_cert_url = kSyntheticCertUrl;
    m.unsubscribe_url =
        "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" +
        std::string(kTopic) + ":0d7f6a2e";
    auto signed_ok = sns::SignSnsMessage(m, key_, version);
    if (signed_ok.has_error()) {
      throw std::runtime_error(signed_ok.error().message());
    }
    return m;
  }

  // Posts a body as SNS does (text/plain, x-amz-sns-* headers taken from `m`).
  HttpResult Post(const sns::SnsMessage& m, const std::string& body) {
    return client_->Post("/webhooks/sns", body,
                         {{"Content-Type", "text/plain; charset=UTF-8"},
                          {"x-amz-sns-message-type", std::string(sns::SnsMessageTypeName(m.type))},
                          {"x-amz-sns-message-id", m.message_id},
                          {"x-amz-sns-topic-arn", m.topic_arn},
                          {"User-Agent", "Amazon Simple Notification Service Agent"}});
  }
  HttpResult Post(const sns::SnsMessage& m) { return Post(m, sns::SerializeSnsMessage(m)); }

  // Every stored event (newest first), optionally only those from one SNS message.
  std::vector<FeedbackEvent> Events(const std::string& sns_message_id = {}) {
    store::EventQuery q;
    q.limit = 100000;
    auto all = app_->store().QueryEvents(q);
    if (all.has_error()) {
      throw std::runtime_error(all.error().message());
    }
    std::vector<FeedbackEvent> out;
    for (auto& e : *all) {
      if (sns_message_id.empty() || e.origin.sns_message_id == sns_message_id) {
        out.push_back(std::move(e));
      }
    }
    return out;
  }

 private:
  TempDir dir_;
  FakeClock clock_;
  app::Config config_;
  std::string key_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<TestHttpClient> client_;
};

}  // namespace bw::testing
