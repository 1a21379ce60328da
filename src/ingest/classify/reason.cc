// SPDX-License-Identifier: Apache-2.0
#include "ingest/classify/reason.h"

#include "core/ascii.h"
#include "ingest/classify/literal_prefilter.h"
#include "ingest/classify/reason_pcre2.h"
#include "ingest/classify/reason_tables.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <vector>

namespace bw::ingest {
namespace {

using reason_tables::kPriorityPhrases;
using reason_tables::kSources;
using reason_tables::PriorityPhrase;

#include "ingest/classify/reason_codes.inc"      // generated: kSerializedCodes
#include "ingest/classify/reason_prefilter.inc"  // generated: k{Reason,Phrase}PrefilterTables

// Which reasons' patterns, and which of their top-level alternatives, can match at all, from one
// literal scan of the text (the priority phrases ride along as extra literals). Its tables are
// the build's (reason_prefilter_gen.cc): constant data, nothing built at run time.
constinit const LiteralPrefilter kPrefilter(kReasonPrefilterTables);

// Which priority phrases may occur in a text that is not the memo's (FromPriorityPhrase).
constinit const LiteralPrefilter kPhrasePrefilter(kPhrasePrefilterTables);

std::string Lower(std::string_view s) {
  std::string out(s.size(), '\0');
  AsciiLowerInto(s, out.data());
  return out;
}

// `s` ASCII-lower-cased into `out` (reused: no allocation once it is large enough).
std::string_view LowerInto(std::string_view s, std::string& out) {
  if (out.capacity() > (size_t{1} << 20) && s.size() < (size_t{1} << 16)) {
    std::string().swap(out);  // give back a buffer a huge text grew
  }
  out.resize(s.size());
  AsciiLowerInto(s, out.data());
  return out;
}

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;

// The serialized code the build compiled for `pattern` (reason_codes.inc); empty when none.
std::string_view BuildCode(std::string_view pattern) {
  const reason_pcre2::SerializedCode want{reason_pcre2::PatternKey(pattern),
                                          static_cast<uint32_t>(pattern.size()), 0, 0};
  const auto* end = std::end(kSerializedCodes);
  const auto* it = std::lower_bound(std::begin(kSerializedCodes), end, want,
                                    [](const auto& a, const auto& b) {
                                      return a.key != b.key ? a.key < b.key : a.size < b.size;
                                    });
  if (it == end || it->key != want.key || it->size != want.size) {
    return {};
  }
  return std::string_view(reinterpret_cast<const char*>(kSerializedCodeBytes) + it->offset,
                          it->length);
}

// The code the build compiled for `pattern`, decoded; null when there is none or this process's
// PCRE2 cannot decode it (pcre2_serialize_decode checks the version and configuration).
CodePtr Decode(std::string_view pattern) {
  const std::string_view bytes = BuildCode(pattern);
  pcre2_code* code = nullptr;
  if (bytes.empty() ||
      pcre2_serialize_decode(&code, 1, reinterpret_cast<const uint8_t*>(bytes.data()), nullptr) !=
          1) {
    return nullptr;
  }
  return CodePtr(code);
}

// `pattern` compiled for PCRE2's interpreter (LazyCode JIT-compiles it once it is used often):
// the build's code when it decodes, else compiled now; null when it is empty or does not compile.
CodePtr Compile(std::string_view pattern) {
  if (pattern.empty()) {
    return nullptr;
  }
  if (CodePtr decoded = Decode(pattern)) {
    return decoded;
  }
  return CodePtr(reason_pcre2::CompilePattern(pattern));
}

bool RunCode(const pcre2_code* code, std::string_view text) {
  thread_local std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> data(
      pcre2_match_data_create(4, nullptr), pcre2_match_data_free);
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                       data.get(), nullptr);
  return rc >= 0;
}

// How many patterns this process has JIT-compiled (or tried to). Until the first, a pattern waits
// for LazyCode::kFirstJitBudget instead of kJitBudget.
std::atomic<uint32_t> g_jit_compiles{0};

// A compiled pattern that runs in PCRE2's interpreter until its interpreted runs have cost about
// as much as JIT-compiling it, and JIT-compiled from then on (the ski-rental rule: rent until the
// rent paid equals the price, whatever the number of runs to come). Measured with `parse-mail`
// over the corpus, 2 to 20 rounds (docs/benchmarks.md, issue 6, session 13):
// - an interpreted run costs ≈ 0.35 µs + 1.5 ns a byte of text (0.4 µs under 64 bytes, 1.7 µs
//   at 512-1023), a JIT-compiled one ≈ 0.2-0.6 µs: JIT saves ≈ half, at most ≈ 1 µs a run;
// - a JIT compilation costs 5-100 µs (median 35 µs), and the process's first 170-390 µs: it
//   brings in PCRE2's JIT compiler (cold code, page faults) and sljit's executable memory;
// - no pattern runs more than ≈ 28 times in a round of the corpus (496 mails), most a few times.
// So a run costs (text bytes + kRunUnits) units of ≈ 1.5 ns, and a pattern is JIT-compiled once
// its runs have cost kJitBudget units (≈ 50 µs), kFirstJitBudget (≈ 400 µs) while no pattern has
// been. An `ingest-mail` of one mail never pays for the JIT compiler, nor does a `parse-mail` of
// the corpus 5 or 20 times over (2,480 or 9,920 mails; from ≈ 25 times the hot patterns are
// JIT-compiled), and a long-running process pays for it once its interpreted runs have. The 8th
// run, before, JIT-compiled 26 patterns in the 5-round run: ≈ 1 ms more PCRE2 time than none.
// Thread-safe once Set: the interpreted code is never changed; the JIT-compiled one is a copy,
// published when it is complete.
class LazyCode {
 public:
  static constexpr uint64_t kRunUnits = 256;
  static constexpr uint64_t kJitBudget = uint64_t{32} << 10;
  static constexpr uint64_t kFirstJitBudget = uint64_t{256} << 10;

