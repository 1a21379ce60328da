// SPDX-License-Identifier: Apache-2.0
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "app/app.h"
#include "cli/command.h"
#include "core/result.h"
#include "core/time_format.h"
#include "metrics/reputation.h"
#include "metrics/reputation_json.h"
#include "store/store.h"

namespace bw::cli {
namespace {

struct StatsOptions {
  std::string format = "table";
  std::string by;
  size_t limit = 0;  // 0 = default (table 10, json 20)
};

std::string Percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", rate * 100);
  return buf;
}

std::string Threshold(std::optional<double> t) { return t ? Percent(*t) : "-"; }

std::string SourceText(metrics::SendSource s) {
  switch (s) {
    case metrics::SendSource::kSendEvents:
      return "SES Send events";
    case metrics::SendSource::kDeliveredBounced:
      return "deliveries + bounces";
    case metrics::SendSource::kReported:
      return "sends reported through POST /v1/sends";
    case metrics::SendSource::kNone:
      return "nothing counted yet";
  }
  return "";
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) {
    s.append(width - s.size(), ' ');
  }
  return s;
}

void PrintTable(const metrics::ReputationCounter& counter,
                std::optional<metrics::Dimension> by, size_t limit) {
  const metrics::ReputationConfig& c = counter.config();
  const metrics::Reputation r = counter.Compute();
  std::cout << "Reputation as of " << FormatIso8601Ms(r.as_of_ms) << " over "
            << (c.window_sends ? "the last " + std::to_string(*c.window_sends) + " sends"
                               : "the last " + FormatDuration(c.window))
            << " (since " << FormatIso8601Ms(r.window_start_ms) << ")\n";
  std::cout << "  level           " << metrics::LevelName(r.level) << "\n";
  std::cout << "  sends           " << r.sends << " (from " << SourceText(r.send_source) << ")\n";
  std::cout << "  bounce rate     " << Pad(Percent(r.bounce_rate), 9) << " "
            << Pad(metrics::LevelName(r.bounce_level).data(), 9) << r.hard_bounces
            << " hard bounces; elevated " << Percent(c.bounce_elevated) << ", warning "
            << Percent(c.bounce_warning) << ", at risk " << Percent(c.bounce_at_risk) << "\n";
  std::cout << "  complaint rate  " << Pad(Percent(r.complaint_rate), 9) << " "
            << Pad(metrics::LevelName(r.complaint_level).data(), 9) << r.complaints
            << " complaints; elevated " << Threshold(c.complaint_elevated) << ", warning "
            << Percent(c.complaint_warning) << ", at risk " << Percent(c.complaint_at_risk)
            << "\n";
  std::cout << "  counted         " << r.counts.sends << " sends, " << r.counts.deliveries
            << " deliveries, " << r.counts.bounces << " bounces, " << r.counts.complaints
            << " complaints, " << r.counts.reported_sends << " reported sends, "
            << r.counts.excluded << " excluded\n";
  if (r.low_confidence) {
    std::cout << "  LOW CONFIDENCE: " << r.sends << " sends is fewer than min_sends ("
              << c.min_sends << "); a few bounces move these rates a lot.\n";
  }
  const struct {
    metrics::Dimension d;
    const char* title;
  } dims[] = {{metrics::Dimension::kRecipientDomain, "recipient domain"},
              {metrics::Dimension::kIdentity, "sending identity"},
              {metrics::Dimension::kConfigurationSet, "configuration set"}};
  for (const auto& [d, title] : dims) {
    if (by && *by != d) {
      continue;
    }
    auto rows = counter.Breakdown(d, limit);
    std::cout << "\nBy " << title << " (worst first";
    if (rows.size() == limit) {
      std::cout << ", at most " << limit;
    }
    std::cout << "):\n";
    if (rows.empty()) {
      std::cout << "  (none)\n";
      continue;
    }
    std::cout << "  " << Pad("KEY", 32) << Pad("SENDS", 10) << Pad("BOUNCE", 10)
              << Pad("COMPLAINT", 11) << "LEVEL\n";
    for (const metrics::BreakdownRow& row : rows) {
      const metrics::Reputation& k = row.reputation;
      std::string level(metrics::LevelName(k.level));
      if (k.low_confidence) {
        level += " (low confidence)";
      }
      std::cout << "  " << Pad(row.key.empty() ? "(none)" : row.key, 31) << " "
                << Pad(std::to_string(k.sends), 10) << Pad(Percent(k.bounce_rate), 10)
                << Pad(Percent(k.complaint_rate), 11) << level << "\n";
    }
  }
}

