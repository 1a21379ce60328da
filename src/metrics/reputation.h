// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/feedback_event.h"
#include "core/reputation_counts.h"
#include "core/result.h"

namespace bw::metrics {

// How close the account is to SES enforcement (sns-ses-protocol.md §5). Ordered: a larger value
// is worse, so the overall level is the max of the bounce and complaint levels.
enum class Level {
  kOk,        // below every threshold
  kElevated,  // above the recommended maximum (bounce >= 2 %); SES takes no action yet
  kWarning,   // SES places the account under review (bounce >= 5 %, complaint >= 0.1 %)
  kAtRisk,    // SES may pause sending (bounce >= 10 %, complaint >= 0.5 %)
};
std::string_view LevelName(Level l);  // "ok", "elevated", "warning", "at_risk"
std::optional<Level> ParseLevel(std::string_view name);

// Which count was used as the denominator ("sends") of both rates. The first one with a non-zero
// count in the window wins, in this order, because it is the closest to what SES divides by.
enum class SendSource {
  kSendEvents,        // SES event-publishing `Send` events, one per recipient
  kDeliveredBounced,  // delivered + bounced recipients (identity notifications without Send)
  kReported,          // counts the sender reported through POST /v1/sends
  kNone,              // nothing at all in the window: both rates are 0, low confidence
};
std::string_view SendSourceName(SendSource s);  // "send_events", "delivered_bounced", ...

// `[reputation]` configuration. Rates are fractions (0.05 = 5 %).
struct ReputationConfig {
  // The time window of the rates. Default: 7 days.
  std::chrono::milliseconds window = std::chrono::hours(24 * 7);
  // When set, the rates cover the most recent N sends instead (SES's "representative volume"),
  // at most `retention` back. Default: unset.
  std::optional<int64_t> window_sends{};
  // Granularity of the counters. The window is made of whole buckets (see Reputation). Must
  // divide `window` and `retention`. Default: 1 hour.
  std::chrono::milliseconds bucket = std::chrono::hours(1);
  // Buckets older than this are dropped (bounds memory, series and window_sends). Default: 90 days.
  std::chrono::milliseconds retention = std::chrono::hours(24 * 90);

  double bounce_elevated = 0.02;  // Default: 2 %
  double bounce_warning = 0.05;   // Default: 5 %
  double bounce_at_risk = 0.10;   // Default: 10 %
  // No elevated line for complaints by default: SES's recommended maximum equals its review line.
  std::optional<double> complaint_elevated{};
  double complaint_warning = 0.001;  // Default: 0.1 %
  double complaint_at_risk = 0.005;  // Default: 0.5 %

  // Fewer sends than this in the window = low confidence (a few bounces swing the rate).
  // Default: 1000.
  int64_t min_sends = 1000;
  // SES does not count mailbox-simulator mail (recipient @simulator.amazonses.com) in its rates,
  // so neither do we by default. Turn on for demos with `bouncewatch simulate`. Default: false.
  bool count_simulator = false;
  // Distinct keys kept per bucket and break-down dimension; the rest are summed under "(other)"
  // so that a flood of random recipient domains cannot exhaust memory. Default: 1000.
  size_t max_keys_per_bucket = 1000;

