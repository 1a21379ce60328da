// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iconv.h>
#include <map>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/cpu.h"
#include "ingest/mail/gmime_api.h"  // GMime, loaded on first use
#include "ingest/mail/mime_internal.h"
#include "ingest/mail/rfc2047.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

// Owns one GObject reference.
template <class T>
struct GObjectDeleter {
  void operator()(T* p) const {
    if (p != nullptr) {
      g_object_unref(p);
    }
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectDeleter<T>>;

// Owns a g_malloc'ed string.
struct GFreeDeleter {
  void operator()(char* p) const { g_free(p); }
};
using GString = std::unique_ptr<char, GFreeDeleter>;

}  // namespace

namespace internal {

// CRLF and lone CR become LF: GMime and the detectors then see one convention.
std::string NormalizeLineEndings(std::string_view raw) {
  ScratchBuffer out;
  return std::string(NormalizeLineEndingsInto(raw, out));
}

namespace {

#if defined(BW_CPU_AVX2_TARGET)
// NormalizeLineEndingsInto's two loops with AVX2, while 32 bytes are left from `i` (the caller
// finishes the rest). CR line endings only: each CR becomes an LF where it stands.
[[gnu::target("avx2")]] void MapCrToLfAvx2(const char* in, size_t& i, size_t n, char* o) {
  const __m256i cr = _mm256_set1_epi8('\r');
  const __m256i flip = _mm256_set1_epi8('\r' ^ '\n');
  size_t at = i;  // (a local: the stores of bytes could alias the referenced `i`)
  for (; at + 32 <= n; at += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + at));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + at),
                        _mm256_xor_si256(v, _mm256_and_si256(_mm256_cmpeq_epi8(v, cr), flip)));
  }
  i = at;
}

// Any line endings: a block without CR is stored as it is; at a CR the bytes before it are kept
// (the rest of the block is written over later), a CR before an LF is dropped and a lone CR
// becomes an LF. The output never outruns the input, so a block's store stays within the input's
// length from `o`.
[[gnu::target("avx2")]] void DropCrAvx2(const char* in, size_t& i, size_t n, char*& o) {
  size_t at = i;  // (locals: the stores of bytes could alias the referenced `i` and `o`)
  char* out = o;
  while (CopyBlocksUntilAvx2(in, at, n, out, '\r')) {
    ++at;
    if (at >= n || in[at] != '\n') {
      *out++ = '\n';
    }
  }
  i = at;
  o = out;
}
#endif

}  // namespace

std::string_view NormalizeLineEndingsInto(std::string_view raw, ScratchBuffer& buffer) {
  const size_t n = raw.size();
  char* const start = buffer.Reserve(n);  // the output is never longer than the input
  char* o = start;
  size_t i = 0;
  if (std::memchr(raw.data(), '\n', n) == nullptr) {
    // CR line endings only (no LF anywhere, so no CRLF): each CR becomes an LF where it stands
    // (CR ^ 7 is LF), 32 then 16 bytes at a time, without the restart of the copy at each CR
    // below.
#if defined(BW_CPU_AVX2_TARGET)
    if (HasAvx2()) {
      MapCrToLfAvx2(raw.data(), i, n, o);
    }
#endif
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i flip = _mm_set1_epi8('\r' ^ '\n');
    const auto map = [&](size_t at) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(raw.data() + at));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + at),
                       _mm_xor_si128(v, _mm_and_si128(_mm_cmpeq_epi8(v, cr), flip)));
    };
    for (; i + 32 <= n; i += 32) {
      map(i);
      map(i + 16);
    }
    if (i + 16 <= n) {
      map(i);
      i += 16;
    }
    for (; i < n; ++i) {
      o[i] = raw[i] == '\r' ? '\n' : raw[i];
    }
    return std::string_view(start, n);
  }
  // 16 bytes at a time (with SSE2; 32 with AVX2): a block without CR is stored as it is; at a CR
  // the bytes before it are kept (the rest of the block is written over later). A CR before an
  // LF is dropped (the next block starts with the LF); a lone CR becomes an LF.
#if defined(BW_CPU_AVX2_TARGET)
  if (HasAvx2()) {
    DropCrAvx2(raw.data(), i, n, o);
  }
#endif
  while (CopyBlocksUntil(raw.data(), i, n, o, '\r')) {
    ++i;
    if (i >= n || raw[i] != '\n') {
      *o++ = '\n';
    }
  }
  for (; i < n; ++i) {
    if (raw[i] == '\r') {
      *o++ = '\n';
      if (i + 1 < n && raw[i + 1] == '\n') {
        ++i;
      }
    } else {
      *o++ = raw[i];
    }
  }
  return std::string_view(start, static_cast<size_t>(o - start));
}

// Counts MIME containers cheaply, so that a mail nested thousands deep is refused before GMime
// (which recurses while parsing) sees it.
namespace {

// Whether the `n` (at most 8) bytes at `p` spell `word` (lower case) in any ASCII case: OR-ing
// 0x20 into a letter position maps exactly its two cases onto the lower-case letter; other
// positions (digits) compare as they are.
inline bool WordAt(const char* p, size_t n, uint64_t word, uint64_t fold) {
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  return (w | fold) == word;
}

// `word` (at most 8 bytes, lower case) as a little-endian integer, and the mask with 0x20 in
// its letter positions.
constexpr uint64_t Word(std::string_view word) {
  uint64_t w = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    w |= static_cast<uint64_t>(static_cast<unsigned char>(word[i])) << (8 * i);
  }
  return w;
}
constexpr uint64_t Fold(std::string_view word) {
  uint64_t f = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] >= 'a' && word[i] <= 'z') {
      f |= uint64_t{0x20} << (8 * i);
    }
  }
  return f;
}

// Whether the '/' at `at` of `s` is the one of "multipart/" or "message/rfc822".
inline bool ContainerSlash(std::string_view s, size_t at) {
  const char* p = s.data();
  if (at >= 8 && WordAt(p + at - 8, 8, Word("ultipart"), Fold("ultipart"))) {
    return true;
  }
  return at >= 6 && s.size() - at > 6 && WordAt(p + at - 6, 6, Word("essage"), Fold("essage")) &&
         WordAt(p + at + 1, 6, Word("rfc822"), Fold("rfc822"));
}

}  // namespace

