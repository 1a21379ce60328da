// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bw {

// Plain data shared by metrics/ (which computes reputation rates from it) and store/ (which
// persists it in the ingest transaction). Kept in core so that store does not depend on metrics.

// What one reputation bucket (or one key within a bucket) counted. Sums are plain additions.
struct ReputationCounts {
  int64_t sends = 0;           // SES Send events (per recipient)
  int64_t deliveries = 0;      // Delivery events
  int64_t bounces = 0;         // every counted bounce, any class (for delivered + bounced)
  int64_t hard_bounces = 0;    // the numerator of the bounce rate
  int64_t complaints = 0;      // the numerator of the complaint rate
  int64_t reported_sends = 0;  // POST /v1/sends
  int64_t excluded = 0;        // events seen but not counted (simulator, account suppression)

  ReputationCounts& operator+=(const ReputationCounts& o);
  bool operator==(const ReputationCounts&) const = default;
  bool Empty() const { return *this == ReputationCounts{}; }
};

// The dimensions counters are kept under. kAll has the single key "".
enum class ReputationDimension {
  kAll,
  kIdentity,          // SES sending identity, lower-cased
  kConfigurationSet,  // mail.configuration_set, as given
  kRecipientDomain,   // the recipient's domain, lower-cased
};
// "all", "identity", "configuration_set", "recipient_domain" (also the stored form).
std::string_view ReputationDimensionName(ReputationDimension d);
std::optional<ReputationDimension> ParseReputationDimension(std::string_view name);

// The unit of persistence: a store keeps one row per (bucket_start_ms, dimension, key) and adds
// the counts of new rows to it, in the same transaction as the events that caused them.
struct ReputationRow {
  int64_t bucket_start_ms = 0;  // a multiple of the bucket size, Unix ms
  ReputationDimension dimension = ReputationDimension::kAll;
  std::string key;  // "" for kAll; "" also when the event had no value for the dimension
  ReputationCounts counts;
  bool operator==(const ReputationRow&) const = default;
};

}  // namespace bw
