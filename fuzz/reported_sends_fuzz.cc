// SPDX-License-Identifier: Apache-2.0
// The body of POST /v1/sends (http::ParseReportedSends): never crashes, and what it accepts is
// within its documented limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/reputation_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = bw::http::ParseReportedSends(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (r && (r->count < 1 || r->count > 1000000000 || r->identity.size() > 255 ||
            r->configuration_set.size() > 255)) {
    std::abort();
  }
  return 0;
}
