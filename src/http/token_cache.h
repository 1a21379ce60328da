// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace bw::http {

// Remembers the active API tokens the store returned, by SHA-256, for `ttl`, so that API
// requests authenticate without a store read. Unknown hashes are never remembered (each asks
// the store again). Bound on revocation: a token revoked in the store (`bouncewatch token
// revoke`, from any process) is still accepted for at most `ttl` after its last lookup here.
//
// Thread-safe.
class TokenCache {
 public:
  // ttl 0 disables the cache (every Find asks the store). At most max_entries tokens are kept;
  // when full, the cache starts over.
  TokenCache(store::Store& store, const Clock& clock, std::chrono::milliseconds ttl,
             size_t max_entries = 1024);

  // The active token with this SHA-256: from the cache when looked up less than ttl ago,
  // otherwise from store.FindTokenByHash (blocking), whose errors it returns.
  Result<store::ApiToken> Find(const std::string& hash);

  // The cached token when it is fresh (never blocks); nullopt otherwise.
  std::optional<store::ApiToken> FindFresh(const std::string& hash);

 private:
  struct Entry {
    store::ApiToken token;
    TimePoint fetched;
  };

  store::Store& store_;
  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  const size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace bw::http
