// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/clock.h"
#include "core/feedback_event.h"
#include "core/reputation_counts.h"
#include "core/result.h"
#include "core/suppression.h"
#include "store/alert_outbox.h"

namespace bw::store {

// Everything one authenticated message produced (one SNS message, one bounce mail): stored in one
// transaction, or not at all.
struct IngestBatch {
  std::string source;     // "sns", "mail", ...: namespace of dedup_key
  std::string dedup_key;  // SNS MessageId (SNS retries reuse it); for mail, its Message-ID or hash
  std::string kind;       // "Notification", "SubscriptionConfirmation", "mail", ...
  std::string topic_arn;  // SNS topic, when any
  std::string raw;        // the raw message as received (kept for GET /v1/events/{id})
  int64_t received_at_ms = 0;
  // One per affected recipient. Events with an empty id get one; received_at_ms is set from the
  // batch when 0.
  std::vector<FeedbackEvent> events;
};

// What Ingest did.
enum class IngestOutcome {
  kStored,     // committed durably now
  kDuplicate,  // (source, dedup_key) was stored before; nothing written
};

// Filters for QueryEvents. All filters are ANDed; empty means "any".
struct EventQuery {
  std::vector<EventType> types;
  std::string recipient;  // exact, case-insensitive
  // The recipient's domain (after the last '@'), exact, case-insensitive; e.g. "example.com".
  std::string recipient_domain;
  int64_t since_ms = 0;   // occurred/received at or after (received_at is used)
  int64_t until_ms = 0;   // strictly before; 0 = no bound
  // Cursor: return only events older than this id (ids sort by time). Empty = from the newest.
  std::string before_id;
  size_t limit = 100;     // at most this many, newest first
};

// The stored raw message behind an event.
struct RawMessage {
  std::string source;
  std::string dedup_key;
  std::string kind;
  std::string topic_arn;
  std::string raw;
  int64_t received_at_ms = 0;
};

// An SNS subscription as bouncewatch knows it.
struct Subscription {
  std::string topic_arn;         // key
  std::string subscription_arn;  // when confirmed
  // "pending" (confirmation received, not confirmed), "confirmed", "confirm_failed",
  // "manual" (auto_confirm off: an operator must visit subscribe_url), "unsubscribed".
  std::string state;
  std::string subscribe_url;
  std::string last_error;
  int64_t updated_at_ms = 0;
  int64_t last_message_at_ms = 0;  // when the topic last delivered anything (0 = never)
};

// How events change suppression state: policy::Decide bound to the `[policy]` configuration (app
// builds it; the store does not depend on policy). Given the address's state before the event
// (nullopt when there is none), the event and the normalised recipient, returns the new state,
// or nullopt when nothing changes. Called on the store's writer, inside the transaction that
// stores the event, so an event and the suppression it causes commit together or not at all.
// Called only for bounce, complaint and delivery events (no other type changes suppression
// state). Must be pure, fast and thread-safe.
using SuppressionPolicy = std::function<std::optional<SuppressionState>(
    const std::optional<SuppressionState>& current, const FeedbackEvent& event,
    const NormalizedAddress& recipient, TimePoint now)>;

// How an event counts toward the reputation rates: metrics::RowsForEvent bound to the
// `[reputation]` configuration (app builds it; the store does not depend on metrics). Returns the
// bucket rows the event adds (empty when it counts for nothing). May be called on the thread
// that queues the batch (IngestAsync), for every event of it; the rows are written only when the
// event is newly stored (never for a duplicate batch), in the transaction that stores it, so
// rows and events commit together or not at all. Pure, fast, thread-safe.
using ReputationRowsFn =
    std::function<std::vector<ReputationRow>(const FeedbackEvent& event, TimePoint now)>;

// Store::SumReputationRows' answer: a window's reputation rows added up per (dimension, key).
struct ReputationSums {
  // One row per (dimension, key) stored in a bucket >= since_ms, with the counts of all of its
  // buckets added up; bucket_start_ms is the newest of those buckets. Ordered by dimension, then
  // key.
  std::vector<ReputationRow> rows;
  // The most keys one dimension other than "all" holds in any one of those buckets (so that the
  // reader can tell whether a per-bucket cap on keys would have changed anything).
  size_t max_keys_per_bucket = 0;
};

// What one committed transaction wrote, reported once it is durable (and never for a failed one).
struct CommitReport {
  std::chrono::nanoseconds duration{0};  // from BEGIN to the end of COMMIT
  // The reputation rows added by the writes in it (ingested events and AddReputationRows),
  // summed per (bucket_start_ms, dimension, key) within this commit; not summed with earlier
  // commits' rows.
  std::vector<ReputationRow> reputation_rows;
  // The events newly stored by it (not duplicates). Valid only during the call.
  std::vector<const FeedbackEvent*> events;
};
// Called on the store's writer thread after each successful commit, before the writes'
// callbacks: it must be fast and must not call the store. Used for the live reputation counter
// and /metrics.
using CommitObserver = std::function<void(const CommitReport&)>;

// Who changed the suppression list and why, recorded in the audit trail with each change.
struct AuditInfo {
  std::string actor;  // "api:<token name>", "cli", "policy", "rebuild", ...
  std::string note;   // free text; empty when none
};

// One row of the suppression audit trail. Newest have the largest id.
struct SuppressionAuditEntry {
  int64_t id = 0;
  std::string address_key;
  std::string address;
  // "suppress" (policy decided from an event), "add" (manual), "import", "remove", "rebuild".
  std::string action;
  std::string reason;  // the reason of the suppression added or removed; may be empty
  std::string actor;
  std::string note;
  std::string event_id;  // the event behind a policy decision
  int64_t at_ms = 0;
};

// The short answer of a bulk check (POST /v1/suppressions/check) for one address.
struct SuppressionBrief {
  bool suppressed = false;  // the stored flag (expiry is judged by the caller: IsSuppressedAt)
  SuppressionReason reason = SuppressionReason::kBounce;
  std::string detail;
  int64_t expires_at_ms = 0;
};

// An operator's addition (API PUT, import, CLI).
struct ManualSuppression {
  NormalizedAddress address;
  SuppressionReason reason = SuppressionReason::kManual;  // kManual or kImport
  std::string note;
  // Stored as SuppressionState::detail; empty = the reason's name. Imports keep the SES reason
  // here ("ses_bounce", "ses_complaint") so that exports give it back.
  std::string detail;
};

// Batches of entries to import, pulled one at a time by Store::ImportSuppressions (on the
// store's writer thread: Next may block while the next batch is parsed elsewhere).
class SuppressionBatchSource {
 public:
  virtual ~SuppressionBatchSource() = default;
  // The next batch, best in key order (stable: of equal keys the last given wins); empty at
  // the end. An error ends the import: nothing of it is stored.
  virtual Result<std::vector<ManualSuppression>> Next() = 0;
};

// Calls fn(batch) with each batch of `source` up to the empty one that ends it. The first error,
// of the source or of fn, ends the loop and is returned.
template <typename Fn>
Status ForEachBatch(SuppressionBatchSource& source, Fn&& fn) {
  for (;;) {
    auto batch = source.Next();
    if (!batch) {
      return batch.error();
    }
    if (batch->empty()) {
      return {};
    }
    if (Status s = fn(*batch); !s) {
      return s;
    }
  }
}

// Filters for ListSuppressions: only addresses suppressed at active_at_ms, ANDed with the rest.
// Results are ordered by address_key ascending.
struct SuppressionQuery {
  int64_t active_at_ms = 0;                        // "now" for expiry; required
  std::optional<SuppressionReason> reason;         // any when unset
  int64_t since_ms = 0;                            // suppressed_at >= since_ms; 0 = any
  std::string domain;                              // exact ASCII lower-case domain; empty = any
  std::string after_key;                           // cursor: keys strictly greater; empty = first
  size_t limit = 100;
};

// An API token as stored: never the token itself, only its SHA-256.
struct ApiToken {
  std::string id;      // public identifier (shown by `token list`, used by `token revoke`)
  std::string name;    // unique among tokens that are not revoked
  std::string scope;   // "read", "write" or "admin"
  std::string hash;    // SHA-256 of the token, 32 raw bytes
  int64_t created_at_ms = 0;
  int64_t revoked_at_ms = 0;  // 0 = active
};

// The durable store of events and their raw messages. One interface, several backends (SQLite
// embedded default; PostgreSQL for several instances). Only app/ knows the concrete classes.
//
// Thread-safety: every method may be called from any thread concurrently.
// Errors: kUnavailable when the database cannot be reached or cannot commit (callers answer 503
// so that senders retry); kInvalidInput for arguments that can never succeed; kNotFound.
class Store {
 public:
  using IngestCallback = std::function<void(Result<IngestOutcome>)>;

