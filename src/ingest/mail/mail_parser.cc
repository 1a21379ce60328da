// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


#include "core/time_format.h"
#include "ingest/classify/reason.h"
#include "ingest/mail/detector.h"
#include "ingest/mail/mail.h"
#include "ingest/mail/mime_internal.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

std::string StripAngles(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

// Prefers the specific code in the text over a generic "x.0.0" in the Status field.
std::string ChooseStatus(const std::string& field, const std::string& from_text,
                         std::string_view diagnostic) {
  if (field.empty()) {
    return from_text;
  }
  if (from_text.empty() || field == from_text) {
    return field;
  }
  // "x.y.0" is "other / undefined": a more specific code of the same class in the text wins.
  if (field.size() >= 5 && field.substr(field.size() - 2) == ".0") {
    std::string best = field.substr(1) == ".0.0" && from_text[0] == field[0] ? from_text : field;
    std::string_view rest = diagnostic;
    for (int i = 0; i < 8; ++i) {
      std::string st = FindStatus(rest);
      if (st.empty()) {
        break;
      }
      if (st[0] == field[0] && st.substr(st.size() - 2) != ".0") {
        return st;
      }
      size_t at = rest.find(st);
      rest.remove_prefix(at + st.size());
    }
    return best;
  }
  return field;
}

// The first field called names[k] (any case) for each k, or nullptr: what FindHeader finds for
// each name, in one walk of `headers`. `names` must be distinct.
template <size_t N>
std::array<const Header*, N> FirstHeaders(const Headers& headers,
                                          const std::array<std::string_view, N>& names) {
  static_assert(N <= 16, "a 16-bit mask of names");
  std::array<const Header*, N> found{};
  // by_length[n], bit k: names[k] is n bytes long (every name is under 64 bytes). A field is
  // compared only with the names of its length not found yet.
  std::array<uint16_t, 64> by_length{};
  for (size_t k = 0; k < N; ++k) {
    by_length[names[k].size() & 63] |= static_cast<uint16_t>(1u << k);
  }
  uint32_t pending = (1u << N) - 1;
  for (const Header& h : headers) {
    if (h.name.size() >= 64) {
      continue;
    }
    for (uint32_t cand = by_length[h.name.size()] & pending; cand != 0; cand &= cand - 1) {
      const auto k = static_cast<size_t>(__builtin_ctz(cand));
      if (IEquals(h.name, names[k])) {
        found[k] = &h;
        pending &= ~(1u << k);
        break;
      }
    }
    if (pending == 0) {
      break;
    }
  }
  return found;
}

// Fills `r` (default-constructed) from `d`; takes the fields of `d` it copies (recipient, action,
// diagnostic, diagnostic type, MTAs, feedback type): the caller is done with them.
void Finish(Delivery& d, const Mail& mail, std::string_view detector, const ParseOptions& options,
            MailResult& r) {
  r.recipient = std::move(d.recipient);
  MakeValidUtf8(r.recipient);
  r.detector = std::string(detector);
  r.action = std::move(d.action);
  r.diagnostic_type = std::move(d.diagnostic_type);
  r.remote_mta = std::move(d.remote_mta);
  r.reporting_mta = std::move(d.reporting_mta);
  r.feedback_type = std::move(d.feedback_type);
  const bool classify = d.reason != "feedback" && d.reason != "vacation";
  if (classify) {
    // What the diagnostic as the detector wrote it says (before it is taken below).
    // ChooseStatus reads the code in the text only for an empty or an "x.y.0" field.
    const bool text_status_needed =
        d.status.empty() ||
        (d.status.size() >= 5 && std::string_view(d.status).substr(d.status.size() - 2) == ".0");
    // Both codes in the text from one pass (FindStatus, FindReplyCode).
    std::string text_status;
    FindStatusAndReplyCode(d.diagnostic, text_status_needed ? &text_status : nullptr,
                           d.reply_code.empty() ? &r.reply_code : nullptr);
    r.status = ChooseStatus(d.status, text_status, d.diagnostic);
    if (!d.reply_code.empty()) {
      r.reply_code = std::move(d.reply_code);
    }
    r.smtp_command = d.smtp_command.empty() ? FindSmtpCommand(d.diagnostic) : d.smtp_command;
  }
  // The diagnostic taken and joined in place: no copy.
  r.diagnostic_code = std::move(d.diagnostic);
  JoinReplyLinesInPlace(r.diagnostic_code);
  MakeValidUtf8(r.diagnostic_code);
  if (classify) {
    ingest::ReasonInput in;
    in.status = r.status;
    in.reply_code = r.reply_code;
    in.diagnostic = r.diagnostic_code;
    in.action = r.action;
    in.smtp_command = r.smtp_command;
    in.diagnostic_type = r.diagnostic_type;
    in.hint = d.reason;
    r.reason = ingest::ClassifyReason(in);
    if (r.action.empty()) {
      r.action = r.reason == "delivered"                     ? "delivered"
                 : (!r.status.empty() && r.status[0] == '4') ? "delayed"
                                                             : "failed";
    }
  } else {
    r.reason = d.reason;
  }
  std::string_view klass = !r.status.empty() ? std::string_view(r.status) : r.reply_code;
  if (klass.empty()) {
    klass = r.action == "delayed" ? "4" : "5";
  }
  r.hard_bounce = ingest::IsHardReason(r.reason, klass);
  std::optional<int64_t> ts;
  if (!d.date.empty()) {
    ts = ParseRfc5322DateMs(d.date);
    if (!ts) {
      ts = ParseIso8601Ms(d.date);
    }
  }
  if (!options.original_fields) {
    // Of the mail's header fields only Date, when the delivery has no date.
    if (!ts) {
      ts = ParseRfc5322DateMs(FindHeader(mail.headers, "Date"));
    }
    r.timestamp_ms = ts.value_or(0);
    return;
  }
  // The headers Finish reads, each list found in one walk of its header block.
  enum : size_t { kDate, kOriginalTo, kDeliveredTo, kTo, kEnvelopeTo, kMailNames };
  static constexpr std::array<std::string_view, kMailNames> kMailHeaderNames = {
      "Date", "X-Original-To", "Delivered-To", "To", "Envelope-To"};
  enum : size_t {
    kMessageId,
    kSesMessageId,  // provider ids from here to kFeedbackId, in order of preference
    kXMessageId,
    kMcMessageId,
    kSgEid,
    kMailgunMessageId,
    kFeedbackId,
    kFrom,
    kSubject,
    kReturnPath,
    kOriginalNames
  };
  static constexpr std::array<std::string_view, kOriginalNames> kOriginalHeaderNames = {
      "Message-ID", "X-SES-Message-ID",     "X-Message-ID", "X-MC-Message-ID", "X-SG-EID",
      "X-Mailgun-Message-ID", "Feedback-ID", "From",       "Subject",         "Return-Path"};
  const auto own = FirstHeaders(mail.headers, kMailHeaderNames);
  const auto original = FirstHeaders(mail.original_headers, kOriginalHeaderNames);
  const auto value = [](const Header* h) { return h == nullptr ? std::string_view{} : h->Value(); };
  if (!ts) {
    ts = ParseRfc5322DateMs(value(own[kDate]));
  }
  r.timestamp_ms = ts.value_or(0);
  r.original_message_id = StripAngles(value(original[kMessageId]));
  if (r.original_message_id.empty() && !mail.has_original) {
    // A bounce that quotes the original inline: its Message-ID line after the marker.
    std::string_view text = mail.text;
    size_t cut = mail.readable_size;
    size_t at = IFind(text, "\nmessage-id:", cut);
    if (at != std::string::npos) {
      size_t eol = text.find('\n', at + 1);
      r.original_message_id = StripAngles(text.substr(at + 12, eol - at - 12));
    }
  }
  for (size_t k = kSesMessageId; k <= kFeedbackId; ++k) {
    std::string_view v = value(original[k]);
    if (!v.empty()) {
      r.provider_message_id = StripAngles(v);
      break;
    }
  }
  r.original_from = std::string(value(original[kFrom]));
  r.original_subject = std::string(value(original[kSubject]));
  // DecodeVerp needs the address to begin with the pattern's prefix, and FindAddress returns a
  // part of the header's value: a value without the prefix is not looked at further.
  const std::string_view verp_prefix =
      std::string_view(options.verp_pattern).substr(0, options.verp_pattern.find("{local}"));
  const auto verp = [&](const Header* h) -> std::optional<std::string> {
    std::string_view v = value(h);
    if (v.empty() || !IContains(v, verp_prefix)) {
      return std::nullopt;
    }
    return DecodeVerp(FindAddress(v), options.verp_pattern);
  };
  for (size_t k : {kOriginalTo, kDeliveredTo, kTo, kEnvelopeTo}) {
    if (auto v = verp(own[k])) {
      r.verp_recipient = *v;
      break;
    }
  }
  if (r.verp_recipient.empty()) {
    if (auto v = verp(original[kReturnPath])) {
      r.verp_recipient = *v;
    }
  }
}

// `raw` without an mbox "From " line (a view into it: no copy of the mail).
std::string_view StripMboxFromLine(std::string_view raw) {
  if (raw.substr(0, 5) == "From ") {
    size_t eol = raw.find_first_of("\r\n");
    if (eol == std::string_view::npos) {
      return {};
    }
    if (raw[eol] == '\r' && eol + 1 < raw.size() && raw[eol + 1] == '\n') {
      ++eol;
    }
    return raw.substr(eol + 1);
  }
  return raw;
}

}  // namespace