  void Set(CodePtr code) { code_ = std::move(code); }
  bool Compiled() const { return code_ != nullptr; }

  // Whether the pattern matches `text`; false when it did not compile.
  bool Match(std::string_view text) {
    if (const pcre2_code* jit = jit_.load(std::memory_order_acquire)) {
      return RunCode(jit, text);
    }
    if (code_ == nullptr) {
      return false;
    }
    const uint64_t spent = spent_.fetch_add(text.size() + kRunUnits, std::memory_order_relaxed) +
                           text.size() + kRunUnits;
    if (spent >= kJitBudget && spent >= Budget() && !claimed_.load(std::memory_order_relaxed) &&
        !claimed_.exchange(true, std::memory_order_relaxed)) {  // one caller only
      g_jit_compiles.fetch_add(1, std::memory_order_relaxed);
      CodePtr copy(pcre2_code_copy(code_.get()));
      if (copy != nullptr && pcre2_jit_compile(copy.get(), PCRE2_JIT_COMPLETE) == 0) {
        jit_owner_ = std::move(copy);
        jit_.store(jit_owner_.get(), std::memory_order_release);
      }  // else: stays with the interpreter
    }
    return RunCode(code_.get(), text);
  }

 private:
  static uint64_t Budget() {
    return g_jit_compiles.load(std::memory_order_relaxed) == 0 ? kFirstJitBudget : kJitBudget;
  }

  CodePtr code_;
  CodePtr jit_owner_;
  std::atomic<const pcre2_code*> jit_{nullptr};
  std::atomic<uint64_t> spent_{0};  // units of the interpreted runs so far
  std::atomic<bool> claimed_{false};
};

// One reason's patterns, compiled on first use: a process that never needs a reason never pays
// for compiling (and JIT-compiling) its long pattern.
struct Matcher {
  std::once_flag once;
  std::once_flag isnot_once;
  LazyCode pattern;
  LazyCode isnot;

  void Ensure(size_t i) {
    std::call_once(once, [&] { pattern.Set(Compile(kSources[i].pattern)); });
    EnsureIsnot(i);
  }
  void EnsureIsnot(size_t i) {
    std::call_once(isnot_once, [&] { isnot.Set(Compile(kSources[i].isnot)); });
  }
};

// One top-level alternative of a reason's pattern, compiled on first use (most never are: the
// literal scan rules them out).
struct AltMatcher {
  LazyCode code;
  bool broken = false;  // does not compile on its own: the whole pattern runs instead
};

// The AltMatchers of a pattern set's alternatives, each made (compiled) on first use. A table of
// pointers: a static array of the AltMatchers themselves (48 bytes each, 571 of them) was 7 pages
// of .bss, each a page fault the first time one of its alternatives ran (≈ 12 µs each on a VM;
// docs/benchmarks.md, issue 6, session 12), while a process uses a few dozen. Thread-safe: two
// threads may compile the same alternative at once; the first to publish its AltMatcher wins and
// the other's is dropped.
template <size_t N>
class AltMatcherTable {
 public:
  constexpr AltMatcherTable() = default;
  ~AltMatcherTable() {
    for (auto& slot : slots_) {
      delete slot.load(std::memory_order_relaxed);
    }
  }
  AltMatcherTable(const AltMatcherTable&) = delete;
  AltMatcherTable& operator=(const AltMatcherTable&) = delete;

