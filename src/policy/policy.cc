// SPDX-License-Identifier: Apache-2.0
#include "policy/policy.h"

#include <algorithm>
#include <string>
#include <utility>

namespace bw::policy {
namespace {

int64_t EventTimeMs(const FeedbackEvent& e, int64_t now_ms) {
  int64_t t = e.occurred_at_ms != 0 ? e.occurred_at_ms : e.received_at_ms;
  if (t == 0) {
    return now_ms;
  }
  return std::min(t, now_ms);
}

void Lift(SuppressionState& s) {
  s.suppressed = false;
  s.detail.clear();
  s.note.clear();
  s.suppressed_at_ms = 0;
  s.expires_at_ms = 0;
  s.recent_soft_ms.clear();
  s.event_ids.clear();
}

void AddEventId(SuppressionState& s, const std::string& id) {
  if (id.empty()) {
    return;
  }
  s.event_ids.push_back(id);
  if (s.event_ids.size() > SuppressionState::kMaxEventIds) {
    s.event_ids.erase(s.event_ids.begin(), s.event_ids.end() - SuppressionState::kMaxEventIds);
  }
}

bool IsSticky(const SuppressionState& s) {
  return s.suppressed && (s.expires_at_ms == 0 || s.reason == SuppressionReason::kManual ||
                          s.reason == SuppressionReason::kImport);
}

// Suppresses `s` at t unless a suppression that must not be replaced is in place. expires_at 0 =
// never.
void Suppress(SuppressionState& s, SuppressionReason reason, std::string detail, int64_t t,
              int64_t expires_at) {
  if (IsSticky(s)) {
    return;
  }
  if (s.suppressed && expires_at != 0) {
    // Already suppressed by soft bounces: extend.
    s.expires_at_ms = std::max(s.expires_at_ms, expires_at);
    return;
  }
  if (!s.suppressed) {
    s.suppressed_at_ms = t;
  }
  s.suppressed = true;
  s.reason = reason;
  s.detail = std::move(detail);
  s.expires_at_ms = expires_at;
}

}  // namespace

Status Validate(const PolicyConfig& c) {
  if (c.soft_bounce_limit < 1) {
    return InvalidInput("policy.soft_bounce_limit must be at least 1");
  }
  if (c.soft_bounce_window.count() <= 0) {
    return InvalidInput("policy.soft_bounce_window must be longer than 0");
  }
  if (c.ttl_soft.count() < 0) {
    return InvalidInput("policy.ttl_soft must not be negative");
  }
  return {};
}

bool IsProviderSuppressed(const FeedbackEvent& e) {
  if (e.type == EventType::kBounce && e.bounce) {
    return e.bounce->ses_subtype == "Suppressed" ||
           e.bounce->ses_subtype == "OnAccountSuppressionList" || e.bounce->reason == "suppressed";
  }
  if (e.type == EventType::kComplaint && e.complaint) {
    return e.complaint->sub_type == "OnAccountSuppressionList";
  }
  return false;
}

std::optional<SuppressionState> Decide(const PolicyConfig& config,
                                       const std::optional<SuppressionState>& current,
                                       const FeedbackEvent& event, std::string_view address_key,
                                       std::string_view address, TimePoint now) {
  const bool relevant = event.type == EventType::kBounce || event.type == EventType::kComplaint ||
                        event.type == EventType::kDelivery;
  if (!relevant) {
    return std::nullopt;
  }
  const int64_t t = EventTimeMs(event, ToUnixMs(now));
  if (event.type == EventType::kDelivery) {
    if (!current) {
      return std::nullopt;
    }
    bool expired = current->suppressed && current->expires_at_ms != 0 && t >= current->expires_at_ms;
    if (current->recent_soft_ms.empty() && !expired) {
      return std::nullopt;
    }
  }

  SuppressionState s;
  if (current) {
    s = *current;
  } else {
    s.address_key = std::string(address_key);
    s.address = std::string(address);
    s.first_seen_ms = t;
  }
  if (s.first_seen_ms == 0 || t < s.first_seen_ms) {
    s.first_seen_ms = t;
  }
  s.last_seen_ms = std::max(s.last_seen_ms, t);

  // 1. Expiry.
  if (s.suppressed && s.expires_at_ms != 0 && t >= s.expires_at_ms) {
    Lift(s);
  }

  switch (event.type) {
    case EventType::kDelivery:
      s.recent_soft_ms.clear();
      break;
    case EventType::kBounce: {
      BounceClass cls = event.bounce ? event.bounce->bounce_class : BounceClass::kUndetermined;
      if (IsProviderSuppressed(event)) {
        ++s.hard_bounces;
        AddEventId(s, event.id);
        Suppress(s, SuppressionReason::kBounce, "ses_suppressed", t, 0);
      } else if (cls == BounceClass::kHard) {
        ++s.hard_bounces;
        AddEventId(s, event.id);
        Suppress(s, SuppressionReason::kBounce, "hard_bounce", t, 0);
      } else {
        ++s.soft_bounces;
        AddEventId(s, event.id);
        const int64_t window = config.soft_bounce_window.count();
        auto& recent = s.recent_soft_ms;
        recent.push_back(t);
        std::sort(recent.begin(), recent.end());
        // Keep bounces less than `window` old at t (later ones may arrive out of order).
        recent.erase(std::remove_if(recent.begin(), recent.end(),
                                    [&](int64_t x) { return x <= t - window; }),
                     recent.end());
        const size_t limit = static_cast<size_t>(std::max(1, config.soft_bounce_limit));
        if (recent.size() > limit) {
          recent.erase(recent.begin(), recent.end() - static_cast<std::ptrdiff_t>(limit));
        }
        if (recent.size() >= limit) {
          int64_t expires = config.ttl_soft.count() == 0 ? 0 : t + config.ttl_soft.count();
          Suppress(s, SuppressionReason::kBounce, "soft_bounce_limit", t, expires);
          // A never-expiring soft suppression is as strong as a hard one.
        }
      }
      break;
    }
    case EventType::kComplaint:
      ++s.complaints;
      AddEventId(s, event.id);
      if (config.suppress_on_complaint || IsProviderSuppressed(event)) {
        Suppress(s, SuppressionReason::kComplaint,
                 IsProviderSuppressed(event) ? "ses_suppressed" : "complaint", t, 0);
      }
      break;
    default:
      break;
  }
  return s;
}

}  // namespace bw::policy
