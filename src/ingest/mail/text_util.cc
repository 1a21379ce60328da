// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/text_util.h"

#include <algorithm>
#include <array>
#include <cctype>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstdint>
#include <cstring>
#include <iterator>

#include "core/ascii.h"
#include "core/cpu.h"

namespace bw::mail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Byte classes as tables: one load instead of a chain of compares in the per-byte loops.
constexpr std::array<bool, 256> kSpaceTable = [] {
  std::array<bool, 256> t{};
  t[' '] = t['\t'] = t['\n'] = t['\r'] = true;
  return t;
}();
inline bool IsSpace(char c) { return kSpaceTable[static_cast<unsigned char>(c)]; }
constexpr std::array<unsigned char, 256> kLowTable = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = static_cast<unsigned char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  return t;
}();
inline unsigned char LowByte(char c) { return kLowTable[static_cast<unsigned char>(c)]; }

// The bytes of an address's local part and domain, as tables: ASCII letters and digits, every
// byte above 0x7f, and the punctuation each allows.
constexpr bool IsAsciiAlnum(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
constexpr std::array<bool, 256> kLocalTable = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = IsAsciiAlnum(c) || c >= 0x80 ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.").find(static_cast<char>(c)) !=
               std::string_view::npos;
  }
  return t;
}();
constexpr std::array<bool, 256> kDomainTable = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = IsAsciiAlnum(c) || c >= 0x80 || c == '-' || c == '.' || c == '_' || c == '[' ||
           c == ']' || c == ':';
  }
  return t;
}();
inline bool IsLocalChar(char c) { return kLocalTable[static_cast<unsigned char>(c)]; }
inline bool IsDomainChar(char c) { return kDomainTable[static_cast<unsigned char>(c)]; }

}  // namespace

namespace {

// The bytes of a text, each read lower-cased as AsciiLowerInto writes it. A std::string built from
// a range of these is written once, with no zero fill before (C++20 has no resize_and_overwrite):
// the copy loop in the constructor is a plain byte loop the compiler vectorizes.
class LowerIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  LowerIterator() = default;
  explicit LowerIterator(const char* p) : p_(p) {}
  char operator*() const { return AsciiLower(*p_); }
  LowerIterator& operator++() {
    ++p_;
    return *this;
  }
  LowerIterator operator++(int) {
    LowerIterator before = *this;
    ++p_;
    return before;
  }
  bool operator==(const LowerIterator& other) const { return p_ == other.p_; }
  friend difference_type operator-(const LowerIterator& a, const LowerIterator& b) {
    return a.p_ - b.p_;
  }

 private:
  const char* p_ = nullptr;
};

}  // namespace

std::string ToLower(std::string_view s) {
  // Short texts (most calls: header values, addresses) through AsciiLowerInto, whose 16-byte step
  // starts at once; longer ones (the mail's text) from the iterator range, which skips the zero
  // fill (in callgrind: 13-17 instructions more at 20-60 bytes, fewer from ~200 bytes on, half at
  // 12 KB).
  if (s.size() <= 128) {
    std::string out(s.size(), '\0');
    AsciiLowerInto(s, out.data());
    return out;
  }
  return std::string(LowerIterator(s.data()), LowerIterator(s.data() + s.size()));
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  // A byte loop: most calls compare header names that differ in their first bytes.
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowByte(a[i]) != LowByte(b[i])) {
      return false;
    }
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

namespace {

#if defined(BW_CPU_AVX2_TARGET)
// FindCandidates's scan with AVX2, 64 positions a step, then 32: from position i (advanced past
// the positions looked at, fewer than 32 are left), the first of [i, last] whose bytes at
// `base` + i and `base` + i + m - 1, with `fold` OR-ed in, are c0 and c1 and that `confirm`
// confirms; npos when none of those it looked at is.
template <typename Confirm>
[[gnu::target("avx2")]] size_t FindCandidatesAvx2(const char* base, size_t m, size_t& i,
                                                  size_t last, char c0, char c1, char fold,
                                                  Confirm& confirm) {
  const __m256i f = _mm256_set1_epi8(fold);
  const __m256i first = _mm256_set1_epi8(c0);
  const __m256i final = _mm256_set1_epi8(c1);
  for (; i + 64 <= last + 1; i += 64) {
    const char* p = base + i;
    const __m256i a0 = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), f);
    const __m256i b0 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + m - 1)), f);
    const __m256i a1 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), f);
    const __m256i b1 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 + m - 1)), f);
    const __m256i h0 = _mm256_and_si256(_mm256_cmpeq_epi8(a0, first), _mm256_cmpeq_epi8(b0, final));
    const __m256i h1 = _mm256_and_si256(_mm256_cmpeq_epi8(a1, first), _mm256_cmpeq_epi8(b1, final));
    if (_mm256_testz_si256(_mm256_or_si256(h0, h1), _mm256_or_si256(h0, h1)) != 0) {
      continue;  // no candidate among the 64 (most of a text)
    }
    uint64_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(h0)) |
                    (uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(h1))} << 32);
    for (; mask != 0; mask &= mask - 1) {
      const size_t at = i + static_cast<size_t>(__builtin_ctzll(mask));
      if (confirm(base + at)) {
        return at;
      }
    }
  }
  for (; i + 32 <= last + 1; i += 32) {
    const char* p = base + i;
    const __m256i a = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), f);
    const __m256i b =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + m - 1)), f);
    for (auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(
             _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, final))));
         mask != 0; mask &= mask - 1) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (confirm(base + at)) {
        return at;
      }
    }
  }
  return std::string_view::npos;
}
#endif

