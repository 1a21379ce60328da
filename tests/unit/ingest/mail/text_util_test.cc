// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/text_util.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "testing/piece_text.h"

namespace bw::mail {
namespace {

TEST(TextUtilTest, FindAddress) {
  EXPECT_EQ(FindAddress("rfc822; <kijitora@example.jp>"), "kijitora@example.jp");
  EXPECT_EQ(FindAddress("  \"neko@example.org\":"), "neko@example.org");
  EXPECT_EQ(FindAddress("no address here"), "");
  EXPECT_EQ(FindAddress("user@localhost"), "user@localhost");
}

TEST(TextUtilTest, StatusAndReplyCode) {
  EXPECT_EQ(FindStatus("host said: 550 5.1.1 <a@b.example>: unknown"), "5.1.1");
  EXPECT_EQ(FindStatus("from 192.0.2.1 said"), "");
  EXPECT_EQ(FindStatus("(#5.4.4)"), "5.4.4");
  EXPECT_EQ(FindReplyCode("host [192.0.2.20]: 550 5.7.0 go away"), "550");
  EXPECT_EQ(FindReplyCode("id 12345 only"), "");
}

TEST(TextUtilTest, SmtpCommand) {
  EXPECT_EQ(FindSmtpCommand("(in reply to RCPT TO command)"), "RCPT");
  EXPECT_EQ(FindSmtpCommand("SMTP error from remote mail server after end of data:"), "DATA");
  EXPECT_EQ(FindSmtpCommand("after MAIL FROM:<a@b.example>"), "MAIL");
  EXPECT_EQ(FindSmtpCommand("nothing"), "");
}

TEST(TextUtilTest, ValidUtf8ReplacesBadBytes) {
  EXPECT_EQ(ValidUtf8("ok \xe3\x81\x82"), "ok \xe3\x81\x82");
  EXPECT_EQ(ValidUtf8("bad \xff!"), "bad \xef\xbf\xbd!");
  EXPECT_EQ(ValidUtf8("ctl\x01x"), "ctl x");
}

// ---- the fast scanners against plain byte-by-byte references ----

// Small strings over an alphabet that exercises case, white space runs and the probes' letters.
std::vector<std::string> SampleStrings() {
  std::vector<std::string> out = {
      "",     " ",      "\t",       "a",       "A b",         " lead",          "trail ",
      "a  b", "a\t\nb", "x \r\n y", "RCPT TO", "after  DATA", "\xc3\xa9 \xff Z"};
  const std::string_view alphabet = "aAbBrRcCpPtTdD \t\n\r@.\xe9Zz";
  std::mt19937 rng(6);  // fixed seed: the same strings every run
  for (int k = 0; k < 3000; ++k) {
    std::string s(rng() % 40, ' ');
    for (auto& c : s) {
      c = alphabet[rng() % alphabet.size()];
    }
    out.push_back(std::move(s));
  }
  return out;
}

char RefLow(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string RefSqueeze(std::string_view s) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending = !out.empty();
      continue;
    }
    if (pending) {
      out.push_back(' ');
      pending = false;
    }
    out.push_back(c);
  }
  return out;
}

size_t RefIFind(std::string_view h, std::string_view n, size_t from) {
  for (size_t i = from; i + n.size() <= h.size(); ++i) {
    size_t j = 0;
    while (j < n.size() && RefLow(h[i + j]) == RefLow(n[j])) {
      ++j;
    }
    if (j == n.size()) {
      return i;
    }
  }
  return std::string_view::npos;
}

TEST(TextUtilTest, ToLowerMatchesBytewiseLowerCaseForEveryByteAndAlignment) {
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all.push_back(static_cast<char>(c));
  }
  for (size_t off = 0; off < 9; ++off) {
    std::string_view s = std::string_view(all).substr(off);
    std::string want;
    for (char c : s) {
      want.push_back(RefLow(c));
    }
    EXPECT_EQ(ToLower(s), want) << "offset " << off;
  }
  EXPECT_EQ(ToLower("MAILER-Daemon@EXAMPLE.jp \xc3\x89"), "mailer-daemon@example.jp \xc3\x89");
}

// ToLower takes one path up to 128 bytes and another above: every length on both sides, with the
// bytes around the letters' range ('@', 'A', 'Z', '[', '`', 'a', 'z', '{', 0x80, 0xc1, 0xff) at
// every position.
TEST(TextUtilTest, ToLowerIsBytewiseLowerCaseAtEveryLength) {
  const std::string edges = "@AZ[`az{\x80\xc1\xff";
  for (size_t n = 0; n <= 300; ++n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      s.push_back(edges[(i * 7 + n) % edges.size()]);
    }
    std::string want;
    for (char c : s) {
      want.push_back(RefLow(c));
    }
    ASSERT_EQ(ToLower(s), want) << "length " << n;
  }
}

TEST(TextUtilTest, IEqualsMatchesBytewiseFoldingForEveryBytePairAndLength) {
  auto ref = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (RefLow(a[i]) != RefLow(b[i])) {
        return false;
      }
    }
    return true;
  };
  // Every pair of bytes at every position of strings of 1 to 17 bytes (word and tail paths).
  for (size_t len = 1; len <= 17; ++len) {
    for (size_t pos = 0; pos < len; pos += (len > 9 ? 3 : 1)) {
      for (int c1 = 0; c1 < 256; ++c1) {
        for (int c2 = 0; c2 < 256; c2 += (c1 % 7 == 0 ? 1 : 13)) {
          std::string a(len, 'q');
          std::string b(len, 'Q');
          a[pos] = static_cast<char>(c1);
          b[pos] = static_cast<char>(c2);
          ASSERT_EQ(IEquals(a, b), ref(a, b)) << len << " " << pos << " " << c1 << " " << c2;
        }
      }
    }
  }
  EXPECT_TRUE(IEquals("Content-Transfer-Encoding", "content-transfer-encoding"));
  EXPECT_FALSE(IEquals("Content-Transfer-Encoding", "content-transfer-encodinG "));
  EXPECT_FALSE(IEquals("[", "{"));  // 0x5b and 0x7b differ by 0x20 but are not letters
  EXPECT_FALSE(IEquals("abcdefgh@", "ABCDEFGH`"));
  EXPECT_TRUE(IEquals("", ""));
}

