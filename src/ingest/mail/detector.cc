// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/detector.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/ascii.h"
#include "core/cpu.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {

internal::DsnField internal::DsnFieldOf(std::string_view n) {
  // By length first: every name below differs in length from all but at most one other (most
  // names read are among them, so the comparisons run to the end: eight bytes at a time).
  switch (n.size()) {
    case 6:
      return IEqualsLower(n, "action")   ? DsnField::kAction
             : IEqualsLower(n, "status") ? DsnField::kStatus
                                         : DsnField::kOther;
    case 10:
      return IEqualsLower(n, "remote-mta") ? DsnField::kRemoteMta : DsnField::kOther;
    case 12:
      return IEqualsLower(n, "arrival-date") ? DsnField::kArrivalDate : DsnField::kOther;
    case 13:
      return IEqualsLower(n, "reporting-mta") ? DsnField::kReportingMta : DsnField::kOther;
    case 15:
      return IEqualsLower(n, "final-recipient")   ? DsnField::kFinalRecipient
             : IEqualsLower(n, "diagnostic-code") ? DsnField::kDiagnosticCode
                                                  : DsnField::kOther;
    case 17:
      return IEqualsLower(n, "last-attempt-date") ? DsnField::kLastAttemptDate : DsnField::kOther;
    case 18:
      return IEqualsLower(n, "x-actual-recipient")   ? DsnField::kXActualRecipient
             : IEqualsLower(n, "original-recipient") ? DsnField::kOriginalRecipient
                                                     : DsnField::kOther;
    default:
      return DsnField::kOther;
  }
}

namespace {

void SetField(Delivery& d, internal::DsnField field, std::string_view value) {
  using internal::DsnField;
  if (field == DsnField::kAction) {
    // Up to the first ' ' or '(' (a comment), lower-cased in place. (A byte loop: find_first_of
    // calls memchr on its two-byte set for every byte of the word.)
    const std::string_view action = Trim(value);
    size_t end = 0;
    while (end < action.size() && action[end] != ' ' && action[end] != '(') {
      ++end;
    }
    d.action.assign(action.substr(0, end));
    AsciiLowerInto(d.action, d.action.data());
  } else if (field == DsnField::kStatus) {
    std::string s = FindStatus(value);
    if (s.empty()) {
      d.status.assign(Trim(value));
    } else {
      d.status = std::move(s);
    }
  } else if (field == DsnField::kRemoteMta) {
    size_t semi = value.find(';');
    d.remote_mta.assign(Trim(semi == std::string_view::npos ? value : value.substr(semi + 1)));
  } else if (field == DsnField::kDiagnosticCode) {
    size_t semi = value.find(';');
    if (semi != std::string_view::npos && semi < 16 &&
        Trim(value.substr(0, semi)).find(' ') == std::string_view::npos) {
      d.diagnostic_type.assign(Trim(value.substr(0, semi)));
      for (auto& c : d.diagnostic_type) {
        // std::toupper in the "C" locale (bouncewatch never calls setlocale), without its call.
        c = c >= 'a' && c <= 'z' ? static_cast<char>(c - ('a' - 'A')) : c;
      }
      d.diagnostic = Squeeze(value.substr(semi + 1));
    } else {
      d.diagnostic = Squeeze(value);
    }
  } else if (field == DsnField::kLastAttemptDate) {
    d.date.assign(Trim(value));
  }
}

// The address of a recipient field's value ("rfc822; a@b"), as a view into it ("" when none).
std::string_view AddressOfField(std::string_view value) {
  size_t semi = value.find(';');
  std::string_view v = semi == std::string_view::npos ? value : value.substr(semi + 1);
  return FindAddressIn(v);
}

// The offset in the line text.substr(at, size) of its first ':' or ' ' (size when it has neither):
// one scan for both, 16 bytes at a time while `text` has them (bits past the line masked off).
size_t ColonOrSpace(std::string_view text, size_t at, size_t size) {
  size_t k = 0;
#if defined(__SSE2__)
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i space = _mm_set1_epi8(' ');
  for (; k < size && at + k + 16 <= text.size(); k += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at + k));
    auto m = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, space))));
    if (size - k < 16) {
      m &= (1u << (size - k)) - 1;
    }
    if (m != 0) {
      return k + static_cast<size_t>(__builtin_ctz(m));
    }
  }
