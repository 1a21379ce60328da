// SPDX-License-Identifier: Apache-2.0
// The lightweight MIME reader: walks a mail with string views over its bytes (LF line endings),
// builds no object per part or header, and decodes (transfer encoding, charset) only the parts
// the detectors read. It follows GMime's rules for the shapes it accepts (boundaries, prologue,
// which message/* types are attached messages, header decoding) and declines everything else, so
// that LoadMail falls back to GMime. mail_parser_test's corpus test checks both agree.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/cpu.h"
#include "ingest/mail/huge_page_block.h"
#include "ingest/mail/mime_internal.h"
#include "ingest/mail/text_util.h"

namespace bw::mail::internal {

// 8 bytes at a time (SWAR: a byte's high bit is set when it is ASCII and in 'A'..'Z', the test
// AsciiLowerInto uses).
bool HasAsciiUpper(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const auto upper = [&](uint64_t w) {
    const uint64_t low7 = w & ~kHigh;
    const uint64_t ge_a = low7 + kOnes * (0x80 - 'A');  // high bit: byte >= 'A'
    const uint64_t gt_z = low7 + kOnes * (0x7f - 'Z');  // high bit: byte > 'Z'
    return ((ge_a ^ gt_z) & ~w & kHigh) != 0;
  };
  const size_t n = s.size();
  uint64_t w = 0;
  if (n < 8) {
    // The bytes zero-padded (NUL is not a letter); a byte loop rather than a memcpy call of
    // variable length.
    for (size_t i = 0; i < n; ++i) {
      w |= uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
    }
    return upper(w);
  }
  for (size_t i = 0; i + 8 < n; i += 8) {
    std::memcpy(&w, s.data() + i, 8);
    if (upper(w)) {
      return true;
    }
  }
  std::memcpy(&w, s.data() + n - 8, 8);  // the last 8 bytes (overlapping the ones before)
  return upper(w);
}

namespace {

struct Field {
  std::string_view name;
  std::string_view value;  // raw, after the colon; folded lines included
  bool content = false;    // the name starts with "Content-" (any case)
};

// Fields of one header block, at most 1,000 (as ReadHeaders keeps).
using Fields = std::vector<Field>;

// Field lists kept per thread and reused from mail to mail (one per nesting level in use), so
// that reading a header block allocates nothing once they have grown.
using PooledFields = ThreadPooled<Fields>;

inline bool IsLwsp(char c) { return c == ' ' || c == '\t'; }

// Whether `name` has a space or tab followed by something else ("by host", not "Name ").
bool HasInnerSpace(std::string_view name) {
  size_t i = 0;
  while (i < name.size() && !IsLwsp(name[i])) {
    ++i;
  }
  while (i < name.size() && IsLwsp(name[i])) {
    ++i;
  }
  return i < name.size();
}

// The fields that say how an entity is encoded, noted while its fields are read.
struct ContentFields {
  std::string_view type;  // the first Content-Type's raw value (when type_count > 0)
  int type_count = 0;
  std::string_view encoding;  // the first Content-Transfer-Encoding's (when encoding_count > 0)
  int encoding_count = 0;
};

// Reads the header block of `entity`; `body` gets what follows the empty line (or nothing).
// Returns false for lines GMime reads in its own way (no colon on the first line, spaces in a
// name, a block that starts with a folded line, a folded line after a dropped line).
// `drop_first_junk`: a first line without a colon (or with a space inside its name) is dropped
// like a later one, as GMime does in an attached message ("REDACTED" instead of the original).
// Each field line is read once for its colon, name bytes and end together (ScanFieldLine).
bool ReadFields(std::string_view entity, Fields& out, ContentFields& cf, std::string_view& body,
                bool drop_first_junk = false) {
  static constexpr std::string_view kType = "content-type";
  static constexpr std::string_view kEncoding = "content-transfer-encoding";
  // The content fields by index (a later folded line extends their values): filled in at the end.
  size_t type_at = 0;
  size_t encoding_at = 0;
  int type_count = 0;
  int encoding_count = 0;
  const auto done = [&] {
    cf = ContentFields{};
    cf.type_count = type_count;
    cf.encoding_count = encoding_count;
    if (type_count > 0) {
      cf.type = out[type_at].value;
    }
    if (encoding_count > 0) {
      cf.encoding = out[encoding_at].value;
    }
    return true;
  };
  out.clear();
  if (out.capacity() < 32) {
    out.reserve(32);  // one allocation for a usual header block instead of doubling from one
  }
  const size_t n = entity.size();
  size_t pos = 0;
  while (pos < n) {
    const char first = entity[pos];
    // (LF, space and tab are below '!': one test lets most field lines pass.)
    if (static_cast<unsigned char>(first) <= ' ') {
      if (first == '\n') {
        body = entity.substr(pos + 1);
        return done();
      }
      if (IsLwsp(first)) {
        if (out.empty()) {
          return false;
        }
        // A folded line: extend the previous value up to this line's end.
        const size_t end = FindLineEnd(entity, pos);
        Field& f = out.back();
        f.value = std::string_view(f.value.data(), entity.data() + end - f.value.data());
        pos = end < n ? end + 1 : n;
        continue;
      }
    }
    size_t stop = 0;
    bool bad = false;
    const size_t end = ScanFieldLine(entity, pos, stop, bad);
    const size_t next = end < n ? end + 1 : n;
    // The line's end is its stop exactly when the stop is no colon (an LF, or the end of the
    // entity): a colon's line ends after it.
    const bool has_colon = end != stop;
    if (!has_colon || bad || stop == pos) {
      // Not a plain "Name: value" line (the usual line takes none of this).
      const bool bad_name = has_colon && bad;
      if ((!out.empty() || drop_first_junk) &&
          (!has_colon || (bad_name && HasInnerSpace(entity.substr(pos, stop - pos))))) {
        // A line among the fields without a colon, or whose "name" has a space inside (an
        // unfolded continuation such as "by host ... for <a@b>; Wed, 17 Apr 2019 14:38:21"):
        // GMime drops it and reads on, and so does this reader, unless a folded line follows
        // it (that case stays with GMime).
        if (next < n && IsLwsp(entity[next])) {
          return false;
        }
        pos = next;
        continue;
      }
      return false;  // no colon on the first line, an empty name, a bad byte in the name
    }
    if (out.size() < 1000) {
      // (Views made from pointers: pos < stop < end <= n, so substr's bounds checks are moot.)
      const char* const p = entity.data();
      const std::string_view name(p + pos, stop - pos);
      const bool content = IsContentField(name);
      if (content) {
        if (IsFieldName(name, kType)) {
          type_at = type_count++ == 0 ? out.size() : type_at;
        } else if (IsFieldName(name, kEncoding)) {
          encoding_at = encoding_count++ == 0 ? out.size() : encoding_at;
        }
      }
      out.push_back({name, std::string_view(p + stop + 1, end - stop - 1), content});
    }
    pos = next;
  }
  body = {};
  return done();
}

// What the walk does with an entity, from its type.
enum class Kind : uint8_t {
  kOther,           // ignored
  kMultipart,       // multipart/*
  kMessage,         // message/rfc822, message/news, message/global: an attached message
  kDeliveryStatus,  // a DSN body
  kFeedbackReport,  // message/feedback-report
  kHeaders,         // an attached message's header only
  kPlainText,       // text/plain and its kin: the readable text
  kHtml,            // text/html: the readable text when there is no plain text
};

Kind KindOf(std::string_view type) {
  if (type.size() > 10 && type.substr(0, 10) == "multipart/") {
    return Kind::kMultipart;
  }
  if (type == "text/plain" || type == "text/x-aol" || type == "text/enriched") {
    return Kind::kPlainText;
  }
  if (type == "message/delivery-status" || type == "message/global-delivery-status" ||
      type == "text/delivery-status" || type == "message/x-delivery-status") {
    return Kind::kDeliveryStatus;
  }
  if (type == "message/rfc822" || type == "message/news" || type == "message/global") {
    return Kind::kMessage;
  }
  if (type == "text/html") {
    return Kind::kHtml;
  }
  if (type == "message/feedback-report") {
    return Kind::kFeedbackReport;
  }
  if (type == "text/rfc822-headers" || type == "message/rfc822-headers" ||
      type == "message/global-headers" || type == "message/partial") {
    return Kind::kHeaders;
  }
  return Kind::kOther;
}

// A parsed Content-Type. The views point into the field value (or a literal) when the text is
// usable as written, else into the strings it owns, so a ContentType is neither copied nor moved.
struct ContentType {
  ContentType() = default;
  ContentType(const ContentType&) = delete;
  ContentType& operator=(const ContentType&) = delete;

