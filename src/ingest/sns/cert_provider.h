// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/sns/signature.h"
#include "net/http_client.h"

namespace bw::sns {

// Where SNS signing certificates come from, by SigningCertURL. Implementations are thread-safe.
class CertificateProvider {
 public:
  virtual ~CertificateProvider() = default;

  // The certificate published at `url`. The caller has already validated the URL
  // (ValidateSigningCertUrl). Errors: kUnavailable when it cannot be fetched right now (the
  // webhook answers 503 so that SNS retries); kPermissionDenied when what the URL serves is not
  // a usable certificate; kInvalidInput / kUnavailable for a bad pinned file (message names it).
  virtual Result<std::shared_ptr<const Certificate>> Get(const std::string& url) = 0;
};

struct CertificateProviderOptions {
  // Certificates known in advance: SigningCertURL -> local PEM file. Used instead of fetching,
  // never fetched. This is also how a self-signed certificate (the simulator's) is trusted for a
  // URL. Default: none.
  std::map<std::string, std::string> pinned;
  // Directory of fetched certificates, one file per URL named by the SHA-256 of the URL; read
  // before fetching and written (atomically) after a successful fetch. Created if missing.
  // Default: empty = no disk cache.
  std::string cache_dir;
  // Largest certificate accepted, in bytes. Default: 10 KiB.
  size_t max_bytes = kMaxCertificatePemBytes;
  std::chrono::milliseconds connect_timeout{5000};  // Default: 5 s.
  std::chrono::milliseconds total_timeout{10000};   // Default: 10 s.
  // How long a failed fetch is remembered (answered from memory without fetching again), so that
  // a burst of messages does not hammer a failing URL. Default: 10 s; 0 = not remembered.
  std::chrono::milliseconds error_ttl{10000};
  // At most this many fetched certificates are kept in memory (AWS rotates a handful per
  // region). When full, the memory cache is cleared. Default: 256.
  size_t max_cached = 256;
};

// Gets certificates from pinned files, then memory, then the disk cache, then HTTPS.
// Thread-safe (`mu_` guards the memory caches; fetches run without holding it, so two threads
// may fetch the same URL at once, harmlessly). `http` and `clock` must outlive the provider.
class CachingCertificateProvider final : public CertificateProvider {
 public:
  CachingCertificateProvider(CertificateProviderOptions options, net::HttpClient& http,
                             const Clock& clock = SystemClock::Instance());

  Result<std::shared_ptr<const Certificate>> Get(const std::string& url) override;

  // Trusts `certificate` for `url` from now on, as if pinned (e.g. a certificate held in memory).
  void Pin(const std::string& url, std::shared_ptr<const Certificate> certificate);

  // Loads every pinned file now, so that configuration errors surface at startup rather than on
  // the first message. Returns the first error.
  Status LoadPinned();

  // The file the disk cache uses for `url` (under cache_dir).
  std::string CacheFileFor(const std::string& url) const;

 private:
  struct Failure {
    Error error;
    int64_t until_ms;
  };

  Result<std::shared_ptr<const Certificate>> LoadPinnedFile(const std::string& url,
                                                            const std::string& path);
  Result<std::shared_ptr<const Certificate>> ReadDiskCache(const std::string& url);
  void WriteDiskCache(const std::string& url, const std::string& pem);
  Result<std::shared_ptr<const Certificate>> Fetch(const std::string& url);

  const CertificateProviderOptions options_;
  net::HttpClient& http_;
  const Clock& clock_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Certificate>> pinned_;  // GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<const Certificate>> cache_;   // GUARDED_BY(mu_)
  std::map<std::string, Failure> failures_;                           // GUARDED_BY(mu_)
};

}  // namespace bw::sns