#endif
  for (; k < size; ++k) {
    const char c = text[at + k];
    if (c == ':' || c == ' ') {
      return k;
    }
  }
  return size;
}

void ParseDsnText(std::string_view text, std::vector<Delivery>& out) {
  std::string reporting_mta;
  std::string arrival;
  bool has_final = false;
  bool has_orig = false;
  // A recipient field since the last flush: the recipient's group is built in place, as out's
  // last element (no copy of it, no reset); a group left without an address is taken off again.
  bool any = false;
  std::string orig_addr;
  auto start_group = [&]() -> Delivery& {
    if (!any) {
      out.emplace_back();
      any = true;
    }
    return out.back();
  };
  auto flush = [&] {
    if (!any) {
      return;  // no recipient field since the last flush: nothing to reset either
    }
    Delivery& cur = out.back();
    if (cur.recipient.empty()) {
      cur.recipient = orig_addr;
    }
    if (!cur.recipient.empty()) {
      cur.reporting_mta = reporting_mta;
      if (cur.date.empty()) {
        cur.date = arrival;
      }
    } else {
      out.pop_back();
    }
    has_final = has_orig = any = false;
    orig_addr.clear();
  };
  // The current field: its name and value are views into `text`, unless folded lines were
  // joined into `folded`.
  std::string_view name;
  std::string_view value;
  std::string folded;
  auto apply = [&] {
    if (name.empty()) {
      return;
    }
    using internal::DsnField;
    const DsnField field = internal::DsnFieldOf(name);
    const bool final_recipient = field == DsnField::kFinalRecipient;
    if (field == DsnField::kReportingMta) {
      size_t semi = value.find(';');
      reporting_mta.assign(Trim(semi == std::string::npos ? value : value.substr(semi + 1)));
    } else if (field == DsnField::kArrivalDate) {
      arrival.assign(value);
    } else if (final_recipient || field == DsnField::kXActualRecipient) {
      if (final_recipient &&
          (has_final || (has_orig && (!out.back().action.empty() || !out.back().status.empty())))) {
        flush();
      }
      Delivery& cur = start_group();
      if (final_recipient || cur.recipient.empty()) {
        if (const std::string_view a = AddressOfField(value); !a.empty()) {
          cur.recipient.assign(a);
        }
      }
      has_final = has_final || final_recipient;
    } else if (field == DsnField::kOriginalRecipient) {
      if (has_orig || (has_final && (!out.back().action.empty() || !out.back().status.empty() ||
                                     !out.back().diagnostic.empty()))) {
        flush();
      }
      start_group();
      orig_addr.assign(AddressOfField(value));
      has_orig = true;
    } else if (any) {
      SetField(out.back(), field, value);
    }
    name = {};
    value = {};
  };
  // The lines as SplitLines gives them (LF separated, a trailing CR dropped), one at a time:
  // no line list per part.
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (Trim(line).empty()) {
      apply();
      if (has_final) {
        flush();
      }
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!name.empty()) {
        if (value.data() != folded.data()) {
          folded.assign(value);
        }
        folded += ' ';
        folded += Trim(line);
        value = folded;
      }
      continue;
    }
    apply();
    // A field line: a ':' with no ' ' before it, and not at the start.
    const size_t colon =
        ColonOrSpace(text, static_cast<size_t>(line.data() - text.data()), line.size());
    if (colon == 0 || colon == line.size() || line[colon] != ':') {
      continue;
    }
    name = line.substr(0, colon);
    value = Trim(line.substr(colon + 1));
  }
  apply();
  flush();
}

}  // namespace

namespace {
thread_local DetectionScope* tl_scope = nullptr;
}  // namespace

DetectionScope::DetectionScope(const Mail& mail) : mail_(&mail), outer_(tl_scope) {
  tl_scope = this;
}

