// SPDX-License-Identifier: Apache-2.0
#include "ingest/classify/reason.h"

#include <atomic>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/classify/reason_pcre2.h"
#include "ingest/classify/reason_tables.h"

namespace bw::ingest {
namespace {

std::string Classify(std::string_view status, std::string_view diag, std::string_view cmd = {},
                     std::string_view action = {}) {
  ReasonInput in;
  in.status = status;
  in.diagnostic = diag;
  in.smtp_command = cmd;
  in.action = action;
  return ClassifyReason(in);
}

// First: the patterns' alternatives are compiled on first use (AltMatcherTable in reason.cc),
// and here several threads first use them at once; each must get every text's reason, every time.
TEST(ReasonTest, ThreadsClassifyingAtOnceGetTheirReasons) {
  struct Case {
    std::string text, reason;
  };
  std::vector<Case> cases = {
      {"Mailbox quota exceeded for account no. ", "mailboxfull"},
      {"Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "blocked"},
      {"Message rejected: spf check failed for host.example.net", "authfailure"},
      {"552 Mailbox is full", "mailboxfull"},
      {"554 Relay access denied", "norelaying"},
      {"550 5.7.1 Message rejected as spam by Content Filtering", "spamdetected"},
      {"The email account that you tried to reach is disabled.", "suspend"},
      {"Hello there, apples", ""},
  };
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {  // past the JIT compilation too
        for (const Case& c : cases) {
          if (MatchReasonText(c.text + std::string(static_cast<size_t>(k), ' ')) != c.reason) {
            ++wrong;
          }
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ReasonTest, SesSubtypesKeepWorking) {
  ReasonInput in;
  in.ses_subtype = "Suppressed";
  EXPECT_EQ(ClassifyReason(in), "suppressed");
  in.ses_subtype = "OnAccountSuppressionList";
  EXPECT_EQ(ClassifyReason(in), "suppressed");
  in.ses_subtype = "MailboxFull";
  EXPECT_EQ(ClassifyReason(in), "mailboxfull");
  in.ses_subtype = "NoEmail";
  EXPECT_EQ(ClassifyReason(in), "userunknown");
  in.ses_subtype = "General";
  in.status = "5.1.1";
  EXPECT_EQ(ClassifyReason(in), "userunknown");
}

TEST(ReasonTest, StatusCodeDecidesWhenTextIsSilent) {
  EXPECT_EQ(Classify("5.1.1", "550 5.1.1 sorry"), "userunknown");
  EXPECT_EQ(Classify("5.1.2", ""), "hostunknown");
  EXPECT_EQ(Classify("5.2.2", "mailbox says no"), "mailboxfull");
  EXPECT_EQ(Classify("5.3.4", ""), "mesgtoobig");
  EXPECT_EQ(Classify("2.1.5", "250 ok"), "delivered");
  EXPECT_EQ(Classify("5.7.26", "550 5.7.26 unauthenticated"), "authfailure");
}

TEST(ReasonTest, TextOfManyMtas) {
  EXPECT_EQ(Classify("",
                     "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown in "
                     "local recipient table",
                     "RCPT"),
            "userunknown");
  EXPECT_EQ(Classify("5.0.0", "552 Mailbox is full"), "mailboxfull");
  EXPECT_EQ(Classify("", "554 Relay access denied", "RCPT"), "norelaying");
  EXPECT_EQ(Classify("5.0.0", "host unknown. Name server: nowhere.example: host not found"),
            "hostunknown");
  EXPECT_EQ(Classify("4.4.7", "Message expired after sitting in queue for 5 days"), "expired");
  EXPECT_EQ(Classify("5.7.1", "550 5.7.1 Message rejected as spam by Content Filtering"),
            "spamdetected");
  EXPECT_EQ(Classify("", "421 Too many connections from your host", "CONN"), "toomanyconn");
  EXPECT_EQ(Classify("", "550 5.7.1 Client host rejected: cannot find your reverse hostname"),
            "requireptr");
  EXPECT_EQ(Classify("5.0.0", "The email account that you tried to reach is disabled."), "suspend");
}

TEST(ReasonTest, DataPhaseUnknownUserIsFiltered) {
  EXPECT_EQ(Classify("", "550 Unknown user (in reply to end of DATA command)", "DATA"), "filtered");
  EXPECT_EQ(Classify("", "550 Unknown user", "RCPT"), "userunknown");
}

TEST(ReasonTest, FallbacksWhenNothingMatches) {
  EXPECT_EQ(Classify("", ""), "undefined");
  EXPECT_EQ(Classify("", "something odd happened"), "onhold");
  EXPECT_EQ(Classify("", "", "", "delayed"), "expired");
}

TEST(ReasonTest, MatchReasonTextAndStatusTable) {
  EXPECT_EQ(MatchReasonText("Mailbox quota exceeded"), "mailboxfull");
  EXPECT_EQ(MatchReasonText("nothing to see"), "");
  EXPECT_EQ(ReasonFromStatus("5.1.10"), "notaccept");
  EXPECT_EQ(ReasonFromStatus("9.9.9"), "");
  EXPECT_TRUE(LooksLikeVacation("I am out of the office until Monday"));
  EXPECT_FALSE(LooksLikeVacation("550 user unknown"));
}

// The table lookup answers as a walk of the whole table would, for every code of the table and
// for every string of a code's shape and near it (leading zeros, three-digit details, other
// classes, trailing bytes).
TEST(ReasonTest, StatusLookupAnswersAsTheTableWalk) {
  const auto table = StatusTableForTest();
  ASSERT_GT(table.size(), 90u);
  const auto walk = [&](std::string_view code) {
    for (const auto& [c, r] : table) {
      if (c == code) {
        return r;
      }
    }
    return std::string_view{};
  };
  for (const auto& [code, reason] : table) {
    EXPECT_EQ(ReasonFromStatus(code), reason) << code;
  }
  int named = 0;
  const std::string digits = "0123456789";
  for (char klass : std::string("0123456789x")) {
    for (char subject : digits) {
      for (int detail = 0; detail < 1000; ++detail) {
        const std::string base = std::string(1, klass) + "." + subject + ".";
        for (const std::string& code :
             {base + std::to_string(detail), base + "0" + std::to_string(detail),
              base + std::to_string(detail) + " ", base + std::to_string(detail) + ".0"}) {
          EXPECT_EQ(ReasonFromStatus(code), walk(code)) << code;
          named += ReasonFromStatus(code).empty() ? 0 : 1;
        }
      }
    }
  }
  EXPECT_EQ(named, static_cast<int>(table.size()));
  for (std::string_view odd : {"", "5", "5.", "5.1", "5.1.", ".1.1", "5..1", "5.1.1.", "51.1.1",
                               "5.11.1", "5.a.1", "5.1.a", "5.1.1a"}) {
    EXPECT_EQ(ReasonFromStatus(odd), "") << odd;
  }
}

TEST(ReasonTest, RepeatedAndAlternatingTextsGiveTheirOwnReasons) {
  // The classifier keeps the last text's pattern results for a text with the same bytes: texts
  // of the same length, the same text with other codes and commands, and the detectors' entry
  // points in between must each still get their own answer.
  const std::string a = "552 Mailbox is full.....";
  const std::string b = "554 Relay access denied.";
  const std::string c = "550 Unknown user........";
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), c.size());
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(Classify("5.0.0", a), "mailboxfull") << round;
    EXPECT_EQ(Classify("", b, "RCPT"), "norelaying") << round;
    EXPECT_EQ(Classify("", b, "RCPT"), "norelaying") << round;
    EXPECT_EQ(Classify("", c, "DATA"), "filtered") << round;
    EXPECT_EQ(Classify("", c, "RCPT"), "userunknown") << round;
    EXPECT_EQ(MatchReasonText(a), "mailboxfull") << round;
    EXPECT_EQ(Classify("5.0.0", a), "mailboxfull") << round;
    EXPECT_EQ(MatchReasonText(b), "norelaying") << round;
    EXPECT_FALSE(LooksLikeVacation(b)) << round;
    EXPECT_EQ(Classify("", "The email account that you tried to reach is disabled."), "suspend");
    EXPECT_EQ(Classify("5.2.2", "mailbox says no"), "mailboxfull") << round;
    EXPECT_EQ(Classify("", "MAILBOX SAYS NO"), "onhold") << round;
  }
}

TEST(ReasonTest, AFewClassificationsCompileNothingForTheJit) {
  // An `ingest-mail` of one mail classifies a few texts: far below the first JIT compilation's
  // budget. (Only meaningful while no other test of this process has JIT-compiled a pattern.)
  if (JitCompilationCountForTest() != 0) {
    GTEST_SKIP() << "another test of this process has already JIT-compiled patterns";
  }
  const std::string tail = "@example.org>: Recipient address rejected: User unknown";
  for (int k = 0; k < 50; ++k) {
    EXPECT_EQ(MatchReasonText("550 5.1.1 <user" + std::to_string(k) + tail), "userunknown");
  }
  EXPECT_EQ(JitCompilationCountForTest(), 0u);
}

TEST(ReasonTest, PatternsGiveTheSameAnswersBeforeAndAfterTheirJitCompilation) {
  // Patterns run in PCRE2's interpreter until their runs have cost about as much as a JIT
  // compilation, and JIT-compiled after that (LazyCode in reason.cc: ≈ 256 KiB of text for the
  // process's first compilation, 32 KiB for each later one, counting 256 bytes a run): a thousand
  // different texts per shape, so that every run is a new match (the memo keeps the results of
  // a repeated text) and each pattern crosses its budget; each must get its reason every time.
  struct Shape {
    std::string before, after, reason;
  };
  const std::vector<Shape> shapes = {
      {"<user", "@example.org>: Recipient address rejected: User unknown in local recipient table",
       "userunknown"},
      {"Mailbox quota exceeded for account no. ", "", "mailboxfull"},
      {"Service unavailable; Client host [192.0.2.", "] blocked using zen.spamhaus.org", "blocked"},
      {"Message rejected: spf check failed for ", ".example.net", "authfailure"},
      {"Hello there, ", " apples", ""},
  };
  const uint32_t compiled_before = JitCompilationCountForTest();
  for (const Shape& shape : shapes) {
    for (int k = 0; k < 1000; ++k) {
      const std::string text = shape.before + std::to_string(k) + shape.after;
      ASSERT_EQ(MatchReasonText(text), shape.reason) << text;
    }
  }
  EXPECT_GT(JitCompilationCountForTest(), compiled_before);
}

TEST(ReasonTest, EveryPatternCompiles) { EXPECT_EQ(BrokenPatternCountForTest(), 0); }

// reason_prefilter_gen compiles the patterns at build time; the classifier decodes those codes
// instead of compiling (a third of a short process's one-time cost). They must be the codes a
// compile gives now, for every pattern it may run.
TEST(ReasonTest, TheBuildsPatternCodesAreWhatCompilingGives) {
  EXPECT_EQ(BuildCodeMismatchForTest(), "");
}

// The key of a pattern's build-time code (reason_pcre2.h) reads the text 8 bytes at a time, then
// byte by byte: every byte, in a word or in the tail, must change it, and it must be the same
// computed at compile time (as a build step may) and at run time.
TEST(ReasonTest, PatternKeyDependsOnEveryByte) {
  using reason_pcre2::PatternKey;
  for (size_t size : {1u, 7u, 8u, 9u, 16u, 23u, 64u}) {
    const std::string base(size, 'a');
    const uint64_t key = PatternKey(base);
    for (size_t i = 0; i < size; ++i) {
      for (char c : {'b', '\x80', '\xff'}) {
        std::string changed = base;
        changed[i] = c;
        EXPECT_NE(PatternKey(changed), key) << "size " << size << ", byte " << i;
      }
    }
  }
  // Two texts that differ only in a word's top byte, then in two words that a weaker fold would
  // confuse (the top byte's change cancelled by the next word's).
  EXPECT_NE(PatternKey("aaaaaaaXaaaaaaaa"), PatternKey("aaaaaaaYaaaaaaaa"));
  EXPECT_NE(PatternKey("aaaaaaaXaaaaaaaX"), PatternKey("aaaaaaaYaaaaaaaY"));
  constexpr uint64_t kAtCompileTime = PatternKey("(?:mailbox (?:is )?full|quota exceeded)");
  std::string at_run_time = "(?:mailbox (?:is )?full|quota exceeded)";
  EXPECT_EQ(PatternKey(at_run_time), kAtCompileTime);
  EXPECT_EQ(PatternKey(""), 0xcbf29ce484222325u);
}

TEST(ReasonTest, HardRule) {
  EXPECT_TRUE(IsHardReason("userunknown"));
  EXPECT_TRUE(IsHardReason("hostunknown"));
  EXPECT_TRUE(IsHardReason("hasmoved"));
  EXPECT_TRUE(IsHardReason("suppressed"));
  EXPECT_TRUE(IsHardReason("notaccept", "5.1.10"));
  EXPECT_FALSE(IsHardReason("notaccept", "421"));
  EXPECT_FALSE(IsHardReason("notaccept"));
  EXPECT_FALSE(IsHardReason("mailboxfull", "5.2.2"));
  EXPECT_FALSE(IsHardReason("feedback"));
}

TEST(ReasonTest, PriorityPhrasesWinInTableOrder) {
  // Every phrase alone, and every pair of phrases in one text (the later phrase of the table
  // first): the first phrase of the table that the text contains gives the reason, whatever the
  // other fields say (the phrase bits of the scan are read 64 at a time).
  using reason_tables::kPriorityPhrases;
  const auto expected = [](std::string_view lower) {
    for (const auto& p : kPriorityPhrases) {
      if (lower.find(p.needle) != std::string_view::npos) {
        return std::string(p.reason);
      }
    }
    return std::string();
  };
  const size_t count = std::size(kPriorityPhrases);
  for (size_t k = 0; k < count; ++k) {
    for (size_t m = k; m < count; ++m) {
      std::string text = "550 " + std::string(kPriorityPhrases[m].needle);
      if (m != k) {
        text += " / " + std::string(kPriorityPhrases[k].needle);
      }
      ReasonInput in;
      in.diagnostic = text;
      in.status = "5.0.0";
      const std::string want = expected(text);
      ASSERT_FALSE(want.empty()) << text;
      ASSERT_EQ(ClassifyReason(in), want) << text;
    }
  }
}

TEST(ReasonTest, EveryPlainAlternativeAloneMatchesAsTheWholePattern) {
  // A text holding one plain alternative of a split pattern: the alternative-by-alternative
  // match (the set bits of the reason's range of alternatives, a 64-bit word at a time, the
  // range's first and last word masked) agrees with running the whole pattern, for every
  // alternative, so also those at either end of a reason's range and of a word.
  const std::vector<std::string> plain = PlainAlternativesForTest();
  ASSERT_GT(plain.size(), 100u);
  for (const std::string& p : plain) {
    EXPECT_EQ(SplitMismatchForTest(p), "") << p;
    EXPECT_EQ(SplitMismatchForTest("Error: " + p + " (retry)"), "") << p;
  }
}

}  // namespace
}  // namespace bw::ingest
