// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "http/handler.h"

namespace bw::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;            // 0 = any free port (see HttpServer::port())
  int threads = 2;                 // I/O threads
  size_t max_body_bytes = 1 << 20; // larger bodies get 413 and the connection is closed
  size_t max_header_bytes = 16 * 1024;
  // A whole request must arrive within this time; also the idle keep-alive limit.
  std::chrono::milliseconds request_timeout{15000};
  // How long a handler may take to answer before the connection is dropped.
  std::chrono::milliseconds handler_timeout{30000};
};

// Counters the server keeps about itself (read with relaxed loads).
struct ServerStats {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> too_large{0};
  std::atomic<uint64_t> internal_errors{0};
};

// An HTTP/1.1 server on Boost.Beast: keep-alive, several I/O threads, a per-request timeout that
// cuts off slow or stalled clients, a body limit (413), and a top-level catch per connection.
// Every request is passed to one Handler (usually a Router).
//
// Thread-safety: Start/Stop from one thread; the handler is called from I/O threads.
class HttpServer {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<Handler> handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on background threads. kUnavailable when the address cannot be
  // bound (in use, permission), kInvalidInput for an unparsable host.
  Status Start();

  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

  // The bound port (useful with port 0). Valid after Start.
  uint16_t port() const { return bound_port_; }

  const ServerStats& stats() const { return stats_; }

  struct Impl;  // implementation detail (Asio objects), public only for the accept loop

 private:
  ServerOptions options_;
  std::shared_ptr<Handler> handler_;
  std::unique_ptr<Impl> impl_;
  std::vector<std::thread> threads_;
  uint16_t bound_port_ = 0;
  ServerStats stats_;
};

}  // namespace bw::http
