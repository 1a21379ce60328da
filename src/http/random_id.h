// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bw::http {

// `n` bytes from OpenSSL's RAND_bytes as unpadded base64url (RFC 4648 §5): session ids, CSRF
// tokens, API token secrets. kInternal "the random number generator failed; cannot <purpose>"
// when RAND_bytes fails.
Result<std::string> RandomBase64Url(size_t n, std::string_view purpose);

}  // namespace bw::http
