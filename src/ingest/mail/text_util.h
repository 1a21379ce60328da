// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

// Small string helpers shared by the detectors. All pure and thread-safe; none allocate more than
// their result.
namespace bw::mail {

std::string ToLower(std::string_view s);
std::string_view Trim(std::string_view s);
bool IStartsWith(std::string_view s, std::string_view prefix);
bool IContains(std::string_view haystack, std::string_view needle);
size_t IFind(std::string_view haystack, std::string_view needle, size_t from = 0);
bool IEquals(std::string_view a, std::string_view b);

// The first position at or after `from` where `needle` occurs in `haystack` (bytes as they
// are), or npos; Find(h, "") is `from` when from <= h.size(). Like std::string_view::find, with
// candidates found 16 positions at a time by the needle's first and last bytes (SSE2).
size_t Find(std::string_view haystack, std::string_view needle, size_t from = 0);

// The lines of `text` (LF separated; a trailing CR is dropped).
std::vector<std::string_view> SplitLines(std::string_view text);

// Whitespace runs collapsed to one space, trimmed.
std::string Squeeze(std::string_view s);

// The first e-mail address in `s` ("<a@b>", "rfc822; a@b", "a@b"), lower-cased domain kept as
// written; "" when there is none.
std::string FindAddress(std::string_view s);

// Whether `s` is exactly one address, optionally in <> and with surrounding spaces/punctuation.
bool IsAddressOnly(std::string_view s);

// The first RFC 3463 status ("5.1.1") in `s`, or "".
std::string FindStatus(std::string_view s);

// The first SMTP reply code (a 4xx/5xx or 2xx number standing alone) in `s`, or "".
std::string FindReplyCode(std::string_view s);

// The SMTP command an error text says it answered ("RCPT", "MAIL", "DATA", "CONN", "EHLO",
// "HELO"), or "".
std::string FindSmtpCommand(std::string_view s);

// Whether an address belongs to a mail system rather than a person (mailer-daemon, postmaster).
bool IsSystemAddress(std::string_view address);

// A multi-line SMTP reply folded into one line ("550-5.7.1 Messages with multiple 550-5.7.1
// addresses ...") with the repeated "550-5.7.1 " continuation prefixes after the first removed, so
// that phrases split across reply lines read whole again.
std::string JoinReplyLines(std::string_view s);

// `s` with every byte sequence that is not UTF-8 replaced by U+FFFD and control characters by
// spaces (tab and LF kept).
std::string ValidUtf8(std::string_view s);

}  // namespace bw::mail
