// SPDX-License-Identifier: Apache-2.0
#include "sim/ses_notification.h"

#include <cstdio>
#include <ctime>
#include <random>

#include <boost/json.hpp>

#include "core/time_format.h"

namespace bw::sim {
namespace json = boost::json;
namespace {

constexpr struct {
  Scenario scenario;
  const char* name;
} kScenarioNames[] = {
    {Scenario::kSuccess, "success"},     {Scenario::kBounce, "bounce"},
    {Scenario::kComplaint, "complaint"}, {Scenario::kSuppressionList, "suppressionlist"},
    {Scenario::kOoto, "ooto"},           {Scenario::kCustom, "custom"},
};

// What SES writes for each suppression list (observed SES payloads; the diagnostic is SES's own
// text, not an SMTP reply, and reportingMTA names SES itself because no remote MTA was involved).
constexpr const char* kAccountSuppressedDiagnostic =
    "Amazon SES did not send the message to this address because it is on the suppression list "
    "for your account. For more information about removing addresses from the suppression list, "
    "see the Amazon SES Developer Guide at "
    "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html";
constexpr const char* kGlobalSuppressedDiagnostic =
    "Amazon SES has suppressed sending to this address because it has a recent history of "
    "bouncing as an invalid address. For more information about how to remove an address from "
    "the suppression list, see the Amazon SES Developer Guide: "
    "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html ";

constexpr const char* kSourceIp = "192.0.2.10";
constexpr const char* kRemoteMtaIp = "192.0.2.25";
constexpr const char* kCallerIdentity = "bouncewatch-simulator";
constexpr int64_t kProcessingMs = 500;

std::string Hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::string DomainOf(const std::string& address) {
  auto at = address.rfind('@');
  std::string domain = at == std::string::npos ? address : address.substr(at + 1);
  auto gt = domain.find('>');
  if (gt != std::string::npos) {
    domain.resize(gt);
  }
  return domain;
}

json::object MailObject(const NotificationOptions& o, const std::string& recipient,
                        int64_t mail_ms) {
  const std::string message_id = NewSesMessageId(mail_ms);
  const std::string mail_ts = FormatIso8601Ms(mail_ms);
  const std::string from_domain = DomainOf(o.from);
  // RFC 5322 Date of the sent mail.
  char date[64];
  std::time_t t = static_cast<std::time_t>(mail_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

  json::object mail;
  mail["timestamp"] = mail_ts;
  mail["source"] = o.from;
  mail["sourceArn"] =
      "arn:aws:ses:" + o.region + ":" + o.sending_account_id + ":identity/" + from_domain;
  if (o.format == SesFormat::kIdentity) {
    // Identity notifications carry these; event records put them in tags instead.
    mail["sourceIp"] = kSourceIp;
    mail["callerIdentity"] = kCallerIdentity;
  }
  mail["sendingAccountId"] = o.sending_account_id;
  mail["messageId"] = message_id;
  mail["destination"] = json::array{json::value(recipient)};
  mail["headersTruncated"] = false;
  const std::string header_message_id = "<" + message_id + "@email.amazonses.com>";
  json::array headers;
  auto add = [&headers](const char* name, const std::string& value) {
    headers.push_back(json::object{{"name", name}, {"value", value}});
  };
  add("From", o.from);
  add("To", recipient);
  add("Subject", o.subject);
  add("Message-ID", header_message_id);
  add("Date", date);
  add("MIME-Version", "1.0");
  add("Content-Type", "text/plain; charset=UTF-8");
  add("Content-Transfer-Encoding", "7bit");
  mail["headers"] = std::move(headers);
  json::object common;
  common["from"] = json::array{json::value(o.from)};
  common["date"] = date;
  common["to"] = json::array{json::value(recipient)};
  common["messageId"] = header_message_id;
  common["subject"] = o.subject;
  mail["commonHeaders"] = std::move(common);
  if (o.format == SesFormat::kEvent) {
    json::object tags;
    tags["ses:operation"] = json::array{"SendEmail"};
    tags["ses:configuration-set"] = json::array{json::value(o.configuration_set)};
    tags["ses:source-ip"] = json::array{kSourceIp};
    tags["ses:from-domain"] = json::array{json::value(from_domain)};
    tags["ses:caller-identity"] = json::array{kCallerIdentity};
    tags["ses:outgoing-ip"] = json::array{"54.240.8.1"};
    mail["tags"] = std::move(tags);
  }
  return mail;
}

// A bounce object. `dsn` = the recipient entry carries DSN fields (action, status, diagnostic).
json::object BounceObject(const NotificationOptions& o, const std::string& recipient,
                          const std::string& now, const char* type, const char* subtype,
                          const char* status, const char* diagnostic, const char* reporting_mta,
                          bool remote_mta) {
  json::object entry;
  entry["emailAddress"] = recipient;
  if (status != nullptr) {
    entry["action"] = "failed";
    entry["status"] = status;
    entry["diagnosticCode"] = diagnostic;
  }
  json::object b;
  b["feedbackId"] = NewSesMessageId(*ParseIso8601Ms(now));
  b["bounceType"] = type;
  b["bounceSubType"] = subtype;
  b["bouncedRecipients"] = json::array{std::move(entry)};
  b["timestamp"] = now;
  if (remote_mta && o.format == SesFormat::kIdentity) {
    b["remoteMtaIp"] = kRemoteMtaIp;
  }
  if (reporting_mta != nullptr) {
    b["reportingMTA"] = reporting_mta;
  }
  return b;
}

}  // namespace

std::string_view ScenarioName(Scenario s) {
  for (const auto& e : kScenarioNames) {
    if (e.scenario == s) {
      return e.name;
    }
  }
  return "unknown";
}

std::optional<Scenario> ParseScenario(std::string_view name) {
  for (const auto& e : kScenarioNames) {
    if (name == e.name) {
      return e.scenario;
    }
  }
  return std::nullopt;
}

std::string_view SesFormatName(SesFormat f) { return f == SesFormat::kEvent ? "event" : "ses"; }

std::optional<SesFormat> ParseSesFormat(std::string_view name) {
  if (name == "ses") {
    return SesFormat::kIdentity;
  }
  if (name == "event") {
    return SesFormat::kEvent;
  }
  return std::nullopt;
}

std::string RecipientFor(const NotificationOptions& options) {
  if (!options.recipient.empty()) {
    return options.recipient;
  }
  std::string local(ScenarioName(options.scenario));
  if (!options.label.empty()) {
    local += "+" + options.label;
  }
  return local + "@" + kSimulatorDomain;
}

std::string NewUuid() {
  auto& rng = Rng();
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  std::string h = Hex(hi, 16) + Hex(lo, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string NewSesMessageId(int64_t unix_ms) {
  return "01000" + Hex(static_cast<uint64_t>(unix_ms) & 0xFFFFFFFFFFFULL, 11) + "-" + NewUuid() +
         "-000000";
}

Result<std::string> BuildSesNotification(const NotificationOptions& o, const Clock& clock) {
  if (o.scenario == Scenario::kCustom) {
    return InvalidInput("the custom scenario sends a notification file, it builds nothing");
  }
  const std::string recipient = RecipientFor(o);
  if (recipient.empty()) {
    return InvalidInput("the recipient is empty");
  }
  const int64_t now_ms = ToUnixMs(clock.Now());
  const std::string now = FormatIso8601Ms(now_ms);
  const bool event = o.format == SesFormat::kEvent;

  json::object root;
  const char* type_key = event ? "eventType" : "notificationType";
  switch (o.scenario) {
    case Scenario::kSuccess: {
      root[type_key] = "Delivery";
      json::object d;
      d["timestamp"] = now;
      d["processingTimeMillis"] = kProcessingMs;
      d["recipients"] = json::array{json::value(recipient)};
      d["smtpResponse"] = "250 2.6.0 Message received";
      d["reportingMTA"] = "a8-70.smtp-out.amazonses.com";
      if (!event) {
        d["remoteMtaIp"] = kRemoteMtaIp;
      }
      root["delivery"] = std::move(d);
      break;
    }
    case Scenario::kBounce:
      root[type_key] = "Bounce";
      root["bounce"] = BounceObject(o, recipient, now, "Permanent", "General", "5.1.1",
                                    "smtp; 550 5.1.1 user unknown",
                                    "dsn; a8-96.smtp-out.amazonses.com", /*remote_mta=*/true);
      break;
    case Scenario::kSuppressionList: {
      root[type_key] = "Bounce";
      const bool account = o.suppression == SuppressionList::kAccount;
      root["bounce"] = BounceObject(
          o, recipient, now, "Permanent", account ? "OnAccountSuppressionList" : "Suppressed",
          "5.1.1", account ? kAccountSuppressedDiagnostic : kGlobalSuppressedDiagnostic,
          "dns; amazonses.com", /*remote_mta=*/false);
      break;
    }
    case Scenario::kOoto:
      // The RFC 3834 auto-reply is not a DSN: SES reports it as a Transient/General bounce with
      // the address only (sns-ses-protocol.md §4; not counted in the bounce rate).
      root[type_key] = "Bounce";
      root["bounce"] = BounceObject(o, recipient, now, "Transient", "General", nullptr, nullptr,
                                    nullptr, /*remote_mta=*/false);
      break;
    case Scenario::kComplaint: {
      root[type_key] = "Complaint";
      json::object c;
      c["feedbackId"] = NewSesMessageId(now_ms);
      c["complaintSubType"] = nullptr;
      c["complainedRecipients"] =
          json::array{json::object{{"emailAddress", json::value(recipient)}}};
      c["timestamp"] = now;
      c["userAgent"] = "Amazon SES Mailbox Simulator";
      c["complaintFeedbackType"] = "abuse";
      c["arrivalDate"] = FormatIso8601Ms(now_ms - kProcessingMs / 2);
      root["complaint"] = std::move(c);
      break;
    }
    case Scenario::kCustom:
      break;
  }
  root["mail"] = MailObject(o, recipient, now_ms - kProcessingMs);
  return json::serialize(root);
}

Status CheckSesJson(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) {
    return InvalidInput("it is not valid JSON (" + ec.message() + ")");
  }
  const json::object* obj = v.if_object();
  if (obj == nullptr) {
    return InvalidInput("it is not a JSON object");
  }
  const json::value* type = obj->if_contains("notificationType");
  if (type == nullptr) {
    type = obj->if_contains("eventType");
  }
  if (type == nullptr || !type->is_string()) {
    return InvalidInput("it has no string \"notificationType\" or \"eventType\"");
  }
  const json::value* mail = obj->if_contains("mail");
  if (mail == nullptr || !mail->is_object()) {
    return InvalidInput("it has no \"mail\" object");
  }
  return {};
}

}  // namespace bw::sim
