// SPDX-License-Identifier: Apache-2.0
// The literal prefilter in front of the reason patterns: the literals it derives, and that it
// never rules out a pattern that matches (checked on every line of every corpus mail).
#include "ingest/classify/literal_prefilter.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>

#include "ingest/classify/reason.h"

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
  // A mandatory group contributes one literal per alternative.
  EXPECT_EQ(Lits("(?:blocked|refused)[ ]-"), (std::vector<std::string>{"blocked", "refused"}));
  // Optional characters and groups are not required.
  EXPECT_EQ(Lits("mailbox[ ]?full"), (std::vector<std::string>{"mailbox"}));
  EXPECT_EQ(Lits("(?:quota[ ])?exceeded"), (std::vector<std::string>{"exceeded"}));
  // Extended mode: spaces and comments are not part of the pattern; upper case is folded.
  EXPECT_EQ(Lits("  Host[ ]Unknown   # comment\n"), (std::vector<std::string>{"host unknown"}));
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
      if (line.empty() || line == "\r") {
        EXPECT_EQ(PrefilterMissForTest(para), "") << e.path();
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