size_t CountContainers(std::string_view s) {
  // One pass over the '/' characters (16 bytes at a time): "multipart/" before one, "rfc822"
  // after "message/".
  size_t n = 0;
  size_t i = 0;
#if defined(__SSE2__)
  // 64 bytes per step while there is no '/' in them (most of a mail), then 16 at a time.
  const __m128i slash = _mm_set1_epi8('/');
  const auto eq = [&](size_t at) {
    return _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at)), slash);
  };
  while (i + 16 <= s.size()) {
    if (i + 64 <= s.size()) {
      __m128i any =
          _mm_or_si128(_mm_or_si128(eq(i), eq(i + 16)), _mm_or_si128(eq(i + 32), eq(i + 48)));
      if (_mm_movemask_epi8(any) == 0) {
        i += 64;
        continue;
      }
    }
    for (unsigned m = static_cast<unsigned>(_mm_movemask_epi8(eq(i))); m != 0; m &= m - 1) {
      n += ContainerSlash(s, i + static_cast<size_t>(__builtin_ctz(m))) ? 1 : 0;
    }
    i += 16;
  }
#endif
  for (; i < s.size(); ++i) {
    if (s[i] == '/') {
      n += ContainerSlash(s, i) ? 1 : 0;
    }
  }
  return n;
}

#if defined(BW_CPU_AVX2_TARGET)
namespace {

// The '/' bytes in the 128-byte steps of `s` from `i` (AVX2), with `i` after the last step: per
// byte lane, counters (a compare's 0xff subtracted adds one) summed into 64-bit totals before any
// can overflow, after at most 63 steps (4 per lane and step).
[[gnu::target("avx2")]] size_t CountSlashesAvx2(std::string_view s, size_t& i) {
  const __m256i slash = _mm256_set1_epi8('/');
  const __m256i zero = _mm256_setzero_si256();
  const char* p = s.data();
  size_t n = 0;
  while (i + 128 <= s.size()) {
    __m256i acc = zero;
    const size_t steps = std::min<size_t>((s.size() - i) / 128, 63);
    for (size_t b = 0; b < steps; ++b, i += 128) {
      const __m256i e0 =
          _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)), slash);
      const __m256i e1 = _mm256_cmpeq_epi8(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32)), slash);
      const __m256i e2 = _mm256_cmpeq_epi8(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 64)), slash);
      const __m256i e3 = _mm256_cmpeq_epi8(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 96)), slash);
      acc = _mm256_sub_epi8(acc, _mm256_add_epi8(_mm256_add_epi8(e0, e1), _mm256_add_epi8(e2, e3)));
    }
    const __m256i sums = _mm256_sad_epu8(acc, zero);  // four 64-bit totals
    const __m128i two =
        _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
    n += static_cast<size_t>(_mm_cvtsi128_si64(two)) +
         static_cast<size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(two, two)));
  }
  return n;
}

}  // namespace
#endif

size_t CountSlashes(std::string_view s) {
  size_t n = 0;
  size_t i = 0;
#if defined(BW_CPU_AVX2_TARGET)
  if (s.size() >= 128 && HasAvx2()) {
    n = CountSlashesAvx2(s, i);  // fewer than 128 bytes are left to the blocks below
  }
#endif
#if defined(__SSE2__)
  // Per byte lane, counters (a compare's 0xff subtracted adds one) summed into 64-bit totals
  // before any can overflow: at most 63 steps of 64 bytes (4 per step), or 255 single blocks.
  const __m128i slash = _mm_set1_epi8('/');
  const __m128i zero = _mm_setzero_si128();
  const auto eq = [&](size_t at) {
    return _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at)), slash);
  };
  while (i + 16 <= s.size()) {
    __m128i acc = zero;
    if (i + 64 <= s.size()) {
      const size_t steps = std::min<size_t>((s.size() - i) / 64, 63);
      for (size_t b = 0; b < steps; ++b, i += 64) {
        acc = _mm_sub_epi8(acc, _mm_add_epi8(_mm_add_epi8(eq(i), eq(i + 16)),
                                             _mm_add_epi8(eq(i + 32), eq(i + 48))));
      }
    } else {
      for (; i + 16 <= s.size(); i += 16) {
        acc = _mm_sub_epi8(acc, eq(i));
      }
    }
    __m128i sums = _mm_sad_epu8(acc, zero);
    n += static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
         static_cast<size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
  }
#endif
  for (; i < s.size(); ++i) {
    n += s[i] == '/' ? 1 : 0;
  }
  return n;
}

bool MoreContainersThan(std::string_view s, size_t max) {
  // A counted string ("ultipart/" or "essage/rfc822", any case) spans at least 9 bytes, and no two
  // overlap (no suffix of either is a prefix of either: "ultipart/" has no 'u' after its first
  // byte, "essage/rfc822" no "es" after its first two), so a text holds at most size / 9 of them.
  if (s.size() / 9 <= max) {
    return false;
  }
  // Every counted string holds a '/': counting the slashes (a quarter of an instruction per
  // byte) settles most large mails, whose base64 attachments are full of '/' that CountContainers
  // would have to look at one by one. A chunk at a time, stopping once the rest cannot make up
  // the difference: a string whose '/' lies in the rest (`rest` bytes) starts at most 8 bytes
  // before it, so at most (rest + 8) / 9 such strings fit, and each string with its '/' in the
  // part counted holds one of the slashes counted.
  constexpr size_t kChunk = 2048;
  size_t slashes = 0;
  for (size_t at = 0; at < s.size(); at += kChunk) {
    slashes += CountSlashes(s.substr(at, kChunk));
    const size_t rest = s.size() - std::min(s.size(), at + kChunk);
    if (slashes + (rest + 8) / 9 <= max) {
      return false;  // (with nothing left: all the slashes, and no more of them than max)
    }
  }
  return CountContainers(s) > max;
}

}  // namespace internal

