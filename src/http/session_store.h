// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace bw::http {

// The name of the dashboard's session cookie.
inline constexpr std::string_view kSessionCookie = "bw_session";

// A signed-in browser: made by POST /v1/session from an API token. It keeps the token's SHA-256,
// not the token, so every request re-checks the token (a revoked token ends its sessions).
struct Session {
  std::string id;          // the cookie value: 256 random bits, base64url
  std::string token_hash;  // SHA-256 of the API token signed in with (raw bytes)
  std::string token_name;
  std::string csrf_token;  // required as X-CSRF-Token on unsafe methods; 128 random bits
  TimePoint created_at;
  TimePoint expires_at;    // created_at + ttl
};

struct SessionOptions {
  // How long a session lasts from sign-in ([api] session_ttl). Default: 12h.
  std::chrono::milliseconds ttl = std::chrono::hours(12);
  // Most live sessions; creating one more drops expired ones, then the oldest. Default: 10,000.
  size_t max_sessions = 10000;
};

// Server-side sessions, in memory (a restart signs everyone out). Thread-safe.
class SessionStore {
 public:
  SessionStore(SessionOptions options, const Clock& clock);

  // A new session for the token. kInternal when the random generator fails.
  Result<Session> Create(std::string token_hash, std::string token_name);

  // The live session with this id. kUnauthenticated, with a message for the person at the page:
  // "your session expired; sign in again" when it has expired (it is then removed), or
  // "you are not signed in ..." when the id is unknown (signed out, restarted, made up).
  Result<Session> Find(std::string_view id);

  // Ends the session (sign out); nothing when unknown.
  void Remove(std::string_view id);

  size_t SizeForTest() const;

  const SessionOptions& options() const { return options_; }

 private:
  SessionOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Session, std::less<>> sessions_;  // GUARDED_BY(mu_)
};

// RFC 6265 §4.2.1: the value of cookie `name` in a Cookie request header
// ("a=1; bw_session=xyz"), or nullopt. The first occurrence wins; quotes are removed.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

// Set-Cookie values: the session cookie (HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure
// when `secure`), and one that deletes it (Max-Age=0).
std::string SessionSetCookie(std::string_view id, std::chrono::milliseconds max_age, bool secure);
std::string SessionClearCookie(bool secure);

// Constant-time comparison for secrets (CSRF tokens).
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace bw::http
