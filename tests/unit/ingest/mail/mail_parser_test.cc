// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail_parser.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "ingest/mail/text_util.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::mail {
namespace {

constexpr std::string_view kDsn =
    "From: MAILER-DAEMON@mx.example.org\n"
    "To: bounces+gone=example.net@sender.example\n"
    "Date: Thu, 29 Apr 2021 23:34:45 +0000\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain\n"
    "\n"
    "failed\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; gone@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User "
    "unknown in local recipient table\n"
    "\n"
    "--B\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: news@sender.example\n"
    "To: gone@example.net\n"
    "Message-ID: <orig-42@sender.example>\n"
    "X-SES-Message-ID: 0100abc\n"
    "Subject: hello\n"
    "\n"
    "body\n"
    "--B--\n";

std::string WithEndings(std::string_view lf, std::string_view eol) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') {
      out += eol;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

TEST(ParseMailTest, DsnGivesOneResultWithLinkedOriginal) {
  auto r = ParseMail(kDsn);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  const MailResult& m = (*r)[0];
  EXPECT_EQ(m.recipient, "gone@example.net");
  EXPECT_EQ(m.status, "5.1.1");
  EXPECT_EQ(m.reply_code, "550");
  EXPECT_EQ(m.reason, "userunknown");
  EXPECT_TRUE(m.hard_bounce);
  EXPECT_EQ(m.action, "failed");
  EXPECT_EQ(m.original_message_id, "orig-42@sender.example");
  EXPECT_EQ(m.provider_message_id, "0100abc");
  EXPECT_EQ(m.verp_recipient, "gone@example.net");
  EXPECT_EQ(m.timestamp_ms, *ParseRfc5322DateMs("Thu, 29 Apr 2021 23:34:45 +0000"));
}

// The linking fields come from the first field of each name, in any case: the first provider id
// with a value in order of preference, the VERP address from the first envelope field that holds
// one (else the original's Return-Path), the mail's Date when the DSN gives none.
TEST(ParseMailTest, LinkingFieldsFollowTheFirstFieldOfEachNameInAnyCase) {
  std::string raw(kDsn);
  const auto replace = [&](std::string_view from, std::string_view to) {
    const size_t at = raw.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    raw.replace(at, from.size(), to);
  };
  replace("To: bounces+gone=example.net@sender.example\n",
          "TO: plain@sender.example\n"
          "delivered-to: <BOUNCES+first=example.net@sender.example>\n"
          "X-Original-To: nothing-here@sender.example\n"
          "Delivered-To: bounces+second=example.net@sender.example\n");
  replace("Message-ID: <orig-42@sender.example>\n",
          "message-id: <orig-42@sender.example>\n"
          "Message-ID: <second@sender.example>\n");
  replace("X-SES-Message-ID: 0100abc\n",
          "X-SES-Message-ID:\n"
          "x-mc-message-id: mc-1\n"
          "X-Message-ID: <x-1>\n");
  replace("Subject: hello\n", "SUBJECT: hello\nSubject: later\n");
  auto r = ParseMail(raw);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  const MailResult& m = (*r)[0];
  EXPECT_EQ(m.original_message_id, "orig-42@sender.example");
  EXPECT_EQ(m.provider_message_id, "x-1");  // X-Message-ID comes before X-MC-Message-ID
  EXPECT_EQ(m.original_subject, "hello");
  EXPECT_EQ(m.verp_recipient, "first@example.net");  // X-Original-To holds none
  EXPECT_EQ(m.timestamp_ms, *ParseRfc5322DateMs("Thu, 29 Apr 2021 23:34:45 +0000"));

  // No envelope field with the pattern's prefix: the original's Return-Path.
  std::string via_return_path(kDsn);
  via_return_path.replace(via_return_path.find("To: bounces+gone=example.net@sender.example"),
                          43, "To: someone@sender.example");
  via_return_path.replace(via_return_path.find("From: news@sender.example"), 25,
                          "Return-Path: <bounces+rp=example.org@sender.example>\n"
                          "From: news@sender.example");
  r = ParseMail(via_return_path);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].verp_recipient, "rp@example.org");
  // A pattern whose prefix no field holds: no VERP address at all.
  ParseOptions other;
  other.verp_pattern = "rtn-{local}.{domain}@";
  r = ParseMail(via_return_path, other);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].verp_recipient, "");
}