std::optional<std::string> DecodeVerp(std::string_view address, std::string_view pattern) {
  size_t lp = pattern.find("{local}");
  size_t dp = pattern.find("{domain}");
  if (address.empty() || lp == std::string_view::npos || dp == std::string_view::npos || dp < lp) {
    return std::nullopt;
  }
  std::string_view prefix = pattern.substr(0, lp);
  std::string_view middle = pattern.substr(lp + 7, dp - lp - 7);
  std::string_view suffix = pattern.substr(dp + 8);
  if (!IStartsWith(address, prefix)) {
    return std::nullopt;
  }
  std::string_view rest = address.substr(prefix.size());
  size_t end = suffix.empty() ? rest.size() : IFind(rest, suffix);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view encoded = rest.substr(0, end);
  size_t sep = middle.empty() ? std::string_view::npos : encoded.rfind(middle);
  if (sep == std::string_view::npos || sep == 0 || sep + middle.size() >= encoded.size()) {
    return std::nullopt;
  }
  return std::string(encoded.substr(0, sep)) + "@" +
         std::string(encoded.substr(sep + middle.size()));
}

namespace {

Result<std::vector<MailResult>> ParseMailAt(std::string_view raw, const ParseOptions& options,
                                            int level);

// A Mail kept per thread and filled again from mail to mail (LoadMailInto reuses the memory of
// its strings and field lists), one per nesting level in use: a forwarded bounce parses its inner
// mail while the outer one is held. Emptied when released (Mail::Clear, which gives back what a
// very large mail grew).
class PooledMail {
 public:
  ~PooledMail() { pooled_.get().Clear(); }
  Mail& get() { return pooled_.get(); }

