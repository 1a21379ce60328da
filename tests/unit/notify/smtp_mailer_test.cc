// SPDX-License-Identifier: Apache-2.0
#include "notify/smtp_mailer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "notify/alert_format.h"
#include "testing/fake_clock.h"
#include "testing/smtp_server.h"

namespace bw::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::SmtpTestServer;

TEST(QuotedPrintableTest, Encodes) {
  EXPECT_EQ(QuotedPrintable("plain text"), "plain text");
  EXPECT_EQ(QuotedPrintable("a=b"), "a=3Db");
  EXPECT_EQ(QuotedPrintable("trailing \nnext"), "trailing=20\r\nnext");
  EXPECT_EQ(QuotedPrintable("crlf\r\nkept"), "crlf\r\nkept");
  EXPECT_EQ(QuotedPrintable("caf\xC3\xA9"), "caf=C3=A9");
  EXPECT_EQ(QuotedPrintable(".\n.."), "=2E\r\n=2E.");
  const std::string long_line(100, 'x');
  const std::string encoded = QuotedPrintable(long_line);
  EXPECT_EQ(encoded, std::string(75, 'x') + "=\r\n" + std::string(25, 'x'));
}

TEST(EncodeHeaderWordsTest, AsciiUnchangedElseEncodedWords) {
  EXPECT_EQ(EncodeHeaderWords("Hard bounce: a@b"), "Hard bounce: a@b");
  EXPECT_EQ(EncodeHeaderWords("\xC3\xA9"), "=?UTF-8?B?w6k=?=");
  const std::string long_utf8 = std::string(44, 'a') + "\xC3\xA9" + std::string(40, 'b');
  const std::string e = EncodeHeaderWords(long_utf8);
  EXPECT_THAT(e, HasSubstr("?=\r\n =?UTF-8?B?"));  // folded, the é not split
}

TEST(BuildMimeTest, MultipartAlternative) {
  MailMessage m{"alerts@bw.example",
                {"ops@example.com", "dev@example.com"},
                "Subject",
                "text",
                "<p>html</p>"};
  auto mime = BuildMime(m, FromUnixMs(*ParseIso8601Ms("2026-11-30T03:00:00Z")), "bw.example");
  ASSERT_TRUE(mime.has_value());
  EXPECT_THAT(*mime, HasSubstr("Date: Mon, 30 Nov 2026 03:00:00 +0000\r\n"));
  EXPECT_THAT(*mime, HasSubstr("From: alerts@bw.example\r\n"));
  EXPECT_THAT(*mime, HasSubstr("To: ops@example.com, dev@example.com\r\n"));
  EXPECT_THAT(*mime, HasSubstr("@bw.example>\r\n"));
  EXPECT_THAT(*mime, HasSubstr("Auto-Submitted: auto-generated\r\n"));
  EXPECT_THAT(*mime, HasSubstr("Content-Type: multipart/alternative; boundary="));
  EXPECT_THAT(*mime, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(*mime, HasSubstr("Content-Type: text/html; charset=utf-8\r\n"));
  m.html.clear();
  mime = BuildMime(m, FromUnixMs(0), "bw.example");
  ASSERT_TRUE(mime.has_value());
  EXPECT_THAT(*mime, Not(HasSubstr("multipart")));
}

TEST(BuildMimeTest, RejectsHeaderInjection) {
  MailMessage m{"alerts@bw.example", {"ops@example.com"}, "s", "t", ""};
  m.to = {"ops@example.com\r\nBcc: x@evil"};
  EXPECT_EQ(BuildMime(m, FromUnixMs(0), "d").error().code(), Code::kInvalidInput);
  m.to = {};
  EXPECT_EQ(BuildMime(m, FromUnixMs(0), "d").error().code(), Code::kInvalidInput);
  m.to = {"ops@example.com"};
  m.from = "";
  EXPECT_EQ(BuildMime(m, FromUnixMs(0), "d").error().code(), Code::kInvalidInput);
}

TEST(CurlSmtpMailerTest, CreateChecksTheUrl) {
  testing::FakeClock clock;
  EXPECT_EQ(CurlSmtpMailer::Create({.url = "https://mail.example"}, clock).error().code(),
            Code::kInvalidInput);
  EXPECT_EQ(CurlSmtpMailer::Create({.url = "smtp://"}, clock).error().code(), Code::kInvalidInput);
  EXPECT_TRUE(CurlSmtpMailer::Create({.url = "smtps://u:p@mail.example:465"}, clock).has_value());
}

FeedbackEvent HardBounce(std::string recipient) {
  FeedbackEvent e;
  e.type = EventType::kBounce;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = *ParseIso8601Ms("2026-11-30T03:00:00Z");
  e.bounce = BounceInfo{};
  e.bounce->bounce_class = BounceClass::kHard;
  e.bounce->status = "5.1.1";
  e.bounce->diagnostic = "smtp; 550 5.1.1 <" + e.recipient + ">: user unknown";
  e.bounce->reason = "userunknown";
  e.mail.subject = "Votre facture n\xC2\xB0 42 \xE2\x80\x94 r\xC3\xA9sum\xC3\xA9";
  e.mail.from = "billing@shop.example";
  return e;
}

class SmtpMailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SmtpTestServer::Available()) {
      GTEST_SKIP() << "python3-aiosmtpd or openssl missing (scripts/install-deps installs them)";
    }
  }

  std::unique_ptr<CurlSmtpMailer> Mailer(SmtpOptions o) {
    o.connect_timeout = std::chrono::seconds(5);
    o.timeout = std::chrono::seconds(20);
    auto m = CurlSmtpMailer::Create(std::move(o), clock_);
    EXPECT_TRUE(m.has_value());
    return m.has_value() ? std::move(*m) : nullptr;
  }

  static MailMessage FromAlert(const AlertContent& c) {
    return MailMessage{"alerts@bw.example", {"ops@example.com"}, c.subject, c.text, c.html};
  }

  testing::FakeClock clock_;
};

