// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>

#include "http/static_handler.h"

namespace bw::http {

// The dashboard (web/ and uPlot from web/node_modules), embedded at build time by
// web/CMakeLists.txt; defined in the generated web_assets.cc of the bw_web library.
std::span<const StaticAsset> EmbeddedWebAssets();

}  // namespace bw::http
