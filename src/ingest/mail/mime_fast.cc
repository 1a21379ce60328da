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
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ingest/mail/mime_internal.h"
#include "ingest/mail/text_util.h"

namespace bw::mail::internal {
namespace {

struct Field {
  std::string_view name;
  std::string_view value;  // raw, after the colon; folded lines included
};

// Fields of one header block, at most 1,000 (as ReadHeaders keeps).
using Fields = std::vector<Field>;

inline bool IsLwsp(char c) { return c == ' ' || c == '\t'; }

std::string_view LineAt(std::string_view s, size_t pos, size_t& next) {
  const void* nl = std::memchr(s.data() + pos, '\n', s.size() - pos);
  size_t end = nl == nullptr ? s.size() : static_cast<const char*>(nl) - s.data();
  next = nl == nullptr ? s.size() : end + 1;
  return s.substr(pos, end - pos);
}

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

// Whether line[0, n) holds a byte that cannot be in a field name (a control byte, a space, DEL or
// a byte above 0x7f); n <= line.size(). 16 bytes at a time (SSE2) while they lie in `line`.
bool HasNonNameByte(std::string_view line, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i limit = _mm_set1_epi8(0x21);  // signed: 0x80-0xff are below it too
  const __m128i del = _mm_set1_epi8(0x7f);
  for (; i < n && i + 16 <= line.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + i));
    unsigned m = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, limit), _mm_cmpeq_epi8(v, del))));
    if (n - i < 16) {
      m &= (1u << (n - i)) - 1;
    }
    if (m != 0) {
      return true;
    }
  }
#endif
  for (; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= ' ' || c >= 0x7f) {
      return true;
    }
  }
  return false;
}

// Reads the header block of `entity`; `body` gets what follows the empty line (or nothing).
// Returns false for lines GMime reads in its own way (no colon on the first line, spaces in a
// name, a block that starts with a folded line, a folded line after a dropped line).
// `drop_first_junk`: a first line without a colon (or with a space inside its name) is dropped
// like a later one, as GMime does in an attached message ("REDACTED" instead of the original).
bool ReadFields(std::string_view entity, Fields& out, std::string_view& body,
                bool drop_first_junk = false) {
  out.clear();
  out.reserve(32);  // one allocation for a usual header block instead of doubling from one
  size_t pos = 0;
  while (pos < entity.size()) {
    size_t next = 0;
    std::string_view line = LineAt(entity, pos, next);
    if (line.empty()) {
      body = entity.substr(next);
      return true;
    }
    if (IsLwsp(line.front())) {
      if (out.empty()) {
        return false;
      }
      // A folded line: extend the previous value up to this line's end.
      Field& f = out.back();
      f.value = std::string_view(f.value.data(), line.data() + line.size() - f.value.data());
      pos = next;
      continue;
    }
    size_t colon = line.find(':');
    const bool bad_name = colon != std::string_view::npos && HasNonNameByte(line, colon);
    if ((!out.empty() || drop_first_junk) &&
        (colon == std::string_view::npos || (bad_name && HasInnerSpace(line.substr(0, colon))))) {
      // A line among the fields without a colon, or whose "name" has a space inside (an
      // unfolded continuation such as "by host ... for <a@b>; Wed, 17 Apr 2019 14:38:21"):
      // GMime drops it and reads on, and so does this reader, unless a folded line follows it
      // (that case stays with GMime).
      size_t after = 0;
      std::string_view following = next < entity.size() ? LineAt(entity, next, after) : "";
      if (!following.empty() && IsLwsp(following.front())) {
        return false;
      }
      pos = next;
      continue;
    }
    if (colon == std::string_view::npos || colon == 0 || bad_name) {
      return false;
    }
    if (out.size() < 1000) {
      out.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
    pos = next;
  }
  body = {};
  return true;
}

const Field* Find(const Fields& fields, std::string_view name, int* count = nullptr) {
  const Field* first = nullptr;
  int n = 0;
  for (const auto& f : fields) {
    if (IEquals(f.name, name)) {
      if (first == nullptr) {
        first = &f;
      }
      ++n;
    }
  }
  if (count != nullptr) {
    *count = n;
  }
  return first;
}

struct ContentType {
  std::string type;  // "type/subtype", lower case
  std::string boundary;
  std::string charset;
  std::string report_type;  // lower case
};

// Parses a Content-Type value. False for shapes left to GMime: comments, RFC 2231 parameters,
// encoded words in the parameters that matter, a missing subtype.
bool ParseContentType(std::string_view v, ContentType& ct) {
  size_t i = 0;
  auto skip = [&] {
    while (i < v.size() && (IsLwsp(v[i]) || v[i] == '\n')) {
      ++i;
    }
  };
  skip();
  size_t start = i;
  while (i < v.size() && v[i] != ';' && !IsLwsp(v[i]) && v[i] != '\n') {
    ++i;
  }
  std::string_view token = v.substr(start, i - start);
  if (token.find('(') != std::string_view::npos) {
    return false;  // a comment
  }
  size_t slash = token.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == token.size() ||
      token.find('/', slash + 1) != std::string_view::npos) {
    return false;
  }
  ct.type = ToLower(token);
  skip();
  while (i < v.size()) {
    if (v[i] != ';') {
      return false;  // a comment or junk after the type
    }
    ++i;
    skip();
    if (i >= v.size()) {
      break;  // a trailing ';'
    }
    size_t ns = i;
    while (i < v.size() && v[i] != '=' && v[i] != ';' && !IsLwsp(v[i]) && v[i] != '\n') {
      ++i;
    }
    std::string_view name = v.substr(ns, i - ns);
    skip();
    if (name.empty() || i >= v.size() || v[i] != '=' || name.back() == '*') {
      return false;
    }
    ++i;
    skip();
    // The value as a view into `v` unless it has quoted-pair escapes or line breaks to drop.
    std::string_view value;
    std::string unescaped;
    if (i < v.size() && v[i] == '"') {
      ++i;
      size_t vs = i;
      bool plain = true;
      bool closed = false;
      while (i < v.size()) {
        char c = v[i];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' || c == '\n') {
          plain = false;
        }
        i += (c == '\\' && i + 1 < v.size()) ? 2 : 1;
      }
      if (!closed) {
        return false;
      }
      if (plain) {
        value = v.substr(vs, i - vs);
      } else {
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
      size_t vs = i;
      while (i < v.size() && v[i] != ';' && !IsLwsp(v[i]) && v[i] != '\n') {
        ++i;
      }
      value = v.substr(vs, i - vs);
      if (value.find('(') != std::string_view::npos) {
        return false;  // a comment
      }
    }
    skip();
    const int which = IEquals(name, "boundary")      ? 1
                      : IEquals(name, "charset")     ? 2
                      : IEquals(name, "report-type") ? 3
                                                     : 0;
    if (which != 0 && value.find("=?") != std::string_view::npos) {
      return false;
    }
    if (which == 1) {
      ct.boundary = std::string(value);
    } else if (which == 2) {
      ct.charset = std::string(value);
    } else if (which == 3) {
      ct.report_type = ToLower(value);
    }
  }
  return true;
}

