// SPDX-License-Identifier: Apache-2.0
#include "app/service_metrics.h"

#include <chrono>
#include <string>
#include <utility>

#include "metrics/level_tracker.h"

#ifndef BW_VERSION
#define BW_VERSION "unknown"
#endif

namespace bw::app {
namespace {

// Label values come from providers: keep them short and to a small alphabet so that a bogus
// value cannot blow up the number of series.
std::string LabelValue(std::string_view v) {
  if (v.size() > 40) {
    return "other";
  }
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      return "other";
    }
  }
  return std::string(v);
}

}  // namespace

void ServiceMetrics::OnCommit(const store::CommitReport& report) {
  commit_seconds_.Observe(std::chrono::duration<double>(report.duration).count());
  for (const FeedbackEvent* e : report.events) {
    std::string bounce_class;
    std::string reason;
    if (e->bounce) {
      bounce_class = std::string(BounceClassName(e->bounce->bounce_class));
      reason = LabelValue(e->bounce->reason);
    } else if (e->complaint) {
      reason = LabelValue(e->complaint->feedback_type);
    }
    events_.Inc({std::string(EventTypeName(e->type)), std::move(bounce_class), std::move(reason)});
  }
}

void ServiceMetrics::Register(metrics::Registry& registry,
                              const metrics::ReputationCounter& reputation, store::Store& store,
                              const Clock& clock, SnsSources sns) {
  registry.AddCollector([](metrics::ExpositionWriter& w) {
    return w.AddGauge("bouncewatch_build_info", "Build information; the value is always 1.",
                      {{"version", BW_VERSION}}, 1);
  });
  registry.AddCollector([this](metrics::ExpositionWriter& w) -> Status {
    constexpr std::string_view kHelp =
        "Feedback events stored, by type, bounce class and reason (bounce reason or complaint "
        "feedback type).";
    const auto snapshot = events_.Snapshot();
    if (snapshot.empty()) {
      // Keep the family visible (with a zero) before the first event.
      return w.AddCounter("bouncewatch_events_total", kHelp,
                          {{"type", "bounce"}, {"bounce_class", "hard"}, {"reason", ""}}, 0);
    }
    for (const auto& [labels, n] : snapshot) {
      if (Status s = w.AddCounter("bouncewatch_events_total", kHelp,
                                  {{"type", labels[0]},
                                   {"bounce_class", labels[1]},
                                   {"reason", labels[2]}},
                                  static_cast<double>(n));
          !s) {
        return s;
      }
    }
    return {};
  });
  registry.AddCollector([this](metrics::ExpositionWriter& w) {
    return w.AddHistogram("bouncewatch_store_commit_duration_seconds",
                          "Time from BEGIN to the end of COMMIT of each store transaction.", {},
                          commit_seconds_.Snapshot());
  });
  registry.AddCollector([sns](metrics::ExpositionWriter& w) -> Status {
    constexpr std::string_view kHelp = "SNS webhook requests by result.";
    const std::pair<const char*, const std::function<uint64_t()>*> results[] = {
        {"stored", &sns.stored},
        {"duplicate", &sns.duplicates},
        {"confirmation", &sns.confirmations},
        {"rejected_invalid", &sns.rejected_invalid},
        {"rejected_forbidden", &sns.rejected_forbidden},
        {"unavailable", &sns.unavailable},
    };
    for (const auto& [name, fn] : results) {
      if (*fn) {
        if (Status s = w.AddCounter("bouncewatch_sns_requests_total", kHelp, {{"result", name}},
                                    static_cast<double>((*fn)()));
            !s) {
          return s;
        }
      }
    }
    if (sns.signature_failures) {
      return w.AddCounter("bouncewatch_sns_signature_failures_total",
                          "SNS messages refused because their signature did not verify.", {},
                          static_cast<double>(sns.signature_failures()));
    }
    return {};
  });
  registry.AddCollector([&store, &clock](metrics::ExpositionWriter& w) -> Status {
    auto n = store.CountSuppressed(ToUnixMs(clock.Now()));
    if (!n) {
      return {};  // store unavailable: leave the gauge out rather than report a wrong value
    }
    return w.AddGauge("bouncewatch_suppressions", "Addresses suppressed now.", {},
                      static_cast<double>(*n));
  });
  registry.AddCollector([&reputation](metrics::ExpositionWriter& w) {
    return metrics::AppendReputationMetrics(w, reputation.Compute());
  });
}

}  // namespace bw::app