 private:
  internal::ThreadPooled<Mail> pooled_;
};

}  // namespace

Result<std::vector<MailResult>> ParseMail(std::string_view raw, const ParseOptions& options) {
  return ParseMailAt(raw, options, 0);
}

namespace {

Result<std::vector<MailResult>> ParseMailAt(std::string_view raw, const ParseOptions& options,
                                            int level) {
  MimeLimits limits;
  limits.max_bytes = options.max_bytes;
  limits.max_depth = options.max_depth;
  limits.max_parts = options.max_parts;
  limits.engine = options.engine;
  if (raw.size() > options.max_bytes) {
    return TooLarge("the mail is larger than " + std::to_string(options.max_bytes) + " bytes");
  }
  PooledMail pooled;
  Mail& mail = pooled.get();
  if (Status loaded = LoadMailInto(StripMboxFromLine(raw), limits, mail); !loaded) {
    return loaded.error();
  }
  if (level == 0 && !mail.original_raw.empty() && mail.delivery_status.empty() &&
      mail.feedback_report.empty() &&
      (IContains(FindHeader(mail.original_headers, "From"), "mailer-daemon") ||
       IContains(FindHeader(mail.original_headers, "Content-Type"), "report-type"))) {
    // A bounce forwarded as an attachment (a report about a report): the inner one has the
    // details.
    auto inner = ParseMailAt(mail.original_raw, options, level + 1);
    if (inner && !inner->empty()) {
      return inner;
    }
  }
  std::vector<MailResult> results;
  const MailSignals signals = SignalsOf(mail);
  const DetectionScope scope(mail);  // detectors share the helpers' results for this mail
  for (const auto& detector : Detectors()) {
    if (!detector->Accepts(signals)) {
      continue;
    }
    std::vector<Delivery> found = detector->Detect(mail);
    if (found.empty()) {
      continue;
    }
    results.reserve(found.size());  // (one allocation: only this detector's results are kept)
    for (auto& d : found) {
      bool dup = false;
      for (const auto& r : results) {
        dup = dup || IEquals(r.recipient, d.recipient);
      }
      if (dup) {
        continue;
      }
      Finish(d, mail, detector->Name(), options, results.emplace_back());
    }
    break;
  }
  return results;
}

}  // namespace