  std::string_view type;  // "type/subtype", lower case
  std::string_view boundary;
  std::string_view charset;
  std::string_view report_type;  // lower case
  Kind kind = Kind::kOther;

  // Sets `type` (and `kind`) to `token` lower-cased.
  void SetType(std::string_view token) {
    type = LowerView(token, &Owned::type);
    kind = KindOf(type);
  }
  void SetReportType(std::string_view value) {
    report_type = LowerView(value, &Owned::report_type);
  }
  // Where the value of parameter `which` (1 boundary, 2 charset, 3 report-type) is kept when it
  // has quoted-pair escapes or line breaks to drop.
  std::string& Unescaped(int which) {
    return Own(which == 1 ? &Owned::boundary : which == 2 ? &Owned::charset : &Owned::report_type);
  }

 private:
  // The copies, made only for a value that needs one (rarely): most ContentTypes own no string,
  // so making and dropping one (once per MIME entity) costs a pointer.
  struct Owned {
    std::string type;
    std::string report_type;
    std::string boundary;
    std::string charset;
  };
  std::string& Own(std::string Owned::*which) {
    if (owned_ == nullptr) {
      owned_ = std::make_unique<Owned>();
    }
    return (*owned_).*which;
  }
  // `s` itself when it has no upper-case ASCII letter, else its lower-case copy in `which`.
  std::string_view LowerView(std::string_view s, std::string Owned::*which) {
    if (HasAsciiUpper(s)) {
      std::string& own = Own(which);
      own = ToLower(s);
      return own;
    }
    return s;
  }