  // kInvalidInput with a sentence when a value is out of range (thresholds not increasing, bucket
  // not dividing the window, ...).
  Status Validate() const;
};

// What one bucket (or one key within a bucket) counted: plain data in core (the store persists
// it without depending on metrics).
using Counts = ReputationCounts;

// The dimensions counters are kept under (core/reputation_counts.h). kAll has the single key "".
// kIdentity: SES sending identity (from mail.source_arn ".../identity/X", else the domain of
// mail.from), lower-cased; kConfigurationSet: mail.configuration_set, as given;
// kRecipientDomain: the recipient's domain, lower-cased (which mailbox providers bounce).
using Dimension = ReputationDimension;
std::string_view DimensionName(Dimension d);  // "all", "identity", "configuration_set", ...
std::optional<Dimension> ParseDimension(std::string_view name);

// The unit of persistence: a store keeps one row per (bucket_start_ms, dimension, key) and adds
// the counts of new rows to it (an UPSERT with col = col + excluded.col), in the same transaction
// as the events. At startup the rows are fed back with ReputationCounter::Merge.
using BucketRow = ReputationRow;

// The rates over the configured window, as of `as_of_ms`.
struct Reputation {
  int64_t as_of_ms = 0;
  // The covered interval [window_start_ms, as_of_ms]: the bucket holding as_of_ms plus the
  // window/bucket - 1 buckets before it, so it spans between window - bucket and window.
  // With window_sends, it starts at the oldest bucket needed to reach that many sends.
  int64_t window_start_ms = 0;
  SendSource send_source = SendSource::kNone;
  int64_t sends = 0;  // the denominator actually used
  int64_t hard_bounces = 0;
  int64_t complaints = 0;
  double bounce_rate = 0;     // hard_bounces / sends; 0 when sends is 0. Not capped at 1.
  double complaint_rate = 0;  // complaints / sends; 0 when sends is 0
  Level bounce_level = Level::kOk;
  Level complaint_level = Level::kOk;
  Level level = Level::kOk;    // the worse of the two
  bool low_confidence = true;  // sends < min_sends: say so next to the numbers
  Counts counts;               // everything counted in the window, for display
};

// One line of a break-down (by identity, configuration set or recipient domain).
struct BreakdownRow {
  std::string key;
  Reputation reputation;
};

// One point of a chart: the counts of `bucket` ms starting at bucket_start_ms and the rates of
// that bucket alone (denominator chosen per point, as for the window).
struct SeriesPoint {
  int64_t bucket_start_ms = 0;
  Counts counts;
  SendSource send_source = SendSource::kNone;
  int64_t sends = 0;
  double bounce_rate = 0;
  double complaint_rate = 0;
};

// How one event counts toward the rates. Pure; exposed for tests and for the store (which can
// decide not to write rows for events that count for nothing).
//  - Send → sends; Delivery → deliveries; Complaint → complaints (not when the SES complaint
//    sub-type is OnAccountSuppressionList: SES did not send that mail).
//  - Bounce → bounces; and hard_bounces when its class is hard, except SES sub-type
//    OnAccountSuppressionList (excluded from both). Global-suppression bounces (Suppressed)
//    count, as they do for SES. Soft and undetermined bounces count as sends only.
//  - Mailbox-simulator recipients count as `excluded` only, unless config.count_simulator.
//  - Every other type counts nothing (empty Counts).
Counts CountsForEvent(const FeedbackEvent& e, const ReputationConfig& config);

// The rows one event adds (kAll plus one per dimension, all in the bucket of its occurred_at, or
// received_at, or now_ms; times ahead of now_ms count as now_ms), as ReputationCounter::Add would
// return them, but without touching any counter and without the max_keys_per_bucket cap (Merge
// applies it). Empty when the event counts for nothing or is older than the retention. Pure:
// this is the hook the store calls inside the ingest transaction.
std::vector<BucketRow> RowsForEvent(const FeedbackEvent& e, const ReputationConfig& config,
                                    int64_t now_ms);
// The rows of `count` sends reported at at_ms (POST /v1/sends), identity lower-cased; empty when
// count <= 0 or at_ms is older than the retention. Pure.
std::vector<BucketRow> RowsForReportedSends(int64_t at_ms, int64_t count,
                                            std::string_view identity,
                                            std::string_view configuration_set,
                                            const ReputationConfig& config, int64_t now_ms);

// The dimension keys of an event (identity, configuration set, recipient domain).
std::string IdentityOf(const FeedbackEvent& e);
std::string RecipientDomainOf(std::string_view recipient);

// Incrementally maintained bounce and complaint rates: counters per time bucket and per
// break-down key, so that a rate over 7 days adds up window/bucket (168) small structs instead
// of scanning events. Buckets are keyed by the event's occurred_at (received_at when unknown),
// so late notifications land where they belong; times ahead of the clock count as now.
// Thread-safe: every method may be called concurrently (one mutex; all calls are short).
class ReputationCounter {
 public:
  // REQUIRES: config.Validate() is ok. `clock` must outlive the counter.
  ReputationCounter(ReputationConfig config, const Clock& clock);

