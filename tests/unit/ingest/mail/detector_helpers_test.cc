// SPDX-License-Identifier: Apache-2.0
// The shared helpers detectors read a mail with: where the quoted original starts
// (FindOriginalStart) and which lines name a recipient (LinesMentioning), each against the plain
// per-line / per-marker search it replaces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "ingest/mail/detector.h"
#include "ingest/mail/mail.h"
#include "ingest/mail/text_util.h"
#include "testing/piece_text.h"

namespace bw::mail {
namespace {

TEST(FindOriginalStartTest, TheEarliestMarkerCutsAtItsLine) {
  EXPECT_EQ(FindOriginalStart("no marker at all\nsecond line\n"), 29u);
  // "message headers follow" comes later in the marker table than "original message follows"
  // but earlier in the text: the earlier text position wins.
  std::string text =
      "Delivery failed.\n"
      "   ----- Message headers follow -----\n"
      "Subject: x\n"
      "----- Original message follows -----\n";
  EXPECT_EQ(FindOriginalStart(text), text.find("\n   -----"));
  // Any case; a marker on the first line cuts everything.
  EXPECT_EQ(FindOriginalStart("THIS IS A COPY OF THE MESSAGE, including headers\nx\n"), 0u);
  // The one marker without the word "message".
  std::string sent = "Sorry.\nThe text you sent follows:\nhello\n";
  EXPECT_EQ(FindOriginalStart(sent), sent.find("\nThe text"));
  // A separator line naming the original.
  std::string sep = "Error.\n=== Original mail ===\nbody\n";
  EXPECT_EQ(FindOriginalStart(sep), sep.find("\n==="));
  // "message" alone, or a marker cut by the end of the text, is no marker.
  EXPECT_EQ(FindOriginalStart("your message was not delivered\n"), 31u);
  EXPECT_EQ(FindOriginalStart("x\nthis is a copy of the messag"), 30u);
}

// FindOriginalStart as first written: every separator line, then one search per marker.
size_t PerMarkerOriginalStart(std::string_view text) {
  static constexpr const auto& kMarkers = kOriginalMessageMarkers;
  const std::string lower = ToLower(text);
  size_t cut = text.size();
  size_t line = 0;
  while (line <= lower.size()) {
    size_t eol = lower.find('\n', line);
    if (eol == std::string::npos) {
      eol = lower.size();
    }
    std::string_view l = std::string_view(lower).substr(line, eol - line);
    if (l.size() > 4 && (l.substr(0, 3) == "---" || l.substr(0, 3) == "===") &&
        (l.find("original message") != std::string_view::npos ||
         l.find("original mail") != std::string_view::npos ||
         l.find("returned message") != std::string_view::npos)) {
      cut = line == 0 ? 0 : line - 1;
      break;
    }
    line = eol + 1;
  }
  for (std::string_view marker : kMarkers) {
    size_t hit = std::string_view(lower).substr(0, cut).find(marker);
    if (hit != std::string::npos) {
      size_t bol = text.rfind('\n', hit);
      cut = std::min(cut, bol == std::string::npos ? size_t{0} : bol);
    }
  }
  return cut;
}

TEST(FindOriginalStartTest, SameCutAsOneSearchPerMarker) {
  // Texts pieced together from marker parts, separators and near misses, long enough to cross
  // the 16-byte blocks of the one-pass scan.
  const std::string_view pieces[] = {
      "message ", "Message", "\n", "---", "===", " original message", "This is a copy of the ",
      "returned message", "The text you sent follows:", "x", "mail", "e", "m", "messag",
      "\nOriginal message:", "----- Original message follows -----", "unsent ", " below",
      "original mail", "copy of the message", "-----", "\n---", "\n===", "  "};
  bw::testing::PieceText gen(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int n = 1 + round % 24;
    text += gen.Next(pieces, static_cast<size_t>(n));
    ASSERT_EQ(FindOriginalStart(text), PerMarkerOriginalStart(text)) << text;
  }
}

Mail LoadOrDie(std::string_view raw) {
  auto mail = LoadMail(raw, MimeLimits{});
  EXPECT_TRUE(mail.has_value());
  return mail ? std::move(*mail) : Mail{};
}

std::vector<size_t> PerLine(const std::vector<std::string_view>& lines, std::string_view needle) {
  std::vector<size_t> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IContains(lines[i], needle)) {
      out.push_back(i);
    }
  }
  return out;
}

