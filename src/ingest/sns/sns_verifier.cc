// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/sns_verifier.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/ascii.h"
#include "core/time_format.h"
#include "ingest/sns/cert_url.h"
#include "ingest/sns/signature.h"

namespace bw::sns {
namespace {

// ValidateSigningCertUrl is pure, and SNS signs with one certificate URL per region for months:
// each thread remembers the last URL it found valid (parsing it costs more than the compare).
Status ValidateSigningCertUrlOnce(std::string_view url) {
  thread_local std::string last_valid;
  if (!last_valid.empty() && url == last_valid) {
    return {};
  }
  Status valid = ValidateSigningCertUrl(url);
  if (valid) {
    last_valid.assign(url);
  }
  return valid;
}

}  // namespace

SnsVerifier::SnsVerifier(VerifierOptions options, const Clock& clock,
                         CertificateProvider& certificates)
    : options_(std::move(options)), clock_(clock), certificates_(certificates) {}

Result<SnsMessage> SnsVerifier::Verify(std::string_view body, const HeaderLookup& headers) const {
  if (headers) {
    std::optional<std::string> raw = headers("x-amz-sns-rawdelivery");
    if (raw && EqualsIgnoreCase(TrimOws(*raw), "true")) {
      return PermissionDenied(
          "the SNS subscription uses raw message delivery, whose messages are unsigned and "
          "cannot be verified: disable raw message delivery on the subscription");
    }
  }

  Result<SnsMessage> parsed = ParseSnsMessage(body);
  if (!parsed) {
    return parsed.error();
  }
  SnsMessage& message = *parsed;

  if (Status agree = CheckHeadersAgree(message, headers); !agree) {
    return agree.error();
  }

  if (std::find(options_.topics.begin(), options_.topics.end(), message.topic_arn) ==
      options_.topics.end()) {
    return PermissionDenied("SNS topic " + message.topic_arn +
                            " is not allowed: add it to sns.topics to accept its messages");
  }

  if (Status url_ok = ValidateSigningCertUrlOnce(message.signing_cert_url); !url_ok) {
    return url_ok.error();
  }
  // ValidateSigningCertUrl guarantees "https://<SNS host>[:443]/..." without user-info.
  const std::string_view url = message.signing_cert_url;
  const size_t host_start = url.find("//") + 2;
  const size_t host_end = url.find_first_of(":/", host_start);
  const std::optional<std::string> cert_region =
      RegionOfSnsHost(url.substr(host_start, host_end - host_start));
  if (options_.require_cert_region_match) {
    if (!cert_region || cert_region != RegionOfArn(message.topic_arn)) {
      return PermissionDenied("SigningCertURL " + message.signing_cert_url +
                              " is not in the region of topic " + message.topic_arn);
    }
  }

  Result<std::shared_ptr<const Certificate>> cert = certificates_.Get(message.signing_cert_url);
  if (!cert) {
    return cert.error();
  }
  if (!*cert) {
    return Internal("certificate provider returned no certificate for " + message.signing_cert_url);
  }
  // AWS certificates are replaced over time; a message is judged by the certificate's validity
  // when it was signed. Replays of old messages are bounded by max_message_age below.
  if (Status valid = (*cert)->CheckValidAt(message.timestamp_ms); !valid) {
    return valid.error();
  }
  if (options_.require_cert_name) {
    const std::string expected = ExpectedSnsCertificateName(cert_region.value_or(""));
    if (!(*cert)->MatchesHost(expected)) {
      return PermissionDenied("signing certificate for " + message.signing_cert_url +
                              " does not name " + expected);
    }
  }

  if (Status sig = VerifySignature(message, **cert); !sig) {
    signature_failures_.fetch_add(1, std::memory_order_relaxed);
    return sig.error();
  }

  if (options_.max_message_age.count() > 0) {
    const int64_t now_ms = ToUnixMs(clock_.Now());
    const int64_t age_ms = now_ms - message.timestamp_ms;
    if (age_ms > options_.max_message_age.count()) {
      return PermissionDenied(
          "SNS message " + message.message_id + " was signed at " + message.timestamp + ", " +
          FormatDuration(std::chrono::seconds(age_ms / 1000)) +
          " ago, more than sns.max_message_age (" + FormatDuration(options_.max_message_age) +
          "): treated as a replay; raise sns.max_message_age or set it to "
          "\"0\" to accept older messages");
    }
    if (-age_ms > options_.max_clock_skew.count()) {
      return PermissionDenied("SNS message " + message.message_id + " is signed at " +
                              message.timestamp +
                              ", in the future: check this host's clock (the check is part of "
                              "sns.max_message_age; \"0\" turns it off)");
    }
  }
  return std::move(message);
}

}  // namespace bw::sns
