// SPDX-License-Identifier: Apache-2.0
#include "ingest/classify/literal_prefilter.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <sstream>

#include "core/ascii.h"
#include "core/cpu.h"

namespace bw::ingest {
namespace {

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A set of strings (sorted, no duplicates after Normalize).
using StringSet = std::vector<std::string>;

void Normalize(StringSet& set) {
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
}

// At most this many strings in the set of all strings a piece of pattern matches (its "exact"
// set, see Analyzer): "bad[-_ \t]recipient" has 4, "5[.]7[.](?:2[0-3]|26)" 5.
constexpr size_t kMaxExact = 16;

// What the analysis knows about a piece of pattern (an atom, a sequence, an alternation).
struct PieceInfo {
  // Literals one of which every match contains; nullopt when none is proven.
  std::optional<StringSet> required;
  // Every string the piece can match (a superset of them: an atomic group or a zero-width
  // assertion may match fewer), when that is a small finite set; "" for the empty match.
  std::optional<StringSet> exact;
  // Strings one of which every match starts with ({""} when none is known).
  StringSet prefix{""};
  // Of an alternation: each alternative's prefix and required literals.
  struct Choice {
    StringSet prefix;
    std::optional<StringSet> required;
  };
  std::vector<Choice> choices;
};

// `set` as a required literal set: sorted, without duplicates and without the strings that
// contain another of the set (the other occurs wherever they do).
StringSet Simplified(StringSet set) {
  Normalize(set);
  std::stable_sort(set.begin(), set.end(),
                   [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  StringSet kept;
  for (auto& s : set) {
    bool redundant = false;
    for (const auto& k : kept) {
      redundant = redundant || s.find(k) != std::string::npos;
    }
    if (!redundant) {
      kept.push_back(std::move(s));
    }
  }
  Normalize(kept);
  return kept;
}

// How well a simplified required set filters: its shortest string (up to the 16 bytes the scan
// compares), longer first, then fewer strings. Better(a, b): a filters better than b.
bool Better(const StringSet& a, const StringSet& b) {
  const auto shortest = [](const StringSet& set) {
    size_t m = set.empty() ? 0 : 16;
    for (const auto& s : set) {
      m = std::min(m, s.size());
    }
    return m;
  };
  const size_t ma = shortest(a);
  const size_t mb = shortest(b);
  return ma > mb || (ma == mb && ma > 0 && a.size() < b.size());
}

// Each string of `a` followed by each of `b`; nullopt when that makes more than kMaxExact.
std::optional<StringSet> Product(const StringSet& a, const StringSet& b) {
  if (a.size() * b.size() > kMaxExact) {
    return std::nullopt;
  }
  StringSet product;
  for (const auto& x : a) {
    for (const auto& y : b) {
      product.push_back(x + y);
    }
  }
  Normalize(product);
  return product;
}

// How often an atom may occur, from its quantifier.
enum class Repeat {
  kOnce,      // no quantifier, {1}
  kOptional,  // ?, {0}, {0,1}
  kAny,       // *, {0,n} with n > 1, {0,}
  kSome,      // +, {n,...} with n >= 1 (not {1})
};

// The end of the character class that starts at p[i] == '[' (the index after its ']'), or npos.
size_t ClassEnd(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '^') {
    ++j;
  }
  if (j < p.size() && p[j] == ']') {
    ++j;
  }
  while (j < p.size() && p[j] != ']') {
    if (p[j] == '[' && j + 1 < p.size() &&
        (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
      return std::string_view::npos;  // POSIX classes: not read here
    }
    j += p[j] == '\\' ? 2 : 1;
  }
  return j < p.size() ? j + 1 : std::string_view::npos;
}

// Reads a PCRE2 pattern (extended mode) far enough to find required literals. A sequence's atoms
// whose exact sets are known (literal characters, short classes, groups of such, optional ones)
// are joined, the strings of one followed by those of the next, as long as the product stays
// small: every match of the sequence contains one string of each such product, so each product
// is a candidate literal set. So is each mandatory group that is not exact, alone and per
// alternative after the product before it (Distributed). Of the candidates the Better one is
// kept; an alternation needs one set per alternative. Every match of a pattern contains one of
// the literals found (LiteralPrefilter relies on it); the literals are only as selective as the
// pattern allows.
class Analyzer {
 public:
  explicit Analyzer(std::string_view p) : p_(p) {}

  bool failed() const { return failed_; }
  bool at_end() const { return i_ >= p_.size(); }

  // Alternatives up to ')' or the end. `required` is nullopt when one alternative has no
  // provable literal; `exact` when one has no (small) exact set or they have too many together.
  PieceInfo Alternation() {
    StringSet required;
    StringSet exact;
    std::vector<PieceInfo::Choice> choices;
    bool all_required = true;
    bool all_exact = true;
    while (true) {
      PieceInfo seq = Sequence();
      if (failed_) {
        return {};
      }
      if (!seq.required) {
        all_required = false;
      } else {
        required.insert(required.end(), seq.required->begin(), seq.required->end());
      }
      if (!seq.exact) {
        all_exact = false;
      } else if (all_exact) {
        exact.insert(exact.end(), seq.exact->begin(), seq.exact->end());
      }
      choices.push_back({std::move(seq.prefix), std::move(seq.required)});
      if (i_ < p_.size() && p_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    PieceInfo out;
    if (all_required) {
      out.required = std::move(required);
    }
    Normalize(exact);
    if (all_exact && exact.size() <= kMaxExact) {
      out.exact = std::move(exact);
    }
    out.choices = std::move(choices);
    return out;
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
  // and how often it lets its atom occur.
  size_t BraceQuantifier(Repeat& repeat) const {
    size_t j = i_ + 1;
    size_t digits = j;
    while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
      ++j;
    }
    if (j == digits) {
      return 0;
    }
    const auto number = [&](size_t from, size_t to) {
      std::string_view d = p_.substr(from, to - from);
      d.remove_prefix(std::min(d.size(), d.find_first_not_of('0')));
      return d.empty() ? 0 : d.size() > 1 ? 2 : d[0] - '0';  // 0, 1, or 2 for "more than 1"
    };
    const int min = number(digits, j);
    int max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      const size_t from = j;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        ++j;
      }
      max = j == from ? 2 : number(from, j);
    }
    if (j >= p_.size() || p_[j] != '}') {
      return 0;
    }
    repeat = min == 0 ? (max <= 1 ? Repeat::kOptional : Repeat::kAny)
                      : (max == 1 ? Repeat::kOnce : Repeat::kSome);
    return j + 1 - i_;
  }

  // Consumes a quantifier after an atom, if there is one.
  Repeat Quantifier() {
    SkipSpace();
    if (i_ >= p_.size()) {
      return Repeat::kOnce;
    }
    Repeat repeat = Repeat::kOnce;
    char c = p_[i_];
    if (c == '?' || c == '*' || c == '+') {
      repeat = c == '?' ? Repeat::kOptional : c == '*' ? Repeat::kAny : Repeat::kSome;
      ++i_;
    } else if (c == '{') {
      size_t len = BraceQuantifier(repeat);
      if (len == 0) {
        return Repeat::kOnce;
      }
      i_ += len;
    } else {
      return Repeat::kOnce;
    }
    if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+')) {
      ++i_;  // lazy or possessive
    }
    return repeat;
  }

  // The character an escape `\e` inside or outside a class stands for, when it is one: a
  // non-alphanumeric character as itself, \t \n \r. 0 otherwise.
  static char EscapedChar(char e) {
    if (!IsAlnum(e)) {
      return static_cast<unsigned char>(e) < 0x80 ? e : 0;
    }
    return e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : 0;
  }

  // The (lower-cased) characters the class body (between '[' and ']') matches, when it is a
  // short list of ASCII characters and ranges within digits or within letters; nullopt
  // otherwise (negated classes, \d and other escapes, POSIX classes, non-ASCII).
  static std::optional<StringSet> ClassChars(std::string_view body) {
    if (body.empty() || body[0] == '^') {
      return std::nullopt;
    }
    std::string chars;
    for (size_t k = 0; k < body.size();) {
      char c = body[k];
      if (c == '\\') {
        c = k + 1 < body.size() ? EscapedChar(body[k + 1]) : 0;
        k += 2;
      } else if (c == '[' || static_cast<unsigned char>(c) >= 0x80) {
        c = 0;
      } else {
        ++k;
      }
      if (c == 0) {
        return std::nullopt;
      }
      if (k + 1 < body.size() && body[k] == '-') {  // a range c-d
        const char d = body[k + 1];
        const auto same_kind = [](char a, char b) {
          return (a >= '0' && a <= '9' && b >= '0' && b <= '9') ||
                 (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z') ||
                 (a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z');
        };
        if (!same_kind(c, d) || d < c) {
          return std::nullopt;
        }
        for (char x = c; x <= d; ++x) {
          chars.push_back(AsciiLower(x));
        }
        k += 2;
        continue;
      }
      chars.push_back(AsciiLower(c));
    }
    StringSet set;
    for (char c : chars) {
      set.emplace_back(1, c);
    }
    Normalize(set);
    if (set.size() > kMaxExact) {
      return std::nullopt;
    }
    return set;
  }

  // The atom at i_ (after blanks), consumed: a literal character, an escape, a class, a group,
  // '.', '^' or '$'. Sets failed_ for what is not analysed.
  PieceInfo Atom() {
    const auto exactly = [](std::string s) {
      return PieceInfo{std::nullopt, StringSet{std::move(s)}};
    };
    char c = p_[i_];
    if (c == '(') {
      ++i_;
      if (i_ < p_.size() && p_[i_] == '?') {
        if (i_ + 1 < p_.size() && (p_[i_ + 1] == ':' || p_[i_ + 1] == '>')) {
          i_ += 2;
        } else {
          failed_ = true;  // lookaround, inline options, named groups: not analysed
          return {};
        }
      }
      PieceInfo inner = Alternation();
      if (failed_ || i_ >= p_.size() || p_[i_] != ')') {
        failed_ = true;
        return {};
      }
      ++i_;
      return inner;
    }
    if (c == '[') {
      const size_t end = ClassEnd(p_, i_);  // npos also for a POSIX class, not read here
      if (end == std::string_view::npos) {
        failed_ = true;
        return {};
      }
      std::string_view body = p_.substr(i_ + 1, end - i_ - 2);
      i_ = end;
      return {std::nullopt, ClassChars(body)};
    }
    if (c == '\\') {
      if (i_ + 1 >= p_.size()) {
        failed_ = true;
        return {};
      }
      char e = p_[i_ + 1];
      i_ += 2;
      if (e == 'Q' || e == 'E' || e == 'x' || e == 'p' || e == 'P' || e == 'o' || e == 'N' ||
          e == 'g' || e == 'k' || e == 'c') {
        failed_ = true;  // escapes with arguments: not analysed
        return {};
      }
      if (e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G') {
        return exactly("");  // assertions match no character
      }
      const char ch = EscapedChar(e);
      return ch == 0 ? PieceInfo{} : exactly(std::string(1, ch));  // \d, \s, \w, ...: no literal
    }
    if (c == '^' || c == '$') {
      ++i_;
      return exactly("");
    }
    if (c == '.') {
      ++i_;
      return {};
    }
    if (c == '?' || c == '*' || c == '+') {
      failed_ = true;  // a quantifier where none is expected
      return {};
    }
    unsigned char u = static_cast<unsigned char>(c);
    size_t len = u < 0x80           ? 1
                 : (u >> 5) == 0x6  ? 2
                 : (u >> 4) == 0xe  ? 3
                 : (u >> 3) == 0x1e ? 4
                                    : 1;
    if (i_ + len > p_.size()) {
      failed_ = true;
      return {};
    }
    std::string_view ch = p_.substr(i_, len);
    i_ += len;
    // Caseless matching folds non-ASCII letters that the ASCII-only lower-casing of the text
    // leaves alone: only characters without case (CJK, general punctuation) stay literal.
    bool caseless_safe =
        len == 1 || (len == 3 && (u >= 0xe3 && u <= 0xe9)) ||
        (len == 3 && u == 0xe2 &&
         (static_cast<unsigned char>(ch[1]) == 0x80 || static_cast<unsigned char>(ch[1]) == 0x81));
    if (!caseless_safe) {
      return {};
    }
    return exactly(len == 1 ? std::string(1, AsciiLower(c)) : std::string(ch));
  }

  // The literals of `group` (an alternation) in a sequence after `before` (the product of the
  // exact atoms just before it): per alternative, the better of `before` followed by its
  // prefixes and its own required literals, so that "user[ ](?:[^ ]+[ ]was[ ]not[ ]found|unknown)"
  // gives " was not found" and "user unknown" instead of "unknown". nullopt when an alternative
  // has neither.
  static std::optional<StringSet> Distributed(const StringSet& before, const PieceInfo& group) {
    StringSet all;
    for (const auto& choice : group.choices) {
      std::optional<StringSet> pick;
      if (auto joined = Product(before, choice.prefix)) {
        pick = Simplified(std::move(*joined));
      }
      if (choice.required) {
        StringSet own = Simplified(*choice.required);
        if (!pick || Better(own, *pick)) {
          pick = std::move(own);
        }
      }
      if (!pick) {
        return std::nullopt;
      }
      all.insert(all.end(), pick->begin(), pick->end());
    }
    return all;
  }

  PieceInfo Sequence() {
    StringSet best;
    // Offers `set` as the sequence's required set: kept when Better than the best so far.
    auto offer = [&](StringSet set) {
      set = Simplified(std::move(set));
      if (!set.empty() && Better(set, best)) {
        best = std::move(set);
      }
    };
    PieceInfo out;
    StringSet cur{""};  // the product of the exact atoms since the last break
    bool exact = true;  // cur is every string the sequence so far matches
    auto cut = [&] {
      if (exact) {
        out.prefix = cur;  // every match starts with one of them
      }
      offer(cur);
      cur = {""};
      exact = false;
    };
    // cur followed by each string of `next`; a product too large starts over from `next`.
    auto join = [&](const StringSet& next) {
      if (auto product = Product(cur, next)) {
        cur = std::move(*product);
        return;
      }
      cut();
      cur = next;
    };
    while (!failed_) {
      SkipSpace();
      if (i_ >= p_.size() || p_[i_] == '|' || p_[i_] == ')') {
        break;
      }
      PieceInfo atom = Atom();
      if (failed_) {
        break;
      }
      const Repeat repeat = Quantifier();
      if (atom.exact && repeat != Repeat::kAny) {
        StringSet next = *atom.exact;
        if (repeat == Repeat::kOptional) {
          next.emplace_back();
          Normalize(next);
        }
        join(next);
        if (repeat == Repeat::kSome) {
          cut();  // what follows is next to the last occurrence
          cur = *atom.exact;
        }
        continue;
      }
      const bool mandatory = repeat == Repeat::kOnce || repeat == Repeat::kSome;
      std::optional<StringSet> distributed;
      if (mandatory && !atom.choices.empty() && cur != StringSet{""}) {
        distributed = Distributed(cur, atom);
      }
      cut();
      if (mandatory && atom.required) {
        offer(std::move(*atom.required));
      }
      if (distributed) {
        offer(std::move(*distributed));
      }
    }
    if (failed_) {
      return {};
    }
    if (exact) {
      out.exact = cur;
      out.prefix = cur;
    }
    offer(std::move(cur));
    if (!best.empty()) {
      out.required = std::move(best);
    }
    return out;
  }

  std::string_view p_;
  size_t i_ = 0;
  bool failed_ = false;
};

}  // namespace

std::optional<std::vector<std::string>> RequiredLiterals(std::string_view pattern) {
  Analyzer a(pattern);
  auto set = a.Alternation().required;
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

namespace {

// Extended-mode white space and comments from `i` on.
size_t SkipExtended(std::string_view p, size_t i) {
  while (i < p.size()) {
    char c = p[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '#') {
      while (i < p.size() && p[i] != '\n') {
        ++i;
      }
    } else {
      break;
    }
  }
  return i;
}

// Splits `p` at its depth-0 '|'; `close` gets the index of the ')' that closes a group opened at
// p[0] (npos when p does not start with '('). False for what is not read.
bool SplitTopLevel(std::string_view p, std::vector<std::string_view>& alts, size_t& close) {
  alts.clear();
  close = std::string_view::npos;
  int depth = 0;
  size_t begin = 0;
  size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size() || p[i + 1] == 'Q' || p[i + 1] == 'E') {
        return false;
      }
      i += 2;
    } else if (c == '[') {
      i = ClassEnd(p, i);
      if (i == std::string_view::npos) {
        return false;
      }
    } else if (c == '#') {
      i = SkipExtended(p, i);
    } else if (c == '(') {
      ++depth;
      ++i;
    } else if (c == ')') {
      if (--depth < 0) {
        return false;
      }
      if (depth == 0 && p[0] == '(' && close == std::string_view::npos) {
        close = i;
      }
      ++i;
    } else if (c == '|' && depth == 0) {
      alts.push_back(p.substr(begin, i - begin));
      begin = ++i;
    } else {
      ++i;
    }
  }
  if (depth != 0) {
    return false;
  }
  alts.push_back(p.substr(begin));
  return true;
}

}  // namespace

std::optional<std::vector<std::string_view>> TopLevelAlternatives(std::string_view pattern) {
  std::string_view p = pattern;
  std::vector<std::string_view> alts;
  while (true) {
    p = p.substr(SkipExtended(p, 0));
    size_t close = 0;
    if (!SplitTopLevel(p, alts, close)) {
      return std::nullopt;
    }
    // One group around everything (nothing but blanks and comments after it): open it.
    if (alts.size() == 1 && close != std::string_view::npos &&
        SkipExtended(p, close + 1) == p.size()) {
      size_t inner = 1;
      if (p.size() > 2 && p[1] == '?') {
        if (p[2] != ':' && p[2] != '>') {
          return alts;  // inline options, lookaround, ...: one alternative as it is
        }
        inner = 3;
      }
      p = p.substr(inner, close - inner);
      continue;
    }
    return alts;
  }
}

std::optional<std::string> PlainLiteral(std::string_view pattern) {
  std::string out;
  size_t i = SkipExtended(pattern, 0);
  while (i < pattern.size()) {
    char c = pattern[i];
    char lit = 0;
    if (c == '[') {
      size_t end = ClassEnd(pattern, i);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      std::string_view body = pattern.substr(i + 1, end - i - 2);
      if (body.size() == 1 && body[0] != '^' && body[0] != '\\') {
        lit = body[0];
      } else if (body.size() == 2 && body[0] == '\\' && !IsAlnum(body[1])) {
        lit = body[1];
      } else {
        return std::nullopt;
      }
      i = end;
    } else if (c == '\\') {
      if (i + 1 >= pattern.size() || IsAlnum(pattern[i + 1])) {
        return std::nullopt;
      }
      lit = pattern[i + 1];
      i += 2;
    } else if (std::strchr("^$.|?*+(){}", c) != nullptr || (c >= 'A' && c <= 'Z')) {
      return std::nullopt;
    } else {
      lit = c;
      ++i;
    }
    auto u = static_cast<unsigned char>(lit);
    if (u < 0x20 || u >= 0x7f || (lit >= 'A' && lit <= 'Z')) {
      return std::nullopt;
    }
    out.push_back(lit);
    i = SkipExtended(pattern, i);
    if (i < pattern.size() && std::strchr("?*+{", pattern[i]) != nullptr) {
      return std::nullopt;  // the last character is quantified
    }
  }
  if (out.empty()) {
    return std::nullopt;
  }
  return out;
}

LiteralPrefilter::LiteralPrefilter(const std::vector<std::string_view>& patterns)
    : LiteralPrefilter(patterns, false) {}

LiteralPrefilter::LiteralPrefilter(const std::vector<std::string_view>& patterns, bool split)
    : LiteralPrefilter(patterns, split, {}) {}

// What analysing the patterns of a split prefilter yields (the costly part of building one: every
// pattern parsed), apart from the tables built from it. Texts are views into `storage`.
struct PrefilterAnalysis {
  struct Literal {
    std::string_view text;              // lower case, 2 to 16 bytes
    uint64_t patterns = 0;              // bit i: pattern i may match where it occurs
    uint32_t alternative = UINT32_MAX;  // the alternative it stands for; UINT32_MAX: none
  };
  struct Alternative {
    uint32_t pattern = 0;  // its pattern; patterns.size(): extra literal number `offset`
    uint32_t offset = 0;   // its source: patterns[pattern].substr(offset, size)
    uint32_t size = 0;
    std::string_view plain;  // LiteralPrefilter::Alternative::plain
  };
  std::vector<Literal> literals;  // sorted by text
  std::vector<Alternative> alternatives;
  std::vector<std::pair<uint32_t, uint32_t>> alt_range;  // per pattern
  std::pair<uint32_t, uint32_t> extra_range{0, 0};
  uint64_t always = 0;                // patterns without a literal set
  std::vector<uint32_t> always_alts;  // extra literals shorter than 2 bytes
  std::deque<std::string> storage;
};

namespace {

// The analysis the (patterns, split, extra_literals) constructor builds from. Pure.
PrefilterAnalysis AnalyzePatterns(const std::vector<std::string_view>& patterns, bool split,
                                  const std::vector<std::string_view>& extra_literals) {
  PrefilterAnalysis out;
  auto keep = [&](std::string text) -> std::string_view { return out.storage.emplace_back(std::move(text)); };
  out.alt_range.assign(patterns.size(), {0, 0});
  for (size_t i = 0; i < patterns.size() && i < 64; ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if (split && !patterns[i].empty()) {
      auto alts = TopLevelAlternatives(patterns[i]);
      std::vector<std::vector<std::string>> sets;
      for (size_t k = 0; alts && alts->size() > 1 && k < alts->size(); ++k) {
        auto set = RequiredLiterals((*alts)[k]);
        if (!set) {
          sets.clear();
          break;
        }
        sets.push_back(std::move(*set));
      }
      if (alts && !sets.empty() && sets.size() == alts->size()) {
        uint32_t first = static_cast<uint32_t>(out.alternatives.size());
        for (size_t k = 0; k < alts->size(); ++k) {
          PrefilterAnalysis::Alternative a;
          a.pattern = static_cast<uint32_t>(i);
          a.offset = static_cast<uint32_t>((*alts)[k].data() - patterns[i].data());
          a.size = static_cast<uint32_t>((*alts)[k].size());
          auto plain = PlainLiteral((*alts)[k]);
          // A plain literal is decided by the scan alone only when the scan looks for exactly it
          // (its first 16 bytes; Match confirms longer ones).
          if (plain && sets[k].size() == 1 && sets[k][0] == plain->substr(0, 16)) {
            a.plain = keep(std::move(*plain));
          }
          for (auto& s : sets[k]) {
            out.literals.push_back(
                {keep(std::move(s)), bit, static_cast<uint32_t>(out.alternatives.size())});
          }
          out.alternatives.push_back(a);
        }
        out.alt_range[i] = {first, static_cast<uint32_t>(out.alternatives.size())};
        continue;
      }
    }
    auto set = patterns[i].empty() ? std::nullopt : RequiredLiterals(patterns[i]);
    if (!set) {
      out.always |= bit;
      continue;
    }
    for (auto& s : *set) {
      out.literals.push_back({keep(std::move(s)), bit});
    }
  }
  const auto first_extra = static_cast<uint32_t>(out.alternatives.size());
  for (size_t k = 0; k < extra_literals.size(); ++k) {
    const std::string_view literal = extra_literals[k];
    PrefilterAnalysis::Alternative a;
    a.pattern = static_cast<uint32_t>(patterns.size());  // no pattern's
    a.offset = static_cast<uint32_t>(k);
    a.size = static_cast<uint32_t>(literal.size());
    a.plain = literal;
    const auto id = static_cast<uint32_t>(out.alternatives.size());
    if (literal.size() < 2) {
      out.always_alts.push_back(id);
    } else {
      out.literals.push_back({literal.substr(0, 16), 0, id});
    }
    out.alternatives.push_back(a);
  }
  out.extra_range = {first_extra, static_cast<uint32_t>(out.alternatives.size())};
  // In the order Build wants them (by text; literals of one text keep the analysis's order).
  std::stable_sort(out.literals.begin(), out.literals.end(),
                   [](const PrefilterAnalysis::Literal& a, const PrefilterAnalysis::Literal& b) {
                     return a.text < b.text;
                   });
  return out;
}


// `s` as a C++ string literal (every byte outside printable ASCII, and quotes, escaped as hex;
// the literal is split after a hex escape so that a following hex digit does not extend it).
std::string CppString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  bool after_hex = false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool hex_digit = std::isxdigit(u) != 0;
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\' || c == '?') {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
      after_hex = true;
      continue;
    }
    if (after_hex && hex_digit) {
      out += "\" \"";
    }
    out += c;
    after_hex = false;
  }
  out += '"';
  return out;
}

}  // namespace