TEST(LinesMentioningTest, SameLinesAsAPerLineSearch) {
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    std::string raw = "From: MAILER-DAEMON@example.org\nSubject: failure\n\n"
                      "<Gone@Example.NET>: host said 550\n"
                      "gone@example.net gone@example.net twice on one line\n"
                      "\n"
                      "other@example.net only\n"
                      "ends with GONE@EXAMPLE.NET";
    std::string converted;
    for (char c : raw) {
      if (c == '\n') {
        converted += eol;
      } else {
        converted.push_back(c);
      }
    }
    Mail mail = LoadOrDie(converted);
    auto lines = SplitLines(mail.Readable());
    for (std::string_view needle : {"gone@example.net", "OTHER@example.net", "example.net",
                                    "nobody@example.net", "net\nother", "550"}) {
      EXPECT_EQ(LinesMentioning(mail, lines, needle), PerLine(lines, needle)) << needle;
    }
  }
}

TEST(ReadableMentionsLowerTest, SameAnswerAsReadableMentions) {
  // Generated bounce texts (mixed case, phrases cut short, a quoted original after the marker)
  // against ReadableMentions with the phrase as the detectors used to write it, and against a
  // search of the lower-cased readable text.
  const std::string_view pieces[] = {
      "This is the ", "mail system", " at host", "THIS IS THE MAIL SYSTEM AT HOST", "Postfix ",
      "program",      "----- Transcript of session follows -----", "-----", "\n",
      "Remote host said:", "remote host", " said", "couldn't be delivered", "Delivery ",
      "\n------ This is a copy of the message, including all the headers. ------\n", "x"};
  const std::string_view phrases[] = {"This is the mail system at host",
                                      "----- Transcript of session follows -----",
                                      "Remote host said:", "couldn't be delivered", "x", "xx"};
  bw::testing::PieceText gen(87);
  for (int k = 0; k < 400; ++k) {
    Mail mail = LoadOrDie("From: MAILER-DAEMON@example.org\nSubject: failure\n\n" +
                          gen.Next(pieces, 1 + k % 20));
    std::string readable(mail.Readable());
    for (char& c : readable) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (std::string_view phrase : phrases) {
      std::string lower(phrase);
      for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      const bool want = readable.find(lower) != std::string::npos;
      EXPECT_EQ(ReadableMentionsLower(mail, lower), want) << mail.text << " / " << phrase;
      EXPECT_EQ(ReadableMentions(mail, phrase), want) << mail.text << " / " << phrase;
    }
  }
  Mail by_hand;  // no text_lower: built without LoadMail
  by_hand.text = "Remote HOST said: no\n";
  by_hand.readable_size = by_hand.text.size();
  EXPECT_TRUE(ReadableMentionsLower(by_hand, "remote host said:"));
  EXPECT_FALSE(ReadableMentionsLower(by_hand, "remote host said: yes"));
}

TEST(ParseDeliveryStatusTest, SameFieldsWhateverTheLineEndsOfThePart) {
  // The DSN part's lines are read one at a time (LF separated, a CR before the LF dropped, the
  // last line with or without an end): each way of writing the part gives the same fields.
  const std::string lf =
      "Reporting-MTA: dns; mx.example.org\n\n"
      "Final-Recipient: rfc822; one@example.net\nAction: failed\nStatus: 5.1.1\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <one@example.net>:\n  Recipient address rejected\n\n"
      "Final-Recipient: rfc822; two@example.net\nAction: delayed\nStatus: 4.4.1";
  std::string crlf;
  for (char c : lf) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  for (const std::string& part : {lf, lf + "\n", crlf, crlf + "\r\n", lf + "\n\n\n"}) {
    Mail mail;
    mail.delivery_status.push_back(part);
    const std::vector<Delivery> got = ParseDeliveryStatus(mail);
    ASSERT_EQ(got.size(), 2u) << part;
    EXPECT_EQ(got[0].recipient, "one@example.net");
    EXPECT_EQ(got[0].status, "5.1.1");
    EXPECT_EQ(got[0].diagnostic_type, "SMTP");
    EXPECT_EQ(got[0].diagnostic, "550 5.1.1 <one@example.net>: Recipient address rejected");
    EXPECT_EQ(got[0].reporting_mta, "mx.example.org");
    EXPECT_EQ(got[1].recipient, "two@example.net");
    EXPECT_EQ(got[1].action, "delayed");
    EXPECT_EQ(got[1].status, "4.4.1");
  }
}

