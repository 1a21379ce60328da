// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/feedback_event.h"
#include "core/result.h"
#include "ingest/mail/mail.h"

namespace bw::mail {

// How ParseMail works. Copyable; the defaults suit `parse-mail` and `ingest-mail`.
struct ParseOptions {
  size_t max_bytes = 25u << 20;  // Default: 25 MiB; a larger mail is kTooLarge
  int max_depth = 16;            // Default: 16 nested MIME levels (deeper parts are ignored)
  int max_parts = 1000;          // Default: 1,000 MIME parts (further parts are ignored)
  // VERP envelope pattern ([mail] verp_pattern): "{local}" and "{domain}" mark the encoded
  // recipient inside the local part of the address the bounce was sent to.
  // Default: "bounces+{local}={domain}@" (bounces+user=example.com@sender.example).
  std::string verp_pattern = "bounces+{local}={domain}@";
  // Which MIME reader takes the mail apart (mail.h): the fast path with GMime as fallback by
  // default; tests and benchmarks force one.
  MimeEngine engine = MimeEngine::kAuto;
  // Whether results get the fields that link them to the original message
  // (MailResult::original_message_id, provider_message_id, original_from, original_subject,
  // verp_recipient): what ToEvents stores. False leaves them empty, for callers that never read
  // them (`parse-mail` prints none of them): finding them decodes the original's header fields.
  // Default: true.
  bool original_fields = true;
};

// One recipient's outcome found in a bounce, complaint or auto-reply. Plain data.
struct MailResult {
  std::string recipient;
  std::string status;           // RFC 3463 code ("5.1.1"), "" when the mail gives none
  std::string reply_code;       // SMTP reply code ("550"), ""
  std::string reason;           // reference/bounce-reasons.md name; "feedback", "vacation", ...
  bool hard_bounce = false;     // IsHardReason(reason, status or reply code)
  std::string feedback_type;    // ARF Feedback-Type for complaints ("abuse", ...)
  std::string action;           // RFC 3464 Action ("failed", "delayed", ...)
  std::string diagnostic_code;  // the error text
  std::string diagnostic_type;  // "SMTP", "X-UNIX", ...
  std::string smtp_command;     // the SMTP command the error answered
  std::string remote_mta;
  std::string reporting_mta;
  std::string detector;      // which detector recognised the mail ("postfix", "rfc3464", ...)
  int64_t timestamp_ms = 0;  // when it happened (Last-Attempt-Date, Arrival-Date, Date); 0
  // The original message the report is about.
  std::string original_message_id;  // its Message-ID header, without <>
  std::string provider_message_id;  // X-SES-Message-ID / X-Message-ID / X-MC-... when present
  std::string original_from;
  std::string original_subject;
  std::string verp_recipient;  // the recipient decoded from a VERP envelope address, if any
};

// Parses one mail. An empty vector means the mail is not a bounce, complaint or auto-reply.
// Errors: kTooLarge over options.max_bytes (or with far more MIME parts than allowed),
// kInvalidInput when the input has no mail header at all, kNotFound only with
// MimeEngine::kFast when the fast path declines the mail, kUnavailable when the mail needs GMime
// and it cannot be loaded (worth retrying once the installation is fixed). Never throws;
// thread-safe.
Result<std::vector<MailResult>> ParseMail(std::string_view raw, const ParseOptions& options = {});

// `parse-mail --format jsonl`: one JSON object per recipient with the fields file, index
// (1-based), recipient, status, replycode, reason, hardbounce (0/1), feedbacktype, action,
// diagnosticcode, timestamp (ISO-8601 or ""). Each line ends with '\n'.
std::string FormatJsonl(std::string_view file, const std::vector<MailResult>& results);
// FormatJsonl(file, results) appended to `out` (parse-mail's output buffer): no string of its own.
void AppendJsonl(std::string_view file, const std::vector<MailResult>& results, std::string& out);

// `parse-mail --format table`: a fixed-width, human-readable table; `header` adds a title row.
std::string FormatTable(std::string_view file, const std::vector<MailResult>& results,
                        bool header = true);

// The events `ingest-mail` stores: bounce (class hard/soft from IsHardReason, undetermined when
// the reason is unknown), complaint for reason "feedback", auto_reply for "vacation", delivery
// for "delivered"; source "mail"; origin.file = `origin`; received_at from `clock`.
std::vector<FeedbackEvent> ToEvents(const std::vector<MailResult>& results, std::string_view origin,
                                    const Clock& clock);

// Decodes a VERP address with `pattern` (see ParseOptions::verp_pattern):
// "bounces+user=example.com@sender.example" -> "user@example.com"; nullopt when it does not fit.
std::optional<std::string> DecodeVerp(std::string_view address, std::string_view pattern);

}  // namespace bw::mail
