// SPDX-License-Identifier: Apache-2.0
#include "metrics/level_tracker.h"

#include <algorithm>

namespace bw::metrics {

std::string_view RateKindName(RateKind k) {
  return k == RateKind::kComplaint ? "complaint" : "bounce";
}

LevelTracker::LevelTracker(Options options, const ReputationConfig& config)
    : options_(options), config_(config) {}

void LevelTracker::SetLevelsForRestore(Level bounce, Level complaint) {
  levels_[0] = bounce;
  levels_[1] = complaint;
  started_ = true;
}

double LevelTracker::LowerEdge(RateKind k, Level l) const {
  const bool bounce = k == RateKind::kBounce;
  switch (l) {
    case Level::kOk:
      return 0;
    case Level::kElevated:
      return bounce ? config_.bounce_elevated
                    : config_.complaint_elevated.value_or(config_.complaint_warning);
    case Level::kWarning:
      return bounce ? config_.bounce_warning : config_.complaint_warning;
    case Level::kAtRisk:
      return bounce ? config_.bounce_at_risk : config_.complaint_at_risk;
  }
  return 0;
}

std::vector<LevelTransition> LevelTracker::Observe(const Reputation& r) {
  std::vector<LevelTransition> out;
  if (!started_) {
    started_ = true;
    if (!options_.start_from_ok) {
      levels_[0] = r.bounce_level;
      levels_[1] = r.complaint_level;
      return out;
    }
  }
  const double f = 1 - options_.hysteresis;
  for (RateKind k : {RateKind::kBounce, RateKind::kComplaint}) {
    const int i = k == RateKind::kBounce ? 0 : 1;
    const Level raw = i == 0 ? r.bounce_level : r.complaint_level;
    const double value = i == 0 ? r.bounce_rate : r.complaint_rate;
    const Level cur = levels_[i];
    if (raw > cur) {
      if (r.low_confidence && !options_.report_low_confidence) {
        continue;
      }
      levels_[i] = raw;
      out.push_back(LevelTransition{k, cur, raw, LowerEdge(k, raw), r});
      continue;
    }
    // Falling: only below each line by the hysteresis margin.
    std::optional<double> elevated =
        i == 0 ? std::optional<double>(config_.bounce_elevated) : config_.complaint_elevated;
    if (elevated) {
      *elevated *= f;
    }
    const Level down =
        i == 0 ? LevelFor(value, elevated, config_.bounce_warning * f, config_.bounce_at_risk * f)
               : LevelFor(value, elevated, config_.complaint_warning * f,
                          config_.complaint_at_risk * f);
    const Level next = std::min(cur, down);
    if (next < cur) {
      levels_[i] = next;
      out.push_back(LevelTransition{k, cur, next, LowerEdge(k, cur), r});
    }
  }
  return out;
}

Status AppendReputationMetrics(ExpositionWriter& w, const Reputation& r) {
  Status s =
      w.AddGauge("bouncewatch_reputation_bounce_rate_ratio",
                 "Hard bounces divided by sends over the reputation window.", {}, r.bounce_rate);
  if (s) {
    s = w.AddGauge("bouncewatch_reputation_complaint_rate_ratio",
                   "Complaints divided by sends over the reputation window.", {}, r.complaint_rate);
  }
  if (s) {
    s = w.AddGauge("bouncewatch_reputation_sends",
                   "Sends in the reputation window (the denominator of both rates).",
                   {{"source", std::string(SendSourceName(r.send_source))}},
                   static_cast<double>(r.sends));
  }
  if (s) {
    s = w.AddGauge("bouncewatch_reputation_low_confidence",
                   "1 when the window holds fewer sends than [reputation] min_sends.", {},
                   r.low_confidence ? 1 : 0);
  }
  for (RateKind k : {RateKind::kBounce, RateKind::kComplaint}) {
    const Level current = k == RateKind::kBounce ? r.bounce_level : r.complaint_level;
    for (Level l : {Level::kOk, Level::kElevated, Level::kWarning, Level::kAtRisk}) {
      if (s) {
        s = w.AddGauge(
            "bouncewatch_reputation_level",
            "1 for the current level of each rate (ok, elevated, warning, at_risk).",
            {{"rate", std::string(RateKindName(k))}, {"level", std::string(LevelName(l))}},
            l == current ? 1 : 0);
      }
    }
  }
  return s;
}

}  // namespace bw::metrics