TEST(TextUtilTest, IEqualsLowerIsIEqualsForEveryByteAtEveryPosition) {
  // `lower` without capitals, built from bytes that fold into letters with 0x20 or sit next to
  // the letter ranges ('@', '[', '`', '{', '-', CR's partner), and bytes above 0x7f; `s` is
  // `lower` with one byte replaced by each of the 256, at every position, for sizes 0 to 25
  // (the byte loop, one word, several words, overlapping tails).
  const std::string_view alphabet(
      "az-@[`{\r\x80\xc1\xfa"
      "09 ",
      14);
  bw::testing::PieceText gen(5);
  size_t equal = 0;
  for (size_t len = 0; len <= 25; ++len) {
    for (int round = 0; round < 3; ++round) {
      std::string lower = gen.NextBytes(alphabet, len);
      for (char& c : lower) {
        c = static_cast<char>(RefLow(c));
      }
      ASSERT_TRUE(IEqualsLower(lower, lower));
      for (size_t pos = 0; pos < len; ++pos) {
        for (int c = 0; c < 256; ++c) {
          std::string s = lower;
          s[pos] = static_cast<char>(c);
          const bool want = IEquals(s, lower);
          ASSERT_EQ(IEqualsLower(s, lower), want) << len << " " << pos << " " << c;
          equal += want ? 1 : 0;
        }
      }
      std::string upper = lower;
      for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      EXPECT_TRUE(IEqualsLower(upper, lower)) << upper;
      upper.push_back('x');
      EXPECT_FALSE(IEqualsLower(upper, lower));
    }
  }
  EXPECT_GT(equal, 300u);  // the letters' two cases, and each byte itself
  EXPECT_TRUE(IEqualsLower("Final-Recipient", "final-recipient"));
  EXPECT_FALSE(IEqualsLower("Final\rRecipient", "final-recipient"));  // CR | 0x20 is '-'
  EXPECT_FALSE(IEqualsLower("[", "{"));
}

TEST(TextUtilTest, SplitLinesMatchesALineByLineSplit) {
  const auto reference = [](std::string_view text) {
    std::vector<std::string_view> lines;
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
  };
  bw::testing::PieceText gen(4242);
  for (int round = 0; round < 5000; ++round) {
    const size_t len = static_cast<size_t>(round % 97);
    std::string s;
    s += gen.NextBytes(std::string_view("ab\r\n\n xyz", 10), len);  // 10: NUL included
    const auto got = SplitLines(s);
    const auto want = reference(s);
    ASSERT_EQ(got, want) << ::testing::PrintToString(s);
    for (size_t k = 0; k < got.size(); ++k) {
      ASSERT_EQ(got[k].data(), want[k].data()) << k;  // views into the text
    }
  }
  EXPECT_EQ(SplitLines("a\r\nb\n\nc"), (std::vector<std::string_view>{"a", "b", "", "c"}));
  EXPECT_TRUE(SplitLines("").empty());
}

TEST(TextUtilTest, LineFromWalksTheLinesSplitLinesGives) {
  bw::testing::PieceText gen(977);
  for (int round = 0; round < 5000; ++round) {
    const size_t len = static_cast<size_t>(round % 61);
    std::string s = gen.NextBytes(std::string_view("ab\r\n\n x\0", 8), len);  // NUL included
    std::vector<std::string_view> walked;
    for (size_t start = 0, next = 0; start < s.size(); start = next) {
      walked.push_back(LineFrom(s, start, next));
      ASSERT_GT(next, start);
      ASSERT_LE(next, s.size());
    }
    const auto want = SplitLines(s);
    ASSERT_EQ(walked, want) << ::testing::PrintToString(s);
    for (size_t k = 0; k < walked.size(); ++k) {
      ASSERT_EQ(walked[k].data(), want[k].data()) << k;  // views into the text
    }
  }
  size_t next = 0;
  EXPECT_EQ(LineFrom("a\r\nb", 0, next), "a");
  EXPECT_EQ(next, 3u);
  EXPECT_EQ(LineFrom("a\r\nb", 3, next), "b");
  EXPECT_EQ(next, 4u);
  EXPECT_EQ(LineFrom("\r", 0, next), "");  // a CR alone is a line end dropped
  EXPECT_EQ(next, 1u);
  EXPECT_EQ(LineFrom("x\r\r\n", 0, next), "x\r");  // only the CR before the LF goes
  EXPECT_EQ(next, 4u);
}

// The bit set PhraseSet::Scan should return: one std::string_view::find per phrase.
uint64_t FindEachPhrase(std::string_view text, const std::vector<std::string_view>& phrases) {
  uint64_t bits = 0;
  for (size_t k = 0; k < phrases.size(); ++k) {
    if (text.find(phrases[k]) != std::string_view::npos) {
      bits |= uint64_t{1} << k;
    }
  }
  return bits;
}

TEST(TextUtilTest, PhraseSetFindsWhatOneFindPerPhraseFinds) {
  // Few distinct bytes, so that phrases overlap, share beginnings and endings, sit inside each
  // other and hash alike, and texts hold them at every offset (start, end, cut short). NUL, CR,
  // LF and bytes above 0x7f are compared as they are.
  const std::string_view alphabets[] = {std::string_view("ab", 2), std::string_view("abc ", 4),
                                        std::string_view("a\0\xff\r\n", 5),
                                        std::string_view("the mail sy", 11)};
  bw::testing::PieceText gen(2024);
  size_t found = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::string_view alphabet = alphabets[round % std::size(alphabets)];
    const size_t count = 1 + static_cast<size_t>(round) % PhraseSet::kMaxPhrases;
    std::vector<std::string> owned;
    for (size_t k = 0; k < count; ++k) {
      owned.push_back(gen.NextBytes(
          alphabet, PhraseSet::kMinPhraseSize + (static_cast<size_t>(round) * 7 + k) % 14));
    }
    const std::vector<std::string_view> phrases(owned.begin(), owned.end());
    const PhraseSet set(phrases);  // views of `owned`
    for (size_t t = 0; t < 8; ++t) {
      std::string text = gen.NextBytes(alphabet, (static_cast<size_t>(round) * 13 + t * 29) % 90);
      if (t % 3 == 0) {
        text = owned[t % count] + text;  // a phrase at the start
      } else if (t % 3 == 1) {
        text += owned[static_cast<size_t>(round) % count];  // at the end
      }
      const uint64_t want = FindEachPhrase(text, phrases);
      ASSERT_EQ(set.Scan(text), want) << ::testing::PrintToString(text) << " round " << round;
      found += want != 0 ? 1 : 0;
    }
  }
  EXPECT_GT(found, 10000u);  // most texts held some phrase
}