namespace {

// Writes JSONL lines into this thread's scratch buffer, made large enough beforehand for the worst
// case (Reserve, then the writes), so no write checks for room and no byte is written twice;
// AppendTo copies the lines out. One writer at a time per thread.
class JsonlWriter {
 public:
  JsonlWriter() : p_(Scratch().bytes.get()) {}

  // Room for `bytes` more bytes. Must be called before the writes it covers.
  void Reserve(size_t bytes) {
    Buffer& b = Scratch();
    const size_t used = static_cast<size_t>(p_ - b.bytes.get());
    if (used + bytes > b.capacity) {
      const size_t capacity = std::max(2 * b.capacity, used + bytes);
      std::unique_ptr<char[]> bigger(new char[capacity]);  // not zero-filled
      if (used > 0) {
        std::memcpy(bigger.get(), b.bytes.get(), used);
      }
      b.bytes = std::move(bigger);
      b.capacity = capacity;
      p_ = b.bytes.get() + used;
    }
  }
  // How many bytes were written so far.
  size_t Size() const { return static_cast<size_t>(p_ - Scratch().bytes.get()); }

  // Writes again the `size` bytes written from offset `at` (at + size <= Size()).
  void Again(size_t at, size_t size) {
    std::memcpy(p_, Scratch().bytes.get() + at, size);
    p_ += size;
  }

  // Appends the bytes written so far to `out`.
  void AppendTo(std::string& out) const {
    const char* start = Scratch().bytes.get();
    out.append(start, static_cast<size_t>(p_ - start));
  }

  static size_t StringRoom(std::string_view s) { return 6 * s.size() + 2; }

  void Raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }

  // `s` as a JSON string, escaped exactly as boost::json::serialize escapes (", \\, the short
  // escapes, other control characters as \u00xx; UTF-8 as is).
  void String(std::string_view s) { WriteString<false>(s); }

  // What String(Printable(s, scratch)) writes: `s` when it is printable ASCII (tab and LF
  // allowed), else ValidUtf8(s) (room for it reserved here). Printable `s`, nearly every value,
  // is checked while it is written instead of in a pass of its own.
  void PrintableString(std::string_view s, std::string& scratch) {
    if (!WriteString<true>(s)) {
      scratch = ValidUtf8(s);
      Reserve(StringRoom(scratch));
      WriteString<false>(scratch);
    }
  }

