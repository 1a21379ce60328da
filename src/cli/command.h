// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "app/config.h"

namespace bw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a runtime failure
inline constexpr int kExitUsage = 2;    // bad arguments

// Options every subcommand accepts (they may also come after the subcommand name).
struct GlobalOptions {
  std::string config_path;
  std::optional<std::string> data_dir;
  std::optional<std::string> store_url;
  std::optional<std::string> listen;
};

// The configuration for these options: --config, else $BOUNCEWATCH_CONFIG, else
// ./bouncewatch.toml when present, else defaults; then environment and flags. Throws
// app::ConfigError.
app::Config LoadConfigFor(const GlobalOptions& g);

// A registered subcommand: its CLI11 node and what to run when it was given. `run` returns the
// process exit code and may throw app::ConfigError (reported by main as one sentence, exit 1).
struct Command {
  CLI::App* node = nullptr;
  std::function<int()> run;
  // Exit code when libcrypto cannot be loaded (crypto/libcrypto.h), for the commands that hash
  // or sign: main.cc loads it before `run` and fails with this code and a one-line error.
  // 0: the command does not need libcrypto up front.
  int libcrypto_exit = 0;
  // Whether the process may end as soon as `run` returns, without destroying static objects
  // (main calls FlushOutputAndExit, core/process_exit.h): for commands that leave nothing to
  // save in static objects (no store, log file or thread outlives `run`). Their destructors,
  // called only to free memory, cost a one-shot command page faults on code it never ran
  // (docs/benchmarks.md, issue 6, session 12).
  bool exit_without_static_destructors = false;
};

// Each command file defines one of these; main.cc lists them.
Command AddServeCommand(CLI::App& root, GlobalOptions& g);
Command AddEventsCommand(CLI::App& root, GlobalOptions& g);
Command AddCheckConfigCommand(CLI::App& root, GlobalOptions& g);
Command AddParseMailCommand(CLI::App& root, GlobalOptions& g);
Command AddIngestMailCommand(CLI::App& root, GlobalOptions& g);
Command AddSuppressCommand(CLI::App& root, GlobalOptions& g);
Command AddTokenCommand(CLI::App& root, GlobalOptions& g);
Command AddStatsCommand(CLI::App& root, GlobalOptions& g);

}  // namespace bw::cli
