// SPDX-License-Identifier: Apache-2.0
// The shared helpers detectors read a mail with: where the quoted original starts
// (FindOriginalStart), which lines name a recipient (NextLineMentioning) and which fixed phrases
// the text holds (ReadableHas), each against the plain per-line / per-marker / per-phrase search
// it replaces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
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
      "original mail", "copy of the message", "-----", "\n---", "\n===", "  ",
      // the words before "message" that pick the markers to compare
      "the ", "unsent message below", "the original message headers", "message headers follow",
      "returned ", "included is a copy of the message header", "Unsent", "THE", "ed"};
  bw::testing::PieceText gen(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int n = 1 + round % 24;
    text += gen.Next(pieces, static_cast<size_t>(n));
    ASSERT_EQ(FindOriginalStart(text), PerMarkerOriginalStart(text)) << text;
  }
}

// LowerUntilOriginalStart lower-cases as it scans and stops at the cut: the cut must be
// FindOriginalStart's, the bytes before it ToLower's, and each later byte as in the text or
// lower-cased. Upper-case marker parts make a scan that reads a byte before lower-casing it find
// a different cut; long filler runs put the markers at every offset of the 16-byte blocks.
TEST(FindOriginalStartTest, LoweringScanCutsWhereTheSearchCuts) {
  const std::string_view pieces[] = {
      "message ", "MESSAGE", "Message", "\n", "---", "===", " ORIGINAL MESSAGE",
      " Original Mail", "This Is A Copy Of The ", "RETURNED MESSAGE", "The Text You Sent Follows:",
      "THE TEXT YOU SENT FOLLOWS:", "x", "X", "MAIL", "E", "M", "messag", "\nORIGINAL MESSAGE:",
      "----- Original Message Follows -----", "UNSENT ", " BELOW", "Copy of the MESSAGE",
      "\n---", "\n===", "  ", "The ", "Unsent Message Below", "THE ORIGINAL MESSAGE HEADERS",
      "Message Headers Follow", "Returned ", "Included Is A Copy Of The Message Header",
      "ed", "Filler Text Of Sixteen+", "\xc3\x89T\xc3\xa9", "0123456789ABCDEF"};
  std::string every_byte;  // the block lowering against ToLower's, for each byte value
  for (int c = 1; c < 256; ++c) {
    every_byte.push_back(static_cast<char>(c));
  }
  bw::testing::PieceText gen(11);
  for (int round = 0; round < 20000; ++round) {
    std::string text = gen.Next(pieces, static_cast<size_t>(1 + round % 30));
    if (round % 7 == 0) {
      text.insert(text.size() / 2, every_byte);
    }
    std::string lower = text;
    const size_t cut = LowerUntilOriginalStart(text, lower.data());
    ASSERT_EQ(cut, FindOriginalStart(text)) << text;
    const std::string all = ToLower(text);
    ASSERT_EQ(lower.size(), text.size());
    ASSERT_EQ(lower.substr(0, cut), all.substr(0, cut)) << text;
    for (size_t i = cut; i < text.size(); ++i) {
      ASSERT_TRUE(lower[i] == text[i] || lower[i] == all[i]) << text << " at " << i;
    }
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

// The lines NextLineMentioning gives for `needle`, walked from the first line.
std::vector<size_t> LinesNamed(const Mail& mail, const std::vector<std::string_view>& lines,
                               std::string_view needle) {
  const std::string_view text = mail.Readable();
  std::vector<size_t> out;
  for (size_t at = NextLineMentioning(mail, needle, 0); at != std::string_view::npos;) {
    size_t line = 0;
    while (line < lines.size() && lines[line].data() != text.data() + at) {
      ++line;
    }
    EXPECT_LT(line, lines.size()) << "not a line start: " << at;
    out.push_back(line);
    size_t next = 0;
    LineFrom(text, at, next);
    at = NextLineMentioning(mail, needle, next);
  }
  return out;
}

TEST(NextLineMentioningTest, SameLinesAsAPerLineSearch) {
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
                                    "nobody@example.net", "net\nother", "550", ""}) {
      EXPECT_EQ(LinesNamed(mail, lines, needle), PerLine(lines, needle)) << needle;
    }
  }
}

