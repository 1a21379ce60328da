// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/cert_provider.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <utility>

#include <openssl/evp.h>

namespace bw::sns {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxRememberedFailures = 1024;

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// Reads at most `limit` + 1 bytes of `path` (so that the caller can tell "too big").
// nullopt when the file cannot be opened or read.
std::optional<std::string> ReadFileLimited(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string data(limit + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) {
    return std::nullopt;
  }
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

// Writes `data` to `path` atomically: a temporary file in the same directory, fsync, rename.
bool WriteFileAtomically(const fs::path& path, std::string_view data) {
  static std::atomic<uint64_t> counter{0};
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  bool ok = true;
  size_t done = 0;
  while (ok && done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  std::error_code ec;
  if (ok) {
    fs::rename(tmp, path, ec);
    ok = !ec;
  }
  if (!ok) {
    fs::remove(tmp, ec);
  }
  return ok;
}

bool IsRetryableStatus(int status) { return status >= 500 || status == 429 || status == 408; }

}  // namespace

CachingCertificateProvider::CachingCertificateProvider(CertificateProviderOptions options,
                                                       net::HttpClient& http, const Clock& clock)
    : options_(std::move(options)), http_(http), clock_(clock) {}

Result<std::shared_ptr<const Certificate>> CachingCertificateProvider::Get(const std::string& url) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = pinned_.find(url); it != pinned_.end()) {
      return it->second;
    }
  }
  if (auto it = options_.pinned.find(url); it != options_.pinned.end()) {
    // Pinned URLs never fall through to the network, even when the file is broken.
    return LoadPinnedFile(url, it->second);
  }
  const int64_t now_ms = ToUnixMs(clock_.Now());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(url); it != cache_.end()) {
      return it->second;
    }
    if (auto it = failures_.find(url); it != failures_.end()) {
      if (now_ms < it->second.until_ms) {
        return it->second.error;
      }
      failures_.erase(it);
    }
  }
  Result<std::shared_ptr<const Certificate>> cert = ReadDiskCache(url);
  if (!cert) {
    cert = Fetch(url);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (cert) {
    if (cache_.size() >= options_.max_cached) {
      cache_.clear();
    }
    cache_[url] = *cert;
  } else if (options_.error_ttl.count() > 0) {
    if (failures_.size() >= kMaxRememberedFailures) {
      failures_.clear();
    }
    failures_[url] = Failure{cert.error(), now_ms + options_.error_ttl.count()};
  }
  return cert;
}

void CachingCertificateProvider::Pin(const std::string& url,
                                     std::shared_ptr<const Certificate> certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  pinned_[url] = std::move(certificate);
}

Status CachingCertificateProvider::LoadPinned() {
  for (const auto& [url, path] : options_.pinned) {
    Result<std::shared_ptr<const Certificate>> cert = LoadPinnedFile(url, path);
    if (!cert) {
      return cert.error();
    }
  }
  return {};
}

std::string CachingCertificateProvider::CacheFileFor(const std::string& url) const {
  return (fs::path(options_.cache_dir) / (Sha256Hex(url) + ".pem")).string();
}

Result<std::shared_ptr<const Certificate>> CachingCertificateProvider::LoadPinnedFile(
    const std::string& url, const std::string& path) {
  std::optional<std::string> pem = ReadFileLimited(path, options_.max_bytes);
  if (!pem) {
    return Unavailable("cannot read the pinned certificate file " + path + " for " + url + ": " +
                       std::strerror(errno));
  }
  if (pem->size() > options_.max_bytes) {
    return InvalidInput("pinned certificate file " + path + " is larger than " +
                        std::to_string(options_.max_bytes) + " bytes");
  }
  Result<std::shared_ptr<const Certificate>> cert = Certificate::FromPem(*pem);
  if (!cert) {
    return InvalidInput("pinned certificate file " + path + ": " + cert.error().message());
  }
  std::lock_guard<std::mutex> lock(mu_);
  pinned_[url] = *cert;
  return cert;
}

Result<std::shared_ptr<const Certificate>> CachingCertificateProvider::ReadDiskCache(
    const std::string& url) {
  if (options_.cache_dir.empty()) {
    return NotFound("no certificate cache directory");
  }
  const std::string path = CacheFileFor(url);
  std::optional<std::string> pem = ReadFileLimited(path, options_.max_bytes);
  if (!pem) {
    return NotFound("not in the certificate cache");
  }
  Result<std::shared_ptr<const Certificate>> cert =
      pem->size() > options_.max_bytes
          ? Result<std::shared_ptr<const Certificate>>(InvalidInput("cached certificate too large"))
          : Certificate::FromPem(*pem);
  if (!cert) {
    // A damaged cache file is dropped and fetched again.
    std::error_code ec;
    fs::remove(path, ec);
    return NotFound("damaged certificate cache file removed");
  }
  return cert;
}

void CachingCertificateProvider::WriteDiskCache(const std::string& url, const std::string& pem) {
  if (options_.cache_dir.empty()) {
    return;
  }
  std::error_code ec;
  fs::create_directories(options_.cache_dir, ec);
  // Failing to cache is not an error: the certificate is still in memory.
  WriteFileAtomically(CacheFileFor(url), pem);
}

Result<std::shared_ptr<const Certificate>> CachingCertificateProvider::Fetch(
    const std::string& url) {
  net::RequestOptions request;
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.total_timeout;
  request.max_body_bytes = options_.max_bytes;
  Result<net::HttpResponse> response = Unavailable("no response");
  try {
    response = http_.Get(url, request);
  } catch (const std::exception& e) {
    // The HttpClient contract says it does not throw; do not let a bug escape the request path.
    return Internal("fetching the signing certificate " + url + " threw: " + e.what());
  }
  if (!response) {
    const Error& e = response.error();
    if (e.code() == Code::kTooLarge) {
      return PermissionDenied("the signing certificate at " + url + " is larger than " +
                              std::to_string(options_.max_bytes) + " bytes");
    }
    if (e.code() == Code::kInvalidInput) {
      return PermissionDenied("cannot fetch the signing certificate " + url + ": " + e.message());
    }
    return Error(e.code(), "cannot fetch the signing certificate " + url + ": " + e.message());
  }
  if (response->status != 200) {
    std::string message = "fetching the signing certificate " + url + " answered HTTP " +
                          std::to_string(response->status);
    if (IsRetryableStatus(response->status)) {
      return Unavailable(std::move(message));
    }
    return PermissionDenied(std::move(message));
  }
  if (response->body.size() > options_.max_bytes) {
    return PermissionDenied("the signing certificate at " + url + " is larger than " +
                            std::to_string(options_.max_bytes) + " bytes");
  }
  Result<std::shared_ptr<const Certificate>> cert = Certificate::FromPem(response->body);
  if (!cert) {
    return PermissionDenied("the signing certificate at " + url +
                            " is not usable: " + cert.error().message());
  }
  WriteDiskCache(url, response->body);
  return cert;
}

}  // namespace bw::sns
