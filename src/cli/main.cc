// SPDX-License-Identifier: Apache-2.0
// `bouncewatch`: one binary, thin subcommands over app/. Exit codes: 0 success, 1 runtime
// failure, 2 usage error. Errors go to stderr as one sentence.
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/app.h"
#include "app/config.h"
#include "app/event_format.h"
#include "core/time_format.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string config_path;
  std::optional<std::string> data_dir;
  std::optional<std::string> store_url;
  std::optional<std::string> listen;
};

bw::app::Config Load(const GlobalOptions& g) {
  bw::app::ConfigOverrides o;
  o.data_dir = g.data_dir;
  o.store_url = g.store_url;
  o.listen = g.listen;
  std::string path = g.config_path;
  if (path.empty()) {
    if (const char* env = std::getenv("BOUNCEWATCH_CONFIG")) {
      path = env;
    }
  }
  return bw::app::LoadConfig(path, o);
}

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("bouncewatch");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
}

int Serve(const GlobalOptions& g) {
  bw::app::Config config = Load(g);
  SetupLogging(config.log.level);
  // Signals are taken synchronously by App::WaitForSignal; block them in every thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto app = bw::app::App::Create(config, bw::SystemClock::Instance());
  bw::Status started = app->Start();
  if (started.has_error()) {
    std::cerr << "bouncewatch: " << started.error().message() << "\n";
    return kExitFailure;
  }
  app->WaitForSignal();
  return kExitOk;
}

struct EventsOptions {
  std::vector<std::string> types;
  std::string recipient;
  std::string since;
  std::string before;
  size_t limit = 100;
  std::string format = "table";
};

int Events(const GlobalOptions& g, const EventsOptions& o) {
  bw::app::EventFormat format;
  if (!bw::app::ParseEventFormat(o.format, &format)) {
    std::cerr << "bouncewatch events: --format must be table, json or csv, not \"" << o.format
              << "\"\n";
    return kExitUsage;
  }
  bw::store::EventQuery q;
  for (const auto& t : o.types) {
    auto type = bw::ParseEventType(t);
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
  const int64_t now = bw::ToUnixMs(bw::SystemClock::Instance().Now());
  if (!o.since.empty()) {
    auto since = bw::ParseSinceMs(o.since, now);
    if (!since) {
      std::cerr << "bouncewatch events: --since must be a duration such as 24h or 7d, or an "
                   "ISO-8601 time, not \""
                << o.since << "\"\n";
      return kExitUsage;
    }
    q.since_ms = *since;
  }
  bw::app::Config config = Load(g);
  spdlog::set_level(spdlog::level::warn);
  auto store = bw::app::OpenStore(config, bw::SystemClock::Instance(), /*read_only=*/true);
  if (store.has_error()) {
    std::cerr << "bouncewatch events: " << store.error().message() << "\n";
    return kExitFailure;
  }
  auto events = (*store)->QueryEvents(q);
  if (events.has_error()) {
    std::cerr << "bouncewatch events: " << events.error().message() << "\n";
    return kExitFailure;
  }
  bw::app::WriteEvents(std::cout, *events, format);
  return kExitOk;
}

int CheckConfig(const GlobalOptions& g) {
  bw::app::Config c = Load(g);
  std::cout << "configuration OK (" << c.source << ")\n"
            << "  data_dir         " << c.data_dir << "\n"
            << "  listen           " << c.server.listen << "\n"
            << "  store            " << c.store.url << "\n"
            << "  sns.topics       " << c.sns.topics.size() << " allowed\n"
            << "  sns.auto_confirm " << (c.sns.auto_confirm ? "true" : "false") << "\n"
            << "  sns.max_message_age " << bw::FormatDuration(c.sns.max_message_age) << "\n"
            << "  sns.pinned_certs " << c.sns.pinned_certs.size() << "\n"
            << "  sns.trust_simulator " << (c.sns.trust_simulator ? "true" : "false") << "\n";
  if (c.sns.topics.empty()) {
    std::cout << "warning: sns.topics is empty: every SNS message will be refused (403)\n";
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bouncewatch: receives, verifies and stores e-mail feedback (bounces, complaints, "
               "deliveries) from Amazon SES via SNS, keeps a suppression list and warns before "
               "SES acts.",
               "bouncewatch"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--config", g.config_path,
                 "configuration file (TOML); default ./bouncewatch.toml when present, else "
                 "$BOUNCEWATCH_CONFIG")
      ->type_name("FILE");
  app.add_option("--data-dir", g.data_dir, "data directory (default bouncewatch-data)")
      ->type_name("DIR");
  app.add_option("--store", g.store_url, "store URL, e.g. sqlite:bouncewatch-data/bouncewatch.db")
      ->type_name("URL");

  auto* serve = app.add_subcommand("serve", "run the HTTP server (SNS webhook, health, API)");
  serve->add_option("--listen", g.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)")
      ->type_name("HOST:PORT");

  EventsOptions eo;
  auto* events = app.add_subcommand(
      "events", "list stored events, newest first (reads the store; works while serve runs)");
  events->add_option("--type", eo.types,
                     "only this type (repeatable): bounce, complaint, delivery, send, reject, "
                     "delivery_delay, open, click, rendering_failure, subscription, auto_reply, "
                     "unrecognized")
      ->type_name("T");
  events->add_option("--recipient", eo.recipient, "only this address (case-insensitive)")
      ->type_name("ADDR");
  events->add_option("--since", eo.since, "only events received since: 24h, 7d or ISO-8601")
      ->type_name("WHEN");
  events->add_option("--before", eo.before, "page: only events older than this event id")
      ->type_name("ID");
  events->add_option("--limit", eo.limit, "at most N events (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000));
  events->add_option("--format", eo.format, "table (default), json (one object per line), csv")
      ->type_name("FORMAT");

  auto* check = app.add_subcommand("check-config", "validate the configuration and summarise it");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (serve->parsed()) {
      return Serve(g);
    }
    if (events->parsed()) {
      return Events(g, eo);
    }
    if (check->parsed()) {
      return CheckConfig(g);
    }
  } catch (const bw::app::ConfigError& e) {
    std::cerr << "bouncewatch: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "bouncewatch: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitUsage;
}