DetectionScope::~DetectionScope() { tl_scope = outer_; }

DetectionMemo* DetectionScope::MemoFor(const Mail& mail) {
  return tl_scope != nullptr && tl_scope->mail_ == &mail ? &tl_scope->memo_ : nullptr;
}

std::vector<Delivery> ParseDeliveryStatus(const Mail& mail) {
  std::vector<Delivery> out;
  for (const auto& part : mail.delivery_status) {
    ParseDsnText(part, out);
  }
  if (out.empty() && mail.delivery_status.empty()) {
    size_t at = IFind(mail.text, "final-recipient:");
    if (at != std::string::npos) {
      size_t start = mail.text.rfind("\n\n", at);
      ParseDsnText(std::string_view(mail.text).substr(start == std::string::npos ? 0 : start), out);
    }
  }
  return out;
}

size_t FindOriginalStart(std::string_view text) { return FindOriginalStart(text, ToLower(text)); }

namespace {

static_assert(std::size(kReadablePhrases) <= PhraseSet::kMaxPhrases);

uint64_t ScanReadablePhrases(const Mail& mail) {
  static const PhraseSet kSet(kReadablePhrases);
  std::string_view readable = mail.Readable();
  if (mail.text_lower.size() != mail.text.size()) {
    return kSet.Scan(ToLower(readable));  // a Mail built by hand
  }
  return kSet.Scan(std::string_view(mail.text_lower).substr(0, readable.size()));
}

}  // namespace

bool ReadableHas(const Mail& mail, size_t phrase) {
  DetectionMemo* memo = DetectionScope::MemoFor(mail);
  if (memo == nullptr) {
    return ((ScanReadablePhrases(mail) >> phrase) & 1) != 0;
  }
  if (!memo->readable_phrases) {
    memo->readable_phrases = ScanReadablePhrases(mail);
  }
  return ((*memo->readable_phrases >> phrase) & 1) != 0;
}

size_t NextLineMentioning(const Mail& mail, std::string_view needle, size_t from) {
  const std::string_view text = mail.Readable();
  if (mail.text_lower.size() != mail.text.size() || needle.empty() ||
      needle.find('\n') != std::string_view::npos) {
    for (size_t start = from, next = 0; start < text.size(); start = next) {
      if (IContains(LineFrom(text, start, next), needle)) {
        return start;
      }
    }
    return std::string_view::npos;
  }
  // The needle lower-cased on the stack (recipient addresses), else on the heap.
  char buffer[128];
  std::string heap;
  std::string_view n;
  if (needle.size() <= sizeof(buffer)) {
    AsciiLowerInto(needle, buffer);
    n = std::string_view(buffer, needle.size());
  } else {
    heap = ToLower(needle);
    n = heap;
  }
  const std::string_view lower = std::string_view(mail.text_lower).substr(0, text.size());
  for (size_t at = from; (at = Find(lower, n, at)) != std::string_view::npos; ++at) {
    // The hit's line; a hit that runs into the CR dropped from the line's end is not in it.
    const size_t nl = lower.rfind('\n', at);
    const size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
    size_t next = 0;
    if (at + n.size() <= begin + LineFrom(text, begin, next).size()) {
      return begin;
    }
  }
  return std::string_view::npos;
}

