// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/feedback_event.h"

namespace bw::store {

// The alert outbox: one row per alert item per channel, written in the same transaction as the
// events that cause it (hard bounces and complaints, through AlertRule) or by the alert worker
// (level changes, digests). The worker claims due rows, sends them, and marks them sent or
// failed; rows are never dropped while unsent, so a crash loses no alert, and a row marked sent
// is never claimed again, so a restart sends none twice.

// Which alert channels ("email", "webhook") want an item for a newly stored event; empty = none.
// app binds it from the `[alerts]` configuration (no channel configured = always empty). May be
// called on the thread that queues the batch (IngestAsync); its rows are written only for newly
// stored events (never for a duplicate batch), inside the transaction that stores them. Must be
// pure, fast and thread-safe.
using AlertRule = std::function<std::vector<std::string>(const FeedbackEvent& event)>;

// The kinds of outbox rows.
inline constexpr const char* kAlertKindEvent = "event";          // written by ingestion
inline constexpr const char* kAlertKindLevelChange = "level_change";  // written by the worker
inline constexpr const char* kAlertKindDigest = "digest";        // written by the worker

// One outbox row.
struct AlertItem {
  int64_t id = 0;        // increasing in creation order
  std::string channel;   // "email", "webhook"
  std::string kind;      // kAlertKind*
  std::string event_id;  // kind "event": the event it is about
  // kind "event": the stored event (nullopt only if the event row is missing, which the schema
  // prevents).
  std::optional<FeedbackEvent> event;
  std::string payload;  // other kinds: what the worker stored with it (JSON)
  int64_t created_at_ms = 0;
  int32_t attempts = 0;  // claims so far (each claim is one sending attempt)
  int64_t next_attempt_at_ms = 0;
  std::string last_error;  // of the last failed attempt; empty when none
  int64_t sent_at_ms = 0;  // 0 while unsent
};

// An item the worker makes (level change, digest).
struct NewAlert {
  std::string channel;
  std::string kind;
  std::string payload;
};

// What ClaimAlerts takes.
struct AlertClaim {
  std::string channel;             // required
  std::vector<std::string> kinds;  // only these kinds; empty = any
  int64_t now_ms = 0;              // rows with next_attempt_at <= now_ms are due
  // Claimed rows get next_attempt_at = lease_until_ms: if the claimer dies before MarkAlertsSent
  // or MarkAlertsFailed, they become due again then (sent at least once, possibly twice).
  int64_t lease_until_ms = 0;
  size_t limit = 1000;  // at most this many, oldest first
};

// Outbox state of one channel.
struct AlertChannelStats {
  int64_t pending = 0;                  // unsent rows (due or waiting for a retry)
  int64_t oldest_pending_created_at_ms = 0;  // 0 when none pending
  int64_t last_event_sent_at_ms = 0;    // newest sent_at of kind "event" rows; 0 = never
  // Earliest next_attempt_at of pending rows of kind "event" / of the other kinds; 0 = none.
  int64_t next_event_due_at_ms = 0;
  int64_t next_other_due_at_ms = 0;
};

// What happened in [since_ms, until_ms) (by received time), for the digest.
struct AlertPeriodSummary {
  std::vector<std::pair<std::string, int64_t>> events_by_type;  // type name, count; by count desc
  int64_t hard_bounces = 0;
  int64_t complaints = 0;
  int64_t new_suppressions = 0;                // addresses the policy suppressed in the period
  std::vector<std::string> new_suppressed_addresses;  // the first of them (up to the limit)
};

}  // namespace bw::store
