// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace bw::app {

// Creates an API token named `name` with scope "read", "write" or "admin", stores only its
// SHA-256 and returns the token itself (show it once; it cannot be recovered). kInvalidInput for
// an empty or over-long name or an unknown scope; kConflict when an active token has the name.
Result<std::string> CreateApiToken(store::Store& store, const std::string& name,
                                   const std::string& scope, const Clock& clock);

// When the store has no active token at all, creates an admin token named "admin", writes it to
// <data_dir>/admin-token (mode 0600, replacing the file) and returns it; otherwise nullopt.
// kUnavailable when the file cannot be written (the token is revoked again then).
Result<std::optional<std::string>> EnsureAdminToken(store::Store& store,
                                                    const std::string& data_dir,
                                                    const Clock& clock);

// The secret that signs API page cursors: read from <data_dir>/cursor-key, created (32 random
// bytes, hex, mode 0600) when missing. Throws ConfigError when it can be neither read nor made.
std::string LoadOrCreateCursorKey(const std::string& data_dir);

// The path of the admin token file in data_dir.
std::string AdminTokenPath(const std::string& data_dir);

}  // namespace bw::app