TEST(NextLineMentioningTest, SameLinesAsAPerLineSearchOnGeneratedText) {
  // Needles cut by CRs that end a line (not part of it) or sit inside one (part of it), at the
  // text's start and end, several on a line, in any case.
  const std::string_view pieces[] = {"a@b.example", "A@B.EXAMPLE", "a@b.exampl", "\r\n", "\n",
                                     "\r",          " ",           "x",          "a@b", ".example"};
  bw::testing::PieceText gen(31);
  size_t named = 0;
  for (int k = 0; k < 2000; ++k) {
    Mail mail = LoadOrDie("From: a@example.org\nSubject: x\n\n" + gen.Next(pieces, 1 + k % 25));
    auto lines = SplitLines(mail.Readable());
    for (std::string_view needle : {"a@b.example", "b.EXAMPLE\r", "e"}) {
      const auto want = PerLine(lines, needle);
      ASSERT_EQ(LinesNamed(mail, lines, needle), want) << mail.text << " / " << needle;
      named += want.size();
    }
  }
  EXPECT_GT(named, 1000u);
}

TEST(ReadableHasTest, SameAnswerAsASearchOfTheLowerCasedText) {
  // Generated bounce texts (mixed case, phrases cut short or run together, a quoted original
  // after the marker) against a search of the lower-cased readable text for every phrase, inside
  // a DetectionScope (one scan kept for the mail) and outside (a scan per call).
  const std::string_view pieces[] = {
      "This is the ", "mail system", " at host", "THIS IS THE MAIL SYSTEM AT HOST", "Postfix ",
      "program", "----- Transcript of session follows -----", "-----", "\n", "\r\n",
      "Remote host said:", "remote host", " said", "couldn't be delivered", "Delivery ",
      "UNDELIVERABLE", "undeliverabl", "delivery to the following recipient", "s failed",
      "\n------ This is a copy of the message, including all the headers. ------\n", "x"};
  bw::testing::PieceText gen(87);
  size_t found = 0;
  for (int k = 0; k < 400; ++k) {
    Mail mail = LoadOrDie("From: MAILER-DAEMON@example.org\nSubject: failure\n\n" +
                          gen.Next(pieces, 1 + k % 20));
    std::string readable(mail.Readable());
    for (char& c : readable) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const DetectionScope scope(mail);
    for (size_t phrase = 0; phrase < std::size(kReadablePhrases); ++phrase) {
      const bool want = readable.find(kReadablePhrases[phrase]) != std::string::npos;
      EXPECT_EQ(ReadableHas(mail, phrase), want) << mail.text << " / " << kReadablePhrases[phrase];
      found += want ? 1 : 0;
    }
    Mail copy = mail;  // not the scope's mail: scanned on each call
    for (size_t phrase = 0; phrase < std::size(kReadablePhrases); ++phrase) {
      EXPECT_EQ(ReadableHas(copy, phrase), ReadableHas(mail, phrase)) << phrase;
    }
  }
  EXPECT_GT(found, 400u);
  Mail by_hand;  // no text_lower: built without LoadMail
  by_hand.text = "Remote HOST said: no\nundeliverable\n";
  by_hand.readable_size = by_hand.text.size();
  EXPECT_TRUE(ReadableHas(by_hand, ReadablePhrase("remote host said:")));
  EXPECT_TRUE(ReadableHas(by_hand, ReadablePhrase("undeliverable")));
  EXPECT_FALSE(ReadableHas(by_hand, ReadablePhrase("the mail system")));
  by_hand.readable_size = 10;  // only the readable part counts
  EXPECT_FALSE(ReadableHas(by_hand, ReadablePhrase("remote host said:")));
}

TEST(ReadableHasTest, PhrasesAreWrittenInLowerCase) {
  // The scan reads the lower-cased text: a capital letter in a phrase would never match.
  EXPECT_LE(std::size(kReadablePhrases), PhraseSet::kMaxPhrases);
  for (std::string_view phrase : kReadablePhrases) {
    EXPECT_EQ(ToLower(phrase), phrase);
    EXPECT_GE(phrase.size(), PhraseSet::kMinPhraseSize);
  }
  static_assert(kReadablePhrases[ReadablePhrase("the mail system")] == "the mail system");
}