namespace {

using internal::CommonCharsetIconvName;
using internal::ConvertToUtf8;
using internal::GlibValidUtf8;
using internal::IsAscii;
using internal::StripHtml;

Headers ReadHeaders(GMimeObject* obj) {
  Headers out;
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  if (list == nullptr) {
    return out;
  }
  int n = g_mime_header_list_get_count(list);
  for (int i = 0; i < n && i < 1000; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(h);
    const char* value = g_mime_header_get_value(h);
    out.push_back({name ? name : "", value ? Squeeze(value) : ""});
  }
  return out;
}

std::string Lower(const char* s) { return s ? ToLower(s) : std::string(); }

std::string MimeType(GMimeObject* obj) {
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (ct == nullptr) {
    return "text/plain";
  }
  return Lower(g_mime_content_type_get_media_type(ct)) + "/" +
         Lower(g_mime_content_type_get_media_subtype(ct));
}

// The decoded (transfer encoding undone) bytes of a leaf part.
std::string PartBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) {
    return {};
  }
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  if (bytes == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// Converts `bytes` from `from` to UTF-8. Returns false when `from` is unknown or the bytes do not
// fit it.
bool Convert(std::string_view bytes, const char* from, std::string& out) {
  thread_local internal::IconvCache cache(64);
  iconv_t cd = cache.Get(from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return false;
  }
  out.clear();
  out.resize(bytes.size() * 2 + 16);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t used = 0;
  while (true) {
    char* dst = out.data() + used;
    size_t out_left = out.size() - used;
    size_t rc = iconv(cd, in_left > 0 ? &in : nullptr, &in_left, &dst, &out_left);
    used = out.size() - out_left;
    if (rc != static_cast<size_t>(-1)) {
      if (in_left == 0) {
        dst = out.data() + used;
        out_left = out.size() - used;
        iconv(cd, nullptr, nullptr, &dst, &out_left);  // flush shift state
        used = out.size() - out_left;
        break;
      }
      continue;
    }
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    return false;  // EILSEQ / EINVAL: not this charset
  }
  out.resize(used);
  return true;
}

}  // namespace

