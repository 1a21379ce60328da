// SPDX-License-Identifier: Apache-2.0
// Internal to bw_ingest_mail: the pieces shared by the GMime walk (mail.cc) and the lightweight
// MIME fast path (mime_fast.cc). Not part of the module's interface.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/cpu.h"
#include "ingest/mail/mail.h"

namespace bw::mail::internal {

// One T per thread and nesting level in use, reused from use to use so that its memory (strings,
// vectors) is allocated once: a ThreadPooled<T> takes the thread's next free T and gives it back
// when destroyed, in reverse order (a scope that nests another, e.g. a forwarded mail parsed
// inside the outer one, takes a second T). The T keeps what the last user left in it: users clear
// it as they need. Not copyable; use on the thread that made it.
template <class T>
class ThreadPooled {
 public:
  ThreadPooled() : item_(Acquire()) {}
  ~ThreadPooled() { --Pool().used; }
  ThreadPooled(const ThreadPooled&) = delete;
  ThreadPooled& operator=(const ThreadPooled&) = delete;

  T& get() { return item_; }

 private:
  struct State {
    std::deque<T> items;  // a deque: references stay valid as it grows
    size_t used = 0;
  };
  static State& Pool() {
    thread_local State state;
    return state;
  }
  static T& Acquire() {
    State& s = Pool();
    if (s.used == s.items.size()) {
      s.items.emplace_back();
    }
    return s.items[s.used++];
  }

  T& item_;
};

// How many "multipart/" and "message/rfc822" strings `raw` contains (any case of the two common
// spellings): a cheap upper bound of the MIME containers, checked before any parsing.
size_t CountContainers(std::string_view raw);

// Whether CountContainers(raw) > max, without counting when the size alone rules it out: the
// counted strings ("ultipart/", "essage/rfc822") span at least 9 bytes each and never overlap, so
// a text of fewer than 9 * (max + 1) bytes holds at most max of them. Else the cheaper upper bound,
// the '/' bytes (CountSlashes), is counted first, and only as far as the rest of the text could
// still hold more than max strings.
bool MoreContainersThan(std::string_view raw, size_t max);

// How many '/' bytes `raw` holds (16 bytes at a time).
size_t CountSlashes(std::string_view raw);

// `bytes` (text in `charset`, or undeclared when `charset` is null/empty) as UTF-8; `bytes`
// unchanged when the charset is unknown or the bytes do not fit it.
std::string ConvertToUtf8(std::string_view bytes, const char* charset);

// The bytes of a quoted-printable body: "=XX" escapes decoded, soft line breaks ("=" and
// optional blanks before a line end) removed, any other '=' kept.
std::string DecodeQuotedPrintable(std::string_view in);

// A byte buffer for decoded bytes that only grows and is never zero-filled (a std::string's
// resize writes every new byte): reused from part to part and mail to mail.
//
// A buffer given a `Region` (a function returning memory it may use, e.g. ThreadBlockForDecoded)
// serves every request of more than kSmall bytes that fits in the region from the region, and
// the others from the heap. The region is asked for on such a request while the buffer holds
// none. The per-thread buffers are given one in this thread's ThreadBlock, whose huge page the
// mail reader has already faulted in: their first touches in a process then cost no page fault,
// not one per 4 KiB page the largest part reached (≈ 32 faults over the corpus:
// docs/benchmarks.md, issue 6, session 12), while small mails never reach the region.
class ScratchBuffer {
 public:
  using Region = std::span<char> (*)();
  static constexpr size_t kSmall = size_t{16} << 10;

  ScratchBuffer() = default;
  explicit ScratchBuffer(Region region) : region_(region) {}

  // At least `n` writable bytes; what they held before is not kept.
  char* Reserve(size_t n) {
    if (n > capacity_) {
      Grow(n);
    }
    return data_;
  }
  size_t capacity() const { return capacity_; }
  // Whether the bytes are the region's (else the heap's, or none).
  bool InRegion() const { return data_ != nullptr && owned_ == nullptr; }
  // Frees heap bytes when they are more than `keep` (after a very large part); the region is kept.
  void ReleaseAbove(size_t keep) {
    if (owned_ != nullptr && capacity_ > keep) {
      owned_.reset();
      data_ = nullptr;
      capacity_ = 0;
    }
  }

