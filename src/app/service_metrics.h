// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>

#include "core/clock.h"
#include "metrics/registry.h"
#include "metrics/reputation.h"
#include "store/store.h"

namespace bw::app {

// What the service exports on GET /metrics besides what other parts register themselves:
// commit latency and stored events (fed by the store's CommitObserver), SNS requests by result
// and signature failures (read from the SNS handler / verifier counters), suppressions (a store
// count per scrape), the current reputation (from the live counter), build info.
class ServiceMetrics {
 public:
  // Called on the store's writer after each commit: records latency and the new events.
  void OnCommit(const store::CommitReport& report);

  // Where the SNS numbers come from (all optional; absent families are not written).
  struct SnsSources {
    std::function<uint64_t()> stored, duplicates, rejected_invalid, rejected_forbidden,
        unavailable, confirmations, signature_failures;
  };

  // Registers every family on `registry`. All references must outlive the registry's use.
  void Register(metrics::Registry& registry, const metrics::ReputationCounter& reputation,
                store::Store& store, const Clock& clock, SnsSources sns);

 private:
  metrics::Histogram commit_seconds_{metrics::Histogram::LatencyBounds()};
  metrics::LabeledCounter events_;  // type, bounce_class, reason
};

}  // namespace bw::app