namespace {

// The code points of bytes 0x80-0xff in the single-byte charsets converted without iconv (0: a
// byte iconv refuses), checked against iconv for every byte by
// MimeFastTest.SingleByteCharsetsConvertAsIconvDoes.
struct SingleByteTable {
  uint16_t high[128];
};

constexpr SingleByteTable Latin1Table() {
  SingleByteTable t{};
  for (int b = 0; b < 128; ++b) {
    t.high[b] = static_cast<uint16_t>(0x80 + b);
  }
  return t;
}

constexpr SingleByteTable Latin9Table() {  // ISO-8859-15: Latin-1 with eight letters replaced
  SingleByteTable t = Latin1Table();
  t.high[0xa4 - 0x80] = 0x20ac;
  t.high[0xa6 - 0x80] = 0x0160;
  t.high[0xa8 - 0x80] = 0x0161;
  t.high[0xb4 - 0x80] = 0x017d;
  t.high[0xb8 - 0x80] = 0x017e;
  t.high[0xbc - 0x80] = 0x0152;
  t.high[0xbd - 0x80] = 0x0153;
  t.high[0xbe - 0x80] = 0x0178;
  return t;
}

constexpr SingleByteTable Cp1252Table() {  // Windows-1252: 0x80-0x9f differ, five undefined
  SingleByteTable t = Latin1Table();
  constexpr uint16_t k80[32] = {0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
                                0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
                                0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
                                0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178};
  for (int b = 0; b < 32; ++b) {
    t.high[b] = k80[b];
  }
  return t;
}

constexpr SingleByteTable kLatin1 = Latin1Table();
constexpr SingleByteTable kLatin9 = Latin9Table();
constexpr SingleByteTable kCp1252 = Cp1252Table();

// The table for an iconv charset name (as CommonCharsetIconvName gives it), or nullptr.
const SingleByteTable* SingleByteTableFor(std::string_view canon) {
  if (IEquals(canon, "iso-8859-1") || IEquals(canon, "latin1")) {
    return &kLatin1;
  }
  if (IEquals(canon, "iso-8859-15")) {
    return &kLatin9;
  }
  if (IEquals(canon, "CP1252")) {
    return &kCp1252;
  }
  return nullptr;
}

// `bytes` (not all ASCII) through `table` into `out`; false when a byte is undefined in it.
bool ConvertSingleByte(std::string_view bytes, const SingleByteTable& table, std::string& out) {
  out.clear();
  out.resize(bytes.size() * 3);  // at most three bytes per input byte (code points < 0x10000)
  char* o = out.data();
  const char* const p = bytes.data();
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    // ASCII runs sixteen bytes at a time, each block stored whole: the output so far is at most
    // three bytes per input byte read and `out` has room for three per input byte, so a block
    // stored while sixteen input bytes are left fits.
    for (; i + 16 <= n; i += 16, o += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
      if (const auto high = static_cast<unsigned>(_mm_movemask_epi8(v)); high != 0) {
        const auto k = static_cast<size_t>(__builtin_ctz(high));
        i += k;
        o += k;
        break;
      }
    }
    if (i == n) {
      break;
    }
#endif
    const auto c = static_cast<unsigned char>(p[i++]);
    if (c < 0x80) {
      *o++ = static_cast<char>(c);
      continue;
    }
    const unsigned cp = table.high[c - 0x80];
    if (cp == 0) {
      return false;
    }
    if (cp < 0x800) {
      *o++ = static_cast<char>(0xc0 | (cp >> 6));
    } else {
      *o++ = static_cast<char>(0xe0 | (cp >> 12));
      *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    }
    *o++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return true;
}

// ConvertToUtf8's work: true with the UTF-8 text in `converted`, or false when `bytes` stay as
// they are (already UTF-8, or nothing to convert them with).
bool ConvertOrKeep(std::string_view bytes, std::string_view charset, std::string& converted) {
  if (bytes.empty()) {
    return false;
  }
  if (!charset.empty()) {
    // The two usual declarations without the table walk below (CommonCharsetIconvName maps them
    // to "UTF-8" and "us-ascii", which are kept as they are).
    if (IEqualsLower(charset, "utf-8") || IEqualsLower(charset, "us-ascii")) {
      return false;
    }
    if (const char* canon = CommonCharsetIconvName(charset)) {
      // Declared UTF-8 or US-ASCII text stays as it is whatever it holds: valid text is kept,
      // and iconv refuses the bytes of invalid text (so it is kept too), without reading it.
      if (IEquals(canon, "UTF-8") || IEquals(canon, "us-ascii")) {
        return false;
      }
      // Latin-1, Latin-9, Windows-1252: a table instead of iconv (no gconv module to load).
      if (const SingleByteTable* table = SingleByteTableFor(canon)) {
        return !IsAscii(bytes) && ConvertSingleByte(bytes, *table, converted);
      }
      // ISO-2022-JP: ASCII without escape sequences is kept; the rest through glibc's JIS X 0208
      // table (rfc2047.cc), iconv only for the shapes the table does not cover.
      if (IEquals(canon, "iso-2022-jp")) {
        if (std::memchr(bytes.data(), '\x1b', bytes.size()) == nullptr && IsAscii(bytes)) {
          return false;
        }
        // glibc's ISO-2022-JP refuses every 8-bit byte: iconv (and its module) only for 7-bit
        // text the table does not cover.
        converted.clear();
        return internal::Iso2022JpToUtf8(bytes, converted) ||
               (IsAscii(bytes) && Convert(bytes, canon, converted));
      }
    }
  }
  // GMime (loaded on first use) only for a charset name outside rfc2047.cc's common table.
  const bool ascii = IsAscii(bytes);
  const bool valid = ascii || GlibValidUtf8(bytes);
  std::string charset_z;  // NUL-terminated for iconv and GMime
  const char* from = nullptr;
  if (charset.empty()) {
    // (Only text with an ESC byte can hold the escape sequences: one memchr for most texts.)
    if (std::memchr(bytes.data(), '\x1b', bytes.size()) != nullptr &&
        (bytes.find("\x1b$B") != std::string::npos || bytes.find("\x1b$@") != std::string::npos)) {
      from = "ISO-2022-JP";
    } else if (valid) {
      return false;
    } else {
      // Undeclared 8-bit text: Japanese MTAs write EUC-JP or Shift_JIS; else Latin-1.
      if (Convert(bytes, "EUC-JP", converted) && GlibValidUtf8(converted)) {
        return true;
      }
      converted.clear();
      if (internal::ShiftJisToUtf8(bytes, converted) && GlibValidUtf8(converted)) {
        return true;  // what iconv's SHIFT_JIS gives, without its module
      }
      return ConvertSingleByte(bytes, kLatin1, converted);  // what iconv's ISO-8859-1 gives
    }
  } else {
    charset_z.assign(charset);
    from = charset_z.c_str();
  }
  const char* canon = CommonCharsetIconvName(from);
  // GMime's charset tables; without them: unchanged.
  if (canon == nullptr && internal::LoadGMime()) {
    canon = g_mime_charset_iconv_name(from);
  }
  if (valid && canon != nullptr &&
      (IEquals(canon, "UTF-8") || IEquals(canon, "us-ascii") || IEquals(canon, "ANSI_X3.4-1968"))) {
    return false;
  }
  if (canon != nullptr && ascii) {
    // Pure ASCII in a charset that is a superset of ASCII (ISO-8859-*, Windows-125x, and
    // ISO-2022-JP without escape sequences) is already UTF-8: no iconv round trip.
    std::string_view c(canon);
    auto starts = [&](std::string_view prefix) { return IStartsWith(c, prefix); };
    if (starts("iso-8859-") || starts("iso8859-") || starts("windows-125") || starts("cp125") ||
        (starts("iso-2022-jp") && bytes.find('\x1b') == std::string_view::npos)) {
      return false;
    }
  }
  if (canon != nullptr) {
    if (const SingleByteTable* table = SingleByteTableFor(canon)) {
      return !ascii && ConvertSingleByte(bytes, *table, converted);
    }
    if (IEquals(canon, "iso-2022-jp")) {
      // Through glibc's JIS X 0208 table, without iconv, for the usual shapes; 8-bit bytes,
      // which glibc's ISO-2022-JP refuses, without iconv either.
      converted.clear();
      if (internal::Iso2022JpToUtf8(bytes, converted)) {
        return true;
      }
      if (!ascii) {
        return false;
      }
    }
    if (IEquals(canon, "shift-jis") || IEquals(canon, "shift_jis") || IEquals(canon, "sjis")) {
      // glibc's SJIS module, without loading it (rfc2047.cc).
      converted.clear();
      return internal::ShiftJisToUtf8(bytes, converted);
    }
  }
  return Convert(bytes, canon ? canon : from, converted);
}

bool ConvertOrKeep(std::string_view bytes, const char* charset, std::string& converted) {
  return ConvertOrKeep(bytes, charset == nullptr ? std::string_view() : std::string_view(charset),
                       converted);
}

}  // namespace

std::string internal::ConvertToUtf8(std::string_view bytes, const char* charset) {
  std::string converted;
  if (ConvertOrKeep(bytes, charset, converted)) {
    return converted;
  }
  return std::string(bytes);
}

std::string_view internal::Utf8View(std::string_view bytes, std::string_view charset,
                                    std::string& buffer) {
  if (ConvertOrKeep(bytes, charset, buffer)) {
    return buffer;
  }
  return bytes;
}

void internal::AppendUtf8(std::string_view bytes, std::string_view charset, std::string& out) {
  thread_local std::string converted;  // reused: no allocation per part
  out.append(Utf8View(bytes, charset, converted));
  if (converted.capacity() > (size_t{1} << 20)) {
    std::string().swap(converted);
  }
}

void internal::AppendUtf8(std::string_view bytes, const char* charset, std::string& out) {
  AppendUtf8(bytes, charset == nullptr ? std::string_view() : std::string_view(charset), out);
}

namespace {

std::string TextOf(GMimePart* part) {
  const char* charset = nullptr;
  GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
  if (ct != nullptr) {
    charset = g_mime_content_type_get_parameter(ct, "charset");
  }
  return ConvertToUtf8(PartBytes(part), charset);
}

}  // namespace

std::string internal::StripHtml(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  StripHtmlInto(html, out);
  return out;
}

