// SPDX-License-Identifier: Apache-2.0
#include "ingest/classify/literal_prefilter.h"

#include <algorithm>
#include <cstring>

namespace bw::ingest {
namespace {

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Reads a PCRE2 pattern (extended mode) far enough to find required literals. Every match of a
// sequence contains each of its unquantified literal runs, and one literal of each mandatory
// group's set; an alternation needs one set per alternative.
class Analyzer {
 public:
  explicit Analyzer(std::string_view p) : p_(p) {}

  bool failed() const { return failed_; }
  bool at_end() const { return i_ >= p_.size(); }

  // Alternatives up to ')' or the end. nullopt when one alternative has no provable literal.
  std::optional<std::vector<std::string>> Alternation() {
    std::vector<std::string> all;
    bool ok = true;
    while (true) {
      auto seq = Sequence();
      if (failed_) {
        return std::nullopt;
      }
      if (!seq) {
        ok = false;
      } else {
        all.insert(all.end(), seq->begin(), seq->end());
      }
      if (i_ < p_.size() && p_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    if (!ok) {
      return std::nullopt;
    }
    return all;
  }

 private:
  void SkipSpace() {
    while (i_ < p_.size()) {
      char c = p_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++i_;
      } else if (c == '#') {
        while (i_ < p_.size() && p_[i_] != '\n') {
          ++i_;
        }
      } else {
        break;
      }
    }
  }

  // At a '{': the length of a valid {n}, {n,} or {n,m} quantifier (0 when it is a literal '{'),
  // and whether its minimum is 0.
  size_t BraceQuantifier(bool& optional) const {
    size_t j = i_ + 1;
    size_t digits = j;
    while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
      ++j;
    }
    if (j == digits) {
      return 0;
    }
    optional = std::string_view(p_.substr(digits, j - digits)).find_first_not_of('0') ==
               std::string_view::npos;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        ++j;
      }
    }
    if (j >= p_.size() || p_[j] != '}') {
      return 0;
    }
    return j + 1 - i_;
  }

