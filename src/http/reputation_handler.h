// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "http/blocking_executor.h"
#include "http/handler.h"
#include "metrics/registry.h"
#include "metrics/reputation.h"
#include "store/store.h"

namespace bw::http {

class SessionStore;

// The body of POST /v1/sends.
struct ReportedSends {
  int64_t count = 0;                 // 1 .. 1,000,000,000
  std::optional<int64_t> at_ms;      // unset = now
  std::string identity;              // at most 255 bytes; "" = none
  std::string configuration_set;     // at most 255 bytes; "" = none
};
// Parses {"count", "at"?, "identity"?, "configuration_set"?} (null = absent). kInvalidInput with
// one sentence for anything else: not a JSON object, unknown fields, wrong types, out-of-range
// count, an `at` that is not ISO-8601, a body over 64 KiB. Pure.
Result<ReportedSends> ParseReportedSends(std::string_view body);

struct ReputationHandlerOptions {
  SessionStore* sessions = nullptr;  // accept the dashboard's session cookie; may be null
};

// The reputation API (docs/api.md "Reputation"):
//   GET  /v1/reputation?by=&limit=          (scope read)  metrics::ReputationDocument
//   GET  /v1/reputation/series?bucket=&since= (scope read) metrics::SeriesDocument
//   POST /v1/sends {"count", "at"?, "identity"?, "configuration_set"?} (scope write): stores the
//        reported sends durably (Store::AddReputationRows), then answers {"accepted": count}.
//        The live counter learns them through the store's CommitObserver (app wires it).
// Reads come from the live counter (no store scan). Thread-safe.
class ReputationHandler final : public Handler {
 public:
  // All references must outlive the handler.
  ReputationHandler(ReputationHandlerOptions options, store::Store& store,
                    const metrics::ReputationCounter& counter, const Clock& clock,
                    BlockingExecutor blocking);
  void Handle(Request request, Responder respond) override;
  // The answer, computed on the calling thread (blocking: authentication reads the store).
  Response Serve(const Request& request);

 private:
  Response GetReputation(const Request& request);
  Response GetSeries(const Request& request);
  Response PostSends(const Request& request);

  ReputationHandlerOptions options_;
  store::Store& store_;
  const metrics::ReputationCounter& counter_;
  const Clock& clock_;
  BlockingExecutor blocking_;
};

// GET /metrics: the registry's page (Prometheus text format), without authentication, like
// /healthz. Collectors may read the store, so the page is built on the blocking executor.
class MetricsHandler final : public Handler {
 public:
  MetricsHandler(const metrics::Registry& registry, BlockingExecutor blocking)
      : registry_(registry), blocking_(std::move(blocking)) {}
  void Handle(Request request, Responder respond) override;

 private:
  const metrics::Registry& registry_;
  BlockingExecutor blocking_;
};

}  // namespace bw::http