namespace {

#if defined(__SSE2__)
// The scan of ScanOriginalStart below: from the block at `i` on (16 bytes a step, while
// i + kSentF + 16 <= n), the first block with a candidate: a '\n' before '-' or '=', an 'm'
// with an 'e' six bytes on, or an 'x' with an 'f' kSentF bytes on. Returns its mask of
// candidates with `i` at it, or 0 with `i` at the first block not read. Without kLowering `src`
// is lower-cased already; with it, every block read is stored lower-cased (as AsciiLowerInto
// does) at the same offset in `out`. A function of its own, so that the loop keeps its state
// and constants in registers.
template <bool kLowering, size_t kSentF>
unsigned CandidateBlock(const char* src, char* out, size_t n, size_t& at) {
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i dash = _mm_set1_epi8('-');
  const __m128i equal = _mm_set1_epi8('=');
  const __m128i em = _mm_set1_epi8('m');
  const __m128i ee = _mm_set1_epi8('e');
  const __m128i ex = _mm_set1_epi8('x');
  const __m128i ef = _mm_set1_epi8('f');
  const __m128i bit = _mm_set1_epi8(0x20);
  size_t i = at;
  for (; i + kSentF + 16 <= n; i += 16) {
    const char* p = src + i;
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 6));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kSentF));
    if constexpr (kLowering) {
      // The block lower-cased. b is only compared with '-' and '='; c
      // and d only with the letters 'e' and 'f', and x | 0x20 is 'e' exactly when x is 'e' or 'E'
      // (the same for 'f'): the masks are those of the lower-cased bytes.
      a = AsciiLowerBlock(a);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), a);
      c = _mm_or_si128(c, bit);
      d = _mm_or_si128(d, bit);
    }
    __m128i sep = _mm_and_si128(_mm_cmpeq_epi8(a, nl),
                                _mm_or_si128(_mm_cmpeq_epi8(b, dash), _mm_cmpeq_epi8(b, equal)));
    __m128i msg = _mm_and_si128(_mm_cmpeq_epi8(a, em), _mm_cmpeq_epi8(c, ee));
    __m128i sent = _mm_and_si128(_mm_cmpeq_epi8(a, ex), _mm_cmpeq_epi8(d, ef));
    const auto m =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(sep, msg), sent)));
    if (m != 0) {
      at = i;
      return m;
    }
  }
  at = i;
  return 0;
}
#endif

#if defined(BW_CPU_AVX2_TARGET)
// CandidateBlock with AVX2: 32 positions a step while i + kSentF + 32 <= n; the mask of the
// first block with a candidate (bit k: position `at` + k), or 0 with `at` at the first block not
// read. With kLowering every block read is stored lower-cased in `out`, as CandidateBlock does.
template <bool kLowering, size_t kSentF>
[[gnu::target("avx2")]] uint32_t CandidateBlockAvx2(const char* src, char* out, size_t n,
                                                    size_t& at) {
  const __m256i nl = _mm256_set1_epi8('\n');
  const __m256i dash = _mm256_set1_epi8('-');
  const __m256i equal = _mm256_set1_epi8('=');
  const __m256i em = _mm256_set1_epi8('m');
  const __m256i ee = _mm256_set1_epi8('e');
  const __m256i ex = _mm256_set1_epi8('x');
  const __m256i ef = _mm256_set1_epi8('f');
  const __m256i bit = _mm256_set1_epi8(0x20);
  // AsciiLowerBlock's test: adding 128 - 'A' maps 'A'..'Z' onto -128..-103 (signed).
  const __m256i shift = _mm256_set1_epi8(static_cast<char>(128 - 'A'));
  const __m256i below = _mm256_set1_epi8(static_cast<char>(-128 + 26));
  size_t i = at;
  for (; i + kSentF + 32 <= n; i += 32) {
    const char* p = src + i;
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 6));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + kSentF));
    if constexpr (kLowering) {
      a = _mm256_or_si256(
          a, _mm256_and_si256(_mm256_cmpgt_epi8(below, _mm256_add_epi8(a, shift)), bit));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), a);
      c = _mm256_or_si256(c, bit);
      d = _mm256_or_si256(d, bit);
    }
    const __m256i sep =
        _mm256_and_si256(_mm256_cmpeq_epi8(a, nl),
                         _mm256_or_si256(_mm256_cmpeq_epi8(b, dash), _mm256_cmpeq_epi8(b, equal)));
    const __m256i msg = _mm256_and_si256(_mm256_cmpeq_epi8(a, em), _mm256_cmpeq_epi8(c, ee));
    const __m256i sent = _mm256_and_si256(_mm256_cmpeq_epi8(a, ex), _mm256_cmpeq_epi8(d, ef));
    const auto m = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(sep, msg), sent)));
    if (m != 0) {
      at = i;
      return m;
    }
  }
  at = i;
  return 0;
}
#endif