TEST(TextUtilTest, PhraseSetOfConstantPhrasesIsBuiltAtCompileTimeAsAtRunTime) {
  // The detectors' sets are `static const` of constant phrases: the compiler builds them.
  // `constexpr` here fails to compile if the constructor cannot run at compile time, and the
  // tables must be what building the set at run time gives.
  static constexpr std::string_view kPhrases[] = {"the mail system", "qmail-send program",
                                                  "auto:", "r\xc3\xa9ponse automatique",
                                                  "\xe4\xb8\x8d\xe5\x9c\xa8"};
  static constexpr PhraseSet kAtCompileTime(kPhrases);
  volatile size_t count = std::size(kPhrases);  // not a constant: built at run time
  const std::vector<std::string_view> phrases(kPhrases, kPhrases + count);
  const PhraseSet at_run_time(phrases);
  EXPECT_TRUE(kAtCompileTime == at_run_time);
  EXPECT_FALSE(kAtCompileTime == PhraseSet(std::span(phrases).first(count - 1)));
  EXPECT_EQ(kAtCompileTime.Scan("from the mail system: auto: r\xc3\xa9ponse automatique"), 0b1101u);
}

TEST(TextUtilTest, PhraseSetOddSizes) {
  // The shortest phrase sets the window; phrases longer than the longest window (257 bytes);
  // texts shorter than the window, empty, or exactly one phrase.
  const std::string long_a(300, 'a');
  const std::string long_b = std::string(299, 'a') + "b";
  const std::vector<std::string_view> longs = {long_a, long_b};
  const PhraseSet big(longs);
  EXPECT_EQ(big.Scan(""), 0u);
  EXPECT_EQ(big.Scan(long_a), 1u);
  EXPECT_EQ(big.Scan("x" + long_b), 2u);
  EXPECT_EQ(big.Scan(std::string(600, 'a') + "b"), 3u);
  EXPECT_EQ(big.Scan(std::string(299, 'a')), 0u);
  const std::vector<std::string_view> mixed = {"abcd", "bcdefghijklmnop", "zzzz"};
  const PhraseSet set(mixed);
  EXPECT_EQ(set.Scan("abc"), 0u);
  EXPECT_EQ(set.Scan("abcd"), 1u);
  EXPECT_EQ(set.Scan("abcdefghijklmnop"), 3u);  // one inside the other's span
  EXPECT_EQ(set.Scan("bcdefghijklmnozzzz"), 4u);
  // All 64 bits: every phrase present, and the scan stops early without losing one.
  std::vector<std::string> owned;
  for (size_t k = 0; k < PhraseSet::kMaxPhrases; ++k) {
    std::string phrase = "p";
    phrase += std::to_string(k + 100);
    phrase += 'q';
    owned.push_back(phrase);
  }
  const PhraseSet all(std::vector<std::string_view>(owned.begin(), owned.end()));
  std::string text;
  for (const auto& p : owned) {
    text += p + " ";
  }
  EXPECT_EQ(all.Scan(text), ~uint64_t{0});
  EXPECT_EQ(all.Scan(text.substr(6)), ~uint64_t{1});
}