  // Consumes a quantifier after an atom, if there is one. Returns 0 for none, 1 for one that
  // allows zero repetitions, 2 for one that requires at least one.
  int Quantifier() {
    SkipSpace();
    if (i_ >= p_.size()) {
      return 0;
    }
    int kind = 0;
    char c = p_[i_];
    if (c == '?' || c == '*') {
      kind = 1;
      ++i_;
    } else if (c == '+') {
      kind = 2;
      ++i_;
    } else if (c == '{') {
      bool optional = false;
      size_t len = BraceQuantifier(optional);
      if (len == 0) {
        return 0;
      }
      kind = optional ? 1 : 2;
      i_ += len;
    } else {
      return 0;
    }
    if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+')) {
      ++i_;  // lazy or possessive
    }
    return kind;
  }

  std::optional<std::vector<std::string>> Sequence() {
    std::string run;
    std::vector<std::string> best;
    size_t best_min = 0;
    auto offer = [&](std::vector<std::string> set) {
      if (set.empty()) {
        return;
      }
      size_t m = set[0].size();
      for (const auto& s : set) {
        m = std::min(m, s.size());
      }
      if (m > best_min) {
        best_min = m;
        best = std::move(set);
      }
    };
    auto flush = [&] {
      if (!run.empty()) {
        offer({run});
        run.clear();
      }
    };
    // A literal character (one or more bytes) followed by an optional quantifier.
    auto literal = [&](std::string_view ch) {
      int q = Quantifier();
      if (q == 1) {
        flush();
        return;
      }
      for (char c : ch) {
        run.push_back(Lower(c));
      }
      if (q == 2) {
        flush();
      }
    };
    while (!failed_) {
      SkipSpace();
      if (i_ >= p_.size() || p_[i_] == '|' || p_[i_] == ')') {
        break;
      }
      char c = p_[i_];
      if (c == '(') {
        flush();
        ++i_;
        if (i_ < p_.size() && p_[i_] == '?') {
          if (i_ + 1 < p_.size() && (p_[i_ + 1] == ':' || p_[i_ + 1] == '>')) {
            i_ += 2;
          } else {
            failed_ = true;  // lookaround, inline options, named groups: not analysed
            break;
          }
        }
        auto inner = Alternation();
        if (failed_ || i_ >= p_.size() || p_[i_] != ')') {
          failed_ = true;
          break;
        }
        ++i_;
        int q = Quantifier();
        if (q != 1 && inner) {
          offer(std::move(*inner));
        }
        continue;
      }
      if (c == '[') {
        size_t j = i_ + 1;
        if (j < p_.size() && p_[j] == '^') {
          ++j;
        }
        if (j < p_.size() && p_[j] == ']') {
          ++j;
        }
        while (j < p_.size() && p_[j] != ']') {
          j += p_[j] == '\\' ? 2 : 1;
        }
        if (j >= p_.size()) {
          failed_ = true;
          break;
        }
        std::string_view body = p_.substr(i_ + 1, j - i_ - 1);
        i_ = j + 1;
        char ch = 0;
        bool single = false;
        if (body.size() == 1 && body[0] != '^' && body[0] != '\\') {
          ch = body[0];
          single = static_cast<unsigned char>(ch) < 0x80;
        } else if (body.size() == 2 && body[0] == '\\' && !IsAlnum(body[1]) &&
                   static_cast<unsigned char>(body[1]) < 0x80) {
          ch = body[1];
          single = true;
        }
        if (single) {
          literal(std::string_view(&ch, 1));
        } else {
          flush();
          Quantifier();
        }
        continue;
      }
      if (c == '\\') {
        if (i_ + 1 >= p_.size()) {
          failed_ = true;
          break;
        }
        char e = p_[i_ + 1];
        i_ += 2;
        if (IsAlnum(e)) {
          if (e == 'Q' || e == 'E' || e == 'x' || e == 'p' || e == 'P' || e == 'o' || e == 'N' ||
              e == 'g' || e == 'k' || e == 'c') {
            failed_ = true;  // escapes with arguments: not analysed
            break;
          }
          flush();  // \d, \s, \w, \b, ...: not a literal
          Quantifier();
          continue;
        }
        literal(std::string_view(&p_[i_ - 1], 1));
        continue;
      }
      if (c == '.' || c == '^' || c == '$') {
        flush();
        ++i_;
        Quantifier();
        continue;
      }
      if (c == '?' || c == '*' || c == '+') {
        failed_ = true;  // a quantifier where none is expected
        break;
      }
      unsigned char u = static_cast<unsigned char>(c);
      size_t len = u < 0x80 ? 1 : (u >> 5) == 0x6 ? 2 : (u >> 4) == 0xe ? 3 : (u >> 3) == 0x1e ? 4 : 1;
      if (i_ + len > p_.size()) {
        failed_ = true;
        break;
      }
      std::string_view ch = p_.substr(i_, len);
      i_ += len;
      // Caseless matching folds non-ASCII letters that the ASCII-only lower-casing of the text
      // leaves alone: only characters without case (CJK, general punctuation) stay literal.
      bool caseless_safe = len == 1 || (len == 3 && (u >= 0xe3 && u <= 0xe9)) ||
                           (len == 3 && u == 0xe2 &&
                            (static_cast<unsigned char>(ch[1]) == 0x80 ||
                             static_cast<unsigned char>(ch[1]) == 0x81));
      if (!caseless_safe) {
        flush();
        Quantifier();
        continue;
      }
      literal(ch);
    }
    flush();
    if (failed_ || best.empty()) {
      return std::nullopt;
    }
    return best;
  }

  std::string_view p_;
  size_t i_ = 0;
  bool failed_ = false;
};

uint32_t KeyOf(const char* s) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[0])) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[1])) << 8);
}

}  // namespace

std::optional<std::vector<std::string>> RequiredLiterals(std::string_view pattern) {
  Analyzer a(pattern);
  auto set = a.Alternation();
  if (a.failed() || !a.at_end() || !set || set->empty()) {
    return std::nullopt;
  }
  for (auto& s : *set) {
    if (s.size() > 16) {
      s.resize(16);  // a prefix of a required literal is required too
    }
    if (s.size() < 2) {
      return std::nullopt;  // too short to be worth filtering on
    }
  }
  std::sort(set->begin(), set->end());
  set->erase(std::unique(set->begin(), set->end()), set->end());
  return set;
}

