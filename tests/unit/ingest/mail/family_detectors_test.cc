// SPDX-License-Identifier: Apache-2.0
// The MTA family detectors (detectors/postfix.cc, sendmail.cc, qmail.cc, exchange.cc, yahoo.cc,
// outlook.cc): each claims a small hand-written report in its family's wording, declines the
// others' reports, and adds what the family's format says beyond the generic parsers.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "detect_with.h"
#include "ingest/mail/detector.h"
#include "ingest/mail/mail.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/mail/text_util.h"
#include "testing/test_data.h"

namespace bw::mail {
namespace {

std::string DetectorOf(std::string_view raw) {
  auto r = ParseMail(raw);
  EXPECT_TRUE(r.has_value());
  return r && !r->empty() ? (*r)[0].detector : std::string();
}

// Postfix without a DSN part (notify copy / old versions): only the text names the recipient.
constexpr std::string_view kPostfixText =
    "From: MAILER-DAEMON@relay.example.org (Mail Delivery System)\n"
    "To: owner@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Tue, 02 Mar 2021 10:00:00 +0000\n"
    "\n"
    "This is the mail system at host relay.example.org.\n"
    "\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n"
    "\n"
    "                   The mail system\n"
    "\n"
    "<nobody@dest.example>: host mx.dest.example[198.51.100.7] said: 550 5.1.1\n"
    "    <nobody@dest.example>: Recipient address rejected: User unknown in virtual\n"
    "    mailbox table (in reply to RCPT TO command)\n";

// Postfix with its delivery-status part (X-Postfix-* fields).
constexpr std::string_view kPostfixDsn =
    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
    "To: owner@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"P\"\n"
    "\n"
    "--P\n"
    "Content-Type: text/plain\n"
    "\n"
    "This is the mail system at host mx.example.org.\n"
    "\n"
    "<full@dest.example>: host mx.dest.example[198.51.100.7] said: 452 4.2.2 Mailbox\n"
    "    full (in reply to RCPT TO command)\n"
    "\n"
    "--P\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "X-Postfix-Queue-ID: 4ABCD1234\n"
    "\n"
    "Final-Recipient: rfc822; full@dest.example\n"
    "Action: delayed\n"
    "Status: 4.2.2\n"
    "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
    "\n"
    "--P--\n";

TEST(PostfixDetectorTest, ReadsTheTextFormWithCommand) {
  auto found = DetectWith("postfix", kPostfixText);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "nobody@dest.example"));
  EXPECT_NE(found[0].diagnostic.find("User unknown"), std::string::npos);
  auto r = ParseMail(kPostfixText);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].detector, "postfix");
  EXPECT_EQ((*r)[0].status, "5.1.1");
  EXPECT_EQ((*r)[0].smtp_command, "RCPT");
  EXPECT_EQ((*r)[0].reason, "userunknown");
  EXPECT_TRUE((*r)[0].hard_bounce);
}

TEST(PostfixDetectorTest, ReadsTheDsnForm) {
  auto found = DetectWith("postfix", kPostfixDsn);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "full@dest.example"));
  EXPECT_EQ(found[0].status, "4.2.2");
  EXPECT_EQ(found[0].action, "delayed");
  EXPECT_EQ(found[0].smtp_command, "RCPT");
}

// Sendmail V8 without a DSN part: a transcript with the remote dialogue.
constexpr std::string_view kSendmailTranscript =
    "From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.jp>\n"
    "To: owner@example.jp\n"
    "Subject: Returned mail: see transcript for details\n"
    "\n"
    "The original message was received at Wed, 3 Mar 2021 09:00:00 +0900\n"
    "from localhost [127.0.0.1]\n"
    "\n"
    "   ----- The following addresses had permanent fatal errors -----\n"
    "<ghost@remote.example>\n"
    "    (reason: 550 5.1.1 <ghost@remote.example>... User unknown)\n"
    "\n"
    "   ----- Transcript of session follows -----\n"
    "... while talking to mx.remote.example.:\n"
    ">>> RCPT To:<ghost@remote.example>\n"
    "<<< 550 5.1.1 <ghost@remote.example>... User unknown\n"
    "550 5.1.1 <ghost@remote.example>... User unknown\n";

