// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace bw::ingest {

// What is known about one failed (or delayed) delivery, from any source.
struct ReasonInput {
  std::string_view status;       // RFC 3463 enhanced status, e.g. "5.1.1" (may be empty)
  std::string_view reply_code;   // SMTP reply code, e.g. "550" (may be empty)
  std::string_view diagnostic;   // Diagnostic-Code or the MTA's error text (may be empty)
  std::string_view ses_type;     // SES bounceType when from SES (Permanent/Transient/...)
  std::string_view ses_subtype;  // SES bounceSubType (General, NoEmail, Suppressed, ...)
  std::string_view action;       // RFC 3464 Action (failed, delayed, ...)
};

// The reason name (reference/bounce-reasons.md, Sisimai's names) for a failed delivery:
// "userunknown", "mailboxfull", ..., or "undefined" when nothing matches. Pure and thread-safe.
std::string ClassifyReason(const ReasonInput& in);

// Whether `reason` is a hard reason by reference/bounce-reasons.md (notaccept counts only with a
// 5xx status or reply code, passed in `status_or_reply`).
bool IsHardReason(std::string_view reason, std::string_view status_or_reply = {});

}  // namespace bw::ingest
