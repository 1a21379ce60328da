// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "notify/mailer.h"

namespace bw::notify {

// `[alerts.email]` transport settings.
struct SmtpOptions {
  // smtp://[user[:password]@]host[:port] (STARTTLS, port 25 by default) or
  // smtps://... (TLS from the first byte, port 465). User and password are percent-decoded and
  // used for AUTH (the mechanisms the server offers, PLAIN/LOGIN/...).
  std::string url{};

  // STARTTLS on smtp:// URLs.
  enum class StartTls {
    kWhenOffered,  // upgrade when the server offers STARTTLS, else plain text (default)
    kRequired,     // fail with kUnavailable when the server does not offer it
    kNever,        // stay in plain text (a local relay on 127.0.0.1)
  };
  StartTls starttls = StartTls::kWhenOffered;

  // Extra CA bundle (PEM) to trust, e.g. a private relay's CA. Default: the system store.
  std::string ca_file{};
  // Verify the server certificate and host name. Default: true. Turn off only for tests.
  bool verify_peer = true;

  // Default: 10 s to connect (TCP + TLS), 60 s for the whole mail.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds timeout = std::chrono::seconds(60);

  // The name given in EHLO. Default: libcurl's choice (the local host name).
  std::string helo_name{};
};

// Sends MailMessages over SMTP with libcurl, one connection per mail (alerts are rare).
// Builds the MIME message itself (BuildMime). Thread-safe: Send may be called concurrently
// (each call has its own curl handle).
class CurlSmtpMailer final : public Mailer {
 public:
  // kInvalidInput when the URL is not smtp:// or smtps:// or has no host.
  static Result<std::unique_ptr<CurlSmtpMailer>> Create(SmtpOptions options, const Clock& clock);

  Status Send(const MailMessage& message) override;

 private:
  CurlSmtpMailer(SmtpOptions options, const Clock& clock);

  const SmtpOptions options_;
  const Clock& clock_;
};

// The full RFC 5322 message (CRLF line ends) for `message`: Date (from `now`), From, To,
// Subject, Message-ID, MIME-Version, and a multipart/alternative body with text/plain and
// text/html parts in UTF-8 quoted-printable (text only when html is empty). Pure; exposed for
// tests. kInvalidInput when from/to are empty or hold CR, LF, '<' or '>'.
Result<std::string> BuildMime(const MailMessage& message, TimePoint now,
                              const std::string& message_id_domain);

// RFC 2045 §6.7 quoted-printable with CRLF line ends and soft breaks before 76 columns.
std::string QuotedPrintable(std::string_view text);
// The subject as an RFC 2047 encoded-word sequence (UTF-8, B encoding) when not plain ASCII.
std::string EncodeHeaderWords(std::string_view text);

}  // namespace bw::notify
