// SPDX-License-Identifier: Apache-2.0
#include "app/alert_service.h"

#include <cctype>
#include <mutex>
#include <utility>

#include "app/config.h"
#include "metrics/level_tracker.h"
#include "net/curl_http_client.h"
#include "notify/alert_channel.h"
#include "notify/alert_worker.h"
#include "notify/rate_source.h"
#include "notify/smtp_mailer.h"

namespace bw::app {
namespace {

bool IsHardBounce(const FeedbackEvent& e) {
  return e.type == EventType::kBounce && e.bounce && e.bounce->bounce_class == BounceClass::kHard;
}

// RFC 3986 percent-encoding of everything but unreserved characters (user-info in a URL).
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

notify::RateSnapshot Snapshot(const metrics::Reputation& r) {
  notify::RateSnapshot s;
  s.bounce_rate = r.bounce_rate;
  s.complaint_rate = r.complaint_rate;
  s.bounce_level = std::string(metrics::LevelName(r.bounce_level));
  s.complaint_level = std::string(metrics::LevelName(r.complaint_level));
  s.sends = r.sends;
  s.hard_bounces = r.hard_bounces;
  s.complaints = r.complaints;
  s.send_source = std::string(metrics::SendSourceName(r.send_source));
  s.low_confidence = r.low_confidence;
  s.window_start_ms = r.window_start_ms;
  s.as_of_ms = r.as_of_ms;
  return s;
}

// notify::RateSource over the App's live ReputationCounter, with metrics::LevelTracker's
// hysteresis deciding the levels that alerts report.
class ReputationRateSource final : public notify::RateSource {
 public:
  ReputationRateSource(const metrics::ReputationCounter& counter, metrics::ReputationConfig config)
      : counter_(counter), config_(std::move(config)), tracker_({}, config_) {}

  void RestoreLevels(std::string_view bounce, std::string_view complaint) override {
    tracker_.SetLevelsForRestore(metrics::ParseLevel(bounce).value_or(metrics::Level::kOk),
                                 metrics::ParseLevel(complaint).value_or(metrics::Level::kOk));
  }

  notify::RateSnapshot Current() override {
    const metrics::Reputation r = counter_.Compute();
    tracker_.Observe(r);
    notify::RateSnapshot s = Snapshot(r);
    s.bounce_level = std::string(metrics::LevelName(tracker_.bounce_level()));
    s.complaint_level = std::string(metrics::LevelName(tracker_.complaint_level()));
    return s;
  }

  double LineOf(std::string_view rate, std::string_view level) const override {
    const bool bounce = rate != "complaint";
    switch (metrics::ParseLevel(level).value_or(metrics::Level::kOk)) {
      case metrics::Level::kOk:
        return 0;
      case metrics::Level::kElevated:
        return bounce ? config_.bounce_elevated
                      : config_.complaint_elevated.value_or(config_.complaint_warning);
      case metrics::Level::kWarning:
        return bounce ? config_.bounce_warning : config_.complaint_warning;
      case metrics::Level::kAtRisk:
        return bounce ? config_.bounce_at_risk : config_.complaint_at_risk;
    }
    return 0;
  }

  std::vector<notify::DomainLine> WorstDomains(size_t limit) override {
    std::vector<notify::DomainLine> out;
    for (const metrics::BreakdownRow& row :
         counter_.Breakdown(metrics::Dimension::kRecipientDomain, limit)) {
      const metrics::Reputation& r = row.reputation;
      if (r.hard_bounces == 0 && r.complaints == 0) {
        continue;  // worst first: the rest have no problems either
      }
      out.push_back(notify::DomainLine{row.key.empty() ? "(none)" : row.key, r.sends,
                                       r.hard_bounces, r.complaints, r.bounce_rate,
                                       r.complaint_rate});
    }
    return out;
  }

