// SPDX-License-Identifier: Apache-2.0
#include <iostream>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "core/time_format.h"

namespace bw::cli {
namespace {

int CheckConfig(const GlobalOptions& g) {
  app::Config c = LoadConfigFor(g);
  std::cout << "configuration OK (" << c.source << ")\n"
            << "  data_dir             " << c.data_dir << "\n"
            << "  server.listen        " << c.server.listen << "\n"
            << "  store.url            " << c.store.url << "\n"
            << "  sns.topics           " << c.sns.topics.size() << " allowed\n"
            << "  sns.auto_confirm     " << (c.sns.auto_confirm ? "true" : "false") << "\n"
            << "  sns.max_message_age  " << FormatDuration(c.sns.max_message_age) << "\n"
            << "  sns.pinned_certs     " << c.sns.pinned_certs.size() << "\n"
            << "  sns.trust_simulator  " << (c.sns.trust_simulator ? "true" : "false") << "\n";
  const auto& r = c.reputation;
  std::cout << "  reputation           window "
            << (r.window_sends ? "last " + std::to_string(*r.window_sends) + " sends"
                               : FormatDuration(r.window))
            << ", bucket " << FormatDuration(r.bucket) << ", retention "
            << FormatDuration(r.retention) << ", min_sends " << r.min_sends
            << ", count_simulator " << (r.count_simulator ? "true" : "false") << "\n"
            << "  reputation.bounce    elevated " << r.bounce_elevated * 100 << " %, warning "
            << r.bounce_warning * 100 << " %, at_risk " << r.bounce_at_risk * 100 << " %\n"
            << "  reputation.complaint elevated "
            << (r.complaint_elevated ? (std::ostringstream() << *r.complaint_elevated * 100).str() +
                                           " %"
                                     : std::string("none"))
            << ", warning " << r.complaint_warning * 100 << " %, at_risk "
            << r.complaint_at_risk * 100 << " %\n";
  std::cout << app::DescribeAlerts(c.alerts);
  if (c.sns.topics.empty()) {
    std::cout << "warning: sns.topics is empty: every SNS message will be refused (403)\n";
  }
  return kExitOk;
}

}  // namespace

Command AddCheckConfigCommand(CLI::App& root, GlobalOptions& g) {
  Command c;
  c.node = root.add_subcommand("check-config", "validate the configuration and summarise it");
  c.run = [&g] { return CheckConfig(g); };
  return c;
}

}  // namespace bw::cli
