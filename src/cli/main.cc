// SPDX-License-Identifier: Apache-2.0
// `bouncewatch`: one binary, thin subcommands over app/. Exit codes: 0 success, 1 runtime
// failure, 2 usage error. Errors go to stderr as one sentence.
#include <iostream>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "cli/simulate_cmd.h"
#include "core/process_exit.h"
#include "crypto/libcrypto.h"

int main(int argc, char** argv) {
  using namespace bw::cli;
  CLI::App root{"bouncewatch: receives, verifies and stores e-mail feedback (bounces, "
                "complaints, deliveries) from Amazon SES via SNS, keeps a suppression list and "
                "warns before SES acts.",
                "bouncewatch"};
  root.require_subcommand(1);
  root.fallthrough();
  GlobalOptions g;
  root.add_option("--config", g.config_path,
                  "configuration file (TOML); default $BOUNCEWATCH_CONFIG, else "
                  "./bouncewatch.toml when present")
      ->type_name("FILE");
  root.add_option("--data-dir", g.data_dir, "data directory (default bouncewatch-data)")
      ->type_name("DIR");
  root.add_option("--store", g.store_url,
                  "store URL, e.g. sqlite:bouncewatch-data/bouncewatch.db")
      ->type_name("URL");

  // Only the subcommand named first is built when argv[1] names one (building all of them is
  // a third of a short command's start: CLI11 options, validators and their strings); every
  // other command line (help, global options first, a typo) builds them all. The names are the
  // ones each Add*Command registers (tests/integration/cli_commands_test.sh fails when they drift).
  using Adder = Command (*)(CLI::App&, GlobalOptions&);
  static constexpr std::pair<std::string_view, Adder> kCommands[] = {
      {"serve", AddServeCommand},           {"events", AddEventsCommand},
      {"check-config", AddCheckConfigCommand}, {"parse-mail", AddParseMailCommand},
      {"ingest-mail", AddIngestMailCommand}, {"simulate", AddSimulateCommand},
      {"suppress", AddSuppressCommand},     {"token", AddTokenCommand},
      {"stats", AddStatsCommand},
  };
  std::vector<Command> commands;
  const std::string_view first = argc > 1 ? std::string_view(argv[1]) : std::string_view();
  for (const auto& [name, add] : kCommands) {
    if (name == first) {
      commands.push_back(add(root, g));
    }
  }
  if (commands.empty()) {
    for (const auto& [name, add] : kCommands) {
      commands.push_back(add(root, g));
    }
  }

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = root.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (const Command& c : commands) {
    if (c.node->parsed()) {
      if (c.libcrypto_exit != 0) {
        if (bw::Status loaded = bw::crypto::EnsureLibcrypto(); loaded.has_error()) {
          std::cerr << "bouncewatch " << c.node->get_name() << ": "
                    << loaded.error().message() << "\n";
          return c.libcrypto_exit;
        }
      }
      try {
        const int code = c.run();
        if (c.exit_without_static_destructors) {
          bw::FlushOutputAndExit(code);
        }
        return code;
      } catch (const bw::app::ConfigError& e) {
        std::cerr << "bouncewatch " << c.node->get_name() << ": " << e.what() << "\n";
        return kExitFailure;
      } catch (const std::exception& e) {
        std::cerr << "bouncewatch " << c.node->get_name() << ": " << e.what() << "\n";
        return kExitFailure;
      }
    }
  }
  return kExitUsage;
}