 private:
  // String(s). With kPrintableOnly, at the first byte that is not printable ASCII, tab or LF
  // (>= 0x80, or another control byte), nothing is written and it returns false. Runs without a
  // byte to escape are found 16 bytes at a time and copied whole.
  template <bool kPrintableOnly>
  bool WriteString(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    char* const start = p_;
    *p_++ = '"';
    size_t run = 0;
    size_t i = 0;
    const size_t n = s.size();
#if defined(__SSE2__)
    if (n < 16 && WriteShortAsIs<kPrintableOnly>(s)) {
      *p_++ = '"';
      return true;
    }
#endif
    while (i < n) {
#if defined(__SSE2__)
      // The bytes to escape among the 16 from i; fewer than 16 left (short fields, a tail) are
      // tested in a zero-padded copy, the padding masked out. Bytes >= 0x80 have their top bit
      // set.
      unsigned mask;
      unsigned high;
      if (i + 16 <= n) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        mask = EscapeMask(v);
        high = static_cast<unsigned>(_mm_movemask_epi8(v));
      } else {
        alignas(16) char block[16] = {};
        std::memcpy(block, s.data() + i, n - i);
        const __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
        const unsigned valid = (1u << (n - i)) - 1;
        mask = EscapeMask(v) & valid;
        high = static_cast<unsigned>(_mm_movemask_epi8(v)) & valid;
      }
      if (kPrintableOnly && high != 0) {
        p_ = start;
        return false;
      }
      if (mask == 0) {
        if (i + 16 > n) {
          break;  // nothing left to escape
        }
        i += 16;
        continue;
      }
      i += static_cast<size_t>(__builtin_ctz(mask));
#endif
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (kPrintableOnly && (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n'))) {
        p_ = start;
        return false;
      }
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      Raw(s.substr(run, i - run));
      run = i + 1;
      ++i;
      *p_++ = '\\';
      switch (c) {
        case '"': *p_++ = '"'; break;
        case '\\': *p_++ = '\\'; break;
        case '\b': *p_++ = 'b'; break;
        case '\f': *p_++ = 'f'; break;
        case '\n': *p_++ = 'n'; break;
        case '\r': *p_++ = 'r'; break;
        case '\t': *p_++ = 't'; break;
        default:
          Raw("u00");
          *p_++ = kHex[c >> 4];
          *p_++ = kHex[c & 0xf];
      }
    }
    Raw(s.substr(run));
    *p_++ = '"';
    return true;
  }

#if defined(__SSE2__)
  // A value shorter than 16 bytes (most fields: "5.1.1", "550", "failed"), written as is when no
  // byte needs escaping (and, with kPrintableOnly, all are ASCII); false, with nothing written,
  // otherwise. Two overlapping 8- or 4-byte loads cover the value and two stores write it: no
  // zero-padded block and no memcpy calls.
  template <bool kPrintableOnly>
  bool WriteShortAsIs(std::string_view s) {
    const char* const d = s.data();
    const size_t n = s.size();
    if (n < 4) {
      for (size_t k = 0; k < n; ++k) {
        const auto c = static_cast<unsigned char>(d[k]);
        if (c < 0x20 || c == '"' || c == '\\' || (kPrintableOnly && c >= 0x80)) {
          return false;
        }
      }
      for (size_t k = 0; k < n; ++k) {
        p_[k] = d[k];
      }
      p_ += n;
      return true;
    }
    __m128i v;
    unsigned valid;
    uint64_t lo8 = 0;
    uint64_t hi8 = 0;
    uint32_t lo4 = 0;
    uint32_t hi4 = 0;
    if (n >= 8) {
      std::memcpy(&lo8, d, 8);
      std::memcpy(&hi8, d + n - 8, 8);
      v = _mm_set_epi64x(static_cast<int64_t>(hi8), static_cast<int64_t>(lo8));
      valid = 0xffff;
    } else {
      std::memcpy(&lo4, d, 4);
      std::memcpy(&hi4, d + n - 4, 4);
      v = _mm_set_epi32(0, 0, static_cast<int>(hi4), static_cast<int>(lo4));
      valid = 0xff;
    }
    unsigned bad = EscapeMask(v);
    if constexpr (kPrintableOnly) {
      bad |= static_cast<unsigned>(_mm_movemask_epi8(v));
    }
    if ((bad & valid) != 0) {
      return false;
    }
    if (n >= 8) {
      std::memcpy(p_, &lo8, 8);
      std::memcpy(p_ + n - 8, &hi8, 8);
    } else {
      std::memcpy(p_, &lo4, 4);
      std::memcpy(p_ + n - 4, &hi4, 4);
    }
    p_ += n;
    return true;
  }
#endif