  std::unique_ptr<Owned> owned_;
};

// Whether `name` (a parameter name) is `want` (lower-case letters and '-') in any ASCII case,
// inline: a byte with 0x20 OR-ed in equals a lower-case letter exactly when it is that letter in
// either case; '-' is compared as it is.
inline bool NameIs(std::string_view name, std::string_view want) {
  if (name.size() != want.size()) {
    return false;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const char c = want[i] == '-' ? name[i] : static_cast<char>(name[i] | 0x20);
    if (c != want[i]) {
      return false;
    }
  }
  return true;
}

// Byte classes for ParseContentType's scans, one table load per byte.
enum : uint8_t {
  kCtBlank = 1,     // ' ', '\t', '\n': skipped between the pieces
  kCtEnd = 2,       // ends a token or an unquoted value: blanks, ';' and '(' (a comment)
  kCtNameEnd = 4,   // ends a parameter name: kCtEnd and '='
  kCtQuoted = 8,    // ends a plain run inside quotes: '"', '\\', '\n'
  kCtSpecial = 16,  // an RFC 2045 tspecial: cannot be in a parameter name
};
constexpr std::array<uint8_t, 256> kCtClass = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : {' ', '\t', '\n'}) {
    t[c] |= kCtBlank | kCtEnd | kCtNameEnd;
  }
  t[';'] |= kCtEnd | kCtNameEnd;
  t['('] |= kCtEnd | kCtNameEnd;
  t['='] |= kCtNameEnd;
  for (unsigned char c : {'"', '\\', '\n'}) {
    t[c] |= kCtQuoted;
  }
  for (unsigned char c : std::string_view("()<>@,;:\\\"/[]?=")) {
    t[c] |= kCtSpecial;
  }
  return t;
}();

inline uint8_t CtClass(char c) { return kCtClass[static_cast<unsigned char>(c)]; }

// The first position at or after `i` of a byte of class `end` (kCtEnd, kCtNameEnd or kCtQuoted),
// or v.size(). 16 bytes at a time (SSE2) while they lie in `v`, then a byte loop over the class
// table.
inline size_t ScanCt(std::string_view v, size_t i, uint8_t end) {
  const size_t n = v.size();
#if defined(__SSE2__)
  // The class's bytes; a slot it does not use repeats one it does.
  const bool quoted = end == kCtQuoted;
  const char a = quoted ? '"' : ' ';
  const char b = quoted ? '\\' : '\t';
  const char c = quoted ? '\n' : ';';
  const char d = end == kCtNameEnd ? '=' : quoted ? '"' : ';';
  const char e = quoted ? '"' : '(';
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  const __m128i vc = _mm_set1_epi8(c);
  const __m128i vd = _mm_set1_epi8(d);
  const __m128i ve = _mm_set1_epi8(e);
  const __m128i vf = _mm_set1_epi8('\n');  // in every class
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v.data() + i));
    const __m128i ab = _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb));
    const __m128i cd = _mm_or_si128(_mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vd));
    const __m128i ef = _mm_or_si128(_mm_cmpeq_epi8(x, ve), _mm_cmpeq_epi8(x, vf));
    const auto stops =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(ab, cd), ef)));
    if (stops != 0) {
      return i + static_cast<size_t>(__builtin_ctz(stops));
    }
  }
#endif
  while (i < n && (CtClass(v[i]) & end) == 0) {
    ++i;
  }
  return i;
}

