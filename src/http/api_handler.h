// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "http/blocking_executor.h"
#include "http/handler.h"
#include "http/session_store.h"
#include "http/token_cache.h"
#include "store/store.h"

namespace bw::http {

struct ApiOptions {
  // Secret that signs page cursors (HMAC-SHA256), so a cursor that was altered, or made by
  // another bouncewatch or for another listing or filter, is refused with 400. Required; app
  // keeps it in <data_dir>/cursor-key so cursors survive restarts.
  std::string cursor_key;
  // Most addresses one POST /v1/suppressions/check may carry. Default: 10,000.
  size_t max_check_addresses = 10000;
  // Most items per page (limit=). Default: 1,000.
  size_t max_page = 1000;
  // The dashboard's sessions: when set, a session cookie (with X-CSRF-Token on writes) is
  // accepted as well as a Bearer token (http/api_auth.h). Not owned; may be null.
  SessionStore* sessions = nullptr;
  // How long a Bearer token's lookup is remembered (http/token_cache.h), so requests do not read
  // the store to authenticate: a revoked token keeps working for at most this long. 0 = no
  // cache. Default: 2 s.
  std::chrono::milliseconds token_cache_ttl{2000};
  // The store answers GetSuppression(s) from memory (SqliteOptions::suppression_index): then
  // GET /v1/suppressions/{address} and POST /v1/suppressions/check with a cached token are
  // answered on the I/O thread, without the hop to `blocking`. Default: false.
  bool suppression_reads_in_memory = false;
};

// The JSON API under /v1/ (docs/api.md): suppressions (get, put, delete, check, list) and events
// (list, get with the raw notification). Every request needs `Authorization: Bearer <token>`
// (http/api_auth.h); GET and check need scope read, PUT and DELETE need write.
// Errors are {"error": {"code", "message"}} (ErrorResponse): 400 malformed JSON, unknown fields
// or parameters, invalid addresses, bad cursors; 401/403 auth; 404; 405; 413 too many addresses.
// A refused request changes nothing.
//
// Store calls run on `blocking`; Handle never blocks the I/O thread. Thread-safe.
class ApiHandler final : public Handler {
 public:
  ApiHandler(ApiOptions options, store::Store& store, const Clock& clock,
             BlockingExecutor blocking);
  void Handle(Request request, Responder respond) override;

  // The response to one request, computed synchronously (blocking). For tests and Handle.
  // `bearer`: the request's Bearer token when the caller already found it (fresh) in the token
  // cache; its scope is still checked.
  Response Serve(const Request& request, const store::ApiToken* bearer = nullptr);

 private:
  ApiOptions options_;
  store::Store& store_;
  const Clock& clock_;
  BlockingExecutor blocking_;
  std::unique_ptr<TokenCache> tokens_;

  // The request's Bearer token when `request` can be answered without blocking (see
  // suppression_reads_in_memory): an in-memory suppression read with a token fresh in the cache.
  std::optional<store::ApiToken> InlineToken(const Request& request);
  Response ServeCatching(const Request& request, const store::ApiToken* bearer = nullptr);
};

}  // namespace bw::http