// Without the linking fields the results are the same but for them (the mail's Date still
// gives the time when the DSN has none).
TEST(ParseMailTest, OriginalFieldsOffLeavesOnlyTheLinkingFieldsEmpty) {
  ParseOptions off;
  off.original_fields = false;
  auto with = ParseMail(kDsn);
  auto without = ParseMail(kDsn, off);
  ASSERT_TRUE(with.has_value());
  ASSERT_TRUE(without.has_value());
  ASSERT_EQ(with->size(), 1u);
  ASSERT_EQ(without->size(), 1u);
  const MailResult& a = (*with)[0];
  const MailResult& b = (*without)[0];
  EXPECT_EQ(b.original_message_id, "");
  EXPECT_EQ(b.provider_message_id, "");
  EXPECT_EQ(b.original_from, "");
  EXPECT_EQ(b.original_subject, "");
  EXPECT_EQ(b.verp_recipient, "");
  EXPECT_FALSE(a.original_from.empty());
  EXPECT_EQ(b.recipient, a.recipient);
  EXPECT_EQ(b.status, a.status);
  EXPECT_EQ(b.reply_code, a.reply_code);
  EXPECT_EQ(b.reason, a.reason);
  EXPECT_EQ(b.hard_bounce, a.hard_bounce);
  EXPECT_EQ(b.action, a.action);
  EXPECT_EQ(b.diagnostic_code, a.diagnostic_code);
  EXPECT_EQ(b.timestamp_ms, a.timestamp_ms);
  EXPECT_EQ(b.timestamp_ms, *ParseRfc5322DateMs("Thu, 29 Apr 2021 23:34:45 +0000"));
  EXPECT_EQ(FormatJsonl("f", *without), FormatJsonl("f", *with));
}

TEST(ParseMailTest, SameResultForCrlfAndCrOnlyLineEndings) {
  for (std::string_view eol : {"\r\n", "\r"}) {
    auto r = ParseMail(WithEndings(kDsn, eol));
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->size(), 1u) << "eol " << eol.size();
    EXPECT_EQ((*r)[0].reason, "userunknown");
    EXPECT_EQ((*r)[0].status, "5.1.1");
  }
}

TEST(ParseMailTest, OrdinaryMailGivesNothing) {
  auto r = ParseMail("From: a@example.com\nTo: b@example.org\nSubject: hi\n\nhello\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(ParseMailTest, Iso2022JpSubjectAndBodyAreDecoded) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.jp\n"
      "Subject: =?ISO-2022-JP?B?GyRCJVElOSVIGyhC?=\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=ISO-2022-JP\n"
      "\n"
      "<gone@example.jp>: 550 5.1.1 User unknown \x1b$B%a!<%k\x1b(B\n";
  auto r = ParseMail(raw);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].recipient, "gone@example.jp");
  EXPECT_NE((*r)[0].diagnostic_code.find("\xe3\x83\xa1"), std::string::npos);  // メ
}

TEST(ParseMailTest, ShiftJisBodyIsDecoded) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.jp\n"
      "Subject: Returned mail\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=Shift_JIS\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "<gone@example.jp>: 550 5.1.1 User unknown \x83\x81\x81\x5b\x83\x8b\n";
  auto r = ParseMail(raw);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_NE((*r)[0].diagnostic_code.find("\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab"),
            std::string::npos);  // メール
}