  // The AltMatcher of alternative j (< N), whose pattern is `source`: compiled on the first call.
  AltMatcher& At(size_t j, std::string_view source) {
    if (AltMatcher* m = slots_[j].load(std::memory_order_acquire)) {
      return *m;
    }
    auto made = std::make_unique<AltMatcher>();
    made->code.Set(Compile(source));
    made->broken = !made->code.Compiled();
    AltMatcher* seen = nullptr;
    if (slots_[j].compare_exchange_strong(seen, made.get(), std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      return *made.release();
    }
    return *seen;  // another thread's, published first
  }

 private:
  std::array<std::atomic<AltMatcher*>, N> slots_{};
};

constexpr size_t kReasonCount = sizeof(kSources) / sizeof(kSources[0]);
static_assert(kReasonCount <= 64, "the literal prefilter keeps one bit per reason");

// Index i belongs to kSources[i]. Thread-safe: each entry compiles once under its once_flag (and
// JIT-compiles once, LazyCode).
std::array<Matcher, kReasonCount>& Matchers() {
  static constinit std::array<Matcher, kReasonCount> kMatchers;
  return kMatchers;
}

const LiteralPrefilter& Prefilter() { return kPrefilter; }

// Index j belongs to Prefilter().Alternatives()[j]. Static storage, initialized at compile time.
using AltMatcherArray = AltMatcherTable<kReasonPrefilterAlternatives.size()>;
AltMatcherArray& AltMatchers() {
  static constinit AltMatcherArray kAlts;
  return kAlts;
}

// RFC 3463 / RFC 7505 / RFC 7372 codes; Sisimai's table.
struct StatusEntry {
  std::string_view code;
  std::string_view reason;
};
constexpr StatusEntry kStatusTable[] = {
    {"2.1.5", "delivered"},      {"4.1.6", "hasmoved"},       {"4.1.7", "rejected"},
    {"4.1.8", "rejected"},       {"4.1.9", "systemerror"},    {"4.2.1", "suspend"},
    {"4.2.2", "mailboxfull"},    {"4.2.3", "exceedlimit"},    {"4.2.4", "filtered"},
    {"4.3.1", "systemfull"},     {"4.3.2", "notaccept"},      {"4.3.3", "systemerror"},
    {"4.3.5", "systemerror"},    {"4.4.1", "expired"},        {"4.4.2", "networkerror"},
    {"4.4.4", "networkerror"},   {"4.4.5", "systemfull"},     {"4.4.6", "networkerror"},
    {"4.4.7", "expired"},        {"4.5.3", "systemerror"},    {"4.5.5", "systemerror"},
    {"4.6.0", "contenterror"},   {"4.6.2", "contenterror"},   {"4.6.5", "contenterror"},
    {"4.7.1", "blocked"},        {"4.7.2", "blocked"},        {"4.7.5", "securityerror"},
    {"4.7.6", "securityerror"},  {"4.7.7", "securityerror"},  {"4.7.12", "securityerror"},
    {"4.7.15", "securityerror"}, {"4.7.16", "mesgtoobig"},    {"4.7.24", "authfailure"},
    {"4.7.25", "requireptr"},    {"4.7.26", "authfailure"},   {"5.1.0", "userunknown"},
    {"5.1.1", "userunknown"},    {"5.1.2", "hostunknown"},    {"5.1.3", "userunknown"},
    {"5.1.4", "filtered"},       {"5.1.6", "hasmoved"},       {"5.1.7", "rejected"},
    {"5.1.8", "rejected"},       {"5.1.9", "systemerror"},    {"5.1.10", "notaccept"},
    {"5.2.0", "filtered"},       {"5.2.1", "userunknown"},    {"5.2.2", "mailboxfull"},
    {"5.2.3", "exceedlimit"},    {"5.2.4", "filtered"},       {"5.3.0", "systemerror"},
    {"5.3.1", "systemfull"},     {"5.3.2", "notaccept"},      {"5.3.3", "systemerror"},
    {"5.3.4", "mesgtoobig"},     {"5.3.5", "systemerror"},    {"5.4.0", "networkerror"},
    {"5.4.3", "systemerror"},    {"5.4.4", "hostunknown"},    {"5.5.3", "toomanyconn"},
    {"5.5.4", "systemerror"},    {"5.5.5", "systemerror"},    {"5.5.6", "securityerror"},
    {"5.6.0", "contenterror"},   {"5.6.1", "contenterror"},   {"5.6.2", "contenterror"},
    {"5.6.3", "contenterror"},   {"5.6.5", "contenterror"},   {"5.6.6", "contenterror"},
    {"5.6.7", "contenterror"},   {"5.6.8", "contenterror"},   {"5.6.9", "contenterror"},
    {"5.7.0", "securityerror"},  {"5.7.1", "securityerror"},  {"5.7.2", "securityerror"},
    {"5.7.3", "securityerror"},  {"5.7.4", "securityerror"},  {"5.7.5", "securityerror"},
    {"5.7.6", "securityerror"},  {"5.7.7", "securityerror"},  {"5.7.8", "securityerror"},
    {"5.7.9", "securityerror"},  {"5.7.10", "securityerror"}, {"5.7.11", "securityerror"},
    {"5.7.13", "suspend"},       {"5.7.14", "securityerror"}, {"5.7.15", "securityerror"},
    {"5.7.16", "mesgtoobig"},    {"5.7.17", "hasmoved"},      {"5.7.18", "hasmoved"},
    {"5.7.19", "securityerror"}, {"5.7.20", "authfailure"},   {"5.7.21", "authfailure"},
    {"5.7.22", "authfailure"},   {"5.7.23", "authfailure"},   {"5.7.24", "authfailure"},
    {"5.7.25", "requireptr"},    {"5.7.26", "authfailure"},   {"5.7.27", "notaccept"},
};

// Where a code "c.s.d" (class 2, 4 or 5; subject 0-9; detail 0-31, written without leading
// zeros) would be in kStatusSlots, or kNoStatusSlot for any other shape.
constexpr size_t kNoStatusSlot = 3 * 10 * 32;
constexpr size_t StatusSlot(std::string_view s) {
  if (s.size() < 5 || s.size() > 6 || s[1] != '.' || s[3] != '.') {
    return kNoStatusSlot;
  }
  const size_t klass = s[0] == '2' ? 0 : s[0] == '4' ? 1 : s[0] == '5' ? 2 : 3;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (klass == 3 || !digit(s[2]) || !digit(s[4]) || (s.size() == 6 && !digit(s[5]))) {
    return kNoStatusSlot;
  }
  const size_t detail = s.size() == 5 ? static_cast<size_t>(s[4] - '0')
                                      : static_cast<size_t>((s[4] - '0') * 10 + (s[5] - '0'));
  if (detail >= 32) {
    return kNoStatusSlot;
  }
  return (klass * 10 + static_cast<size_t>(s[2] - '0')) * 32 + detail;
}

// kStatusTable's index of the code in each slot (0xff: none), built at compile time.
constexpr auto kStatusSlots = [] {
  std::array<uint8_t, kNoStatusSlot> slots{};
  for (auto& s : slots) {
    s = 0xff;
  }
  for (size_t i = 0; i < std::size(kStatusTable); ++i) {
    slots[StatusSlot(kStatusTable[i].code)] = static_cast<uint8_t>(i);
  }
  return slots;
}();
static_assert(std::size(kStatusTable) < 0xff);

// Per-thread memo of the pattern results for the one text being classified: the passes below
// ask about the same reason several times. It is kept for the next text when that has the same
// bytes (the recipients of one mail often share a diagnostic, and a detector's
// MatchReasonText and the final ClassifyReason look at the same one): the results depend on the
// bytes only.
struct Memo {
  const char* data = nullptr;
  size_t size = 0;
  std::string bytes;  // the text of the results below; `known` false: none
  bool known = false;
  uint64_t candidates = ~uint64_t{0};
  std::vector<uint64_t> alternatives;  // bit j: alternative j may match
  std::array<int8_t, kReasonCount> state{};  // 0 unknown, 1 matches, -1 does not
  bool phrase_known = false;                 // FromPriorityPhrase's answer for `bytes`
  std::string_view phrase;
};

thread_local Memo tl_memo;

// Calls f(j) for the set bits j of [first, last) in `words` (bit j: words[j / 64], bit j % 64),
// in ascending order, until f returns true. A 64-bit word at a time: a reason has up to ≈ 100
// alternatives and the scan leaves few, so testing each bit in turn was most of a call's cost.
template <typename F>
void FirstSetBit(const uint64_t* words, uint32_t first, uint32_t last, F&& f) {
  for (uint32_t w = first / 64; w * 64 < last; ++w) {
    uint64_t bits = words[w];
    if (w == first / 64) {
      bits &= ~uint64_t{0} << (first % 64);  // bits below `first`
    }
    if ((w + 1) * 64 > last) {
      bits &= (uint64_t{1} << (last % 64)) - 1;  // bits from `last` on (last % 64 > 0 here)
    }
    for (; bits != 0; bits &= bits - 1) {
      if (f(w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits)))) {
        return;
      }
    }
  }
}