TEST(TakeMemoizedTest, EmptyResultsStayFoundOnesAreHandedOver) {
  std::optional<std::vector<Delivery>> slot;
  int computed = 0;
  const auto none = [&] {
    ++computed;
    return std::vector<Delivery>{};
  };
  EXPECT_TRUE(internal::TakeMemoized(slot, none).empty());
  EXPECT_TRUE(internal::TakeMemoized(slot, none).empty());
  EXPECT_EQ(computed, 1);  // kept for the next ask
  std::optional<std::vector<Delivery>> found_slot;
  const auto found = [&] {
    ++computed;
    Delivery d;
    d.recipient = "gone@example.net";
    return std::vector<Delivery>{d};
  };
  for (int ask = 0; ask < 2; ++ask) {
    const std::vector<Delivery> got = internal::TakeMemoized(found_slot, found);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].recipient, "gone@example.net");
    EXPECT_FALSE(found_slot.has_value());  // handed over
  }
  EXPECT_EQ(computed, 3);  // asked again: computed again
}

TEST(TakeMemoizedTest, HelpersGiveTheSameDeliveriesOnEveryAskInAScope) {
  const std::string raws[] = {
      // a DSN: DeliveryStatusWithText finds the recipient
      "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n"
      "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
      "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n<gone@example.net>: host said: 550 "
      "5.1.1 unknown (in reply to RCPT TO command)\n--b\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; gone@example.net\n"
      "Action: failed\nStatus: 5.1.1\n--b--\n",
      // text only: ScanBounceText finds it, DeliveryStatusWithText finds none
      "From: MAILER-DAEMON@example.org\nSubject: failure notice\n\n"
      "<gone@example.net>:\n550 5.1.1 no such user\n"};
  for (size_t r = 0; r < std::size(raws); ++r) {
    Mail mail = LoadOrDie(raws[r]);
    const std::vector<Delivery> dsn = DeliveryStatusWithText(mail);
    const std::vector<Delivery> text = ScanBounceText(mail);
    ASSERT_EQ(dsn.size(), r == 0 ? 1u : 0u) << raws[r];
    ASSERT_EQ(text.size(), 1u) << raws[r];
    const DetectionScope scope(mail);
    for (int ask = 0; ask < 3; ++ask) {
      const std::vector<Delivery> dsn_again = DeliveryStatusWithText(mail);
      const std::vector<Delivery> text_again = ScanBounceText(mail);
      ASSERT_EQ(dsn_again.size(), dsn.size());
      ASSERT_EQ(text_again.size(), text.size());
      for (size_t k = 0; k < dsn.size(); ++k) {
        EXPECT_EQ(dsn_again[k].recipient, dsn[k].recipient);
        EXPECT_EQ(dsn_again[k].diagnostic, dsn[k].diagnostic);
        EXPECT_EQ(dsn_again[k].smtp_command, dsn[k].smtp_command);
      }
      for (size_t k = 0; k < text.size(); ++k) {
        EXPECT_EQ(text_again[k].recipient, text[k].recipient);
        EXPECT_EQ(text_again[k].diagnostic, text[k].diagnostic);
        EXPECT_EQ(text_again[k].smtp_command, text[k].smtp_command);
      }
    }
  }
}

// DeliveryStatusWithText squeezes the span of text the paragraph's lines cover instead of the
// lines joined with spaces: the command split over a line end (and indent) is still found, the
// paragraph ends at the blank line, the diagnostic at the next recipient's line.
TEST(DeliveryStatusWithTextTest, TextLinesGiveTheCommandAndTheDiagnostic) {
  Mail mail = LoadOrDie(
      "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n"
      "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
      "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
      "Delivery to the following recipients failed.\n\n"
      "  gone@example.net\n\thost mx.example.net said:   550 5.1.1\n"
      "    User unknown (in reply to RCPT\n\tTO command)\n  other@example.net\n\n"
      "rcpt to: after the blank line\n"
      "--b\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; gone@example.net\n"
      "Action: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; other@example.net\n"
      "Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\n--b--\n");
  const std::vector<Delivery> got = DeliveryStatusWithText(mail);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].recipient, "gone@example.net");
  EXPECT_EQ(got[0].smtp_command, "RCPT");
  EXPECT_EQ(got[0].diagnostic,
            "gone@example.net host mx.example.net said: 550 5.1.1 User unknown (in reply to RCPT "
            "TO command)");
  EXPECT_EQ(got[1].recipient, "other@example.net");
  EXPECT_EQ(got[1].smtp_command, "");  // its paragraph is its line: the blank line ends it
  EXPECT_EQ(got[1].diagnostic, "552 5.2.2 mailbox full");
}

