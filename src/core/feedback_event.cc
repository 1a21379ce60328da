// SPDX-License-Identifier: Apache-2.0
#include "core/feedback_event.h"

#include <array>

namespace bw {
namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 12> kTypeNames = {{
    {EventType::kSend, "send"},
    {EventType::kDelivery, "delivery"},
    {EventType::kBounce, "bounce"},
    {EventType::kComplaint, "complaint"},
    {EventType::kReject, "reject"},
    {EventType::kDeliveryDelay, "delivery_delay"},
    {EventType::kOpen, "open"},
    {EventType::kClick, "click"},
    {EventType::kRenderingFailure, "rendering_failure"},
    {EventType::kSubscription, "subscription"},
    {EventType::kAutoReply, "auto_reply"},
    {EventType::kUnrecognized, "unrecognized"},
}};

}  // namespace

std::string_view EventTypeName(EventType t) {
  for (const auto& [type, name] : kTypeNames) {
    if (type == t) {
      return name;
    }
  }
  return "unrecognized";
}

std::optional<EventType> ParseEventType(std::string_view name) {
  for (const auto& [type, n] : kTypeNames) {
    if (n == name) {
      return type;
    }
  }
  return std::nullopt;
}

std::string_view BounceClassName(BounceClass c) {
  switch (c) {
    case BounceClass::kHard:
      return "hard";
    case BounceClass::kSoft:
      return "soft";
    case BounceClass::kUndetermined:
      return "undetermined";
  }
  return "undetermined";
}

std::optional<BounceClass> ParseBounceClass(std::string_view name) {
  if (name == "hard") return BounceClass::kHard;
  if (name == "soft") return BounceClass::kSoft;
  if (name == "undetermined") return BounceClass::kUndetermined;
  return std::nullopt;
}

}  // namespace bw
