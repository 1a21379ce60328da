// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bw::http {

// The value of a hex digit (0-9, a-f, A-F), or -1.
int HexValue(char c);

// RFC 3986 §2.1 percent-decoding; with `plus_is_space`, '+' is a space (query strings, not
// paths). kInvalidInput "bad percent-encoding in the URL" for a '%' not followed by two hex
// digits.
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// Name -> value, names in order; a name may stand more than once.
using QueryParams = std::multimap<std::string, std::string>;

// Parses a query string ("a=1&b=x%20y", no '?'): names and values percent-decoded with '+' a
// space, empty items skipped, "a" alone is a = "". kInvalidInput, for the first item at fault:
// bad percent-encoding; a name not in `allowed` (the message lists the known names); with
// !repeats_allowed, a name given twice.
Result<QueryParams> ParseQuery(std::string_view query, const std::set<std::string>& allowed,
                               bool repeats_allowed = true);

}  // namespace bw::http