TEST(HeadersMentionTest, FieldsOfThatNameInAnyCase) {
  Mail mail = LoadOrDie(
      "RECEIVED: from mx.example.org (SMTPD32-8.15) by relay\n"
      "received: by host\n\t(qmail 123 INVOKED for bounce); Thu, 1 Jan 2009 00:00:00 +0000\n"
      "X-Received: (Exim 4.80)\n"
      "From: MAILER-DAEMON@example.org\nSubject: failure\n\nbody\n");
  EXPECT_TRUE(HeadersMention(mail, "received", "(smtpd32"));
  EXPECT_TRUE(HeadersMention(mail, "received", "invoked for bounce"));  // across the fold
  EXPECT_FALSE(HeadersMention(mail, "received", "(Exim "));  // only in X-Received
  EXPECT_TRUE(HeadersMention(mail, "x-received", "(exim "));
  EXPECT_FALSE(HeadersMention(mail, "receive", "smtpd32"));
  EXPECT_TRUE(HeadersMention(mail, "from", "mailer-daemon@"));
  // The needle's word is worked out when the literal compiles.
  static_assert(FieldNeedle("invoked for bounce").word == "invoked");
  static_assert(FieldNeedle("(Exim ").text == "(Exim ");
}

TEST(ReceivedMentionsTest, SameAnswersAsHeadersMention) {
  // Received fields built from pieces: the needles whole, in other cases, cut by a fold or
  // doubled spaces, near misses, encoded words and 8-bit bytes (values without a plain raw form).
  static constexpr std::string_view kPieces[] = {"(Exim ",
                                                 "(exim 4.9",
                                                 "(EXIM\r\n ",
                                                 "(Exi",
                                                 "(SMTPD32",
                                                 "(smtpd32-8",
                                                 "(SMTPD3",
                                                 "invoked",
                                                 " for ",
                                                 "bounce",
                                                 "INVOKED FOR BOUNCE",
                                                 "invoked\r\n for bounce",
                                                 "invoked  for bounce",
                                                 "(",
                                                 "((",
                                                 " from x ",
                                                 "=?utf-8?q?Exim?= ",
                                                 "caf\xc3\xa9 ",
                                                 "\r\n\t",
                                                 "by mx.example.org ",
                                                 ";"};
  static constexpr std::pair<std::string_view, ReceivedNeedle> kAsked[] = {
      {"(Exim ", kReceivedExim},
      {"(SMTPD32", kReceivedSmtpd32},
      {"invoked for bounce", kReceivedInvokedForBounce}};
  bw::testing::PieceText gen(4242);
  for (int round = 0; round < 3000; ++round) {
    std::string raw;
    for (int f = round % 4; f >= 0; --f) {
      raw += f % 2 == 0 ? "Received: " : "X-Received: ";
      raw += gen.Next(kPieces, static_cast<size_t>(1 + (round + f) % 7));
      raw += "\r\n";
    }
    raw += "From: a@example.org\r\nSubject: s\r\n\r\nbody\r\n";
    Mail mail = LoadOrDie(raw);
    const bool want[] = {HeadersMention(mail, "received", "(Exim "),
                         HeadersMention(mail, "received", "(SMTPD32"),
                         HeadersMention(mail, "received", "invoked for bounce")};
    for (size_t k = 0; k < std::size(kAsked); ++k) {
      ASSERT_EQ(ReceivedMentions(mail, kAsked[k].second), want[k]) << kAsked[k].first << raw;
    }
    // Memoized in a scope: the first question answers all three, in any order.
    const DetectionScope scope(mail);
    for (size_t k : {size_t{2}, size_t{0}, size_t{1}, size_t{2}}) {
      ASSERT_EQ(ReceivedMentions(mail, kAsked[k].second), want[k]) << kAsked[k].first << raw;
    }
  }
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

TEST(ParseDeliveryStatusTest, ActionIsItsFirstWordLowerCased) {
  // Action: the value up to the first space or '(' (a comment), lower-cased; the address of a
  // recipient field is the one after its type, as written.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"failed", "failed"},
      {"  FAILED (permanent error) ", "failed"},
      {"Delayed(retrying)", "delayed"},
      {"DeLiVeReD \t", "delivered"},
      {"(no action)", ""},
      {"RELAYED-elsewhere x", "relayed-elsewhere"},
      {"Failed\tNow (x)", "failed\tnow"},  // a tab is not where the word ends
      {"x", "x"},
  };
  for (const auto& [value, want] : cases) {
    Mail mail;
    mail.delivery_status.push_back("Final-Recipient: rfc822; Kiji.Tora@Example.ORG\nAction: " +
                                   std::string(value) + "\nStatus: 5.1.1\n");
    const std::vector<Delivery> got = ParseDeliveryStatus(mail);
    ASSERT_EQ(got.size(), 1u) << value;
    EXPECT_EQ(got[0].action, want) << value;
    EXPECT_EQ(got[0].recipient, "Kiji.Tora@Example.ORG") << value;
  }
}

