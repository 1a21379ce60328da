// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/sns/cert_provider.h"
#include "ingest/sns/sns_message.h"

namespace bw::sns {

struct VerifierOptions {
  // Allowed TopicArns (`sns.topics`); a message for any other topic is refused. Default: empty,
  // which refuses every topic.
  std::vector<std::string> topics;
  // Messages whose signed Timestamp is older than now - max_message_age are refused as replays
  // (`sns.max_message_age`). Default: 1 hour; 0 turns the check off.
  std::chrono::milliseconds max_message_age{std::chrono::hours(1)};
  // With the age check on, a Timestamp further than this in the future is refused too (clock
  // skew allowance). Default: 5 minutes.
  std::chrono::milliseconds max_clock_skew{std::chrono::minutes(5)};
  // Also require the SigningCertURL's region to equal the TopicArn's region (what AWS's Java
  // SDKs do). Default: off, as in the JS/PHP/Ruby/.NET validators.
  bool require_cert_region_match = false;
  // Also require the certificate to name the host AWS uses for the SigningCertURL's region
  // (ExpectedSnsCertificateName, as AWS's Java SDKs check). Default: off, because the region
  // table comes from one SDK and a wrong entry would make SNS drop (403, never retried) every
  // message of that region.
  bool require_cert_name = false;
};

// Authenticates SNS HTTP(S) deliveries. Stateless apart from its collaborators; thread-safe when
// the CertificateProvider is (CachingCertificateProvider is). `clock` and `certificates` must
// outlive the verifier.
class SnsVerifier {
 public:
  SnsVerifier(VerifierOptions options, const Clock& clock, CertificateProvider& certificates);

  // Verifies one delivery, in this order, and returns the message on success:
  //  1. header x-amz-sns-rawdelivery: true -> kPermissionDenied (raw delivery bodies carry no
  //     signature; raw message delivery must be disabled on the subscription);
  //  2. ParseSnsMessage -> kInvalidInput;
  //  3. CheckHeadersAgree -> kInvalidInput;
  //  4. TopicArn in options.topics -> else kPermissionDenied (add it to `sns.topics`);
  //  5. ValidateSigningCertUrl -> kPermissionDenied;
  //  6. certificates.Get(SigningCertURL) -> its error as is (kUnavailable: answer 503 so SNS
  //     retries);
  //  7. certificate valid at the message's signed Timestamp (not now), and, with
  //     require_cert_name, naming the expected host -> kPermissionDenied;
  //  8. VerifySignature -> kPermissionDenied;
  //  9. Timestamp not older than now - max_message_age (nor too far in the future)
  //     -> kPermissionDenied naming `sns.max_message_age`.
  // The checks cheap for an attacker to fail come before any certificate fetch.
  Result<SnsMessage> Verify(std::string_view body, const HeaderLookup& headers) const;

  const VerifierOptions& options() const { return options_; }

  // Messages refused at step 8 (bad signature) since construction, for /metrics.
  uint64_t signature_failures() const { return signature_failures_.load(std::memory_order_relaxed); }

 private:
  mutable std::atomic<uint64_t> signature_failures_{0};
  const VerifierOptions options_;
  const Clock& clock_;
  CertificateProvider& certificates_;
};

}  // namespace bw::sns