// Whether the pattern of reason i matches `text`, running only the top-level alternatives the
// literal scan left (`alts`: the memo's bits for `text`). Plain-literal alternatives need no
// PCRE2 run: the scan found them (or their first 16 bytes, confirmed with a search: find's
// first-byte memchr and compare, which costs less than glibc memmem's set-up on these texts).
bool RunSplit(size_t i, std::string_view text, const std::vector<uint64_t>& alts) {
  const auto& pf = Prefilter();
  auto [first, last] = pf.AlternativesOf(i);
  auto& matchers = AltMatchers();
  bool hit = false;
  FirstSetBit(alts.data(), first, last, [&](uint32_t j) {
    const auto& alt = pf.Alternatives()[j];
    if (!alt.plain.empty()) {
      hit = alt.plain.size() <= 16 || text.find(alt.plain) != std::string_view::npos;
      return hit;
    }
    AltMatcher& m = matchers.At(j, alt.source);
    if (m.broken) {
      auto& whole = Matchers()[i];
      whole.Ensure(i);
      hit = whole.pattern.Match(text);
      return true;  // the whole pattern answered
    }
    hit = m.code.Match(text);
    return hit;
  });
  return hit;
}

// Starts a new classification of `text` (which must stay alive and unchanged until the next
// call): forgets the previous text's results.
void ResetMemo(std::string_view text) {
  tl_memo.data = text.data();
  tl_memo.size = text.size();
  if (tl_memo.known && std::string_view(tl_memo.bytes) == text) {
    return;  // the same bytes as the last text: its results still hold
  }
  tl_memo.state.fill(0);
  tl_memo.phrase_known = false;
  tl_memo.candidates = Prefilter().Candidates(text, tl_memo.alternatives);
  tl_memo.known = text.size() <= (size_t{1} << 16);
  if (tl_memo.known) {
    tl_memo.bytes.assign(text);
  } else {
    std::string().swap(tl_memo.bytes);
  }
}