LiteralPrefilter::LiteralPrefilter(const std::vector<std::string_view>& patterns, bool split,
                                   const std::vector<std::string_view>& extra_literals)
    : LiteralPrefilter(patterns, extra_literals,
                       AnalyzePatterns(patterns, split, extra_literals)) {}

LiteralPrefilter::LiteralPrefilter(const std::vector<std::string_view>& patterns,
                                   const std::vector<std::string_view>& extra_literals,
                                   const PrefilterAnalysis& analysis)
    : LiteralPrefilter() {
  always_ = analysis.always;
  extra_range_ = analysis.extra_range;
  owned_->alt_range = analysis.alt_range;
  owned_->always_alts = analysis.always_alts;
  owned_->patterns = patterns;
  owned_->alternatives.reserve(analysis.alternatives.size());
  std::string& texts = owned_->alternative_texts;
  const auto add_text = [&](std::string_view text) {
    const auto offset = static_cast<uint32_t>(texts.size());
    texts += text;
    return offset;
  };
  for (const auto& x : analysis.alternatives) {
    PackedAlternative a;
    a.pattern = x.pattern;
    a.plain_size = static_cast<uint32_t>(x.plain.size());
    a.plain_offset = x.plain.empty() ? 0 : add_text(x.plain);
    if (x.pattern < patterns.size()) {
      a.source_offset = x.offset;
      a.source_size = x.size;
    } else if (x.offset < extra_literals.size()) {  // an extra literal: its own text
      const std::string_view literal = extra_literals[x.offset];
      a.source_size = static_cast<uint32_t>(literal.size());
      a.source_offset = literal == x.plain ? a.plain_offset : add_text(literal);
    }
    owned_->alternatives.push_back(a);
  }
  std::vector<Literal> lits;
  lits.reserve(analysis.literals.size());
  for (const auto& l : analysis.literals) {
    lits.push_back({l.text, l.patterns, l.alternative});
  }
  Build(std::move(lits));
}