TEST(TextUtilTest, PhraseSetFindsPhrasesAtEveryPositionAroundItsCursorsRanges) {
  // Scan walks the window ends in four ranges, one cursor each: every phrase at every position
  // of texts of every length up to ~8 windows (ranges of 0 to ~2 windows, a phrase across each
  // range edge, at the start and at the end), in filler that lets the windows move by the most
  // ('x') and filler made of the phrases' bytes (many stops); a second phrase after the first.
  const std::vector<std::string_view> phrases = {"mail system", "the mail", "delivery to",
                                                 "mailbox full", "ail s"};
  const PhraseSet set(phrases);  // window: 5 bytes
  const std::string_view fillers[] = {"x", "xxl", "ma il sy"};
  size_t checked = 0;
  for (std::string_view filler : fillers) {
    for (size_t size = 0; size <= 45; ++size) {
      std::string base;
      while (base.size() < size) {
        base += filler;
      }
      base.resize(size);
      ASSERT_EQ(set.Scan(base), FindEachPhrase(base, phrases)) << base;
      for (size_t k = 0; k < phrases.size(); ++k) {
        for (size_t at = 0; at + phrases[k].size() <= size; ++at) {
          std::string text = base;
          text.replace(at, phrases[k].size(), phrases[k]);
          ASSERT_EQ(set.Scan(text), FindEachPhrase(text, phrases)) << text;
          const std::string_view second = phrases[(k + 1) % phrases.size()];
          for (size_t at2 = at + phrases[k].size(); at2 + second.size() <= size; at2 += 3) {
            std::string two = text;
            two.replace(at2, second.size(), second);
            ASSERT_EQ(set.Scan(two), FindEachPhrase(two, phrases)) << two;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 5000u);
  // Phrases like the detectors' (a 15-byte window) in texts of up to 8 windows.
  const std::vector<std::string_view> readable = {
      "the mail system", "----- transcript of session follows -----",   "qmail-send program",
      "hi. this is the", "delivery to the following recipients failed", "this is the mail system",
  };
  const PhraseSet detectors(readable);
  for (size_t size = 0; size <= 125; ++size) {
    const std::string base(size, 'x');
    for (size_t k = 0; k < readable.size(); ++k) {
      for (size_t at = 0; at + readable[k].size() <= size; ++at) {
        std::string text = base;
        text.replace(at, readable[k].size(), readable[k]);
        ASSERT_EQ(detectors.Scan(text), FindEachPhrase(text, readable)) << text;
      }
    }
  }
}

TEST(TextUtilTest, JoinReplyLinesMatchesAByteLoop) {
  // The byte loop JoinReplyLines used to be: continuation prefixes ("550-5.1.1 ", "550-") after
  // the first are dropped.
  const auto reference = [](std::string_view s) {
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    std::string out;
    bool first = true;
    size_t run = 0;
    size_t i = 0;
    while (i < s.size()) {
      bool boundary = i == 0 || s[i - 1] == ' ';
      if (boundary && i + 4 <= s.size() && s[i] >= '2' && s[i] <= '5' && digit(s[i + 1]) &&
          digit(s[i + 2]) && (s[i + 3] == '-' || s[i + 3] == ' ')) {
        size_t j = i + 4;
        std::string st = FindStatus(s.substr(j, 12));
        if (!st.empty() && s.substr(j, st.size()) == st && j + st.size() < s.size() &&
            s[j + st.size()] == ' ') {
          j += st.size() + 1;
        } else if (s[i + 3] == ' ') {
          j = i;
        }
        if (j != i) {
          out.append(s.substr(run, i - run));
          if (first) {
            out.append(s.substr(i, j - i));
            first = false;
          }
          i = j;
          run = j;
          continue;
        }
      }
      ++i;
    }
    out.append(s.substr(run));
    return out;
  };
  EXPECT_EQ(JoinReplyLines("550-5.1.1 The email account does not exist. 550-5.1.1 Please try "
                           "550 5.1.1 again"),
            "550-5.1.1 The email account does not exist. Please try again");
  static constexpr std::string_view kPieces[] = {
      "550-",       "550 ",  "5.1.1 ", "4.2.2", " ", "text", "2",          "5",     "6",
      "421-4.7.0 ", "x550-", "55",     "0-",    "1", "\n",   "250 2.0.0 ", "5.7.1", "-"};
  bw::testing::PieceText gen(31337);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int pieces = round % 40;
    s += gen.Next(kPieces, static_cast<size_t>(pieces));
    ASSERT_EQ(JoinReplyLines(s), reference(s)) << s;
    std::string in_place = s;
    JoinReplyLinesInPlace(in_place);
    ASSERT_EQ(in_place, reference(s)) << s;
  }
}

TEST(TextUtilTest, StatusAndReplyCodeMatchByteLoopsOnGeneratedText) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto status_ref = [&](std::string_view s) {
    std::string first;
    for (size_t i = 0; i + 5 <= s.size(); ++i) {
      char c = s[i];
      if ((c != '2' && c != '4' && c != '5') || s[i + 1] != '.') {
        continue;
      }
      if (i > 0 && (digit(s[i - 1]) || s[i - 1] == '.')) {
        continue;
      }
      size_t j = i + 2;
      size_t d1 = j;
      while (j < s.size() && digit(s[j]) && j - d1 < 3) {
        ++j;
      }
      if (j == d1 || j >= s.size() || s[j] != '.') {
        continue;
      }
      size_t d2 = ++j;
      while (j < s.size() && digit(s[j]) && j - d2 < 3) {
        ++j;
      }
      if (j == d2 ||
          (j < s.size() && (digit(s[j]) || (s[j] == '.' && j + 1 < s.size() && digit(s[j + 1]))))) {
        continue;
      }
      if (c != '2') {
        return std::string(s.substr(i, j - i));
      }
      if (first.empty()) {
        first = std::string(s.substr(i, j - i));
      }
    }
    return first;
  };
  const auto reply_ref = [&](std::string_view s) {
    for (size_t i = 0; i + 3 <= s.size(); ++i) {
      char c = s[i];
      if (c != '2' && c != '4' && c != '5') {
        continue;
      }
      if (i > 0 && std::string_view(" (<\":\t\n[").find(s[i - 1]) == std::string_view::npos) {
        continue;
      }
      if (!digit(s[i + 1]) || !digit(s[i + 2]) || s[i + 1] > '5') {
        continue;
      }
      if (i + 3 < s.size() &&
          std::string_view(" -\n)\t>],:").find(s[i + 3]) == std::string_view::npos) {
        continue;
      }
      return std::string(s.substr(i, 3));
    }
    return std::string();
  };
  static constexpr std::string_view kPieces[] = {
      "5.1.1",  "2.0.0",   "4.",  "5",        ".", "7",   "x",      " ",
      "12.3.4", "5.1.1.1", "550", "(",        "-", "250", "4.7.10", "\xc5",
      "69",     "2",       "\n",  "5.1234.1", ":", "5/5", "45."};
  bw::testing::PieceText gen(2024);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int pieces = round % 30;
    s += gen.Next(kPieces, static_cast<size_t>(pieces));
    ASSERT_EQ(FindStatus(s), status_ref(s)) << s;
    ASSERT_EQ(FindReplyCode(s), reply_ref(s)) << s;
    // Both from one pass, each alone, or neither: the same codes.
    std::string status = "old";
    std::string reply = "old";
    FindStatusAndReplyCode(s, &status, &reply);
    ASSERT_EQ(status, status_ref(s)) << s;
    ASSERT_EQ(reply, reply_ref(s)) << s;
    status = "old";
    FindStatusAndReplyCode(s, &status, nullptr);
    ASSERT_EQ(status, status_ref(s)) << s;
    reply.clear();
    FindStatusAndReplyCode(s, nullptr, &reply);
    ASSERT_EQ(reply, reply_ref(s)) << s;
    FindStatusAndReplyCode(s, nullptr, nullptr);
  }
}

TEST(TextUtilTest, AddressBytesAreTheRfc5322OnesForEveryByte) {
  // Local part: ASCII letters and digits, bytes above 0x7f, and RFC 5322 atext punctuation (and
  // '.'); domain: letters, digits, bytes above 0x7f, "-._[]:".
  for (int c = 1; c < 256; ++c) {
    const char b = static_cast<char>(c);
    const bool alnum = std::isalnum(c) != 0 && c < 0x80;
    const bool local = alnum || c >= 0x80 ||
                       std::string_view("!#$%&'*+-/=?^_`{|}~.").find(b) != std::string_view::npos;
    const bool domain =
        alnum || c >= 0x80 || std::string_view("-._[]:").find(b) != std::string_view::npos;
    const std::string in_local = std::string("xa") + b + "b@example.com";
    EXPECT_EQ(FindAddress(in_local), local ? in_local : "b@example.com") << c;
    const std::string in_domain = std::string("ab@ex") + b + "ample.com";
    if (b != '.' && b != ':' && b != ']' && b != '@') {
      // Cut at a byte a domain cannot hold, "ex" has no dot: no address.
      EXPECT_EQ(FindAddress(in_domain), domain ? in_domain : "") << c;
    }
  }
}

TEST(TextUtilTest, IStartsWithFoldsAsciiCaseOnly) {
  EXPECT_TRUE(IStartsWith("Content-Type", "content-"));
  EXPECT_TRUE(IStartsWith("CONTENT-Type", "Content-"));
  EXPECT_FALSE(IStartsWith("Xontent-Type", "content-"));
  EXPECT_FALSE(IStartsWith("{ontent", "["));
  EXPECT_FALSE(IStartsWith("Con", "content-"));
  EXPECT_FALSE(IStartsWith("", "c"));
  EXPECT_TRUE(IStartsWith("", ""));
  EXPECT_TRUE(IStartsWith("abc", ""));
}

TEST(TextUtilTest, ValidUtf8MatchesAByteByByteRepair) {
  const auto reference = [](std::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t n = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
      bool ok = n > 0 && i + n <= s.size();
      for (size_t k = 1; ok && k < n; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      if (ok && n == 2 && c < 0xc2) {
        ok = false;
      }
      if (ok && n >= 3) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
            (c == 0xf4 && c1 >= 0x90) || c > 0xf4) {
          ok = false;
        }
      }
      if (ok && (c >= 0x20 || c == '\t' || c == '\n')) {
        out.append(s.substr(i, n));
        i += n;
      } else if (ok) {
        out.push_back(' ');
        i += 1;
      } else {
        out += "\xef\xbf\xbd";
        i += 1;
      }
    }
    return out;
  };
  static constexpr std::string_view kPieces[] = {
      "plain text ", "\xc3\xa9", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\xc3", "\x80", "\xff", "\r",
      "\t", "\n", "\x01", "\x7f", "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80", "\xc1\xbf",
      "0123456789abcdef",
      // the edges of the valid ranges, truncations
      "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
      "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
      "\xe3\x81", "\xf0\x9f\x98", "\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86"};
  bw::testing::PieceText gen(777);
  for (int round = 0; round < 40000; ++round) {
    std::string s;
    const int pieces = round % 25;
    s += gen.Next(kPieces, static_cast<size_t>(pieces));
    const std::string want = reference(s);
    ASSERT_EQ(ValidUtf8(s), want) << ::testing::PrintToString(s);
    std::string made = s;
    MakeValidUtf8(made);
    ASSERT_EQ(made, want) << ::testing::PrintToString(s);
  }
}

