// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

#include "testing/test_data.h"

namespace bw::testing {

// A real SMTP server for tests: Debian's python3-aiosmtpd, started by the test as a child
// process on 127.0.0.1 (port 0), storing every mail it accepts in a temp directory. Each mail is
// parsed by Python's own `email` package (an independent MIME parser), so tests check what a
// mail client would show, not our own encoding.
// TLS uses a throw-away self-signed certificate for 127.0.0.1 (ca_file()).
// Construction throws std::runtime_error when the server cannot start (test setup, not a
// result); call Available() first to skip when python3-aiosmtpd is not installed.
// Not thread-safe; the server itself runs in its own process.
class SmtpTestServer {
 public:
  enum class Mode {
    kPlain,             // no TLS offered
    kStartTls,          // STARTTLS offered, not required
    kStartTlsRequired,  // STARTTLS required before MAIL
    kImplicitTls,       // TLS from the first byte (smtps://)
  };
  struct Options {
    Mode mode = Mode::kPlain;
    // When set, AUTH (PLAIN, LOGIN) is required and only this login is accepted. Over kStartTls
    // modes AUTH is offered only after STARTTLS.
    std::string user{};
    std::string password{};
    // Reply to RCPT TO for addresses starting with "reject" (e.g. 550 for a permanent refusal).
    int reject_code = 550;
    // The port to listen on; 0 = any free one. A fixed port lets a test bring a server back
    // where a client already points (SMTP down, then up again).
    int port = 0;
  };

  // What the server received and how Python's email package reads it.
  struct Mail {
    std::string mail_from;              // envelope
    std::vector<std::string> rcpt_tos;  // envelope
    std::string subject;                // decoded (RFC 2047)
    std::string from;                   // header
    std::string to;                     // header
    std::string content_type;           // of the top-level entity, e.g. multipart/alternative
    std::string text;                   // decoded text/plain part ("" when none)
    std::string html;                   // decoded text/html part ("" when none)
    std::string raw;                    // the message as received
    bool tls = false;                   // the session was encrypted
    std::string auth_login;             // the authenticated login, "" when none
  };

  // Whether /usr/bin/python3 can import aiosmtpd and `openssl` is on the PATH.
  static bool Available();

  explicit SmtpTestServer(Options options);
  SmtpTestServer() : SmtpTestServer(Options{}) {}
  ~SmtpTestServer();  // Stop()s
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  int port() const { return port_; }
  // smtp://127.0.0.1:PORT or smtps://127.0.0.1:PORT (with user:password@ when set).
  std::string Url() const;
  // The certificate to trust (PEM) for the TLS modes.
  std::filesystem::path ca_file() const { return dir_.path() / "cert.pem"; }

  // Every mail accepted so far, in arrival order. A mail is on disk before the server answers
  // 250 to its data, so a client that saw success finds it here.
  std::vector<Mail> Mails() const;

  // Stops the server (idempotent); the port then refuses connections.
  void Stop();

 private:
  Options options_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace bw::testing