// The first candidate position in [from, last] (last = h.size() - n.size()) whose first and last
// bytes match the needle's, with `fold` OR-ed into every compared byte (0x20 folds ASCII case and
// may admit a few other bytes, so each candidate is confirmed by `confirm`). npos when none.
template <typename Confirm>
size_t FindCandidates(std::string_view h, std::string_view n, size_t from, unsigned char fold,
                      Confirm confirm) {
  const size_t m = n.size();
  const size_t last = h.size() - m;
  const char* base = h.data();
  const auto c0 = static_cast<char>(static_cast<unsigned char>(n[0]) | fold);
  const auto c1 = static_cast<char>(static_cast<unsigned char>(n[m - 1]) | fold);
  size_t i = from;
#if defined(BW_CPU_AVX2_TARGET)
  // Texts of 64 positions or more with AVX2 when the CPU has it (32 bytes a compare); the last
  // positions (fewer than 32) as below.
  if (i + 64 <= last + 1 && HasAvx2()) {
    if (const size_t p =
            FindCandidatesAvx2(base, m, i, last, c0, c1, static_cast<char>(fold), confirm);
        p != std::string_view::npos) {
      return p;
    }
  }
#endif
#if defined(__SSE2__)
  const __m128i f = _mm_set1_epi8(static_cast<char>(fold));
  const __m128i first = _mm_set1_epi8(c0);
  const __m128i final = _mm_set1_epi8(c1);
  // The 16 positions from `at` whose first and last bytes match, as a byte mask.
  const auto hits = [&](size_t at) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at + m - 1));
    if (fold != 0) {
      a = _mm_or_si128(a, f);
      b = _mm_or_si128(b, f);
    }
    return _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, final));
  };
  // Confirms the candidates of one 16-position block; the first confirmed position or npos.
  const auto confirm_block = [&](size_t at, unsigned mask) {
    for (; mask != 0; mask &= mask - 1) {
      size_t p = at + static_cast<size_t>(__builtin_ctz(mask));
      if (confirm(base + p)) {
        return p;
      }
    }
    return std::string_view::npos;
  };
  // 64 positions per step while none is a candidate (most of a text), then 16 at a time.
  while (i + 64 <= last + 1) {
    const __m128i h0 = hits(i);
    const __m128i h1 = hits(i + 16);
    const __m128i h2 = hits(i + 32);
    const __m128i h3 = hits(i + 48);
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(h0, h1), _mm_or_si128(h2, h3))) != 0) {
      for (size_t k = 0; k < 4; ++k) {
        const __m128i h = k == 0 ? h0 : k == 1 ? h1 : k == 2 ? h2 : h3;
        size_t p = confirm_block(i + 16 * k, static_cast<unsigned>(_mm_movemask_epi8(h)));
        if (p != std::string_view::npos) {
          return p;
        }
      }
    }
    i += 64;
  }
  while (i + 16 <= last + 1) {
    size_t p = confirm_block(i, static_cast<unsigned>(_mm_movemask_epi8(hits(i))));
    if (p != std::string_view::npos) {
      return p;
    }
    i += 16;
  }
  if (i <= last && last >= 15) {
    // Fewer than 16 positions left: the block of the last 16 positions (its loads end at the
    // haystack's last byte), those before i masked out (looked at already, or before `from`).
    // Here last - 15 < i <= last, so the shift is 1 to 15.
    const size_t at = last - 15;
    return confirm_block(
        at, static_cast<unsigned>(_mm_movemask_epi8(hits(at))) & (0xffffu << (i - at)));
  }
