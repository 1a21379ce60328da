// SPDX-License-Identifier: Apache-2.0
#include "metrics/reputation_json.h"

#include <string>

#include "core/time_format.h"

namespace bw::metrics {

namespace {

boost::json::value OptionalNumber(const std::optional<double>& v) {
  if (v) {
    return *v;
  }
  return nullptr;
}

boost::json::object BounceThresholds(const ReputationConfig& c) {
  return {{"elevated", c.bounce_elevated}, {"warning", c.bounce_warning},
          {"at_risk", c.bounce_at_risk}};
}

boost::json::object ComplaintThresholds(const ReputationConfig& c) {
  return {{"elevated", OptionalNumber(c.complaint_elevated)},
          {"warning", c.complaint_warning},
          {"at_risk", c.complaint_at_risk}};
}

boost::json::object BreakdownJson(const BreakdownRow& row) {
  const Reputation& r = row.reputation;
  return {{"key", row.key},
          {"sends", r.sends},
          {"send_source", SendSourceName(r.send_source)},
          {"hard_bounces", r.hard_bounces},
          {"complaints", r.complaints},
          {"bounce_rate", r.bounce_rate},
          {"complaint_rate", r.complaint_rate},
          {"level", LevelName(r.level)},
          {"low_confidence", r.low_confidence}};
}

}  // namespace

boost::json::object CountsJson(const Counts& c) {
  return {{"sends", c.sends},
          {"deliveries", c.deliveries},
          {"bounces", c.bounces},
          {"hard_bounces", c.hard_bounces},
          {"complaints", c.complaints},
          {"reported_sends", c.reported_sends},
          {"excluded", c.excluded}};
}

boost::json::object ReputationDocument(const ReputationCounter& counter,
                                       std::optional<Dimension> by, size_t limit) {
  const ReputationConfig& config = counter.config();
  const Reputation r = counter.Compute();
  boost::json::object window{{"start", FormatIso8601Ms(r.window_start_ms)},
                             {"end", FormatIso8601Ms(r.as_of_ms)},
                             {"duration", FormatDuration(config.window)},
                             {"sends_limit", nullptr}};
  if (config.window_sends) {
    window["sends_limit"] = *config.window_sends;
  }
  boost::json::object bounce{{"rate", r.bounce_rate},
                             {"hard_bounces", r.hard_bounces},
                             {"level", LevelName(r.bounce_level)},
                             {"thresholds", BounceThresholds(config)}};
  boost::json::object complaint{{"rate", r.complaint_rate},
                                {"complaints", r.complaints},
                                {"level", LevelName(r.complaint_level)},
                                {"thresholds", ComplaintThresholds(config)}};
  boost::json::object breakdowns;
  for (Dimension d :
       {Dimension::kRecipientDomain, Dimension::kIdentity, Dimension::kConfigurationSet}) {
    if (by && *by != d) {
      continue;
    }
    boost::json::array rows;
    for (const BreakdownRow& row : counter.Breakdown(d, limit)) {
      rows.push_back(BreakdownJson(row));
    }
    breakdowns[DimensionName(d)] = std::move(rows);
  }
  return {{"as_of", FormatIso8601Ms(r.as_of_ms)},
          {"window", std::move(window)},
          {"send_source", SendSourceName(r.send_source)},
          {"sends", r.sends},
          {"low_confidence", r.low_confidence},
          {"min_sends", config.min_sends},
          {"level", LevelName(r.level)},
          {"bounce", std::move(bounce)},
          {"complaint", std::move(complaint)},
          {"counts", CountsJson(r.counts)},
          {"breakdowns", std::move(breakdowns)}};
}

Result<boost::json::object> SeriesDocument(const ReputationCounter& counter,
                                           std::chrono::milliseconds bucket, int64_t since_ms) {
  auto points = counter.Series(bucket, since_ms);
  if (!points) {
    return points.error();
  }
  const ReputationConfig& config = counter.config();
  boost::json::array out;
  out.reserve(points->size());
  for (const SeriesPoint& p : *points) {
    out.push_back(boost::json::object{{"t", FormatIso8601Ms(p.bucket_start_ms)},
                                      {"sends", p.sends},
                                      {"send_source", SendSourceName(p.send_source)},
                                      {"bounce_rate", p.bounce_rate},
                                      {"complaint_rate", p.complaint_rate},
                                      {"counts", CountsJson(p.counts)}});
  }
  const int64_t first = points->empty() ? since_ms : points->front().bucket_start_ms;
  const int64_t until = points->empty() ? since_ms : points->back().bucket_start_ms + bucket.count();
  return boost::json::object{
      {"bucket", FormatDuration(bucket)},
      {"since", FormatIso8601Ms(first)},
      {"until", FormatIso8601Ms(until)},
      {"thresholds",
       {{"bounce", BounceThresholds(config)}, {"complaint", ComplaintThresholds(config)}}},
      {"points", std::move(out)}};
}

}  // namespace bw::metrics
