// SPDX-License-Identifier: Apache-2.0
#include "metrics/registry.h"

#include <utility>

namespace bw::metrics {

void LabeledCounter::Inc(const std::vector<std::string>& label_values, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  counts_[label_values] += n;
}

std::map<std::vector<std::string>, uint64_t> LabeledCounter::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

void Registry::AddCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

void Registry::AddGauge(std::string name, std::string help, std::function<double()> value) {
  AddCollector([name = std::move(name), help = std::move(help),
                value = std::move(value)](ExpositionWriter& w) {
    return w.AddGauge(name, help, {}, value());
  });
}

void Registry::AddCounter(std::string name, std::string help, const Counter& counter) {
  AddCollector([name = std::move(name), help = std::move(help), &counter](ExpositionWriter& w) {
    return w.AddCounter(name, help, {}, static_cast<double>(counter.value()));
  });
}

std::string Registry::Render() const {
  std::vector<Collector> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  ExpositionWriter w;
  std::string failures;
  for (const Collector& c : collectors) {
    if (Status s = c(w); s.has_error()) {
      failures += "# collector failed: " + s.error().message() + "\n";
    }
  }
  std::string page = w.Render();
  return failures.empty() ? page : failures + page;
}

}  // namespace bw::metrics
