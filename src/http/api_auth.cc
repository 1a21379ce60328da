// SPDX-License-Identifier: Apache-2.0
#include "http/api_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http/random_id.h"
#include "http/session_store.h"
#include "http/token_cache.h"

namespace bw::http {

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kRead:
      return "read";
    case Scope::kWrite:
      return "write";
    case Scope::kAdmin:
      return "admin";
  }
  return "read";
}

std::optional<Scope> ParseScope(std::string_view name) {
  for (Scope s : {Scope::kRead, Scope::kWrite, Scope::kAdmin}) {
    if (ScopeName(s) == name) {
      return s;
    }
  }
  return std::nullopt;
}

std::string TokenHash(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

Result<std::string> NewTokenSecret() {
  auto secret = RandomBase64Url(32, "create a token");
  if (!secret) {
    return secret.error();
  }
  return "bw_" + *secret;
}

Result<store::ApiToken> Authenticate(store::Store& store, const Request& request, Scope needed) {
  auto header = request.Header("authorization");
  if (!header) {
    return Unauthenticated("this endpoint needs an API token: send Authorization: Bearer <token>");
  }
  std::string_view h = *header;
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer) {
    return Unauthenticated("the Authorization header must be \"Bearer <token>\"");
  }
  std::string_view token = h.substr(kBearer.size());
  if (token.size() > 512) {
    return Unauthenticated("invalid API token");
  }
  return AuthenticateTokenHash(store, TokenHash(token), needed);
}

Result<store::ApiToken> AuthenticateTokenHash(store::Store& store, const std::string& hash,
                                              Scope needed) {
  return CheckFoundToken(store.FindTokenByHash(hash), hash, needed);
}

Result<store::ApiToken> AuthenticateTokenHash(TokenCache& tokens, const std::string& hash,
                                              Scope needed) {
  return CheckFoundToken(tokens.Find(hash), hash, needed);
}

std::optional<std::string> BearerTokenHash(const Request& request) {
  auto header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() || header->size() > kBearer.size() + 512 ||
      std::string_view(*header).substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  const std::string_view token = std::string_view(*header).substr(kBearer.size());
  // A client sends the same token with every request: each I/O thread remembers the last token
  // it hashed (OpenSSL 3's one-shot SHA256 looks the digest up by name on every call). The
  // comparison is constant-time, so that a guessed token cannot learn the remembered one.
  thread_local std::string last_token;
  thread_local std::string last_hash;
  if (!last_hash.empty() && token.size() == last_token.size() &&
      CRYPTO_memcmp(token.data(), last_token.data(), token.size()) == 0) {
    return last_hash;
  }
  std::string hash = TokenHash(token);
  last_token.assign(token);
  last_hash = hash;
  return hash;
}

Result<store::ApiToken> CheckFoundToken(Result<store::ApiToken> found, const std::string& hash,
                                        Scope needed) {
  if (!found) {
    if (found.error().code() == Code::kNotFound) {
      return Unauthenticated("invalid or revoked API token");
    }
    return found.error();
  }
  if (found->hash.size() != hash.size() ||
      CRYPTO_memcmp(found->hash.data(), hash.data(), hash.size()) != 0) {
    return Unauthenticated("invalid or revoked API token");
  }
  auto scope = ParseScope(found->scope);
  if (!scope || static_cast<int>(*scope) < static_cast<int>(needed)) {
    return PermissionDenied("the token \"" + found->name + "\" has scope " + found->scope +
                            "; this request needs " + std::string(ScopeName(needed)));
  }
  return std::move(*found);
}

Result<store::ApiToken> Authenticate(store::Store& store, SessionStore* sessions,
                                     const Request& request, Scope needed) {
  if (sessions == nullptr || request.Header("authorization")) {
    return Authenticate(store, request, needed);
  }
  std::optional<std::string> id;
  if (auto cookies = request.Header("cookie")) {
    id = CookieValue(*cookies, kSessionCookie);
  }
  if (!id || id->empty()) {
    return Authenticate(store, request, needed);  // the "needs an API token" answer
  }
  auto session = sessions->Find(*id);
  if (!session) {
    return session.error();
  }
  const std::string& m = request.method;
  if (m != "GET" && m != "HEAD" && m != "OPTIONS") {
    auto csrf = request.Header("x-csrf-token");
    if (!csrf || !SecretEquals(*csrf, session->csrf_token)) {
      return PermissionDenied("missing or wrong X-CSRF-Token header for this session; reload "
                              "the page");
    }
  }
  auto token = AuthenticateTokenHash(store, session->token_hash, needed);
  if (!token && token.error().code() == Code::kUnauthenticated) {
    sessions->Remove(*id);
    return Unauthenticated("the API token of this session was revoked; sign in again");
  }
  return token;
}

}  // namespace bw::http