namespace {

// The first position at or after `i` holding `a` or `b`, or s.size(); 16 bytes at a time.
size_t FindEither(std::string_view s, size_t i, char a, char b) {
  const size_t n = s.size();
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  // When `a` and `b` differ in one bit only ('<' and '>'), a byte is one of them exactly when,
  // with that bit set, it equals `a | b`: one compare instead of two.
  const auto diff = static_cast<unsigned char>(a ^ b);
  const bool one_bit = diff != 0 && (diff & (diff - 1)) == 0;
  const __m128i vd = _mm_set1_epi8(static_cast<char>(diff));
  const __m128i vab = _mm_set1_epi8(static_cast<char>(a | b));
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i hit = one_bit ? _mm_cmpeq_epi8(_mm_or_si128(v, vd), vab)
                                : _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb));
    const auto m = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (m != 0) {
      return i + static_cast<size_t>(__builtin_ctz(m));
    }
  }
#endif
  while (i < n && s[i] != a && s[i] != b) {
    ++i;
  }
  return i;
}

// FindEither as the baseline scan of StripHtmlLoop.
struct FindEitherSse2 {
  static size_t Find(std::string_view s, size_t i, char a, char b) {
    return FindEither(s, i, a, b);
  }
};

#if defined(BW_CPU_AVX2_TARGET)
// FindEither with AVX2: 32 bytes a step, then FindEither for the rest (fewer than 32 bytes).
struct FindEitherAvx2 {
  [[gnu::target("avx2")]] static size_t Find(std::string_view s, size_t i, char a, char b) {
    const size_t n = s.size();
    const __m256i va = _mm256_set1_epi8(a);
    const __m256i vb = _mm256_set1_epi8(b);
    // One compare when `a` and `b` differ in one bit only, as in FindEither.
    const auto diff = static_cast<unsigned char>(a ^ b);
    const bool one_bit = diff != 0 && (diff & (diff - 1)) == 0;
    const __m256i vd = _mm256_set1_epi8(static_cast<char>(diff));
    const __m256i vab = _mm256_set1_epi8(static_cast<char>(a | b));
    for (; i + 32 <= n; i += 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s.data() + i));
      const __m256i hit = one_bit
                              ? _mm256_cmpeq_epi8(_mm256_or_si256(v, vd), vab)
                              : _mm256_or_si256(_mm256_cmpeq_epi8(v, va), _mm256_cmpeq_epi8(v, vb));
      const auto m = static_cast<uint32_t>(_mm256_movemask_epi8(hit));
      if (m != 0) {
        return i + static_cast<size_t>(__builtin_ctz(m));
      }
    }
    return FindEither(s, i, a, b);
  }
};
#endif

// Whether the tag starting at html[i] (a '<') is one StripHtml turns into a line break: "<br",
// "<p", "<div", "<tr", "</p", "</div" in any ASCII case. Byte compares in place of six
// IStartsWith calls per tag (most tags of a mail are <td>, <table>, <span>, </td>, ...): OR-ing
// 0x20 maps exactly the two cases of a letter onto the lower-case one.
inline bool IsBlockTag(std::string_view html, size_t i) {
  const auto at = [&](size_t k) -> unsigned {
    return i + k < html.size() ? static_cast<unsigned char>(html[i + k]) : 0u;
  };
  const auto is = [&](size_t k, char lower) {
    return (at(k) | 0x20u) == static_cast<unsigned char>(lower);
  };
  if (at(1) == '/') {
    return is(2, 'p') || (is(2, 'd') && is(3, 'i') && is(4, 'v'));
  }
  return (is(1, 'b') && is(2, 'r')) || is(1, 'p') || (is(1, 'd') && is(2, 'i') && is(3, 'v')) ||
         (is(1, 't') && is(2, 'r'));
}

}  // namespace

namespace {

// StripHtmlInto's loop, over a scan policy: Scan::Find(s, i, a, b) is FindEither(s, i, a, b).
template <class Scan>
void StripHtmlLoop(std::string_view html, std::string& out) {
  bool in_tag = false;
  const size_t n = html.size();
  size_t i = 0;
  while (i < n) {
    // Runs first: inside a tag everything up to '<' or '>' is dropped, outside it everything up
    // to '<' or '&' is kept as is.
    size_t j = in_tag ? Scan::Find(html, i, '<', '>') : Scan::Find(html, i, '<', '&');
    if (!in_tag) {
      out.append(html.data() + i, j - i);
    }
    if (j == n) {
      break;
    }
    i = j;
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      if (IsBlockTag(html, i)) {
        out.push_back('\n');
      }
      ++i;
      continue;
    }
    if (c == '>') {  // only reached inside a tag
      in_tag = false;
      ++i;
      continue;
    }
    // '&' outside a tag; the byte after it (letters folded) rules out most entity names.
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&lt;", '<'},   {"&gt;", '>'},   {"&amp;", '&'},
        {"&quot;", '"'}, {"&nbsp;", ' '}, {"&#39;", '\''}};
    const char next = i + 1 < n ? static_cast<char>(html[i + 1] | 0x20) : '\0';
    bool done = false;
    if (next == 'l' || next == 'g' || next == 'a' || next == 'q' || next == 'n' || next == '#') {
      for (const auto& [name, ch] : kEntities) {
        if (IStartsWith(html.substr(i), name)) {
          out.push_back(ch);
          i += name.size();
          done = true;
          break;
        }
      }
    }
    if (!done) {
      out.push_back(c);
      ++i;
    }
  }
}

#if defined(BW_CPU_AVX2_TARGET)
// The loop with FindEitherAvx2. `flatten` inlines the loop and its scans here: GCC inlines an AVX2
// function only into an AVX2 function, and the loop's instance is not one.
[[gnu::target("avx2"), gnu::flatten]] void StripHtmlAvx2(std::string_view html, std::string& out) {
  StripHtmlLoop<FindEitherAvx2>(html, out);
}
#endif

}  // namespace

void internal::StripHtmlInto(std::string_view html, std::string& out) {
#if defined(BW_CPU_AVX2_TARGET)
  if (html.size() >= 64 && HasAvx2()) {
    StripHtmlAvx2(html, out);
    return;
  }
#endif
  StripHtmlLoop<FindEitherSse2>(html, out);
}