  virtual ~Store() = default;

  // Stores the batch and its events atomically and durably. Idempotent on
  // (batch.source, batch.dedup_key): a second batch with the same key writes nothing and reports
  // kDuplicate. `done` is called exactly once, on a store-owned thread, only after the commit is
  // durable (or has failed); it must not block. Concurrent batches may share one commit (group
  // commit).
  virtual void IngestAsync(IngestBatch batch, IngestCallback done) = 0;

  // Blocking form of IngestAsync.
  Result<IngestOutcome> Ingest(IngestBatch batch);

  // Events matching the query, newest first.
  virtual Result<std::vector<FeedbackEvent>> QueryEvents(const EventQuery& query) = 0;

  // One event by id; kNotFound when there is none.
  virtual Result<FeedbackEvent> GetEvent(std::string_view id) = 0;

  // The raw message an event came from; kNotFound when there is none.
  virtual Result<RawMessage> GetRawMessage(std::string_view source, std::string_view dedup_key) = 0;

  // The raw message the event `event_id` came from, whatever its source (an SNS notification,
  // a bounce mail, ...); kNotFound when there is no such event or message.
  virtual Result<RawMessage> GetEventRawMessage(std::string_view event_id) = 0;

  // Inserts or replaces the subscription for s.topic_arn. Durable on return.
  virtual Status UpsertSubscription(const Subscription& s) = 0;