LiteralPrefilter LiteralPrefilter::FromLiterals(const std::vector<std::string_view>& literals) {
  LiteralPrefilter f;
  std::vector<Literal> lits;
  for (size_t i = 0; i < literals.size() && i < 64; ++i) {
    if (literals[i].size() < 2) {
      f.always_ |= uint64_t{1} << i;
      continue;
    }
    lits.push_back({literals[i].substr(0, 16), uint64_t{1} << i});
  }
  f.Build(std::move(lits));
  return f;
}

namespace {

uint32_t Load32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

uint64_t Load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Multiplicative hashes: the top bits of the product.
constexpr uint32_t kHash4Factor = 0x9e3779b1u;
uint32_t Hash4(uint32_t first4) { return first4 * kHash4Factor; }
// The long table's key: a literal's first 12 bytes (the 8 of `first8`, then the 4 of `next4`).
// Two independent products, so neither waits for the other.
uint32_t Bucket12(uint64_t first8, uint32_t next4, int bits) {
  return static_cast<uint32_t>(
      ((first8 * 0x9e3779b97f4a7c15ull) ^ (uint64_t{next4} * 0xc2b2ae3d27d4eb4full)) >>
      (64 - bits));
}
uint32_t Bucket2(uint32_t first2, int bits) { return (first2 * 0x9e3779b1u) >> (32 - bits); }

// Enough buckets for about eight per entry (at least 2, at most 2^16): a position whose first 4
// bytes pass the filter (" is ", "mail", "the " begin many long literals) then finds an empty
// bucket for its first 12 bytes 7 times in 8 instead of 3 in 4, and an empty bucket costs no
// Probe.
int BucketBits(size_t entries) {
  int bits = 1;
  while (bits < 16 && (size_t{1} << bits) < 8 * entries) {
    ++bits;
  }
  return bits;
}

}  // namespace

