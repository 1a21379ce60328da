// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// `c` lower-cased when it is an ASCII letter 'A'..'Z', else as it is (UTF-8 bytes included): one
// byte of AsciiLowerInto.
constexpr char AsciiLower(char c) {
  return static_cast<unsigned char>(c - 'A') < 26 ? static_cast<char>(c | 0x20) : c;
}

// Whether `c` is an ASCII letter: std::isalpha in the "C" locale (bouncewatch never calls
// setlocale), without its call and its locale table.
constexpr bool IsAsciiAlpha(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }

// Whether `c` is an ASCII digit: std::isdigit in any locale, without a call.
constexpr bool IsAsciiDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

#if defined(__SSE2__)
// `v` with the ASCII letters 'A'..'Z' lower-cased and every other byte (UTF-8 sequences
// included) as it is: the 16-byte step of AsciiLowerInto, for loops that lower-case blocks they
// also look at. Adding 128 - 'A' maps 'A'..'Z' onto -128..-103 (signed) and every other byte
// above -103, so one signed compare finds the capitals.
inline __m128i AsciiLowerBlock(__m128i v) {
  const __m128i upper =
      _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(-128 + 26)),
                     _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(128 - 'A'))));
  return _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
}
#endif

// Writes `in` to out[0, in.size()) with the ASCII letters 'A'..'Z' lower-cased and every other
// byte (UTF-8 sequences included) as it is; `out` may be in.data(). Sixteen bytes at a time:
// the mail parser and the reason classifier lower-case every text they read, many short ones
// per mail (inline: a call per text cost 0.4 % of the parser's instructions).
inline void AsciiLowerInto(std::string_view in, char* out) {
  const char* s = in.data();
  const size_t n = in.size();
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     AsciiLowerBlock(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
  }
#endif
  // Eight bytes at a time (SWAR): a byte gets 0x20 added when it is ASCII and in 'A'..'Z'.
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, s + i, 8);
    const uint64_t low7 = w & ~kHigh;
    const uint64_t ge_a = low7 + kOnes * (0x80 - 'A');  // high bit: byte >= 'A'
    const uint64_t gt_z = low7 + kOnes * (0x7f - 'Z');  // high bit: byte > 'Z'
    w |= ((ge_a ^ gt_z) & ~w & kHigh) >> 2;             // ASCII and in 'A'..'Z'
    std::memcpy(out + i, &w, 8);
  }
  for (; i < n; ++i) {
    out[i] = AsciiLower(s[i]);
  }
}

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
