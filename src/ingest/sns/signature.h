// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ingest/sns/sns_message.h"

namespace bw::sns {

// Hard limit on a signing certificate's PEM text (JAVA2's validator uses the same 10 KiB).
inline constexpr size_t kMaxCertificatePemBytes = 10 * 1024;

// The exact bytes SNS signs (sns-ses-protocol.md §2.1): "Key\nvalue\n" for each field in byte
// order. Notification: Message, MessageId, Subject (only if present), Timestamp, TopicArn, Type.
// Confirmations: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
// Values are used as decoded from JSON; Timestamp exactly as received.
// Errors: kInvalidInput when a field the type requires is empty (confirmation without
// SubscribeURL or Token, any message without MessageId, Timestamp or TopicArn).
Result<std::string> BuildStringToSign(const SnsMessage& message);

// An X.509 signing certificate and its RSA public key, parsed once and then immutable, so one
// instance is shared (shared_ptr<const Certificate>) across threads. Owns its OpenSSL handles.
// No chain or CA check is made: trust comes from where the certificate was fetched (an https SNS
// URL, or a pinned local file), as in AWS's own validators.
class Certificate {
 public:
  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  // Parses one PEM "CERTIFICATE" block. Errors: kInvalidInput when `pem` is over
  // kMaxCertificatePemBytes, is not a PEM certificate, or its key is not RSA of >= 2048 bits.
  static Result<std::shared_ptr<const Certificate>> FromPem(std::string_view pem);

  // Validity period, milliseconds since the Unix epoch (inclusive bounds).
  int64_t not_before_ms() const { return not_before_ms_; }
  int64_t not_after_ms() const { return not_after_ms_; }
  // The subject's common name, e.g. "sns.amazonaws.com" (empty when it has none).
  const std::string& subject_cn() const { return subject_cn_; }

  // Errors: kPermissionDenied when `unix_ms` is before not_before or after not_after.
  Status CheckValidAt(int64_t unix_ms) const;

  // Whether the certificate names `host` (SAN dNSName, or CN without SANs), per RFC 6125.
  bool MatchesHost(std::string_view host) const;

 private:
  struct Handles;
  Certificate();
  friend Status VerifySignature(const SnsMessage& message, const Certificate& certificate);

  std::unique_ptr<Handles> handles_;
  int64_t not_before_ms_ = 0;
  int64_t not_after_ms_ = 0;
  std::string subject_cn_;
};

// Verifies `message.signature` over BuildStringToSign(message) with the certificate's key,
// RSA PKCS#1 v1.5: SignatureVersion "1" = SHA1withRSA, "2" = SHA256withRSA.
// Errors, all kPermissionDenied (HTTP 403: a message that cannot be authenticated is never worth
// an SNS retry): "unsupported SignatureVersion" for any other version; a Signature that is not
// valid standard base64 (a malformed signature is a bad signature); a signature that does not
// verify. kInvalidInput only when the string to sign cannot be built.
// Does not check the certificate's validity period (see Certificate::CheckValidAt).
Status VerifySignature(const SnsMessage& message, const Certificate& certificate);

// The inverse, for the simulator and tests: signs `message` with an RSA private key (PEM, PKCS#8
// or PKCS#1) using SignatureVersion `version` (1 or 2), and sets message.signature_version and
// message.signature. Returns the base64 signature.
// Errors: kInvalidInput for a bad key, a version other than 1 or 2, or an incomplete message.
Result<std::string> SignSnsMessage(SnsMessage& message, std::string_view private_key_pem,
                                   int version);

// The JSON body SNS would POST for `message` (fields in SNS's order; Subject only when present;
// SubscribeURL/Token only for confirmations, UnsubscribeURL only for notifications).
// ParseSnsMessage(SerializeSnsMessage(m)) gives back m.
std::string SerializeSnsMessage(const SnsMessage& message);

// Standard base64 (RFC 4648 §4) with padding. DecodeBase64 is strict: no whitespace, length a
// multiple of 4, '=' only at the end; nullopt otherwise.
std::string EncodeBase64(std::string_view bytes);
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace bw::sns