void LiteralPrefilter::Build(std::vector<Literal> lits) {
  Storage& own = *owned_;
  // Literals of the same text become one entry (their patterns and alternatives merged).
  const auto by_text = [](const Literal& a, const Literal& b) { return a.text < b.text; };
  if (!std::is_sorted(lits.begin(), lits.end(), by_text)) {  // AnalyzePatterns sorts them
    std::sort(lits.begin(), lits.end(), by_text);
  }
  std::vector<Entry> merged;
  for (size_t k = 0; k < lits.size();) {
    size_t m = k;
    Entry e;
    const std::string_view lit = lits[k].text;
    size_t head = std::min<size_t>(lit.size(), 8);
    std::memcpy(&e.bytes, lit.data(), head);
    std::memcpy(&e.bytes2, lit.data() + head, lit.size() - head);
    e.size = static_cast<uint8_t>(lit.size());
    e.mask = head == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * head)) - 1);
    size_t tail = lit.size() - head;
    e.mask2 = tail == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * tail)) - 1);
    e.alt_begin = static_cast<uint32_t>(own.alt_ids.size());
    while (m < lits.size() && lits[m].text == lits[k].text) {
      e.patterns |= lits[m].patterns;
      if (lits[m].alternative != UINT32_MAX) {
        own.alt_ids.push_back(lits[m].alternative);
      }
      ++m;
    }
    e.alt_end = static_cast<uint32_t>(own.alt_ids.size());
    merged.push_back(e);
    k = m;
  }
  size_t n_long = 0;
  size_t n_mid = 0;
  size_t n_short = 0;
  for (const Entry& e : merged) {
    (e.size >= kLongSize ? n_long : e.size >= 4 ? n_mid : n_short) += 1;
  }
  long_.bits = BucketBits(n_long);
  mid_.bits = BucketBits(n_mid);
  short_.bits = BucketBits(n_short);
  has_mid_ = n_mid > 0;
  has_short_ = n_short > 0;
  own.filter.assign((size_t{1} << kFilterBits) / 64, 0);
  // Table 0 long, 1 mid, 2 short; the bucket within it.
  auto place = [&](const Entry& e) -> std::pair<int, uint32_t> {
    if (e.size >= kLongSize) {
      return {0, Bucket12(e.bytes, static_cast<uint32_t>(e.bytes2), long_.bits)};
    }
    if (e.size >= 4) {
      return {1, Hash4(static_cast<uint32_t>(e.bytes)) >> (32 - mid_.bits)};
    }
    return {2, Bucket2(static_cast<uint32_t>(e.bytes & 0xffff), short_.bits)};
  };
  std::vector<std::pair<std::pair<int, uint32_t>, uint32_t>> order;  // (place, index)
  order.reserve(merged.size());
  for (size_t k = 0; k < merged.size(); ++k) {
    order.push_back({place(merged[k]), static_cast<uint32_t>(k)});
  }
  std::sort(order.begin(), order.end());
  own.entries.clear();
  own.entries.reserve(merged.size());
  for (const auto& o : order) {
    own.entries.push_back(merged[o.second]);
  }
  std::pair<Table*, std::vector<uint32_t>*> tables[3] = {
      {&long_, &own.long_start}, {&mid_, &own.mid_start}, {&short_, &own.short_start}};
  for (auto [t, start] : tables) {
    start->assign((size_t{1} << t->bits) + 1, 0);
  }
  // Counting sort's offsets: start[b + 1] counts bucket b, then a prefix sum over all tables
  // (the tables follow each other in entries).
  for (const Entry& e : own.entries) {
    auto [table, bucket] = place(e);
    ++(*tables[table].second)[bucket + 1];
    if (e.size >= 4) {
      const uint32_t bit = Hash4(static_cast<uint32_t>(e.bytes)) >> (32 - kFilterBits);
      own.filter[bit / 64] |= uint64_t{1} << (bit % 64);
    }
  }
  uint32_t offset = 0;
  for (auto [t, start] : tables) {
    (*start)[0] = offset;
    for (size_t b = 1; b < start->size(); ++b) {
      (*start)[b] += (*start)[b - 1];
    }
    offset = start->back();
    t->start = *start;
  }
  filter_ = own.filter;
  entries_ = own.entries;
  alt_ids_ = own.alt_ids;
  alternatives_ = own.alternatives;
  patterns_ = own.patterns;
  alternative_texts_ = own.alternative_texts;
  alt_range_ = own.alt_range;
  always_alts_ = own.always_alts;
}

