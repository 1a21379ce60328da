// SPDX-License-Identifier: Apache-2.0
// A one-pass prefilter for many regular expressions: from each pattern it derives a set of
// literal strings at least one of which every match must contain, and then one scan of a text
// tells which patterns could match at all. Patterns whose matches need no literal it can prove
// (or that use constructs it does not analyse) are always candidates. Library
// bw_literal_prefilter (no dependencies); used by reason.cc so that PCRE2 runs only where a
// match is possible, and by its build step reason_prefilter_gen.cc, which builds reason.cc's
// prefilters once and writes their tables as constant data (TablesToCpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::ingest {

// The literals (lower case, at most 16 bytes each) one of which every match of `pattern`
// (PCRE2, extended mode, caseless, matched against ASCII-lower-cased text) contains; nullopt
// when that cannot be shown. Pure.
std::optional<std::vector<std::string>> RequiredLiterals(std::string_view pattern);

// The top-level alternatives of `pattern` (PCRE2, extended mode) as pattern texts: a group that
// wraps the whole pattern ("(?:...)", "(?>...)", "(...)") is opened first, so `(?:(?> a | b ))`
// gives "a" and "b". A text matches `pattern` exactly when it matches one of them (the patterns
// have no back references). nullopt for a pattern with constructs the split does not read
// (\Q...\E, an unbalanced group). Pure.
std::optional<std::vector<std::string_view>> TopLevelAlternatives(std::string_view pattern);

// The one string `pattern` matches when it is nothing but literal ASCII characters (escaped
// punctuation and one-character classes like "[ ]" included; no quantifier, group, class or
// upper-case letter); nullopt otherwise. Pure.
std::optional<std::string> PlainLiteral(std::string_view pattern);

// What analysing the patterns yields, before the tables are built from it (literal_prefilter.cc).
struct PrefilterAnalysis;

// Move-only: a prefilter built at run time owns its tables (a move leaves them in place).
class LiteralPrefilter {
 public:
  // Pattern i of `patterns` gets bit i of Candidates(); at most 64 patterns. Build once.
  explicit LiteralPrefilter(const std::vector<std::string_view>& patterns);

  // Plain lower-case strings (at least 2 bytes) instead of patterns: bit i of Candidates() is
  // set when the first 16 bytes of literals[i] occur in the text (so a literal longer than 16
  // bytes still has to be confirmed). At most 64 literals.
  static LiteralPrefilter FromLiterals(const std::vector<std::string_view>& literals);

  // Bit i is set when pattern i may match `lower` (lower-cased text). Thread-safe.
  uint64_t Candidates(std::string_view lower) const;

  // One top-level alternative of a pattern that the prefilter filters alternative by
  // alternative (see SplitPatterns).
  struct Alternative {
    std::string_view source;  // the alternative's pattern text (a view into the pattern)
    uint32_t pattern = 0;     // index of its pattern
    std::string_view plain;   // PlainLiteral(source), when it is one (else empty)
    friend bool operator==(const Alternative&, const Alternative&) = default;  // texts compared
  };

  // How the tables hold an alternative: offsets, not views, so that constant tables of them
  // hold no pointer. In a position-independent executable every pointer in constant data is a
  // relocation that ld.so writes at each start, and each page it writes costs a page fault:
  // the reason prefilter's 571 alternatives as two views each were 6 such pages
  // (docs/benchmarks.md, issue 6, session 13).
  struct PackedAlternative {
    uint32_t pattern = 0;        // index of its pattern; the pattern count for an extra literal
    uint32_t source_offset = 0;  // its source: in the text of its pattern, or (an extra
    uint32_t source_size = 0;    // literal) in the alternative texts
    uint32_t plain_offset = 0;   // its plain text, in the alternative texts
    uint32_t plain_size = 0;
    friend bool operator==(const PackedAlternative&, const PackedAlternative&) = default;
  };