TEST(TextUtilTest, MakeValidUtf8LeavesValidTextWhereItIs) {
  // Valid multi-byte text (with printable ASCII, tab and LF around it) is neither changed nor
  // copied; one bad byte anywhere in it is replaced, the rest kept.
  const std::string valid =
      "550 5.1.1 \xe3\x81\x82\xe3\x81\x84 user unknown\t\xc3\xa9\xf0\x9f\x98\x80 "
      "\xe5\x8f\x97\xe4\xbf\xa1\xe8\x80\x85\xe3\x81\x8c\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82"
      "\x8a\xe3\x81\xbe\xe3"
      "\x81\x9b\xe3\x82\x93\n";
  std::string s = valid;
  const char* data = s.data();
  MakeValidUtf8(s);
  EXPECT_EQ(s, valid);
  EXPECT_EQ(s.data(), data);
  EXPECT_EQ(ValidUtf8(valid), valid);
  for (size_t at = 0; at < valid.size(); ++at) {
    std::string bad = valid;
    bad[at] = '\xff';
    std::string made = bad;
    MakeValidUtf8(made);
    ASSERT_EQ(made, ValidUtf8(bad)) << at;
    ASSERT_NE(made.find("\xef\xbf\xbd"), std::string::npos) << at;
  }
}

TEST(TextUtilTest, SqueezeMatchesReference) {
  for (const auto& s : SampleStrings()) {
    EXPECT_EQ(Squeeze(s), RefSqueeze(s)) << "[" << s << "]";
  }
}

TEST(TextUtilTest, SqueezeIntoMatchesSqueezeWithAReusedBuffer) {
  // One buffer for all texts, long ones before short ones and after: the view is Squeeze's text
  // whatever the buffer held before.
  std::string buffer;
  std::vector<std::string> texts = SampleStrings();
  texts.push_back(std::string(300, 'x') + " \t\r\n  " + std::string(40, 'y') + "\n");
  texts.push_back("  a  ");
  texts.push_back(std::string(17, ' '));
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& s : texts) {
      ASSERT_EQ(SqueezeInto(s, buffer), RefSqueeze(s)) << "[" << s << "]";
    }
    std::reverse(texts.begin(), texts.end());
  }
}

