// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace bw::mail {

// One header field: the name as written and the value unfolded and RFC 2047-decoded to UTF-8.
struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The value of the first field named `name` (any case), or "" when there is none.
std::string_view FindHeader(const Headers& headers, std::string_view name);

// Parses "Name: value" lines (continuation lines folded in) until the first empty line or the
// end. Lines that are not fields are skipped. At most `max_fields` fields. Never throws.
Headers ParseFieldBlock(std::string_view text, size_t max_fields = 1000);

// Which MIME reader takes a mail apart. kAuto (the default) tries the lightweight fast path
// and hands the mail to GMime when the fast path declines it; kGMime and kFast force one (kFast
// fails with kNotFound when the fast path declines) for tests and benchmarks.
enum class MimeEngine { kAuto, kGMime, kFast };

// Limits applied while taking a mail apart (by either reader).
struct MimeLimits {
  size_t max_bytes = 25u << 20;  // Default: 25 MiB; larger input is kTooLarge
  int max_depth = 16;            // Default: 16 nested multiparts / attached messages
  int max_parts = 1000;          // Default: 1,000 MIME parts
  MimeEngine engine = MimeEngine::kAuto;
};

// A mail taken apart into what the detectors look at. Plain data.
struct Mail {
  Headers headers;          // top-level header fields
  std::string mime_type;    // top-level "type/subtype", lower case
  std::string report_type;  // report-type parameter of a multipart/report, lower case
  std::string text;         // human-readable text: text/plain parts (else text/html without
                            // tags), UTF-8, LF line endings, attached messages excluded
  std::vector<std::string> delivery_status;  // bodies of message/delivery-status parts
  std::string feedback_report;               // body of the message/feedback-report part
  Headers original_headers;   // header of the attached original message, when attached
  std::string original_body;  // start of the attached original message's text, when attached
  bool has_original = false;  // whether an original message (or its header) was attached
  std::string original_raw;   // the attached message/rfc822 as written (at most 1 MiB), for
                              // bounces forwarded as an attachment
  bool truncated = false;     // a limit cut the walk short; the result may be partial
  bool fast_path = false;     // taken apart by the fast path (false: by GMime)
  size_t readable_size = 0;   // length of `text` before a quoted original message
  std::string text_lower;     // `text` with ASCII letters lower-cased (same length), for
                              // case-insensitive searches (ReadableMentions)

  // `text` up to where a quoted original message starts.
  std::string_view Readable() const { return std::string_view(text).substr(0, readable_size); }
};

// Where the quoted original message starts in `text`, given also `lower` = ToLower(text).
size_t FindOriginalStart(std::string_view text, std::string_view lower);

// Where the quoted original message starts in `text` ("------ This is a copy of the message",
// "--- Below this line is a copy", "Original message follows", ...); text.size() when nowhere.
size_t FindOriginalStart(std::string_view text);

// Takes `raw` (CR, LF or CRLF line endings) apart: with the fast path (string views over the
// bytes, decoding only the parts detectors read) when it handles the mail's shape, else with
// GMime (limits.engine can force one). kTooLarge over max_bytes or with far more MIME parts than
// allowed; kInvalidInput when there is no header at all; kNotFound only with MimeEngine::kFast
// when the fast path declines the mail. Otherwise a Mail, possibly partial (truncated) when a
// depth or part limit was hit. Thread-safe.
Result<Mail> LoadMail(std::string_view raw, const MimeLimits& limits);

}  // namespace bw::mail