  // The alternatives of a prefilter, each made an Alternative when read. Its views are valid
  // while the prefilter and the texts of its patterns live.
  class AlternativeList {
   public:
    constexpr AlternativeList(std::span<const PackedAlternative> packed,
                              std::span<const std::string_view> patterns, std::string_view texts)
        : packed_(packed), patterns_(patterns), texts_(texts) {}
    size_t size() const { return packed_.size(); }
    bool empty() const { return packed_.empty(); }
    // REQUIRES: j < size(). (The offsets are in range by construction: not checked again.)
    Alternative operator[](size_t j) const {
      const PackedAlternative& a = packed_[j];
      const char* in = a.pattern < patterns_.size() ? patterns_[a.pattern].data() : texts_.data();
      return {std::string_view(in + a.source_offset, a.source_size), a.pattern,
              std::string_view(texts_.data() + a.plain_offset, a.plain_size)};
    }
    // Enough of an input iterator for range-for.
    class Iterator {
     public:
      Iterator(const AlternativeList* list, size_t j) : list_(list), j_(j) {}
      Alternative operator*() const { return (*list_)[j_]; }
      Iterator& operator++() {
        ++j_;
        return *this;
      }
      bool operator==(const Iterator& other) const { return j_ == other.j_; }

     private:
      const AlternativeList* list_;
      size_t j_;
    };
    Iterator begin() const { return {this, 0}; }
    Iterator end() const { return {this, size()}; }

   private:
    std::span<const PackedAlternative> packed_;
    std::span<const std::string_view> patterns_;
    std::string_view texts_;
  };

  // Built with `split`: every pattern whose top-level alternatives all have required literals
  // is also filtered per alternative, so that the caller runs only the alternatives that may
  // match. Patterns are otherwise filtered as with the plain constructor.
  LiteralPrefilter(const std::vector<std::string_view>& patterns, bool split);

  // As the constructor above, and the same scan also looks for `extra_literals` (plain
  // lower-case strings of at least 2 bytes): they become the alternatives ExtraLiterals() gives,
  // in their order, whose bits Candidates(lower, alternatives) sets when their first 16 bytes
  // occur (a longer one still has to be confirmed). So one pass over a text answers both
  // questions.
  LiteralPrefilter(const std::vector<std::string_view>& patterns, bool split,
                   const std::vector<std::string_view>& extra_literals);

  // A literal's entry in the scan's tables (see the members below).
  struct Entry {
    uint64_t bytes = 0;   // the literal's first 8 bytes, little-endian, zero-padded
    uint64_t bytes2 = 0;  // its bytes 9 to 16
    uint64_t mask = 0;    // which of those bytes count
    uint64_t mask2 = 0;
    uint64_t patterns = 0;
    uint32_t alt_begin = 0;  // its alternatives: alt_ids_[alt_begin, alt_end)
    uint32_t alt_end = 0;
    uint8_t size = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  // A prefilter's tables as constant data, as TablesToCpp writes them at build time (so that no
  // process builds them: ≈ 0.6 M instructions and ≈ 50 page faults for the reason patterns'):
  // the prefilter made from them reads them in place, and is made at compile time. REQUIRES:
  // the tables of a built prefilter (TablesToCpp's output, or Tables()), alive as long as it.
  struct ConstTables {
    uint64_t always = 0;
    std::span<const uint64_t> filter;
    int long_bits = 0;
    int mid_bits = 0;
    int short_bits = 0;
    std::span<const uint32_t> long_start;
    std::span<const uint32_t> mid_start;
    std::span<const uint32_t> short_start;
    std::span<const Entry> entries;
    std::span<const uint32_t> alt_ids;
    std::span<const PackedAlternative> alternatives;
    std::span<const std::string_view> patterns;  // the pattern texts (must outlive the prefilter)
    std::string_view alternative_texts;          // plain texts and extra literals
    std::span<const std::pair<uint32_t, uint32_t>> alt_range;
    std::pair<uint32_t, uint32_t> extra_range{0, 0};
    std::span<const uint32_t> always_alts;
  };
  constexpr explicit LiteralPrefilter(const ConstTables& t)
      : always_(t.always),
        filter_(t.filter),
        long_{t.long_bits, t.long_start},
        mid_{t.mid_bits, t.mid_start},
        short_{t.short_bits, t.short_start},
        has_mid_(!t.mid_start.empty() && t.mid_start.back() != t.mid_start.front()),
        has_short_(!t.short_start.empty() && t.short_start.back() != t.short_start.front()),
        entries_(t.entries),
        alt_ids_(t.alt_ids),
        alternatives_(t.alternatives),
        patterns_(t.patterns),
        alternative_texts_(t.alternative_texts),
        alt_range_(t.alt_range),
        extra_range_(t.extra_range),
        always_alts_(t.always_alts) {}

