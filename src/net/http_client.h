// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace bw::net {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct RequestOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};
  size_t max_body_bytes = 1 << 20;  // a larger body is an error (kTooLarge), not truncated
};

// An outgoing HTTP(S) client. Only https:// URLs are fetched unless the implementation is
// configured otherwise; TLS peers and host names are always verified.
// Thread-safe: Get may be called from several threads at once. Blocking.
// Errors: kUnavailable (connection, TLS, timeout), kTooLarge (body over the limit),
// kInvalidInput (a URL it cannot fetch). A non-2xx answer is not an error: see status.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Get(const std::string& url, const RequestOptions& options) = 0;
  virtual Result<HttpResponse> Post(const std::string& url, const std::string& body,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    const RequestOptions& options) = 0;
};

// How the curl-backed client is set up. Tests point a real SNS host name at a local TLS server
// with `resolve` and trust its certificate with `ca_file`.
struct CurlClientOptions {
  // "host:port:address" entries as curl's CURLOPT_RESOLVE takes them, e.g.
  // "sns.us-east-1.amazonaws.com:443:127.0.0.1".
  std::vector<std::string> resolve;
  // PEM bundle of trusted CAs; empty = the system store.
  std::string ca_file;
  std::string user_agent = "bouncewatch";
};

}  // namespace bw::net
