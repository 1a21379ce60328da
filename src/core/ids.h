// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace bw {

// A new ULID-style identifier: 26 Crockford base32 characters, the first 10 encoding unix_ms so
// that ids sort by creation time, the rest random (thread-local generator). Thread-safe.
std::string NewId(int64_t unix_ms);

}  // namespace bw