// The one pass behind FindOriginalStart and LowerUntilOriginalStart. Without kLowering, `lower`
// is ToLower(text) and `out` is unused. With kLowering, `out` is lower.data() and holds a copy
// of `text`: the pass lower-cases it from `text` as it goes, so that every byte it reads from
// `lower` is lower-cased first (`lowered` is how far that has gone), and stops lowering at the
// cut (plus the bytes it read past it).
template <bool kLowering>
size_t ScanOriginalStart(std::string_view text, std::string_view lower, char* out) {
  static constexpr const auto& kMarkers = kOriginalMessageMarkers;
  size_t cut = text.size();
  size_t lowered = 0;
  const auto lower_to = [&](size_t end) {
    if constexpr (kLowering) {
      // Whole 16-byte blocks while the text has them; bytes lowered twice come out the same.
      // (One AsciiLowerInto call up to the block end past `end` lowers the same bytes, but its
      // 8-byte and byte steps, never taken here but for the text's last bytes, cost 0.07 k
      // instructions a mail more: `decide` lowers a little ahead at each candidate.)
#if defined(__SSE2__)
      for (; lowered < end && lowered + 16 <= text.size(); lowered += 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + lowered),
                         AsciiLowerBlock(_mm_loadu_si128(
                             reinterpret_cast<const __m128i*>(text.data() + lowered))));
      }
#endif
      if (end > lowered) {
        AsciiLowerInto(text.substr(lowered), out + lowered);
        lowered = text.size();
      }
    }
  };
  // A separator line naming the original: "-------original message", "=== Original mail ===".
  // Only lines starting with "---" or "===" can be one.
  const auto separator_at = [&](size_t at) {
    size_t eol = text.find('\n', at);  // lower-casing keeps every '\n' where it is
    if (eol == std::string::npos) {
      eol = text.size();
    }
    // The first three bytes are no letters: `text` tells before the line is lower-cased.
    const std::string_view head = text.substr(at, std::min<size_t>(eol - at, 3));
    if (eol - at <= 4 || (head != "---" && head != "===")) {
      return false;
    }
    lower_to(eol);
    std::string_view line = lower.substr(at, eol - at);
    return (line.find("original message") != std::string_view::npos ||
            line.find("original mail") != std::string_view::npos ||
            line.find("returned message") != std::string_view::npos);
  };
  // The cut is the start of the line of the earliest marker (no marker spans a line end, so the
  // order of the searches does not matter). All markers but one contain "message": each of its
  // occurrences is checked against the markers around it, instead of a pass per marker. The
  // other one, kSent, is found by its 'x' with the 'f' of "follows" kSentF bytes on.
  static constexpr std::string_view kAnchor = "message";
  static constexpr std::string_view kSent = "the text you sent follows:";
  static constexpr size_t kSentX = kSent.find('x');
  static constexpr size_t kSentF = kSent.find(" f") + 1 - kSentX;
  static_assert(kSent.find('x', kSentX + 1) == std::string_view::npos);
  static_assert(std::count_if(std::begin(kMarkers), std::end(kMarkers), [](std::string_view m) {
                  return m.find(kAnchor) == std::string_view::npos;
                }) == 1);
  static_assert(std::find(std::begin(kMarkers), std::end(kMarkers), kSent) != std::end(kMarkers));
  const auto bol_of = [&](size_t at) {
    size_t bol = text.rfind('\n', at);
    return bol == std::string_view::npos ? size_t{0} : bol;
  };
  // Where kAnchor sits in each marker (npos: not in it), worked out once.
  static const auto kAnchorAt = [] {
    std::array<size_t, std::size(kMarkers)> at{};
    for (size_t k = 0; k < std::size(kMarkers); ++k) {
      at[k] = kMarkers[k].find(kAnchor);
    }
    return at;
  }();
  // The markers (bit k) that can hold kAnchor at i, by the byte two before it (lower[i - 2]):
  // the word before "message" ("the", "original", "unsent", "returned") tells most apart. A
  // marker whose kAnchor is among its first two bytes is under every byte.
  static_assert(std::size(kMarkers) <= 32);
  static const auto kMarkersByByte = [] {
    std::array<uint32_t, 256> by_byte{};
    for (size_t k = 0; k < std::size(kMarkers); ++k) {
      const size_t off = kAnchorAt[k];
      if (off == std::string_view::npos) {
        continue;
      }
      for (size_t b = 0; b < by_byte.size(); ++b) {
        if (off < 2 || static_cast<unsigned char>(kMarkers[k][off - 2]) == b) {
          by_byte[b] |= uint32_t{1} << k;
        }
      }
    }
    return by_byte;
  }();
  // How far past position i `decide` reads (before separator_at, which lowers its own line).
  static constexpr size_t kReach = [] {
    size_t reach = std::max<size_t>(4, kSent.size() - kSentX);
    for (std::string_view m : kMarkers) {
      const size_t off = m.find(kAnchor);
      reach = std::max(reach, off == std::string_view::npos ? 0 : m.size() - off);
    }
    return reach;
  }();
  // What position i of `lower` decides, if anything: a separator line starting after the '\n'
  // at i (the cut is i), the first marker in table order around "message" at i, or kSent around
  // the 'x' at i (the cut is the marker's line's start). The first position in text order that
  // decides gives the cut: no marker spans the '\n' before a separator or before another
  // marker's line, so this is the earliest of all kinds.
  const auto decide = [&](size_t i) {
    lower_to(std::min(i + kReach, lower.size()));
    if (lower[i] == '\n') {
      if (i + 4 <= lower.size() && (lower[i + 1] == '-' || lower[i + 1] == '=') &&
          lower[i + 2] == lower[i + 1] && lower[i + 3] == lower[i + 1] && separator_at(i + 1)) {
        cut = i;  // the line's start minus one, as before
        return true;
      }
      return false;
    }
    if (lower[i] == 'x') {
      if (i >= kSentX && lower.compare(i - kSentX, kSent.size(), kSent) == 0) {
        cut = bol_of(i - kSentX);
        return true;
      }
      return false;
    }
    if (lower.compare(i, kAnchor.size(), kAnchor) != 0) {
      return false;
    }
    const auto before = static_cast<unsigned char>(i >= 2 ? lower[i - 2] : '\0');
    for (uint32_t m = kMarkersByByte[before]; m != 0; m &= m - 1) {  // in table order
      const auto k = static_cast<size_t>(__builtin_ctz(m));
      const size_t off = kAnchorAt[k];
      if (i < off) {
        continue;
      }
      const std::string_view marker = kMarkers[k];
      const size_t start = i - off;
      if (start + marker.size() <= lower.size() && lower[start] == marker[0] &&
          lower.compare(start, marker.size(), marker) == 0) {
        cut = bol_of(start);
        return true;
      }
    }
    return false;
  };
  if (separator_at(0)) {
    cut = 0;
  } else {
    // One pass for all kinds: candidates are a '\n' before '-' or '=', an 'm' with an 'e' six
    // bytes on, and an 'x' with an 'f' kSentF bytes on (SSE2: 16 positions at a time).
    const size_t n = lower.size();
    size_t i = 0;
    bool done = false;
#if defined(__SSE2__)
    // Blocks of `width` positions from `block`, which moves i to the first block with a
    // candidate (lower-casing what it reads) and returns their bits; each candidate is decided.
    const auto scan_blocks = [&](auto width, auto block) {
      constexpr size_t kWidth = decltype(width)::value;
      while (!done && i + kSentF + kWidth <= n) {
        auto m = block();
        if (m == 0) {
          break;
        }
        if constexpr (kLowering) {
          lowered = std::max(lowered, i + kWidth);
        }
        for (; m != 0 && !done; m &= m - 1) {
          done = decide(i + static_cast<size_t>(__builtin_ctz(m)));
        }
        if (!done) {
          i += kWidth;
        }
      }
      if constexpr (kLowering) {
        if (!done) {
          lowered = std::max(lowered, i);  // the blocks read are lower-cased
        }
      }
    };
    const char* const src = kLowering ? text.data() : lower.data();
#endif
#if defined(BW_CPU_AVX2_TARGET)
    // 32 positions a step with AVX2 when the CPU has it; the 16-byte blocks below take the rest.
    if (HasAvx2()) {
      scan_blocks(std::integral_constant<size_t, 32>{},
                  [&] { return CandidateBlockAvx2<kLowering, kSentF>(src, out, n, i); });
    }
#endif
#if defined(__SSE2__)
    scan_blocks(std::integral_constant<size_t, 16>{},
                [&] { return CandidateBlock<kLowering, kSentF>(src, out, n, i); });
    if (done) {
      i = n;
    }
#endif
    if (i < n) {
      lower_to(n);  // the bytes the blocks left (fewer than kSentF + 16 with SSE2)
    }
#if defined(__SSE2__)
    if (i < n) {
      // Those bytes in blocks too, copied with NUL bytes after them: a NUL is none of the bytes
      // a candidate needs after its first ('-', '=', 'e', 'f'), so a candidate in the copy is
      // one whose bytes all lie in the text, as the blocks above require, and `decide` reads
      // `lower` itself.
      // The blocks start below kSentF + 16 and read kSentF + 16 bytes each.
      alignas(16) char tail[2 * (kSentF + 16)] = {};
      const size_t left = n - i;  // < kSentF + 16
      std::memcpy(tail, lower.data() + i, left);
      for (size_t j = 0; j < left && !done; j += 16) {
        size_t at = j;
        // No candidate starts in the padding: a NUL is not '\n', 'm' or 'x'.
        for (unsigned m = CandidateBlock<false, kSentF>(tail, nullptr, j + kSentF + 16, at);
             m != 0 && !done; m &= m - 1) {
          done = decide(i + j + static_cast<size_t>(__builtin_ctz(m)));
        }
      }
      i = n;
    }
#endif
    for (; i < n; ++i) {
      if ((lower[i] == '\n' || lower[i] == 'm' || lower[i] == 'x') && decide(i)) {
        break;
      }
    }
  }
  return cut;
}

}  // namespace