// Parses a Content-Type value. False for shapes left to GMime: comments, RFC 2231 parameters,
// encoded words in the parameters that matter, a missing subtype, a parameter name with a
// tspecial.
bool ParseContentType(std::string_view v, ContentType& ct) {
  const size_t n = v.size();
  size_t i = 0;
  auto skip = [&] {
    while (i < n && (CtClass(v[i]) & kCtBlank) != 0) {
      ++i;
    }
  };
  // The run from `i` up to a byte of class `end`.
  auto run = [&](uint8_t end) {
    const size_t start = i;
    i = ScanCt(v, i, end);
    return v.substr(start, i - start);
  };
  // A comment's '(' ends every run but a quoted one, and then stands where only ';', '=' or the
  // end may: the value is refused there.
  skip();
  std::string_view token = run(kCtEnd);
  size_t slash = token.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == token.size() ||
      token.find('/', slash + 1) != std::string_view::npos) {
    return false;
  }
  ct.SetType(token);
  skip();
  while (i < n) {
    if (v[i] != ';') {
      return false;  // a comment or junk after the type or a value
    }
    ++i;
    skip();
    if (i >= n) {
      break;  // a trailing ';'
    }
    std::string_view name = run(kCtNameEnd);
    skip();
    if (name.empty() || i >= n || v[i] != '=' || name.back() == '*') {
      return false;
    }
    // A name that is no RFC 2045 token (a tspecial in it): GMime stops reading the parameters
    // there, so the shape is left to it.
    // (One table load per byte: find_first_of calls memchr on the 16 tspecials for each byte.)
    for (char c : name) {
      if ((CtClass(c) & kCtSpecial) != 0) {
        return false;
      }
    }
    ++i;
    skip();
    const int which = NameIs(name, "boundary")      ? 1
                      : NameIs(name, "charset")     ? 2
                      : NameIs(name, "report-type") ? 3
                                                    : 0;
    // The value as a view into `v` unless it has quoted-pair escapes or line breaks to drop.
    std::string_view value;
    if (i < n && v[i] == '"') {
      ++i;
      size_t vs = i;
      bool plain = true;
      bool closed = false;
      while (i < n) {
        // A plain run up to the next '"', '\\' or line break.
        i = ScanCt(v, i, kCtQuoted);
        if (i >= n) {
          break;
        }
        const char c = v[i];
        if (c == '"') {
          closed = true;
          break;
        }
        plain = false;  // '\\' or '\n'
        i += (c == '\\' && i + 1 < n) ? 2 : 1;
      }
      if (!closed) {
        return false;
      }
      if (plain || which == 0) {
        value = v.substr(vs, i - vs);  // (an unknown parameter's value is not used)
      } else {
        std::string& unescaped = ct.Unescaped(which);
        unescaped.clear();
        for (size_t k = vs; k < i; ++k) {
          if (v[k] == '\\' && k + 1 < i) {
            unescaped.push_back(v[++k]);
          } else if (v[k] != '\n') {
            unescaped.push_back(v[k]);
          }
        }
        value = unescaped;
      }
      ++i;  // the closing quote
    } else {
      value = run(kCtEnd);
    }
    skip();
    if (which != 0 && value.find("=?") != std::string_view::npos) {
      return false;
    }
    if (which == 1) {
      ct.boundary = value;
    } else if (which == 2) {
      ct.charset = value;
    } else if (which == 3) {
      ct.SetReportType(value);
    }
  }
  return true;
}

enum class Encoding { kIdentity, kBase64, kQuotedPrintable, kUnknown };

Encoding EncodingOf(const ContentFields& cf) {
  if (cf.encoding_count == 0) {
    return Encoding::kIdentity;
  }
  if (cf.encoding_count > 1) {
    return Encoding::kUnknown;
  }
  std::string_view v = Trim(cf.encoding);
  if (v.empty() || IEquals(v, "7bit") || IEquals(v, "8bit") || IEquals(v, "binary")) {
    return Encoding::kIdentity;
  }
  if (IEquals(v, "base64")) {
    return Encoding::kBase64;
  }
  if (IEquals(v, "quoted-printable")) {
    return Encoding::kQuotedPrintable;
  }
  return Encoding::kUnknown;
}

// Hex digit values, -1 for other bytes.
constexpr std::array<signed char, 256> kHexValue = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) {
    v = -1;
  }
  for (int c = 0; c < 10; ++c) {
    t['0' + c] = static_cast<signed char>(c);
  }
  for (int c = 0; c < 6; ++c) {
    t['A' + c] = static_cast<signed char>(10 + c);
    t['a' + c] = static_cast<signed char>(10 + c);
  }
  return t;
}();

inline int Hex(char c) { return kHexValue[static_cast<unsigned char>(c)]; }

// The bytes of a base64 body (up to the first '='; other bytes outside the alphabet skipped)
// written into `buffer`, which only grows; a view into it.
std::string_view DecodeBase64Into(std::string_view in, ScratchBuffer& buffer) {
  static constexpr std::array<signed char, 256> kTable = [] {
    std::array<signed char, 256> t{};
    for (auto& v : t) {
      v = -1;
    }
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) {
      t[static_cast<unsigned char>(a[i])] = static_cast<signed char>(i);
    }
    return t;
  }();
  char* const start = buffer.Reserve(in.size() / 4 * 3 + 3);
  char* o = start;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') {
      break;
    }
    int v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) {
      continue;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return std::string_view(start, static_cast<size_t>(o - start));
}

// A per-thread buffer for transfer-decoded bytes (large parts in this thread's block), released
// after a very large part.
ScratchBuffer& DecodeBuffer() {
  thread_local ScratchBuffer buffer(&ThreadBlockForDecoded);
  return buffer;
}

void ReleaseIfLarge(ScratchBuffer& buffer) { buffer.ReleaseAbove(size_t{1} << 20); }

