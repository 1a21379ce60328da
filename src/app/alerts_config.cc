// SPDX-License-Identifier: Apache-2.0
#include "app/alerts_config.h"

#include "app/config.h"
#include "core/time_format.h"

namespace bw::app {
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool PlainAddress(const std::string& a) {
  const size_t at = a.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" <>\r\n,;") == std::string::npos;
}

void CheckCommon(const AlertChannelCommon& c, const std::string& prefix,
                 const std::string& source) {
  if (c.min_interval.count() < 0 || c.digest_interval.count() < 0) {
    throw ConfigError(source + ": " + prefix + " intervals must not be negative");
  }
  if (c.digest_interval.count() > 0 && c.digest_interval < std::chrono::minutes(1)) {
    throw ConfigError(source + ": " + prefix +
                      ".digest_interval must be at least 1m (or \"0\" for no digests)");
  }
  for (const std::string& t : c.triggers) {
    if (t != kTriggerHardBounce && t != kTriggerComplaint && t != kTriggerLevelChange) {
      throw ConfigError(source + ": " + prefix + ".triggers entry \"" + t +
                        "\" is not one of hard_bounce, complaint, level_change");
    }
  }
}

std::string Schedule(const AlertChannelCommon& c) {
  std::string triggers;
  for (const std::string& t : c.triggers) {
    triggers += (triggers.empty() ? "" : ", ") + t;
  }
  return "min_interval " + FormatDuration(c.min_interval) + ", digest " +
         (c.digest_interval.count() == 0 ? std::string("off")
                                         : "every " + FormatDuration(c.digest_interval)) +
         ", triggers " + (triggers.empty() ? std::string("none") : triggers);
}

}  // namespace

std::string DescribeAlerts(const AlertsConfig& a) {
  if (!a.any()) {
    return "  alerts               off (no [alerts.email] smtp_url, no [alerts.webhook] url)\n";
  }
  std::string out;
  if (a.email.enabled()) {
    const EmailAlertConfig& e = a.email;
    out += "  alerts.email         " + e.smtp_url + " (STARTTLS " + e.starttls +
           (e.username.empty() ? ", no AUTH"
                               : ", AUTH as " + e.username +
                                     (e.password.empty() ? ", no password" : ", password set")) +
           (e.insecure ? ", certificate NOT verified" : "") + ") from " + e.from + " to " +
           std::to_string(e.to.size()) + (e.to.size() == 1 ? " address" : " addresses") + "; " +
           Schedule(e) + "\n";
  }
  if (a.webhook.enabled()) {
    const std::string& u = a.webhook.url;
    const size_t scheme = u.find("://");
    const size_t path = scheme == std::string::npos ? std::string::npos : u.find('/', scheme + 3);
    out += "  alerts.webhook       " + u.substr(0, path) + "/... ; " + Schedule(a.webhook) + "\n";
  }
  return out;
}

void ValidateAlerts(const AlertsConfig& a, const std::string& source) {
  if (a.retry_initial < std::chrono::milliseconds(10) || a.retry_max < a.retry_initial) {
    throw ConfigError(source +
                      ": alerts.retry_initial must be at least 10ms and alerts.retry_max at "
                      "least retry_initial");
  }
  if (a.poll_interval < std::chrono::milliseconds(10) || a.poll_interval > std::chrono::minutes(1)) {
    throw ConfigError(source + ": alerts.poll_interval must be between 10ms and 1m");
  }
  const EmailAlertConfig& e = a.email;
  if (e.enabled()) {
    if (!StartsWith(e.smtp_url, "smtp://") && !StartsWith(e.smtp_url, "smtps://")) {
      throw ConfigError(source + ": alerts.email.smtp_url must start with smtp:// or smtps://");
    }
    if (e.smtp_url.find('@') != std::string::npos) {
      throw ConfigError(source +
                        ": alerts.email.smtp_url must not hold a login; use alerts.email.username "
                        "and BOUNCEWATCH_ALERTS_EMAIL_PASSWORD");
    }
    if (!PlainAddress(e.from)) {
      throw ConfigError(source +
                        ": alerts.email.from must be a plain address such as "
                        "\"bouncewatch@example.com\"");
    }
    if (e.to.empty()) {
      throw ConfigError(source + ": alerts.email.to must list at least one address");
    }
    for (const std::string& to : e.to) {
      if (!PlainAddress(to)) {
        throw ConfigError(source + ": alerts.email.to entry \"" + to +
                          "\" is not a plain address such as \"ops@example.com\"");
      }
    }
    if (e.starttls != "when_offered" && e.starttls != "required" && e.starttls != "never") {
      throw ConfigError(source +
                        ": alerts.email.starttls must be when_offered, required or never");
    }
    if (e.password.empty() != e.username.empty() && !e.password.empty()) {
      throw ConfigError(source + ": alerts.email.password is set but alerts.email.username is "
                                 "not");
    }
    CheckCommon(e, "alerts.email", source);
  }
  const WebhookAlertConfig& w = a.webhook;
  if (w.enabled()) {
    if (!StartsWith(w.url, "https://") && !StartsWith(w.url, "http://")) {
      throw ConfigError(source + ": alerts.webhook.url must start with https:// or http://");
    }
    const size_t authority = w.url.find("://") + 3;
    const size_t authority_end = w.url.find_first_of("/?#", authority);
    if (w.url.substr(authority, authority_end - authority).find('@') != std::string::npos) {
      throw ConfigError(source + ": alerts.webhook.url must not hold a login (user@host); put "
                                 "the token in the path or query as the service documents");
    }
    if (w.timeout < std::chrono::seconds(1)) {
      throw ConfigError(source + ": alerts.webhook.timeout must be at least 1s");
    }
    CheckCommon(w, "alerts.webhook", source);
  }
}

}  // namespace bw::app
