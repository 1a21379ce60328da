// SPDX-License-Identifier: Apache-2.0
#include <csignal>
#include <filesystem>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/app.h"
#include "cli/command.h"

namespace bw::cli {
namespace {

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("bouncewatch");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
}

int Serve(const GlobalOptions& g) {
  app::Config config = LoadConfigFor(g);
  SetupLogging(config.log.level);
  // Signals are taken synchronously by App::WaitForSignal; block them in every thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto app = app::App::Create(config, SystemClock::Instance());
  if (!app->created_admin_token().empty()) {
    // Shown once; only its hash is stored. Also in <data_dir>/admin-token (mode 0600).
    std::cout << "bouncewatch serve: created the first API token (admin scope); it is shown only "
                 "now and saved in "
              << (std::filesystem::path(config.data_dir) / "admin-token").string() << ":\n"
              << app->created_admin_token() << "\n"
              << std::flush;
  }
  Status started = app->Start();
  if (started.has_error()) {
    std::cerr << "bouncewatch serve: " << started.error().message() << "\n";
    return kExitFailure;
  }
  app->WaitForSignal();
  return kExitOk;
}

}  // namespace

Command AddServeCommand(CLI::App& root, GlobalOptions& g) {
  Command c;
  c.libcrypto_exit = kExitFailure;  // SNS signatures, API tokens, sessions
  c.node = root.add_subcommand("serve", "run the HTTP server (SNS webhook, dashboard at /, /v1 API, /metrics, health, alert worker)");
  c.node->add_option("--listen", g.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)")
      ->type_name("HOST:PORT");
  c.run = [&g] { return Serve(g); };
  return c;
}

}  // namespace bw::cli
