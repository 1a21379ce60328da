// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "metrics/prometheus.h"

namespace bw::metrics {

// A monotonically increasing count. Lock-free; any thread.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Counts per label-value tuple (e.g. events by type, class, reason), created on first use. One
// short mutex per Inc: meant for paths that are already serialised (the store's writer thread)
// or rare, not for every request on the I/O threads (use Counter there).
class LabeledCounter {
 public:
  void Inc(const std::vector<std::string>& label_values, uint64_t n = 1);
  // Every tuple seen with its count, ordered by label values.
  std::map<std::vector<std::string>, uint64_t> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, uint64_t> counts_;  // GUARDED_BY(mu_)
};

// The families of one /metrics page. Parts of the service register what they export once (at
// startup, before serving); Render runs every collector in registration order on each scrape.
// Thread-safe.
class Registry {
 public:
  // Writes one or more families into the page. A collector that fails (bad name: a programming
  // error) is skipped, and the failure is written as a comment so that a test notices.
  using Collector = std::function<Status(ExpositionWriter&)>;
  void AddCollector(Collector collector);

  // Convenience: a gauge without labels read at each scrape, e.g.
  //   registry.AddGauge("bouncewatch_alert_outbox_depth", "Alerts waiting to be sent.",
  //                     [&outbox] { return double(outbox.Depth()); });
  // `value` runs on the scraping thread; it must be thread-safe and fast.
  void AddGauge(std::string name, std::string help, std::function<double()> value);
  // A counter without labels (name must end with _total).
  void AddCounter(std::string name, std::string help, const Counter& counter);

  // The page (text exposition 0.0.4).
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<Collector> collectors_;  // GUARDED_BY(mu_)
};

}  // namespace bw::metrics
