// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "notify/alert_format.h"

namespace bw::notify {

// What the alert worker needs to know about reputation. notify does not depend on metrics: app
// adapts metrics::ReputationCounter and metrics::LevelTracker to this.
// Used only by the alert worker's thread (implementations need no locking of their own beyond
// what the counter they read has).
class RateSource {
 public:
  virtual ~RateSource() = default;

  // Called once before the first Current(), with the levels last notified (durable), so that
  // hysteresis continues from them after a restart ("ok" when none was ever notified).
  virtual void RestoreLevels(std::string_view bounce_level, std::string_view complaint_level) = 0;

  // The rates now. bounce_level and complaint_level are the tracked levels: they rise when a
  // rate reaches a line (not while the volume is too small to tell), and come back down only
  // once the rate is clearly below it (hysteresis), so a rate hovering at a line does not flap.
  virtual RateSnapshot Current() = 0;

  // The lower edge of `level` for `rate` ("bounce" or "complaint"), as a fraction; 0 for "ok".
  virtual double LineOf(std::string_view rate, std::string_view level) const = 0;

  // The recipient domains with the most problems in the window, worst first, at most `limit`.
  virtual std::vector<DomainLine> WorstDomains(size_t limit) = 0;
};

}  // namespace bw::notify
