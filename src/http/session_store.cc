// SPDX-License-Identifier: Apache-2.0
#include "http/session_store.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "core/ascii.h"
#include "http/random_id.h"

namespace bw::http {

SessionStore::SessionStore(SessionOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

Result<Session> SessionStore::Create(std::string token_hash, std::string token_name) {
  auto id = RandomBase64Url(32, "make a session");
  if (!id) {
    return id.error();
  }
  auto csrf = RandomBase64Url(16, "make a session");
  if (!csrf) {
    return csrf.error();
  }
  Session s;
  s.id = std::move(*id);
  s.token_hash = std::move(token_hash);
  s.token_name = std::move(token_name);
  s.csrf_token = std::move(*csrf);
  s.created_at = clock_.Now();
  s.expires_at = s.created_at + options_.ttl;
  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.size() >= options_.max_sessions) {
    std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires_at <= s.created_at; });
  }
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a,
                                                                          const auto& b) {
      return a.second.created_at < b.second.created_at;
    });
    sessions_.erase(oldest);
  }
  sessions_.emplace(s.id, s);
  return s;
}

Result<Session> SessionStore::Find(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return Unauthenticated(
        "you are not signed in (signed out, or the server restarted); sign in again");
  }
  if (it->second.expires_at <= clock_.Now()) {
    sessions_.erase(it);
    return Unauthenticated("your session expired; sign in again");
  }
  return it->second;
}

void SessionStore::Remove(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) {
    sessions_.erase(it);
  }
}

size_t SessionStore::SizeForTest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = TrimOws(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    if (TrimOws(pair.substr(0, eq)) != name) {
      continue;
    }
    std::string_view value = TrimOws(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string SessionSetCookie(std::string_view id, std::chrono::milliseconds max_age, bool secure) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(id) +
                  "; Path=/; Max-Age=" +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_age).count()) +
                  "; HttpOnly; SameSite=Strict";
  if (secure) {
    c += "; Secure";
  }
  return c;
}

std::string SessionClearCookie(bool secure) {
  std::string c = std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
  if (secure) {
    c += "; Secure";
  }
  return c;
}

bool SecretEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace bw::http