// Fills `counter` with what it needs to answer for its window. A time window (the default) is read
// as one row per key with the window's buckets already added up (Store::SumReputationRows, about
// 60 rows instead of 10,000 for 59 keys over 168 hourly buckets); the stored buckets themselves
// (Merge) are read only when the window is a number of sends, or when some bucket holds more keys
// than the per-bucket cap, whose "(other)" folding only per-bucket rows reproduce.
Status LoadWindow(store::Store& store, metrics::ReputationCounter& counter) {
  const metrics::ReputationConfig& rc = counter.config();
  if (!rc.window_sends) {
    const int64_t start = counter.WindowStart();
    auto sums = store.SumReputationRows(start);
    if (sums.has_error()) {
      return sums.error();
    }
    if (sums->max_keys_per_bucket <= rc.max_keys_per_bucket) {
      counter.MergeSummed(sums->rows);
      return {};
    }
  }
  // With window_sends the window is not known before the buckets are: all of the retention.
  const int64_t since = counter.WindowStart() - (rc.window_sends ? rc.retention.count() : 0);
  auto rows = store.ListReputationRows(since);
  if (rows.has_error()) {
    return rows.error();
  }
  counter.Merge(*rows);
  return {};
}

int Stats(const GlobalOptions& g, const StatsOptions& o) {
  if (o.format != "table" && o.format != "json") {
    std::cerr << "bouncewatch stats: --format must be table or json, not \"" << o.format
              << "\"\n";
    return kExitUsage;
  }
  std::optional<metrics::Dimension> by;
  if (!o.by.empty()) {
    by = metrics::ParseDimension(o.by);
    if (!by || *by == metrics::Dimension::kAll) {
      std::cerr << "bouncewatch stats: --by must be identity, configuration_set or "
                   "recipient_domain, not \""
                << o.by << "\"\n";
      return kExitUsage;
    }
  }
  app::Config config = LoadConfigFor(g);
  spdlog::set_level(spdlog::level::warn);
  const Clock& clock = SystemClock::Instance();
  auto store = app::OpenStore(config, clock, /*read_only=*/true);
  if (store.has_error()) {
    std::cerr << "bouncewatch stats: " << store.error().message() << "\n";
    return kExitFailure;
  }
  // The same counters serve keeps, read from the stored buckets, never from the events.
  metrics::ReputationCounter counter(config.reputation, clock);
  if (Status s = LoadWindow(**store, counter); !s) {
    std::cerr << "bouncewatch stats: " << s.error().message() << "\n";
    return kExitFailure;
  }
  if (o.format == "json") {
    std::cout << boost::json::serialize(
                     metrics::ReputationDocument(counter, by, o.limit == 0 ? 20 : o.limit))
              << "\n";
  } else {
    PrintTable(counter, by, o.limit == 0 ? 10 : o.limit);
  }
  return kExitOk;
}

}  // namespace

Command AddStatsCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<StatsOptions>();
  Command c;
  c.node = root.add_subcommand(
      "stats",
      "bounce and complaint rates over the [reputation] window, with levels and break-downs "
      "(reads the store's counters; works while serve runs)");
  c.node->add_option("--format", o->format,
                     "table (default) or json (the document of GET /v1/reputation)")
      ->type_name("FORMAT");
  c.node->add_option("--by", o->by,
                     "only this break-down: identity, configuration_set or recipient_domain")
      ->type_name("DIM");
  c.node->add_option("--limit", o->limit, "keys per break-down (default 10 in tables, 20 in json)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  c.run = [&g, o] { return Stats(g, *o); };
  return c;
}

}  // namespace bw::cli
