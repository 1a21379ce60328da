// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

namespace bw {

// The kind of feedback. One event per affected recipient.
enum class EventType {
  kSend,              // SES accepted the mail for sending (event publishing "Send")
  kDelivery,          // the receiving server accepted the mail
  kBounce,            // delivery failed (hard, soft or undetermined)
  kComplaint,         // the recipient marked the mail as spam (feedback loop / ARF)
  kReject,            // SES refused to send (virus)
  kDeliveryDelay,     // delivery is being retried
  kOpen,              // the recipient opened the mail
  kClick,             // the recipient clicked a link
  kRenderingFailure,  // a template could not be rendered
  kSubscription,      // the recipient changed subscription preferences
  kAutoReply,         // an automatic reply (out of office, RFC 3834)
  kUnrecognized,      // correctly authenticated content we could not interpret; kept raw
};

// The stable wire names: "send", "delivery", "bounce", "complaint", "reject", "delivery_delay",
// "open", "click", "rendering_failure", "subscription", "auto_reply", "unrecognized".
std::string_view EventTypeName(EventType t);
std::optional<EventType> ParseEventType(std::string_view name);

// Whether a bounce makes the address permanently undeliverable.
enum class BounceClass {
  kHard,          // never deliverable again (unknown user, no such domain, suppressed)
  kSoft,          // may succeed later (mailbox full, blocked, content)
  kUndetermined,  // the provider could not tell
};
std::string_view BounceClassName(BounceClass c);  // "hard", "soft", "undetermined"
std::optional<BounceClass> ParseBounceClass(std::string_view name);

struct BounceInfo {
  BounceClass bounce_class = BounceClass::kUndetermined;
  std::string ses_type;       // SES bounceType (Permanent / Transient / Undetermined)
  std::string ses_subtype;    // SES bounceSubType (General, NoEmail, Suppressed, ...)
  std::string status;         // RFC 3463 enhanced status, e.g. "5.1.1"
  std::string action;         // RFC 3464 Action, e.g. "failed"
  std::string diagnostic;     // RFC 3464 Diagnostic-Code, e.g. "smtp; 550 5.1.1 user unknown"
  std::string reason;         // Sisimai reason name (reference/bounce-reasons.md)
  std::string reporting_mta;  // e.g. "dsn; a8-96.smtp-out.amazonses.com"
  std::string remote_mta_ip;
  std::string feedback_id;    // SES feedbackId
};

struct ComplaintInfo {
  std::string feedback_type;  // ARF Feedback-Type: abuse, fraud, not-spam, virus, other, ...
  std::string sub_type;       // SES complaintSubType (null or OnAccountSuppressionList)
  std::string user_agent;     // ARF User-Agent
  std::string arrival_date;   // ARF Arrival-Date as given
  std::string feedback_id;    // SES feedbackId
};

// The original mail the feedback is about.
struct MailInfo {
  std::string message_id;          // provider's id (SES messageId)
  std::string header_message_id;   // the mail's Message-ID header, when known
  std::string from;                // envelope sender (SES mail.source)
  std::string subject;
  std::string sent_at;             // the provider's send timestamp as given
  std::string sending_account_id;
  std::string source_arn;
  std::string source_ip;
  std::string caller_identity;
  std::string configuration_set;
  std::vector<std::string> destination;                 // every recipient of the original mail
  std::map<std::string, std::vector<std::string>> tags; // SES tags (event publishing)
  std::vector<std::pair<std::string, std::string>> headers;  // original headers, when sent
  bool headers_truncated = false;
};

// Where the event came from.
struct Origin {
  std::string sns_message_id;
  std::string topic_arn;
  std::string subscription_arn;
  std::string file;  // for mail ingestion: the file, mailbox or URL
};

// One piece of feedback about one recipient. Plain data; copyable.
struct FeedbackEvent {
  std::string id;           // assigned by the store when empty (time-ordered, unique)
  EventType type = EventType::kUnrecognized;
  std::string recipient;    // the affected address as the provider gave it
  int64_t occurred_at_ms = 0;  // when it happened (provider's timestamp); 0 when unknown
  int64_t received_at_ms = 0;  // when bouncewatch received it
  std::string source;       // "ses", "mail", "simulator", ...
  std::optional<BounceInfo> bounce;
  std::optional<ComplaintInfo> complaint;
  MailInfo mail;
  Origin origin;
  // Type-specific details that have no column: delivery (smtp_response, processing_time_ms,
  // reporting_mta, remote_mta_ip), delivery_delay (delay_type, status, diagnostic,
  // expiration_time), open/click (ip_address, user_agent, link, link_tags), reject (reason),
  // rendering_failure (template_name, error_message), subscription (...), unrecognized (raw).
  boost::json::object details;
};

}  // namespace bw