bool internal::PlainFieldValue(std::string_view raw, std::string_view& plain) {
  // One space is cut at each end (a field's value starts with one); a value with more (a space
  // left at an end) is left to DecodeFieldValue.
  if (!raw.empty() && raw.front() == ' ') {
    raw.remove_prefix(1);
  }
  if (!raw.empty() && raw.back() == ' ') {
    raw.remove_suffix(1);
  }
  if (!raw.empty() && (raw.front() == ' ' || raw.back() == ' ')) {
    return false;
  }
  // What Squeeze would change (tab, CR, LF, two spaces) and what needs decoding (8-bit bytes,
  // "=?"): each position compared with the byte after it, 16 positions at a time. Every control
  // byte is taken as a change (one signed compare finds them and the 8-bit bytes): a value with
  // another control byte is merely decoded, which keeps it.
  const char* p = raw.data();
  const size_t n = raw.size();
#if defined(__SSE2__)
  // The positions of the 16 at `at` that hold such a byte or pair, as a bit mask (reads
  // at[0..16]).
  const auto changes = [](const char* at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 1));
    const __m128i space = _mm_set1_epi8(' ');
    const __m128i pairs =
        _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(w, space)),
                     _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')),
                                   _mm_cmpeq_epi8(w, _mm_set1_epi8('?'))));
    // As signed bytes, the control bytes and the bytes above 0x7f are the ones below ' '.
    const __m128i odd = _mm_cmplt_epi8(v, space);
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(pairs, odd)));
  };
  if (n >= 17) {
    // Positions [0, n - 1) in blocks, the last one overlapping the one before; the last byte
    // (which starts no pair) on its own.
    for (size_t i = 0;; i += 16) {
      const size_t at = std::min(i, n - 17);
      if (changes(p + at) != 0) {
        return false;
      }
      if (at == n - 17) {
        break;
      }
    }
    if (static_cast<signed char>(p[n - 1]) < ' ') {
      return false;
    }
  } else {
    alignas(16) char padded[32] = {};  // NUL pairs with nothing; the padding's NULs are masked
    if (n > 0) {
      std::memcpy(padded, p, n);
    }
    if ((changes(padded) & ((1u << n) - 1)) != 0) {
      return false;
    }
  }
#else
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    const char next = i + 1 < n ? p[i + 1] : '\0';
    if (c < ' ' || c >= 0x80 || (c == ' ' && next == ' ') || (c == '=' && next == '?')) {
      return false;
    }
  }
#endif
  plain = raw;
  return true;
}

std::string internal::DecodeFieldValue(std::string_view raw) {
  if (IsAscii(raw) && raw.find("=?") == std::string_view::npos) {
    return Squeeze(raw);
  }
  // As GMime does for a parsed header: unfold (drop CR/LF), then decode the text.
  std::string unfolded;
  unfolded.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') {
      unfolded.push_back(c);
    }
  }
  // Plain words and whole encoded words in common charsets: decoded without GMime, the same bytes
  // (g_mime_utils_header_unfold only trims the ends here, which Squeeze does too).
  if (std::optional<std::string> decoded = DecodeEncodedWords(unfolded)) {
    return Squeeze(*decoded);
  }
  if (!LoadGMime()) {
    return Squeeze(unfolded);  // encoded words left as they are
  }
  GString folded(g_mime_utils_header_unfold(unfolded.c_str()));
  GString decoded(g_mime_utils_header_decode_text(nullptr, folded.get()));
  return decoded ? Squeeze(decoded.get()) : Squeeze(unfolded);
}

namespace {

struct Walker {
  const MimeLimits& limits;
  Mail& mail;
  int parts = 0;
  std::string html;

  void CaptureOriginal(GMimeMessage* msg) {
    if (mail.has_original) {
      return;
    }
    mail.has_original = true;
    mail.original_headers = ReadHeaders(GMIME_OBJECT(msg));
    // Kept only when the attachment is itself a report (a forwarded bounce), the one case that
    // needs it: serialising every attached original costs time.
    std::string_view from = FindHeader(mail.original_headers, "From");
    if (IContains(from, "mailer-daemon") || IContains(from, "postmaster") ||
        IContains(FindHeader(mail.original_headers, "Content-Type"), "report")) {
      GString raw(g_mime_object_to_string(GMIME_OBJECT(msg), nullptr));
      if (raw && std::strlen(raw.get()) <= (1u << 20)) {
        mail.original_raw = raw.get();
      }
    }
    GMimeObject* body = g_mime_message_get_mime_part(msg);
    if (body != nullptr && GMIME_IS_TEXT_PART(body)) {
      std::string text = TextOf(GMIME_PART(body));
      mail.original_body = text.substr(0, 4096);
    }
  }

  void Walk(GMimeObject* obj, int depth, bool inside_original) {
    if (obj == nullptr) {
      return;
    }
    if (depth > limits.max_depth || parts >= limits.max_parts) {
      mail.truncated = true;
      return;
    }
    ++parts;
    std::string type = MimeType(obj);
    if (GMIME_IS_MULTIPART(obj)) {
      GMimeMultipart* mp = GMIME_MULTIPART(obj);
      int n = g_mime_multipart_get_count(mp);
      if (n == 0 && !inside_original) {
        // No boundary ever appears (broken MIME): everything is in the prologue.
        const char* prologue = g_mime_multipart_get_prologue(mp);
        if (prologue != nullptr) {
          mail.text += ConvertToUtf8(prologue, nullptr);
        }
      }
      for (int i = 0; i < n; ++i) {
        Walk(g_mime_multipart_get_part(mp, i), depth + 1, inside_original);
      }
      return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
      GMimeMessage* msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
      if (msg == nullptr) {
        return;
      }
      if (type == "message/delivery-status" || type == "message/global-delivery-status") {
        GString s(g_mime_object_to_string(GMIME_OBJECT(msg), nullptr));
        if (s) {
          mail.delivery_status.emplace_back(s.get());
        }
        return;
      }
      if (!inside_original) {
        CaptureOriginal(msg);
      }
      return;
    }
    if (!GMIME_IS_PART(obj) || inside_original) {
      return;
    }
    GMimePart* part = GMIME_PART(obj);
    if (type == "message/delivery-status" || type == "message/global-delivery-status" ||
        type == "text/delivery-status" || type == "message/x-delivery-status") {
      mail.delivery_status.push_back(TextOf(part));
    } else if (type == "message/feedback-report") {
      mail.feedback_report = TextOf(part);
    } else if (type == "text/rfc822-headers" || type == "message/rfc822-headers" ||
               type == "message/global-headers" || type == "message/rfc822" ||
               type == "message/partial") {
      if (!mail.has_original) {
        std::string text = TextOf(part);
        mail.has_original = true;
        mail.original_headers = ParseFieldBlock(text);
      }
    } else if (type == "text/plain" || type == "text/x-aol" || type == "text/enriched") {
      if (!mail.text.empty() && mail.text.back() != '\n') {
        mail.text.push_back('\n');
      }
      mail.text += TextOf(part);
    } else if (type == "text/html") {
      html += StripHtml(TextOf(part));
      html.push_back('\n');
    }
  }
};

}  // namespace

