// SPDX-License-Identifier: Apache-2.0
// The literal prefilter in front of the reason patterns: the literals it derives, and that it
// never rules out a pattern that matches (checked on every line of every corpus mail).
#include "ingest/classify/literal_prefilter.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "ingest/classify/reason.h"
#include "ingest/classify/reason_pcre2.h"
#include "ingest/classify/reason_tables.h"
#include "testing/piece_text.h"

namespace bw::ingest {
namespace {

std::vector<std::string> Lits(std::string_view pattern) {
  auto r = RequiredLiterals(pattern);
  return r ? *r : std::vector<std::string>{};
}

TEST(RequiredLiteralsTest, AlternativesLiteralRunsAndGroups) {
  EXPECT_EQ(Lits("user[ ]unknown|no[ ]such[ ]user"),
            (std::vector<std::string>{"no such user", "user unknown"}));
  // The longest run of a sequence is kept; a prefix of a longer literal is cut at 16 bytes.
  EXPECT_EQ(Lits("is[ ][^ ]+[ ]over[ ]quota"), (std::vector<std::string>{" over quota"}));
  EXPECT_EQ(Lits("mailbox[ ]is[ ]currently[ ]unavailable"),
            (std::vector<std::string>{"mailbox is curre"}));
  // A mandatory group that is not a small set of strings contributes its own literals.
  EXPECT_EQ(Lits("(?:blocked|refused[ ]\\d+)[ ]-"),
            (std::vector<std::string>{"blocked", "refused "}));
  // Optional characters and groups are not required.
  EXPECT_EQ(Lits("mailbox[ ]*full"), (std::vector<std::string>{"mailbox"}));
  EXPECT_EQ(Lits("(?:quota[ ]+)?exceeded"), (std::vector<std::string>{"exceeded"}));
  // Extended mode: spaces and comments are not part of the pattern; upper case is folded.
  EXPECT_EQ(Lits("  Host[ ]Unknown   # comment\n"), (std::vector<std::string>{"host unknown"}));
}

TEST(RequiredLiteralsTest, SmallSetsOfStringsAreJoinedWithTheirNeighbours) {
  // Classes, groups and optional atoms that match a few strings only extend the literal run.
  EXPECT_EQ(Lits("bad[-_ \\t]recipient"),
            (std::vector<std::string>{"bad\trecipient", "bad recipient", "bad-recipient",
                                      "bad_recipient"}));
  EXPECT_EQ(Lits("mailbox[ ]?full"), (std::vector<std::string>{"mailbox full", "mailboxfull"}));
  EXPECT_EQ(Lits("(?:blocked|refused)[ ]-"), (std::vector<std::string>{"blocked -", "refused -"}));
  EXPECT_EQ(Lits("\\b5[.]7[.](?:2[0-3]|26)\\b"),
            (std::vector<std::string>{"5.7.20", "5.7.21", "5.7.22", "5.7.23", "5.7.26"}));
  EXPECT_EQ(Lits("not[ ](?:a[ ]valid[ ]user|Unknown)"),
            (std::vector<std::string>{"not a valid user", "not unknown"}));
  // A group that is not a small set: per alternative, what precedes it joined with the
  // alternative's first strings, or the alternative's own literals, whichever filters better.
  EXPECT_EQ(Lits("user[ ](?:[^ ]+[ ]was[ ]not[ ]found|unknown)"),
            (std::vector<std::string>{" was not found", "user unknown"}));
  // A string that contains another of the set adds nothing: "exceeded" occurs wherever
  // "quota exceeded" does.
  EXPECT_EQ(Lits("(?:quota[ ])?exceeded"), (std::vector<std::string>{"exceeded"}));
  // Repeated atoms: the first occurrence follows what precedes, the last precedes what follows.
  EXPECT_EQ(Lits("ab[ ]+cdef"), (std::vector<std::string>{" cdef"}));
  // Too many strings: the product starts over (64 two-letter strings: the second letter, then
  // "xyz"); a class of more than 16 characters is not enumerated.
  EXPECT_EQ(Lits("[a-h][a-h]xyz"), (std::vector<std::string>{"axyz", "bxyz", "cxyz", "dxyz", "exyz",
                                                             "fxyz", "gxyz", "hxyz"}));
  EXPECT_EQ(Lits("q[a-q]xyz"), (std::vector<std::string>{"xyz"}));
  // Classes it does not enumerate break the run: negated, \d, ranges across kinds, non-ASCII.
  EXPECT_EQ(Lits("abc[^x]de"), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(Lits("abc[\\d]de"), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(Lits("abc[0-z]de"), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(Lits("abc[\xc3\xa9]de"), (std::vector<std::string>{"abc"}));
}

// Every match PCRE2 finds (the reason patterns' options) contains one of the required
// literals: patterns built from the constructs the analysis reads, on every text of up to six
// characters over their alphabet.
TEST(RequiredLiteralsTest, EveryMatchContainsARequiredLiteral) {
  const std::vector<std::string> patterns = {
      "ab[-_ ]?ba",
      "(?:ab|b)[ab]{1}a",
      "a\\bb|ba\\b[ ]",
      "(?>a|ab)b[ ]a",
      "^ab|ba$",
      "a[ -b]+b a",
      "(?:a|b|)(?:ab|ba)(?:a|[ ])",
      "ab?a?b",
      "(?:a[b ]){2}",
      "b(?:a|b)*ab",
      "[a-b][a-b][ ]?ab",
      "a{1,}b b",
      "(?:ab)?(?:ba)+[ ]",
      "a(?:bb|ab)+[ ]",
      "b[ ](?:[^ ]+[ ]a|ab|a_?-)",
      "(?:a|b)[ ](?:b[^a]|aa)+b",
  };
  const std::string alphabet = "ab -_";
  for (const auto& pattern : patterns) {
    const auto lits = RequiredLiterals(pattern);
    ASSERT_TRUE(lits.has_value()) << pattern;
    pcre2_code* code = reason_pcre2::CompilePattern(pattern);
    ASSERT_NE(code, nullptr) << pattern;
    pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
    int matched = 0;
    for (size_t size = 0; size <= 6; ++size) {
      std::vector<size_t> digit(size, 0);
      while (true) {
        std::string text;
        for (size_t d : digit) {
          text.push_back(alphabet[d]);
        }
        if (pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, data,
                        nullptr) >= 0) {
          ++matched;
          bool found = false;
          for (const auto& lit : *lits) {
            found = found || text.find(lit) != std::string::npos;
          }
          ASSERT_TRUE(found) << pattern << " matches [" << text << "]";
        }
        size_t k = 0;
        while (k < size && ++digit[k] == alphabet.size()) {
          digit[k++] = 0;
        }
        if (k == size) {
          break;
        }
      }
    }
    EXPECT_GT(matched, 0) << pattern;
    pcre2_match_data_free(data);
    pcre2_code_free(code);
  }
}

TEST(RequiredLiteralsTest, UnprovableOrUnanalysedPatternsHaveNone) {
  EXPECT_FALSE(RequiredLiterals("a|[0-9]+").has_value());      // one alternative has no literal
  EXPECT_FALSE(RequiredLiterals("(?=abc)abc").has_value());    // lookaround
  EXPECT_FALSE(RequiredLiterals("\\x{41}bc").has_value());     // escape with an argument
  EXPECT_FALSE(RequiredLiterals("x").has_value());             // too short to filter on
  EXPECT_FALSE(RequiredLiterals("caf\xc3\xa9 au lait|\xc3\xa9t\xc3\xa9").has_value());  // é folds
}

TEST(LiteralPrefilterTest, CandidatesAreThePatternsWhoseLiteralsOccur) {
  LiteralPrefilter p({"user[ ]unknown", "mailbox[ ]full|quota", "[0-9]+"});
  EXPECT_EQ(p.FilteredCount(), 2);
  EXPECT_EQ(p.Candidates("550 5.1.1 user unknown"), 0b101u);
  EXPECT_EQ(p.Candidates("552 over quota"), 0b110u);
  EXPECT_EQ(p.Candidates("nothing here"), 0b100u);  // pattern 2 is always a candidate
  EXPECT_EQ(p.Candidates(""), 0b100u);
  EXPECT_EQ(p.Candidates("user unknow"), 0b100u);   // a literal cut by the end of the text
}

TEST(LiteralPrefilterTest, FromLiteralsFlagsThePlainStringsThatOccur) {
  auto p = LiteralPrefilter::FromLiterals(
      {"null mx", "no relaying", "x", "a literal much longer than sixteen bytes"});
  EXPECT_EQ(p.Candidates("550 null mx here"), 0b0101u);  // "x" (too short) is always set
  EXPECT_EQ(p.Candidates("no relaying; null mx"), 0b0111u);
  EXPECT_EQ(p.Candidates("null m"), 0b0100u);
  // Only the first 16 bytes are looked for: a hit on a long literal still has to be confirmed.
  EXPECT_EQ(p.Candidates("a literal much l"), 0b1100u);
}

TEST(LiteralPrefilterTest, TopLevelAlternativesOpensAWrappingGroup) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(TopLevelAlternatives("ab|cd"), (V{"ab", "cd"}));
  EXPECT_EQ(TopLevelAlternatives("(?:(?>\n  ab  # a | comment\n |c(d|e)\n))"),
            (V{"ab  # a | comment\n ", "c(d|e)\n"}));
  EXPECT_EQ(TopLevelAlternatives("[|)]x|\\|y"), (V{"[|)]x", "\\|y"}));
  // A group followed by more pattern, or quantified, is not opened.
  EXPECT_EQ(TopLevelAlternatives("(a|b)c"), (V{"(a|b)c"}));
  EXPECT_EQ(TopLevelAlternatives("(a|b)+"), (V{"(a|b)+"}));
  EXPECT_EQ(TopLevelAlternatives("(?=a|b)"), (V{"(?=a|b)"}));
  EXPECT_EQ(TopLevelAlternatives("(a|b"), std::nullopt);
  EXPECT_EQ(TopLevelAlternatives("\\Qa|b\\E"), std::nullopt);
}

TEST(LiteralPrefilterTest, PlainLiteralOnlyForFixedLowerCaseText) {
  EXPECT_EQ(PlainLiteral("  blocked[ ]using[ ] # note\n"), "blocked using ");
  EXPECT_EQ(PlainLiteral("spamhaus[.]org\\/x"), "spamhaus.org/x");
  EXPECT_EQ(PlainLiteral("abc?"), std::nullopt);
  EXPECT_EQ(PlainLiteral("ab[ ]+"), std::nullopt);
  EXPECT_EQ(PlainLiteral("a.b"), std::nullopt);
  EXPECT_EQ(PlainLiteral("a\\db"), std::nullopt);
  EXPECT_EQ(PlainLiteral("a(?:b)"), std::nullopt);
  EXPECT_EQ(PlainLiteral("Abc"), std::nullopt);
  EXPECT_EQ(PlainLiteral("[ab]c"), std::nullopt);
}

TEST(LiteralPrefilterTest, SplitPrefilterMarksOnlyTheAlternativesThatMayMatch) {
  LiteralPrefilter p({"(?:(?> blocked[ ]using | rbl[ ]\\d+ ))", "x|yy"}, /*split=*/true);
  ASSERT_EQ(p.Alternatives().size(), 2u);  // the second pattern has an alternative too short
  EXPECT_EQ(p.AlternativesOf(0), (std::pair<uint32_t, uint32_t>{0, 2}));
  EXPECT_EQ(p.AlternativesOf(1), (std::pair<uint32_t, uint32_t>{0, 0}));
  EXPECT_EQ(p.Alternatives()[0].plain, "blocked using");
  EXPECT_EQ(p.Alternatives()[1].plain, "");
  std::vector<uint64_t> alts;
  EXPECT_EQ(p.Candidates("listed: rbl 2", alts), 0b11u);
  ASSERT_EQ(alts.size(), 1u);
  EXPECT_EQ(alts[0], 0b10u);
  EXPECT_EQ(p.Candidates("nothing here", alts), 0b10u);
  EXPECT_EQ(alts[0], 0u);
}

TEST(LiteralPrefilterTest, AlternativesAreViewsIntoThePatternsAndTheirOwnTexts) {
  const std::string_view pattern = "(?:(?> blocked[ ]using | rbl[ ]\\d+ ))";
  const std::vector<std::string_view> extras = {"null mx", "x"};
  LiteralPrefilter p({pattern, "x|yy"}, /*split=*/true, extras);
  const auto alts = p.Alternatives();
  ASSERT_EQ(alts.size(), 4u);
  // A pattern's alternative is a view into the pattern itself (not a copy), spaces included.
  EXPECT_EQ(alts[0].source, "blocked[ ]using ");
  EXPECT_EQ(alts[0].source.data(), pattern.data() + pattern.find("blocked"));
  EXPECT_EQ(alts[1].source, " rbl[ ]\\d+ ");
  EXPECT_EQ(alts[1].pattern, 0u);
  EXPECT_EQ(alts[1].plain, "");
  // An extra literal's source is its text; its pattern is the pattern count.
  EXPECT_EQ(alts[2].source, "null mx");
  EXPECT_EQ(alts[2].plain, "null mx");
  EXPECT_EQ(alts[2].pattern, 2u);
  EXPECT_EQ(alts[3].source, "x");
  // Range-for reads the same alternatives as indexing, in order.
  size_t j = 0;
  for (const LiteralPrefilter::Alternative& a : alts) {
    ASSERT_LT(j, alts.size());
    EXPECT_EQ(a, alts[j]) << j;
    ++j;
  }
  EXPECT_EQ(j, alts.size());
  // A prefilter over its tables (ConstTables) reads the same texts from the same places.
  const LiteralPrefilter view(p.Tables());
  EXPECT_EQ(view.Alternatives()[0].source.data(), alts[0].source.data());
  EXPECT_EQ(view.Alternatives()[2].plain, "null mx");
}

TEST(LiteralPrefilterTest, ExtraLiteralsRideAlongWithThePatternScan) {
  const std::vector<std::string_view> extras = {"null mx", "blocked using", "x",
                                                "a literal much longer than sixteen bytes"};
  LiteralPrefilter p({"(?:(?> blocked[ ]using | rbl[ ]\\d+ ))", "x|yy"}, /*split=*/true, extras);
  // The patterns' alternatives come first and are unchanged; the extras follow, in order.
  EXPECT_EQ(p.AlternativesOf(0), (std::pair<uint32_t, uint32_t>{0, 2}));
  ASSERT_EQ(p.ExtraLiterals(), (std::pair<uint32_t, uint32_t>{2, 6}));
  EXPECT_EQ(p.Alternatives()[3].plain, "blocked using");
  const auto extra_bits = [&](std::string_view text) {
    std::vector<uint64_t> alts;
    const uint64_t patterns = p.Candidates(text, alts);
    EXPECT_EQ(
        patterns,
        LiteralPrefilter({"(?:(?> blocked[ ]using | rbl[ ]\\d+ ))", "x|yy"}, true).Candidates(text))
        << text;  // the extras change no pattern's answer
    return (alts[0] >> 2) & 0b1111u;
  };
  EXPECT_EQ(extra_bits("550 null mx here"), 0b0101u);  // "x" (too short) is always set
  EXPECT_EQ(extra_bits("blocked using rbl; null mx"), 0b0111u);
  EXPECT_EQ(extra_bits("null m"), 0b0100u);
  EXPECT_EQ(extra_bits("a literal much l"), 0b1100u);  // first 16 bytes only: to be confirmed
  // The same answers as a FromLiterals prefilter of the extras alone, on generated texts.
  const auto alone = LiteralPrefilter::FromLiterals(extras);
  bw::testing::PieceText gen(99);
  static constexpr std::string_view kPieces[] = {
      "null", " mx", "blocked", " using", "a literal ", "much longer", "x", "rbl 7", " ", "nul"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    text += gen.Next(kPieces, static_cast<size_t>(round % 9));
    ASSERT_EQ(extra_bits(text), alone.Candidates(text)) << text;
  }
}

TEST(LiteralPrefilterTest, LiteralsSharingTheirFirstBytesAreAllFound) {
  // Literals with the same first two bytes and third bytes that collide in the scan's filter
  // ('a' 0x61 and '!' 0x21 share their low six bits), a 2-byte one, and one at the very end.
  const std::vector<std::string_view> lits = {"usa", "us!", "usb", "us", "xyz", "ab"};
  auto p = LiteralPrefilter::FromLiterals(lits);
  EXPECT_EQ(p.Candidates("usa"), 0b001001u);
  EXPECT_EQ(p.Candidates("us!"), 0b001010u);
  EXPECT_EQ(p.Candidates(" usb "), 0b001100u);
  EXPECT_EQ(p.Candidates("us"), 0b001000u);
  EXPECT_EQ(p.Candidates("usc xy"), 0b001000u);
  EXPECT_EQ(p.Candidates("..xyz"), 0b010000u);
  EXPECT_EQ(p.Candidates("ab"), 0b100000u);
  EXPECT_EQ(p.Candidates("a"), 0u);
  // Every text over a small alphabet: a literal's bit is set exactly when it occurs.
  const std::string alphabet = "usab!xyz";
  for (int code = 0; code < 8 * 8 * 8 * 8; ++code) {
    std::string text;
    for (int c = code, k = 0; k < 4; ++k, c /= 8) {
      text.push_back(alphabet[c % 8]);
    }
    uint64_t want = 0;
    for (size_t k = 0; k < lits.size(); ++k) {
      want |= text.find(lits[k]) != std::string::npos ? uint64_t{1} << k : 0;
    }
    ASSERT_EQ(p.Candidates(text), want) << text;
  }
}

TEST(LiteralPrefilterTest, LiteralsOfEveryLengthAreFoundWhereverTheyOccur) {
  // Random literal sets of 2 to 16 bytes over a four-letter alphabet (so that many share their
  // first 4 or 12 bytes, and the scan's hash buckets and filter bits collide), against
  // std::string::find on random texts of every length up to 40: start, middle and end.
  std::mt19937 rng(20261201);
  const std::string alphabet = "abc ";
  auto random_text = [&](size_t size) {
    std::string s;
    for (size_t k = 0; k < size; ++k) {
      s.push_back(alphabet[rng() % alphabet.size()]);
    }
    return s;
  };
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> owned;
    const size_t count = 1 + rng() % 64;
    for (size_t k = 0; k < count; ++k) {
      owned.push_back(random_text(2 + rng() % 15));
    }
    const std::vector<std::string_view> lits(owned.begin(), owned.end());
    const auto p = LiteralPrefilter::FromLiterals(lits);
    for (int k = 0; k < 200; ++k) {
      std::string text = random_text(rng() % 41);
      if (k % 2 == 0 && !text.empty()) {  // plant a literal at a random place
        const std::string& lit = owned[rng() % owned.size()];
        text.replace(rng() % text.size(), 0, lit);
      }
      uint64_t want = 0;
      for (size_t j = 0; j < lits.size(); ++j) {
        want |= text.find(lits[j]) != std::string::npos ? uint64_t{1} << j : 0;
      }
      ASSERT_EQ(p.Candidates(text), want) << "round " << round << " text [" << text << "]";
    }
  }
}

TEST(LiteralPrefilterTest, TheSimdScanFindsWhatTheByteScanFinds) {
  // Texts of every length up to 80 (the SIMD scan's steps, its zero-padded last block) with
  // literals planted at every offset, on the reason prefilter's own tables (their alternatives
  // too) and on random literals: the same answers with and without the SIMD scan (which one runs
  // by default depends on the CPU), and for random literals exactly where they occur.
  std::mt19937 rng(20261202);
  const std::string alphabet = "abc ";
  auto random_text = [&](size_t size) {
    std::string s;
    for (size_t k = 0; k < size; ++k) {
      s.push_back(alphabet[rng() % alphabet.size()]);
    }
    return s;
  };
  std::vector<std::string> owned;
  for (size_t k = 0; k < 48; ++k) {
    owned.push_back(random_text(2 + rng() % 15));
  }
  const std::vector<std::string_view> lits(owned.begin(), owned.end());
  const auto p = LiteralPrefilter::FromLiterals(lits);
  for (size_t size = 0; size <= 80; ++size) {
    for (int k = 0; k < 60; ++k) {
      std::string text = random_text(size);
      const std::string& lit = owned[rng() % owned.size()];
      if (lit.size() <= size) {
        text.replace(rng() % (size - lit.size() + 1), lit.size(), lit);
      }
      uint64_t want = 0;
      for (size_t j = 0; j < lits.size(); ++j) {
        want |= text.find(lits[j]) != std::string::npos ? uint64_t{1} << j : 0;
      }
      std::vector<uint64_t> a;
      std::vector<uint64_t> b;
      ASSERT_EQ(p.Candidates(text, a), want) << "[" << text << "]";
      ASSERT_EQ(p.CandidatesWithoutSimdForTest(text, b), want) << "[" << text << "]";
      ASSERT_EQ(a, b) << "[" << text << "]";
    }
  }
  const LiteralPrefilter reasons(reason_tables::PatternTexts(), /*split=*/true,
                                 reason_tables::PhraseTexts());
  for (std::string_view text :
       {"550 5.1.1 <user@example.org>: recipient address rejected: user unknown in virtual "
        "mailbox table",
        "552 5.2.2 mailbox full; the user's mailbox is over quota, try again later please",
        "host mx.example.net said: 554 5.7.1 message rejected as spam by content filtering",
        "smtp; 550 requested action not taken: mailbox unavailable", "no such user", ""}) {
    std::vector<uint64_t> a;
    std::vector<uint64_t> b;
    EXPECT_EQ(reasons.Candidates(text, a), reasons.CandidatesWithoutSimdForTest(text, b)) << text;
    EXPECT_EQ(a, b) << text;
  }
}

TEST(LiteralPrefilterTest, BuildTimeTablesOfTheReasonPrefiltersAreCurrent) {
  EXPECT_TRUE(GeneratedPrefilterIsCurrentForTest());
}

TEST(LiteralPrefilterTest, TablesWrittenAsCppKeepEveryByte) {
  // Extra literals with quotes, backslashes, non-ASCII bytes and hex digits after an escape
  // (their plain texts are written as string literals).
  const std::vector<std::string_view> extra = {"say \"no\"", "a\\b", "\xe5\xae\x9b" "cafe",
                                               "?" "?="};
  const LiteralPrefilter p({"abc|def"}, true, extra);
  const std::string cpp = p.TablesToCpp("kTest", {"kA"});
  // The alternative texts: the plain texts "abc" and "def", then the extra literals.
  EXPECT_NE(cpp.find(R"("abcdefsay \x22no\x22" "a\x5c" "b\xe5\xae\x9b" "cafe\x3f\x3f=", 27))"),
            std::string::npos)
      << cpp;  // a, b and c are hex digits
  EXPECT_NE(cpp.find("std::array<std::string_view, 1> kTestPatterns = {\n    kA,};"),
            std::string::npos)
      << cpp;
  // Offsets, no pointers: "def" is bytes 4 to 7 of pattern 0, its plain text bytes 3 to 6 of
  // the texts; an extra literal's source is its plain text.
  EXPECT_NE(cpp.find("{0u, 4u, 3u, 3u, 3u}"), std::string::npos) << cpp;
  EXPECT_NE(cpp.find("{1u, 6u, 8u, 6u, 8u}"), std::string::npos) << cpp;
  EXPECT_EQ(cpp.find("\"def\""), std::string::npos) << cpp;
  EXPECT_NE(cpp.find("ConstTables kTestTables = {"), std::string::npos) << cpp;
  EXPECT_NE(cpp.find("std::array<bw::ingest::LiteralPrefilter::Entry, 6> kTestEntries"),
            std::string::npos)
      << cpp;
}

TEST(LiteralPrefilterTest, APrefilterOverConstantTablesAnswersAsTheBuiltOne) {
  // The views of a ConstTables over a built prefilter's own tables: the same answers.
  const std::vector<std::string_view> extra = {"over quota", "x"};
  const LiteralPrefilter built({"user[ ]unknown|no[ ]such[ ]user", "[0-9]+", "ab"}, true, extra);
  const LiteralPrefilter view(built.Tables());
  EXPECT_TRUE(view.SameTables(built));
  for (std::string_view text : {"550 user unknown", "no such user, over quota", "xab", ""}) {
    std::vector<uint64_t> a;
    std::vector<uint64_t> b;
    EXPECT_EQ(view.Candidates(text, a), built.Candidates(text, b)) << text;
    EXPECT_EQ(a, b) << text;
  }
  EXPECT_FALSE(view.SameTables(LiteralPrefilter::FromLiterals({"user unknown"})));
}

TEST(LiteralPrefilterTest, MostReasonPatternsAreSplit) { EXPECT_GE(SplitReasonCountForTest(), 20); }

TEST(LiteralPrefilterTest, ReasonPatternsAreNearlyAllFiltered) {
  EXPECT_GE(PrefilteredReasonCountForTest(), 25);
}

TEST(LiteralPrefilterTest, NeverRulesOutAMatchingPatternOnCorpusText) {
  size_t lines = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(BW_TEST_DATA_DIR) / "corpus/maildir")) {
    if (!e.is_regular_file()) {
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Whole paragraphs and single lines: the classifier sees both shapes.
    std::istringstream split(raw);
    std::string line;
    std::string para;
    while (std::getline(split, line)) {
      ++lines;
      EXPECT_EQ(PrefilterMissForTest(line), "") << e.path() << ": " << line;
      EXPECT_EQ(SplitMismatchForTest(line), "") << e.path() << ": " << line;
      if (line.empty() || line == "\r") {
        EXPECT_EQ(PrefilterMissForTest(para), "") << e.path();
        EXPECT_EQ(SplitMismatchForTest(para), "") << e.path() << ": " << para;
        para.clear();
      } else {
        para += line + " ";
      }
    }
  }
  EXPECT_GT(lines, 10000u);
}

}  // namespace
}  // namespace bw::ingest
