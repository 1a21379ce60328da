// SPDX-License-Identifier: Apache-2.0
// One small hand-written mail per detector: the detector must claim its own format and only it.
#include <gtest/gtest.h>

#include "ingest/mail/detector.h"
#include "ingest/mail/mail.h"
#include "detect_with.h"

namespace bw::mail {
namespace {

constexpr std::string_view kPostfixDsn =
    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
    "To: sender@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain\n"
    "\n"
    "<gone@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 <gone@example.net>:\n"
    "    Recipient address rejected: User unknown (in reply to RCPT TO command)\n"
    "\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; gone@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected:\n"
    "    User unknown\n"
    "\n"
    "Final-Recipient: rfc822; full@example.net\n"
    "Action: delayed\n"
    "Status: 4.2.2\n"
    "\n"
    "--B--\n";

TEST(Rfc3464DetectorTest, ReadsEveryRecipientGroup) {
  auto found = DetectWith("rfc3464", kPostfixDsn);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].recipient, "gone@example.net");
  EXPECT_EQ(found[0].status, "5.1.1");
  EXPECT_EQ(found[0].action, "failed");
  EXPECT_EQ(found[0].diagnostic_type, "SMTP");
  EXPECT_NE(found[0].diagnostic.find("User unknown"), std::string::npos);
  EXPECT_EQ(found[0].reporting_mta, "mx.example.org");
  EXPECT_EQ(found[1].recipient, "full@example.net");
  EXPECT_EQ(found[1].action, "delayed");
}

TEST(Rfc3464DetectorTest, IgnoresPlainMail) {
  EXPECT_TRUE(DetectWith("rfc3464", "From: a@example.com\nSubject: hi\n\nhello\n").empty());
}

constexpr std::string_view kArf =
    "From: fbl@isp.example\n"
    "To: abuse@sender.example\n"
    "Subject: Abuse report\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n"
    "\n"
    "--F\n"
    "Content-Type: text/plain\n"
    "\n"
    "This is a complaint.\n"
    "--F\n"
    "Content-Type: message/feedback-report\n"
    "\n"
    "Feedback-Type: abuse\n"
    "User-Agent: test/1.0\n"
    "Version: 1\n"
    "Original-Rcpt-To: angry@isp.example\n"
    "Arrival-Date: Thu, 29 Apr 2021 23:34:45 +0000\n"
    "\n"
    "--F\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: news@sender.example\n"
    "To: angry@isp.example\n"
    "Message-ID: <orig-1@sender.example>\n"
    "Subject: offer\n"
    "\n"
    "buy\n"
    "--F--\n";

TEST(ArfDetectorTest, ReadsFeedbackReport) {
  auto found = DetectWith("arf", kArf);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "angry@isp.example"));
  EXPECT_EQ(found[0].reason, "feedback");
  EXPECT_EQ(found[0].feedback_type, "abuse");
}

TEST(ArfDetectorTest, IgnoresDsn) { EXPECT_TRUE(DetectWith("arf", kPostfixDsn).empty()); }

constexpr std::string_view kVacation =
    "From: Away Person <away@example.net>\n"
    "To: sender@example.com\n"
    "Subject: Out of Office: meeting\n"
    "Auto-Submitted: auto-replied\n"
    "\n"
    "I am out of the office until Monday.\n";

TEST(Rfc3834DetectorTest, AutoReplyIsVacationOfTheSender) {
  auto found = DetectWith("rfc3834", kVacation);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "away@example.net"));
  EXPECT_EQ(found[0].reason, "vacation");
}

TEST(Rfc3834DetectorTest, SubjectWordsAloneInAnyCaseAndLanguage) {
  // No header says it: the Subject's words do, anywhere in it, in any ASCII case.
  for (std::string_view subject :
       {"OUT OF OFFICE", "Re: Automatic Reply: x", "[AutoReply]", "Réponse automatique : absent",
        "自動応答: 不在", "Abwesenheitsnotiz", "x auto: y", "Poza biurem"}) {
    std::string raw = "From: Away Person <away@example.net>\nSubject: ";
    raw += subject;
    raw += "\n\nAway.\n";
    auto found = DetectWith("rfc3834", raw);
    ASSERT_EQ(found.size(), 1u) << subject;
    EXPECT_EQ(found[0].reason, "vacation");
  }
  for (std::string_view subject : {"Out of offic", "autoreplies are off", "Réponse", "meeting"}) {
    std::string raw = "From: Someone <someone@example.net>\nSubject: ";
    raw += subject;
    raw += "\n\nHello.\n";
    EXPECT_TRUE(DetectWith("rfc3834", raw).empty()) << subject;
  }
}

