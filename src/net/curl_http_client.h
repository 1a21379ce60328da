// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"

namespace bw::net {

// HttpClient backed by libcurl. Every call uses its own easy handle, so one instance can be
// shared by any number of threads; the instance itself is immutable after construction.
// https only unless options.allow_http; TLS 1.2 or later, peer and host name always verified
// against options.ca_file (or the system store); no redirects, no cookies. Proxies are those
// libcurl takes from the environment (https_proxy, no_proxy).
// The body limit is enforced while receiving: the transfer is aborted as soon as the body
// (announced or received) exceeds RequestOptions::max_body_bytes. Response headers are capped
// at 64 KiB in total (more is kTooLarge).
class CurlHttpClient final : public HttpClient {
 public:
  // Never fails: if libcurl cannot be initialised, every call returns kInternal.
  explicit CurlHttpClient(CurlClientOptions options);

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Get(const std::string& url, const RequestOptions& options) override;
  Result<HttpResponse> Post(const std::string& url, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const RequestOptions& options) override;

 private:
  // `body` null = GET.
  Result<HttpResponse> Perform(const std::string& url, const std::string* body,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const RequestOptions& options);

  const CurlClientOptions options_;
  const bool init_ok_;  // curl_global_init succeeded
};

// The URL as it may appear in logs and error messages: scheme, host, port and path only (no
// user-info, query or fragment). Returns "<unparsable URL>" when curl cannot parse it.
std::string RedactUrl(const std::string& url);

}  // namespace bw::net