std::string_view Header::Value() const {
  if (pending_) {
    if (std::string_view plain; internal::PlainFieldValue(raw_, plain)) {
      raw_ = plain;  // decoding would only trim it: no copy
      verbatim_ = true;
    } else {
      value_ = internal::DecodeFieldValue(raw_);
    }
    pending_ = false;
  }
  return verbatim_ ? raw_ : std::string_view(value_);
}

void Headers::AppendToLastValue(std::string_view piece) {
  Header& h = fields_.back();
  // A field that holds its own decoded value (neither pending nor verbatim) grows in place.
  if (!h.pending_ && !h.verbatim_) {
    h.value_ += ' ';
    h.value_ += piece;
    return;
  }
  std::string value(h.Value());
  value += ' ';
  value += piece;
  SetLastValue(std::move(value));
}

char* Headers::KeepRoom(size_t n, bool reuse) {
  if (reuse && n <= bytes_capacity_ && bytes_.use_count() == 1) {
    // Made writable below (make_shared_for_overwrite<char[]>), and no copy of these headers
    // shares it.
    return const_cast<char*>(bytes_.get());
  }
  // Headers filled again (bytes_capacity_ > 0) grow by at least half, so a run of growing
  // blocks allocates a few times only; others get what they need.
  const size_t capacity =
      bytes_capacity_ > 0 ? std::max(n, bytes_capacity_ + bytes_capacity_ / 2) : n;
  std::shared_ptr<char[]> bytes = std::make_shared_for_overwrite<char[]>(capacity);
  char* room = bytes.get();
  bytes_ = std::move(bytes);
  bytes_capacity_ = capacity;
  return room;
}

const char* Headers::KeepCopy(const char* lo, const char* hi) {
  const auto n = static_cast<size_t>(hi - lo);
  char* room = KeepRoom(n, /*reuse=*/fields_.empty());
  if (n > 0) {
    std::memcpy(room, lo, n);
  }
  return room;
}

void Headers::CopyAndRepoint(const char* lo, const char* hi, bool reuse) {
  const auto n = static_cast<size_t>(hi - lo);
  char* const base = KeepRoom(n, reuse);
  if (n > 0) {
    std::memcpy(base, lo, n);
  }
  const auto inside = [&](std::string_view v) {
    return v.data() >= lo && v.data() + v.size() <= hi;
  };
  const auto rebase = [&](std::string_view v) {
    return std::string_view(base + (v.data() - lo), v.size());
  };
  for (Header& h : fields_) {
    if (h.owned_name_ == nullptr && inside(h.name)) {  // an owned name stays as it is
      h.name = rebase(h.name);
    }
    if ((h.pending_ || h.verbatim_) && inside(h.raw_)) {
      h.raw_ = rebase(h.raw_);
    }
  }
}

std::optional<std::string_view> Header::PlainRawValue() const {
  if (verbatim_) {
    return raw_;  // Value() itself
  }
  if (!pending_) {
    return std::nullopt;  // decoded into value_
  }
  // Decoding keeps every run of non-blank bytes of a plain value as it is (DecodeFieldValue:
  // Squeeze), and an encoded word decodes into text that is not in the raw value.
  if (raw_is_text_ < 0) {  // once per field: detectors ask about one field several times
    raw_is_text_ = IsAscii(raw_) && raw_.find("=?") == std::string_view::npos ? 1 : 0;
  }
  if (raw_is_text_ == 0) {
    return std::nullopt;
  }
  return raw_;
}

bool Header::ValueMentions(std::string_view needle) const {
  return ValueMentions(needle, LongestWord(needle));
}

bool Header::ValueMentions(std::string_view needle, std::string_view word) const {
  if (!word.empty()) {
    if (const std::optional<std::string_view> raw = PlainRawValue();
        raw && !IContains(*raw, word)) {
      return false;  // the word is not in Value() either
    }
  }
  return IContains(Value(), needle);
}

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  if (!headers.MayHave(name)) {
    return {};
  }
  for (const auto& h : headers) {
    if (h.name.size() == name.size() && IEquals(h.name, name)) {
      return h.Value();
    }
  }
  return {};
}

Headers ParseFieldBlock(std::string_view text, size_t max_fields) {
  Headers out;
  ParseFieldBlockInto(text, out, max_fields);
  return out;
}