TEST_F(SmtpMailerTest, PlainSmtpDeliversReadableAlert) {
  SmtpTestServer server;
  auto mailer = Mailer({.url = server.Url()});
  const AlertContent alert =
      FormatEventAlert({HardBounce("user@example.com")}, 0, AlertFormatOptions{});
  MailMessage m = FromAlert(alert);
  m.subject += " \xC3\xA9t\xC3\xA9";  // non-ASCII subject: RFC 2047 round trip
  m.text += "\n.\n. a line with a leading dot\n" + std::string(300, 'z') + "\n";
  ASSERT_TRUE(mailer->Send(m).has_value());

  const auto mails = server.Mails();
  ASSERT_EQ(mails.size(), 1u);
  const auto& got = mails[0];
  EXPECT_EQ(got.mail_from, "alerts@bw.example");
  EXPECT_EQ(got.rcpt_tos, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(got.subject, m.subject);
  EXPECT_EQ(got.content_type, "multipart/alternative");
  EXPECT_FALSE(got.tls);
  // Python's email package decodes both parts back to exactly what we wrote.
  EXPECT_EQ(got.text, m.text);
  EXPECT_EQ(got.html, m.html);
  EXPECT_THAT(got.text, HasSubstr("user@example.com: hard bounce, the mailbox does not exist"));
  EXPECT_THAT(got.text, HasSubstr("5.1.1 — smtp; 550 5.1.1 <user@example.com>: user unknown"));
  EXPECT_THAT(got.text, HasSubstr("Votre facture n° 42 — résumé"));
  EXPECT_THAT(got.text, HasSubstr("What to do:"));
  EXPECT_THAT(got.html, HasSubstr("&lt;user@example.com&gt;: user unknown"));
  EXPECT_THAT(got.raw, Not(HasSubstr("{\"")));
  EXPECT_THAT(got.raw, HasSubstr("Date: Mon, 30 Nov 2026 03:00:00 +0000"));
}

TEST_F(SmtpMailerTest, StartTlsRequiredWithAuth) {
  SmtpTestServer server({.mode = SmtpTestServer::Mode::kStartTlsRequired,
                         .user = "alerts",
                         .password = "s3cret pass"});
  const std::string url = "smtp://alerts:s3cret%20pass@127.0.0.1:" + std::to_string(server.port());
  auto mailer = Mailer({.url = url,
                        .starttls = SmtpOptions::StartTls::kRequired,
                        .ca_file = server.ca_file().string()});
  const AlertContent alert = FormatEventAlert(
      {HardBounce("a@example.com"), HardBounce("b@example.com")}, 0, AlertFormatOptions{});
  ASSERT_TRUE(mailer->Send(FromAlert(alert)).has_value());
  const auto mails = server.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].tls);
  EXPECT_EQ(mails[0].auth_login, "alerts");
  EXPECT_EQ(mails[0].subject, "[bouncewatch] 2 hard bounces");
  EXPECT_THAT(mails[0].text, HasSubstr("a@example.com"));
  EXPECT_THAT(mails[0].text, HasSubstr("b@example.com"));
}