namespace {

// `values` as the C++ definition of a std::array `name` of `type` (hex when `hex`).
template <typename T>
std::string ArrayToCpp(std::string_view type, const std::string& name, std::span<const T> values,
                       bool hex) {
  std::ostringstream out;
  out << "inline constexpr std::array<" << type << ", " << values.size() << "> " << name << " = {";
  for (size_t k = 0; k < values.size(); ++k) {
    out << (k % 8 == 0 ? "\n    " : " ");
    if (hex) {
      out << "0x" << std::hex << values[k] << std::dec << "u,";
    } else {
      out << values[k] << "u,";
    }
  }
  out << "};\n";
  return out.str();
}

}  // namespace

std::string LiteralPrefilter::TablesToCpp(std::string_view name,
                                          const std::vector<std::string>& patterns) const {
  const std::string n(name);
  std::ostringstream out;
  out << "// Generated by reason_prefilter_gen (src/ingest/classify): do not edit.\n";
  out << ArrayToCpp<uint64_t>("uint64_t", n + "Filter", filter_, true);
  out << ArrayToCpp<uint32_t>("uint32_t", n + "LongStart", long_.start, false);
  out << ArrayToCpp<uint32_t>("uint32_t", n + "MidStart", mid_.start, false);
  out << ArrayToCpp<uint32_t>("uint32_t", n + "ShortStart", short_.start, false);
  out << "inline constexpr std::array<bw::ingest::LiteralPrefilter::Entry, " << entries_.size()
      << "> " << n << "Entries = {{\n";
  for (const Entry& e : entries_) {
    out << std::hex << "    {0x" << e.bytes << "u, 0x" << e.bytes2 << "u, 0x" << e.mask << "u, 0x"
        << e.mask2 << "u, 0x" << e.patterns << "u, " << std::dec << e.alt_begin << "u, "
        << e.alt_end << "u, " << static_cast<unsigned>(e.size) << "u},\n";
  }
  out << "}};\n";
  out << ArrayToCpp<uint32_t>("uint32_t", n + "AltIds", alt_ids_, false);
  // Offsets and one string of texts, no pointers: nothing ld.so has to relocate.
  out << "inline constexpr std::array<bw::ingest::LiteralPrefilter::PackedAlternative, "
      << alternatives_.size() << "> " << n << "Alternatives = {{\n";
  for (const PackedAlternative& a : alternatives_) {
    out << "    {" << a.pattern << "u, " << a.source_offset << "u, " << a.source_size << "u, "
        << a.plain_offset << "u, " << a.plain_size << "u},\n";
  }
  out << "}};\n";
  // The views of the patterns: their pointers are relocated, one per pattern.
  out << "inline constexpr std::array<std::string_view, " << patterns_.size() << "> " << n
      << "Patterns = {";
  for (size_t i = 0; i < patterns_.size(); ++i) {
    out << "\n    " << (i < patterns.size() ? patterns[i] : "std::string_view()") << ",";
  }
  out << "};\n";
  // One literal piece per line; the size given, as the texts may hold NUL bytes.
  out << "inline constexpr std::string_view " << n << "AltTexts(";
  constexpr size_t kPiece = 64;
  for (size_t k = 0; k < alternative_texts_.size(); k += kPiece) {
    out << "\n    " << CppString(alternative_texts_.substr(k, kPiece));
  }
  out << (alternative_texts_.empty() ? "\"\"" : "") << ", " << alternative_texts_.size() << ");\n";
  out << "inline constexpr std::array<std::pair<uint32_t, uint32_t>, " << alt_range_.size() << "> "
      << n << "AltRange = {{";
  for (size_t k = 0; k < alt_range_.size(); ++k) {
    out << (k % 8 == 0 ? "\n    " : " ") << "{" << alt_range_[k].first << "u, "
        << alt_range_[k].second << "u},";
  }
  out << "}};\n";
  out << ArrayToCpp<uint32_t>("uint32_t", n + "AlwaysAlts", always_alts_, false);
  out << "inline constexpr bw::ingest::LiteralPrefilter::ConstTables " << n << "Tables = {\n"
      << "    .always = " << always_ << "u,\n"
      << "    .filter = " << n << "Filter,\n"
      << "    .long_bits = " << long_.bits << ",\n"
      << "    .mid_bits = " << mid_.bits << ",\n"
      << "    .short_bits = " << short_.bits << ",\n"
      << "    .long_start = " << n << "LongStart,\n"
      << "    .mid_start = " << n << "MidStart,\n"
      << "    .short_start = " << n << "ShortStart,\n"
      << "    .entries = " << n << "Entries,\n"
      << "    .alt_ids = " << n << "AltIds,\n"
      << "    .alternatives = " << n << "Alternatives,\n"
      << "    .patterns = " << n << "Patterns,\n"
      << "    .alternative_texts = " << n << "AltTexts,\n"
      << "    .alt_range = " << n << "AltRange,\n"
      << "    .extra_range = {" << extra_range_.first << "u, " << extra_range_.second << "u},\n"
      << "    .always_alts = " << n << "AlwaysAlts,\n"
      << "};\n";
  return out.str();
}