#endif
  for (; i <= last; ++i) {
    if (static_cast<char>(static_cast<unsigned char>(base[i]) | fold) == c0 &&
        static_cast<char>(static_cast<unsigned char>(base[i + m - 1]) | fold) == c1 &&
        confirm(base + i)) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

size_t Find(std::string_view h, std::string_view n, size_t from) {
  if (n.empty()) {
    return from <= h.size() ? from : std::string_view::npos;
  }
  if (h.size() < n.size() || from > h.size() - n.size()) {
    return std::string_view::npos;
  }
  if (n.size() == 1) {
    const void* p = std::memchr(h.data() + from, n[0], h.size() - from);
    return p == nullptr ? std::string_view::npos
                        : static_cast<size_t>(static_cast<const char*>(p) - h.data());
  }
  return FindCandidates(h, n, from, 0, [&](const char* p) {
    return std::memcmp(p + 1, n.data() + 1, n.size() - 2) == 0;
  });
}

size_t IFind(std::string_view h, std::string_view n, size_t from) {
  if (n.empty()) {
    return from <= h.size() ? from : std::string_view::npos;
  }
  if (h.size() < n.size()) {
    return std::string_view::npos;
  }
  if (from > h.size() - n.size()) {
    return std::string_view::npos;
  }
  // Candidates: positions whose first and last bytes match the needle's with bit 0x20 set on
  // both sides (no false negatives for any byte), 16 at a time; each is compared in full.
  return FindCandidates(h, n, from, 0x20, [&](const char* p) {
    for (size_t j = 0; j < n.size(); ++j) {
      if (LowByte(p[j]) != LowByte(n[j])) {
        return false;
      }
    }
    return true;
  });
}

bool IContains(std::string_view h, std::string_view n) {
  return IFind(h, n) != std::string_view::npos;
}

// The window ends [window - 1, n) are split into kCursors ranges, each walked by its own
// cursor, and the cursors step in turn. One cursor's step waits for the step before it (load the
// 4 bytes, multiply, load the shift, add: ≈ 14 cycles for ≈ 8.7 bytes on the detectors' texts);
// the cursors' steps do not depend on each other, so they overlap. Session 13, the corpus's
// readable texts: 0.53 → 0.28 ns a byte with the tables in cache (2 cursors 0.32, 3 0.28), 0.45
// to 0.70 of the time with caches and branch predictors disturbed between texts; in the tool,
// this function's share of the samples fell from ≈ 3.0 % to ≈ 2.0 %, for 0.46 k more
// instructions a mail. A cursor stops at the end of its range (its last step may pass it: the
// next cursor starts there), and only where a shift is 0 does any cursor leave the common loop.
uint64_t PhraseSet::Scan(std::string_view text) const {
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const size_t window = window_;
  if (n < window) {
    return 0;
  }
  constexpr size_t kCursors = 4;
  // `end[c]` is the last byte of cursor c's window [end + 1 - window, end].
  size_t end[kCursors];
  size_t stop[kCursors];
  const size_t part = (n - (window - 1)) / kCursors;
  for (size_t c = 0; c < kCursors; ++c) {
    end[c] = window - 1 + c * part;
    stop[c] = c + 1 < kCursors ? end[c] + part : n;
  }
  uint64_t found = 0;
  // One step of a cursor; true when every phrase has been found.
  const auto step = [&](size_t& e) {
    const size_t h = Hash(t + e + 1 - kBlock);
    const size_t shift = shift_[h];
    if (shift != 0) {
      e += shift;
      return false;
    }
    const uint64_t candidates = ending_[h] & ~found;
    if (candidates != 0) {
      found |= Confirm(text, e + 1 - window, candidates);
      if (found == all_) {
        return true;
      }
    }
    ++e;
    return false;
  };
  for (;;) {
    bool running = true;
    bool stopped = false;  // some cursor's window may end a phrase's first part
    size_t shift[kCursors];
#pragma GCC unroll 4
    for (size_t c = 0; c < kCursors; ++c) {
      running &= end[c] < stop[c];
    }
    if (!running) {
      break;
    }
#pragma GCC unroll 4
    for (size_t c = 0; c < kCursors; ++c) {
      shift[c] = shift_[Hash(t + end[c] + 1 - kBlock)];
      stopped |= shift[c] == 0;
    }
    if (__builtin_expect(!stopped, 1)) {
#pragma GCC unroll 4
      for (size_t c = 0; c < kCursors; ++c) {
        end[c] += shift[c];
      }
      continue;
    }
    for (size_t c = 0; c < kCursors; ++c) {
      if (step(end[c])) {
        return found;
      }
    }
  }
  // The cursors still inside their ranges, one after the other.
  for (size_t c = 0; c < kCursors; ++c) {
    while (end[c] < stop[c]) {
      if (step(end[c])) {
        return found;
      }
    }
  }
  return found;
}

[[gnu::noinline]] uint64_t PhraseSet::Confirm(std::string_view text, size_t start,
                                              uint64_t candidates) const {
  uint64_t found = 0;
  uint32_t head;  // the window's first four bytes: most candidates differ there
  std::memcpy(&head, text.data() + start, sizeof(head));
  for (; candidates != 0; candidates &= candidates - 1) {
    const auto k = static_cast<size_t>(__builtin_ctzll(candidates));
    const std::string_view p = phrases_[k];
    if (heads_[k] == head && p.size() <= text.size() - start &&
        std::memcmp(text.data() + start, p.data(), p.size()) == 0) {
      found |= uint64_t{1} << k;
    }
  }
  return found;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  // One allocation for most texts instead of one per doubling (lines of bounce text and header
  // blocks are rarely shorter than 24 bytes on average); counting the breaks first costs more.
  lines.reserve(text.size() / 24 + 4);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string_view LineFrom(std::string_view text, size_t start, size_t& next) {
  size_t end = text.find('\n', start);
  if (end == std::string_view::npos) {
    end = text.size();
  }
  next = end == text.size() ? end : end + 1;
  std::string_view line = text.substr(start, end - start);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

namespace {

// Room Squeeze's writes need for a text of n bytes: 16 bytes past it for the block copies (a text
// of 16 bytes or more is on the heap anyway; a shorter one keeps the short-string buffer).
size_t SqueezeRoom(size_t n) { return n >= 16 ? n + 16 : n; }

// Squeeze(s) written at `o` (SqueezeRoom(s.size()) bytes of room); returns its size.
size_t SqueezeTo(std::string_view s, char* o) {
  // One pass into a buffer of the input's size (the output is never longer). A white space byte
  // is written as ' ' unless it follows white space (or starts the text); a trailing space is
  // cut at the end. With SSE2, 16 bytes at a time whenever no byte of them is dropped, which is
  // nearly always in header values and diagnostics.
  const size_t n = s.size();
  size_t w = 0;
  bool prev_ws = true;  // leading white space is dropped
  size_t i = 0;
  auto byte = [&](char c) {
    if (IsSpace(c)) {
      if (!prev_ws) {
        o[w++] = ' ';
      }
      prev_ws = true;
    } else {
      o[w++] = c;
      prev_ws = false;
    }
  };
  // Leading white space is dropped before the blocks start (a header value starts with one).
  while (i < n && IsSpace(s[i])) {
    ++i;
  }
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i other = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)),
                                 _mm_cmpeq_epi8(v, cr));
    auto ws =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, space), other)));
    unsigned drop = ws & ((ws << 1) | (prev_ws ? 1u : 0u));
    __m128i spaced = _mm_or_si128(_mm_andnot_si128(other, v), _mm_and_si128(other, space));
    prev_ws = (ws >> 15) != 0;
    i += 16;
    if (drop == 0) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + w), spaced);
      w += 16;
      continue;
    }
    // A run of white space inside the block (a line break and its indent, a blank line): the
    // kept runs between dropped bytes, each moved with one 16-byte copy from the block (loads
    // reach block[31]). A copy writes past its run; the next run or block writes over that, and
    // it stays inside `out`: w + 16 <= i + 16 <= n + 16.
    alignas(16) char block[32];
    _mm_store_si128(reinterpret_cast<__m128i*>(block), spaced);
    _mm_store_si128(reinterpret_cast<__m128i*>(block + 16), spaced);
    unsigned from = 0;
    for (; drop != 0; drop &= drop - 1) {
      const auto k = static_cast<unsigned>(__builtin_ctz(drop));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + w),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + from)));
      w += k - from;
      from = k + 1;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + w),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + from)));
    w += 16 - from;
  }
#endif
  for (; i < n; ++i) {
    byte(s[i]);
  }
  if (prev_ws && w > 0) {
    --w;  // the space written for trailing white space
  }
  return w;
}

}  // namespace