TEST(Rfc3834DetectorTest, BounceFromPostmasterIsNotAnAutoReply) {
  EXPECT_TRUE(DetectWith("rfc3834",
                         "From: postmaster@example.net\nAuto-Submitted: auto-replied\n"
                         "Subject: email bounce notification\n\nrejected\n")
                  .empty());
}

constexpr std::string_view kExim =
    "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
    "To: sender@example.com\n"
    "Subject: Mail delivery failed: returning message to sender\n"
    "X-Failed-Recipients: nobody@example.jp\n"
    "\n"
    "This message was created automatically by mail delivery software.\n"
    "\n"
    "A message that you sent could not be delivered to one or more of its\n"
    "recipients. This is a permanent error. The following address(es) failed:\n"
    "\n"
    "  nobody@example.jp\n"
    "    SMTP error from remote mail server after RCPT TO:<nobody@example.jp>:\n"
    "    host mx.example.jp [192.0.2.20]: 550 5.1.1 <nobody@example.jp>... User unknown\n"
    "\n"
    "------ This is a copy of the message, including all the headers. ------\n"
    "\n"
    "From: sender@example.com\n"
    "To: nobody@example.jp\n"
    "Message-Id: <x@example.com>\n";

TEST(GenericTextDetectorTest, ReadsEximStyleText) {
  auto found = DetectWith("generic", kExim);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "nobody@example.jp"));
  EXPECT_NE(found[0].diagnostic.find("550 5.1.1"), std::string::npos);
}

constexpr std::string_view kQmail =
    "From: MAILER-DAEMON@mail.example.org\n"
    "To: sender@example.com\n"
    "Subject: failure notice\n"
    "\n"
    "Hi. This is the qmail-send program at mail.example.org.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<first@example.net>:\n"
    "192.0.2.3 does not like recipient.\n"
    "Remote host said: 550 5.1.1 <first@example.net>... User unknown\n"
    "Giving up on 192.0.2.3.\n"
    "\n"
    "<second@example.net>:\n"
    "Sorry, I couldn't find any host named example.net. (#5.1.2)\n"
    "\n"
    "--- Below this line is a copy of the message.\n"
    "\n"
    "To: not-a-recipient@example.org\n";

TEST(GenericTextDetectorTest, ReadsQmailStyleText) {
  auto found = DetectWith("generic", kQmail);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].recipient, "first@example.net");
  EXPECT_EQ(found[1].recipient, "second@example.net");
  EXPECT_NE(found[1].diagnostic.find("#5.1.2"), std::string::npos);
}

TEST(GenericTextDetectorTest, IgnoresOrdinaryMail) {
  EXPECT_TRUE(DetectWith("generic",
                         "From: friend@example.com\nTo: me@example.org\nSubject: lunch\n\n"
                         "<other@example.net>: are you coming?\n")
                  .empty());
}

constexpr std::string_view kSesJson =
    "From: no-reply@sns.amazonaws.com\n"
    "Subject: AWS Notification Message\n"
    "\n"
    "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":"
    "\"General\",\"bouncedRecipients\":[{\"emailAddress\":\"gone@example.net\",\"action\":"
    "\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}],"
    "\"timestamp\":\"2016-10-21T00:06:40.502Z\",\"reportingMTA\":\"dsn; a1.amazonses.com\"},\n"
    " \"mail\":{\"messageId\":\"0101\"}}\n"
    "\n--\nunsubscribe\n";

TEST(AmazonSesDetectorTest, ReadsSesJsonBody) {
  auto found = DetectWith("amazonses", kSesJson);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "gone@example.net"));
  EXPECT_EQ(found[0].status, "5.1.1");
  EXPECT_EQ(found[0].diagnostic, "550 5.1.1 user unknown");
}

TEST(AmazonSesDetectorTest, JoinsSnsWrappedLines) {
  // SNS wraps long lines with "!" LF " ": the three bytes go, and so does every other LF (CRLF
  // line ends are LF by now); a "!" before a LF without a space after it stays, as does a "!"
  // LF " " wrap right after another one.
  constexpr std::string_view kWrapped =
      "From: no-reply@sns.amazonaws.com\n"
      "Subject: AWS Notification Message\n"
      "\n"
      "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Perma!\n nent\","
      "\"bounceSubType\":\"General\",\"bouncedRecipients\":[{\"emailAddress\":\"go!\n!\n "
      "ne@example.net\",\"action\":\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":"
      "\"smtp; 550 5.1.1 user unknown!\n\"}],\n"
      "\"timestamp\":\"2016-10-21T00:06:40.502Z\",\"reportingMTA\":\"dsn; a1.amazo!\n nses.com\"},"
      "\n \"mail\":{\"messageId\":\"0101\"}}";
  auto found = DetectWith("amazonses", kWrapped);
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "go!ne@example.net"));
  EXPECT_EQ(found[0].status, "5.1.1");
  EXPECT_EQ(found[0].diagnostic, "550 5.1.1 user unknown!");
  EXPECT_EQ(found[0].reporting_mta, "dsn; a1.amazonses.com");
}