TEST(TextUtilTest, SqueezeMatchesReferenceOnLongHeaderLikeValues) {
  // Long values with sparse white space: whole 16-byte blocks are copied at once, and runs of
  // white space (folds) fall on every position relative to a block edge.
  std::mt19937 rng(7);
  const std::string_view words = "abcdefghijklmnopqrstuvwxyz0123456789.;=<>@\xc3\xa9";
  const std::string_view gaps[] = {" ", " ", " ", "\n\t", "\r\n ", "  ", "\t", "\n    "};
  for (int k = 0; k < 2000; ++k) {
    std::string s;
    if (rng() % 4 == 0) {
      s += gaps[rng() % std::size(gaps)];  // leading white space
    }
    size_t len = 16 + rng() % 300;
    while (s.size() < len) {
      for (size_t n = 1 + rng() % 20; n > 0; --n) {
        s.push_back(words[rng() % words.size()]);
      }
      s += gaps[rng() % std::size(gaps)];
    }
    if (rng() % 2 == 0) {
      while (!s.empty() &&
             (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
        s.pop_back();
      }
    }
    ASSERT_EQ(Squeeze(s), RefSqueeze(s)) << "[" << s << "]";
  }
}

// Squeeze moves the kept runs of a block with a dropped byte by 16-byte copies that write past
// each run: a white space run of every length at every position of texts of 16-64 bytes (one,
// several and all bytes of a block dropped, a run at the end), and texts whose every byte is
// white space or every other pair is.
TEST(TextUtilTest, SqueezeDropsWhiteSpaceRunsAtEveryPositionAndLength) {
  const std::string_view blanks = " \t\r\n";
  for (size_t n = 16; n <= 64; ++n) {
    for (size_t at = 0; at < n; ++at) {
      for (size_t len = 1; len <= 18 && at + len <= n; ++len) {
        std::string s;
        for (size_t i = 0; i < n; ++i) {
          s.push_back(i >= at && i < at + len ? blanks[(i + len) % blanks.size()]
                                              : static_cast<char>('a' + i % 26));
        }
        ASSERT_EQ(Squeeze(s), RefSqueeze(s)) << ::testing::PrintToString(s);
      }
    }
    std::string all(n, ' ');
    std::string pairs;
    for (size_t i = 0; i < n; ++i) {
      pairs.push_back(i % 4 < 2 ? 'x' : blanks[i % blanks.size()]);
    }
    ASSERT_EQ(Squeeze(all), RefSqueeze(all));
    ASSERT_EQ(Squeeze(pairs), RefSqueeze(pairs)) << ::testing::PrintToString(pairs);
  }
}

TEST(TextUtilTest, IFindMatchesReference) {
  const auto samples = SampleStrings();
  for (std::string_view needle : {"a", "Ab", "rcpt", "T D", "@.", "zZ", "\xe9z", " "}) {
    for (const auto& h : samples) {
      for (size_t from : {size_t{0}, size_t{3}}) {
        EXPECT_EQ(IFind(h, needle, from), RefIFind(h, needle, from))
            << "[" << h << "] / [" << needle << "] from " << from;
      }
    }
  }
  EXPECT_EQ(IFind("xx", "", 1), 1u);
  EXPECT_EQ(IFind("abc", "ABCD"), std::string_view::npos);
}

TEST(TextUtilTest, FindMatchesStringViewFind) {
  auto samples = SampleStrings();
  // Long haystacks too, so that the 16-byte blocks and the tail are both exercised, with the
  // needle at every offset around a block edge.
  std::mt19937 rng(7);
  for (int k = 0; k < 200; ++k) {
    std::string s;
    size_t len = rng() % 90;
    for (size_t i = 0; i < len; ++i) {
      s.push_back("ab-\nmessage "[rng() % 13]);
    }
    samples.push_back(s);
  }
  for (std::string_view needle :
       {"a", "ab", "mess", "message", "\n---", "--ab", "ss", "e m", "zz", "a\n"}) {
    for (const auto& h : samples) {
      for (size_t from : {size_t{0}, size_t{1}, size_t{17}, size_t{200}}) {
        EXPECT_EQ(Find(h, needle, from), std::string_view(h).find(needle, from))
            << "[" << h << "] / [" << needle << "] from " << from;
      }
    }
  }
  EXPECT_EQ(Find("xx", "", 1), 1u);
  EXPECT_EQ(Find("xx", "", 3), std::string_view::npos);
  EXPECT_EQ(Find("0123456789abcdef0123456789abcdefXY", "XY"), 32u);
}

TEST(TextUtilTest, FindAndIFindOnLongTextsMatchReferences) {
  // Haystacks of up to 400 bytes (the 64-position steps, the 16-position blocks and the tail),
  // with the needle's bytes sprinkled around so that many candidates fail.
  std::mt19937 rng(11);
  for (int k = 0; k < 600; ++k) {
    std::string s;
    const size_t len = rng() % 400;
    for (size_t i = 0; i < len; ++i) {
      s.push_back("abM-\nmesSAGE x"[rng() % 15]);
    }
    for (std::string_view needle : {"message", "MESSAGE", "m", "e x", "-\nm", "ab", "sage x"}) {
      for (size_t from : {size_t{0}, size_t{5}, size_t{70}}) {
        ASSERT_EQ(Find(s, needle, from), std::string_view(s).find(needle, from))
            << "[" << s << "] / [" << needle << "] from " << from;
        ASSERT_EQ(IFind(s, needle, from), RefIFind(s, needle, from))
            << "[" << s << "] / [" << needle << "] from " << from;
      }
    }
  }
}

TEST(TextUtilTest, FindAndIFindInTheLastPositionsRespectFrom) {
  // The last (fewer than 16) positions are looked at as the haystack's last 16-position block,
  // the positions before `from` or already looked at masked out: the needle (and a second copy)
  // at every position of haystacks of 15 to 90 bytes, searched from every position around it.
  for (std::string_view needle : {"xy", "Message", "m"}) {
    for (size_t len = 15; len <= 90; ++len) {
      for (size_t at = 0; at + needle.size() <= len; ++at) {
        std::string h(len, 'a');
        h.replace(at, needle.size(), needle);
        if (at >= 2 * needle.size()) {
          h.replace(at - 2 * needle.size(), needle.size(), needle);  // an earlier copy
        }
        for (size_t from : {size_t{0}, at > 0 ? at - 1 : 0, at, at + 1, len - 1}) {
          ASSERT_EQ(Find(h, needle, from), std::string_view(h).find(needle, from))
              << h << " / " << needle << " from " << from;
          ASSERT_EQ(IFind(h, needle, from), RefIFind(h, needle, from))
              << h << " / " << needle << " from " << from;
        }
      }
    }
  }
}

TEST(TextUtilTest, SmtpCommandOnceIsSmtpCommandWithoutTheMemo) {
  // The same answers as FindSmtpCommand, asked before and after it (so from its memo too).
  const std::string_view texts[] = {
      "said EHLO then RCPT TO",
      "reply TO DATA COMMAND",
      "SMTP command\nDATA",
      "nothing here",
      "",
      "h",
      "550 5.1.1 <a@b>... User unknown (in reply to RCPT TO command)"};
  for (std::string_view t : texts) {
    const std::string once = FindSmtpCommandOnce(t);
    EXPECT_EQ(once, FindSmtpCommand(t)) << t;
    EXPECT_EQ(FindSmtpCommandOnce(t), FindSmtpCommand(t)) << t;
  }
  for (const auto& s : SampleStrings()) {
    EXPECT_EQ(FindSmtpCommandOnce(s), FindSmtpCommand(s)) << s;
  }
}

TEST(TextUtilTest, SmtpCommandTakesTheEarliestProbe) {
  // The probe that starts first in the text wins, wherever it stands in the probe table.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"said EHLO then RCPT TO", "EHLO"},
      {"x mail from: then rcpt to", "MAIL"},
      {"reply TO DATA COMMAND", "DATA"},
      {"SMTP command\nDATA", "DATA"},
      {"...Greeting", "CONN"},
      {"hel", ""},
      {"h", ""}};
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(FindSmtpCommand(text), want) << text;
  }
}

