// SPDX-License-Identifier: Apache-2.0
#include "net/http_client.h"

#include "core/ascii.h"

namespace bw::net {

const std::string* FindHeader(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (EqualsIgnoreCase(key, name)) {
      return &value;
    }
  }
  return nullptr;
}

}  // namespace bw::net