namespace {

// Whether `a` and `b` hold the same alternatives (texts compared, not where they are).
bool SameAlternatives(const LiteralPrefilter::AlternativeList& a,
                      const LiteralPrefilter::AlternativeList& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t j = 0; j < a.size(); ++j) {
    if (a[j] != b[j]) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool LiteralPrefilter::SameTables(const LiteralPrefilter& other) const {
  const auto same = [](auto a, auto b) { return std::ranges::equal(a, b); };
  const auto same_table = [&](const Table& a, const Table& b) {
    return a.bits == b.bits && same(a.start, b.start);
  };
  return always_ == other.always_ && same(filter_, other.filter_) &&
         same_table(long_, other.long_) && same_table(mid_, other.mid_) &&
         same_table(short_, other.short_) && has_mid_ == other.has_mid_ &&
         has_short_ == other.has_short_ && same(entries_, other.entries_) &&
         same(alt_ids_, other.alt_ids_) && SameAlternatives(Alternatives(), other.Alternatives()) &&
         same(alt_range_, other.alt_range_) && extra_range_ == other.extra_range_ &&
         same(always_alts_, other.always_alts_);
}

// Inlined into ProbeLongAndMid: a call of its own saved and restored six registers, as much
// as the work of a probe that finds nothing.
template <bool kAlternatives>
[[gnu::always_inline]] inline void LiteralPrefilter::Probe(const char* t, size_t i, size_t n,
                                                           uint32_t lo, uint32_t hi,
                                                           uint64_t& found,
                                                           uint64_t* alternatives) const {
  // The 16 bytes at i, zero-padded past the end.
  uint64_t word = 0;
  uint64_t word2 = 0;
  if (i + 16 <= n) {
    word = Load64(t + i);
    word2 = Load64(t + i + 8);
  } else {
    std::memcpy(&word, t + i, std::min<size_t>(8, n - i));
    if (i + 8 < n) {
      std::memcpy(&word2, t + i + 8, std::min<size_t>(8, n - i - 8));
    }
  }
  for (uint32_t k = lo; k < hi; ++k) {
    const Entry& e = entries_[k];
    if ((word & e.mask) == e.bytes && (word2 & e.mask2) == e.bytes2 && i + e.size <= n) {
      found |= e.patterns;
      if constexpr (kAlternatives) {
        for (uint32_t a = e.alt_begin; a < e.alt_end; ++a) {
          alternatives[alt_ids_[a] / 64] |= uint64_t{1} << (alt_ids_[a] % 64);
        }
      }
    }
  }
}

// Out of line for the byte scan: its loop over positions keeps its few values in registers. The
// 4 bytes' hash is computed again here rather than passed: the loop then needs it for the filter
// lookup only (one register move a position less). The AVX2 scan, which keeps its values in
// memory across a call anyway, has it inlined (ProbeLongAndMidInline): no registers saved and
// restored per probe.
template <bool kAlternatives>
[[gnu::noinline]] void LiteralPrefilter::ProbeLongAndMid(const char* t, size_t i, size_t n,
                                                         uint64_t& found,
                                                         uint64_t* alternatives) const {
  ProbeLongAndMidInline<kAlternatives>(t, i, n, found, alternatives);
}

template <bool kAlternatives>
[[gnu::always_inline]] inline void LiteralPrefilter::ProbeLongAndMidInline(
    const char* t, size_t i, size_t n, uint64_t& found, uint64_t* alternatives) const {
  if (i + kLongSize <= n) {
    const uint32_t* start = long_.start.data();
    const uint32_t b = Bucket12(Load64(t + i), Load32(t + i + 8), long_.bits);
    if (start[b] != start[b + 1]) {
      Probe<kAlternatives>(t, i, n, start[b], start[b + 1], found, alternatives);
    }
  }
  if (has_mid_) {
    const uint32_t* start = mid_.start.data();
    const uint32_t b = Hash4(Load32(t + i)) >> (32 - mid_.bits);
    if (start[b] != start[b + 1]) {
      Probe<kAlternatives>(t, i, n, start[b], start[b + 1], found, alternatives);
    }
  }
}

#if defined(BW_CPU_AVX2_TARGET)
namespace {

// Bit k set when the filter (`filter`, its bits as 32-bit words: bit b of the table is bit
// b % 32 of word b / 32 on a little-endian CPU; 2^kFilterBits bits) lets position k of `p`
// through, for k < 8: Scan's test of the 4 bytes at p + k, 8 positions at once. Reads p[0, 16).
template <int kFilterBits>
[[gnu::target("avx2"), gnu::always_inline]] inline unsigned FilterHits8(const char* p,
                                                                        const int* filter) {
  // Dword k of the 16 bytes broadcast to both lanes: the 4 bytes at k (lane 0 holds positions
  // 0 to 3, lane 1 positions 4 to 7: bytes up to 10).
  const __m256i grams = _mm256_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6,  //
                                         4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10);
  const __m256i v =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m256i hash = _mm256_mullo_epi32(_mm256_shuffle_epi8(v, grams),
                                          _mm256_set1_epi32(static_cast<int>(kHash4Factor)));
  const __m256i bit = _mm256_srli_epi32(hash, 32 - kFilterBits);
  const __m256i word = _mm256_i32gather_epi32(filter, _mm256_srli_epi32(bit, 5), 4);
  // Each position's filter bit shifted into its dword's sign bit.
  const __m256i up = _mm256_sllv_epi32(word, _mm256_andnot_si256(bit, _mm256_set1_epi32(31)));
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(up)));
}

}  // namespace

