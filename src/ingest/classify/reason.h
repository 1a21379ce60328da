// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::ingest {

// What is known about one failed (or delayed) delivery, from any source. All views must outlive
// the call; every field may be empty.
struct ReasonInput {
  std::string_view status;       // RFC 3463 enhanced status, e.g. "5.1.1"
  std::string_view reply_code;   // SMTP reply code, e.g. "550"
  std::string_view diagnostic;   // Diagnostic-Code or the MTA's error text
  std::string_view ses_type;     // SES bounceType when from SES (Permanent/Transient/...)
  std::string_view ses_subtype;  // SES bounceSubType (General, NoEmail, Suppressed, ...)
  std::string_view action;       // RFC 3464 Action (failed, delayed, ...)
  // The SMTP command the error answered: "CONN", "EHLO", "HELO", "MAIL", "RCPT", "DATA".
  std::string_view smtp_command;
  // The Diagnostic-Code type: "SMTP", "X-UNIX", "X-POSTFIX", ... (empty = SMTP).
  std::string_view diagnostic_type;
  // A reason already decided by the source (an MTA-specific code table). Used as is unless it is
  // one of the vague ones (undefined, onhold, systemerror, securityerror, networkerror,
  // hostunknown, userunknown) that the text may refine.
  std::string_view hint;
};

// The reason name (reference/bounce-reasons.md, Sisimai's names) for a failed delivery:
// "userunknown", "mailboxfull", ..., "delivered" for a 2.x.x status, or "undefined" when nothing
// matches. Decides from the hint, the status code, the diagnostic text (message patterns of
// many MTAs), the SMTP command and the action, in that order of trust. Pure and thread-safe.
std::string ClassifyReason(const ReasonInput& in);

// The reason whose message patterns match `text` (any case), or "" when none does. Thread-safe.
std::string MatchReasonText(std::string_view text);

// The reason RFC 3463 assigns to a status code ("5.1.1" -> "userunknown"), or "" when the code
// names none. Thread-safe.
std::string_view ReasonFromStatus(std::string_view status);

// Every (code, reason) pair of ReasonFromStatus's table, for tests.
std::vector<std::pair<std::string_view, std::string_view>> StatusTableForTest();

// Whether `reason` is a hard reason by reference/bounce-reasons.md (notaccept counts only with a
// 5xx status or reply code, passed in `status_or_reply`).
bool IsHardReason(std::string_view reason, std::string_view status_or_reply = {});

// Whether `text` reads like an automatic out-of-office / vacation reply. Thread-safe.
bool LooksLikeVacation(std::string_view text);

// How many patterns (or top-level alternatives) this process has JIT-compiled so far, counting
// compilations PCRE2 refused (the pattern then stays with the interpreter). For tests.
uint32_t JitCompilationCountForTest();

// How many built-in message patterns failed to compile (0 unless a pattern is broken).
int BrokenPatternCountForTest();

// Whether the literal prefilters' tables compiled in at build time (reason_prefilter_gen) are
// exactly what building them now from today's patterns and priority phrases gives. For tests.
bool GeneratedPrefilterIsCurrentForTest();

// "" when every pattern the classifier may compile (each reason's pattern and "is not" pattern,
// each alternative it runs on its own) has a code from the build (reason_codes.inc) that decodes
// and is byte for byte what compiling the pattern now gives; else the first pattern that does
// not. For tests.
std::string BuildCodeMismatchForTest();

// How many reasons' patterns the literal prefilter can rule out before PCRE2 runs (the others
// always run). For tests.
int PrefilteredReasonCountForTest();

// The first reason for which the classifier's way of matching (only the top-level alternatives
// the literal scan leaves, plain literals without PCRE2) disagrees with running the reason's whole
// pattern on the lower-cased `text` ("" when none). For tests.
std::string SplitMismatchForTest(std::string_view text);

// The alternatives of the reasons' patterns that are plain literals (matched without PCRE2 once
// the literal scan finds them), in the prefilter's order. For tests.
std::vector<std::string> PlainAlternativesForTest();

// How many reasons' patterns are matched alternative by alternative. For tests.
int SplitReasonCountForTest();

// The first reason whose pattern matches `text` although the prefilter ruled it out ("" when
// none: the prefilter must never miss). For tests.
std::string PrefilterMissForTest(std::string_view text);

}  // namespace bw::ingest