TEST(ParseMailTest, LimitsGiveErrorsNotCrashes) {
  ParseOptions small;
  small.max_bytes = 100;
  auto too_big = ParseMail(std::string(200, 'x'), small);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code(), Code::kTooLarge);

  std::string deep = "Content-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 1; i < 3000; ++i) {
    deep += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" +
            std::to_string(i) + "\"\n\n";
  }
  auto nested = ParseMail(deep);
  ASSERT_FALSE(nested.has_value());
  EXPECT_EQ(nested.error().code(), Code::kTooLarge);

  auto garbage = ParseMail(std::string("\x00\x01\x02\xff\xfe", 5));
  EXPECT_TRUE(!garbage.has_value() || garbage->empty());
}

TEST(ParseMailTest, DepthLimitKeepsPartialResult) {
  std::string raw =
      "From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail\n"
      "Content-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 1; i < 30; ++i) {
    raw += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" +
           std::to_string(i) + "\"\n\n";
  }
  auto r = ParseMail(raw);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(FormatTest, JsonlTimestampsAndEscapesAreTheGeneralFormattersOnes) {
  // The JSONL writer formats timestamps and escapes strings itself: the same bytes as
  // FormatIso8601Ms and boost::json, over the whole range (before 1970, leap days, years past
  // 9999 through the general formatter).
  for (int64_t ms : {int64_t{1}, int64_t{-1}, int64_t{951782400123}, int64_t{1619739285000},
                     int64_t{-62135596800000}, int64_t{253402300799999}, int64_t{253402300800000},
                     int64_t{4102444800000} + 86399999, int64_t{-86400000}, int64_t{68169600000}}) {
    MailResult r;
    r.recipient = "a@b.example";
    r.timestamp_ms = ms;
    auto v = boost::json::parse(FormatJsonl("f", {r}));
    EXPECT_EQ(v.as_object().at("timestamp").as_string(), FormatIso8601Ms(ms)) << ms;
  }
  MailResult r;
  std::string diag = "quote \" backslash \\ tab \t nl \n ctl \x01\x1f del \x7f utf8 \xc3\xa9";
  diag += std::string(40, 'x') + "\"" + std::string(15, 'y') + "\\";
  r.diagnostic_code = diag;
  auto v = boost::json::parse(FormatJsonl("f", {r}));
  EXPECT_EQ(v.as_object().at("diagnosticcode").as_string(), diag);
  EXPECT_EQ(v.as_object().at("timestamp").as_string(), "");
}

// Byte for byte what boost::json::serialize writes for the same object (keys in the contract's
// order), for several results per file and values that need every kind of escape, non-ASCII and
// invalid UTF-8 (replaced by ValidUtf8 where the writer validates), long and empty values.
TEST(FormatTest, JsonlIsTheSerializedObjectByteForByte) {
  const std::string escapes = "q\"b\\t\tn\nr\rf\fb\bc\x01\x1f\x7f";
  const std::string values[] = {"",
                                "5.1.1",
                                escapes,
                                "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
                                "bad \xff\xc3 utf8",
                                std::string(100, 'x') + escapes + std::string(33, 'y'),
                                std::string(4000, '\\')};
  for (std::string_view file : {"maildir/x.eml", "odd \"name\"\\\x02", "bad \xfe"}) {
    std::vector<MailResult> results;
    for (size_t i = 0; i < std::size(values); ++i) {
      MailResult r;
      r.recipient = ValidUtf8(values[i]);
      r.status = values[(i + 1) % std::size(values)];
      r.reply_code = values[(i + 2) % std::size(values)];
      r.reason = values[(i + 3) % std::size(values)];
      r.hard_bounce = i % 2 == 0;
      r.feedback_type = values[(i + 4) % std::size(values)];
      r.action = values[(i + 5) % std::size(values)];
      r.diagnostic_code = ValidUtf8(values[(i + 6) % std::size(values)]);
      r.timestamp_ms = i == 0 ? 0 : (i == 1 ? int64_t{253402300800000} : 1619739285000 + i);
      results.push_back(r);
    }
    std::string expected;
    int index = 0;
    for (const auto& r : results) {
      boost::json::object o;
      o["file"] = ValidUtf8(file);
      o["index"] = ++index;
      o["recipient"] = r.recipient;
      o["status"] = ValidUtf8(r.status);
      o["replycode"] = ValidUtf8(r.reply_code);
      o["reason"] = ValidUtf8(r.reason);
      o["hardbounce"] = r.hard_bounce ? 1 : 0;
      o["feedbacktype"] = ValidUtf8(r.feedback_type);
      o["action"] = ValidUtf8(r.action);
      o["diagnosticcode"] = r.diagnostic_code;
      o["timestamp"] = r.timestamp_ms == 0 ? std::string() : FormatIso8601Ms(r.timestamp_ms);
      expected += boost::json::serialize(o) + "\n";
    }
    EXPECT_EQ(FormatJsonl(file, results), expected) << file;
    // AppendJsonl: the same lines after what the buffer holds, which stays as it was.
    std::string appended = "earlier\n";
    AppendJsonl(file, results, appended);
    EXPECT_EQ(appended, "earlier\n" + expected) << file;
    AppendJsonl(file, {}, appended);
    EXPECT_EQ(appended, "earlier\n" + expected) << file;
  }
  EXPECT_EQ(FormatJsonl("f", {}), "");
}

