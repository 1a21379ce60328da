// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "metrics/prometheus.h"
#include "metrics/reputation.h"

namespace bw::metrics {

// Which rate a level belongs to.
enum class RateKind { kBounce, kComplaint };
std::string_view RateKindName(RateKind k);  // "bounce", "complaint"

// A rate moved to another level: what the level-change alert is about.
struct LevelTransition {
  RateKind rate = RateKind::kBounce;
  Level from = Level::kOk;
  Level to = Level::kOk;
  double threshold = 0;  // the line crossed (the lower edge of the higher of the two levels)
  Reputation now;
};

// Turns successive Reputation snapshots into level changes, up and back down, without flapping:
// a rate goes up as soon as it reaches a line, and comes back down only once it is below that
// line by `hysteresis` (relative: 0.1 = 10 % below it, so 4.5 % for the 5 % line). While the
// snapshot is low-confidence, rises are not reported unless report_low_confidence is set (a
// first bounce among three sends is not news); falls always are.
// The first Observe only sets the starting levels (returns nothing) unless they are above ok
// and start_from_ok is set.
// Not thread-safe: owned by the one worker that evaluates rates.
class LevelTracker {
 public:
  struct Options {
    double hysteresis = 0.1;             // Default: 10 % below the line
    bool report_low_confidence = false;  // Default: false
    bool start_from_ok = true;           // Default: true (a restart at warning says so once)
  };

  LevelTracker(Options options, const ReputationConfig& config);

  // The changes since the previous call (0, 1 or 2: bounce and complaint).
  std::vector<LevelTransition> Observe(const Reputation& r);

  // Levels as currently tracked (after hysteresis), e.g. to persist across restarts.
  Level bounce_level() const { return levels_[0]; }
  Level complaint_level() const { return levels_[1]; }
  // Restores tracked levels (from storage), so a restart does not alert again.
  void SetLevelsForRestore(Level bounce, Level complaint);

 private:
  double LowerEdge(RateKind k, Level l) const;

  const Options options_;
  const ReputationConfig config_;
  Level levels_[2] = {Level::kOk, Level::kOk};
  bool started_ = false;
};

// Appends the rates of `r` to a /metrics page:
//   bouncewatch_reputation_bounce_rate_ratio, bouncewatch_reputation_complaint_rate_ratio,
//   bouncewatch_reputation_sends (label source), bouncewatch_reputation_low_confidence (0/1),
//   bouncewatch_reputation_level{rate, level} (1 for the current level, 0 for the others).
Status AppendReputationMetrics(ExpositionWriter& w, const Reputation& r);

}  // namespace bw::metrics