TEST(TextUtilTest, SmtpCommandFoundAtEveryOffsetInAnyCase) {
  // Each probe shape at every offset of a longer text (so across the 16-byte blocks of the
  // vector scan and in its scalar tail), lower and upper case, asked twice (the second answer
  // comes from the per-thread memo); the filler holds no letters, so no other probe.
  const std::pair<std::string_view, std::string_view> probes[] = {
      {"rcpt to", "RCPT"},        {"remote smtp server has rejected address", "RCPT"},
      {"refused to talk to me", "CONN"}, {"smtp command\ndata", "DATA"},
      {"rcpt_to", "RCPT"},        {"after rcpt", "RCPT"},
      {"mail from", "MAIL"},      {"after mail", "MAIL"},
      {"end of data", "DATA"},    {"to data command", "DATA"},
      {"data command", "DATA"},   {"initial connection", "CONN"},
      {"connect to", "CONN"},     {"greeting", "CONN"},
      {"ehlo", "EHLO"},           {"helo", "HELO"}};
  const std::string filler(64, '.');
  for (const auto& [probe, command] : probes) {
    std::string upper(probe);
    for (char& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    for (size_t off = 0; off < 40; ++off) {
      for (size_t tail : {size_t{0}, size_t{1}, size_t{17}}) {
        for (const std::string& p : {std::string(probe), upper}) {
          const std::string text = filler.substr(0, off) + p + filler.substr(0, tail);
          EXPECT_EQ(FindSmtpCommand(text), command) << text;
          EXPECT_EQ(FindSmtpCommand(text), command) << text;
          // Cut one byte short: no probe (except where a shorter one is left).
          const std::string cut = filler.substr(0, off) + p.substr(0, p.size() - 1);
          if (probe != "rcpt to" && probe != "after rcpt" && probe != "smtp command\ndata" &&
              probe != "to data command" && probe != "rcpt_to" && probe != "after mail") {
            EXPECT_EQ(FindSmtpCommand(cut), "") << cut;
          }
        }
      }
    }
  }
  for (size_t n = 0; n < 70; ++n) {
    EXPECT_EQ(FindSmtpCommand(filler.substr(0, n) + "Rcpt Tx"), "") << n;
  }
}

// The first probe (in text order, then table order) by a byte-by-byte case-folding search: the
// reference for the vector scan and its four-byte head check.
std::string RefSmtpCommand(std::string_view s) {
  static constexpr std::pair<std::string_view, std::string_view> kProbes[] = {
      {"rcpt to", "RCPT"},      {"remote smtp server has rejected address", "RCPT"},
      {"refused to talk to me", "CONN"}, {"smtp command\ndata", "DATA"},
      {"rcpt_to", "RCPT"},      {"rcpt command", "RCPT"},
      {"after rcpt", "RCPT"},   {"mail from", "MAIL"},
      {"after mail", "MAIL"},   {"end of data", "DATA"},
      {"after data", "DATA"},   {"to data command", "DATA"},
      {"data command", "DATA"}, {"initial connection", "CONN"},
      {"connect to", "CONN"},   {"greeting", "CONN"},
      {"ehlo", "EHLO"},         {"helo", "HELO"}};
  for (size_t i = 0; i < s.size(); ++i) {
    for (const auto& [needle, command] : kProbes) {
      if (i + needle.size() > s.size()) {
        continue;
      }
      size_t j = 0;
      while (j < needle.size() && RefLow(s[i + j]) == needle[j]) {
        ++j;
      }
      if (j == needle.size()) {
        return std::string(command);
      }
    }
  }
  return "";
}

TEST(TextUtilTest, SmtpCommandMatchesAByteByByteSearchOnNearMisses) {
  // Texts made of the probes' beginnings, whole probes, and bytes that fold with 0x20 like a
  // probe's ('_' and DEL, '@' and '`', NUL and ' '): the four-byte head check must reject no
  // real probe and admit no false one.
  const std::string_view pieces[] = {
      "rcpt",  "RCPT_TO", "rcpt\x7fto", "rc",   "re",     "remote ", "refused to talk to me",
      "smtp",  " command\ndata", "after ", "AFTER", "mail", " from", "end",   " of data",
      "to",    " data", "TO DATA COMMAND", "ehl", "EHLO", "helo", "hel\x0c", "gre", "greeting",
      "in",    "initial connection", "conn", "connect to", " ", "\n", "@", "`", "x", "\0"};
  bw::testing::PieceText gen(86);
  for (int k = 0; k < 6000; ++k) {
    const std::string text = gen.Next(pieces, 1 + k % 12);
    EXPECT_EQ(FindSmtpCommand(text), RefSmtpCommand(text)) << text;
  }
}

TEST(TextUtilTest, ValidUtf8FindsTheFirstBadByteAtEveryPosition) {
  // One byte that is not printable ASCII at every position of texts up to 160 bytes (so in each
  // of the four blocks of the 64-byte step, in the 16-byte steps after it and in the byte tail);
  // tab and LF stay, a control byte becomes a space, a stray continuation byte U+FFFD.
  for (size_t n = 1; n <= 160; ++n) {
    const std::string plain(n, 'a');
    EXPECT_EQ(ValidUtf8(plain), plain);
    for (size_t at = 0; at < n; ++at) {
      std::string s = plain;
      for (char c : {'\t', '\n'}) {
        s[at] = c;
        ASSERT_EQ(ValidUtf8(s), s) << n << " " << at;
      }
      s[at] = '\x01';
      std::string want = s;
      want[at] = ' ';
      ASSERT_EQ(ValidUtf8(s), want) << n << " " << at;
      s[at] = '\x80';
      want = plain.substr(0, at) + "\xef\xbf\xbd" + plain.substr(at + 1);
      ASSERT_EQ(ValidUtf8(s), want) << n << " " << at;
    }
  }
}

TEST(TextUtilTest, ValidUtf8FindsEveryBadByteAfterTheFirst) {
  // After a first byte to replace, the printable ASCII that follows is skipped 16 bytes at a
  // time: a second bad byte (or a kept multi-byte sequence) at every position of a run of 1 to
  // 48 bytes is still found, the bytes around it kept.
  for (size_t n = 1; n <= 48; ++n) {
    const std::string run(n, 'a');
    ASSERT_EQ(ValidUtf8("\xff" + run), "\xef\xbf\xbd" + run) << n;
    for (size_t at = 0; at < n; ++at) {
      const std::string head = run.substr(0, at);
      const std::string tail = run.substr(at + 1);
      ASSERT_EQ(ValidUtf8("\xff" + head + "\x80" + tail),
                "\xef\xbf\xbd" + head + "\xef\xbf\xbd" + tail)
          << n << " " << at;
      ASSERT_EQ(ValidUtf8("\xff" + head + "\x01" + tail), "\xef\xbf\xbd" + head + " " + tail)
          << n << " " << at;
      ASSERT_EQ(ValidUtf8("\xff" + head + "\t" + tail), "\xef\xbf\xbd" + head + "\t" + tail)
          << n << " " << at;
      ASSERT_EQ(ValidUtf8("\xff" + head + "\xc3\xa9" + tail),
                "\xef\xbf\xbd" + head + "\xc3\xa9" + tail)
          << n << " " << at;
    }
  }
}

TEST(TextUtilTest, MakeValidUtf8IsValidUtf8InPlace) {
  // Texts up to 40 bytes (the 16-byte steps and the byte tail) with one byte of each kind at
  // every position, and a valid two-byte sequence: MakeValidUtf8 gives what ValidUtf8 gives, and
  // IsPrintableAscii says whether every byte is printable ASCII, tab or LF.
  const auto printable = [](std::string_view s) {
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n')) {
        return false;
      }
    }
    return true;
  };
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<std::string> texts = {std::string(n, 'a')};
    for (size_t at = 0; at < n; ++at) {
      for (std::string_view b : {"\t", "\n", "\r", "\x01", "\x1f", "\x7f", "\x80", "\xff",
                                 "\xc3\xa9", "\xc3", " ", "~"}) {
        std::string s(n, 'a');
        s.replace(at, 1, b);
        texts.push_back(s);
      }
    }
    for (const std::string& s : texts) {
      std::string made = s;
      MakeValidUtf8(made);
      ASSERT_EQ(made, ValidUtf8(s)) << n;
      ASSERT_EQ(IsPrintableAscii(s), printable(s)) << n;
    }
  }
}

