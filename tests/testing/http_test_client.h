// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace bw::testing {

struct HttpResult {
  int status = 0;  // 0 = the connection failed or was closed without an answer
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
  bool keep_alive = false;
};

// A real HTTP/1.1 client over one keep-alive connection to 127.0.0.1:port, for integration
// tests. Reconnects when the server closed the connection. Not thread-safe (one per thread).
class TestHttpClient {
 public:
  explicit TestHttpClient(uint16_t port) : port_(port), stream_(ioc_) {}

  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    namespace http = boost::beast::http;
    boost::beast::error_code ec;
    if (!connected_) {
      stream_.connect(boost::asio::ip::tcp::endpoint(
                          boost::asio::ip::make_address("127.0.0.1"), port_),
                      ec);
      if (ec) {
        return {};
      }
      connected_ = true;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    for (const auto& [k, v] : headers) {
      req.set(k, v);
    }
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req, ec);
    if (ec) {
      connected_ = false;
      stream_.close();
      return {};
    }
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer, parser, ec);
    if (ec) {
      connected_ = false;
      stream_.close();
      return {};
    }
    HttpResult r;
    auto& res = parser.get();
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    r.keep_alive = res.keep_alive();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      r.headers[name] = std::string(f.value());
    }
    if (!r.keep_alive) {
      connected_ = false;
      stream_.close();
    }
    return r;
  }

  HttpResult Get(const std::string& target) { return Request("GET", target); }
  HttpResult Post(const std::string& target, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return Request("POST", target, body, headers);
  }

 private:
  uint16_t port_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  bool connected_ = false;
};

}  // namespace bw::testing
