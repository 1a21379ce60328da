// SPDX-License-Identifier: Apache-2.0
// Internal to bw_ingest_mail: header and charset decoding without GMime for the shapes bounce mails
// use, giving exactly what GMime gives for them (checked against GMime by rfc2047_test.cc), so that
// the fast MIME reader does not load GMime (gmime_api.h) for ordinary mails. Everything else is
// left to GMime by the callers (mail.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iconv.h>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bw::mail::internal {

// Open iconv descriptors to UTF-8, one per source charset, kept for the owner's lifetime (the
// callers keep one per thread): opening one makes glibc load (and closing the last one unload) a
// gconv module, which used to dominate parse time. Closes them when destroyed (at thread exit).
class IconvCache {
 public:
  // At most `max_charsets` descriptors (a mail naming endless charsets gets no more).
  explicit IconvCache(size_t max_charsets) : max_(max_charsets) {}
  ~IconvCache() {
    for (auto& [name, cd] : open_) {
      if (cd != reinterpret_cast<iconv_t>(-1)) {
        iconv_close(cd);
      }
    }
  }
  IconvCache(const IconvCache&) = delete;
  IconvCache& operator=(const IconvCache&) = delete;

  // The descriptor converting `from` to UTF-8, reset to its initial state; (iconv_t)-1 when the
  // charset is unknown or the cache is full.
  iconv_t Get(const std::string& from) {
    auto it = open_.find(from);
    if (it == open_.end()) {
      if (open_.size() >= max_) {
        return reinterpret_cast<iconv_t>(-1);
      }
      it = open_.emplace(from, iconv_open("UTF-8", from.c_str())).first;
    }
    if (it->second != reinterpret_cast<iconv_t>(-1)) {
      iconv(it->second, nullptr, nullptr, nullptr, nullptr);
    }
    return it->second;
  }

 private:
  size_t max_;
  std::map<std::string, iconv_t> open_;
};

// Whether every byte of `s` is below 0x80 (64 bytes at a time, then eight, then one). Inline:
// most callers ask about short header values.
inline bool IsAscii(std::string_view s) {
  size_t i = 0;
  uint64_t acc = 0;
#if defined(__SSE2__)
  for (; i + 64 <= s.size(); i += 64) {
    const auto* p = reinterpret_cast<const __m128i*>(s.data() + i);
    __m128i v = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(p), _mm_loadu_si128(p + 1)),
                             _mm_or_si128(_mm_loadu_si128(p + 2), _mm_loadu_si128(p + 3)));
    if (_mm_movemask_epi8(v) != 0) {
      return false;
    }
  }
#endif
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc |= w;
  }
  for (; i < s.size(); ++i) {
    acc |= static_cast<unsigned char>(s[i]);
  }
  return (acc & 0x8080808080808080ull) == 0;
}

// g_utf8_validate(s.data(), s.size(), nullptr) without GLib: UTF-8 with no NUL byte, no overlong
// form, no surrogate and nothing above U+10FFFF.
bool GlibValidUtf8(std::string_view s);

// g_mime_charset_iconv_name(charset) for the charsets that bounce mails commonly name (a fixed
// table, any letter case); nullptr for the others (ask GMime).
const char* CommonCharsetIconvName(std::string_view charset);

// g_mime_utils_header_decode_text(nullptr, text) for an unfolded header value (no CR or LF) made of
// plain words (ASCII, or valid UTF-8 while the locale's charset is UTF-8 or ASCII, as in
// bouncewatch) and whole RFC 2047 encoded words (=?charset?B|Q?text?=) in a charset of
// CommonCharsetIconvName, whose bytes convert cleanly; white space between two encoded words is
// dropped, runs of encoded words in one charset and encoding are converted together. nullopt for
// every other shape (other 8-bit text, words inside words, language tags, broken or mixed runs,
// bytes that do not fit the charset, NUL bytes): GMime's answer for those is left to GMime.
std::optional<std::string> DecodeEncodedWords(std::string_view text);

// ISO-2022-JP `bytes` converted to UTF-8 exactly as glibc's iconv converts them, appended to
// `out`, for text in the shapes bounce mails use: the ASCII, JIS X 0201 Roman and JIS X 0208
// sets (ESC ( B, ESC ( J, ESC $ B, ESC $ @), 7-bit bytes, cells iconv knows (a table generated
// from glibc, jis0208_table.inc). False, with `out` unchanged, for anything else (other escape
// sequences, 8-bit bytes, a cell iconv refuses, a cut two-byte character): the caller asks iconv,
// which is then also what loads glibc's ISO-2022-JP module.
bool Iso2022JpToUtf8(std::string_view bytes, std::string& out);

// Shift_JIS `bytes` converted to UTF-8 exactly as glibc's iconv converts them from SJIS (its
// SHIFT_JIS, SHIFT-JIS, MS_KANJI), appended to `out`: single bytes as JIS X 0201 (0x5C is U+00A5,
// 0x7E U+203E, 0xA1-0xDF the half-width katakana), two-byte characters through the JIS X 0208
// table that Iso2022JpToUtf8 uses (glibc maps them alike, cell for cell). False, with `out`
// unchanged, exactly where iconv fails (a byte or pair it has no character for, a cut pair):
// so the caller needs neither iconv nor glibc's SJIS module.
bool ShiftJisToUtf8(std::string_view bytes, std::string& out);

}  // namespace bw::mail::internal