std::string Squeeze(std::string_view s) {
  std::string out;
  out.resize(SqueezeRoom(s.size()));
  out.resize(SqueezeTo(s, out.data()));
  return out;
}

std::string_view SqueezeInto(std::string_view s, std::string& buffer) {
  if (buffer.size() < SqueezeRoom(s.size())) {
    buffer.resize(SqueezeRoom(s.size()));
  }
  return std::string_view(buffer.data(), SqueezeTo(s, buffer.data()));
}

std::string FindAddress(std::string_view s) { return std::string(FindAddressIn(s)); }

std::string_view FindAddressIn(std::string_view s) {
  size_t at = 0;
  while ((at = s.find('@', at)) != std::string_view::npos) {
    size_t b = at;
    while (b > 0 && IsLocalChar(s[b - 1])) {
      --b;
    }
    // A quoted local part: "john doe"@example.com
    if (b == at && at > 0 && s[at - 1] == '"') {
      size_t q = s.rfind('"', at - 2 < s.size() ? at - 2 : 0);
      if (q != std::string_view::npos && q + 1 < at - 1) {
        b = q;
      }
    }
    size_t e = at + 1;
    while (e < s.size() && IsDomainChar(s[e])) {
      ++e;
    }
    while (b < at && s[b] == '.') {
      ++b;
    }
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == ':' || s[e - 1] == ']')) {
      if (s[e - 1] == ']' && s.substr(at + 1, e - at - 1).find('[') != std::string_view::npos) {
        break;
      }
      --e;
    }
    if (b < at && e > at + 1) {
      std::string_view domain = s.substr(at + 1, e - at - 1);
      if (domain.find('.') != std::string_view::npos || domain.front() == '[' ||
          domain == "localhost") {
        return s.substr(b, e - b);
      }
    }
    at += 1;
  }
  return {};
}

bool IsAddressOnly(std::string_view s) {
  s = Trim(s);
  while (!s.empty() && (s.front() == '<' || s.front() == '"' || s.front() == '\'')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '>' || s.back() == ':' || s.back() == ',' || s.back() == '"' ||
                        s.back() == '\'' || s.back() == '.')) {
    s.remove_suffix(1);
  }
  if (s.empty() || s.find(' ') != std::string_view::npos) {
    return false;
  }
  std::string_view a = FindAddressIn(s);
  return !a.empty() && a.size() == s.size();
}

namespace {

// Calls visit(k) for the positions k (in increasing order, k + 1 < s.size()) where s[k] is '2',
// '4' or '5' and s[k + 1] is in [lo, hi], 16 positions at a time, until visit returns true.
template <typename Visit>
void ForEachCodeStart(std::string_view s, char lo, char hi, Visit visit) {
  const size_t n = s.size();
  size_t k = 0;
#if defined(__SSE2__)
  const __m128i two = _mm_set1_epi8('2');
  const __m128i four = _mm_set1_epi8('4');
  const __m128i five = _mm_set1_epi8('5');
  const __m128i below = _mm_set1_epi8(static_cast<char>(lo - 1));
  const __m128i above = _mm_set1_epi8(static_cast<char>(hi + 1));
  for (; k + 17 <= n; k += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + k));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + k + 1));
    __m128i code = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, two), _mm_cmpeq_epi8(v, four)),
                                _mm_cmpeq_epi8(v, five));
    __m128i follow = _mm_and_si128(_mm_cmpgt_epi8(next, below), _mm_cmplt_epi8(next, above));
    for (auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(code, follow))); m != 0;
         m &= m - 1) {
      if (visit(k + static_cast<size_t>(__builtin_ctz(m)))) {
        return;
      }
    }
  }
#endif
  for (; k + 1 < n; ++k) {
    const char c = s[k];
    if ((c == '2' || c == '4' || c == '5') && s[k + 1] >= lo && s[k + 1] <= hi && visit(k)) {
      return;
    }
  }
}

}  // namespace

namespace {

// The length of the RFC 3463 status FindStatus would take at i ("5.1.1": s[i] is '2', '4' or
// '5', s[i + 1] is '.', and i + 5 <= s.size()), or 0 when there is none there: not after a digit
// or '.', one to three digits, '.', one to three digits, then no digit and no ".digit".
size_t StatusLengthAt(std::string_view s, size_t i) {
  if (i > 0 && (IsDigit(s[i - 1]) || s[i - 1] == '.')) {
    return 0;
  }
  size_t j = i + 2;
  size_t d1 = j;
  while (j < s.size() && IsDigit(s[j]) && j - d1 < 3) {
    ++j;
  }
  if (j == d1 || j >= s.size() || s[j] != '.') {
    return 0;
  }
  size_t d2 = ++j;
  while (j < s.size() && IsDigit(s[j]) && j - d2 < 3) {
    ++j;
  }
  if (j == d2 ||
      (j < s.size() && (IsDigit(s[j]) || (s[j] == '.' && j + 1 < s.size() && IsDigit(s[j + 1]))))) {
    return 0;
  }
  return j - i;
}

}  // namespace

std::string FindStatus(std::string_view s) {
  // The first 4.x.x / 5.x.x code wins over an earlier 2.x.x one (a transcript's "250 2.1.5 Ok"
  // before the error).
  std::string first;
  std::string found;
  ForEachCodeStart(s, '.', '.', [&](size_t i) {
    if (i + 5 > s.size()) {
      return true;  // too close to the end, and so is every later position
    }
    const size_t length = StatusLengthAt(s, i);
    if (length == 0) {
      return false;
    }
    if (s[i] != '2') {
      found = std::string(s.substr(i, length));
      return true;
    }
    if (first.empty()) {
      first = std::string(s.substr(i, length));
    }
    return false;
  });
  return !found.empty() ? found : first;
}

