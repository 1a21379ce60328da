// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/sns_message.h"

#include <array>
#include <cctype>
#include <cstdint>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
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

namespace {

// A top-level member of the body as the checks in MessageFromMembers see it.
struct Member {
  enum class Kind { kAbsent, kString, kNull, kOther };
  Kind kind = Kind::kAbsent;
  std::string_view text;         // kString: the decoded value
  std::string* owned = nullptr;  // kString, when the value may be moved from
};

// The SnsMessage of a body whose top-level members `member(name)` returns (the checks and error
// messages of ParseSnsMessage). `attributes`: the MessageAttributes value, nullptr when absent.
template <class Lookup>
Result<SnsMessage> MessageFromMembers(const Lookup& member, const json::value* attributes) {
  SnsMessage msg;
  const Member type_value = member("Type");
  if (type_value.kind == Member::Kind::kAbsent) {
    return InvalidInput("SNS message has no \"Type\" field");
  }
  if (type_value.kind != Member::Kind::kString) {
    return InvalidInput("SNS message field \"Type\" is not a string");
  }
  std::optional<SnsMessageType> type = TypeFromName(type_value.text);
  if (!type) {
    return InvalidInput("SNS message has unknown Type " + Quoted(type_value.text) +
                        " (expected Notification, SubscriptionConfirmation or "
                        "UnsubscribeConfirmation)");
  }
  msg.type = *type;
  const size_t type_index = static_cast<size_t>(*type);

  for (const FieldSpec& field : kFields) {
    const Need need = field.need[type_index];
    if (need == Need::kIgnored) {
      continue;
    }
    const Member v = member(field.name);
    if (v.kind == Member::Kind::kAbsent) {
      if (need == Need::kOptional) {
        continue;
      }
      return InvalidInput("SNS " + std::string(SnsMessageTypeName(*type)) + " has no \"" +
                          std::string(field.name) + "\" field");
    }
    if (v.kind != Member::Kind::kString) {
      return InvalidInput("SNS message field \"" + std::string(field.name) + "\" is not a string");
    }
    if (v.text.empty() && need == Need::kRequired) {
      return InvalidInput("SNS message field \"" + std::string(field.name) + "\" is empty");
    }
    if (v.owned != nullptr) {
      msg.*field.member = std::move(*v.owned);
    } else {
      msg.*field.member = std::string(v.text);
    }
  }

  if (msg.type == SnsMessageType::kNotification) {
    if (const Member v = member("Subject");
        v.kind != Member::Kind::kAbsent && v.kind != Member::Kind::kNull) {
      if (v.kind != Member::Kind::kString) {
        return InvalidInput("SNS message field \"Subject\" is not a string");
      }
      msg.subject = std::string(v.text);
    }
    if (attributes != nullptr && !attributes->is_null()) {
      if (!attributes->is_object()) {
        return InvalidInput("SNS message field \"MessageAttributes\" is not an object");
      }
      msg.message_attributes_json = json::serialize(*attributes);
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

// The members the fast path collects: every field above, plus Type and Subject.
constexpr std::array<std::string_view, 12> kCollected = {
    "Type",      "MessageId",      "TopicArn",     "Message",        "Timestamp", "SignatureVersion",
    "Signature", "SigningCertURL", "SubscribeURL", "UnsubscribeURL", "Token",     "Subject"};

// A Boost.JSON parser handler that keeps the top-level string (or null) members named in
// kCollected and skips everything else, without building a tree. It gives up (fails the parse)
// on anything the common case does not have: a root that is not an object, a collected member
// that is not a string or null, a collected member given twice, MessageAttributes. The caller
// then parses the body again the general way, which decides such bodies as before.
class TopLevelStrings {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  Member Get(std::string_view name) {
    for (size_t i = 0; i < kCollected.size(); ++i) {
      if (kCollected[i] == name) {
        if (!seen_[i]) {
          return {};
        }
        if (null_[i]) {
          return {Member::Kind::kNull, {}, nullptr};
        }
        return {Member::Kind::kString, values_[i], &values_[i]};
      }
    }
    return {};
  }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code& ec) {
    if (depth_ == 1 && current_ >= 0) {
      return GiveUp(ec);  // a collected member that is an object
    }
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(boost::system::error_code& ec) {
    if (depth_ == 0 || (depth_ == 1 && current_ >= 0)) {
      return GiveUp(ec);
    }
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    --depth_;
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1) {
      key_.append(s.data(), s.size());
    }
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (depth_ != 1) {
      return true;
    }
    std::string_view name(s.data(), s.size());
    if (!key_.empty()) {
      key_.append(s.data(), s.size());
      name = key_;
    }
    current_ = -1;
    if (name == "MessageAttributes") {
      return GiveUp(ec);
    }
    for (size_t i = 0; i < kCollected.size(); ++i) {
      if (kCollected[i] == name) {
        if (seen_[i]) {
          return GiveUp(ec);  // a duplicate: the general parser decides which one counts
        }
        current_ = static_cast<int>(i);
        break;
      }
    }
    key_.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (depth_ == 0) {
      return GiveUp(ec);
    }
    if (depth_ == 1 && current_ >= 0) {
      values_[static_cast<size_t>(current_)].append(s.data(), s.size());
    }
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code& ec) {
    if (depth_ == 0) {
      return GiveUp(ec);
    }
    if (depth_ == 1 && current_ >= 0) {
      const size_t i = static_cast<size_t>(current_);
      if (values_[i].empty()) {
        values_[i].assign(s.data(), s.size());
      } else {
        values_[i].append(s.data(), s.size());
      }
      seen_[i] = true;
    }
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, boost::system::error_code& ec) {
    return Scalar(ec);
  }
  bool on_uint64(std::uint64_t, json::string_view, boost::system::error_code& ec) {
    return Scalar(ec);
  }
  bool on_double(double, json::string_view, boost::system::error_code& ec) { return Scalar(ec); }
  bool on_bool(bool, boost::system::error_code& ec) { return Scalar(ec); }
  bool on_null(boost::system::error_code& ec) {
    if (depth_ == 0) {
      return GiveUp(ec);
    }
    if (depth_ == 1 && current_ >= 0) {
      seen_[static_cast<size_t>(current_)] = true;
      null_[static_cast<size_t>(current_)] = true;
    }
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

 private:
  // A number or boolean: fine inside members we skip, not as a collected member or the root.
  bool Scalar(boost::system::error_code& ec) {
    if (depth_ == 0 || (depth_ == 1 && current_ >= 0)) {
      return GiveUp(ec);
    }
    return true;
  }
  static bool GiveUp(boost::system::error_code& ec) {
    ec = json::make_error_code(json::error::exception);
    return false;
  }

  int depth_ = 0;     // containers open; the members we keep are at depth 1
  int current_ = -1;  // index in kCollected of the member whose value comes next, or -1
  std::string key_;   // a key that arrived in parts
  std::array<std::string, kCollected.size()> values_;
  std::array<bool, kCollected.size()> seen_{};
  std::array<bool, kCollected.size()> null_{};
};

}  // namespace

Result<SnsMessage> ParseSnsMessage(std::string_view body) {
  if (body.size() > kMaxSnsBodyBytes) {
    return InvalidInput("SNS message body is " + std::to_string(body.size()) +
                        " bytes, over the limit of " + std::to_string(kMaxSnsBodyBytes));
  }
  json::parse_options opts;
  opts.max_depth = kMaxSnsJsonDepth;
  boost::system::error_code ec;
  {
    // The common case, without a tree: the top-level strings straight into their fields.
    json::basic_parser<TopLevelStrings> fast(opts);
    const size_t n = fast.write_some(false, body.data(), body.size(), ec);
    if (!ec && n == body.size()) {
      TopLevelStrings& h = fast.handler();
      return MessageFromMembers([&h](std::string_view name) { return h.Get(name); }, nullptr);
    }
    ec.clear();
  }
  // Everything else (invalid JSON, another shape, MessageAttributes, duplicate members): the
  // parsed tree, in one stack-backed arena (every field is copied out below).
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
  auto member = [obj](std::string_view name) -> Member {
    const json::value* v = obj->if_contains(name);
    if (v == nullptr) {
      return {};
    }
    if (v->is_null()) {
      return {Member::Kind::kNull, {}, nullptr};
    }
    if (const json::string* s = v->if_string(); s != nullptr) {
      return {Member::Kind::kString, std::string_view(s->data(), s->size()), nullptr};
    }
    return {Member::Kind::kOther, {}, nullptr};
  };
  return MessageFromMembers(member, obj->if_contains("MessageAttributes"));
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
