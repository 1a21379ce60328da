// SPDX-License-Identifier: Apache-2.0
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/app.h"
#include "app/event_format.h"
#include "cli/command.h"
#include "core/time_format.h"

namespace bw::cli {
namespace {

struct EventsOptions {
  std::vector<std::string> types;
  std::string recipient;
  std::string since;
  std::string before;
  size_t limit = 100;
  std::string format = "table";
};

int Events(const GlobalOptions& g, const EventsOptions& o) {
  app::EventFormat format;
  if (!app::ParseEventFormat(o.format, &format)) {
    std::cerr << "bouncewatch events: --format must be table, json or csv, not \"" << o.format
              << "\"\n";
    return kExitUsage;
  }
  store::EventQuery q;
  for (const auto& t : o.types) {
    auto type = ParseEventType(t);
    if (!type) {
      std::cerr << "bouncewatch events: unknown --type \"" << t
                << "\"; use send, delivery, bounce, complaint, reject, delivery_delay, open, "
                   "click, rendering_failure, subscription, auto_reply or unrecognized\n";
      return kExitUsage;
    }
    q.types.push_back(*type);
  }
  q.recipient = o.recipient;
  q.limit = o.limit;
  q.before_id = o.before;
  const int64_t now = ToUnixMs(SystemClock::Instance().Now());
  if (!o.since.empty()) {
    auto since = ParseSinceMs(o.since, now);
    if (!since) {
      std::cerr << "bouncewatch events: --since must be a duration such as 24h or 7d, or an "
                   "ISO-8601 time, not \""
                << o.since << "\"\n";
      return kExitUsage;
    }
    q.since_ms = *since;
  }
  app::Config config = LoadConfigFor(g);
  spdlog::set_level(spdlog::level::warn);
  auto store = app::OpenStore(config, SystemClock::Instance(), /*read_only=*/true);
  if (store.has_error()) {
    std::cerr << "bouncewatch events: " << store.error().message() << "\n";
    return kExitFailure;
  }
  auto events = (*store)->QueryEvents(q);
  if (events.has_error()) {
    std::cerr << "bouncewatch events: " << events.error().message() << "\n";
    return kExitFailure;
  }
  app::WriteEvents(std::cout, *events, format);
  return kExitOk;
}

}  // namespace

Command AddEventsCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<EventsOptions>();
  Command c;
  c.node = root.add_subcommand(
      "events", "list stored events, newest first (reads the store; works while serve runs)");
  c.node
      ->add_option("--type", o->types,
                   "only this type (repeatable): bounce, complaint, delivery, send, reject, "
                   "delivery_delay, open, click, rendering_failure, subscription, auto_reply, "
                   "unrecognized")
      ->type_name("T");
  c.node->add_option("--recipient", o->recipient, "only this address (case-insensitive)")
      ->type_name("ADDR");
  c.node->add_option("--since", o->since, "only events received since: 24h, 7d or ISO-8601")
      ->type_name("WHEN");
  c.node->add_option("--before", o->before, "next page: only events older than this event id")
      ->type_name("ID");
  c.node->add_option("--limit", o->limit, "at most N events (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000));
  c.node->add_option("--format", o->format, "table (default), json (one object per line), csv")
      ->type_name("FORMAT");
  c.run = [&g, o] { return Events(g, *o); };
  return c;
}

}  // namespace bw::cli
