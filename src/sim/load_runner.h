// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "sim/http_sender.h"
#include "sim/sns_envelope.h"

namespace bw::sim {

// Makes request number `index` (0-based). Called concurrently from the load threads, so it must
// be thread-safe; each call returns a request with a new MessageId.
using RequestMaker = std::function<Result<SignedRequest>(uint64_t index)>;

struct LoadOptions {
  uint64_t count = 1;   // requests to send. Default: 1
  int concurrency = 1;  // parallel keep-alive connections (one thread each). Default: 1
  double rate = 0;      // requests per second over all connections; 0 = as fast as possible
  std::string ack_log;  // when set, the MessageId of every 2xx answer is appended, one per line,
                        // and flushed as it comes (so a crash test can trust the file)
  std::chrono::milliseconds timeout{30000};  // per request. Default: 30 s
  // Called about every 200 ms from a separate thread with (done, total) while the run lasts, and
  // once at the end. Empty = no progress reports.
  std::function<void(uint64_t done, uint64_t total, double elapsed_s)> progress;
};

// What a run did. Every request ends up in exactly one of ok/client_errors/server_errors/
// other_status/errors, so they add up to `sent`.
struct LoadSummary {
  uint64_t sent = 0;            // requests attempted
  uint64_t ok = 0;              // 2xx
  uint64_t client_errors = 0;   // 4xx
  uint64_t server_errors = 0;   // 5xx
  uint64_t other_status = 0;    // 1xx/3xx
  uint64_t errors = 0;          // no answer (connect failure, reset, timeout) or not built
  uint64_t connect_errors = 0;  // of `errors`, the ones that failed while connecting
  std::map<int, uint64_t> by_status;
  double seconds = 0;                                        // wall time of the run
  std::chrono::microseconds p50{0}, p90{0}, p99{0}, max{0};  // latency of answered requests
  int64_t connections = 0;                                   // TCP connections opened
  std::string first_error;                                   // the first transport error message
  int first_bad_status = 0;  // the first non-2xx status, with its body
  std::string first_bad_body;

  double requests_per_second() const {
    return seconds > 0 ? static_cast<double>(sent) / seconds : 0;
  }
};

// Sends options.count requests from `make` to `target` over options.concurrency keep-alive
// connections, paced to options.rate. Never stops early: every request is attempted (a failed
// one counts in `errors` or its status class). Errors: kInvalidInput for count 0, concurrency
// < 1 or a negative rate; kUnavailable when the ack log cannot be opened.
Result<LoadSummary> RunLoad(const HttpTarget& target, const LoadOptions& options,
                            const RequestMaker& make);

// The latency at quantile q (0..1) of `sorted` (nearest rank), 0 when empty.
std::chrono::microseconds Percentile(const std::vector<std::chrono::microseconds>& sorted,
                                     double q);

// "[#########           ]  45%  9000/20000  1523/s", `width` characters of bar.
std::string FormatProgress(uint64_t done, uint64_t total, double elapsed_s, int width = 30);

// The human summary: sent, 2xx/4xx/5xx/errors, requests/s, p50/p90/p99 latency; several lines.
std::string FormatSummary(const LoadSummary& s);

}  // namespace bw::sim