template <bool kAlternatives>
[[gnu::target("avx2")]] void LiteralPrefilter::ScanAvx2(std::string_view lower, uint64_t& found,
                                                        uint64_t* alternatives) const {
  const char* t = lower.data();
  const size_t n = lower.size();
  const size_t end = n - 3;  // the positions with 4 bytes (n >= 4)
  const int* filter = reinterpret_cast<const int*>(filter_.data());
  size_t i = 0;
  for (; i + 16 <= n; i += 8) {
    for (unsigned m = FilterHits8<kFilterBits>(t + i, filter); m != 0; m &= m - 1) {
      ProbeLongAndMidInline<kAlternatives>(t, i + static_cast<size_t>(__builtin_ctz(m)), n, found,
                                           alternatives);
    }
  }
  // The last positions (fewer than 16 bytes from i on) in a zero-padded copy; those without 4
  // bytes of the text masked out.
  for (; i < end; i += 8) {
    alignas(16) char block[16] = {};
    std::memcpy(block, t + i, std::min<size_t>(16, n - i));
    const unsigned valid = (1u << std::min<size_t>(8, end - i)) - 1;
    for (unsigned m = FilterHits8<kFilterBits>(block, filter) & valid; m != 0; m &= m - 1) {
      ProbeLongAndMidInline<kAlternatives>(t, i + static_cast<size_t>(__builtin_ctz(m)), n, found,
                                           alternatives);
    }
  }
}
#endif

