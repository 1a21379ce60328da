// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bw {

// Parses an ISO-8601 / RFC 3339 timestamp leniently, as SES writes them:
// "2016-01-27T14:59:38.237Z", "2018-10-08T14:05:45 +0000", "2009-12-03T04:24:21.000-05:00",
// "2026-11-30" (midnight UTC), "2026-11-30 03:00:00Z". Any number of fraction digits.
// Returns milliseconds since the Unix epoch, or nullopt when the text is not such a timestamp.
std::optional<int64_t> ParseIso8601Ms(std::string_view text);

// Parses an RFC 5322 date ("Wed, 27 Jan 2016 14:05:45 +0000", day name optional, obsolete zone
// names such as GMT/EST accepted). Returns milliseconds since the epoch or nullopt.
std::optional<int64_t> ParseRfc5322DateMs(std::string_view text);

// Formats milliseconds since the epoch as "2026-11-30T03:00:00.000Z".
std::string FormatIso8601Ms(int64_t unix_ms);

// Parses a duration such as "0", "250ms", "15s", "30m", "1h", "7d", "2w", or a plain number of
// seconds. Returns nullopt for anything else (negative, unknown unit, overflow).
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Formats a duration compactly: "1h", "7d", "90s", "250ms".
std::string FormatDuration(std::chrono::milliseconds d);

// A "since" argument: a duration back from now_ms ("24h", "7d") or an absolute ISO-8601 time.
std::optional<int64_t> ParseSinceMs(std::string_view text, int64_t now_ms);

}  // namespace bw
