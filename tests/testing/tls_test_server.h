// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::testing {

// A real HTTP/1.1 server over TLS on 127.0.0.1 (port 0), for tests that stand in for a remote
// HTTPS service (SNS certificate host, SubscribeURL, webhooks). At construction it creates a
// throw-away CA and a leaf certificate (EC P-256, valid from one hour ago for one day) for the
// given host names, and writes the CA to a temp file that clients trust via ca_file().
// Clients reach it under those names by resolving them to 127.0.0.1 (ResolveEntry()).
// Requests are served on the server's own thread, one at a time, by the handler.
// Thread-safe: every method may be called from any thread. Construction throws on failure
// (it is test setup, not the request path).
class TlsTestServer {
 public:
  struct Request {
    std::string method;                                        // "GET", "POST", ...
    std::string target;                                        // "/path?query" as sent
    std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
    std::string body;

    // The first header called `name` (ASCII case-insensitive), or nullptr.
    const std::string* Header(std::string_view name) const;
  };

  struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain";
    std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
    bool chunked = false;  // send with chunked transfer coding instead of a Content-Length
  };

  // Runs on the server thread. An exception thrown by it answers 500.
  using Handler = std::function<Response(const Request&)>;

  struct Options {
    // Put into the certificate: the first as CN, all as subjectAltName (an IPv4/IPv6 literal
    // becomes an IP entry, anything else a DNS entry).
    std::vector<std::string> hosts = {"localhost"};
    // Serve plain HTTP instead (no certificate checks apply); for http:// clients.
    bool plain_http = false;
  };

  // `handler` empty = answer every request 200 "ok".
  explicit TlsTestServer(std::vector<std::string> hosts, Handler handler = nullptr);
  TlsTestServer(Options options, Handler handler);
  ~TlsTestServer();  // Stop()s

  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  uint16_t port() const;
  // PEM file holding the CA certificate; lives as long as the server object.
  const std::string& ca_file() const;
  std::string ca_pem() const;    // the CA certificate, PEM
  std::string leaf_pem() const;  // the server certificate, PEM

  // "https://<host>:<port><target>" ("http://" when plain_http).
  std::string Url(std::string_view host, std::string_view target = "/") const;
  // "<host>:<port>:127.0.0.1", an entry for curl's resolve list (CurlClientOptions::resolve).
  std::string ResolveEntry(std::string_view host) const;

  void SetHandler(Handler handler);
  // While true, requests are read and recorded but never answered (the connection stays open
  // until the client gives up or the server stops); for client timeout tests.
  void SetStall(bool stall);

  // Every request fully received so far, in arrival order (stalled ones included).
  std::vector<Request> requests() const;

  // Closes the listener and every open connection and joins the server thread. Idempotent.
  // REQUIRES: not called from inside the handler (it would join its own thread).
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::testing
