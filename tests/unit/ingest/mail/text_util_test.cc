// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/text_util.h"

#include <cctype>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

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

TEST(TextUtilTest, SqueezeMatchesReference) {
  for (const auto& s : SampleStrings()) {
    EXPECT_EQ(Squeeze(s), RefSqueeze(s)) << "[" << s << "]";
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

TEST(TextUtilTest, ValidUtf8KeepsPrintableAsciiAsIs) {
  EXPECT_EQ(ValidUtf8("plain text\twith tab\nand LF ~\x7f"), "plain text\twith tab\nand LF ~\x7f");
  EXPECT_EQ(ValidUtf8("cr\r"), "cr ");
}

}  // namespace
}  // namespace bw::mail
