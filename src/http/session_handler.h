// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/clock.h"
#include "http/blocking_executor.h"
#include "http/handler.h"
#include "http/session_store.h"
#include "store/store.h"

namespace bw::http {

struct SessionHandlerOptions {
  // Mark the cookie Secure (set when [server] public_url is https://). Default: false.
  bool secure_cookie = false;
};

// /v1/session: the dashboard's sign-in (docs/api.md "Sessions").
//  - POST {"token": "..."} (Content-Type: application/json) checks the API token like a Bearer
//    token; 200 {"token_name", "scope", "csrf_token", "expires_at"} with Set-Cookie (HttpOnly,
//    SameSite=Strict); 401 "that token is not valid ..." for a wrong or revoked token.
//  - GET: the same body for the current session cookie; 401 when expired or signed out.
//  - DELETE: signs out (always 200) and clears the cookie.
// Every answer also has Cache-Control: no-store. Store calls run on `blocking`. Thread-safe.
class SessionHandler final : public Handler {
 public:
  SessionHandler(SessionHandlerOptions options, store::Store& store, SessionStore& sessions,
                 BlockingExecutor blocking);
  void Handle(Request request, Responder respond) override;

  // The response to one request, computed synchronously (blocking). For tests and Handle.
  Response Serve(const Request& request);

 private:
  SessionHandlerOptions options_;
  store::Store& store_;
  SessionStore& sessions_;
  BlockingExecutor blocking_;
};

}  // namespace bw::http
