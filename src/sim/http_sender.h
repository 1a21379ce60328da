// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sim/sns_envelope.h"

namespace bw::sim {

// Where to POST: a parsed http:// URL.
struct HttpTarget {
  std::string url;     // as given, for messages
  std::string host;    // "127.0.0.1", "localhost", "::1"
  std::string port;    // "8080" (default "80")
  std::string target;  // "/webhooks/sns" (default "/")
};

// Parses "http://HOST[:PORT][/PATH[?QUERY]]". Errors: kInvalidInput (one sentence) for anything
// else, including https:// (the simulator talks to a local server; put TLS in front of it with a
// proxy if needed).
Result<HttpTarget> ParseHttpUrl(std::string_view url);

// What came back for one request.
struct HttpOutcome {
  int status = 0;               // 0 = no answer (see error)
  std::string body;             // the response body (at most 64 KiB kept)
  std::string error;            // why there was no answer: "Connection refused", "timed out", ...
  bool connect_failed = false;  // the error happened while connecting
  std::chrono::microseconds latency{0};  // write of the request to the end of the response
};

// An HTTP/1.1 client over ONE keep-alive connection (Boost.Beast), reconnecting when the server
// closed it. Each exchange must finish within `timeout`. Not thread-safe: one per thread.
class HttpSender {
 public:
  explicit HttpSender(HttpTarget target,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpSender();
  HttpSender(const HttpSender&) = delete;
  HttpSender& operator=(const HttpSender&) = delete;

  // POSTs `request` to the target. Never throws; failures are in HttpOutcome::error. A request
  // that fails on a reused connection (the server closed it while idle) is retried once on a
  // fresh one, as HTTP clients do for idempotent requests (SNS deliveries are idempotent by
  // MessageId).
  HttpOutcome Post(const SignedRequest& request);

  // Connections opened so far (1 for a healthy keep-alive run).
  int64_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::sim
