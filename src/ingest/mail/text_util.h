// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii.h"

// Small string helpers shared by the detectors. All pure and thread-safe; none allocate more than
// their result.

namespace bw::mail {

std::string ToLower(std::string_view s);
// `s` without its leading and trailing white space (' ', '\t', '\n', '\r'). Inline: it is called
// for nearly every line the detectors read, mostly on text that has no such byte at either end.
inline std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && space(s[begin])) {
    ++begin;
  }
  while (end > begin && space(s[end - 1])) {
    --end;
  }
  return s.substr(begin, end - begin);
}
bool IStartsWith(std::string_view s, std::string_view prefix);
bool IContains(std::string_view haystack, std::string_view needle);
size_t IFind(std::string_view haystack, std::string_view needle, size_t from = 0);
bool IEquals(std::string_view a, std::string_view b);

// IEquals(s, lower) for a `lower` without ASCII capital letters (a literal such as a field name):
// eight bytes of `s` lower-cased and compared at a time. Inline, so that the size of a literal
// `lower` is known where it is called.
inline bool IEqualsLower(std::string_view s, std::string_view lower) {
  const size_t n = s.size();
  if (n != lower.size()) {
    return false;
  }
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      if (AsciiLower(s[i]) != lower[i]) {
        return false;
      }
    }
    return true;
  }
  const auto word = [](const char* p) {
    uint64_t x;
    std::memcpy(&x, p, sizeof(x));
    return x;
  };
  // 0x20 added to the bytes in 'A'..'Z': with bit 7 of each byte cleared, adding 0x3f sets it
  // from 'A' up, adding 0x25 from 'Z' + 1 up (no carry leaves a byte); bytes above 0x7f stay.
  const auto lower8 = [&](const char* p) {
    const uint64_t x = word(p);
    constexpr uint64_t kHigh = 0x8080808080808080u;
    const uint64_t low7 = x & ~kHigh;
    const uint64_t upper =
        (low7 + 0x3f3f3f3f3f3f3f3fu) & ~(low7 + 0x2525252525252525u) & ~x & kHigh;
    return x | (upper >> 2);
  };
  for (size_t i = 0; i + 8 < n; i += 8) {
    if (lower8(s.data() + i) != word(lower.data() + i)) {
      return false;
    }
  }
  return lower8(s.data() + n - 8) == word(lower.data() + n - 8);
}

// The first position at or after `from` where `needle` occurs in `haystack` (bytes as they
// are), or npos; Find(h, "") is `from` when from <= h.size(). Like std::string_view::find, with
// candidates found 16 positions at a time by the needle's first and last bytes (SSE2).
size_t Find(std::string_view haystack, std::string_view needle, size_t from = 0);

// Which of a fixed list of phrases occur in a text, all answered by one pass over the text
// (Wu-Manber: a window as long as the shortest phrase moves on by as much as the four bytes at
// its end allow; only windows whose last four bytes end some phrase's first part are compared).
// Bytes are compared as they are (search lower-case text for lower-case phrases to ignore case).
// Immutable after construction; Scan is thread-safe. The constructor is constexpr: a set of
// constant phrases (a `static const PhraseSet` of a constexpr array) is built by the compiler,
// its 37 KiB of tables constant data in the executable instead of built (and their pages faulted
// in) at first use in every process.
class PhraseSet {
 public:
  static constexpr size_t kMaxPhrases = 64;
  static constexpr size_t kMinPhraseSize = 4;