void ParseFieldBlockInto(std::string_view text, Headers& out, size_t max_fields) {
  // Lines one at a time (no line list); a field on one line is a verbatim view (name and trimmed
  // value) into `text`, re-pointed at the end into one copy of the bytes they use, which the
  // Headers keep: no string per field. A folded field's value is built as a string, at its final
  // size.
  out.clear();
  const char* hi = text.data();  // the end of the bytes the views use
  size_t start = 0;
  // The line at `at` without its LF (and a CR before it); `at` moves to the next line.
  const auto line_at = [&](size_t& at) {
    const void* nl = std::memchr(text.data() + at, '\n', text.size() - at);
    const size_t end =
        nl == nullptr ? text.size() : static_cast<size_t>(static_cast<const char*>(nl) - text.data());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    return line;
  };
  std::string_view line;
  bool read_ahead = false;  // `line` is the next line already (read after a field's last line)
  while (read_ahead || start < text.size()) {
    if (!read_ahead) {
      line = line_at(start);
    }
    read_ahead = false;
    if (Trim(line).empty()) {
      if (!out.empty()) {
        break;
      }
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!out.empty()) {
        out.AppendToLastValue(Trim(line));  // after a line that is no field
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      continue;
    }
    std::string_view name = line.substr(0, colon);
    if (name.find(' ') != std::string_view::npos) {
      continue;
    }
    if (out.size() >= max_fields) {
      break;
    }
    if (out.empty()) {
      out.reserve(16);
    }
    const std::string_view value = Trim(line.substr(colon + 1));
    out.AddVerbatim(name, value);
    hi = line.data() + line.size();
    // The continuation lines that follow: the value joined with a space before each trimmed
    // line (what AppendToLastValue makes of them), sized first, then built once (the lines read
    // again).
    const size_t folded_start = start;
    size_t folded_lines = 0;
    size_t size = value.size();
    while (start < text.size()) {
      line = line_at(start);
      if (line.empty() || (line.front() != ' ' && line.front() != '\t')) {
        read_ahead = true;  // not a continuation line
        break;
      }
      const std::string_view piece = Trim(line);
      if (piece.empty()) {
        read_ahead = true;  // a blank line: the end of the block
        break;
      }
      size += 1 + piece.size();
      ++folded_lines;
    }
    if (folded_lines > 0) {
      std::string folded;
      folded.reserve(size);
      folded.append(value);
      for (size_t at = folded_start; folded_lines > 0; --folded_lines) {
        folded.push_back(' ');
        folded.append(Trim(line_at(at)));
      }
      out.SetLastValue(std::move(folded));
    }
  }
  if (!out.empty()) {
    // Every view of a field lies in [text.data(), hi) (the rest are owned strings): the kept
    // bytes can be written over unless `text` lies in them.
    out.CopyAndRepoint(text.data(), hi, /*reuse=*/!out.InKeptBytes(text));
  }
}

namespace {

// LoadMailInto with GMime's reader (`data` with LF line endings; GMime loaded on first use), into
// a cleared `mail`.
Status LoadWithGMimeInto(std::string_view data, const MimeLimits& limits, Mail& mail) {
  if (Status loaded = internal::LoadGMime(); !loaded) {
    return loaded.error();
  }
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(data.data(), data.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) {
    return InvalidInput("the input is not a mail: no header found");
  }
  mail.headers = ReadHeaders(GMIME_OBJECT(message.get()));
  if (mail.headers.empty()) {
    return InvalidInput("the input is not a mail: no header found");
  }
  GMimeObject* body = g_mime_message_get_mime_part(message.get());
  if (body != nullptr) {
    mail.mime_type = MimeType(body);
    GMimeContentType* ct = g_mime_object_get_content_type(body);
    if (ct != nullptr) {
      mail.report_type = Lower(g_mime_content_type_get_parameter(ct, "report-type"));
    }
  }
  Walker walker{limits, mail, 0, {}};
  walker.Walk(body, 0, false);
  if (Trim(mail.text).empty() && !walker.html.empty()) {
    mail.text = std::move(walker.html);
  }
  mail.text_lower = mail.text;  // lower-cased only where it is searched: see Mail::text_lower
  mail.readable_size = LowerUntilOriginalStart(mail.text, mail.text_lower.data());
  return {};
}

// Empties `s`, and gives its memory back when it holds more than 1 MiB (after a very large mail).
void ClearString(std::string& s) {
  if (s.capacity() > (size_t{1} << 20)) {
    std::string().swap(s);
  } else {
    s.clear();
  }
}

}  // namespace

void Mail::Clear() {
  headers.clear();
  ClearString(mime_type);
  ClearString(report_type);
  ClearString(text);
  delivery_status.clear();
  ClearString(feedback_report);
  original_headers.clear();
  ClearString(original_body);
  has_original = false;
  ClearString(original_raw);
  truncated = false;
  fast_path = false;
  readable_size = 0;
  ClearString(text_lower);
}

Result<Mail> LoadMail(std::string_view raw, const MimeLimits& limits) {
  // The Mail is filled inside the returned Result (constructed in the caller's place): no move of
  // a whole Mail into a Result and no destruction of the moved-from one per mail.
  Result<Mail> result(boost::system::in_place_value);
  if (Status loaded = LoadMailInto(raw, limits, *result); !loaded) {
    result = loaded.error();
  }
  return result;
}

Status LoadMailInto(std::string_view raw, const MimeLimits& limits, Mail& mail) {
  mail.Clear();
  if (raw.size() > limits.max_bytes) {
    return TooLarge("the mail is larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  if (internal::MoreContainersThan(raw, static_cast<size_t>(std::max(limits.max_parts, 0)))) {
    return TooLarge("the mail has more than " + std::to_string(limits.max_parts) +
                    " MIME containers");
  }
  // A mail with CR line endings is normalised into a buffer kept per thread (no allocation and
  // zero-filling per mail); nothing in the Mail points into it.
  thread_local internal::ScratchBuffer normalized(&internal::ThreadBlockForNormalized);
  struct ReleaseLarge {  // a buffer grown by a very large mail is not kept
    ~ReleaseLarge() { normalized.ReleaseAbove(size_t{1} << 20); }
  } release_large;
  std::string_view data = raw;
  if (std::memchr(raw.data(), '\r', raw.size()) != nullptr) {
    data = internal::NormalizeLineEndingsInto(raw, normalized);
  }
  if (limits.engine != MimeEngine::kGMime) {
    if (internal::FastLoadMailInto(data, limits, mail)) {
      mail.fast_path = true;
      mail.text_lower = mail.text;  // lower-cased only where it is searched: see Mail::text_lower
      mail.readable_size = LowerUntilOriginalStart(mail.text, mail.text_lower.data());
      return {};
    }
    if (limits.engine == MimeEngine::kFast) {
      return NotFound("the fast MIME path does not handle this mail");
    }
    mail.Clear();  // the fast path's partial Mail is dropped
  }
  return LoadWithGMimeInto(data, limits, mail);
}

}  // namespace bw::mail
