// SPDX-License-Identifier: Apache-2.0
#include "sim/sns_envelope.h"

#include "core/time_format.h"
#include "ingest/sns/signature.h"
#include "sim/ses_notification.h"

namespace bw::sim {
namespace {

// "arn:aws:sns:us-east-1:123456789012:ses-feedback" -> "us-east-1" (default us-east-1).
std::string RegionOf(const std::string& topic_arn) {
  // arn:partition:service:region:account:name
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = topic_arn.find(':', pos);
    if (pos == std::string::npos) {
      return "us-east-1";
    }
    ++pos;
  }
  size_t end = topic_arn.find(':', pos);
  if (end == std::string::npos || end == pos) {
    return "us-east-1";
  }
  return topic_arn.substr(pos, end - pos);
}

// The subscription the simulator pretends to deliver for: one fixed id per topic.
std::string SubscriptionArn(const std::string& topic_arn) {
  return topic_arn + ":b0c3e5a1-5e0d-4c6b-9a57-0b5e3e5a1c11";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SnsHeaders(const sns::SnsMessage& m) {
  return {
      {"Content-Type", "text/plain; charset=UTF-8"},
      {"x-amz-sns-message-type", std::string(sns::SnsMessageTypeName(m.type))},
      {"x-amz-sns-message-id", m.message_id},
      {"x-amz-sns-topic-arn", m.topic_arn},
      {"x-amz-sns-subscription-arn", SubscriptionArn(m.topic_arn)},
      {"User-Agent", "Amazon Simple Notification Service Agent"},
  };
}

Result<sns::SnsMessage> SnsSigner::SignMessage(std::string_view ses_json,
                                               const Clock& clock) const {
  sns::SnsMessage m;
  m.type = sns::SnsMessageType::kNotification;
  m.message_id = NewUuid();
  m.topic_arn = options_.topic_arn;
  m.message = std::string(ses_json);
  m.timestamp_ms = ToUnixMs(clock.Now());
  m.timestamp = FormatIso8601Ms(m.timestamp_ms);
  m.signing_cert_url = options_.signing_cert_url;
  m.unsubscribe_url = "https://sns." + RegionOf(options_.topic_arn) +
                      ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" +
                      SubscriptionArn(options_.topic_arn);
  auto sig = sns::SignSnsMessage(m, options_.private_key_pem, options_.signature_version);
  if (sig.has_error()) {
    return sig.error();
  }
  return m;
}

Result<SignedRequest> SnsSigner::Sign(std::string_view ses_json, const Clock& clock) const {
  auto m = SignMessage(ses_json, clock);
  if (m.has_error()) {
    return m.error();
  }
  SignedRequest r;
  r.message_id = m->message_id;
  r.body = sns::SerializeSnsMessage(*m);
  r.headers = SnsHeaders(*m);
  return r;
}

}  // namespace bw::sim