// Sendmail V5: recipient lines after a dialogue whose MAIL command was refused, and a host line.
constexpr std::string_view kSendmailV5 =
    "From: Mail Delivery Subsystem <MAILER-DAEMON@old.example.com>\n"
    "To: owner@example.com\n"
    "Subject: Returned mail: Unknown host\n"
    "\n"
    "   ----- Transcript of session follows -----\n"
    "While talking to mx1.far.example:\n"
    ">>> MAIL From:<owner@example.com>\n"
    "<<< 553 <owner@example.com>... sender refused: listed as an open relay\n"
    "554 <first@far.example>... Remote protocol error\n"
    "550 nowhere.example (smtp)... 550 Host unknown\n"
    "554 <second@nowhere.example>... 550 Host unknown (Authoritative answer from name server)\n"
    "\n"
    "   ----- Unsent message follows -----\n"
    "From: owner@example.com\n"
    "To: first@far.example\n"
    "\n"
    "hello\n";

TEST(SendmailDetectorTest, TranscriptGivesCommandAndRemoteAnswer) {
  auto found = DetectWith("sendmail", kSendmailTranscript);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "ghost@remote.example"));
  EXPECT_EQ(found[0].smtp_command, "RCPT");
  EXPECT_NE(found[0].diagnostic.find("User unknown"), std::string::npos);
}

TEST(SendmailDetectorTest, EachRecipientLineKeepsItsOwnError) {
  auto found = DetectWith("sendmail", kSendmailV5);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].recipient, "first@far.example");
  EXPECT_EQ(found[0].smtp_command, "MAIL");  // the refused MAIL right above its line
  EXPECT_NE(found[0].diagnostic.find("open relay"), std::string::npos);
  EXPECT_EQ(found[1].recipient, "second@nowhere.example");
  EXPECT_EQ(found[1].diagnostic.find("open relay"), std::string::npos);
  EXPECT_NE(found[1].diagnostic.find("Host unknown"), std::string::npos);
  auto r = ParseMail(kSendmailV5);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].reason, "hostunknown");
  EXPECT_TRUE((*r)[1].hard_bounce);
}

constexpr std::string_view kQmail =
    "Received: (qmail 4242 invoked for bounce); 4 Mar 2021 01:02:03 -0000\n"
    "From: MAILER-DAEMON@mail.example.net\n"
    "To: owner@example.com\n"
    "Subject: failure notice\n"
    "\n"
    "Hi. This is the qmail-send program at mail.example.net.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<late@slow.example>:\n"
    "I'm not going to try again; this message has been in the queue too long.\n"
    "\n"
    "<nobox@example.net>:\n"
    "Sorry, no mailbox here by that name. (#5.1.1)\n"
    "\n"
    "--- Below this line is a copy of the message.\n"
    "\n"
    "From: owner@example.com\n"
    "To: late@slow.example\n";

TEST(QmailDetectorTest, QmailSentencesNameTheReason) {
  auto found = DetectWith("qmail", kQmail);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].recipient, "late@slow.example");
  EXPECT_EQ(found[0].reason, "expired");
  EXPECT_EQ(found[1].recipient, "nobox@example.net");
  auto r = ParseMail(kQmail);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].detector, "qmail");
  EXPECT_EQ((*r)[1].status, "5.1.1");
  EXPECT_EQ((*r)[1].reason, "userunknown");
}

// Exchange 2003's text NDR.
constexpr std::string_view kExchange2003 =
    "From: System Administrator <postmaster@corp.example>\n"
    "To: owner@example.com\n"
    "Subject: Undeliverable: quarterly numbers\n"
    "X-MimeOLE: Produced By Microsoft Exchange V6.5\n"
    "\n"
    "Your message\n"
    "\n"
    "  To:      someone@corp.example\n"
    "  Subject: quarterly numbers\n"
    "\n"
    "did not reach the following recipient(s):\n"
    "\n"
    "someone@corp.example on Fri, 5 Mar 2021 08:00:00 +0100\n"
    "    The e-mail account does not exist at the organization this message was sent to.\n";

// Office 365 / Exchange Online with a DSN part.
constexpr std::string_view kOffice365 =
    "From: Microsoft Outlook <postmaster@tenant.example>\n"
    "To: owner@example.com\n"
    "Subject: Undeliverable: hello\n"
    "X-MS-Exchange-Message-Is-Ndr:\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"O\"\n"
    "\n"
    "--O\n"
    "Content-Type: text/plain; charset=\"us-ascii\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Your message to missing@tenant.example couldn't be delivered.\n"
    "Diagnostic information for administrators:\n"
    "Generating server: AB1PR01MB0001.eurprd01.prod.example.com\n"
    "missing@tenant.example\n"
    "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not =\n"
    "found by SMTP address lookup'\n"
    "\n"
    "--O\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns;AB1PR01MB0001.eurprd01.prod.example.com\n"
    "\n"
    "Final-Recipient: rfc822;missing@tenant.example\n"
    "Action: failed\n"
    "Status: 5.1.10\n"
    "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\n"
    "\n"
    "--O--\n";

