// SPDX-License-Identifier: Apache-2.0
#include "sim/http_sender.h"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace bw::sim {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Result<HttpTarget> ParseHttpUrl(std::string_view text) {
  auto u = boost::urls::parse_absolute_uri(text);
  if (!u) {
    return InvalidInput(
        "--to must be an http:// URL such as http://127.0.0.1:8080/webhooks/sns, "
        "not \"" +
        std::string(text) + "\"");
  }
  if (u->scheme() != "http") {
    return InvalidInput("--to must be an http:// URL (the simulator does not speak " +
                        std::string(u->scheme()) + "), not \"" + std::string(text) + "\"");
  }
  HttpTarget t;
  t.url = std::string(text);
  t.host = std::string(u->host_address());
  if (t.host.empty()) {
    return InvalidInput("--to has no host: \"" + std::string(text) + "\"");
  }
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']') {
    t.host = t.host.substr(1, t.host.size() - 2);
  }
  t.port = u->has_port() ? std::string(u->port()) : "80";
  t.target = std::string(u->encoded_path());
  if (t.target.empty()) {
    t.target = "/";
  }
  if (u->has_query()) {
    t.target += "?" + std::string(u->encoded_query());
  }
  return t;
}

struct HttpSender::Impl {
  HttpTarget target;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int64_t opened = 0;

  // Runs the io_context until the pending operation completes.
  void RunOne() {
    ioc.restart();
    ioc.run();
  }

  beast::error_code Connect() {
    stream.emplace(ioc);
    buffer.clear();
    beast::error_code result;
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) {
      stream.reset();
      return ec;
    }
    stream->expires_after(timeout);
    stream->async_connect(endpoints,
                          [&](beast::error_code e, const tcp::endpoint&) { result = e; });
    RunOne();
    if (result) {
      stream.reset();
    } else {
      ++opened;
      stream->socket().set_option(tcp::no_delay(true), ec);
    }
    return result;
  }

  // One exchange on the current connection.
  HttpOutcome Exchange(const http::request<http::string_body>& req) {
    HttpOutcome out;
    beast::error_code ec;
    const auto start = std::chrono::steady_clock::now();
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code e, size_t) { ec = e; });
    RunOne();
    if (ec) {
      out.error = ec.message();
      return out;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    stream->expires_after(timeout);
    http::async_read(*stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
    RunOne();
    out.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    if (ec && ec != http::error::body_limit) {
      out.error = ec == beast::error::timeout ? "timed out" : ec.message();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    if (!res.keep_alive()) {
      stream.reset();
    }
    return out;
  }
};

HttpSender::HttpSender(HttpTarget target, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(target);
  impl_->timeout = timeout;
}

HttpSender::~HttpSender() = default;

int64_t HttpSender::connections_opened() const { return impl_->opened; }

HttpOutcome HttpSender::Post(const SignedRequest& request) {
  http::request<http::string_body> req{http::verb::post, impl_->target.target, 11};
  std::string host = impl_->target.host;
  if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  req.set(http::field::host, host + ":" + impl_->target.port);
  req.keep_alive(true);
  for (const auto& [name, value] : request.headers) {
    req.set(name, value);
  }
  req.body() = request.body;
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->stream.has_value();
    if (!reused) {
      beast::error_code ec = impl_->Connect();
      if (ec) {
        HttpOutcome out;
        out.connect_failed = true;
        out.error = ec == beast::error::timeout ? "timed out" : ec.message();
        return out;
      }
    }
    HttpOutcome out = impl_->Exchange(req);
    if (out.status != 0) {
      return out;
    }
    impl_->stream.reset();
    if (!reused) {
      return out;
    }
    // A kept-alive connection the server had closed: retry once on a fresh one.
  }
  HttpOutcome out;
  out.error = "the connection was closed";
  return out;
}

}  // namespace bw::sim
