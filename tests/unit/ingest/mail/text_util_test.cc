// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/text_util.h"

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

}  // namespace
}  // namespace bw::mail
