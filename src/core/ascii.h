// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

namespace bw {

// Small ASCII string helpers for protocol text (header names, flags), shared so that each
// module does not keep its own copy. Inline: they run per header on the request path.

// Whether `a` and `b` are equal ignoring ASCII case (header names, "true"/"TRUE").
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// `s` without leading and trailing spaces and tabs (RFC 9110 §5.6.3 OWS around header values).
inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Writes `in` to out[0, in.size()) with the ASCII letters 'A'..'Z' lower-cased and every other
// byte (UTF-8 sequences included) as it is; `out` may be in.data(). Sixteen bytes at a time:
// the mail parser and the reason classifier lower-case every text they read (ascii.cc).
void AsciiLowerInto(std::string_view in, char* out);

// `s` in double quotes for an error message, cut after `max_bytes` bytes with "..." inside the
// quotes when longer (the cut may split a UTF-8 sequence: use only where that does not matter).
inline std::string QuotedForError(std::string_view s, size_t max_bytes) {
  std::string out = "\"";
  out.append(s.substr(0, max_bytes));
  if (s.size() > max_bytes) {
    out += "...";
  }
  out += '"';
  return out;
}

}  // namespace bw
