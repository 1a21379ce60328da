// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/feedback_event.h"

namespace bw::notify {

// A mail written for a person: subject, plain text and the same content as HTML.
// Never raw JSON. Every value taken from an event is HTML-escaped in `html`.
struct AlertContent {
  std::string subject;
  std::string text;
  std::string html;
};

struct AlertFormatOptions {
  // Shown in brackets at the start of every subject. Default: "bouncewatch".
  std::string instance_name = "bouncewatch";
  // When set, mails link to the dashboard (e.g. "https://bw.example.com/"). Default: none.
  std::string dashboard_url{};
  // Events beyond this are summarised as "and N more". Default: 50.
  size_t max_events_listed = 50;
};

// The rates at one instant, as notify needs them. (notify does not depend on metrics; the app
// copies metrics::Reputation into this.) Levels are the metrics::LevelName strings:
// "ok", "elevated", "warning", "at_risk".
struct RateSnapshot {
  double bounce_rate = 0;     // fraction, 0.05 = 5 %
  double complaint_rate = 0;  // fraction
  std::string bounce_level = "ok";
  std::string complaint_level = "ok";
  int64_t sends = 0;
  int64_t hard_bounces = 0;
  int64_t complaints = 0;
  std::string send_source;  // metrics::SendSourceName: "send_events", "delivered_bounced", ...
  bool low_confidence = false;
  int64_t window_start_ms = 0;
  int64_t as_of_ms = 0;
};

// A rate moved from one level to another (up or back down).
struct LevelChange {
  std::string rate;        // "bounce" or "complaint"
  std::string from_level;  // as in RateSnapshot
  std::string to_level;
  double threshold = 0;  // the line crossed (fraction), for the sentence; 0 = not shown
  RateSnapshot now;
};

struct DomainLine {
  std::string domain;
  int64_t sends = 0;
  int64_t hard_bounces = 0;
  int64_t complaints = 0;
  double bounce_rate = 0;
  double complaint_rate = 0;
};

// The periodic summary.
struct Digest {
  int64_t period_start_ms = 0;
  int64_t period_end_ms = 0;
  std::vector<std::pair<std::string, int64_t>> events_by_type;  // ("bounce", 12), in order
  int64_t hard_bounces = 0;                                     // in the period
  int64_t complaints = 0;                                       // in the period
  RateSnapshot rates;                         // the reputation window as of the end
  std::vector<std::string> new_suppressions;  // addresses (the first few)
  int64_t new_suppressions_total = 0;         // may exceed new_suppressions.size()
  std::vector<DomainLine> worst_domains;      // worst first
};

// A mail about hard bounces and complaints (any bounce class is described correctly). One event
// gives a mail about that address; several give one mail listing each. `omitted` counts events
// the caller gathered but does not pass in; the mail says so. REQUIRES: events not empty.
AlertContent FormatEventAlert(const std::vector<FeedbackEvent>& events, size_t omitted,
                              const AlertFormatOptions& options);
AlertContent FormatLevelChange(const LevelChange& change, const AlertFormatOptions& options);
AlertContent FormatDigest(const Digest& digest, const AlertFormatOptions& options);

// What a person should do about an event, in one or two sentences (by bounce reason, SES
// sub-type and class, or complaint).
std::string AdviceFor(const FeedbackEvent& e);
// "3.25 %" (bounce) / "0.150 %" (complaint precision).
std::string FormatPercent(double fraction, int decimals = 2);
// A human name for a level: "OK", "Elevated", "Warning (SES review)", "At risk (SES may pause)".
std::string LevelLabel(std::string_view level);
// A level's order, for comparing levels: 0 "ok" (and anything unknown), 1 "elevated",
// 2 "warning", 3 "at_risk".
int LevelRank(std::string_view level);
// &, <, >, ", ' escaped.
std::string EscapeHtml(std::string_view s);

}  // namespace bw::notify
