// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace bw::app {

// What a channel is told about. Names as written in `triggers`.
inline constexpr const char* kTriggerHardBounce = "hard_bounce";
inline constexpr const char* kTriggerComplaint = "complaint";
inline constexpr const char* kTriggerLevelChange = "level_change";

// Shared by both channels.
struct AlertChannelCommon {
  // Hard bounces and complaints: at most one alert per min_interval, the rest gathered into the
  // next one. Default: 5m.
  std::chrono::milliseconds min_interval{5 * 60 * 1000};
  // A digest every digest_interval; "0" = none. Default: 24h.
  std::chrono::milliseconds digest_interval{24LL * 3600 * 1000};
  // What else is sent: any of "hard_bounce", "complaint", "level_change". Default: all three.
  std::vector<std::string> triggers{kTriggerHardBounce, kTriggerComplaint, kTriggerLevelChange};

  bool Has(const char* trigger) const {
    for (const std::string& t : triggers) {
      if (t == trigger) {
        return true;
      }
    }
    return false;
  }
};

// [alerts.email]: readable alert mails through an SMTP relay (libcurl).
struct EmailAlertConfig : AlertChannelCommon {
  // smtp://host[:port] (STARTTLS when offered, port 25) or smtps://host[:port] (TLS, 465).
  // Empty = no e-mail alerts. Default: empty.
  std::string smtp_url;
  std::string from;             // envelope sender and From: address; required with smtp_url
  std::vector<std::string> to;  // at least one with smtp_url
  std::string username;         // AUTH login; empty = no AUTH
  // AUTH password; better from BOUNCEWATCH_ALERTS_EMAIL_PASSWORD than from the file.
  std::string password;
  // STARTTLS on smtp:// URLs: "when_offered" (default), "required", "never".
  std::string starttls = "when_offered";
  std::string ca_file;    // extra CA bundle (PEM) for the relay; empty = system store
  bool insecure = false;  // skip certificate verification (tests only). Default: false

  bool enabled() const { return !smtp_url.empty(); }
};

// [alerts.webhook]: the same alerts as JSON POSTs with a `text` field (Slack-style incoming
// webhooks show it) plus structured fields.
struct WebhookAlertConfig : AlertChannelCommon {
  std::string url;  // https:// (or http://); empty = no webhook. Default: empty
  std::chrono::milliseconds timeout{15000};  // per POST. Default: 15s

  bool enabled() const { return !url.empty(); }
};

// [alerts]: shared settings and the two channels.
struct AlertsConfig {
  // Shown in brackets at the start of every subject. Default: "bouncewatch".
  std::string instance_name = "bouncewatch";
  // When set, alerts link to the dashboard. Default: server.public_url.
  std::string dashboard_url;
  // Back-off after a failed delivery: retry_initial, doubling, at most retry_max. Alerts are
  // never dropped. Default: 30s, 1h.
  std::chrono::milliseconds retry_initial{30000};
  std::chrono::milliseconds retry_max{3600000};
  // How often the worker looks at the outbox when nothing woke it. Default: 1s.
  std::chrono::milliseconds poll_interval{1000};
  EmailAlertConfig email;
  WebhookAlertConfig webhook;

  bool any() const { return email.enabled() || webhook.enabled(); }
};

// Lines for `check-config` ("  alerts.email ...", "  alerts.webhook ...", each ending in a
// newline; "  alerts               off" when none): never a password, and the webhook URL only
// as scheme and host (its path often is the secret).
std::string DescribeAlerts(const AlertsConfig& alerts);

// Throws ConfigError (naming `source`) when a configured channel is incomplete or a value is out
// of range: smtp_url scheme, from/to, starttls, triggers, webhook URL scheme, intervals.
void ValidateAlerts(const AlertsConfig& alerts, const std::string& source);

}  // namespace bw::app