namespace {

// Whether FindReplyCode takes the code at i (s[i] is '2', '4' or '5', s[i + 1] a digit up to
// '5', and i + 3 <= s.size()).
bool ReplyCodeAt(std::string_view s, size_t i) {
  if (i > 0 && !(s[i - 1] == ' ' || s[i - 1] == '(' || s[i - 1] == '<' || s[i - 1] == '"' ||
                 s[i - 1] == ':' || s[i - 1] == '\t' || s[i - 1] == '\n' || s[i - 1] == '[')) {
    return false;
  }
  if (!IsDigit(s[i + 2])) {
    return false;
  }
  if (i + 3 < s.size()) {
    char n = s[i + 3];
    if (!(n == ' ' || n == '-' || n == '\n' || n == ')' || n == '\t' || n == '>' || n == ']' ||
          n == ',' || n == ':')) {
      return false;
    }
    // "550-" should be followed by text; "550 " by text too. Reject "503 ms" style numbers
    // followed by units is rare enough to ignore.
  }
  return true;
}

}  // namespace

std::string FindReplyCode(std::string_view s) {
  std::string found;
  ForEachCodeStart(s, '0', '5', [&](size_t i) {
    if (i + 3 > s.size()) {
      return true;
    }
    if (!ReplyCodeAt(s, i)) {
      return false;
    }
    found = std::string(s.substr(i, 3));
    return true;
  });
  return found;
}

void FindStatusAndReplyCode(std::string_view s, std::string* status, std::string* reply_code) {
  // ForEachCodeStart's candidates for both: the byte after is '.' (a status) or '0'..'5' (a reply
  // code; '/' between them is neither). Each search keeps its own state and stops as it would
  // alone; the pass stops when neither is left.
  std::string_view first_status;  // FindStatus's first 2.x.x
  std::string_view found_status;  // its 4.x.x or 5.x.x
  std::string_view found_reply;
  bool status_done = status == nullptr;
  bool reply_done = reply_code == nullptr;
  if (status_done && reply_done) {
    return;
  }
  ForEachCodeStart(s, '.', '5', [&](size_t i) {
    if (s[i + 1] == '.') {
      if (status_done) {
        return false;
      }
      if (i + 5 > s.size()) {
        status_done = true;  // too close to the end, and so is every later position
        return reply_done;
      }
      const size_t length = StatusLengthAt(s, i);
      if (length == 0) {
        return false;
      }
      if (s[i] != '2') {
        found_status = s.substr(i, length);
        status_done = true;
        return reply_done;
      }
      if (first_status.empty()) {
        first_status = s.substr(i, length);
      }
      return false;
    }
    if (s[i + 1] == '/' || reply_done) {
      return false;
    }
    if (i + 3 > s.size()) {
      return true;  // no reply code from here on, and no status either (it needs i + 5)
    }
    if (!ReplyCodeAt(s, i)) {
      return false;
    }
    found_reply = s.substr(i, 3);
    reply_done = true;
    return status_done;
  });
  if (status != nullptr) {
    status->assign(!found_status.empty() ? found_status : first_status);
  }
  if (reply_code != nullptr) {
    reply_code->assign(found_reply);
  }
}

namespace {

std::string ScanSmtpCommand(std::string_view s);

#if defined(__SSE2__)
// Bit k set when the bytes p[k], p[k + 1] (ASCII case ignored) are the first two of one of
// ScanSmtpCommand's probes; reads p[0, 17). The pairs are written out so that every compare is
// against a constant; ScanSmtpCommand checks once that they cover its table. Inlined into the
// scan loop.
[[gnu::always_inline]] inline unsigned ProbePairMask(const char* p) {
  const __m128i fold = _mm_set1_epi8(0x20);
  const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), fold);
  const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1)), fold);
  const auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  const auto both = [](__m128i x, __m128i y) { return _mm_and_si128(x, y); };
  const auto any = [](__m128i x, __m128i y) { return _mm_or_si128(x, y); };
  const __m128i b_a = eq(b, 'a');
  const __m128i b_n = eq(b, 'n');
  const __m128i b_o = eq(b, 'o');
  __m128i m = both(eq(a, 'r'), any(eq(b, 'c'), eq(b, 'e')));  // rcpt, remote, refused
  m = any(m, both(eq(a, 's'), eq(b, 'm')));                    // smtp command
  m = any(m, both(eq(a, 'a'), eq(b, 'f')));                    // after ...
  m = any(m, both(eq(a, 'm'), b_a));                           // mail from
  m = any(m, both(eq(a, 'e'), any(b_n, eq(b, 'h'))));          // end of data, ehlo
  m = any(m, both(eq(a, 't'), b_o));                           // to data command
  m = any(m, both(eq(a, 'd'), b_a));                           // data command
  m = any(m, both(eq(a, 'i'), b_n));                           // initial connection
  m = any(m, both(eq(a, 'c'), b_o));                           // connect to
  m = any(m, both(eq(a, 'g'), eq(b, 'r')));                    // greeting
  m = any(m, both(eq(a, 'h'), eq(b, 'e')));                    // helo
  return static_cast<unsigned>(_mm_movemask_epi8(m));
}
#endif

#if defined(BW_CPU_AVX2_TARGET)
// The bytes of `v` that are `c`.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256i Eq32(__m256i v, char c) {
  return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c));
}

// ProbePairMask for the 32 positions from p with AVX2; reads p[0, 33).
[[gnu::target("avx2"), gnu::always_inline]] inline uint32_t ProbePairMask32(const char* p) {
  const __m256i fold = _mm256_set1_epi8(0x20);
  const __m256i a = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), fold);
  const __m256i b =
      _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1)), fold);
  const __m256i b_a = Eq32(b, 'a');
  const __m256i b_n = Eq32(b, 'n');
  const __m256i b_o = Eq32(b, 'o');
  __m256i m = _mm256_and_si256(Eq32(a, 'r'), _mm256_or_si256(Eq32(b, 'c'), Eq32(b, 'e')));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 's'), Eq32(b, 'm')));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'a'), Eq32(b, 'f')));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'm'), b_a));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'e'), _mm256_or_si256(b_n, Eq32(b, 'h'))));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 't'), b_o));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'd'), b_a));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'i'), b_n));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'c'), b_o));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'g'), Eq32(b, 'r')));
  m = _mm256_or_si256(m, _mm256_and_si256(Eq32(a, 'h'), Eq32(b, 'e')));
  return static_cast<uint32_t>(_mm256_movemask_epi8(m));
}

