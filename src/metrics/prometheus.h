// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace bw::metrics {

// Label name/value pairs of one sample, in the order they are written.
using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

// A histogram's state at one instant, in base units (seconds, bytes).
struct HistogramSnapshot {
  std::vector<double> upper_bounds;     // strictly increasing, without +Inf
  std::vector<uint64_t> bucket_counts;  // per bound, NOT cumulative; one extra for +Inf
  double sum = 0;
  uint64_t count = 0;
};

// A fixed-bucket histogram (e.g. commit latency in seconds). Thread-safe.
class Histogram {
 public:
  // REQUIRES: upper_bounds strictly increasing and finite.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  HistogramSnapshot Snapshot() const;

  // 0.5 ms .. 10 s, for latencies in seconds.
  static std::vector<double> LatencyBounds();

 private:
  mutable std::mutex mu_;
  HistogramSnapshot state_;  // GUARDED_BY(mu_)
};

// Builds a Prometheus text exposition (format 0.0.4, Content-Type
// "text/plain; version=0.0.4; charset=utf-8"): one HELP and one TYPE line per family, then its
// samples; label values and HELP text escaped. Families are written in the order first added;
// samples of one family stay together whatever order they are added in.
// Not thread-safe: build one per scrape.
class ExpositionWriter {
 public:
  // Counters must be named `..._total` (Prometheus naming conventions).
  // kInvalidInput: bad metric or label name (not [a-zA-Z_:][a-zA-Z0-9_:]* / [a-zA-Z_][a-zA-Z0-9_]*,
  // or a label starting with "__", or "le" on a histogram), a counter without `_total`, a negative
  // counter, the same name added earlier with another type or HELP text.
  Status AddCounter(std::string_view name, std::string_view help, const Labels& labels,
                    double value);
  Status AddGauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  // Writes name_bucket{le=...} (cumulative, ending with +Inf), name_sum and name_count.
  Status AddHistogram(std::string_view name, std::string_view help, const Labels& labels,
                      const HistogramSnapshot& h);

  // The whole exposition, ending with a newline (empty when nothing was added).
  std::string Render() const;

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Family {
    std::string name;
    MetricType type;
    std::string help;
    std::string samples;
  };
  Result<Family*> FamilyFor(std::string_view name, MetricType type, std::string_view help,
                            const Labels& labels);

  std::vector<Family> families_;
};

// The escaped label value (backslash, double quote, newline), without the quotes.
std::string EscapeLabelValue(std::string_view value);
// A sample value: integers without exponent, "+Inf", "-Inf", "NaN", else shortest round-trip.
std::string FormatValue(double value);

}  // namespace bw::metrics