  // Every subscription known, by topic.
  virtual Result<std::vector<Subscription>> ListSubscriptions() = 0;

  // OK when the store can accept writes now (readiness probe).
  virtual Status CheckWritable() = 0;

  // --- Suppression list. Events change it through the SuppressionPolicy given at open time
  // (inside IngestAsync's transaction); the methods below are the operator's side.

  // What is known about one address (suppressed or not, maybe expired: see IsSuppressedAt);
  // kNotFound when nothing is.
  virtual Result<SuppressionState> GetSuppression(std::string_view address_key) = 0;

  // The states of those of `address_keys` that have one, in no particular order. At most
  // 10,000 keys (kInvalidInput beyond).
  virtual Result<std::vector<SuppressionState>> GetSuppressions(
      const std::vector<std::string>& address_keys) = 0;

  // What POST /v1/suppressions/check reports for each of `address_keys`: the brief state in
  // the same order, nullopt where nothing is stored. At most 10,000 keys (kInvalidInput beyond).
  // The default asks GetSuppressions; a store with an in-memory index answers without copies.
  virtual Result<std::vector<std::optional<SuppressionBrief>>> CheckSuppressions(
      const std::vector<std::string>& address_keys);

  // Addresses suppressed at query.active_at_ms matching the filters, by key, at most limit.
  virtual Result<std::vector<SuppressionState>> ListSuppressions(const SuppressionQuery& query) = 0;

  // Suppresses every address (all in one transaction: all or nothing), keeping what is known
  // about it (counts, history); the new suppression never expires and replaces any earlier
  // reason. Each is recorded in the audit trail (action "add" or "import"). Durable on return.
  virtual Status AddSuppressions(const std::vector<ManualSuppression>& entries,
                                 const AuditInfo& audit) = 0;

  // Imports what `source` gives (store/suppression_import.h: a file or request body parsed as it
  // is read), batch by batch, in one transaction: all or nothing, as AddSuppressions, and audited
  // the same way; an error from the source rolls everything back and is returned. Returns how
  // many entries were imported. The default collects every batch and calls AddSuppressions; a
  // store that can write while the source parses (SQLite) overrides it.
  virtual Result<size_t> ImportSuppressions(SuppressionBatchSource& source,
                                            const AuditInfo& audit);

  // Forgets what is known about the address (its suppression and its soft-bounce history), and
  // records a "remove" in the audit trail. kNotFound when it is not suppressed at now_ms (nothing
  // is changed then). Durable on return.
  virtual Status RemoveSuppression(std::string_view address_key, int64_t now_ms,
                                   const AuditInfo& audit) = 0;

  // Replaces the whole suppression state with `states` (rebuild after a policy change), in one
  // transaction, recording one "rebuild" audit entry per address whose suppression changed.
  virtual Status ReplaceSuppressions(const std::vector<SuppressionState>& states,
                                     const AuditInfo& audit) = 0;

  // The audit trail of one address (every address when empty), newest first, at most limit.
  virtual Result<std::vector<SuppressionAuditEntry>> ListSuppressionAudit(
      std::string_view address_key, size_t limit) = 0;

