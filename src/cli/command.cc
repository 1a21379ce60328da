// SPDX-License-Identifier: Apache-2.0
#include "cli/command.h"

#include <cstdlib>

namespace bw::cli {

app::Config LoadConfigFor(const GlobalOptions& g) {
  app::ConfigOverrides o;
  o.data_dir = g.data_dir;
  o.store_url = g.store_url;
  o.listen = g.listen;
  std::string path = g.config_path;
  if (path.empty()) {
    if (const char* env = std::getenv("BOUNCEWATCH_CONFIG")) {
      path = env;
    }
  }
  return app::LoadConfig(path, o);
}

}  // namespace bw::cli