void ReleaseIfLarge(std::string& buffer) {
  if (buffer.capacity() > (size_t{1} << 20)) {
    std::string().swap(buffer);
  }
}

}  // namespace

void ScratchBuffer::Grow(size_t n) {
  if (region_ != nullptr && n > kSmall) {
    const std::span<char> region = region_();
    if (n <= region.size()) {
      owned_.reset();
      data_ = region.data();
      capacity_ = region.size();
      return;
    }
  }
  owned_.reset(new char[n]);  // default-initialised: not zero-filled
  data_ = owned_.get();
  capacity_ = n;
}

std::span<char> ThreadBlockForNormalized() { return ThreadBlock::Scratch(0); }
std::span<char> ThreadBlockForDecoded() { return ThreadBlock::Scratch(1); }

std::string DecodeQuotedPrintable(std::string_view in) {
  ScratchBuffer buffer;
  return std::string(DecodeQuotedPrintableInto(in, buffer));
}

namespace {

// The '=' at p[i] (i < n) of a quoted-printable text: an escape ("=XX") writes its byte at `o`, a
// soft line break ('=', optional blanks, then LF or the end) writes nothing, any other '=' is kept.
// `i` moves past what was read, `o` past what was written.
inline void DecodeEqualsSign(const char* p, size_t& i, size_t n, char*& o) {
  // An escape first (the usual case): a hex digit after '=' is neither a blank nor a line end,
  // so such a '=' never starts a soft line break.
  int hi = 0;
  int lo = 0;
  if (i + 2 < n && (hi = Hex(p[i + 1])) >= 0 && (lo = Hex(p[i + 2])) >= 0) {
    *o++ = static_cast<char>(hi * 16 + lo);
    i += 3;
    return;
  }
  if (i + 1 < n && p[i + 1] == '\n') {  // the usual soft line break: no blanks before the LF
    i += 2;
    return;
  }
  // A soft line break: '=' then optional trailing blanks then LF (or the end).
  size_t j = i + 1;
  while (j < n && IsLwsp(p[j])) {
    ++j;
  }
  if (j == n || p[j] == '\n') {
    i = j + 1;
    return;
  }
  *o++ = '=';
  i += 1;
}

#if defined(BW_CPU_AVX2_TARGET)
// The decoding loop of DecodeQuotedPrintableInto with AVX2, while 32 bytes are left from `i`: a
// block's 32 bytes are stored as they are (the output never outruns the input, so the store
// stays within the input's length from `o`), and `o` and `i` move to its first '=', if any.
[[gnu::target("avx2")]] void DecodeQuotedPrintableAvx2(const char* p, size_t& i, size_t n,
                                                       char*& o) {
  size_t at = i;  // (locals: the stores of bytes could alias the referenced `i` and `o`)
  char* out = o;
  while (CopyBlocksUntilAvx2(p, at, n, out, '=')) {
    DecodeEqualsSign(p, at, n, out);
  }
  i = at;
  o = out;
}
#endif

}  // namespace

std::string_view DecodeQuotedPrintableInto(std::string_view in, ScratchBuffer& buffer) {
  const size_t n = in.size();
  // The output is never longer than the input; 16 more: one block's store.
  char* const start = buffer.Reserve(n + 16);
  char* o = start;
  const char* p = in.data();
  size_t i = 0;
#if defined(BW_CPU_AVX2_TARGET)
  if (n >= 32 && HasAvx2()) {
    DecodeQuotedPrintableAvx2(p, i, n, o);  // the last 31 bytes or fewer are left to the loop
  }
#endif
  while (i < n) {
    // Blocks without '=' are stored as they are (the output never outruns the input); the bytes
    // are read one at a time only where fewer than sixteen are left.
    if (!CopyBlocksUntil(p, i, n, o, '=')) {
      while (i < n && p[i] != '=') {
        *o++ = p[i++];
      }
      if (i == n) {
        break;
      }
    }
    DecodeEqualsSign(p, i, n, o);
  }
  return std::string_view(start, static_cast<size_t>(o - start));
}

NeedleFinder::NeedleFinder(std::string_view needle)
    : needle_(needle),
      skips_(needle.size() >= kMinSkip && needle.size() <= kMaxSkip && !HasAvx2()) {
  const size_t m = needle.size();
  if (!skips_) {
    return;  // searched with Find
  }
  // A window whose last pair is no pair of the needle: the needle ends m - 1 bytes further on at
  // the earliest. A pair that ends at needle[j]: the window moves until that pair of the needle
  // is under it (m - 1 - j bytes; later pairs overwrite earlier ones of their slot, with less).
  // (m <= 256: every skip fits a byte.)
  skip_.fill(static_cast<uint8_t>(m - 1));
  auto skip = static_cast<uint8_t>(m - 2);
  for (const char* pair = needle.data(); pair + 1 < needle.data() + m; ++pair, --skip) {
    skip_[PairSlot(pair)] = skip;
  }
}