// LongestWord by its definition: the runs between Squeeze's white space bytes, the first of the
// longest.
std::string_view RefLongestWord(std::string_view s) {
  std::string_view best;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
      if (i - start > best.size()) {
        best = s.substr(start, i - start);
      }
      start = i + 1;
    }
  }
  return best;
}

TEST(TextUtilTest, LongestWordIsTheFirstLongestRunBetweenWhiteSpace) {
  static_assert(LongestWord("invoked for bounce") == "invoked");  // worked out when it compiles
  static_assert(LongestWord("(Exim ") == "(Exim");
  static_assert(LongestWord(" \t\r\n").empty());
  // Every text of up to 7 bytes over word bytes ('a', 'b', '\v': not white space to Squeeze)
  // and the four white space bytes.
  const std::string_view alphabet = "ab\v \t\n\r";
  for (size_t len = 0; len <= 7; ++len) {
    std::vector<size_t> digit(len, 0);
    for (bool more = true; more;) {
      std::string s;
      for (size_t d : digit) {
        s += alphabet[d];
      }
      const std::string_view got = LongestWord(s);
      const std::string_view want = RefLongestWord(s);
      ASSERT_EQ(got, want) << ::testing::PrintToString(s);
      ASSERT_EQ(got.data() - s.data(), want.data() - s.data()) << ::testing::PrintToString(s);
      more = false;
      for (size_t k = 0; k < len && !more; ++k) {
        more = ++digit[k] < alphabet.size();
        if (!more) {
          digit[k] = 0;
        }
      }
    }
  }
}

TEST(TextUtilTest, TrimCutsSpaceTabCrLfAtBothEndsOnly) {
  // Every text of up to four bytes from white space, other control bytes, a letter and a byte
  // above 0x7f, against a search for the first and last byte to keep.
  const char bytes[] = {' ', '\t', '\n', '\r', '\v', '\f', '\0', 'x', '\xa0'};
  const auto reference = [](std::string_view s) {
    const std::string_view space(" \t\n\r", 4);
    const size_t b = s.find_first_not_of(space);
    if (b == std::string_view::npos) {
      return std::string_view();
    }
    return s.substr(b, s.find_last_not_of(space) - b + 1);
  };
  std::vector<std::string> texts = {""};
  for (size_t len = 1; len <= 4; ++len) {
    std::vector<std::string> longer;
    for (const std::string& t : texts) {
      if (t.size() == len - 1) {
        for (char c : bytes) {
          longer.push_back(t + c);
        }
      }
    }
    texts.insert(texts.end(), longer.begin(), longer.end());
  }
  for (const std::string& t : texts) {
    const std::string_view got = Trim(t);
    const std::string_view want = reference(t);
    ASSERT_EQ(got, want) << ::testing::PrintToString(t);
    if (!got.empty()) {
      ASSERT_EQ(got.data(), want.data());  // a view into the text, not a copy
    }
  }
}

TEST(TextUtilTest, ValidUtf8KeepsPrintableAsciiAsIs) {
  EXPECT_EQ(ValidUtf8("plain text\twith tab\nand LF ~\x7f"), "plain text\twith tab\nand LF ~\x7f");
  EXPECT_EQ(ValidUtf8("cr\r"), "cr ");
}

}  // namespace
}  // namespace bw::mail