 public:
#if defined(__SSE2__)
  // Bit k set when byte k of `v` must be escaped in a JSON string: '"', '\\' or a control byte.
  static unsigned EscapeMask(__m128i v) {
    const __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
    const __m128i special =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(ctl, special)));
  }
#endif

  // The most that Iso8601Ms writes.
  static constexpr size_t kTimeRoom = 64;

  // FormatIso8601Ms(unix_ms) ("2024-01-02T03:04:05.678Z") without snprintf and gmtime.
  void Iso8601Ms(int64_t unix_ms) {
    int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
    int64_t ms = unix_ms - secs * 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t sod = secs - days * 86400;
    // Days to a civil date (H. Hinnant's days_from_civil, inverted).
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) {
      // Widths differ: the general formatter (its output is well under kTimeRoom bytes).
      std::string general = FormatIso8601Ms(unix_ms);
      Raw(std::string_view(general).substr(0, kTimeRoom));
      return;
    }
    char* b = p_;
    auto two = [&](int at, int64_t v) {
      b[at] = static_cast<char>('0' + v / 10);
      b[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, year / 100);
    two(2, year % 100);
    b[4] = '-';
    two(5, month);
    b[7] = '-';
    two(8, day);
    b[10] = 'T';
    two(11, sod / 3600);
    b[13] = ':';
    two(14, sod / 60 % 60);
    b[16] = ':';
    two(17, sod % 60);
    b[19] = '.';
    b[20] = static_cast<char>('0' + ms / 100);
    two(21, ms % 100);
    b[23] = 'Z';
    p_ += 24;
  }

 private:
  struct Buffer {
    std::unique_ptr<char[]> bytes;
    size_t capacity = 0;
  };
  static Buffer& Scratch() {
    thread_local Buffer buffer;
    return buffer;
  }

  char* p_;
};

// `value` when it is printable ASCII (tab and LF allowed), else ValidUtf8(value) kept in `scratch`.
std::string_view Printable(std::string_view value, std::string& scratch) {
  if (IsPrintableAscii(value)) {
    return value;
  }
  scratch = ValidUtf8(value);
  return scratch;
}

}  // namespace

std::string FormatJsonl(std::string_view file, const std::vector<MailResult>& results) {
  std::string out;
  AppendJsonl(file, results, out);
  return out;
}