// ProbePairMask32 called from code built without AVX2 (ScanSmtpCommand's check of its table).
[[gnu::target("avx2"), gnu::noinline]] uint32_t ProbePairMask32Of(const char* p) {
  return ProbePairMask32(p);
}

// ScanSmtpCommand's scan with AVX2, 32 positions a step while 33 bytes are left from i (i is
// advanced past them): `first(mask, at)` is asked about the candidates of each step's mask (bit
// k: position at + k) and what it returns first (a probe) is returned; null when none.
template <typename First>
[[gnu::target("avx2")]] auto ScanProbePairsAvx2(const char* s, size_t n, size_t& i, First& first)
    -> decltype(first(0u, size_t{0})) {
  for (; i + 33 <= n; i += 32) {
    if (const uint32_t m = ProbePairMask32(s + i); m != 0) {
      if (const auto* p = first(m, i)) {
        return p;
      }
    }
  }
  return nullptr;
}
#endif

}  // namespace

std::string FindSmtpCommandOnce(std::string_view s) { return ScanSmtpCommand(s); }

std::string FindSmtpCommand(std::string_view s) {
  // The same diagnostic is asked about more than once per mail (by its detector, then by the
  // pipeline's Finish): the last few answers are kept per thread, keyed by the text itself.
  struct Entry {
    std::string text;
    std::string command;
  };
  constexpr size_t kEntries = 8;
  constexpr size_t kMaxText = 4096;
  thread_local std::array<Entry, kEntries> memo;
  thread_local size_t next = 0;
  if (s.size() > kMaxText) {
    return ScanSmtpCommand(s);
  }
  for (const Entry& e : memo) {
    if (e.text.size() == s.size() && !e.text.empty() && std::string_view(e.text) == s) {
      return e.command;
    }
  }
  std::string command = ScanSmtpCommand(s);
  if (!s.empty()) {
    Entry& e = memo[next];
    next = (next + 1) % kEntries;
    e.text.assign(s);
    e.command = command;
  }
  return command;
}

namespace {

std::string ScanSmtpCommand(std::string_view s) {
  struct Probe {
    std::string_view needle;
    std::string_view command;
  };
  static constexpr Probe kProbes[] = {
      {"rcpt to", "RCPT"},
      {"remote smtp server has rejected address", "RCPT"},
      {"refused to talk to me", "CONN"},
      {"smtp command\ndata", "DATA"},
      {"rcpt_to", "RCPT"},
      {"rcpt command", "RCPT"},
      {"after rcpt", "RCPT"},
      {"mail from", "MAIL"},
      {"after mail", "MAIL"},
      {"end of data", "DATA"},
      {"after data", "DATA"},
      {"to data command", "DATA"},
      {"data command", "DATA"},
      {"initial connection", "CONN"},
      {"connect to", "CONN"},
      {"greeting", "CONN"},
      {"ehlo", "EHLO"},
      {"helo", "HELO"},
  };
  // One forward scan: the earliest position where a probe starts wins (the first probe in the
  // table order at a tie), so the scan stops at the first hit. A bitset over the lower-cased
  // first two bytes rejects nearly every position with one load; bit k of kFirst[c] says probe k
  // starts with byte c.
  struct Tables {
    std::array<uint64_t, 65536 / 64> pairs{};
    std::array<uint32_t, 256> first{};
    // Each probe's first four bytes with 0x20 OR-ed into each (every probe has at least four),
    // little-endian: compared with the text's four bytes folded the same way, they reject most
    // positions whose first two bytes match before the byte-by-byte comparison.
    std::array<uint32_t, std::size(kProbes)> head{};
    // The heads by a hash of theirs, (head * mult) >> 24, chosen so that different heads have
    // different slots (0: no head; a head has no zero byte): one slot answers whether a folded
    // word is a head.
    std::array<uint32_t, 256> slot{};
    uint32_t mult = 0;
  };
  static const Tables kTables = [] {
    Tables t;
    for (size_t k = 0; k < std::size(kProbes); ++k) {
      auto c0 = static_cast<unsigned char>(kProbes[k].needle[0]);
      auto c1 = static_cast<unsigned char>(kProbes[k].needle[1]);
      t.first[c0] |= 1u << k;
      size_t key = c0 | (size_t{c1} << 8);
      t.pairs[key >> 6] |= uint64_t{1} << (key & 63);
      for (size_t b = 0; b < 4; ++b) {
        t.head[k] |= (static_cast<uint32_t>(static_cast<unsigned char>(kProbes[k].needle[b])) |
                      0x20u) << (8 * b);
      }
    }
    for (uint32_t mult = 0x9e3779b1u;; mult += 2) {  // odd multipliers until the heads part
      std::array<uint32_t, 256> slot{};
      bool parted = true;
      for (uint32_t h : t.head) {
        uint32_t& at = slot[(h * mult) >> 24];
        parted = parted && (at == 0 || at == h);
        at = h;
      }
      if (parted) {
        t.slot = slot;
        t.mult = mult;
        break;
      }
    }
    return t;
  }();
  // False when no probe can start at p (p[0, 4) readable): the folded four bytes are no probe's
  // head. (Folding with 0x20 maps a few other bytes together too; probe_at decides exactly.)
  const auto may_start = [&](const char* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    w |= 0x20202020u;
    return kTables.slot[(w * kTables.mult) >> 24] == w;
  };
  // The probe starting at i (the first in table order), or nullptr.
  const auto probe_at = [&](size_t i) -> const Probe* {
    size_t key = LowByte(s[i]) | (size_t{LowByte(s[i + 1])} << 8);
    if ((kTables.pairs[key >> 6] & (uint64_t{1} << (key & 63))) == 0) {
      return nullptr;
    }
    for (uint32_t cand = kTables.first[LowByte(s[i])]; cand != 0; cand &= cand - 1) {
      const Probe& p = kProbes[__builtin_ctz(cand)];  // lowest bit first: table order
      std::string_view n = p.needle;
      if (i + n.size() > s.size()) {
        continue;
      }
      size_t j = 1;
      while (j < n.size() && static_cast<char>(LowByte(s[i + j])) == n[j]) {
        ++j;
      }
      if (j == n.size()) {
        return &p;
      }
    }
    return nullptr;
  };
  size_t i = 0;
#if defined(__SSE2__)
  // 16 positions at a time through ProbePairMask, when it covers every probe's first two bytes
  // (checked once against the table). The last positions are masked in a zero-padded copy
  // of the text's end.
  static const bool kPairMaskCovers = [] {
    for (const Probe& p : kProbes) {
      char block[33] = {};
      std::memcpy(block, p.needle.data(), 2);
      if ((ProbePairMask(block) & 1u) == 0) {
        return false;
      }
#if defined(BW_CPU_AVX2_TARGET)
      if (HasAvx2() && (ProbePairMask32Of(block) & 1u) == 0) {  // its AVX2 twin too
        return false;
      }
#endif
    }
    return true;
  }();
  if (kPairMaskCovers) {
    // The candidates of mask `m` for the 16 (32 with AVX2) positions from `base`: the probe of
    // the first one that starts a probe, or nullptr.
    const auto first_probe = [&](unsigned m, size_t base) -> const Probe* {
      for (; m != 0; m &= m - 1) {
        const size_t at = base + static_cast<size_t>(__builtin_ctz(m));
        if (at + 4 <= s.size() && !may_start(s.data() + at)) {
          continue;
        }
        if (const Probe* p = probe_at(at)) {
          return p;
        }
      }
      return nullptr;
    };
#if defined(BW_CPU_AVX2_TARGET)
    if (s.size() >= 33 && HasAvx2()) {
      if (const Probe* p = ScanProbePairsAvx2(s.data(), s.size(), i, first_probe)) {
        return std::string(p->command);
      }
    }
#endif
    for (; i + 17 <= s.size(); i += 16) {
      if (const Probe* p = first_probe(ProbePairMask(s.data() + i), i)) {
        return std::string(p->command);
      }
    }
    // The rest (at most 16 bytes) in a zero-padded copy; positions from s.size() - 1 on are
    // masked out (probe_at reads two bytes of `s`).
    if (i + 1 < s.size()) {
      char tail[32] = {};
      std::memcpy(tail, s.data() + i, s.size() - i);
      const size_t left = s.size() - 1 - i;  // positions that may start a probe, at most 15
      if (const Probe* p = first_probe(ProbePairMask(tail) & ((1u << left) - 1), i)) {
        return std::string(p->command);
      }
    }
    return {};
  }
#endif
  for (; i + 1 < s.size(); ++i) {
    if (const Probe* p = probe_at(i)) {
      return std::string(p->command);
    }
  }
  return {};
}

}  // namespace