 private:
  const metrics::ReputationCounter& counter_;
  const metrics::ReputationConfig config_;
  metrics::LevelTracker tracker_;  // used by the worker thread only
};

notify::ChannelSchedule Schedule(const AlertChannelCommon& c) {
  notify::ChannelSchedule s;
  s.min_interval = c.min_interval;
  s.digest_interval = c.digest_interval;
  s.level_changes = c.Has(kTriggerLevelChange);
  return s;
}

}  // namespace

store::AlertRule MakeAlertRule(const AlertsConfig& alerts) {
  if (!alerts.any()) {
    return {};
  }
  return [alerts](const FeedbackEvent& e) -> std::vector<std::string> {
    std::vector<std::string> channels;
    const char* trigger = IsHardBounce(e)                      ? kTriggerHardBounce
                          : e.type == EventType::kComplaint ? kTriggerComplaint
                                                               : nullptr;
    if (trigger == nullptr) {
      return channels;
    }
    if (alerts.email.enabled() && alerts.email.Has(trigger)) {
      channels.emplace_back("email");
    }
    if (alerts.webhook.enabled() && alerts.webhook.Has(trigger)) {
      channels.emplace_back("webhook");
    }
    return channels;
  };
}

bool IsAlertWorthy(const AlertsConfig& alerts, const FeedbackEvent& e) {
  if (!alerts.any()) {
    return false;
  }
  const char* trigger = IsHardBounce(e)                      ? kTriggerHardBounce
                        : e.type == EventType::kComplaint ? kTriggerComplaint
                                                             : nullptr;
  return trigger != nullptr && ((alerts.email.enabled() && alerts.email.Has(trigger)) ||
                                (alerts.webhook.enabled() && alerts.webhook.Has(trigger)));
}

struct AlertService::Parts {
  std::unique_ptr<notify::CurlSmtpMailer> mailer;
  std::unique_ptr<notify::EmailChannel> email;
  std::unique_ptr<net::CurlHttpClient> http;
  std::unique_ptr<notify::WebhookChannel> webhook;
  std::unique_ptr<ReputationRateSource> rates;
  std::unique_ptr<notify::AlertWorker> worker;  // last: stopped and destroyed first
};

AlertService::AlertService() : parts_(std::make_unique<Parts>()) {}

AlertService::~AlertService() { Stop(); }

std::unique_ptr<AlertService> AlertService::Create(
    const AlertsConfig& alerts, const std::string& outbound_ca_file, store::Store& store,
    const Clock& clock, const metrics::ReputationCounter* reputation,
    const metrics::ReputationConfig& reputation_config) {
  std::unique_ptr<AlertService> service(new AlertService());
  Parts& p = *service->parts_;
  std::vector<notify::AlertWorker::Channel> channels;

  if (alerts.email.enabled()) {
    const EmailAlertConfig& e = alerts.email;
    notify::SmtpOptions smtp;
    smtp.url = e.smtp_url;
    if (!e.username.empty()) {
      const size_t scheme_end = smtp.url.find("://") + 3;
      smtp.url.insert(scheme_end, PercentEncode(e.username) +
                                      (e.password.empty() ? "" : ":" + PercentEncode(e.password)) +
                                      "@");
    }
    smtp.starttls = e.starttls == "required" ? notify::SmtpOptions::StartTls::kRequired
                    : e.starttls == "never"  ? notify::SmtpOptions::StartTls::kNever
                                             : notify::SmtpOptions::StartTls::kWhenOffered;
    smtp.ca_file = e.ca_file;
    smtp.verify_peer = !e.insecure;
    auto mailer = notify::CurlSmtpMailer::Create(smtp, clock);
    if (!mailer) {
      throw ConfigError("alerts.email: " + mailer.error().message());
    }
    p.mailer = std::move(*mailer);
    p.email = std::make_unique<notify::EmailChannel>(*p.mailer, e.from, e.to);
    channels.push_back({p.email.get(), Schedule(e)});
  }
  if (alerts.webhook.enabled()) {
    const WebhookAlertConfig& w = alerts.webhook;
    net::CurlClientOptions curl;
    curl.ca_file = outbound_ca_file;
    curl.user_agent = "bouncewatch/0.1 alerts";
    curl.allow_http = w.url.rfind("http://", 0) == 0;
    p.http = std::make_unique<net::CurlHttpClient>(curl);
    notify::WebhookChannel::Options options;
    options.url = w.url;
    options.timeout = w.timeout;
    options.instance_name = alerts.instance_name;
    p.webhook = std::make_unique<notify::WebhookChannel>(*p.http, options);
    channels.push_back({p.webhook.get(), Schedule(w)});
  }
  if (reputation != nullptr) {
    p.rates = std::make_unique<ReputationRateSource>(*reputation, reputation_config);
  }

  notify::AlertWorkerOptions options;
  options.format.instance_name = alerts.instance_name;
  options.format.dashboard_url = alerts.dashboard_url;
  options.retry_initial = alerts.retry_initial;
  options.retry_max = alerts.retry_max;
  options.poll_interval = alerts.poll_interval;
  p.worker = std::make_unique<notify::AlertWorker>(options, store, clock, std::move(channels),
                                                   p.rates.get());
  return service;
}

void AlertService::Start() { parts_->worker->Start(); }

void AlertService::Stop() {
  if (parts_ && parts_->worker) {
    parts_->worker->Stop();
  }
}

void AlertService::Wake() { parts_->worker->Wake(); }

int64_t AlertService::depth() const { return parts_->worker->outbox_depth(); }

}  // namespace bw::app