TEST(FormatTest, JsonlEscapesEveryByteKindAtEveryPositionAndLength) {
  // Values of 0 to 40 bytes (whole 16-byte blocks and the zero-padded rest) with a byte to escape
  // (or one that is kept) at every position: each field's JSON string is boost::json's.
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t at = 0; at <= n; ++at) {
      for (std::string_view b :
           {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xff", " ", ""}) {
        std::string v(n, 'x');
        if (at < n) {
          v.replace(at, 1, b);
        } else if (!b.empty()) {
          continue;
        }
        MailResult r;
        r.recipient = v;
        r.status = v;
        r.reply_code = v;
        r.reason = v;
        r.feedback_type = v;
        r.action = v;
        r.diagnostic_code = v;
        const std::string line = FormatJsonl(v, {r});
        // The file name, status, reply code, reason, feedback type and action are made valid
        // UTF-8 first (a control byte: a space).
        const std::string quoted = boost::json::serialize(boost::json::value(v));
        const std::string valid = boost::json::serialize(boost::json::value(ValidUtf8(v)));
        ASSERT_EQ(line.substr(0, 8 + valid.size()), "{\"file\":" + valid) << n << " " << at;
        ASSERT_NE(line.find(",\"recipient\":" + quoted + ",\"status\":" + valid +
                            ",\"replycode\":" + valid + ",\"reason\":" + valid + ","),
                  std::string::npos)
            << n << " " << at;
        ASSERT_NE(line.find(",\"feedbacktype\":" + valid + ",\"action\":" + valid + ","),
                  std::string::npos)
            << n << " " << at;
        ASSERT_NE(line.find(",\"diagnosticcode\":" + quoted + ","), std::string::npos)
            << n << " " << at;
      }
    }
  }
}

TEST(ParseMailTest, StatusFieldWinsUnlessEmptyOrOtherUndefined) {
  // The Status field is kept unless it is empty or "x.y.0", where a code of the same class in
  // the diagnostic is more specific (the code in the text is read only for those).
  const auto status = [](std::string_view field, std::string_view diagnostic) {
    std::string mail(kDsn);
    const std::string old_status = "Status: 5.1.1\n";
    mail.replace(mail.find(old_status), old_status.size(),
                 field.empty() ? std::string() : "Status: " + std::string(field) + "\n");
    const size_t d = mail.find("Diagnostic-Code: ");
    const size_t eol = mail.find('\n', d);
    mail.replace(d, eol - d, "Diagnostic-Code: smtp; " + std::string(diagnostic));
    auto r = ParseMail(mail);
    EXPECT_TRUE(r.has_value());
    return r.has_value() && r->size() == 1 ? (*r)[0].status : std::string("?");
  };
  EXPECT_EQ(status("5.2.2", "550 5.1.1 no such user"), "5.2.2");
  EXPECT_EQ(status("5.0.0", "550 5.1.1 no such user"), "5.1.1");
  EXPECT_EQ(status("5.1.0", "550 5.1.1 no such user"), "5.1.1");
  EXPECT_EQ(status("5.1.0", "550 4.1.1 no such user"), "5.1.0");
  EXPECT_EQ(status("", "550 5.1.1 no such user"), "5.1.1");
  EXPECT_EQ(status("5.7.1", "550 no code here"), "5.7.1");
}

