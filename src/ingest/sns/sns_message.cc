// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/sns_message.h"

#include <array>
#include <cctype>

#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "core/ascii.h"
#include "core/time_format.h"

namespace bw::sns {
namespace {

namespace json = boost::json;

// How a field must appear for a given message type.
enum class Need { kRequired, kRequiredMayBeEmpty, kOptional, kIgnored };

struct FieldSpec {
  std::string_view name;
  std::string SnsMessage::*member;
  // Indexed by SnsMessageType: Notification, SubscriptionConfirmation, UnsubscribeConfirmation.
  std::array<Need, 3> need;
};

constexpr Need kReq = Need::kRequired;
constexpr Need kOpt = Need::kOptional;
constexpr Need kIgn = Need::kIgnored;

// Subject, Type and MessageAttributes are handled separately. Confirmations carry no
// UnsubscribeURL and notifications no SubscribeURL/Token; those are ignored (not copied) so that
// they cannot sneak into a string to sign.
const std::array<FieldSpec, 10> kFields = {{
    {"MessageId", &SnsMessage::message_id, {kReq, kReq, kReq}},
    {"TopicArn", &SnsMessage::topic_arn, {kReq, kReq, kReq}},
    {"Message",
     &SnsMessage::message,
     {Need::kRequiredMayBeEmpty, Need::kRequiredMayBeEmpty, Need::kRequiredMayBeEmpty}},
    {"Timestamp", &SnsMessage::timestamp, {kReq, kReq, kReq}},
    {"SignatureVersion", &SnsMessage::signature_version, {kReq, kReq, kReq}},
    {"Signature", &SnsMessage::signature, {kReq, kReq, kReq}},
    {"SigningCertURL", &SnsMessage::signing_cert_url, {kReq, kReq, kReq}},
    {"SubscribeURL", &SnsMessage::subscribe_url, {kIgn, kReq, kReq}},
    {"UnsubscribeURL", &SnsMessage::unsubscribe_url, {kOpt, kIgn, kIgn}},
    {"Token", &SnsMessage::token, {kIgn, kReq, kReq}},
}};

std::optional<SnsMessageType> TypeFromName(std::string_view name) {
  if (name == "Notification") {
    return SnsMessageType::kNotification;
  }
  if (name == "SubscriptionConfirmation") {
    return SnsMessageType::kSubscriptionConfirmation;
  }
  if (name == "UnsubscribeConfirmation") {
    return SnsMessageType::kUnsubscribeConfirmation;
  }
  return std::nullopt;
}

// A field value quoted in an error message (its first 64 bytes).
std::string Quoted(std::string_view s) { return QuotedForError(s, 64); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string_view SnsMessageTypeName(SnsMessageType type) {
  switch (type) {
    case SnsMessageType::kNotification:
      return "Notification";
    case SnsMessageType::kSubscriptionConfirmation:
      return "SubscriptionConfirmation";
    case SnsMessageType::kUnsubscribeConfirmation:
      return "UnsubscribeConfirmation";
  }
  return "Notification";
}

Result<SnsMessage> ParseSnsMessage(std::string_view body) {
  if (body.size() > kMaxSnsBodyBytes) {
    return InvalidInput("SNS message body is " + std::to_string(body.size()) +
                        " bytes, over the limit of " + std::to_string(kMaxSnsBodyBytes));
  }
  json::parse_options opts;
  opts.max_depth = kMaxSnsJsonDepth;
  boost::system::error_code ec;
  // The parsed tree lives only in this function (every field is copied out below): build it in
  // one stack-backed arena, not with a heap allocation per string and object.
  unsigned char arena_buffer[4096];
  json::monotonic_resource arena(arena_buffer, sizeof(arena_buffer));
  json::value root =
      json::parse(json::string_view(body.data(), body.size()), ec, &arena, opts);
  if (ec) {
    if (ec == json::error::too_deep) {
      return InvalidInput("SNS message body is JSON nested deeper than " +
                          std::to_string(kMaxSnsJsonDepth) + " levels");
    }
    return InvalidInput("SNS message body is not valid JSON: " + ec.message());
  }
  const json::object* obj = root.if_object();
  if (obj == nullptr) {
    return InvalidInput("SNS message body is JSON but not an object");
  }

  SnsMessage msg;
  const json::value* type_value = obj->if_contains("Type");
  if (type_value == nullptr) {
    return InvalidInput("SNS message has no \"Type\" field");
  }
  const json::string* type_string = type_value->if_string();
  if (type_string == nullptr) {
    return InvalidInput("SNS message field \"Type\" is not a string");
  }
  std::optional<SnsMessageType> type = TypeFromName(*type_string);
  if (!type) {
    return InvalidInput("SNS message has unknown Type " + Quoted(*type_string) +
                        " (expected Notification, SubscriptionConfirmation or "
                        "UnsubscribeConfirmation)");
  }
  msg.type = *type;
  const size_t type_index = static_cast<size_t>(*type);
  const std::string type_name(SnsMessageTypeName(*type));

  for (const FieldSpec& field : kFields) {
    const Need need = field.need[type_index];
    if (need == Need::kIgnored) {
      continue;
    }
    const json::value* v = obj->if_contains(field.name);
    if (v == nullptr) {
      if (need == Need::kOptional) {
        continue;
      }
      return InvalidInput("SNS " + type_name + " has no \"" + std::string(field.name) + "\" field");
    }
    const json::string* s = v->if_string();
    if (s == nullptr) {
      return InvalidInput("SNS message field \"" + std::string(field.name) + "\" is not a string");
    }
    if (s->empty() && need == Need::kRequired) {
      return InvalidInput("SNS message field \"" + std::string(field.name) + "\" is empty");
    }
    msg.*field.member = std::string(s->data(), s->size());
  }

  if (msg.type == SnsMessageType::kNotification) {
    if (const json::value* v = obj->if_contains("Subject"); v != nullptr && !v->is_null()) {
      const json::string* s = v->if_string();
      if (s == nullptr) {
        return InvalidInput("SNS message field \"Subject\" is not a string");
      }
      msg.subject = std::string(s->data(), s->size());
    }
    if (const json::value* v = obj->if_contains("MessageAttributes");
        v != nullptr && !v->is_null()) {
      if (!v->is_object()) {
        return InvalidInput("SNS message field \"MessageAttributes\" is not an object");
      }
      msg.message_attributes_json = json::serialize(*v);
    }
  }

  std::optional<int64_t> ms = ParseIso8601Ms(msg.timestamp);
  if (!ms) {
    return InvalidInput("SNS message Timestamp " + Quoted(msg.timestamp) +
                        " is not an ISO-8601 time");
  }
  msg.timestamp_ms = *ms;
  return msg;
}

HeaderLookup MakeHeaderLookup(std::vector<std::pair<std::string, std::string>> headers) {
  for (auto& [name, value] : headers) {
    name = ToLower(name);
  }
  return [headers = std::move(headers)](std::string_view lower_name) -> std::optional<std::string> {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) {
        return value;
      }
    }
    return std::nullopt;
  };
}

Status CheckHeadersAgree(const SnsMessage& message, const HeaderLookup& headers) {
  if (!headers) {
    return {};
  }
  struct Pair {
    std::string_view header;
    std::string_view field;
    std::string_view body_value;
  };
  const Pair pairs[] = {
      {"x-amz-sns-message-type", "Type", SnsMessageTypeName(message.type)},
      {"x-amz-sns-message-id", "MessageId", message.message_id},
      {"x-amz-sns-topic-arn", "TopicArn", message.topic_arn},
  };
  for (const Pair& p : pairs) {
    std::optional<std::string> value = headers(p.header);
    if (value && *value != p.body_value) {
      return InvalidInput("header " + std::string(p.header) + " " + Quoted(*value) +
                          " disagrees with the signed body's " + std::string(p.field) + " " +
                          Quoted(p.body_value));
    }
  }
  return {};
}

}  // namespace bw::sns