TEST(ParseDeliveryStatusTest, GroupsWithoutAnAddressAreDroppedTheOthersKeptInOrder) {
  // Each recipient's group is built in place at the end of the result: one without any address
  // is taken off again, Original-Recipient stands in for a Final-Recipient without one, and the
  // groups of a second part follow those of the first with that part's own Reporting-MTA.
  Mail mail;
  mail.delivery_status.push_back(
      "Reporting-MTA: dns; mx1.example\nArrival-Date: Mon, 1 Jan 2024\n\n"
      "Final-Recipient: rfc822; nobody-here\nAction: failed\nStatus: 5.0.0\n\n"
      "Original-Recipient: rfc822; Orig@Example.ORG\nFinal-Recipient: rfc822; not-an-address\n"
      "Action: failed\nStatus: 5.1.1\n\n"
      "X-Actual-Recipient: rfc822; actual@example.com\nAction: delayed\n");
  mail.delivery_status.push_back(
      "Original-Recipient: rfc822; a@example.com\r\nAction: failed\r\n"
      "Original-Recipient: rfc822; b@example.com\r\nStatus: 5.1.1");
  mail.delivery_status.push_back("Final-Recipient: rfc822; nobody\nAction: failed\n");
  mail.delivery_status.push_back("");
  const std::vector<Delivery> got = ParseDeliveryStatus(mail);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].recipient, "Orig@Example.ORG");
  EXPECT_EQ(got[0].status, "5.1.1");
  EXPECT_EQ(got[0].reporting_mta, "mx1.example");
  EXPECT_EQ(got[0].date, "Mon, 1 Jan 2024");
  EXPECT_EQ(got[1].recipient, "actual@example.com");
  EXPECT_EQ(got[1].action, "delayed");
  EXPECT_EQ(got[1].status, "");
  EXPECT_EQ(got[1].date, "Mon, 1 Jan 2024");
  EXPECT_EQ(got[2].recipient, "a@example.com");
  EXPECT_EQ(got[2].action, "failed");
  EXPECT_EQ(got[2].status, "");
  EXPECT_EQ(got[2].reporting_mta, "");
  EXPECT_EQ(got[3].recipient, "b@example.com");
  EXPECT_EQ(got[3].action, "");
  EXPECT_EQ(got[3].status, "5.1.1");

  Mail none;  // only groups without an address: nothing at all
  none.delivery_status.push_back(
      "Final-Recipient: rfc822; x\nAction: failed\n\n"
      "Original-Recipient: rfc822; y\nStatus: 5.0.0\n");
  EXPECT_TRUE(ParseDeliveryStatus(none).empty());
}