void AppendJsonl(std::string_view file, const std::vector<MailResult>& results, std::string& out) {
  // Written directly (same bytes as boost::json::serialize of the same object, keys in this
  // order): building a JSON object per line cost more than parsing the mail.
  if (results.empty()) {
    return;
  }
  std::string file_scratch;
  const std::string_view file_text = Printable(file, file_scratch);  // = ValidUtf8(file)
  size_t file_at = 0;  // the file name's JSON string, as written into the first line
  size_t file_size = 0;
  JsonlWriter w;
  std::string scratch;  // a value made valid UTF-8 (PrintableString)
  int index = 0;
  for (const auto& r : results) {
    // The recipient and the diagnostic are valid UTF-8 already (Finish); the others may not be
    // (PrintableString).
    w.Reserve(256 + JsonlWriter::StringRoom(file_text) + JsonlWriter::StringRoom(r.recipient) +
              JsonlWriter::StringRoom(r.status) + JsonlWriter::StringRoom(r.reply_code) +
              JsonlWriter::StringRoom(r.reason) + JsonlWriter::StringRoom(r.feedback_type) +
              JsonlWriter::StringRoom(r.action) + JsonlWriter::StringRoom(r.diagnostic_code) +
              JsonlWriter::kTimeRoom);
    w.Raw("{\"file\":");
    if (index == 0) {
      file_at = w.Size();
      w.String(file_text);
      file_size = w.Size() - file_at;
    } else {
      w.Again(file_at, file_size);  // the same bytes as in the first line
    }
    w.Raw(",\"index\":");
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++index);
    (void)ec;  // an int always fits
    w.Raw(std::string_view(digits, static_cast<size_t>(end - digits)));
    w.Raw(",\"recipient\":");
    w.String(r.recipient);
    w.Raw(",\"status\":");
    w.PrintableString(r.status, scratch);
    w.Raw(",\"replycode\":");
    w.PrintableString(r.reply_code, scratch);
    w.Raw(",\"reason\":");
    w.PrintableString(r.reason, scratch);
    w.Raw(r.hard_bounce ? ",\"hardbounce\":1" : ",\"hardbounce\":0");
    w.Raw(",\"feedbacktype\":");
    w.PrintableString(r.feedback_type, scratch);
    w.Raw(",\"action\":");
    w.PrintableString(r.action, scratch);
    w.Raw(",\"diagnosticcode\":");
    w.String(r.diagnostic_code);
    w.Raw(",\"timestamp\":\"");
    if (r.timestamp_ms != 0) {
      w.Iso8601Ms(r.timestamp_ms);
    }
    w.Raw("\"}\n");
  }
  w.AppendTo(out);
}

std::string FormatTable(std::string_view file, const std::vector<MailResult>& results,
                        bool header) {
  std::string out;
  char buf[512];
  if (header) {
    std::snprintf(buf, sizeof buf, "%-40s %-3s %-40s %-8s %-5s %-16s %-4s\n", "FILE", "#",
                  "RECIPIENT", "STATUS", "CODE", "REASON", "HARD");
    out += buf;
  }
  int index = 0;
  for (const auto& r : results) {
    std::snprintf(buf, sizeof buf, "%-40.*s %-3d %-40s %-8s %-5s %-16s %-4s\n",
                  static_cast<int>(std::min<size_t>(file.size(), 200)), file.data(), ++index,
                  r.recipient.c_str(), r.status.c_str(), r.reply_code.c_str(), r.reason.c_str(),
                  r.hard_bounce ? "yes" : "no");
    out += buf;
  }
  return out;
}

std::vector<FeedbackEvent> ToEvents(const std::vector<MailResult>& results, std::string_view origin,
                                    const Clock& clock) {
  std::vector<FeedbackEvent> events;
  int64_t now = ToUnixMs(clock.Now());
  for (const auto& r : results) {
    FeedbackEvent e;
    e.recipient = r.recipient;
    e.occurred_at_ms = r.timestamp_ms != 0 ? r.timestamp_ms : now;
    e.received_at_ms = now;
    e.source = "mail";
    e.origin.file = std::string(origin);
    e.mail.header_message_id = r.original_message_id;
    e.mail.message_id = r.provider_message_id;
    e.mail.from = r.original_from;
    e.mail.subject = r.original_subject;
    if (r.reason == "feedback") {
      e.type = EventType::kComplaint;
      ComplaintInfo c;
      c.feedback_type = r.feedback_type;
      e.complaint = c;
    } else if (r.reason == "vacation") {
      e.type = EventType::kAutoReply;
    } else if (r.reason == "delivered") {
      e.type = EventType::kDelivery;
    } else {
      e.type = EventType::kBounce;
      BounceInfo b;
      bool hard = r.hard_bounce;
      b.bounce_class = hard ? BounceClass::kHard
                       : (r.reason == "undefined" || r.reason == "onhold")
                           ? BounceClass::kUndetermined
                           : BounceClass::kSoft;
      b.status = r.status;
      b.action = r.action;
      b.diagnostic = r.diagnostic_code;
      b.reason = r.reason;
      b.reporting_mta = r.reporting_mta;
      e.bounce = b;
    }
    if (!r.verp_recipient.empty()) {
      e.details["verp_recipient"] = r.verp_recipient;
    }
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace bw::mail
