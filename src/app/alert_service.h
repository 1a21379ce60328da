// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "app/alerts_config.h"
#include "core/clock.h"
#include "metrics/reputation.h"
#include "store/store.h"

namespace bw::app {

// The rule app binds into the store (store::AlertRule): an outbox row per configured channel
// whose triggers include the event (hard bounces: "hard_bounce"; complaints: "complaint").
// Empty (no rows at all) when no channel is configured.
store::AlertRule MakeAlertRule(const AlertsConfig& alerts);

// Whether MakeAlertRule(alerts) gives `e` any row (the cheap check after a commit).
bool IsAlertWorthy(const AlertsConfig& alerts, const FeedbackEvent& e);

// The alert side of the App: the configured channels (CurlSmtpMailer for `[alerts.email]`, a
// curl HTTP client for `[alerts.webhook]`), the reputation adapter and the notify::AlertWorker
// with its thread. Created only when a channel is configured.
// Thread-safety: Start/Stop/Wake/depth from any thread.
class AlertService {
 public:
  // Throws ConfigError when a configured channel cannot be set up. `store`, `clock` and
  // `reputation` must outlive the service; `reputation` may be null (no level changes, digests
  // without rates).
  static std::unique_ptr<AlertService> Create(const AlertsConfig& alerts,
                                              const std::string& outbound_ca_file,
                                              store::Store& store, const Clock& clock,
                                              const metrics::ReputationCounter* reputation,
                                              const metrics::ReputationConfig& reputation_config);
  ~AlertService();

  void Start();
  void Stop();
  void Wake();
  // Unsent alerts in the outbox, as of the worker's last look (the /metrics gauge).
  int64_t depth() const;

 private:
  AlertService();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace bw::app