size_t NeedleFinder::Find(std::string_view text, size_t from) const {
  if (!skips_) {
    return bw::mail::Find(text, needle_, from);
  }
  const size_t m = needle_.size();
  const size_t n = text.size();
  if (n < m || from > n - m) {
    return std::string_view::npos;
  }
  const char* const p = text.data();
  uint64_t head = 0;  // the needle's first 8 bytes: most windows that reach a compare differ there
  std::memcpy(&head, needle_.data(), 8);
  // `end` is the window's last byte: the window is [end + 1 - m, end].
  for (size_t end = from + m - 1; end < n;) {
    const uint8_t skip = skip_[PairSlot(p + end - 1)];
    if (skip != 0) {
      end += skip;
      continue;
    }
    const char* const start = p + end + 1 - m;
    uint64_t first = 0;
    std::memcpy(&first, start, 8);
    if (first == head && std::memcmp(start + 8, needle_.data() + 8, m - 8) == 0) {
      return end + 1 - m;
    }
    ++end;
  }
  return std::string_view::npos;
}

namespace {

// Whether the line that starts with "--boundary" and holds it up to `at` (in `body`) is a boundary
// line: "--" (then `end`), or nothing, then blanks up to its LF or the end of `body`. `next` gets
// where the next line starts. (The caller has found the "--boundary": only the rest is read, and
// a line that is no boundary line is not read to its end.)
bool IsBoundaryLineRest(std::string_view body, size_t at, bool& end, size_t& next) {
  const size_t n = body.size();
  end = at + 1 < n && body[at] == '-' && body[at + 1] == '-';
  if (end) {
    at += 2;
  }
  while (at < n && IsLwsp(body[at])) {
    ++at;
  }
  if (at < n && body[at] != '\n') {
    return false;
  }
  next = at < n ? at + 1 : n;
  return true;
}

// A message's own header fields as GMime lists them, in place of `out`'s: the Content-* fields
// belong to its MIME part, not to the message. The names and the values (undecoded:
// Header::Value decodes one when read) point into one copy of the header block that `out` keeps
// (in the bytes it kept before when it can: Headers::KeepCopy).
void SetMessageHeaders(const Fields& fields, Headers& out) {
  out.clear();
  if (fields.empty()) {
    return;
  }
  const char* lo = fields.front().name.data();
  const char* hi = fields.back().value.data() + fields.back().value.size();
  const char* base = out.KeepCopy(lo, hi);
  out.reserve(fields.size());
  for (const auto& f : fields) {
    if (f.content) {
      continue;
    }
    out.AddUndecoded(std::string_view(base + (f.name.data() - lo), f.name.size()),
                     std::string_view(base + (f.value.data() - lo), f.value.size()));
  }
}

class FastWalker {
 public:
  FastWalker(const MimeLimits& limits, Mail& mail) : limits_(limits), mail_(mail) {}

  bool ok() const { return ok_; }

  // Appends the text of the HTML parts to `html`, for a mail without plain text: each part's
  // bytes decoded into a per-thread buffer, converted only when their charset needs it, and
  // stripped straight into `html`.
  void HtmlInto(std::string& html) {
    thread_local std::string converted;
    ScratchBuffer& decoded = DecodeBuffer();
    for (const auto& h : html_parts_) {
      std::string_view bytes = Undo(h.encoding, h.body, decoded);
      if (!ok_) {
        return;
      }
      StripHtmlInto(Utf8View(bytes, h.charset, converted), html);
      html.push_back('\n');
    }
    ReleaseIfLarge(decoded);
    ReleaseIfLarge(converted);
  }

  // One MIME entity: its header fields (`cf`: their content fields) and body. `known`: its
  // Content-Type when the caller has already read it with TypeOf (the top level), so it is not
  // parsed twice.
  void Walk(const ContentFields& cf, std::string_view body, int depth, bool in_digest,
            const ContentType* known = nullptr) {
    if (!ok_) {
      return;
    }
    if (depth > limits_.max_depth || parts_ >= limits_.max_parts) {
      mail_.truncated = true;
      return;
    }
    ++parts_;
    ContentType parsed;
    if (known == nullptr) {
      if (!TypeOf(cf, in_digest, parsed)) {
        return;
      }
      known = &parsed;
    }
    const ContentType& ct = *known;
    switch (ct.kind) {
      case Kind::kMultipart:
        WalkMultipart(ct, body, depth);
        return;
      case Kind::kMessage:
        if (EncodingOf(cf) != Encoding::kIdentity) {
          ok_ = false;  // an encoded attached message: GMime decodes it first
          return;
        }
        CaptureOriginal(body);
        return;
      case Kind::kDeliveryStatus:
        mail_.delivery_status.emplace_back();
        TextInto(cf, ct, body, mail_.delivery_status.back());
        return;
      case Kind::kFeedbackReport:
        mail_.feedback_report.clear();
        TextInto(cf, ct, body, mail_.feedback_report);
        return;
      case Kind::kHeaders:
        if (!mail_.has_original) {
          // Decoded into a per-thread buffer: ParseFieldBlockInto copies what it keeps.
          thread_local std::string text;
          text.clear();
          TextInto(cf, ct, body, text);
          mail_.has_original = true;
          ParseFieldBlockInto(text, mail_.original_headers);
          ReleaseIfLarge(text);
        }
        return;
      case Kind::kPlainText:
        if (!mail_.text.empty() && mail_.text.back() != '\n') {
          mail_.text.push_back('\n');
        }
        TextInto(cf, ct, body, mail_.text);
        return;
      case Kind::kHtml: {
        // Decoded only when the mail has no plain text (see Html).
        HtmlPart h;
        h.encoding = EncodingOf(cf);
        h.charset = ct.charset;
        h.body = body;
        html_parts_.push_back(h);
        return;
      }
      case Kind::kOther:
        return;
    }
  }

