// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace bw::sns {

// The three kinds of message SNS POSTs to an HTTP(S) subscriber (sns-ses-protocol.md §1.2).
enum class SnsMessageType {
  kNotification,              // a published message (for SES: the feedback JSON in `message`)
  kSubscriptionConfirmation,  // sent once when the subscription is created; carries SubscribeURL
  kUnsubscribeConfirmation,   // sent after an unsubscribe; SubscribeURL re-subscribes
};

// "Notification", "SubscriptionConfirmation" or "UnsubscribeConfirmation".
std::string_view SnsMessageTypeName(SnsMessageType type);

// Hard limits of ParseSnsMessage. SNS messages are at most 256 KiB of payload; JSON escaping
// can grow that several times, so the body limit leaves room for it.
inline constexpr size_t kMaxSnsBodyBytes = 2 * 1024 * 1024;
inline constexpr int kMaxSnsJsonDepth = 32;

// One SNS HTTP(S) delivery, decoded from its JSON body. String fields hold the JSON-decoded
// values (escapes resolved), which is what the signature covers. A field the type does not carry
// is empty (e.g. `token` of a Notification). Plain value; copy freely.
struct SnsMessage {
  SnsMessageType type = SnsMessageType::kNotification;
  std::string message_id;  // "MessageId": the idempotency key (SNS reuses it on retries)
  std::string topic_arn;   // "TopicArn"
  // "Subject": only a Notification may carry it, and absent differs from present-but-empty in
  // the string to sign. A JSON null counts as absent.
  std::optional<std::string> subject;
  std::string message;            // "Message": for SES, a JSON document encoded as a string
  std::string timestamp;          // "Timestamp" exactly as received (it is signed as such)
  int64_t timestamp_ms = 0;       // `timestamp` parsed, milliseconds since the Unix epoch
  std::string signature_version;  // "SignatureVersion": "1" (SHA1) or "2" (SHA256)
  std::string signature;          // "Signature": base64
  std::string signing_cert_url;   // "SigningCertURL"
  std::string subscribe_url;      // "SubscribeURL" (confirmations only)
  std::string unsubscribe_url;    // "UnsubscribeURL" (notifications; may be empty)
  std::string token;              // "Token" (confirmations only)
  // "MessageAttributes" re-serialised as compact JSON when present (not signed; informational).
  std::optional<std::string> message_attributes_json;

  bool operator==(const SnsMessage&) const = default;
};

// Parses an SNS HTTP(S) body. The body is UTF-8 JSON whatever the request's Content-Type says.
// Required for every type: Type, MessageId, TopicArn, Message, Timestamp, SignatureVersion,
// Signature, SigningCertURL (strings; all but Message non-empty); confirmations also need
// SubscribeURL and Token. Unknown fields are ignored; known optional fields must be strings when
// present (Subject may be null). With duplicate keys the last one wins (Boost.JSON); the
// signature is checked over the values returned here, so nothing else may re-parse the body.
// Errors: kInvalidInput naming the problem: malformed JSON or invalid UTF-8, not an object,
// a missing / non-string / empty required field, an unknown Type, a Timestamp that is not
// ISO-8601, a body over kMaxSnsBodyBytes or nested deeper than kMaxSnsJsonDepth.
// Never throws. Thread-safe (pure).
Result<SnsMessage> ParseSnsMessage(std::string_view body);

// Looks up a request header by its lower-case name; nullopt when the request does not carry it.
// Keeps this module independent of the HTTP library. An empty std::function means "no headers".
using HeaderLookup = std::function<std::optional<std::string>(std::string_view lower_name)>;

// A HeaderLookup over a copy of `headers` (names matched case-insensitively; first one wins).
HeaderLookup MakeHeaderLookup(std::vector<std::pair<std::string, std::string>> headers);

// Headers are not signed, so when present they must agree with the signed body:
// x-amz-sns-message-type == Type, x-amz-sns-message-id == MessageId,
// x-amz-sns-topic-arn == TopicArn. Absent headers are fine.
// Errors: kInvalidInput naming the header that disagrees.
Status CheckHeadersAgree(const SnsMessage& message, const HeaderLookup& headers);

}  // namespace bw::sns