size_t FindOriginalStart(std::string_view text, std::string_view lower) {
  return ScanOriginalStart<false>(text, lower, nullptr);
}

size_t LowerUntilOriginalStart(std::string_view text, char* lower) {
  return ScanOriginalStart<true>(text, std::string_view(lower, text.size()), lower);
}

std::string_view TextBeforeOriginal(std::string_view text) {
  return text.substr(0, FindOriginalStart(text));
}

MailSignals SignalsOf(const Mail& mail) {
  MailSignals s;
  s.from = FromLower(mail);
  s.mail = &mail;
  s.has_delivery_status = !mail.delivery_status.empty();
  s.has_feedback_report = !mail.feedback_report.empty();
  // From names a mail system when it holds one of "mailer-daemon", "mail delivery",
  // "mail-daemon", "mailer_daemon", "mail administrator", "mailmaster", "postmaster", "daemon@",
  // "system administrator". The first six start with "mail": their ends are compared where "mail"
  // occurs (one search for the six instead of one each).
  const std::string_view from = s.from;
  constexpr std::string_view kMail = "mail";
  for (size_t at = from.find(kMail); at != std::string_view::npos && !s.from_daemon;
       at = from.find(kMail, at + 1)) {
    const std::string_view rest = from.substr(at + kMail.size());
    for (std::string_view end :
         {"er-daemon", " delivery", "-daemon", "er_daemon", " administrator", "master"}) {
      if (rest.starts_with(end)) {
        s.from_daemon = true;
        break;
      }
    }
  }
  s.from_daemon = s.from_daemon || from.find("postmaster") != std::string_view::npos ||
                  from.find("daemon@") != std::string_view::npos ||
                  from.find("system administrator") != std::string_view::npos;
  return s;
}

