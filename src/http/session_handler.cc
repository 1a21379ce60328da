// SPDX-License-Identifier: Apache-2.0
#include "http/session_handler.h"

#include <exception>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "http/api_auth.h"

namespace bw::http {
namespace {

namespace json = boost::json;

Response SessionJson(const Session& s, std::string_view scope) {
  json::object o{{"token_name", s.token_name},
                 {"scope", scope},
                 {"csrf_token", s.csrf_token},
                 {"expires_at", FormatIso8601Ms(ToUnixMs(s.expires_at))}};
  return Response::Json(200, json::serialize(o) + "\n");
}

Response NoStore(Response r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

SessionHandler::SessionHandler(SessionHandlerOptions options, store::Store& store,
                               SessionStore& sessions, BlockingExecutor blocking)
    : options_(options), store_(store), sessions_(sessions), blocking_(std::move(blocking)) {}

void SessionHandler::Handle(Request request, Responder respond) {
  blocking_([this, request = std::move(request), respond = std::move(respond)]() mutable {
    Response r;
    try {
      r = Serve(request);
    } catch (const std::exception& e) {
      spdlog::error("session: unexpected exception for {} {}: {}", request.method, request.path,
                    e.what());
      r = ErrorResponse(Internal("internal error"));
      r.close = true;
    }
    respond(std::move(r));
  });
}

Response SessionHandler::Serve(const Request& req) {
  std::optional<std::string> cookie_id;
  if (auto cookies = req.Header("cookie")) {
    cookie_id = CookieValue(*cookies, kSessionCookie);
  }

  if (req.method == "POST") {
    std::string type = req.Header("content-type").value_or("");
    if (type.rfind("application/json", 0) != 0) {
      return NoStore(ErrorResponse(
          InvalidInput("sign in with Content-Type: application/json and {\"token\": \"...\"}")));
    }
    json::parse_options opts;
    opts.max_depth = 4;
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec, {}, opts);
    const json::value* token = nullptr;
    if (!ec && v.is_object()) {
      token = v.as_object().if_contains("token");
      if (v.as_object().size() != 1) {
        token = nullptr;
      }
    }
    if (token == nullptr || !token->is_string()) {
      return NoStore(ErrorResponse(InvalidInput("the body must be {\"token\": \"...\"}")));
    }
    std::string_view secret = token->as_string();
    while (!secret.empty() && (secret.back() == ' ' || secret.back() == '\n' ||
                               secret.back() == '\r' || secret.back() == '\t')) {
      secret.remove_suffix(1);
    }
    while (!secret.empty() && (secret.front() == ' ' || secret.front() == '\t')) {
      secret.remove_prefix(1);
    }
    if (secret.empty()) {
      return NoStore(ErrorResponse(InvalidInput("enter an API token")));
    }
    if (secret.size() > 512) {
      return NoStore(ErrorResponse(Unauthenticated("that token is not valid")));
    }
    std::string hash = TokenHash(secret);
    auto found = AuthenticateTokenHash(store_, hash, Scope::kRead);
    if (!found) {
      if (found.error().code() == Code::kUnauthenticated) {
        return NoStore(ErrorResponse(Unauthenticated(
            "that token is not valid (wrong, or revoked); check it and try again")));
      }
      return NoStore(ErrorResponse(found.error()));
    }
    if (cookie_id) {
      sessions_.Remove(*cookie_id);  // a new sign-in replaces the old session
    }
    auto session = sessions_.Create(hash, found->name);
    if (!session) {
      return NoStore(ErrorResponse(session.error()));
    }
    Response r = SessionJson(*session, found->scope);
    r.headers.emplace_back("Set-Cookie", SessionSetCookie(session->id, sessions_.options().ttl,
                                                          options_.secure_cookie));
    return NoStore(std::move(r));
  }

  if (req.method == "GET") {
    if (!cookie_id || cookie_id->empty()) {
      return NoStore(ErrorResponse(Unauthenticated("you are not signed in")));
    }
    auto session = sessions_.Find(*cookie_id);
    if (!session) {
      Response r = ErrorResponse(session.error());
      r.headers.emplace_back("Set-Cookie", SessionClearCookie(options_.secure_cookie));
      return NoStore(std::move(r));
    }
    auto token = AuthenticateTokenHash(store_, session->token_hash, Scope::kRead);
    if (!token) {
      if (token.error().code() == Code::kUnauthenticated) {
        sessions_.Remove(*cookie_id);
        Response r = ErrorResponse(
            Unauthenticated("the API token of this session was revoked; sign in again"));
        r.headers.emplace_back("Set-Cookie", SessionClearCookie(options_.secure_cookie));
        return NoStore(std::move(r));
      }
      return NoStore(ErrorResponse(token.error()));
    }
    return NoStore(SessionJson(*session, token->scope));
  }

  if (req.method == "DELETE") {
    if (cookie_id) {
      sessions_.Remove(*cookie_id);
    }
    Response r = Response::Json(200, "{\"signed_out\":true}\n");
    r.headers.emplace_back("Set-Cookie", SessionClearCookie(options_.secure_cookie));
    return NoStore(std::move(r));
  }

  Response r = ErrorResponse(
      Error(Code::kInvalidInput, req.method + " is not allowed on /v1/session; use GET, POST, "
                                              "DELETE"));
  r.status = 405;
  r.headers.emplace_back("Allow", "GET, POST, DELETE");
  return r;
}

}  // namespace bw::http
