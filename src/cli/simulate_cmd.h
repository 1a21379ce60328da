// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace bw::cli {

// `bouncewatch simulate SCENARIO`: the SES mailbox simulator and load generator (issue 3).
// Signs with the simulator key in the configured data_dir, the one `serve` trusts when
// sns.trust_simulator = true.
Command AddSimulateCommand(CLI::App& root, GlobalOptions& g);

}  // namespace bw::cli