// Whether the memo holds the results for `text` (the text of the last ResetMemo).
bool MemoFor(std::string_view text) {
  return text.data() == tl_memo.data && text.size() == tl_memo.size;
}

// The index of `reason` in kSources (the first entry of that name), at compile time.
consteval size_t IndexOfReason(std::string_view reason) {
  for (size_t i = 0; i < kReasonCount; ++i) {
    if (kSources[i].reason == reason) {
      return i;
    }
  }
  throw "not a reason of kSources";  // not a constant expression: the caller does not compile
}

// A reason of kSources named at compile time: Match does not look its name up per call.
struct ReasonId {
  consteval ReasonId(const char* name) : index(IndexOfReason(name)) {}  // NOLINT: implicit
  std::string_view Name() const { return kSources[index].reason; }
  size_t index;
};

// MatchAt for a reason the memo cannot answer (`memo`: whether it holds `text`'s results):
// runs the patterns and keeps the answer. Out of line: the memo's answers, most of the calls,
// then need no registers saved.
[[gnu::noinline]] bool RunAt(size_t i, std::string_view text, bool memo) {
  auto& m = Matchers();
  bool hit = false;
  const auto [first, last] = Prefilter().AlternativesOf(i);
  if (memo && first != last) {
    hit = RunSplit(i, text, tl_memo.alternatives);
    if (hit && !kSources[i].isnot.empty()) {
      m[i].EnsureIsnot(i);
      hit = !m[i].isnot.Match(text);
    }
  } else {
    m[i].Ensure(i);
    hit = m[i].pattern.Match(text) && !m[i].isnot.Match(text);
  }
  if (memo) {
    tl_memo.state[i] = hit ? 1 : -1;
  }
  return hit;
}

// Whether the message patterns of reason i (kSources[i]) match the lower-cased `text`.
inline bool MatchAt(size_t i, std::string_view text) {
  if (text.empty()) {
    return false;
  }
  const bool memo = MemoFor(text);
  if (memo && tl_memo.state[i] != 0) {
    return tl_memo.state[i] > 0;
  }
  if (memo && (tl_memo.candidates & (uint64_t{1} << i)) == 0) {
    tl_memo.state[i] = -1;  // none of the literals every match needs is in the text
    return false;
  }
  return RunAt(i, text, memo);
}

bool Match(ReasonId reason, std::string_view text) { return MatchAt(reason.index, text); }

bool IsVague(std::string_view r) {
  return r == "undefined" || r == "onhold" || r == "systemerror" || r == "securityerror" ||
         r == "networkerror" || r == "hostunknown" || r == "userunknown";
}

bool IsConnPhase(std::string_view cmd) { return cmd == "CONN" || cmd == "EHLO" || cmd == "HELO"; }