  // --- API tokens.

  // Stores a new token. kConflict when an active token has the same name.
  virtual Status CreateToken(const ApiToken& token) = 0;
  // Every token (active and revoked), oldest first.
  virtual Result<std::vector<ApiToken>> ListTokens() = 0;
  // The active token with this SHA-256; kNotFound when none. Callers compare in constant time.
  virtual Result<ApiToken> FindTokenByHash(std::string_view hash) = 0;
  // Revokes the active token whose id or name is `id_or_name`; kNotFound when none.
  virtual Status RevokeToken(std::string_view id_or_name, int64_t now_ms) = 0;

  // --- Reputation buckets (counters behind the bounce and complaint rates). Ingested events add
  // rows through the ReputationRowsFn given at open time, inside IngestAsync's transaction.

  // Adds each row's counts to the stored row with the same (bucket_start_ms, dimension, key),
  // creating it when missing (e.g. sends reported through POST /v1/sends). All in one
  // transaction. Durable on return; the rows are reported to the CommitObserver.
  virtual Status AddReputationRows(const std::vector<ReputationRow>& rows) = 0;
  // Every stored row with bucket_start_ms >= since_ms, oldest bucket first (within a bucket by
  // dimension, then key). Each (bucket, dimension, key) appears once, with the summed counts.
  virtual Result<std::vector<ReputationRow>> ListReputationRows(int64_t since_ms) = 0;
  // The rows with bucket_start_ms >= since_ms added up per (dimension, key), for readers that
  // need a window's totals rather than its buckets (`bouncewatch stats`): see ReputationSums.
  virtual Result<ReputationSums> SumReputationRows(int64_t since_ms) = 0;
  // Deletes rows with bucket_start_ms < before_ms (retention); returns how many.
  virtual Result<int64_t> DeleteReputationRowsBefore(int64_t before_ms) = 0;
  // How many addresses are suppressed at active_at_ms (the /metrics gauge).
  virtual Result<int64_t> CountSuppressed(int64_t active_at_ms) = 0;

  // --- Alert outbox (see store/alert_outbox.h). Rows for events are written by IngestAsync
  // through the AlertRule given at open time; the methods below are the alert worker's side.

  // Takes up to claim.limit unsent rows of claim.channel (and kinds) whose next_attempt_at is at
  // or before claim.now_ms, oldest first: each gets attempts + 1 and next_attempt_at =
  // claim.lease_until_ms, durably, before it is returned (so a second claim does not return it
  // until the lease ends). kInvalidInput without a channel.
  virtual Result<std::vector<AlertItem>> ClaimAlerts(const AlertClaim& claim) = 0;
  // Marks rows sent at sent_at_ms (never claimed again). Unknown or already sent ids are
  // ignored. Durable on return.
  virtual Status MarkAlertsSent(const std::vector<int64_t>& ids, int64_t sent_at_ms) = 0;
  // Records a failed attempt: the unsent rows among `ids` become due again at next_attempt_at_ms
  // and keep `error` as last_error. Durable on return.
  virtual Status MarkAlertsFailed(const std::vector<int64_t>& ids, int64_t next_attempt_at_ms,
                                  std::string_view error) = 0;
  // Adds rows (due at now_ms) and sets the worker's state keys, all in one transaction, so that
  // an alert and the state saying it was made (last digest time, last level) commit together.
  // kInvalidInput for a row without channel or kind.
  virtual Status EnqueueAlerts(const std::vector<NewAlert>& alerts,
                               const std::map<std::string, std::string>& state,
                               int64_t now_ms) = 0;
  // The worker's state keys as last set by EnqueueAlerts (empty when none).
  virtual Result<std::map<std::string, std::string>> GetAlertState() = 0;
  // Per channel that has rows: pending count, oldest pending, last event mail (outbox depth).
  virtual Result<std::map<std::string, AlertChannelStats>> GetAlertOutboxStats() = 0;
  // Event counts and new suppressions in [since_ms, until_ms) by received time, with at most
  // `max_addresses` suppressed addresses listed.
  virtual Result<AlertPeriodSummary> SummarizeAlertPeriod(int64_t since_ms, int64_t until_ms,
                                                          size_t max_addresses) = 0;
  // Deletes rows sent before sent_before_ms; returns how many. Unsent rows are never deleted.
  virtual Result<int64_t> PruneSentAlerts(int64_t sent_before_ms) = 0;
};

}  // namespace bw::store