TEST(ParseDeliveryStatusTest, ALineIsAFieldOnlyWithAColonBeforeAnySpace) {
  // A line names a field when it has a ':' that is not its first byte and no ' ' before it,
  // wherever the line starts (a padding field moves it) and however near the part's end it is.
  for (size_t pad = 0; pad < 40; ++pad) {
    for (const bool last_line_ends : {false, true}) {
      const std::string part = "X-Pad: " + std::string(pad, 'p') +
                               "\n"
                               "Final-Recipient: rfc822; one@example.net\n"
                               "Status : 4.0.0\n"
                               ":Action: delayed\n"
                               "Remote MTA: dns; wrong.example\n"
                               "Remote-MTA\n"
                               "X: y\n"
                               "Last-Attempt-Date: Mon, 1 Jan 2024\n"
                               "Action:failed\n"
                               "Status: 5.1.1" +
                               std::string(last_line_ends ? "\n" : "");
      Mail mail;
      mail.delivery_status.push_back(part);
      const std::vector<Delivery> got = ParseDeliveryStatus(mail);
      ASSERT_EQ(got.size(), 1u) << part;
      EXPECT_EQ(got[0].recipient, "one@example.net") << part;
      EXPECT_EQ(got[0].status, "5.1.1") << part;
      EXPECT_EQ(got[0].action, "failed") << part;
      EXPECT_EQ(got[0].remote_mta, "") << part;
      EXPECT_EQ(got[0].date, "Mon, 1 Jan 2024") << part;
    }
  }
  // A status line as the whole part's last 13 bytes, and one whose name runs past 16 bytes.
  Mail mail;
  mail.delivery_status.push_back("Final-Recipient: rfc822; a@example.net\nStatus: 5.2.2");
  mail.delivery_status.push_back(
      "Original-Recipient: rfc822; b@example.net\nX-Actual-Recipient x: rfc822; c@example.net\n");
  const std::vector<Delivery> got = ParseDeliveryStatus(mail);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].status, "5.2.2");
  EXPECT_EQ(got[1].recipient, "b@example.net");
}

TEST(NextLineMentioningTest, MailBuiltByHandFallsBackToThePerLineSearch) {
  Mail mail;
  mail.text = "a@b.example here\nnothing\nA@B.EXAMPLE again\n";
  mail.readable_size = mail.text.size();  // no text_lower: built without LoadMail
  auto lines = SplitLines(mail.Readable());
  EXPECT_EQ(LinesNamed(mail, lines, "a@b.example"), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(LinesNamed(mail, lines, ""), PerLine(lines, ""));
  EXPECT_EQ(NextLineMentioning(mail, "a@b.example", 17), 25u);
  EXPECT_EQ(NextLineMentioning(mail, "nobody", 0), std::string_view::npos);
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

TEST(ScanBounceTextTest, TheOriginalSenderIsARecipientOnlyWhenNothingElseIs) {
  // The bounce's To (the original sender), the original's From and mail-system addresses are
  // dropped when the text names other recipients too, whichever line names them first.
  for (const char* order : {"sender first", "recipient first"}) {
    const bool sender_first = std::string_view(order) == "sender first";
    const std::string sender_line = "<news@sender.example>: 550 5.1.1 sender's own line\n";
    const std::string from_line = "<owner@sender.example>: 550 5.1.1 the original's From\n";
    const std::string daemon_line = "<postmaster@mx.example.org>: 550 5.1.1 a mail system\n";
    const std::string gone_line = "<gone@example.net>: 550 5.1.1 no such user\n";
    const std::string raw =
        "From: MAILER-DAEMON@mx.example.org\nTo: News <News@Sender.example>\n"
        "Subject: failure notice\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n" +
        (sender_first ? sender_line + from_line + daemon_line + gone_line
                      : gone_line + sender_line + from_line + daemon_line) +
        "--b\nContent-Type: message/rfc822\n\nFrom: owner@sender.example\n"
        "To: gone@example.net\nSubject: hi\n\nbody\n--b--\n";
    Mail mail = LoadOrDie(raw);
    const std::vector<Delivery> found = ScanBounceText(mail);
    ASSERT_EQ(found.size(), 1u) << order;
    EXPECT_EQ(found[0].recipient, "gone@example.net") << order;
  }
  // Alone, the sender's address is reported.
  Mail alone = LoadOrDie(
      "From: MAILER-DAEMON@mx.example.org\nTo: news@sender.example\nSubject: failure notice\n\n"
      "<news@sender.example>: 550 5.1.1 no such user\n");
  const std::vector<Delivery> found = ScanBounceText(alone);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].recipient, "news@sender.example");
}

}  // namespace
}  // namespace bw::mail
