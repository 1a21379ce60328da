// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/feedback_event.h"
#include "core/result.h"
#include "net/http_client.h"
#include "notify/alert_format.h"
#include "notify/mailer.h"

namespace bw::notify {

// One alert as it leaves bouncewatch: the text for people plus the structured facts (for the
// webhook's JSON). Plain data.
struct Alert {
  enum class Kind {
    kEvents,       // hard bounces and complaints, gathered (events, omitted)
    kLevelChange,  // a rate moved to another level (level_change)
    kDigest,       // the periodic summary (digest)
  };
  Kind kind = Kind::kEvents;
  AlertContent content;  // subject, text, html (alert_format.h)
  std::vector<FeedbackEvent> events;
  size_t omitted = 0;
  LevelChange level_change;
  Digest digest;
};
std::string_view AlertKindName(Alert::Kind k);  // "events", "level_change", "digest"

// Where alerts go: e-mail, webhook. Deliver is called by the one alert worker thread.
class AlertChannel {
 public:
  virtual ~AlertChannel() = default;
  // The channel's name in the outbox and in `[alerts.<name>]`: "email", "webhook".
  virtual std::string_view name() const = 0;
  // Done (OK) only when the receiver accepted the alert. Any error means "not delivered": the
  // worker keeps the alert and retries it later, whatever the code.
  virtual Status Deliver(const Alert& alert) = 0;
};

// `[alerts.email]`: alerts as multipart mails (text + HTML) through a Mailer.
class EmailChannel final : public AlertChannel {
 public:
  // `mailer` must outlive the channel. REQUIRES: from and to set.
  EmailChannel(Mailer& mailer, std::string from, std::vector<std::string> to);
  std::string_view name() const override { return "email"; }
  Status Deliver(const Alert& alert) override;

 private:
  Mailer& mailer_;
  const std::string from_;
  const std::vector<std::string> to_;
};

// `[alerts.webhook]`: alerts as JSON POSTs (WebhookBody). Accepted = any 2xx answer.
class WebhookChannel final : public AlertChannel {
 public:
  struct Options {
    std::string url;  // http:// or https://
    std::string instance_name = "bouncewatch";  // "instance" in the JSON
    // Default: 5 s to connect, 15 s in all.
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
    std::chrono::milliseconds timeout = std::chrono::seconds(15);
  };
  // `client` must outlive the channel.
  WebhookChannel(net::HttpClient& client, Options options);
  std::string_view name() const override { return "webhook"; }
  Status Deliver(const Alert& alert) override;

 private:
  net::HttpClient& client_;
  const Options options_;
};

// The webhook's JSON body: {"text": subject + the plain-text body (so that a Slack-style
// incoming webhook shows it), "kind": "events"|"level_change"|"digest", "subject", and the
// structured part: "events" (the events' public JSON form) and "omitted"; or "level_change"
// {"rate", "from", "to", "threshold", "rates": {...}}; or "digest" {...}}.
std::string WebhookBody(const Alert& alert, std::string_view instance_name);

}  // namespace bw::notify