enum class Encoding { kIdentity, kBase64, kQuotedPrintable, kUnknown };

Encoding EncodingOf(const Fields& fields) {
  int n = 0;
  const Field* f = Find(fields, "Content-Transfer-Encoding", &n);
  if (f == nullptr) {
    return Encoding::kIdentity;
  }
  if (n > 1) {
    return Encoding::kUnknown;
  }
  std::string_view v = Trim(f->value);
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

int Hex(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

std::string DecodeBase64(std::string_view in) {
  static const auto kTable = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) {
      t[static_cast<unsigned char>(a[i])] = static_cast<signed char>(i);
    }
    return t;
  }();
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
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
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string DecodeQuotedPrintable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const void* eq = std::memchr(in.data() + i, '=', in.size() - i);
    size_t at = eq == nullptr ? in.size() : static_cast<const char*>(eq) - in.data();
    out.append(in.data() + i, at - i);
    if (at == in.size()) {
      break;
    }
    // A soft line break: '=' then optional trailing blanks then LF (or the end).
    size_t j = at + 1;
    while (j < in.size() && IsLwsp(in[j])) {
      ++j;
    }
    if (j == in.size() || in[j] == '\n') {
      i = j + 1;
      continue;
    }
    if (at + 2 < in.size() && Hex(in[at + 1]) >= 0 && Hex(in[at + 2]) >= 0) {
      out.push_back(static_cast<char>(Hex(in[at + 1]) * 16 + Hex(in[at + 2])));
      i = at + 3;
      continue;
    }
    out.push_back('=');
    i = at + 1;
  }
  return out;
}