template <bool kAlternatives>
uint64_t LiteralPrefilter::Scan(std::string_view lower, uint64_t* alternatives, bool simd) const {
  uint64_t found = always_;
  const char* t = lower.data();
  const size_t n = lower.size();
  const uint64_t* filter = filter_.data();
  bool scanned = false;  // the positions with 4 bytes
#if defined(BW_CPU_AVX2_TARGET)
  if (simd && n >= 4 && HasAvx2()) {
    ScanAvx2<kAlternatives>(lower, found, alternatives);
    scanned = true;
  }
#else
  (void)simd;
#endif
  if (n >= 4 && !scanned) {
    const size_t end = n - 3;  // the positions with 4 bytes
    // Unrolled: the loop's own increment, compare and branch were 3 of its 11 instructions a
    // position.
#pragma GCC unroll 4
    for (size_t i = 0; i < end; ++i) {
      const uint32_t h = Hash4(Load32(t + i));
      const uint32_t bit = h >> (32 - kFilterBits);
      if (__builtin_expect(((filter[bit / 64] >> (bit % 64)) & 1) == 0, 1)) {
        continue;  // no entry of 4+ bytes starts with these 4 bytes
      }
      ProbeLongAndMid<kAlternatives>(t, i, n, found, alternatives);
    }
  }
  if (has_short_) {
    const uint32_t* short_start = short_.start.data();
    for (size_t i = 0; i + 1 < n; ++i) {
      const uint32_t key = static_cast<uint32_t>(static_cast<unsigned char>(t[i])) |
                           (static_cast<uint32_t>(static_cast<unsigned char>(t[i + 1])) << 8);
      const uint32_t b = Bucket2(key, short_.bits);
      if (short_start[b] != short_start[b + 1]) {
        Probe<kAlternatives>(t, i, n, short_start[b], short_start[b + 1], found, alternatives);
      }
    }
  }
  return found;
}

uint64_t LiteralPrefilter::Candidates(std::string_view lower) const {
  return Scan<false>(lower, nullptr);
}

uint64_t LiteralPrefilter::Candidates(std::string_view lower,
                                      std::vector<uint64_t>& alternatives) const {
  alternatives.assign((alternatives_.size() + 63) / 64, 0);
  for (uint32_t id : always_alts_) {
    alternatives[id / 64] |= uint64_t{1} << (id % 64);
  }
  return Scan<true>(lower, alternatives.data());
}

uint64_t LiteralPrefilter::CandidatesWithoutSimdForTest(std::string_view lower,
                                                        std::vector<uint64_t>& alternatives) const {
  alternatives.assign((alternatives_.size() + 63) / 64, 0);
  for (uint32_t id : always_alts_) {
    alternatives[id / 64] |= uint64_t{1} << (id % 64);
  }
  return Scan<true>(lower, alternatives.data(), /*simd=*/false);
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