  // Views of this prefilter's tables (valid while it lives).
  ConstTables Tables() const {
    return {.always = always_,
            .filter = filter_,
            .long_bits = long_.bits,
            .mid_bits = mid_.bits,
            .short_bits = short_.bits,
            .long_start = long_.start,
            .mid_start = mid_.start,
            .short_start = short_.start,
            .entries = entries_,
            .alt_ids = alt_ids_,
            .alternatives = alternatives_,
            .patterns = patterns_,
            .alternative_texts = alternative_texts_,
            .alt_range = alt_range_,
            .extra_range = extra_range_,
            .always_alts = always_alts_};
  }

  // C++ definitions, for a generated header, of constant arrays holding this prefilter's tables
  // and of `name`, a ConstTables over them; every array's name starts with `name`.
  // `patterns[i]` is a C++ expression of pattern i's text (a std::string_view of static
  // storage), which the alternatives' sources are offsets into. Pure.
  std::string TablesToCpp(std::string_view name, const std::vector<std::string>& patterns) const;

  // Whether `other` has the same tables (alternatives' texts compared, not where they are): a
  // prefilter generated at build time against one built now. For tests.
  bool SameTables(const LiteralPrefilter& other) const;

  // The alternatives [first, last) that stand for the extra literals (empty without them).
  std::pair<uint32_t, uint32_t> ExtraLiterals() const { return extra_range_; }

  // As Candidates(lower); also sets bit j of `alternatives` (resized to hold every
  // alternative) when alternative j may match. Thread-safe.
  uint64_t Candidates(std::string_view lower, std::vector<uint64_t>& alternatives) const;

  // Every alternative, grouped by pattern; AlternativesOf(i) is pattern i's range [first, last)
  // (empty when pattern i is not filtered per alternative).
  AlternativeList Alternatives() const { return {alternatives_, patterns_, alternative_texts_}; }
  std::pair<uint32_t, uint32_t> AlternativesOf(size_t pattern) const {
    return pattern < alt_range_.size() ? alt_range_[pattern] : std::pair<uint32_t, uint32_t>{0, 0};
  }

  // How many patterns have a literal set (the others are always candidates). For tests.
  int FilteredCount() const;

  // Candidates(lower, alternatives) without the AVX2 scan, on any CPU: what the scan must answer
  // with it too. For tests.
  uint64_t CandidatesWithoutSimdForTest(std::string_view lower,
                                        std::vector<uint64_t>& alternatives) const;