namespace {

// Whether `line` is "--boundary" (or "--boundary--" when `end`), optionally followed by blanks.
bool IsBoundary(std::string_view line, std::string_view boundary, bool& end) {
  if (line.size() < boundary.size() + 2 || line[0] != '-' || line[1] != '-' ||
      line.compare(2, boundary.size(), boundary) != 0) {
    return false;
  }
  std::string_view rest = line.substr(2 + boundary.size());
  end = rest.size() >= 2 && rest[0] == '-' && rest[1] == '-';
  if (end) {
    rest.remove_prefix(2);
  }
  for (char c : rest) {
    if (!IsLwsp(c)) {
      return false;
    }
  }
  return true;
}

// A message's own header fields as GMime lists them: the Content-* fields belong to its MIME
// part, not to the message. The names and the values (undecoded: Header::Value decodes one when
// read) point into one copy of the header block that `out` keeps.
void AppendMessageHeaders(const Fields& fields, Headers& out) {
  if (fields.empty()) {
    return;
  }
  const char* lo = fields.front().name.data();
  const char* hi = fields.back().value.data() + fields.back().value.size();
  auto bytes = std::make_shared<const std::string>(lo, static_cast<size_t>(hi - lo));
  const char* base = bytes->data();
  out.reserve(fields.size());
  for (const auto& f : fields) {
    if (IStartsWith(f.name, "Content-")) {
      continue;
    }
    out.AddUndecoded(std::string_view(base + (f.name.data() - lo), f.name.size()),
                     std::string_view(base + (f.value.data() - lo), f.value.size()));
  }
  out.Keep(std::move(bytes));
}

class FastWalker {
 public:
  FastWalker(const MimeLimits& limits, Mail& mail) : limits_(limits), mail_(mail) {}

  bool ok() const { return ok_; }

  // The text of the HTML parts, for a mail without plain text.
  std::string Html() {
    std::string html;
    for (const auto& h : html_parts_) {
      html += StripHtml(Decode(h.encoding, h.charset, h.body));
      html.push_back('\n');
    }
    return html;
  }

  // One MIME entity: its header fields and body. `known`: its Content-Type when the caller has
  // already read it with TypeOf (the top level), so it is not parsed twice.
  void Walk(const Fields& fields, std::string_view body, int depth, bool in_digest,
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
      if (!TypeOf(fields, in_digest, parsed)) {
        return;
      }
      known = &parsed;
    }
    const ContentType& ct = *known;
    const std::string& type = ct.type;
    if (type.compare(0, 10, "multipart/") == 0) {
      WalkMultipart(ct, body, depth);
      return;
    }
    if (type == "message/rfc822" || type == "message/news" || type == "message/global") {
      if (EncodingOf(fields) != Encoding::kIdentity) {
        ok_ = false;  // an encoded attached message: GMime decodes it first
        return;
      }
      CaptureOriginal(body);
      return;
    }
    if (type == "message/delivery-status" || type == "message/global-delivery-status" ||
        type == "text/delivery-status" || type == "message/x-delivery-status") {
      mail_.delivery_status.push_back(Text(fields, ct, body));
    } else if (type == "message/feedback-report") {
      mail_.feedback_report = Text(fields, ct, body);
    } else if (type == "text/rfc822-headers" || type == "message/rfc822-headers" ||
               type == "message/global-headers" || type == "message/partial") {
      if (!mail_.has_original) {
        std::string text = Text(fields, ct, body);
        mail_.has_original = true;
        mail_.original_headers = ParseFieldBlock(text);
      }
    } else if (type == "text/plain" || type == "text/x-aol" || type == "text/enriched") {
      if (!mail_.text.empty() && mail_.text.back() != '\n') {
        mail_.text.push_back('\n');
      }
      TextInto(fields, ct, body, mail_.text);
    } else if (type == "text/html") {
      // Decoded only when the mail has no plain text (see FinishHtml).
      HtmlPart h;
      h.encoding = EncodingOf(fields);
      h.charset = ct.charset;
      h.body = body;
      html_parts_.push_back(std::move(h));
    }
  }

  // The Content-Type of an entity, with GMime's default (text/plain; message/rfc822 in a
  // multipart/digest). False (and the walk abandoned) for a shape left to GMime.
  bool TypeOf(const Fields& fields, bool in_digest, ContentType& ct) {
    int n = 0;
    const Field* f = Find(fields, "Content-Type", &n);
    if (f == nullptr) {
      if (in_digest) {
        ok_ = false;
        return false;
      }
      ct.type = "text/plain";
      return true;
    }
    if (n > 1 || !ParseContentType(f->value, ct)) {
      ok_ = false;
      return false;
    }
    return true;
  }

 private:
  std::string Text(const Fields& fields, const ContentType& ct, std::string_view body) {
    std::string out;
    TextInto(fields, ct, body, out);
    return out;
  }

  // Appends the decoded text of a part to `out` (no temporary copy for a part that needs no
  // transfer or charset decoding).
  void TextInto(const Fields& fields, const ContentType& ct, std::string_view body,
                std::string& out) {
    DecodeInto(EncodingOf(fields), ct.charset, body, out);
  }

  std::string Decode(Encoding enc, const std::string& charset_name, std::string_view body) {
    std::string out;
    DecodeInto(enc, charset_name, body, out);
    return out;
  }