// The reason of the first of kPriorityPhrases that `diag` contains, or "".
std::string_view FromPriorityPhrase(std::string_view diag) {
  // The reason prefilter's scan of the text (ResetMemo) also says which phrases may occur; only
  // those are searched for, in table order (the first phrase of the table that occurs wins).
  // Without that scan (not the memo's text), a scan of its own.
  const bool memo = MemoFor(diag);
  if (memo && tl_memo.phrase_known) {
    return tl_memo.phrase;
  }
  std::string_view found;
  if (memo) {
    const uint32_t first = Prefilter().ExtraLiterals().first;
    const uint32_t last = first + static_cast<uint32_t>(std::size(kPriorityPhrases));
    // The phrases whose bits are set, in table order (most texts hold none of them).
    FirstSetBit(tl_memo.alternatives.data(), first, last, [&](uint32_t j) {
      const PriorityPhrase& p = kPriorityPhrases[j - first];
      if (diag.find(p.needle) == std::string_view::npos) {
        return false;
      }
      found = p.reason;
      return true;
    });
    tl_memo.phrase_known = true;
    tl_memo.phrase = found;
    return found;
  }
  for (uint64_t maybe = kPhrasePrefilter.Candidates(diag); maybe != 0; maybe &= maybe - 1) {
    const PriorityPhrase& e = kPriorityPhrases[__builtin_ctzll(maybe)];
    if (diag.find(e.needle) != std::string_view::npos) {
      return e.reason;
    }
  }
  return {};
}

// The first pass (Sisimai::Reason::get): per reason, the status code and the text together.
std::string FirstPass(std::string_view status, std::string_view diag, std::string_view cmd) {
  std::string_view by_status = ReasonFromStatus(status);
  auto status_or_text = [&](ReasonId r) { return by_status == r.Name() || Match(r, diag); };
  if (!status.empty() && status_or_text("mailboxfull")) {
    return "mailboxfull";
  }
  if (by_status == "mesgtoobig" ||
      (by_status != "exceedlimit" && status != "5.2.3" && Match("mesgtoobig", diag))) {
    return "mesgtoobig";
  }
  if (!status.empty() && status_or_text("exceedlimit")) {
    return "exceedlimit";
  }
  if (!status.empty() && Match("suspend", diag)) {
    return "suspend";
  }
  if (Match("hasmoved", diag)) {
    return "hasmoved";
  }
  if (!IsConnPhase(cmd) && Match("norelaying", diag)) {
    return "norelaying";
  }
  if (by_status != "suspend") {
    if (by_status == "userunknown") {
      bool other = false;
      static constexpr ReasonId kOthers[] = {"norelaying", "blocked",     "mailboxfull",
                                             "hasmoved",   "rejected",    "notaccept",
                                             "requireptr", "authfailure", "badreputation"};
      for (ReasonId r : kOthers) {
        if (Match(r, diag)) {
          other = true;
          break;
        }
      }
      if (!other) {
        return "userunknown";
      }
    } else if (cmd == "RCPT" && Match("userunknown", diag)) {
      return "userunknown";
    }
    bool generic_status = status.empty() || status == "5.0.0" || status == "5.2.0";
    if (by_status == "filtered" || (generic_status && cmd != "RCPT")) {
      if (Match("filtered", diag) || Match("userunknown", diag)) {
        return "filtered";
      }
    }
    if (Match("filtered", diag) && cmd != "RCPT") {
      return "filtered";
    }
    {
      if (Match("userunknown", diag) && !Match("mailboxfull", diag)) {
        return "userunknown";
      }
    }
  }
  std::string_view tmp = by_status.empty() ? "undefined" : by_status;
  if (tmp == "rejected") {
    return "rejected";
  }
  if (cmd == "MAIL" || (cmd == "DATA" && tmp != "userunknown") || tmp == "onhold" ||
      tmp == "undefined" || tmp == "securityerror" || tmp == "systemerror") {
    if (Match("rejected", diag)) {
      return "rejected";
    }
  }
  if (by_status == "hostunknown") {
    if (!Match("networkerror", diag)) {
      return "hostunknown";
    }
  } else if (Match("hostunknown", diag)) {
    return "hostunknown";
  }
  if (!status.empty() &&
      (by_status == "spamdetected" ||
       (!IsConnPhase(cmd) && cmd != "MAIL" && cmd != "RCPT" && Match("spamdetected", diag)))) {
    return "spamdetected";
  }
  if (status_or_text("toomanyconn")) {
    return "toomanyconn";
  }
  static constexpr ReasonId kLater[] = {"authfailure", "requireptr", "badreputation", "speeding",
                                        "notcompliantrfc"};
  for (ReasonId r : kLater) {
    if (status_or_text(r)) {
      return std::string(r.Name());
    }
  }
  if (status_or_text("blocked")) {
    return "blocked";
  }
  return {};
}