LiteralPrefilter::LiteralPrefilter(const std::vector<std::string_view>& patterns) {
  std::vector<std::pair<std::string, uint64_t>> lits;
  for (size_t i = 0; i < patterns.size() && i < 64; ++i) {
    auto set = patterns[i].empty() ? std::nullopt : RequiredLiterals(patterns[i]);
    if (!set) {
      always_ |= uint64_t{1} << i;
      continue;
    }
    for (auto& s : *set) {
      lits.emplace_back(std::move(s), uint64_t{1} << i);
    }
  }
  Build(std::move(lits));
}

LiteralPrefilter LiteralPrefilter::FromLiterals(const std::vector<std::string_view>& literals) {
  LiteralPrefilter f;
  std::vector<std::pair<std::string, uint64_t>> lits;
  for (size_t i = 0; i < literals.size() && i < 64; ++i) {
    if (literals[i].size() < 2) {
      f.always_ |= uint64_t{1} << i;
      continue;
    }
    lits.emplace_back(std::string(literals[i].substr(0, 16)), uint64_t{1} << i);
  }
  f.Build(std::move(lits));
  return f;
}

void LiteralPrefilter::Build(std::vector<std::pair<std::string, uint64_t>> lits) {
  std::sort(lits.begin(), lits.end(), [](const auto& a, const auto& b) {
    uint32_t ka = KeyOf(a.first.data());
    uint32_t kb = KeyOf(b.first.data());
    return ka != kb ? ka < kb : a.first < b.first;
  });
  start_.assign(65537, 0);
  for (size_t k = 0; k < lits.size();) {
    size_t m = k;
    Entry e;
    const std::string& lit = lits[k].first;
    size_t head = std::min<size_t>(lit.size(), 8);
    std::memcpy(&e.bytes, lit.data(), head);
    std::memcpy(&e.bytes2, lit.data() + head, lit.size() - head);
    e.size = static_cast<uint8_t>(lit.size());
    e.mask = head == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * head)) - 1);
    size_t tail = lit.size() - head;
    e.mask2 = tail == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * tail)) - 1);
    while (m < lits.size() && lits[m].first == lits[k].first) {
      e.patterns |= lits[m].second;
      ++m;
    }
    entries_.push_back(e);
    start_[KeyOf(lits[k].first.data()) + 1] = static_cast<uint32_t>(entries_.size());
    k = m;
  }
  // start_[key + 1] holds the end of key's entries; make it a running index.
  for (size_t k = 1; k < start_.size(); ++k) {
    start_[k] = std::max(start_[k], start_[k - 1]);
  }
}

uint64_t LiteralPrefilter::Candidates(std::string_view lower) const {
  uint64_t found = always_;
  const char* t = lower.data();
  size_t n = lower.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    uint32_t key = KeyOf(t + i);
    uint32_t lo = start_[key];
    uint32_t hi = start_[key + 1];
    if (lo == hi) {
      continue;
    }
    uint64_t word = 0;
    uint64_t word2 = 0;
    std::memcpy(&word, t + i, std::min<size_t>(8, n - i));
    if (i + 8 < n) {
      std::memcpy(&word2, t + i + 8, std::min<size_t>(8, n - i - 8));
    }
    for (uint32_t k = lo; k < hi; ++k) {
      const Entry& e = entries_[k];
      if ((word & e.mask) == e.bytes && (word2 & e.mask2) == e.bytes2 && i + e.size <= n) {
        found |= e.patterns;
      }
    }
  }
  return found;
}

int LiteralPrefilter::FilteredCount() const {
  uint64_t any = 0;
  for (const auto& e : entries_) {
    any |= e.patterns;
  }
  int n = 0;
  for (uint64_t a = any & ~always_; a != 0; a &= a - 1) {
    ++n;
  }
  return n;
}

}  // namespace bw::ingest