  // REQUIRES: 1 to kMaxPhrases phrases, each at least kMinPhraseSize bytes, whose bytes stay
  // alive and unchanged as long as the set (it keeps views of them, so that it needs no
  // allocation and can be built at compile time). Plain loops and data() instead of std::copy,
  // fill or a span's []: GCC initializes a `static const` (not constinit) set at compile time
  // only when evaluating the constructor never reaches a library function's run-time branch or
  // assertion (is_constant_evaluated() is false while it tries).
  constexpr explicit PhraseSet(std::span<const std::string_view> phrases) {
    count_ = phrases.size();
    window_ = 255 + kBlock - 1;  // a shift must fit in a byte
    for (size_t k = 0; k < count_; ++k) {
      phrases_[k] = phrases.data()[k];
      window_ = std::min(window_, phrases_[k].size());
    }
    all_ = count_ == kMaxPhrases ? ~uint64_t{0} : (uint64_t{1} << count_) - 1;
    // A window whose last kBlock bytes occur nowhere in a phrase's first window_ bytes can move
    // by window_ - kBlock + 1 (they may still start a phrase's first part); one whose last
    // kBlock bytes are a phrase's ending at j can move by window_ - 1 - j at most.
    for (uint8_t& shift : shift_) {
      shift = static_cast<uint8_t>(window_ - kBlock + 1);
    }
    for (size_t k = 0; k < count_; ++k) {
      const std::string_view p = phrases_[k];
      for (size_t j = kBlock - 1; j < window_; ++j) {
        const size_t h = Mix(Load(p, j + 1 - kBlock));
        shift_[h] = std::min(shift_[h], static_cast<uint8_t>(window_ - 1 - j));
      }
      ending_[Mix(Load(p, window_ - kBlock))] |= uint64_t{1} << k;
      heads_[k] = Load(p, 0);
    }
  }
  // Bit i is set when phrases[i] occurs in `text`. Never reads outside `text`.
  uint64_t Scan(std::string_view text) const;

  // Same phrases (compared by text) and same tables: a set built at compile time against one
  // built at run time.
  friend bool operator==(const PhraseSet&, const PhraseSet&) = default;

 private:
  static constexpr size_t kBlock = 4;  // the bytes a window's shift is looked up by
  static constexpr size_t kHashBits = 12;
  static constexpr size_t Mix(uint32_t block) { return (block * 2654435761u) >> (32 - kHashBits); }
  static size_t Hash(const unsigned char* block) {
    uint32_t x;
    std::memcpy(&x, block, sizeof(x));
    return Mix(x);
  }
  // The kBlock bytes of `s` at `at` as Hash's memcpy reads them (in a constant expression too).
  static constexpr uint32_t Load(std::string_view s, size_t at) {
    uint32_t x = 0;
    for (size_t b = 0; b < kBlock; ++b) {
      const size_t byte = std::endian::native == std::endian::little ? b : kBlock - 1 - b;
      x |= uint32_t{static_cast<unsigned char>(s.data()[at + b])} << (8 * byte);
    }
    return x;
  }

  // The bits of the `candidates` whose phrase starts at text[start] (out of line: the scan loop
  // keeps its values in registers).
  uint64_t Confirm(std::string_view text, size_t start, uint64_t candidates) const;

  std::array<std::string_view, kMaxPhrases> phrases_{};  // the first count_ are the phrases
  size_t count_ = 0;
  // Each phrase's first four bytes, as Hash reads them.
  std::array<uint32_t, kMaxPhrases> heads_{};
  size_t window_ = 0;  // the shortest phrase's size (at most 255 + kBlock - 1)
  uint64_t all_ = 0;   // a bit per phrase
  // By the hash of a window's last kBlock bytes: how far the window may move (0: some phrase's
  // first window_ bytes may end here), and which phrases' first window_ bytes end in that hash.
  std::array<uint8_t, size_t{1} << kHashBits> shift_{};
  std::array<uint64_t, size_t{1} << kHashBits> ending_{};
};

// The lines of `text` (LF separated; a trailing CR is dropped).
std::vector<std::string_view> SplitLines(std::string_view text);

// The line of `text` that starts at `start` as SplitLines gives it (up to the next LF, a CR before
// that LF dropped); `next` is set to where the following line starts (text.size() when this is the
// last). REQUIRES: start < text.size(). Walking from 0 until text.size() visits SplitLines(text).
std::string_view LineFrom(std::string_view text, size_t start, size_t& next);