// The fallback (Sisimai::Reason::anotherone).
std::string SecondPass(const ReasonInput& in, std::string_view diag) {
  std::string reason(ReasonFromStatus(in.status));
  bool try_text = reason.empty() || reason == "expired" || IsVague(reason) ||
                  (!in.diagnostic_type.empty() && Lower(in.diagnostic_type) != "smtp");
  if (!try_text) {
    return reason;
  }
  static constexpr ReasonId kOrder[] = {
      "mailboxfull", "spamdetected", "policyviolation", "virusdetected",   "norelaying",
      "authfailure", "requireptr",   "badreputation",   "speeding",        "securityerror",
      "systemerror", "networkerror", "suspend",         "expired",         "contenterror",
      "systemfull",  "notaccept",    "mailererror",     "notcompliantrfc", "userunknown",
      "filtered",    "rejected",     "hostunknown",     "toomanyconn",     "blocked"};
  for (ReasonId r : kOrder) {
    if (Match(r, diag)) {
      return std::string(r.Name());
    }
  }
  if (!reason.empty()) {
    return reason;
  }
  std::string_view st = in.status;
  if (st.size() >= 3 && (st[0] == '4' || st[0] == '5') && st.substr(1, 2) == ".6") {
    return "contenterror";
  }
  if (st.size() >= 3 && (st[0] == '4' || st[0] == '5') && st.substr(1, 2) == ".7") {
    return "securityerror";
  }
  std::string type = Lower(in.diagnostic_type);
  if (type == "x-unix" || type == "x-postfix") {
    return "mailererror";
  }
  std::string_view rc = in.reply_code;
  if (rc.size() == 3 && (rc[0] == '4' || rc[0] == '5') && rc[1] == '0' && rc[2] >= '0' &&
      rc[2] <= '7') {
    return "syntaxerror";
  }
  std::string action = Lower(in.action);
  if (action.rfind("delayed", 0) == 0 || action.rfind("expired", 0) == 0) {
    return "expired";
  }
  if (in.smtp_command == "EHLO" || in.smtp_command == "HELO" || in.smtp_command == "CONN") {
    return "blocked";
  }
  return {};
}

}  // namespace

std::string_view ReasonFromStatus(std::string_view status) {
  // One table lookup; the code is then compared whole ("5.1.01" is not "5.1.1").
  const size_t slot = StatusSlot(status);
  if (slot == kNoStatusSlot || kStatusSlots[slot] == 0xff) {
    return {};
  }
  const StatusEntry& e = kStatusTable[kStatusSlots[slot]];
  return e.code == status ? e.reason : std::string_view{};
}

std::string MatchReasonText(std::string_view text) {
  thread_local std::string buffer;
  std::string_view diag = LowerInto(text, buffer);
  ResetMemo(diag);
  static constexpr ReasonId kOrder[] = {
      "mailboxfull",     "mesgtoobig",    "exceedlimit",    "suspend",      "userunknown",
      "filtered",        "rejected",      "hostunknown",    "spamdetected", "toomanyconn",
      "authfailure",     "requireptr",    "badreputation",  "speeding",     "blocked",
      "securityerror",   "systemerror",   "networkerror",   "expired",      "contenterror",
      "hasmoved",        "systemfull",    "notaccept",      "mailererror",  "norelaying",
      "policyviolation", "virusdetected", "notcompliantrfc"};
  for (ReasonId r : kOrder) {
    if (Match(r, diag)) {
      return std::string(r.Name());
    }
  }
  return {};
}

std::string SplitMismatchForTest(std::string_view text) {
  std::string lower = Lower(text);
  ResetMemo(lower);
  auto& m = Matchers();
  for (size_t i = 0; i < kReasonCount; ++i) {
    m[i].Ensure(i);
    bool whole = m[i].pattern.Match(lower) && !m[i].isnot.Match(lower);
    if (MatchAt(i, lower) != whole) {
      return std::string(kSources[i].reason);
    }
  }
  return {};
}

std::vector<std::pair<std::string_view, std::string_view>> StatusTableForTest() {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (const auto& e : kStatusTable) {
    out.emplace_back(e.code, e.reason);
  }
  return out;
}

std::vector<std::string> PlainAlternativesForTest() {
  std::vector<std::string> out;
  const auto& alts = Prefilter().Alternatives();
  for (uint32_t j = 0; j < Prefilter().ExtraLiterals().first && j < alts.size(); ++j) {
    if (!alts[j].plain.empty()) {
      out.emplace_back(alts[j].plain);
    }
  }
  return out;
}

int SplitReasonCountForTest() {
  int n = 0;
  for (size_t i = 0; i < kReasonCount; ++i) {
    auto [first, last] = Prefilter().AlternativesOf(i);
    n += first != last ? 1 : 0;
  }
  return n;
}

