// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/handler.h"
#include "store/store.h"

namespace bw::http {

// What an API token may do. Each scope includes the ones before it.
enum class Scope {
  kRead,   // GET endpoints and POST /v1/suppressions/check
  kWrite,  // also PUT/DELETE suppressions and import
  kAdmin,  // everything (token management is CLI-only for now)
};
std::string_view ScopeName(Scope s);  // "read", "write", "admin"
std::optional<Scope> ParseScope(std::string_view name);

// SHA-256 of a token, 32 raw bytes: the only form tokens are stored in.
std::string TokenHash(std::string_view token);

// A new random token ("bw_" + 43 base64url characters, 256 bits from OpenSSL's RAND_bytes).
// kInternal when the random generator fails.
Result<std::string> NewTokenSecret();

// Checks `Authorization: Bearer <token>` against the store: the token's SHA-256 is looked up,
// then compared with the stored hash in constant time (CRYPTO_memcmp). Returns the token when it
// is active and its scope covers `needed`. kUnauthenticated for a missing, malformed, unknown or
// revoked token; kPermissionDenied when the scope is too low; kUnavailable when the store is.
// Blocking (store read).
Result<store::ApiToken> Authenticate(store::Store& store, const Request& request, Scope needed);

class SessionStore;

// As above, and, when the request has no Authorization header and `sessions` is not null, the
// dashboard's session cookie (http/session_store.h): the session must be live (kUnauthenticated
// "your session expired; sign in again" otherwise), the token behind it still active, and for
// unsafe methods (anything but GET, HEAD, OPTIONS) the `X-CSRF-Token` header must equal the
// session's CSRF token (kPermissionDenied otherwise). Blocking (store read).
Result<store::ApiToken> Authenticate(store::Store& store, SessionStore* sessions,
                                     const Request& request, Scope needed);

// Looks up a token by its SHA-256 (TokenHash) and checks its scope, as Authenticate does.
// Blocking (store read).
Result<store::ApiToken> AuthenticateTokenHash(store::Store& store, const std::string& hash,
                                              Scope needed);

class TokenCache;

// The same through a TokenCache (http/token_cache.h): no store read while the token is cached.
Result<store::ApiToken> AuthenticateTokenHash(TokenCache& tokens, const std::string& hash,
                                              Scope needed);

// TokenHash of the request's "Authorization: Bearer <token>"; nullopt when there is no such
// well-formed header (Authenticate then gives the right error).
std::optional<std::string> BearerTokenHash(const Request& request);

// The checks after a lookup: found (kNotFound -> kUnauthenticated), the same hash compared in
// constant time, a scope covering `needed`.
Result<store::ApiToken> CheckFoundToken(Result<store::ApiToken> found, const std::string& hash,
                                        Scope needed);

}  // namespace bw::http
