// SPDX-License-Identifier: Apache-2.0
#include "metrics/prometheus.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace bw::metrics {

namespace {

bool IsMetricName(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  return IsMetricName(s) && s.find(':') == std::string_view::npos && !s.starts_with("__");
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` plus an optional extra label (le), or "" when there are none.
std::string LabelBlock(const Labels& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) {
    return {};
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) {
      out += ',';
    }
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
    return std::string(buf, end);
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

Histogram::Histogram(std::vector<double> upper_bounds) {
  state_.upper_bounds = std::move(upper_bounds);
  state_.bucket_counts.assign(state_.upper_bounds.size() + 1, 0);
}

void Histogram::Observe(double value) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = std::lower_bound(state_.upper_bounds.begin(), state_.upper_bounds.end(), value);
  ++state_.bucket_counts[static_cast<size_t>(it - state_.upper_bounds.begin())];
  state_.sum += value;
  ++state_.count;
}

HistogramSnapshot Histogram::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::vector<double> Histogram::LatencyBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Result<ExpositionWriter::Family*> ExpositionWriter::FamilyFor(std::string_view name,
                                                              MetricType type,
                                                              std::string_view help,
                                                              const Labels& labels) {
  if (!IsMetricName(name)) {
    return InvalidInput("invalid metric name '" + std::string(name) + "'");
  }
  if (type == MetricType::kCounter && !name.ends_with("_total")) {
    return InvalidInput("counter '" + std::string(name) + "' must be named ..._total");
  }
  for (const auto& [label, value] : labels) {
    if (!IsLabelName(label) || (type == MetricType::kHistogram && label == "le")) {
      return InvalidInput("invalid label name '" + label + "' on " + std::string(name));
    }
  }
  for (Family& f : families_) {
    if (f.name == name) {
      if (f.type != type || f.help != help) {
        return InvalidInput("metric '" + std::string(name) +
                            "' added again with another type or HELP text");
      }
      return &f;
    }
  }
  families_.push_back(Family{std::string(name), type, std::string(help), {}});
  return &families_.back();
}

Status ExpositionWriter::AddCounter(std::string_view name, std::string_view help,
                                    const Labels& labels, double value) {
  if (value < 0) {
    return InvalidInput("counter '" + std::string(name) + "' cannot be negative");
  }
  auto family = FamilyFor(name, MetricType::kCounter, help, labels);
  if (!family) {
    return family.error();
  }
  (*family)->samples += std::string(name) + LabelBlock(labels) + ' ' + FormatValue(value) + '\n';
  return {};
}

Status ExpositionWriter::AddGauge(std::string_view name, std::string_view help,
                                  const Labels& labels, double value) {
  auto family = FamilyFor(name, MetricType::kGauge, help, labels);
  if (!family) {
    return family.error();
  }
  (*family)->samples += std::string(name) + LabelBlock(labels) + ' ' + FormatValue(value) + '\n';
  return {};
}

Status ExpositionWriter::AddHistogram(std::string_view name, std::string_view help,
                                      const Labels& labels, const HistogramSnapshot& h) {
  if (h.bucket_counts.size() != h.upper_bounds.size() + 1) {
    return InvalidInput("histogram '" + std::string(name) + "' has inconsistent buckets");
  }
  auto family = FamilyFor(name, MetricType::kHistogram, help, labels);
  if (!family) {
    return family.error();
  }
  std::string& out = (*family)->samples;
  const std::string n(name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= h.upper_bounds.size(); ++i) {
    cumulative += h.bucket_counts[i];
    const std::string le = i < h.upper_bounds.size() ? FormatValue(h.upper_bounds[i]) : "+Inf";
    out += n + "_bucket" + LabelBlock(labels, "le", le) + ' ' +
           FormatValue(static_cast<double>(cumulative)) + '\n';
  }
  out += n + "_sum" + LabelBlock(labels) + ' ' + FormatValue(h.sum) + '\n';
  out += n + "_count" + LabelBlock(labels) + ' ' + FormatValue(static_cast<double>(h.count)) + '\n';
  return {};
}

std::string ExpositionWriter::Render() const {
  std::string out;
  for (const Family& f : families_) {
    out += "# HELP " + f.name + ' ' + EscapeHelp(f.help) + '\n';
    out += "# TYPE " + f.name + ' ' + std::string(TypeName(f.type)) + '\n';
    out += f.samples;
  }
  return out;
}

}  // namespace bw::metrics