TEST(ExchangeDetectorTest, ReadsExchange2003Text) {
  auto found = DetectWith("exchange", kExchange2003);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "someone@corp.example"));
  EXPECT_EQ(found[0].reason, "userunknown");
  EXPECT_EQ(DetectorOf(kExchange2003), "exchange");
}

TEST(ExchangeDetectorTest, ReadsOffice365Dsn) {
  auto r = ParseMail(kOffice365);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].detector, "exchange");
  EXPECT_EQ((*r)[0].recipient, "missing@tenant.example");
  EXPECT_EQ((*r)[0].status, "5.1.10");
  EXPECT_EQ((*r)[0].reason, "userunknown");
}

constexpr std::string_view kYahoo =
    "From: MAILER-DAEMON@yahoo.example.com\n"
    "To: owner@yahoo.example.com\n"
    "Subject: Failure Notice\n"
    "\n"
    "Sorry, we were unable to deliver your message to the following address.\n"
    "\n"
    "<nouser@far.example>:\n"
    "Remote host said: 550 5.1.1 <nouser@far.example>... User Unknown [RCPT_TO]\n"
    "\n"
    "<spam@far.example>:\n"
    "Remote host said: 554 Message rejected as spam [DATA]\n"
    "\n"
    "--- Below this line is a copy of the message.\n";

TEST(YahooDetectorTest, BracketTagNamesTheCommand) {
  auto found = DetectWith("yahoo", kYahoo);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].recipient, "nouser@far.example");
  EXPECT_EQ(found[0].smtp_command, "RCPT");
  EXPECT_EQ(found[1].smtp_command, "DATA");
  EXPECT_EQ(DetectorOf(kYahoo), "yahoo");
}

TEST(YahooDetectorTest, AnswerNamingTheRecipientIsAtRcptTime) {
  std::string raw(kYahoo.substr(0, kYahoo.find("<nouser")));
  raw += "<gone@far.example>:\n550: <gone@far.example>: User unknown\n";
  auto r = ParseMail(raw);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].smtp_command, "RCPT");
  EXPECT_EQ((*r)[0].reason, "userunknown");
}

constexpr std::string_view kOutlook =
    "From: postmaster@mail.hotmail.example.com\n"
    "To: owner@hotmail.example.com\n"
    "Subject: Delivery Status Notification (Failure)\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"H\"\n"
    "\n"
    "--H\n"
    "Content-Type: text/plain; charset=unicode-1-1-utf-7\n"
    "\n"
    "This is an automatically generated Delivery Status Notification.\n"
    "\n"
    "Delivery to the following recipients failed.\n"
    "\n"
    "       stuffed@far.example\n"
    "\n"
    "--H\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns;BAY0-OMC1-S1.hotmail.example.com\n"
    "\n"
    "Final-Recipient: rfc822;stuffed@far.example\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Diagnostic-Code: smtp;550 5.2.2 <stuffed@far.example>... Mailbox Full\n"
    "\n"
    "--H--\n";

TEST(OutlookDetectorTest, ReadsHotmailDsn) {
  auto found = DetectWith("outlook", kOutlook);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "stuffed@far.example"));
  EXPECT_EQ(found[0].status, "5.2.2");
  auto r = ParseMail(kOutlook);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].detector, "outlook");
  EXPECT_EQ((*r)[0].reason, "mailboxfull");
}

TEST(FamilyDetectorsTest, EachDeclinesTheOthersReports) {
  struct Case {
    std::string_view detector;
    std::string_view own;
  };
  const Case cases[] = {{"postfix", kPostfixText}, {"sendmail", kSendmailTranscript},
                        {"qmail", kQmail},         {"exchange", kExchange2003},
                        {"yahoo", kYahoo},         {"outlook", kOutlook}};
  for (const auto& c : cases) {
    EXPECT_FALSE(DetectWith(c.detector, c.own).empty()) << c.detector;
    for (const auto& other : cases) {
      if (other.detector != c.detector) {
        EXPECT_TRUE(DetectWith(c.detector, other.own).empty())
            << c.detector << " claimed " << other.detector << "'s report";
      }
    }
  }
}

