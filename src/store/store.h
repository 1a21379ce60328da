// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/feedback_event.h"
#include "core/result.h"

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

  // Inserts or replaces the subscription for s.topic_arn. Durable on return.
  virtual Status UpsertSubscription(const Subscription& s) = 0;

  // Every subscription known, by topic.
  virtual Result<std::vector<Subscription>> ListSubscriptions() = 0;

  // OK when the store can accept writes now (readiness probe).
  virtual Status CheckWritable() = 0;
};

}  // namespace bw::store
