// SPDX-License-Identifier: Apache-2.0
// A one-pass prefilter for many regular expressions: from each pattern it derives a set of
// literal strings at least one of which every match must contain, and then one scan of a text
// tells which patterns could match at all. Patterns whose matches need no literal it can prove
// (or that use constructs it does not analyse) are always candidates. Internal to
// bw_ingest_classify; used by reason.cc so that PCRE2 runs only where a match is possible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::ingest {

// The literals (lower case, at most 16 bytes each) one of which every match of `pattern`
// (PCRE2, extended mode, caseless, matched against ASCII-lower-cased text) contains; nullopt
// when that cannot be shown. Pure.
std::optional<std::vector<std::string>> RequiredLiterals(std::string_view pattern);

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

  // How many patterns have a literal set (the others are always candidates). For tests.
  int FilteredCount() const;

 private:
  struct Entry {
    uint64_t bytes = 0;   // the literal's first 8 bytes, little-endian, zero-padded
    uint64_t bytes2 = 0;  // its bytes 9 to 16
    uint64_t mask = 0;    // which of those bytes count
    uint64_t mask2 = 0;
    uint64_t patterns = 0;
    uint8_t size = 0;
  };
  LiteralPrefilter() = default;
  void Build(std::vector<std::pair<std::string, uint64_t>> lits);

  uint64_t always_ = 0;             // patterns without a literal set
  std::vector<uint32_t> start_;     // per first-two-bytes key: index of its first entry
  std::vector<Entry> entries_;      // sorted by key
};

}  // namespace bw::ingest
