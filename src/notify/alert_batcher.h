// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/feedback_event.h"

namespace bw::notify {

// Gathers alert-worthy events so that at most one mail goes out per min_interval: the first
// event after a quiet period is due at once; events arriving within min_interval of the last
// mail wait and go out together in the next one. Pure logic, no I/O, no timers: the worker asks
// NextDue() when to wake up and TakeDue() what to send.
// Thread-safe (one mutex).
class AlertBatcher {
 public:
  struct Options {
    // Default: 5 minutes.
    std::chrono::milliseconds min_interval = std::chrono::minutes(5);
    // Events kept at most; past this only a count is kept (the mail says "and N more").
    // Default: 1000.
    size_t max_pending = 1000;
  };

  // What one mail is about.
  struct Batch {
    std::vector<FeedbackEvent> events;  // oldest first
    size_t omitted = 0;                 // events counted but not kept (over max_pending)
    bool empty() const { return events.empty() && omitted == 0; }
  };

  // `clock` must outlive the batcher.
  AlertBatcher(Options options, const Clock& clock);

  void Add(FeedbackEvent e);

  // The batch to mail now, or nullopt when nothing is pending or min_interval has not passed
  // since the last TakeDue. Taking a batch counts as a mail sent now (also when the caller's
  // send then fails: see Restore).
  std::optional<Batch> TakeDue();

  // Puts back a batch whose mail failed, ahead of newer events, so nothing is lost; it goes out
  // with the next due mail (at least min_interval later, which also paces retries).
  void Restore(Batch batch);

  // When TakeDue() will next return a batch: now or later; nullopt when nothing is pending.
  std::optional<TimePoint> NextDue() const;

  size_t pending() const;  // events kept plus omitted

 private:
  const Options options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  Batch pending_;                       // GUARDED_BY(mu_)
  std::optional<TimePoint> last_mail_;  // GUARDED_BY(mu_)
};

}  // namespace bw::notify