  // Counts one event. Returns the rows it added (empty when it counts for nothing): the caller
  // persists them (BucketRow) in the transaction that stores the event.
  std::vector<BucketRow> Add(const FeedbackEvent& e);
  // Counts sends reported by the sender (POST /v1/sends) at `at_ms`, optionally per identity and
  // configuration set. Returns the rows added, as Add. count <= 0 adds nothing.
  std::vector<BucketRow> AddReportedSends(int64_t at_ms, int64_t count,
                                          std::string_view identity = {},
                                          std::string_view configuration_set = {});
  // Adds persisted rows (at startup). Rows whose bucket_start_ms is not bucket-aligned are
  // moved to the bucket holding them. Rows older than the retention are ignored.
  void Merge(const std::vector<BucketRow>& rows);
  // Adds rows that each sum several buckets of one (dimension, key) (Store::SumReputationRows),
  // each into the bucket holding its bucket_start_ms, without the max_keys_per_bucket cap. For
  // one-shot readers of a time window (`bouncewatch stats`): when every row's buckets lie in the
  // window and no stored bucket held more than max_keys_per_bucket keys of a dimension, Compute
  // and Breakdown then answer exactly what Merge of the stored rows would. Series and a
  // window_sends window need the per-bucket rows (Merge). Rows older than the retention are
  // ignored.
  void MergeSummed(const std::vector<BucketRow>& rows);
  // The first bucket start of the window as of now (time- or send-based), as Compute reports it
  // in window_start_ms.
  int64_t WindowStart() const;
  // Every row currently held, oldest bucket first (a full snapshot, e.g. to rebuild a table).
  std::vector<BucketRow> Rows() const;

  // The rates over the window as of now.
  Reputation Compute() const;
  // The same restricted to one key of one dimension.
  Reputation ComputeFor(Dimension dimension, std::string_view key) const;
  // Every key of `dimension` seen in the window, worst first (by level, then hard bounces +
  // complaints, then key); at most `limit` rows.
  std::vector<BreakdownRow> Breakdown(Dimension dimension, size_t limit = 20) const;
  // Chart points of `bucket` (a multiple of the configured bucket) from since_ms to now, oldest
  // first, one per bucket including empty ones. kInvalidInput when `bucket` is not a positive
  // multiple, or when more than 10,000 points would be returned.
  Result<std::vector<SeriesPoint>> Series(std::chrono::milliseconds bucket, int64_t since_ms) const;

  // Drops buckets older than the retention. Add calls it when a new bucket starts.
  void Prune();

  const ReputationConfig& config() const { return config_; }

 private:
  struct Bucket {
    Counts all;
    std::unordered_map<std::string, Counts> by_key[3];  // kIdentity, kConfigurationSet, kDomain
  };

  int64_t BucketStart(int64_t ms) const;
  // Adds `c` at `at_ms` under kAll and the three dimension keys; returns the rows.
  // REQUIRES: mu_ held.
  std::vector<BucketRow> AddLocked(int64_t at_ms, const Counts& c, const std::string (&keys)[3]);
  // Adds under one dimension key (or "(other)" past max_keys_per_bucket); returns the key used.
  std::string AddKeyLocked(Bucket& b, int index, const std::string& key, const Counts& c);
  // Merge (capped: keys through AddKeyLocked) and MergeSummed (not capped) in one place.
  void MergeRows(const std::vector<BucketRow>& rows, bool capped);
  void PruneLocked(int64_t now_ms);
  // The first bucket start of the window as of now_ms (time- or send-based). REQUIRES: mu_ held.
  int64_t WindowStartLocked(int64_t now_ms) const;
  // Sums the buckets from `start` on for one dimension key. REQUIRES: mu_ held.
  Counts SumLocked(int64_t start, Dimension dimension, std::string_view key) const;
  Reputation Finish(int64_t now_ms, int64_t window_start_ms, const Counts& c) const;

  const ReputationConfig config_;
  const Clock& clock_;
  const int64_t bucket_ms_;
  mutable std::mutex mu_;
  std::map<int64_t, Bucket> buckets_;                            // GUARDED_BY(mu_), by bucket start
  int64_t newest_bucket_ = std::numeric_limits<int64_t>::min();  // GUARDED_BY(mu_)
};

// The level of a rate against three thresholds (elevated optional).
Level LevelFor(double rate, std::optional<double> elevated, double warning, double at_risk);

// The denominator rule on summed counts: returns the source and the number of sends.
std::pair<SendSource, int64_t> ChooseSends(const Counts& c);

}  // namespace bw::metrics
