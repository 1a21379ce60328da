// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/rfc2047.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <iconv.h>
#include <langinfo.h>
#include <map>

#include "ingest/mail/text_util.h"

namespace bw::mail::internal {
namespace {

// GMime 3.2's names (g_mime_charset_iconv_name) for lower-cased charset names. Checked against
// GMime, every letter case, by Rfc2047Test.CommonCharsetNamesAreGMimes.
constexpr std::pair<std::string_view, const char*> kCharsets[] = {
    {"us-ascii", "us-ascii"},
    {"ascii", "ascii"},
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"uft-8", "uft-8"},  // a misspelling some MTAs write (no such iconv charset)
    {"iso-8859-1", "iso-8859-1"},
    {"iso-8859-2", "iso-8859-2"},
    {"iso-8859-3", "iso-8859-3"},
    {"iso-8859-4", "iso-8859-4"},
    {"iso-8859-5", "iso-8859-5"},
    {"iso-8859-6", "iso-8859-6"},
    {"iso-8859-7", "iso-8859-7"},
    {"iso-8859-8", "iso-8859-8"},
    {"iso-8859-9", "iso-8859-9"},
    {"iso-8859-10", "iso-8859-10"},
    {"iso-8859-13", "iso-8859-13"},
    {"iso-8859-14", "iso-8859-14"},
    {"iso-8859-15", "iso-8859-15"},
    {"iso-8859-16", "iso-8859-16"},
    {"iso8859-1", "iso-8859-1"},
    {"iso8859-15", "iso-8859-15"},
    {"latin1", "latin1"},
    {"windows-1250", "CP1250"},
    {"windows-1251", "CP1251"},
    {"windows-1252", "CP1252"},
    {"windows-1253", "CP1253"},
    {"windows-1254", "CP1254"},
    {"windows-1255", "CP1255"},
    {"windows-1256", "CP1256"},
    {"windows-1257", "CP1257"},
    {"windows-1258", "CP1258"},
    {"cp1252", "cp1252"},
    {"iso-2022-jp", "iso-2022-jp"},
    {"shift_jis", "shift-jis"},
    {"shift-jis", "shift-jis"},
    {"sjis", "shift-jis"},
    {"euc-jp", "euc-jp"},
    {"euc-kr", "euc-kr"},
    {"ks_c_5601-1987", "EUC-KR"},
    {"gb2312", "GBK"},
    {"gbk", "gbk"},
    {"gb18030", "gb18030"},
    {"big5", "big5"},
    {"koi8-r", "koi8-r"},
    {"koi8-u", "koi8-u"},
    {"unicode-1-1-utf-7", "unicode-1-1-utf-7"},
    {"utf-7", "utf-7"},
};

// glibc's JIS X 0208 cells (see Iso2022JpToUtf8): 94 x 94, row-major from 0x2121.
constexpr uint16_t kJis0208[94 * 94] = {
#include "ingest/mail/jis0208_table.inc"
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A B word's text: base64 letters, '=' only as its last one or two characters.
bool CheckB(std::string_view text) {
  size_t pad = 0;
  while (pad < text.size() && pad < 2 && text[text.size() - 1 - pad] == '=') {
    ++pad;
  }
  if (text.size() == pad) {
    return false;
  }
  for (size_t i = 0; i + pad < text.size(); ++i) {
    if (Base64Value(text[i]) < 0) {
      return false;
    }
  }
  return true;
}

// The texts of consecutive B words in one charset, joined, decoded as GMime decodes them: up to
// the first '=' (what follows a padded word is dropped), an incomplete last group dropped. False
// for the shapes whose GMime result is not known (padding after zero or one letter of a group).
bool DecodeBRun(std::string_view text, std::string& out) {
  uint32_t acc = 0;
  int n = 0;
  for (char c : text) {
    if (c == '=') {
      if (n == 2) {
        out.push_back(static_cast<char>(acc >> 4));
      } else if (n == 3) {
        out.push_back(static_cast<char>(acc >> 10));
        out.push_back(static_cast<char>((acc >> 2) & 0xff));
      } else {
        return false;
      }
      return true;
    }
    acc = (acc << 6) | static_cast<uint32_t>(Base64Value(c));
    if (++n == 4) {
      out.push_back(static_cast<char>((acc >> 16) & 0xff));
      out.push_back(static_cast<char>((acc >> 8) & 0xff));
      out.push_back(static_cast<char>(acc & 0xff));
      acc = 0;
      n = 0;
    }
  }
  return true;
}

// Strict Q: printable ASCII but '?', '_' for a space, '=' and two hex digits for a byte.
bool DecodeQ(std::string_view text, std::string& out) {
  if (text.empty()) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      if (i + 2 >= text.size()) {
        return false;
      }
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return false;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '_') {
      out.push_back(' ');
    } else if (c > 0x20 && c < 0x7f && c != '?') {
      out.push_back(c);
    } else {
      return false;
    }
  }
  return true;
}