bool IsSystemAddress(std::string_view a) {
  return IStartsWith(a, "mailer-daemon@") || IStartsWith(a, "postmaster@") ||
         IStartsWith(a, "mail-daemon@") || IStartsWith(a, "mailerdaemon@");
}

}  // namespace bw::mail

namespace bw::mail {

namespace {

#if defined(__SSE2__)
// Bit k set when byte k of `v` is not printable ASCII, tab or LF: >= 0x80 (signed < 0) or a
// control byte but tab and LF.
inline unsigned NotPrintableMask(__m128i v) {
  const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));  // controls and bytes >= 0x80
  const __m128i ok =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(ok, low)));
}
#endif

// The length of the longest prefix of `s` in printable ASCII, tab and LF.
size_t PrintableAsciiPrefix(std::string_view s) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= s.size(); i += 16) {
    if (const unsigned m =
            NotPrintableMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i)));
        m != 0) {
      return i + static_cast<size_t>(__builtin_ctz(m));
    }
  }
  if (i < s.size()) {
    // Fewer than 16 bytes left (most recipients and status fields are shorter than 16 bytes):
    // a zero-padded copy, the padding (NUL: a control byte) masked out.
    alignas(16) char block[16] = {};
    std::memcpy(block, s.data() + i, s.size() - i);
    const unsigned m = NotPrintableMask(_mm_load_si128(reinterpret_cast<const __m128i*>(block))) &
                       ((1u << (s.size() - i)) - 1);
    return m != 0 ? i + static_cast<size_t>(__builtin_ctz(m)) : s.size();
  }
  return i;
#else
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n')) {
      break;
    }
    ++i;
  }
  return i;
#endif
}

// The length of the longest prefix of `s` that ValidUtf8 keeps as it is (printable ASCII, tab,
// LF and valid multi-byte sequences), given that s[0, i) is kept. Most non-ASCII diagnostics are
// valid UTF-8 throughout: they are read here once, a sequence at a time, and not copied.
size_t KeptPrefix(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const auto cont = [&](size_t k) { return (p[k] & 0xc0) == 0x80; };
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n') {
        return i;  // a control byte: a space in ValidUtf8's text
      }
#if defined(__SSE2__)
      // Up to the next byte that is not printable ASCII, 16 bytes at a time while 16 are left:
      // most of the ASCII bytes after a first non-ASCII one are in long runs (the English part
      // of a diagnostic in two languages). p[i] itself is printable, so the step is >= 1.
      if (i + 16 <= n) {
        const unsigned m =
            NotPrintableMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
        i += m == 0 ? 16 : static_cast<size_t>(__builtin_ctz(m));
        continue;
      }