  // The Content-Type of an entity, with GMime's default (text/plain; message/rfc822 in a
  // multipart/digest). False (and the walk abandoned) for a shape left to GMime.
  bool TypeOf(const ContentFields& cf, bool in_digest, ContentType& ct) {
    if (cf.type_count == 0) {
      if (in_digest) {
        ok_ = false;
        return false;
      }
      ct.SetType("text/plain");
      return true;
    }
    if (cf.type_count > 1 || !ParseContentType(cf.type, ct)) {
      ok_ = false;
      return false;
    }
    return true;
  }

 private:
  // Appends the decoded text of a part to `out` (no copy of the bytes for a part that needs no
  // transfer or charset decoding; decoded bytes go through a per-thread buffer).
  void TextInto(const ContentFields& cf, const ContentType& ct, std::string_view body,
                std::string& out) {
    DecodeInto(EncodingOf(cf), ct.charset, body, out);
  }

  // `body` with its transfer encoding undone: `body` itself, or a view into `buffer`; ok_ is
  // false (and the view empty) for an unknown encoding.
  std::string_view Undo(Encoding enc, std::string_view body, ScratchBuffer& buffer) {
    switch (enc) {
      case Encoding::kIdentity:
        return body;
      case Encoding::kBase64:
        return DecodeBase64Into(body, buffer);
      case Encoding::kQuotedPrintable:
        return DecodeQuotedPrintableInto(body, buffer);
      case Encoding::kUnknown:
        break;
    }
    ok_ = false;
    return {};
  }

  void DecodeInto(Encoding enc, std::string_view charset, std::string_view body, std::string& out) {
    ScratchBuffer& buffer = DecodeBuffer();
    std::string_view bytes = Undo(enc, body, buffer);
    if (!ok_) {
      return;
    }
    AppendUtf8(bytes, charset, out);
    if (enc != Encoding::kIdentity) {
      ReleaseIfLarge(buffer);
    }
  }

  void WalkMultipart(const ContentType& ct, std::string_view body, int depth) {
    if (ct.type == "multipart/digest") {
      ok_ = false;
      return;
    }
    if (ct.boundary.empty()) {
      // No boundary parameter (say, on a line that lost its fold): GMime reads everything up to
      // the parent's boundary into the prologue, as when the boundary never appears (below).
      AppendUtf8(body, nullptr, mail_.text);
      return;
    }
    std::string_view boundary = ct.boundary;
    // "--boundary", on the stack for the usual lengths (at most 70 bytes by RFC 2046).
    char stack_dash[96];
    std::string heap_dash;
    std::string_view dash_boundary;
    if (boundary.size() + 2 <= sizeof(stack_dash)) {
      stack_dash[0] = '-';
      stack_dash[1] = '-';
      std::memcpy(stack_dash + 2, boundary.data(), boundary.size());
      dash_boundary = std::string_view(stack_dash, boundary.size() + 2);
    } else {
      heap_dash = "--";
      heap_dash += boundary;
      dash_boundary = heap_dash;
    }
    // Split at the boundary lines; the line break before a boundary line belongs to it. Each
    // part is walked as soon as its end is found.
    const NeedleFinder finder(dash_boundary);
    PooledFields pooled;
    Fields& fields = pooled.get();
    size_t walked = 0;
    const auto walk_part = [&](std::string_view part) {
      ++walked;
      std::string_view part_body;
      ContentFields cf;
      if (!ReadFields(part, fields, cf, part_body)) {
        ok_ = false;
        return;
      }
      Walk(cf, part_body, depth + 1, /*in_digest=*/false);
    };
    size_t part_start = std::string_view::npos;  // npos: still in the prologue
    bool ended = false;
    // Only lines starting with "--boundary" can be boundary lines: they are found with the
    // finder rather than by reading every line.
    size_t from = 0;
    while (from < body.size()) {
      size_t pos = finder.Find(body, from);
      if (pos == std::string_view::npos) {
        break;
      }
      from = pos + 1;
      if (pos > 0 && body[pos - 1] != '\n') {
        continue;  // not at the start of a line
      }
      size_t next = 0;
      bool end = false;
      if (IsBoundaryLineRest(body, pos + dash_boundary.size(), end, next)) {
        if (end && part_start == std::string_view::npos) {
          ok_ = false;  // a closing line before any part: GMime's prologue stops there
          return;
        }
        if (part_start != std::string_view::npos) {
          if (pos == part_start) {
            ok_ = false;  // a boundary line right after another: GMime's reading of it
            return;
          }
          size_t stop = pos > part_start ? pos - 1 : part_start;
          walk_part(body.substr(part_start, stop - part_start));
          if (!ok_) {
            return;
          }
        }
        part_start = next;
        from = next;
        if (end) {
          ended = true;
          break;
        }
      }
    }
    if (!ended && part_start != std::string_view::npos) {
      walk_part(body.substr(std::min(part_start, body.size())));
      if (!ok_) {
        return;
      }
    }
    if (walked == 0) {
      // No boundary at all: GMime keeps everything as the prologue.
      AppendUtf8(body, nullptr, mail_.text);
    }
  }

