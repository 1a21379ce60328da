// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_batcher.h"

#include <iterator>
#include <utility>

namespace bw::notify {

AlertBatcher::AlertBatcher(Options options, const Clock& clock)
    : options_(options), clock_(clock) {}

void AlertBatcher::Add(FeedbackEvent e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.events.size() >= options_.max_pending) {
    ++pending_.omitted;
    return;
  }
  pending_.events.push_back(std::move(e));
}

std::optional<AlertBatcher::Batch> AlertBatcher::TakeDue() {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.empty()) {
    return std::nullopt;
  }
  if (last_mail_ && now < *last_mail_ + options_.min_interval) {
    return std::nullopt;
  }
  last_mail_ = now;
  Batch out = std::move(pending_);
  pending_ = Batch{};
  return out;
}

void AlertBatcher::Restore(Batch batch) {
  std::lock_guard<std::mutex> lock(mu_);
  Batch merged = std::move(batch);
  merged.omitted += pending_.omitted;
  for (FeedbackEvent& e : pending_.events) {
    if (merged.events.size() >= options_.max_pending) {
      ++merged.omitted;
    } else {
      merged.events.push_back(std::move(e));
    }
  }
  while (merged.events.size() > options_.max_pending) {
    merged.events.pop_back();
    ++merged.omitted;
  }
  pending_ = std::move(merged);
}

std::optional<TimePoint> AlertBatcher::NextDue() const {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.empty()) {
    return std::nullopt;
  }
  if (!last_mail_ || now >= *last_mail_ + options_.min_interval) {
    return now;
  }
  return *last_mail_ + options_.min_interval;
}

size_t AlertBatcher::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.events.size() + pending_.omitted;
}

}  // namespace bw::notify