// One encoded word, split; false when `token` is not exactly one.
struct Word {
  std::string_view charset;
  char encoding = 0;  // 'B' or 'Q'
  std::string_view text;
};

bool ParseWord(std::string_view token, Word& w) {
  if (token.size() < 8 || token.substr(0, 2) != "=?" || token.substr(token.size() - 2) != "?=") {
    return false;
  }
  std::string_view inner = token.substr(2, token.size() - 4);  // charset?E?text
  size_t q1 = inner.find('?');
  if (q1 == std::string_view::npos || q1 == 0 || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') {
    return false;
  }
  w.charset = inner.substr(0, q1);
  for (char c : w.charset) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) {
      return false;  // '*' (a language tag) and anything unusual: GMime
    }
  }
  char e = inner[q1 + 1];
  w.encoding = (e == 'b' || e == 'B') ? 'B' : (e == 'q' || e == 'Q') ? 'Q' : 0;
  w.text = inner.substr(q1 + 3);
  return w.encoding != 0 && !w.text.empty() && w.text.find('?') == std::string_view::npos;
}

// Converts `bytes` from `canon` to UTF-8, all or nothing.
bool ToUtf8(const std::string& bytes, const char* canon, std::string& out) {
  if (bytes.find('\0') != std::string::npos) {
    return false;  // GMime's C string would end there
  }
  std::string_view c(canon);
  const bool ascii_superset = IEquals(c, "UTF-8") || IEquals(c, "us-ascii") || IEquals(c, "ascii") ||
                              IStartsWith(c, "iso-8859-") || IStartsWith(c, "cp125") ||
                              IEquals(c, "latin1");
  if (IEquals(c, "UTF-8") || (ascii_superset && IsAscii(bytes))) {
    if (!GlibValidUtf8(bytes)) {
      return false;
    }
    out += bytes;
    return true;
  }
  if (IEquals(c, "shift-jis")) {
    std::string converted;
    if (!ShiftJisToUtf8(bytes, converted) || !GlibValidUtf8(converted)) {
      return false;
    }
    out += converted;
    return true;
  }
  if (IEquals(c, "iso-2022-jp")) {
    std::string converted;
    if (Iso2022JpToUtf8(bytes, converted)) {
      if (!GlibValidUtf8(converted)) {
        return false;
      }
      out += converted;
      return true;
    }
    if (!IsAscii(bytes)) {
      return false;  // glibc's ISO-2022-JP refuses every 8-bit byte
    }
  }
  thread_local IconvCache open(16);  // a handful of charsets per process
  iconv_t cd = open.Get(canon);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return false;
  }
  std::string buf(bytes.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* dst = buf.data();
  size_t out_left = buf.size();
  if (iconv(cd, &in, &in_left, &dst, &out_left) == static_cast<size_t>(-1) || in_left != 0 ||
      iconv(cd, nullptr, nullptr, &dst, &out_left) == static_cast<size_t>(-1)) {
    return false;  // E2BIG cannot happen (4 bytes per input byte suffice); EILSEQ / EINVAL: GMime
  }
  buf.resize(buf.size() - out_left);
  if (!GlibValidUtf8(buf)) {
    return false;
  }
  out += buf;
  return true;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Where the encoded word starting at token[at] ("=?charset?E?text?=") ends; npos when it does not.
size_t EncodedWordEnd(std::string_view token, size_t at) {
  size_t q1 = token.find('?', at + 2);  // after the charset
  if (q1 == std::string_view::npos || q1 + 2 >= token.size() || token[q1 + 2] != '?') {
    return std::string_view::npos;
  }
  size_t q3 = token.find('?', q1 + 3);  // after the text
  if (q3 == std::string_view::npos || q3 + 1 >= token.size() || token[q3 + 1] != '=') {
    return std::string_view::npos;
  }
  return q3 + 2;
}

// Plain ASCII text that may be glued to an encoded word: no '=' or '?' (no second word, nothing
// GMime could read as part of one), no 8-bit byte.
bool Glue(std::string_view s) {
  for (char c : s) {
    if (c == '=' || c == '?' || static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool GlibValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
#if defined(__SSE2__)
    // Runs of 16 ASCII bytes without NUL are valid as they are: skipped a block at a time.
    while (end - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      if ((_mm_movemask_epi8(v) | _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()))) != 0) {
        break;
      }
      p += 16;
    }
    if (p == end) {
      break;
    }
#endif
    unsigned c = *p;
    if (c < 0x80) {
      if (c == 0) {
        return false;
      }
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (end - p <= n) {
      return false;
    }
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (p[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp & 0xfffff800) == 0xd800) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

bool Iso2022JpToUtf8(std::string_view bytes, std::string& out) {
  enum class Set { kAscii, kRoman, kJis0208 };
  Set set = Set::kAscii;
  const size_t start = out.size();
  const auto refuse = [&] {
    out.resize(start);
    return false;
  };
  const char* p = bytes.data();
  const size_t n = bytes.size();
  // Converted characters are gathered in a small buffer and appended a run at a time.
  char buf[256];
  size_t used = 0;
  const auto flush = [&] {
    out.append(buf, used);
    used = 0;
  };
  const auto put = [&](uint32_t cp) {
    if (used + 3 > sizeof(buf)) {
      flush();
    }
    if (cp < 0x80) {
      buf[used++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      buf[used++] = static_cast<char>(0xc0 | (cp >> 6));
      buf[used++] = static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      buf[used++] = static_cast<char>(0xe0 | (cp >> 12));
      buf[used++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      buf[used++] = static_cast<char>(0x80 | (cp & 0x3f));
    }
  };
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == 0x1b) {
      if (i + 2 >= n) {
        return refuse();
      }
      const char a = p[i + 1];
      const char b = p[i + 2];
      if (a == '(' && b == 'B') {
        set = Set::kAscii;
      } else if (a == '(' && b == 'J') {
        set = Set::kRoman;
      } else if (a == '$' && (b == 'B' || b == '@')) {
        set = Set::kJis0208;
      } else {
        return refuse();
      }
      i += 3;
      continue;
    }
    if (set == Set::kAscii) {
      // A run up to the next ESC, copied as it is when all of it is 7-bit.
      const void* esc = std::memchr(p + i, 0x1b, n - i);
      const size_t end = esc == nullptr ? n : static_cast<size_t>(static_cast<const char*>(esc) - p);
      if (!IsAscii(bytes.substr(i, end - i))) {
        return refuse();
      }
      flush();
      out.append(p + i, end - i);
      i = end;
      continue;
    }
    if (c >= 0x80) {
      return refuse();
    }
    if (c < 0x21 || c == 0x7f) {
      put(c);  // control bytes, space and DEL pass in every set, as glibc passes them
      ++i;
      continue;
    }
    if (set == Set::kRoman) {
      put(c == 0x5c ? 0xa5u : c == 0x7e ? 0x203eu : c);
      ++i;
      continue;
    }
    if (i + 1 >= n) {
      return refuse();
    }
    const auto c2 = static_cast<unsigned char>(p[i + 1]);
    if (c2 < 0x21 || c2 > 0x7e) {
      return refuse();
    }
    const uint16_t cp = kJis0208[(c - 0x21) * 94 + (c2 - 0x21)];
    if (cp == 0) {
      return refuse();
    }
    put(cp);
    i += 2;
  }
  flush();
  return true;
}

bool ShiftJisToUtf8(std::string_view bytes, std::string& out) {
  const size_t start = out.size();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  out.resize(start + 3 * n);  // three UTF-8 bytes per input byte at most
  char* o = out.data() + start;
  const auto put = [&](uint32_t cp) {
    if (cp < 0x80) {
      *o++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
      *o++ = static_cast<char>(0xc0 | (cp >> 6));
      *o++ = static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *o++ = static_cast<char>(0xe0 | (cp >> 12));
      *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *o++ = static_cast<char>(0x80 | (cp & 0x3f));
    }
  };
  size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      put(c == 0x5c ? 0xa5u : c == 0x7e ? 0x203eu : c);  // JIS X 0201 Roman
      ++i;
    } else if (c >= 0xa1 && c <= 0xdf) {
      put(0xff61u + (c - 0xa1));  // half-width katakana
      ++i;
    } else if (((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xef)) && i + 1 < n &&
               p[i + 1] >= 0x40 && p[i + 1] <= 0xfc && p[i + 1] != 0x7f) {
      // Two bytes to a JIS X 0208 row and cell: each lead byte covers two rows, the trail byte
      // 0x40-0x9E (without 0x7F) the cells of the first, 0x9F-0xFC those of the second.
      const unsigned t = p[i + 1];
      const unsigned row = (c <= 0x9f ? c - 0x81 : c - 0xc1) * 2 + (t >= 0x9f ? 1 : 0);
      const unsigned cell = t >= 0x9f ? t - 0x9f : t >= 0x80 ? t - 0x41 : t - 0x40;
      const uint16_t cp = kJis0208[row * 94 + cell];
      if (cp == 0) {
        out.resize(start);
        return false;
      }
      put(cp);
      i += 2;
    } else {
      out.resize(start);  // 0x80, 0xA0, 0xF0-0xFF, a bad trail byte or a cut pair
      return false;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return true;
}

const char* CommonCharsetIconvName(std::string_view charset) {
  for (const auto& [name, canon] : kCharsets) {
    // The length first (IEquals is a call): most entries are ruled out by it.
    if (charset.size() == name.size() && IEquals(charset, name)) {
      return canon;
    }
  }
  return nullptr;
}

// GMime reads an 8-bit word outside encoded words as UTF-8 when it is valid UTF-8 and the
// locale's charset (g_mime_init reads it) is UTF-8 or ASCII: it tries the locale's charset first,
// where ASCII fails on 8-bit bytes. bouncewatch never calls setlocale, so it runs in the "C" locale.
bool LocaleReadsUtf8() {
  const char* codeset = nl_langinfo(CODESET);
  return codeset != nullptr &&
         (IEquals(codeset, "UTF-8") || IEquals(codeset, "ANSI_X3.4-1968"));
}

std::optional<std::string> DecodeEncodedWords(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // The run of adjacent encoded words (the blanks between them dropped), made of sub-runs in one
  // charset and encoding that GMime decodes and converts as one: Q words are decoded as they
  // come, B words' texts are joined and decoded when the sub-run ends.
  std::string run;
  std::string b_text;
  Word run_word;
  char sub = 0;  // the encoding of the current sub-run
  bool in_run = false;
  auto end_sub = [&]() {
    bool ok = (sub != 'B' || DecodeBRun(b_text, run)) &&
              (sub == 0 || ToUtf8(run, CommonCharsetIconvName(run_word.charset), out));
    b_text.clear();
    run.clear();
    sub = 0;
    return ok;
  };
  auto flush = [&]() {
    in_run = false;
    return end_sub();
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t ws = i;
    while (i < text.size() && IsBlank(text[i])) {
      ++i;
    }
    std::string_view blank = text.substr(ws, i - ws);
    size_t start = i;
    while (i < text.size() && !IsBlank(text[i])) {
      ++i;
    }
    std::string_view token = text.substr(start, i - start);
    if (token.empty()) {  // trailing white space
      if (in_run && !flush()) {
        return std::nullopt;
      }
      out += blank;
      break;
    }
    if (token.find("=?") == std::string_view::npos) {
      if (!IsAscii(token) && (!GlibValidUtf8(token) || !LocaleReadsUtf8())) {
        return std::nullopt;  // GMime guesses a charset for such bytes
      }
      if (in_run && !flush()) {
        return std::nullopt;
      }
      out += blank;
      out += token;
      continue;
    }
    // An encoded word, with plain text glued before or after it ("=?...?=." ends a sentence).
    size_t at = token.find("=?");
    size_t end = EncodedWordEnd(token, at);
    std::string_view before = token.substr(0, at);
    std::string_view after = end == std::string_view::npos ? "" : token.substr(end);
    Word w;
    if (end == std::string_view::npos || !Glue(before) || !Glue(after) ||
        !ParseWord(token.substr(at, end - at), w) ||
        CommonCharsetIconvName(w.charset) == nullptr) {
      return std::nullopt;
    }
    if (!before.empty()) {  // not adjacent to the run before: plain text in between
      if (in_run && !flush()) {
        return std::nullopt;
      }
      out += blank;
      out += before;
      blank = {};
    }
    if (in_run && w.charset != run_word.charset) {
      // Another charset: the run before is converted on its own (the blank between is still
      // dropped). Names that differ only in letter case: not known how GMime joins them.
      if (IEquals(w.charset, run_word.charset) || !flush()) {
        return std::nullopt;
      }
      blank = {};
    }
    if (!in_run) {
      out += blank;
      run.clear();
      run_word = w;
      in_run = true;
    }
    if (w.encoding != sub && !end_sub()) {
      return std::nullopt;
    }
    sub = w.encoding;
    if (w.encoding == 'B') {
      if (!CheckB(w.text)) {
        return std::nullopt;
      }
      b_text += w.text;
    } else if (!DecodeQ(w.text, run)) {
      return std::nullopt;
    }
    if (!after.empty()) {
      if (!flush()) {
        return std::nullopt;
      }
      out += after;
    }
  }
  if (in_run && !flush()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace bw::mail::internal