#endif
      ++i;
      continue;
    }
    // The sequences ValidUtf8 keeps: C2-DF + 1, E0-EF + 2, F0-F4 + 3 continuation bytes, without
    // overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF) or code points over
    // U+10FFFF (F4 90-BF, F5-FF). 80-BF alone is a stray continuation byte.
    if (c < 0xe0) {
      if (c < 0xc2 || i + 2 > n || !cont(i + 1)) {
        return i;
      }
      i += 2;
    } else if (c < 0xf0) {
      if (i + 3 > n || !cont(i + 1) || !cont(i + 2) || (c == 0xe0 && p[i + 1] < 0xa0) ||
          (c == 0xed && p[i + 1] >= 0xa0)) {
        return i;
      }
      i += 3;
    } else {
      if (c > 0xf4 || i + 4 > n || !cont(i + 1) || !cont(i + 2) || !cont(i + 3) ||
          (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] >= 0x90)) {
        return i;
      }
      i += 4;
    }
  }
  return n;
}

// ValidUtf8(s) when s[i] is the first byte it replaces: the runs of bytes that stay are copied
// whole; a replaced control byte becomes a space, any other replaced byte U+FFFD.
std::string RepairFrom(std::string_view s, size_t i) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t run = 0;  // start of the bytes not yet copied
  while (i < s.size()) {
    out.append(s.data() + run, i - run);
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out.push_back(' ');  // control characters are dropped from report text
    } else {
      out += "\xef\xbf\xbd";  // U+FFFD
    }
    run = i + 1;
    i = KeptPrefix(s, run);
  }
  out.append(s.data() + run, s.size() - run);
  return out;
}

}  // namespace

bool IsPrintableAscii(std::string_view s) { return PrintableAsciiPrefix(s) == s.size(); }

void MakeValidUtf8(std::string& s) {
  size_t i = PrintableAsciiPrefix(s);
  if (i == s.size()) {
    return;
  }
  i = KeptPrefix(s, i);
  if (i != s.size()) {
    s = RepairFrom(s, i);
  }
}

std::string ValidUtf8(std::string_view s) {
  // Printable ASCII (and tab, LF) and valid sequences throughout are returned as they are.
  const size_t i = KeptPrefix(s, PrintableAsciiPrefix(s));
  if (i == s.size()) {
    return std::string(s);
  }
  return RepairFrom(s, i);
}

}  // namespace bw::mail

namespace bw::mail {

namespace {

// The first k >= from where a reply code may start: s[k] in '2'..'5' at the start of `s` or
// after a space; s.size() when none. 16 positions at a time.
size_t NextReplyCodeStart(std::string_view s, size_t from) {
  const size_t n = s.size();
  size_t k = from;
  if (k == 0) {
    if (n > 0 && s[0] >= '2' && s[0] <= '5') {
      return 0;
    }
    k = 1;
  }
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i below = _mm_set1_epi8('2' - 1);
  const __m128i above = _mm_set1_epi8('5' + 1);
  for (; k + 16 <= n; k += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + k));
    __m128i prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + k - 1));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, below), _mm_cmplt_epi8(v, above));
    auto m =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(digit, _mm_cmpeq_epi8(prev, space))));
    if (m != 0) {
      return k + static_cast<size_t>(__builtin_ctz(m));
    }
  }
#endif
  for (; k < n; ++k) {
    if (s[k - 1] == ' ' && s[k] >= '2' && s[k] <= '5') {
      return k;
    }
  }
  return n;
}

// The length of FindStatus(t) when t starts with it, else 0. A status FindStatus would find
// later in t cannot read the same as t's first bytes and be followed by a space there: then t
// would start with a valid status too (only what follows a status decides its validity).
size_t StatusPrefixLength(std::string_view t) {
  if (t.size() < 5 || t[1] != '.') {
    return 0;
  }
  if (t[0] == '4' || t[0] == '5') {
    return StatusLengthAt(t, 0);  // FindStatus takes the first 4.x.x or 5.x.x
  }
  if (t[0] != '2') {
    return 0;
  }
  const std::string st = FindStatus(t);  // a later 4.x.x or 5.x.x wins over this 2.x.x
  return !st.empty() && t.substr(0, st.size()) == st ? st.size() : 0;
}

}  // namespace

std::string JoinReplyLines(std::string_view s) {
  std::string out(s);
  JoinReplyLinesInPlace(out);
  return out;
}

void JoinReplyLinesInPlace(std::string& text) {
  // The kept bytes are moved down over the removed prefixes: the write position never passes
  // the read position, and nothing moves until the first prefix is removed (most texts have
  // none).
  const std::string_view s = text;
  char* const o = text.data();
  size_t w = 0;  // bytes kept so far, at o[0, w)
  bool first = true;
  bool removed = false;
  size_t run = 0;  // start of the bytes not yet kept
  const auto keep = [&](size_t from, size_t size) {
    if (removed) {
      std::memmove(o + w, o + from, size);
    }
    w += size;
  };
  size_t i = NextReplyCodeStart(s, 0);
  while (i < s.size()) {
    // At i: a byte in '2'..'5' at the start or after a space.
    if (i + 4 <= s.size() && IsDigit(s[i + 1]) && IsDigit(s[i + 2]) &&
        (s[i + 3] == '-' || s[i + 3] == ' ')) {
      // "550-" or "550 " optionally followed by "5.7.1 "
      size_t j = i + 4;
      const size_t status = StatusPrefixLength(s.substr(j, 12));
      if (status != 0 && j + status < s.size() && s[j + status] == ' ') {
        j += status + 1;
      } else if (s[i + 3] == ' ') {
        j = i;  // "550 text" without a status is not a continuation prefix
      }
      if (j != i) {
        if (first) {
          keep(run, j - run);  // the first prefix stays
          first = false;
        } else {
          keep(run, i - run);
          removed = true;
        }
        run = j;
        i = NextReplyCodeStart(s, j);
        continue;
      }
    }
    i = NextReplyCodeStart(s, i + 1);
  }
  keep(run, s.size() - run);
  text.resize(w);
}

}  // namespace bw::mail
