// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bw {

// Why an address is suppressed. Stable wire names: "bounce", "complaint", "manual", "import".
enum class SuppressionReason {
  kBounce,     // the policy decided from bounces (hard, SES-suppressed, or soft over the limit)
  kComplaint,  // the recipient complained
  kManual,     // an operator added it (API PUT, `suppress add`)
  kImport,     // bulk import (API, `suppress import`)
};
std::string_view SuppressionReasonName(SuppressionReason r);
std::optional<SuppressionReason> ParseSuppressionReason(std::string_view name);

// What bouncewatch knows about one address: its suppression, if any, and the history the policy
// needs (recent soft bounces). Kept for an address once it has bounced, complained or been added,
// also while it is not (or no longer) suppressed. Plain data shared by policy (which computes it)
// and store (which keeps it in the same transaction as the events behind it).
struct SuppressionState {
  std::string address_key;  // NormalizeAddress(...).key; the identity
  std::string address;      // NormalizeAddress(...).display, for people
  // Whether the address is suppressed (still subject to expires_at_ms: an entry whose expiry has
  // passed is not suppressed any more; see IsSuppressedAt).
  bool suppressed = false;
  SuppressionReason reason = SuppressionReason::kBounce;  // meaningful when suppressed
  // Which rule fired, for people: "hard_bounce", "soft_bounce_limit", "ses_suppressed",
  // "complaint", "manual", "import".
  std::string detail;
  int32_t hard_bounces = 0;       // counted over the whole history
  int32_t soft_bounces = 0;       // soft + undetermined, whole history
  int32_t complaints = 0;
  // Times (unix ms) of the soft/undetermined bounces since the last delivery, oldest first, at
  // most soft_bounce_limit of them (what the sliding window needs).
  std::vector<int64_t> recent_soft_ms;
  int64_t first_seen_ms = 0;      // first event or manual action about the address
  int64_t last_seen_ms = 0;       // latest
  int64_t suppressed_at_ms = 0;   // when the current suppression started (0 = not suppressed)
  int64_t expires_at_ms = 0;      // when the current suppression ends; 0 = never
  std::string note;               // operator's note (manual/import)
  // Ids of the events behind the current state, oldest first, at most kMaxEventIds (the newest
  // are kept).
  std::vector<std::string> event_ids;

  static constexpr size_t kMaxEventIds = 20;
};

// True when `s` suppresses mail at now_ms (suppressed and not expired).
inline bool IsSuppressedAt(const SuppressionState& s, int64_t now_ms) {
  return s.suppressed && (s.expires_at_ms == 0 || now_ms < s.expires_at_ms);
}

}  // namespace bw
