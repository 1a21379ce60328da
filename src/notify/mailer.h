// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace bw::notify {

// One mail for people: a plain-text and an HTML rendering of the same content, sent as
// multipart/alternative. Plain data.
struct MailMessage {
  std::string from;             // address only ("alerts@example.com"); also the envelope sender
  std::vector<std::string> to;  // addresses only; at least one
  std::string subject;          // UTF-8; encoded (RFC 2047) when not ASCII
  std::string text;             // UTF-8 plain text
  std::string html;             // UTF-8 HTML document; empty = text only
};

// Sends mail. Implementations: CurlSmtpMailer (SMTP via libcurl); tests use a recording fake.
// Send never keeps or consumes the message: on an error the caller still has it and retries it
// later (the outbox), so nothing is lost by a failed attempt.
// Thread-safety: implementations say.
class Mailer {
 public:
  virtual ~Mailer() = default;

  // Delivers `message` to the relay (done when the relay accepted it for every recipient).
  // Errors:
  //  - kUnavailable: retry later (connection refused or reset, timeout, TLS handshake failure,
  //    a 4xx reply, STARTTLS required but not offered).
  //  - kUnauthenticated: the relay refused the login (configuration; retrying will not help).
  //  - kInvalidInput: the message or the URL is unusable, or the relay answered 5xx
  //    (e.g. a rejected recipient); retrying the same message will not help.
  virtual Status Send(const MailMessage& message) = 0;
};

}  // namespace bw::notify
