// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/feedback_event.h"
#include "core/result.h"
#include "core/suppression.h"

namespace bw::policy {

// The `[policy]` section: when feedback puts an address on the suppression list. Immutable once
// built; copy freely.
struct PolicyConfig {
  // Soft and undetermined bounces within soft_bounce_window that suppress an address. A delivery
  // in between starts the count again. Default: 3. At least 1.
  int soft_bounce_limit = 3;
  // The sliding window for soft_bounce_limit: a bounce counts while it is less than this old.
  // Default: 7 days. Greater than 0.
  std::chrono::milliseconds soft_bounce_window = std::chrono::hours(24 * 7);
  // Whether a complaint suppresses the address (for good: complaints never expire).
  // Default: true. SES's OnAccountSuppressionList complaints suppress regardless.
  bool suppress_on_complaint = true;
  // How long a suppression from soft bounces lasts; 0 = never expires. Default: 14 days.
  // Hard bounces, SES-suppressed bounces and complaints never expire; manual and imported
  // entries last until removed.
  std::chrono::milliseconds ttl_soft = std::chrono::hours(24 * 14);
};

// kInvalidInput naming the key when a value is out of range.
Status Validate(const PolicyConfig& config);

// True for a bounce SES reports because the address is on a suppression list (bounce subtype
// Suppressed or OnAccountSuppressionList, or Sisimai reason "suppressed"), and for a complaint
// with subtype OnAccountSuppressionList.
bool IsProviderSuppressed(const FeedbackEvent& event);

// Decides the state of one address after `event`, given its state before (`current`, nullopt
// when bouncewatch knows nothing about it). Pure: no I/O, deterministic, thread-safe.
//
// The event's own time (occurred_at_ms, else received_at_ms, capped at `now` so that a provider
// clock in the future cannot stretch a window) drives windows and expiry, so replaying stored
// events in order (`suppress rebuild`) gives the same result as live ingestion. Rules, in order:
//  1. a suppression whose expires_at has passed at the event's time is lifted first, and its
//     soft-bounce window starts again;
//  2. delivery: forgets the recent soft bounces (the count starts again); never lifts a
//     suppression;
//  3. hard bounce, SES-suppressed bounce: suppress (reason bounce), never expire;
//  4. soft/undetermined bounce: suppress (reason bounce) once soft_bounce_limit of them fall
//     within soft_bounce_window, expiring ttl_soft after the last one (again bouncing while
//     suppressed extends the expiry);
//  5. complaint: suppress (reason complaint) when suppress_on_complaint or SES-suppressed,
//     never expire;
//  6. a suppression that never expires is not replaced; a manual or imported one stays as it is
//     (counts and event ids are still kept up to date).
// Returns the new state, or nullopt when the event changes nothing worth storing (types other
// than bounce, complaint and delivery; a delivery for an address with no recent soft bounces).
// `address_key`/`address` are NormalizeAddress(event.recipient) key/display.
std::optional<SuppressionState> Decide(const PolicyConfig& config,
                                       const std::optional<SuppressionState>& current,
                                       const FeedbackEvent& event, std::string_view address_key,
                                       std::string_view address, TimePoint now);

}  // namespace bw::policy