  void CaptureOriginal(std::string_view message) {
    if (mail_.has_original) {
      return;
    }
    PooledFields pooled;
    Fields& fields = pooled.get();
    ContentFields cf;
    std::string_view body;
    if (!ReadFields(message, fields, cf, body, /*drop_first_junk=*/true)) {
      ok_ = false;
      return;
    }
    mail_.has_original = true;
    SetMessageHeaders(fields, mail_.original_headers);
    std::string_view from = FindHeader(mail_.original_headers, "From");
    if (IContains(from, "mailer-daemon") || IContains(from, "postmaster") ||
        IContains(FindHeader(mail_.original_headers, "Content-Type"), "report")) {
      if (message.size() <= (1u << 20)) {
        mail_.original_raw.assign(message);
      }
    }
    ContentType ct;
    if (cf.type_count == 0) {
      ct.SetType("text/plain");
    } else if (cf.type_count > 1 || !ParseContentType(cf.type, ct)) {
      ok_ = false;
      return;
    }
    if (ct.type.substr(0, 5) == "text/") {
      // Only the start is kept, so only the start is decoded (a base64 line is 76 bytes: cut on
      // a line break so that no quantum is split).
      std::string_view head = body.substr(0, 8192);
      size_t nl = head.size() < body.size() ? head.rfind('\n') : std::string_view::npos;
      if (nl != std::string_view::npos) {
        head = head.substr(0, nl + 1);
      }
      mail_.original_body.clear();
      TextInto(cf, ct, head, mail_.original_body);
      if (mail_.original_body.size() > 4096) {
        mail_.original_body.resize(4096);
      }
    }
  }

  const MimeLimits& limits_;
  Mail& mail_;
  struct HtmlPart {
    Encoding encoding = Encoding::kIdentity;
    std::string_view charset;  // a view into the part's field (the mail outlives the walk)
    std::string_view body;
  };
  int parts_ = 0;
  bool ok_ = true;
  std::vector<HtmlPart> html_parts_;
};

}  // namespace

bool FastLoadMailInto(std::string_view lf, const MimeLimits& limits, Mail& mail) {
  PooledFields pooled;
  Fields& fields = pooled.get();
  ContentFields cf;
  std::string_view body;
  if (lf.empty() || lf.front() == '\n' || !ReadFields(lf, fields, cf, body) || fields.empty()) {
    return false;
  }
  SetMessageHeaders(fields, mail.headers);
  if (mail.headers.empty()) {
    return false;  // only Content-* fields: GMime decides whether this is a mail at all
  }
  // The readable text is at most about as long as the body (transfer decoding shrinks it;
  // charset conversion may grow it): one allocation instead of one per part and doubling.
  mail.text.reserve(std::min(body.size() + 64, size_t{1} << 16));
  FastWalker walker(limits, mail);
  ContentType ct;
  if (!walker.TypeOf(cf, false, ct)) {
    return false;
  }
  mail.mime_type = ct.type;
  mail.report_type = ct.report_type;
  walker.Walk(cf, body, 0, false, &ct);
  if (!walker.ok()) {
    return false;
  }
  if (Trim(mail.text).empty()) {
    // Stripped into a per-thread buffer whose memory then changes places with the text's (a
    // Mail filled again keeps both).
    thread_local std::string html;
    html.clear();
    walker.HtmlInto(html);
    if (!walker.ok()) {
      return false;
    }
    if (!html.empty()) {
      mail.text.swap(html);
    }
    ReleaseIfLarge(html);
  }
  return true;
}

std::optional<Mail> FastLoadMail(std::string_view lf, const MimeLimits& limits) {
  Mail mail;
  if (!FastLoadMailInto(lf, limits, mail)) {
    return std::nullopt;
  }
  return mail;
}

}  // namespace bw::mail::internal