std::string SubjectLower(const Mail& mail) { return ToLower(FindHeader(mail.headers, "Subject")); }
std::string FromLower(const Mail& mail) { return ToLower(FindHeader(mail.headers, "From")); }

void ApplyReasonPhrases(Delivery& d, std::span<const ReasonPhrase> phrases) {
  for (const auto& p : phrases) {
    if (IContains(d.diagnostic, p.text)) {
      d.reason = std::string(p.reason);
      return;
    }
  }
}

bool HeadersMention(const Mail& mail, std::string_view lower_name, FieldNeedle needle) {
  for (const auto& h : mail.headers) {
    // The size first, inline: most fields are not `lower_name`.
    if (h.name.size() == lower_name.size() && IEqualsLower(h.name, lower_name) &&
        h.ValueMentions(needle.text, needle.word)) {
      return true;
    }
  }
  return false;
}

namespace {

// ReceivedMentions's needles, by bit (kReceivedExim is bit 0).
constexpr FieldNeedle kReceivedNeedles[] = {"(Exim ", "(SMTPD32", "invoked for bounce"};
static_assert(kReceivedNeedles[0].word == "(Exim" && kReceivedNeedles[1].word == "(SMTPD32" &&
              kReceivedNeedles[2].word == "invoked");

// The needles found by a '(' ("(exim", "(smtpd32"): asked about together.
constexpr uint32_t kReceivedParen = kReceivedExim | kReceivedSmtpd32;

// Of the `wanted` needles, the bits of those whose word (FieldNeedle::word) `raw` contains in any
// case, as IContains(raw, word) would say: the words after a '(' at each '(' (few in a Received
// field), "invoked" by a search of its own. (One SSE2 pass for a '(' or an 'i' with a 'd' six
// bytes on cost more: 'i' is common in these fields.)
uint32_t ReceivedWordsIn(std::string_view raw, uint32_t wanted) {
  uint32_t words = 0;
  if ((wanted & kReceivedParen) != 0) {
    for (size_t at = raw.find('('); at != std::string_view::npos; at = raw.find('(', at + 1)) {
      const std::string_view rest = raw.substr(at + 1);
      if (rest.size() >= 4 && IEqualsLower(rest.substr(0, 4), "exim")) {
        words |= kReceivedExim;
      } else if (rest.size() >= 7 && IEqualsLower(rest.substr(0, 7), "smtpd32")) {
        words |= kReceivedSmtpd32;
      }
    }
  }
  if ((wanted & kReceivedInvokedForBounce) != 0 && IContains(raw, kReceivedNeedles[2].word)) {
    words |= kReceivedInvokedForBounce;
  }
  return words & wanted;
}

// Of the `wanted` needles, the bits of those a Received field mentions: per field, the wanted
// needles not found yet whose word its raw value has (all of them when the value has no plain raw
// form) are looked for in its value, as Header::ValueMentions does.
uint32_t ScanReceived(const Mail& mail, uint32_t wanted) {
  uint32_t found = 0;
  for (const auto& h : mail.headers) {
    if (h.name.size() != 8 || !IEqualsLower(h.name, "received")) {
      continue;
    }
    uint32_t maybe = wanted & ~found;
    if (const std::optional<std::string_view> raw = h.PlainRawValue()) {
      maybe &= ReceivedWordsIn(*raw, maybe);
    }
    for (; maybe != 0; maybe &= maybe - 1) {
      const auto k = static_cast<size_t>(__builtin_ctz(maybe));
      if (IContains(h.Value(), kReceivedNeedles[k].text)) {
        found |= 1u << k;
      }
    }
    if (found == wanted) {
      break;
    }
  }
  return found;
}

}  // namespace

bool ReceivedMentions(const Mail& mail, ReceivedNeedle needle) {
  DetectionMemo* memo = DetectionScope::MemoFor(mail);
  if (memo == nullptr) {
    return ScanReceived(mail, needle) != 0;
  }
  if ((memo->received_known & needle) == 0) {
    const uint32_t group = (needle & kReceivedParen) != 0 ? kReceivedParen : uint32_t{needle};
    memo->received_found |= ScanReceived(mail, group);
    memo->received_known |= group;
  }
  return (memo->received_found & needle) != 0;
}

}  // namespace bw::mail