TEST(LinesMentioningTest, MailBuiltByHandFallsBackToThePerLineSearch) {
  Mail mail;
  mail.text = "a@b.example here\nnothing\nA@B.EXAMPLE again\n";
  mail.readable_size = mail.text.size();  // no text_lower: built without LoadMail
  auto lines = SplitLines(mail.Readable());
  EXPECT_EQ(LinesMentioning(mail, lines, "a@b.example"), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(LinesMentioning(mail, lines, ""), PerLine(lines, ""));
}

TEST(DsnFieldTest, SameFieldAsComparingWithEveryName) {
  using internal::DsnField;
  const std::pair<std::string_view, DsnField> kNames[] = {
      {"reporting-mta", DsnField::kReportingMta},
      {"arrival-date", DsnField::kArrivalDate},
      {"final-recipient", DsnField::kFinalRecipient},
      {"x-actual-recipient", DsnField::kXActualRecipient},
      {"original-recipient", DsnField::kOriginalRecipient},
      {"action", DsnField::kAction},
      {"status", DsnField::kStatus},
      {"remote-mta", DsnField::kRemoteMta},
      {"diagnostic-code", DsnField::kDiagnosticCode},
      {"last-attempt-date", DsnField::kLastAttemptDate},
  };
  const auto reference = [&](std::string_view n) {
    for (const auto& [name, field] : kNames) {
      if (IEquals(n, name)) {
        return field;
      }
    }
    return DsnField::kOther;
  };
  // Every name, in several cases, with one byte changed, cut or extended; other field names.
  std::vector<std::string> names = {"", "x", "Will-Retry-Until", "Received-From-MTA",
                                    "X-Postfix-Queue-ID", "Action ", " Status", "statu",
                                    "remote_mta", "Diagnostic_Code"};
  for (const auto& [name, field] : kNames) {
    std::string upper(name);
    for (auto& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    std::string mixed(name);
    mixed[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[0])));
    names.insert(names.end(), {std::string(name), upper, mixed, std::string(name) + "s",
                               std::string(name.substr(1)), std::string(name.substr(0, 5))});
    for (size_t i = 0; i < name.size(); ++i) {
      std::string changed(name);
      changed[i] = changed[i] == 'x' ? 'y' : 'x';
      names.push_back(changed);
      changed[i] = static_cast<char>(name[i] ^ 0x20);  // case flip, or a different byte
      names.push_back(changed);
    }
  }
  size_t known = 0;
  for (const auto& n : names) {
    EXPECT_EQ(internal::DsnFieldOf(n), reference(n)) << n;
    known += reference(n) != DsnField::kOther ? 1 : 0;
  }
  EXPECT_GE(known, 30u);  // the known names were among those checked, in three cases
}

TEST(ReadableLinesTest, TheReadableTextSplitOncePerScope) {
  Mail mail = LoadOrDie(
      "From: MAILER-DAEMON@example.org\nSubject: failure\n\n"
      "line one\n\n<gone@example.net>: 550 no\r\nlast line\n"
      "------ This is a copy of the message, including all the headers. ------\n"
      "quoted\n");
  const std::vector<std::string_view> want = SplitLines(mail.Readable());
  ASSERT_GE(want.size(), 4u);
  std::vector<std::string_view> scratch;
  // Without a scope: split into the scratch vector.
  const auto& direct = ReadableLines(mail, scratch);
  EXPECT_EQ(direct, want);
  EXPECT_EQ(&direct, &scratch);
  {
    const DetectionScope scope(mail);
    std::vector<std::string_view> unused;
    const auto& first = ReadableLines(mail, unused);
    const auto& second = ReadableLines(mail, unused);
    EXPECT_EQ(first, want);
    EXPECT_EQ(&first, &second);  // split once, shared
    EXPECT_TRUE(unused.empty());
    // Another mail inside the scope gets its own lines.
    Mail other = LoadOrDie("From: a@example.org\nSubject: x\n\nonly line\n");
    std::vector<std::string_view> other_scratch;
    EXPECT_EQ(ReadableLines(other, other_scratch), SplitLines(other.Readable()));
    EXPECT_EQ(&ReadableLines(other, other_scratch), &other_scratch);
  }
}

}  // namespace
}  // namespace bw::mail