 private:
  void Grow(size_t n);

  Region region_ = nullptr;
  std::unique_ptr<char[]> owned_;  // null when the bytes are the region's
  char* data_ = nullptr;
  size_t capacity_ = 0;
};

// This thread's ThreadBlock scratch regions (empty while no mail reader of the thread has mapped
// the block). Each is the Region of one per-thread buffer: LoadMail's normalised mail, the fast
// path's decoded parts.
std::span<char> ThreadBlockForNormalized();
std::span<char> ThreadBlockForDecoded();

// `raw` with CRLF and lone CR turned into LF.
std::string NormalizeLineEndings(std::string_view raw);

// The same written into `buffer` (a reused one is not refilled); the result is a view into
// `buffer`, valid until it changes.
std::string_view NormalizeLineEndingsInto(std::string_view raw, ScratchBuffer& buffer);

// DecodeQuotedPrintable(in) written into `buffer`; the result is a view into `buffer`, valid
// until it is used again.
std::string_view DecodeQuotedPrintableInto(std::string_view in, ScratchBuffer& buffer);

// Appends ConvertToUtf8(bytes, charset) to `out`, without a temporary copy when the bytes need
// no conversion.
void AppendUtf8(std::string_view bytes, const char* charset, std::string& out);
void AppendUtf8(std::string_view bytes, std::string_view charset, std::string& out);

// ConvertToUtf8(bytes, charset) as a view: `bytes` itself when they need no conversion, else
// the converted text in `buffer` (valid until it changes). An empty `charset` is undeclared.
// Declared UTF-8 and US-ASCII text is never read (it comes out as it is, valid or not), and
// ISO-8859-1, ISO-8859-15 and Windows-1252 are converted through tables, without iconv.
std::string_view Utf8View(std::string_view bytes, std::string_view charset, std::string& buffer);

// The text of an HTML part: tags removed, block tags turned into line breaks, a few entities.
std::string StripHtml(std::string_view html);

// StripHtml(html) appended to `out`.
void StripHtmlInto(std::string_view html, std::string& out);

// A raw header field value (as written after the colon, folded lines included) unfolded,
// RFC 2047-decoded exactly as GMime decodes header values, and with whitespace runs squeezed.
std::string DecodeFieldValue(std::string_view raw_value);

// Whether DecodeFieldValue(raw_value) is `raw_value` with at most one space cut at each end and
// nothing else changed (ASCII bytes, no "=?", no control byte such as a tab, CR or LF, no two
// spaces in a row): then true, with that part of `raw_value` in `plain`. Most header values are
// such one-line texts, which Value() then serves as a view instead of a decoded copy. False only
// means "not known to be plain": DecodeFieldValue gives the value then.
bool PlainFieldValue(std::string_view raw_value, std::string_view& plain);

// Copies in[i, n) to `out` sixteen bytes at a time up to the first `stop` byte: true with `i` at
// it, false with `i` where fewer than sixteen bytes are left (the caller goes on byte by byte);
// `out` advances by as many bytes as `i`. Each block is stored whole, so bytes past the copied
// ones may be written over: REQUIRES room for n - i bytes at `out` (true of a decoder whose output
// never outruns its input). Without SSE2 it copies nothing and returns false.
inline bool CopyBlocksUntil(const char* in, size_t& i, size_t n, char*& out, char stop) {
#if defined(__SSE2__)
  const __m128i s = _mm_set1_epi8(stop);
  // Two blocks a step while 32 bytes are left (one test of both masks: the stretches between two
  // stop bytes, such as lines, are mostly longer than a block), then one block.
  size_t at = i;
  char* o = out;
  const auto found = [&](unsigned m) {
    const auto k = static_cast<size_t>(__builtin_ctz(m));
    i = at + k;
    out = o + k;
    return true;
  };
  if (n >= 32) {
    for (const size_t last = n - 32; at <= last; at += 32, o += 32) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + at));
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + at + 16));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 16), w);
      const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, s))) |
                         (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, s))) << 16);
      if (m != 0) {
        return found(m);
      }
    }
  }
  if (at + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + at));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
    const auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, s)));
    if (m != 0) {
      return found(m);
    }
    at += 16;
    o += 16;
  }
  i = at;
  out = o;