TEST_F(SmtpMailerTest, StartTlsWhenOfferedIsUsed) {
  SmtpTestServer server({.mode = SmtpTestServer::Mode::kStartTls});
  auto mailer = Mailer({.url = server.Url(), .ca_file = server.ca_file().string()});
  ASSERT_TRUE(mailer->Send(MailMessage{"a@bw.example", {"ops@example.com"}, "s", "t", "<p>h</p>"})
                  .has_value());
  ASSERT_EQ(server.Mails().size(), 1u);
  EXPECT_TRUE(server.Mails()[0].tls);
}

TEST_F(SmtpMailerTest, ImplicitTlsWithAuth) {
  SmtpTestServer server({.mode = SmtpTestServer::Mode::kImplicitTls, .user = "u", .password = "p"});
  auto mailer = Mailer({.url = server.Url(), .ca_file = server.ca_file().string()});
  ASSERT_TRUE(
      mailer->Send(MailMessage{"a@bw.example", {"ops@example.com"}, "s", "t", "h"}).has_value());
  const auto mails = server.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].tls);
  EXPECT_EQ(mails[0].auth_login, "u");
}

TEST_F(SmtpMailerTest, UntrustedCertificateIsRefused) {
  SmtpTestServer server({.mode = SmtpTestServer::Mode::kImplicitTls});
  auto mailer = Mailer({.url = server.Url()});  // no ca_file: the self-signed cert is unknown
  const Status s = mailer->Send(MailMessage{"a@bw.example", {"ops@example.com"}, "s", "t", ""});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kUnavailable) << s.error().ToString();
  EXPECT_TRUE(server.Mails().empty());
}

TEST_F(SmtpMailerTest, WrongPasswordIsUnauthenticated) {
  SmtpTestServer server(
      {.mode = SmtpTestServer::Mode::kImplicitTls, .user = "u", .password = "right"});
  auto mailer = Mailer({.url = "smtps://u:wrong@127.0.0.1:" + std::to_string(server.port()),
                        .ca_file = server.ca_file().string()});
  const Status s = mailer->Send(MailMessage{"a@bw.example", {"ops@example.com"}, "s", "t", ""});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kUnauthenticated) << s.error().ToString();
  EXPECT_THAT(s.error().message(), Not(HasSubstr("wrong")));  // the password is not echoed
  EXPECT_TRUE(server.Mails().empty());
}

TEST_F(SmtpMailerTest, StartTlsRequiredButNotOffered) {
  SmtpTestServer server;  // plain
  auto mailer = Mailer({.url = server.Url(), .starttls = SmtpOptions::StartTls::kRequired});
  const Status s = mailer->Send(MailMessage{"a@bw.example", {"ops@example.com"}, "s", "t", ""});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kUnavailable) << s.error().ToString();
  EXPECT_TRUE(server.Mails().empty());
}

TEST_F(SmtpMailerTest, RejectedRecipientIsPermanent) {
  SmtpTestServer server;
  auto mailer = Mailer({.url = server.Url()});
  const Status s =
      mailer->Send(MailMessage{"a@bw.example", {"reject-me@example.com"}, "s", "t", ""});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kInvalidInput) << s.error().ToString();
  EXPECT_THAT(s.error().message(), HasSubstr("550"));
}

TEST_F(SmtpMailerTest, ServerDownIsRetryableAndTheSameMailGoesOutLater) {
  // The SMTP server is down: Send answers kUnavailable, the code AlertWorker keeps the outbox
  // row for and retries on; the same message sent once the server is back arrives once, whole.
  const MailMessage m = FromAlert(FormatEventAlert({HardBounce("first@example.com"),
                                                    HardBounce("second@example.com"),
                                                    HardBounce("third@example.com")},
                                                   0, {}));

  // A port that refuses connections: bound (so no other test can take it) but not listening.
  const int sock = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int down_port = ntohs(addr.sin_port);
  auto down = Mailer({.url = "smtp://127.0.0.1:" + std::to_string(down_port)});
  const Status s = down->Send(m);
  close(sock);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kUnavailable) << s.error().ToString();

  SmtpTestServer server;
  auto up = Mailer({.url = server.Url()});
  ASSERT_TRUE(up->Send(m).has_value());

  const auto mails = server.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].subject, "[bouncewatch] 3 hard bounces");
  for (const char* a : {"first@example.com", "second@example.com", "third@example.com"}) {
    const std::string title = std::string(a) + ": hard bounce";
    const size_t at = mails[0].text.find(title);
    ASSERT_NE(at, std::string::npos) << a;
    EXPECT_EQ(mails[0].text.find(title, at + 1), std::string::npos) << a << " listed twice";
  }
}

}  // namespace
}  // namespace bw::notify