TEST(FamilyDetectorsTest, AcceptsNeverDeclinesAMailDetectClaims) {
  // Accepts may only skip work: on every corpus mail, each detector that finds deliveries (asked
  // directly, outside the pipeline) accepts the mail's signals.
  size_t claimed = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           bw::testing::DataPath("corpus/maildir"))) {
    if (!e.is_regular_file()) {
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto mail = LoadMail(raw, MimeLimits{});
    if (!mail) {
      continue;
    }
    const MailSignals signals = SignalsOf(*mail);
    for (const auto& detector : Detectors()) {
      if (!detector->Detect(*mail).empty()) {
        ++claimed;
        EXPECT_TRUE(detector->Accepts(signals)) << detector->Name() << " " << e.path();
      }
    }
  }
  EXPECT_GT(claimed, 400u);
}

TEST(FamilyDetectorsTest, SignalsReadTheSubjectOnFirstUse) {
  auto mail = LoadMail(
      "From: someone@example.org\nSubject: =?UTF-8?Q?Undelivered_Mail?= Returned\n\nx\n",
      MimeLimits{});
  ASSERT_TRUE(mail.has_value());
  const MailSignals s = SignalsOf(*mail);
  EXPECT_FALSE(s.has_delivery_status);
  EXPECT_FALSE(s.from_daemon);
  EXPECT_EQ(s.Subject(), "undelivered mail returned");
  EXPECT_EQ(&s.Subject(), &s.Subject());  // read once
  EXPECT_TRUE(FindDetector("postfix")->Accepts(s));  // by the Subject alone
  MailSignals none;  // made without a mail
  EXPECT_EQ(none.Subject(), "");
  EXPECT_FALSE(FindDetector("postfix")->Accepts(none));
  EXPECT_FALSE(FindDetector("gmail")->Accepts(none));
  none.from = "mailer-daemon@googlemail.com";
  EXPECT_TRUE(FindDetector("gmail")->Accepts(none));
  EXPECT_FALSE(FindDetector("mcafee")->Accepts(none));
  none.has_delivery_status = true;
  EXPECT_TRUE(FindDetector("mcafee")->Accepts(none));
}

// SignalsOf looks for the six mail-system words that start with "mail" only where "mail" occurs:
// every word, cut short by a byte, between other text, after another "mail", in any case, against
// looking for each of the nine words.
TEST(FamilyDetectorsTest, FromDaemonIsAnyMailSystemWordInFrom) {
  constexpr std::string_view kWords[] = {"mailer-daemon", "postmaster",    "mail delivery",
                                         "mail-daemon",   "mailer_daemon", "mail administrator",
                                         "mailmaster",    "daemon@",       "system administrator"};
  std::vector<std::string> pieces = {"", "mail", "x", "Mail ", "mailmail", "MAILER"};
  for (std::string_view w : kWords) {
    pieces.emplace_back(w);
    pieces.emplace_back(w.substr(0, w.size() - 1));
    pieces.emplace_back(w.substr(1));
  }
  int daemons = 0;
  for (const std::string& before : pieces) {
    for (const std::string& word : pieces) {
      std::string from = "\"" + before + word + "\" <" + word + "@example.org>";
      std::transform(from.begin(), from.end(), from.begin(), [&](char c) {
        return from.size() % 2 == 0 ? static_cast<char>(std::toupper(c)) : c;
      });
      auto mail = LoadMail("From: " + from + "\nSubject: x\n\nx\n", MimeLimits{});
      ASSERT_TRUE(mail.has_value());
      const std::string lower = ToLower(FindHeader(mail->headers, "From"));
      bool want = false;
      for (std::string_view w : kWords) {
        want = want || lower.find(w) != std::string::npos;
      }
      daemons += want ? 1 : 0;
      EXPECT_EQ(SignalsOf(*mail).from_daemon, want) << from;
    }
  }
  EXPECT_GT(daemons, 100);
}

TEST(FamilyDetectorsTest, AcceptsUsesOnlyTheSignals) {
  auto mail = LoadMail(kOutlook, MimeLimits{});
  ASSERT_TRUE(mail.has_value());
  MailSignals s = SignalsOf(*mail);
  EXPECT_TRUE(s.has_delivery_status);
  EXPECT_TRUE(s.from_daemon);
  EXPECT_TRUE(FindDetector("outlook")->Accepts(s));
  s.from = "someone@example.org";
  EXPECT_FALSE(FindDetector("outlook")->Accepts(s));
}

}  // namespace
}  // namespace bw::mail