#else
  (void)in;
  (void)n;
  (void)out;
  (void)stop;
#endif
  return false;
}

#if defined(BW_CPU_AVX2_TARGET)
// CopyBlocksUntil with AVX2: 32 bytes a block, false with `i` where fewer than 32 bytes are left
// (the caller goes on with CopyBlocksUntil, then byte by byte). Same contract otherwise; call it
// only when HasAvx2(), from a function built for AVX2 (it is inlined there).
[[gnu::target("avx2")]] inline bool CopyBlocksUntilAvx2(const char* in, size_t& i, size_t n,
                                                        char*& out, char stop) {
  const __m256i s = _mm256_set1_epi8(stop);
  size_t at = i;  // (locals: the stores of bytes could alias the referenced `i` and `out`)
  char* o = out;
  for (; at + 32 <= n; at += 32, o += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + at));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), v);
    const auto m = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, s)));
    if (m != 0) {
      const auto k = static_cast<size_t>(__builtin_ctz(m));
      i = at + k;
      out = o + k;
      return true;
    }
  }
  i = at;
  out = o;
  return false;
}
#endif

// The first LF at or after `from` in `s`, or s.size(); `s.size()` when from >= s.size().
inline size_t LineEnd(std::string_view s, size_t from) {
  if (from >= s.size()) {
    return s.size();
  }
  const void* nl = std::memchr(s.data() + from, '\n', s.size() - from);
  return nl == nullptr ? s.size() : static_cast<size_t>(static_cast<const char*>(nl) - s.data());
}

// LineEnd(s, from), 32 then 16 bytes at a time without a call (SSE2): the header lines the fast
// path reads are short, and memchr's call and set-up cost more than the few blocks they span.
inline size_t FindLineEnd(std::string_view s, size_t from) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  const char* p = s.data();
  const size_t n = s.size();
  // Two blocks a step while 32 bytes are left (most header lines are longer than one block), then
  // one block.
  if (n >= 32) {
    for (const size_t last = n - 32; from <= last; from += 32) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + from));
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + from + 16));
      const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf))) |
                         (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, lf))) << 16);
      if (m != 0) {
        return from + static_cast<size_t>(__builtin_ctz(m));
      }
    }
  }
  if (from + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + from));
    const auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)));
    if (m != 0) {
      return from + static_cast<size_t>(__builtin_ctz(m));
    }
    from += 16;
  }
#endif
  return LineEnd(s, from);
}

// Scans the header field line at `pos` of `s` (LF line endings) for its first ':' or LF,
// whichever comes first: `stop` gets its position (or s.size()) and `bad` whether a byte before
// it cannot be in a field name (a control byte, a space, DEL or a byte above 0x7f). Returns the
// end of the line: its LF, or s.size(). 16 bytes at a time (SSE2); the LF is first looked for in
// the block that holds the colon.
inline size_t ScanFieldLine(std::string_view s, size_t pos, size_t& stop, bool& bad) {
  const size_t n = s.size();
  size_t i = pos;
  bool seen_bad = false;
#if defined(__SSE2__)
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i lf = _mm_set1_epi8('\n');
  // A bad byte (0x00-0x20, 0x7f-0xff) plus one, as a signed byte, is below 0x22 (0x7f wraps to
  // -128, 0xff to 0); the name bytes 0x21-0x7e become 0x22-0x7f: one add and one compare.
  const __m128i one = _mm_set1_epi8(1);
  const __m128i limit = _mm_set1_epi8(0x22);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const auto lfs = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)));
    const unsigned stops = lfs | static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)));
    const auto bads =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(v, one), limit)));
    if (stops != 0) {
      const auto k = static_cast<unsigned>(__builtin_ctz(stops));
      stop = i + k;
      bad = seen_bad || (bads & ((1u << k) - 1)) != 0;
      if (((lfs >> k) & 1u) != 0) {
        return stop;  // a line without a colon
      }
      const unsigned after = lfs & ~((2u << k) - 1);  // LFs after the colon
      if (after != 0) {
        return i + static_cast<size_t>(__builtin_ctz(after));
      }
      return FindLineEnd(s, i + 16);
    }
    seen_bad = seen_bad || bads != 0;
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ':' || c == '\n') {
      break;
    }
    seen_bad = seen_bad || c <= ' ' || c >= 0x7f;
  }
  stop = i;
  bad = seen_bad;
  return i < n && s[i] == ':' ? LineEnd(s, i + 1) : i;
}