// Whitespace runs collapsed to one space, trimmed.
std::string Squeeze(std::string_view s);
// Squeeze(s) written into `buffer` (reused: it only grows, and keeps bytes past the result) and
// returned as a view into it, valid until `buffer` changes. For a text squeezed only to be read.
std::string_view SqueezeInto(std::string_view s, std::string& buffer);

// The longest run of `s` without white space (' ', '\t', '\n', '\r': what Squeeze collapses),
// the first of them at a tie; "" when `s` has none. A needle's word to look for in a text before
// Squeeze (see Header::PlainRawValue): where the word is missing, so is the needle. Constexpr:
// a literal needle's word can be worked out when it compiles (see FieldNeedle).
constexpr std::string_view LongestWord(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::string_view word;
  for (size_t i = 0; i < s.size();) {
    while (i < s.size() && space(s[i])) {
      ++i;
    }
    const size_t start = i;
    while (i < s.size() && !space(s[i])) {
      ++i;
    }
    if (i - start > word.size()) {
      word = s.substr(start, i - start);
    }
  }
  return word;
}

// The first e-mail address in `s` ("<a@b>", "rfc822; a@b", "a@b"), lower-cased domain kept as
// written; "" when there is none.
std::string FindAddress(std::string_view s);
// FindAddress's address as a view into `s` (no copy: most callers only compare it).
std::string_view FindAddressIn(std::string_view s);

// Whether `s` is exactly one address, optionally in <> and with surrounding spaces/punctuation.
bool IsAddressOnly(std::string_view s);

// The first RFC 3463 status ("5.1.1") in `s`, or "".
std::string FindStatus(std::string_view s);

// The first SMTP reply code (a 4xx/5xx or 2xx number standing alone) in `s`, or "".
std::string FindReplyCode(std::string_view s);

// *status = FindStatus(s) and *reply_code = FindReplyCode(s), from one pass over `s`; a null
// pointer is not searched for.
void FindStatusAndReplyCode(std::string_view s, std::string* status, std::string* reply_code);

// The SMTP command an error text says it answered ("RCPT", "MAIL", "DATA", "CONN", "EHLO",
// "HELO"), or "".
std::string FindSmtpCommand(std::string_view s);

// FindSmtpCommand(s), without its per-thread memo: for a text asked about once (a paragraph
// built for one question, a whole readable text), which the memo would only copy and keep in
// place of a diagnostic asked about again.
std::string FindSmtpCommandOnce(std::string_view s);

// Whether an address belongs to a mail system rather than a person (mailer-daemon, postmaster).
bool IsSystemAddress(std::string_view address);

// A multi-line SMTP reply folded into one line ("550-5.7.1 Messages with multiple 550-5.7.1
// addresses ...") with the repeated "550-5.7.1 " continuation prefixes after the first removed, so
// that phrases split across reply lines read whole again.
std::string JoinReplyLines(std::string_view s);
// text = JoinReplyLines(text), in place (the result is never longer): no copy of a text without
// continuation prefixes, nearly every diagnostic.
void JoinReplyLinesInPlace(std::string& text);

// `s` with every byte sequence that is not UTF-8 replaced by U+FFFD and control characters by
// spaces (tab and LF kept).
std::string ValidUtf8(std::string_view s);

// Whether `s` is printable ASCII (with tab and LF) throughout: ValidUtf8(s) == s. 16 bytes at
// a time.
bool IsPrintableAscii(std::string_view s);

// `s` = ValidUtf8(s), without a copy when ValidUtf8 would change nothing: printable ASCII (with
// tab and LF) throughout, as nearly every recipient and diagnostic is, or valid UTF-8 without
// control bytes (a diagnostic in another language).
void MakeValidUtf8(std::string& s);

}  // namespace bw::mail
