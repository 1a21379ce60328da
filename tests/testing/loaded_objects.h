// SPDX-License-Identifier: Apache-2.0
// Which shared objects the test process has loaded, for tests that check that something is
// loaded only when needed (libcrypto, glibc's gconv modules).
#pragma once

#include <link.h>

#include <string_view>

namespace bw::testing {

// Whether a loaded object's path contains `fragment` (e.g. "libcrypto.so", "/gconv/").
inline bool SharedObjectLoaded(std::string_view fragment) {
  struct Search {
    std::string_view fragment;
    bool found = false;
  } search{fragment};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        if (info->dlpi_name != nullptr &&
            std::string_view(info->dlpi_name).find(s->fragment) != std::string_view::npos) {
          s->found = true;
        }
        return 0;
      },
      &search);
  return search.found;
}

}  // namespace bw::testing
