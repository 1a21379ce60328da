// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace bw::net {

struct HttpResponse {
  int status = 0;
  std::string body;
  // Response header fields in the order received; names as the server sent them (compare them
  // case-insensitively, or use FindHeader), values without surrounding white space.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The value of the first header field called `name` (ASCII case-insensitive), or nullptr.
// The pointer is valid as long as `response` is not modified.
const std::string* FindHeader(const HttpResponse& response, std::string_view name);

struct RequestOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};
  size_t max_body_bytes = 1 << 20;  // a larger body is an error (kTooLarge), not truncated
};

// An outgoing HTTP(S) client. Only https:// URLs are fetched unless the implementation is
// configured otherwise; TLS peers and host names are always verified.
// Thread-safe: Get and Post may be called from several threads at once. Blocking.
// Redirects are never followed (a 3xx is returned like any status), and a URL with user-info
// ("https://user:pw@host/") is refused as kInvalidInput. Error messages name the URL without
// its user-info, query and fragment, so secrets in tokens do not reach logs.
// Errors: kUnavailable (connection, TLS, timeout), kTooLarge (body over the limit),
// kInvalidInput (a URL it cannot fetch). A non-2xx answer is not an error: see status.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Get(const std::string& url, const RequestOptions& options) = 0;
  // POSTs `body` as is. `headers` are sent as given (a name or value holding CR or LF is
  // kInvalidInput); set Content-Type here, or the implementation's default applies.
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
  // "host:port:connect-host:connect-port" entries as curl's CURLOPT_CONNECT_TO takes them: the
  // URL (and TLS name check) stays https://host/..., the TCP connection goes elsewhere, e.g.
  // "sns.us-west-2.amazonaws.com:443:127.0.0.1:40123" for a local stand-in on another port.
  std::vector<std::string> connect_to;
  // PEM bundle of trusted CAs; empty = the system store.
  std::string ca_file;
  std::string user_agent = "bouncewatch";
  // Also fetch plain http:// URLs (any host). For tests and for webhooks a user configured as
  // http://; never for SNS certificates. Default: false (https only).
  bool allow_http = false;
};

}  // namespace bw::net
