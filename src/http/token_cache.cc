// SPDX-License-Identifier: Apache-2.0
#include "http/token_cache.h"

#include <utility>

namespace bw::http {

TokenCache::TokenCache(store::Store& store, const Clock& clock, std::chrono::milliseconds ttl,
                       size_t max_entries)
    : store_(store), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

std::optional<store::ApiToken> TokenCache::FindFresh(const std::string& hash) {
  if (ttl_.count() <= 0) {
    return std::nullopt;
  }
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(hash);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  // A clock that went backwards also makes the entry stale.
  if (now < it->second.fetched || now - it->second.fetched >= ttl_) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

Result<store::ApiToken> TokenCache::Find(const std::string& hash) {
  if (auto cached = FindFresh(hash)) {
    return std::move(*cached);
  }
  auto found = store_.FindTokenByHash(hash);
  if (!found) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(hash);
    return found.error();
  }
  if (ttl_.count() > 0) {
    const TimePoint now = clock_.Now();
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() >= max_entries_) {
      entries_.clear();
    }
    entries_[hash] = Entry{*found, now};
  }
  return found;
}

}  // namespace bw::http