  void DecodeInto(Encoding enc, const std::string& charset_name, std::string_view body,
                  std::string& out) {
    const char* charset = charset_name.empty() ? nullptr : charset_name.c_str();
    switch (enc) {
      case Encoding::kIdentity:
        AppendUtf8(body, charset, out);
        return;
      case Encoding::kBase64:
        AppendUtf8(DecodeBase64(body), charset, out);
        return;
      case Encoding::kQuotedPrintable:
        AppendUtf8(DecodeQuotedPrintable(body), charset, out);
        return;
      case Encoding::kUnknown:
        break;
    }
    ok_ = false;
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
    // Split at the boundary lines; the line break before a boundary line belongs to it.
    std::vector<std::string_view> parts;
    size_t part_start = std::string_view::npos;  // npos: still in the prologue
    bool ended = false;
    // Only lines starting with "--boundary" can be boundary lines: they are found with Find
    // rather than by reading every line.
    const std::string dash_boundary = "--" + ct.boundary;
    size_t from = 0;
    while (from < body.size()) {
      size_t pos = bw::mail::Find(body, dash_boundary, from);
      if (pos == std::string_view::npos) {
        break;
      }
      from = pos + 1;
      if (pos > 0 && body[pos - 1] != '\n') {
        continue;  // not at the start of a line
      }
      size_t next = 0;
      std::string_view line = LineAt(body, pos, next);
      bool end = false;
      if (IsBoundary(line, boundary, end)) {
        if (part_start != std::string_view::npos) {
          size_t stop = pos > part_start ? pos - 1 : part_start;
          parts.push_back(body.substr(part_start, stop - part_start));
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
      parts.push_back(body.substr(std::min(part_start, body.size())));
    }
    if (parts.empty()) {
      // No boundary at all: GMime keeps everything as the prologue.
      AppendUtf8(body, nullptr, mail_.text);
      return;
    }
    Fields fields;
    for (std::string_view part : parts) {
      std::string_view part_body;
      if (!ReadFields(part, fields, part_body)) {
        ok_ = false;
        return;
      }
      Walk(fields, part_body, depth + 1, ct.type == "multipart/digest");
      if (!ok_) {
        return;
      }
    }
  }

  void CaptureOriginal(std::string_view message) {
    if (mail_.has_original) {
      return;
    }
    Fields fields;
    std::string_view body;
    if (!ReadFields(message, fields, body, /*drop_first_junk=*/true)) {
      ok_ = false;
      return;
    }
    mail_.has_original = true;
    AppendMessageHeaders(fields, mail_.original_headers);
    std::string_view from = FindHeader(mail_.original_headers, "From");
    if (IContains(from, "mailer-daemon") || IContains(from, "postmaster") ||
        IContains(FindHeader(mail_.original_headers, "Content-Type"), "report")) {
      if (message.size() <= (1u << 20)) {
        mail_.original_raw = std::string(message);
      }
    }
    ContentType ct;
    int n = 0;
    const Field* f = Find(fields, "Content-Type", &n);
    if (f == nullptr) {
      ct.type = "text/plain";
    } else if (n > 1 || !ParseContentType(f->value, ct)) {
      ok_ = false;
      return;
    }
    if (ct.type.compare(0, 5, "text/") == 0) {
      // Only the start is kept, so only the start is decoded (a base64 line is 76 bytes: cut on
      // a line break so that no quantum is split).
      std::string_view head = body.substr(0, 8192);
      size_t nl = head.size() < body.size() ? head.rfind('\n') : std::string_view::npos;
      if (nl != std::string_view::npos) {
        head = head.substr(0, nl + 1);
      }
      std::string text = Text(fields, ct, head);
      mail_.original_body = text.substr(0, 4096);
    }
  }

  const MimeLimits& limits_;
  Mail& mail_;
  struct HtmlPart {
    Encoding encoding = Encoding::kIdentity;
    std::string charset;
    std::string_view body;
  };
  int parts_ = 0;
  bool ok_ = true;
  std::vector<HtmlPart> html_parts_;
};

}  // namespace

std::optional<Mail> FastLoadMail(std::string_view lf, const MimeLimits& limits) {
  Fields fields;
  std::string_view body;
  if (lf.empty() || lf.front() == '\n' || !ReadFields(lf, fields, body) || fields.empty()) {
    return std::nullopt;
  }
  Mail mail;
  AppendMessageHeaders(fields, mail.headers);
  if (mail.headers.empty()) {
    return std::nullopt;  // only Content-* fields: GMime decides whether this is a mail at all
  }
  FastWalker walker(limits, mail);
  ContentType ct;
  if (!walker.TypeOf(fields, false, ct)) {
    return std::nullopt;
  }
  mail.mime_type = ct.type;
  mail.report_type = ct.report_type;
  walker.Walk(fields, body, 0, false, &ct);
  if (!walker.ok()) {
    return std::nullopt;
  }
  if (Trim(mail.text).empty()) {
    std::string html = walker.Html();
    if (!walker.ok()) {
      return std::nullopt;
    }
    if (!html.empty()) {
      mail.text = std::move(html);
    }
  }
  return mail;
}

}  // namespace bw::mail::internal