 private:
  struct Literal {
    std::string_view text;  // alive while Build runs (entries keep copies of the bytes)
    uint64_t patterns = 0;
    uint32_t alternative = UINT32_MAX;  // UINT32_MAX: none
  };
  // The tables of a prefilter built at run time, which its views below point into.
  struct Storage {
    std::vector<uint64_t> filter;
    std::vector<uint32_t> long_start;
    std::vector<uint32_t> mid_start;
    std::vector<uint32_t> short_start;
    std::vector<Entry> entries;
    std::vector<uint32_t> alt_ids;
    std::vector<PackedAlternative> alternatives;
    std::vector<std::string_view> patterns;  // the caller's
    std::string alternative_texts;
    std::vector<std::pair<uint32_t, uint32_t>> alt_range;
    std::vector<uint32_t> always_alts;
  };
  LiteralPrefilter() : owned_(std::make_unique<Storage>()) {}
  LiteralPrefilter(const std::vector<std::string_view>& patterns,
                   const std::vector<std::string_view>& extra_literals,
                   const PrefilterAnalysis& analysis);
  // Builds the tables of `lits` (and the alternatives already in owned_) into owned_, and points
  // the views at owned_.
  void Build(std::vector<Literal> lits);
  template <bool kAlternatives>
  uint64_t Scan(std::string_view lower, uint64_t* alternatives, bool simd = true) const;
  // Scan's filter pass with AVX2 (8 positions a step), for a CPU that has it: the positions of
  // `lower` with 4 bytes, each probed (ProbeLongAndMid) where the filter lets it through.
  template <bool kAlternatives>
  void ScanAvx2(std::string_view lower, uint64_t& found, uint64_t* alternatives) const;
  template <bool kAlternatives>
  void Probe(const char* t, size_t i, size_t n, uint32_t lo, uint32_t hi, uint64_t& found,
             uint64_t* alternatives) const;
  template <bool kAlternatives>
  void ProbeLongAndMid(const char* t, size_t i, size_t n, uint64_t& found,
                       uint64_t* alternatives) const;
  template <bool kAlternatives>
  void ProbeLongAndMidInline(const char* t, size_t i, size_t n, uint64_t& found,
                             uint64_t* alternatives) const;

  uint64_t always_ = 0;  // patterns without a literal set

  // Where the scan finds the entries (entries_ is sorted by table, then by bucket): an entry of
  // at least kLongSize (12) bytes in `long_`, bucket Hash12(its first 12 bytes); one of 4 to 11
  // bytes in `mid_`, bucket Hash4(its first 4 bytes); one of 2 or 3 bytes (rare) in `short_`,
  // bucket Hash2(its first 2 bytes). A position is looked up in `long_` and `mid_` only when the
  // bit Hash4(its 4 bytes) of `filter_` is set (the bits of every entry of 4+ bytes): one test
  // rules out nearly every position of a text. Runs of the same bucket are short (a shared
  // 12-byte prefix, or a hash collision). A two-byte key had runs of up to 30 entries ("user",
  // "not ") all compared at each occurrence, and an 8-byte key still 29 ("message ", 15
  // "recipien", 14 "mailbox "): over the corpus's reason texts 14,554 entry compares a round for
  // 811 hits, against 4,284 with this key (docs/benchmarks.md, issue 6, session 13).
  // The tables are views: into owned_ (built at run time) or into constant data (ConstTables).
  struct Table {
    int bits = 0;                     // 2^bits buckets
    std::span<const uint32_t> start;  // bucket b's entries: [start[b], start[b + 1]); empty: none
  };
  // 16,384 bits: 2 KiB. The reason entries start with only ~250 distinct 4-byte sequences, so
  // half the 4 KiB of 2^15 bits let through only 4 % more positions (6,628 -> 6,883 a corpus
  // round), while a text touches fewer of the filter's cache lines (~46 -> ~28 of a text's
  // ~160 lookups, each a likely L1 miss after the rest of the parse): the scan's D1 read misses
  // 93 k -> 73 k over 5 rounds (cachegrind). 2^13 bits let through 25 % more (more misses).
  static constexpr int kFilterBits = 14;
  static constexpr size_t kLongSize = 12;  // the shortest entry in `long_`, and its key's size
  std::span<const uint64_t> filter_;
  Table long_;
  Table mid_;
  Table short_;
  bool has_mid_ = false;
  bool has_short_ = false;
  std::span<const Entry> entries_;
  std::span<const uint32_t> alt_ids_;  // the alternatives of each entry
  std::span<const PackedAlternative> alternatives_;
  std::span<const std::string_view> patterns_;                // the texts of alternatives' sources
  std::string_view alternative_texts_;                        // plain texts and extra literals
  std::span<const std::pair<uint32_t, uint32_t>> alt_range_;  // per pattern
  std::pair<uint32_t, uint32_t> extra_range_{0, 0};
  std::span<const uint32_t> always_alts_;  // extra literals shorter than 2 bytes: always candidates
  std::unique_ptr<Storage> owned_;         // null for ConstTables
};

}  // namespace bw::ingest