// The 8 bytes at `p` as an integer with 0x20 OR-ed into each: for the bytes 0x21-0x7e this maps
// the two cases of a letter, and nothing else, onto the lower-case letter, and '-' onto itself.
inline uint64_t FoldedWord(const char* p) {
  uint64_t w = 0;
  std::memcpy(&w, p, 8);
  return w | 0x2020202020202020ull;
}

// Whether `name` is `lower` in any ASCII case, for a `name` whose bytes are 0x21-0x7e (a field
// name as the fast path admits it); 8 bytes at a time (the last 8 overlap the ones before).
// REQUIRES: `lower` is at least 8 bytes of lower-case ASCII letters and '-'.
inline bool IsFieldName(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) {
    return false;
  }
  const auto word = [](const char* p) {
    uint64_t w = 0;
    std::memcpy(&w, p, 8);
    return w;
  };
  for (size_t i = 0; i + 8 < lower.size(); i += 8) {
    if (FoldedWord(name.data() + i) != word(lower.data() + i)) {
      return false;
    }
  }
  const size_t last = lower.size() - 8;
  return FoldedWord(name.data() + last) == word(lower.data() + last);
}

// Whether `name` (bytes 0x21-0x7e, as for IsFieldName) starts with "Content-" in any ASCII case.
inline bool IsContentField(std::string_view name) {
  return name.size() >= 8 && IsFieldName(name.substr(0, 8), "content-");
}

// Finds one needle (a multipart's "--boundary") in texts as Find(text, needle, from) does, with
// a skip table over the needle's byte pairs (Horspool's algorithm on pairs, as Wu and Manber use
// it): where the last two bytes of the window are no pair of the needle, the window moves on by
// the needle's length less one. A 40-byte boundary thus reads about one pair per 35 bytes of text
// instead of every byte. Needles shorter than kMinSkip or longer than kMaxSkip bytes are searched
// with Find, and so is every needle on a CPU with AVX2 (HasAvx2()): there Find compares 64
// positions a step with independent loads, which takes about half the time of the skip loop, each
// of whose steps waits for the table load of the step before (docs/benchmarks.md, issue 6,
// session 13), though it executes more instructions.
class NeedleFinder {
 public:
  static constexpr size_t kMinSkip = 16;
  static constexpr size_t kMaxSkip = 256;

  // REQUIRES: the needle's bytes outlive the finder.
  explicit NeedleFinder(std::string_view needle);

  // The first position at or after `from` where the needle is in `text`, or npos (as
  // Find(text, needle, from)).
  size_t Find(std::string_view text, size_t from) const;

 private:
  // The table slot of the pair of bytes at `p` (a hash: pairs that share a slot share the
  // smallest of their skips, so a collision only shortens a skip).
  static size_t PairSlot(const char* p) {
    uint16_t w = 0;
    std::memcpy(&w, p, 2);
    return (uint32_t{w} * 0x9E3779B1u) >> 24;
  }

  std::string_view needle_;
  bool skips_;  // whether Find uses skip_ (else Find(text, needle_, from))
  // How far the window may move when its last pair is in the slot: 0 for the needle's last pair.
  std::array<uint8_t, 256> skip_;  // (filled only when skips_)
};

// Whether `s` holds a byte in 'A'..'Z'.
bool HasAsciiUpper(std::string_view s);

// The fast path: takes `lf` (LF line endings, no mbox "From " line) apart without building GMime
// objects. nullopt when the mail has a shape the fast path leaves to GMime (malformed header
// lines, RFC 2231 parameters, unknown transfer encodings, multipart/digest, ...). When it returns
// a Mail, that Mail gives the same parse results as the GMime walk. Limits as in LoadMail.
std::optional<Mail> FastLoadMail(std::string_view lf, const MimeLimits& limits);

// The same into `mail` (a default-constructed Mail): true when the fast path took the mail, false
// when it declines (then `mail` holds a partial result to discard). One Mail, no moves.
bool FastLoadMailInto(std::string_view lf, const MimeLimits& limits, Mail& mail);

}  // namespace bw::mail::internal
