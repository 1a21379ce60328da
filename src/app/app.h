// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "metrics/registry.h"
#include "metrics/reputation.h"
#include "store/store.h"

namespace bw::app {

// Opens the store named by config.store.url ("sqlite:PATH"). `read_only` opens for reading while
// a server may be writing (the CLI). kUnavailable when it cannot be opened; kInvalidInput for an
// unsupported URL. `serving`: for `serve` (keeps the suppression list in memory for fast checks;
// the CLI leaves it off). Ingested events add reputation rows (`[reputation]`) in their
// transaction; `observer` (may be empty) learns what each commit wrote.
Result<std::unique_ptr<store::Store>> OpenStore(const Config& config, const Clock& clock,
                                                bool read_only, bool serving = false,
                                                store::CommitObserver observer = {});

// The running service: the one composition root that knows every concrete class (SQLite store,
// curl client, certificate cache, SNS verifier, HTTP server) and wires them. Owns them all.
// Create, then Start, then Wait (or Stop). Not copyable; one per process in production, several
// in tests.
class App {
 public:
  // Builds everything the configuration asks for. Throws ConfigError when something configured
  // cannot be used (store cannot be opened, pinned certificate unreadable).
  static std::unique_ptr<App> Create(const Config& config, const Clock& clock);
  ~App();

  // Binds the listen address and serves on background threads.
  Status Start();
  // The bound port (after Start), useful with port 0.
  uint16_t port() const;
  // Blocks until SIGINT or SIGTERM, then stops.
  void WaitForSignal();
  // Stops serving; pending commits finish, their responses may not be sent. Idempotent.
  void Stop();

  store::Store& store();

  // The live bounce and complaint rates (`[reputation]`): loaded from the store at Create, then
  // updated on the store's writer after each commit, so an event whose commit failed never
  // counts. Thread-safe; valid until the App is destroyed. Read Compute() for the current
  // Reputation (e.g. to detect level changes).
  const metrics::ReputationCounter& reputation() const;
  // The /metrics registry: other parts add gauges to it (e.g. the alert outbox depth through
  // metrics::Registry::AddGauge) before Start.
  metrics::Registry& metrics_registry();

  // The admin API token Create made because the store had none (also written to
  // <data_dir>/admin-token); empty when tokens existed. `serve` prints it once.
  const std::string& created_admin_token() const;

 private:
  App();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace bw::app