TEST(AmazonSesDetectorTest, IgnoresOtherMail) {
  EXPECT_TRUE(DetectWith("amazonses", kExim).empty());
}

TEST(GoogleGroupsDetectorTest, GroupRefusalIsRejected) {
  auto found = DetectWith("googlegroups",
                          "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
                          "X-Failed-Recipients: team@googlegroups.com\n"
                          "Subject: Delivery Status Notification (Failure)\n\n"
                          "The group you tried to contact may not exist.\n");
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "team@googlegroups.com"));
  EXPECT_EQ(found[0].reason, "rejected");
  EXPECT_TRUE(DetectWith("googlegroups", kExim).empty());
}

TEST(GmailDetectorTest, ReadsRecipientAndRemoteError) {
  auto found = DetectWith("gmail",
                          "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
                          "Subject: Delivery Status Notification (Failure)\n\n"
                          "Delivery to the following recipient failed permanently:\n\n"
                          "     gone@example.jp\n\n"
                          "Technical details of permanent failure:\n"
                          "Google tried to deliver your message, but it was rejected by the "
                          "recipient domain. The error that the other server returned was: "
                          "554 5.7.0 Header error (state 18).\n");
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "gone@example.jp"));
  EXPECT_EQ(found[0].diagnostic, "554 5.7.0 Header error (state 18).");
  EXPECT_EQ(found[0].smtp_command, "DATA");
  EXPECT_EQ(found[0].reason, "filtered");
  EXPECT_TRUE(DetectWith("gmail", kExim).empty());
}

TEST(IMailServerDetectorTest, LabelNamesTheReason) {
  auto found = DetectWith("imailserver",
                          "From: \"Postmaster\" <postmaster@example.org>\n"
                          "Subject: Undeliverable Mail\n"
                          "X-Mailer: <SMTP32 v8.12>\n\n"
                          "Unknown user: gone@example.com\n\n"
                          "Original message follows.\n\n"
                          "To: gone@example.com\n");
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "gone@example.com"));
  EXPECT_EQ(found[0].reason, "userunknown");
  EXPECT_TRUE(DetectWith("imailserver", kQmail).empty());
}

TEST(McAfeeDetectorTest, RefusalsAreAtRcptTime) {
  auto found = DetectWith("mcafee",
                          "From: <MAILER-DAEMON@gw.example.jp>\n"
                          "Subject: Delivery Status\n"
                          "MIME-Version: 1.0\n"
                          "Content-Type: multipart/mixed; boundary=\"M\"\n\n"
                          "--M\n"
                          "Content-Type: text/plain; name=\"deliveryproblems.txt\"\n\n"
                          "    --- The following addresses had delivery problems ---\n\n"
                          "<gone@example.jp>   (Unknown user gone@example.jp)\n\n"
                          "--M\n"
                          "Content-Type: message/delivery-status\n\n"
                          "Original-Recipient: <gone@example.jp>\n"
                          "Action: failed\n"
                          "Diagnostic-Code: smtp; 550 Unknown user gone@example.jp\n\n"
                          "--M--\n");
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "gone@example.jp"));
  EXPECT_EQ(found[0].smtp_command, "RCPT");
  EXPECT_TRUE(DetectWith("mcafee", kPostfixDsn).empty());
}

TEST(EximDetectorTest, EximMessagesWithoutCodesNameTheReason) {
  auto found = DetectWith("exim",
                          "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
                          "Subject: Mail delivery failed: returning message to sender\n"
                          "X-Failed-Recipients: nobody@nowhere.example\n\n"
                          "This message was created automatically by mail delivery software.\n\n"
                          "A message that you sent could not be delivered to one or more of its\n"
                          "recipients. This is a permanent error. The following address(es) "
                          "failed:\n\n"
                          "  nobody@nowhere.example\n"
                          "    all relevant MX records point to non-existent hosts\n");
  ASSERT_NO_FATAL_FAILURE(ExpectOneRecipient(found, "nobody@nowhere.example"));
  EXPECT_EQ(found[0].reason, "hostunknown");
  // A remote server's coded answer is left to the classifier.
  auto coded = DetectWith("exim", kExim);
  ASSERT_EQ(coded.size(), 1u);
  EXPECT_EQ(coded[0].reason, "");
  EXPECT_TRUE(DetectWith("exim", kPostfixDsn).empty());
}

TEST(RegistryTest, EveryDetectorHasAUniqueName) {
  for (const auto& d : Detectors()) {
    EXPECT_EQ(FindDetector(d->Name()), d.get()) << d->Name();
  }
  EXPECT_EQ(FindDetector("no-such-detector"), nullptr);
}

}  // namespace
}  // namespace bw::mail