TEST(FormatTest, JsonlHasTheContractFields) {
  auto r = ParseMail(kDsn);
  ASSERT_TRUE(r.has_value());
  std::string line = FormatJsonl("maildir/x.eml", *r);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto v = boost::json::parse(line);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("file").as_string(), "maildir/x.eml");
  EXPECT_EQ(o.at("index").as_int64(), 1);
  EXPECT_EQ(o.at("recipient").as_string(), "gone@example.net");
  EXPECT_EQ(o.at("status").as_string(), "5.1.1");
  EXPECT_EQ(o.at("replycode").as_string(), "550");
  EXPECT_EQ(o.at("reason").as_string(), "userunknown");
  EXPECT_EQ(o.at("hardbounce").as_int64(), 1);
  EXPECT_EQ(o.at("feedbacktype").as_string(), "");
  EXPECT_EQ(o.at("action").as_string(), "failed");
  EXPECT_EQ(o.at("timestamp").as_string(), "2021-04-29T23:34:45.000Z");
  EXPECT_NE(o.at("diagnosticcode").as_string().find("User unknown"), std::string::npos);
  EXPECT_NE(FormatTable("x.eml", *r).find("userunknown"), std::string::npos);
}

TEST(ToEventsTest, BounceComplaintAndAutoReply) {
  std::vector<MailResult> rs(3);
  rs[0].recipient = "a@example.net";
  rs[0].reason = "userunknown";
  rs[0].hard_bounce = true;
  rs[1].recipient = "b@example.net";
  rs[1].reason = "feedback";
  rs[1].feedback_type = "abuse";
  rs[2].recipient = "c@example.net";
  rs[2].reason = "vacation";
  testing::FakeClock clock;
  auto events = ToEvents(rs, "inbox/1.eml", clock);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kBounce);
  ASSERT_TRUE(events[0].bounce.has_value());
  EXPECT_EQ(events[0].bounce->bounce_class, BounceClass::kHard);
  EXPECT_EQ(events[0].source, "mail");
  EXPECT_EQ(events[0].origin.file, "inbox/1.eml");
  EXPECT_EQ(events[0].received_at_ms, ToUnixMs(clock.Now()));
  EXPECT_EQ(events[1].type, EventType::kComplaint);
  EXPECT_EQ(events[1].complaint->feedback_type, "abuse");
  EXPECT_EQ(events[2].type, EventType::kAutoReply);
}

TEST(VerpTest, DecodesConfiguredPattern) {
  EXPECT_EQ(DecodeVerp("bounces+user=example.com@sender.example", "bounces+{local}={domain}@"),
            "user@example.com");
  EXPECT_EQ(DecodeVerp("b-user#example.com@x.example", "b-{local}#{domain}@"), "user@example.com");
  EXPECT_FALSE(DecodeVerp("user@example.com", "bounces+{local}={domain}@").has_value());
  EXPECT_FALSE(DecodeVerp("bounces+nothing@x.example", "bounces+{local}={domain}@").has_value());
}

TEST(CorpusTest, NonBouncesInCorpusGiveNothing) {
  for (const char* f :
       {"corpus/maildir/not/is-not-bounce-01.eml", "corpus/maildir/not/is-not-bounce-02.eml",
        "corpus/maildir/not/rb-issue-368-bug.eml"}) {
    auto r = ParseMail(testing::ReadData(f));
    ASSERT_TRUE(r.has_value()) << f;
    EXPECT_TRUE(r->empty()) << f;
  }
}

}  // namespace
}  // namespace bw::mail