bool GeneratedPrefilterIsCurrentForTest() {
  const LiteralPrefilter reasons(reason_tables::PatternTexts(), /*split=*/true,
                                 reason_tables::PhraseTexts());
  return kPrefilter.SameTables(reasons) &&
         kPhrasePrefilter.SameTables(LiteralPrefilter::FromLiterals(reason_tables::PhraseTexts()));
}

int PrefilteredReasonCountForTest() { return Prefilter().FilteredCount(); }

std::string PrefilterMissForTest(std::string_view text) {
  std::string lower = Lower(text);
  uint64_t candidates = Prefilter().Candidates(lower);
  auto& m = Matchers();
  for (size_t i = 0; i < kReasonCount; ++i) {
    m[i].Ensure(i);
    if ((candidates & (uint64_t{1} << i)) == 0 && m[i].pattern.Match(lower)) {
      return std::string(kSources[i].reason);
    }
  }
  return {};
}

std::string BuildCodeMismatchForTest() {
  std::vector<std::string_view> patterns;
  for (const auto& s : kSources) {
    patterns.push_back(s.pattern);
    patterns.push_back(s.isnot);
  }
  for (const auto& alt : Prefilter().Alternatives()) {
    if (alt.plain.empty()) {
      patterns.push_back(alt.source);
    }
  }
  for (std::string_view p : patterns) {
    CodePtr fresh(p.empty() ? nullptr : reason_pcre2::CompilePattern(p));
    if (fresh == nullptr) {
      continue;
    }
    if (Decode(p) == nullptr) {
      return "no code from the build decodes for " + std::string(p.substr(0, 80));
    }
    if (BuildCode(p) != reason_pcre2::SerializeCode(fresh.get())) {
      return "the build's code differs from compiling " + std::string(p.substr(0, 80));
    }
  }
  return {};
}

uint32_t JitCompilationCountForTest() { return g_jit_compiles.load(std::memory_order_relaxed); }

int BrokenPatternCountForTest() {
  int broken = 0;
  for (const auto& s : kSources) {
    if (!Compile(s.pattern) || (!s.isnot.empty() && !Compile(s.isnot))) {
      ++broken;
    }
  }
  return broken;
}

bool LooksLikeVacation(std::string_view text) {
  thread_local std::string buffer;
  std::string_view lower = LowerInto(text, buffer);
  ResetMemo(lower);
  return Match("vacation", lower);
}

std::string ClassifyReason(const ReasonInput& in) {
  if (in.ses_subtype == "Suppressed" || in.ses_subtype == "OnAccountSuppressionList") {
    return "suppressed";
  }
  if (in.ses_subtype == "MailboxFull") {
    return "mailboxfull";
  }
  if (in.ses_subtype == "MessageTooLarge") {
    return "mesgtoobig";
  }
  if (in.ses_subtype == "NoEmail") {
    return "userunknown";
  }
  if (!in.hint.empty() && !IsVague(in.hint)) {
    return std::string(in.hint);
  }
  if (in.status.size() >= 2 && in.status.substr(0, 2) == "2.") {
    return "delivered";
  }
  thread_local std::string buffer;
  std::string_view diag = LowerInto(in.diagnostic, buffer);
  ResetMemo(diag);
  if (auto r = FromPriorityPhrase(diag); !r.empty()) {
    return std::string(r);
  }
  std::string reason;
  std::string type = Lower(in.diagnostic_type);
  if (type.empty() || type == "smtp") {
    reason = FirstPass(in.status, diag, in.smtp_command);
  }
  // A vague hint from the source still beats a guess the text could not settle.
  if (!in.hint.empty() && (reason.empty() || reason == "undefined" || reason == "filtered")) {
    return std::string(in.hint);
  }
  if (reason.empty() || reason == "undefined") {
    reason = SecondPass(in, diag);
    if (reason == "undefined") {
      reason.clear();
    }
    if (reason.empty() && Lower(in.action) == "delayed") {
      reason = "expired";
    }
    if (reason.empty() && in.ses_subtype == "ContentRejected") {
      reason = "contenterror";
    }
    if (reason.empty() && in.ses_subtype == "AttachmentRejected") {
      reason = "securityerror";
    }
    if (reason.empty() && Match("vacation", diag)) {
      reason = "vacation";
    }
    if (reason.empty()) {
      reason = diag.empty() ? "undefined" : "onhold";
    }
  }
  return reason;
}

bool IsHardReason(std::string_view reason, std::string_view status_or_reply) {
  if (reason == "userunknown" || reason == "hostunknown" || reason == "hasmoved" ||
      reason == "suppressed") {
    return true;
  }
  if (reason == "notaccept") {
    return !status_or_reply.empty() && status_or_reply.front() == '5';
  }
  return false;
}

}  // namespace bw::ingest
