// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/sns/sns_message.h"

namespace bw::sim {

// One HTTP POST exactly as SNS would send it to an HTTP(S) subscriber.
struct SignedRequest {
  std::string message_id;  // the SNS MessageId (also in the x-amz-sns-message-id header)
  std::string body;        // the SNS JSON
  // SNS's headers: Content-Type text/plain, x-amz-sns-message-type/-message-id/-topic-arn/
  // -subscription-arn, User-Agent. Host and Content-Length are the HTTP client's business.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct SignerOptions {
  std::string topic_arn = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
  std::string signing_cert_url;  // REQUIRES: non-empty (the simulator's fixed URL)
  std::string private_key_pem;   // REQUIRES: the RSA key matching that certificate
  int signature_version = 2;     // 1 = SHA1withRSA, 2 = SHA256withRSA. Default: 2
};

// Wraps SES JSON in signed SNS Notifications. Immutable after construction, so one instance is
// shared by every load-mode thread. The key is parsed once (OpenSSL 3's PEM decoding costs more
// than the RSA signature itself); the string to sign is sns::BuildStringToSign's, the signature
// RSA PKCS#1 v1.5 as sns::SignSnsMessage makes it.
class SnsSigner {
 public:
  // A bad key is reported by Sign/SignMessage, not here.
  explicit SnsSigner(SignerOptions options);
  ~SnsSigner();
  SnsSigner(SnsSigner&&) noexcept;
  SnsSigner& operator=(SnsSigner&&) noexcept;

  // A Notification carrying `ses_json` as its Message, with a fresh UUID MessageId, Timestamp =
  // clock.Now(), the topic, the certificate URL, an UnsubscribeURL on the topic's region, signed
  // like SNS signs (sns::SignSnsMessage). Errors: kInvalidInput for a bad key or version.
  // Thread-safe.
  Result<SignedRequest> Sign(std::string_view ses_json, const Clock& clock) const;

  // The same, returning the message itself (for tests and for --write-dir's string-to-sign).
  Result<sns::SnsMessage> SignMessage(std::string_view ses_json, const Clock& clock) const;

  const SignerOptions& options() const { return options_; }

 private:
  struct Key;
  SignerOptions options_;
  std::shared_ptr<const Key> key_;  // null when options_.private_key_pem is not a usable key
};

// The headers SNS sends with `message` (see SignedRequest::headers).
std::vector<std::pair<std::string, std::string>> SnsHeaders(const sns::SnsMessage& message);

}  // namespace bw::sim
