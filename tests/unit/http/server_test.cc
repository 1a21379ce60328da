// SPDX-License-Identifier: Apache-2.0
#include "http/server.h"

#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "testing/http_test_client.h"

namespace bw::http {
namespace {

// Echoes the body back, answering from another thread (as a store commit would).
class EchoHandler final : public Handler {
 public:
  void Handle(Request request, Responder respond) override {
    std::thread([request = std::move(request), respond = std::move(respond)] {
      respond(Response::Text(200, request.method + " " + request.path + " " + request.body));
    }).detach();
  }
};

// Answers inside Handle, on the I/O thread (as the in-memory suppression checks do), naming the
// peer the server saw.
class InlineHandler final : public Handler {
 public:
  void Handle(Request request, Responder respond) override {
    respond(Response::Text(200, request.remote + " " + request.body));
  }
};

class ThrowingHandler final : public Handler {
 public:
  void Handle(Request, Responder) override { throw std::runtime_error("boom"); }
};

ServerOptions Options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.max_body_bytes = 1024;
  o.request_timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(HttpServer, ServesKeepAliveRequestsOnOneConnection) {
  HttpServer server(Options(), std::make_shared<EchoHandler>());
  ASSERT_TRUE(server.Start().has_value());
  ASSERT_NE(server.port(), 0);
  testing::TestHttpClient client(server.port());
  for (int i = 0; i < 5; ++i) {
    auto r = client.Post("/echo", "hello" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /echo hello" + std::to_string(i) + "\n");
    EXPECT_TRUE(r.keep_alive);
  }
  EXPECT_EQ(server.stats().connections.load(), 1u);
  EXPECT_EQ(server.stats().requests.load(), 5u);
}

TEST(HttpServer, InlineAnswersKeepTheConnectionAndNameThePeer) {
  HttpServer server(Options(), std::make_shared<InlineHandler>());
  ASSERT_TRUE(server.Start().has_value());
  testing::TestHttpClient client(server.port());
  std::string first_remote;
  for (int i = 0; i < 5; ++i) {
    auto r = client.Post("/x", "b" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    size_t space = r.body.find(' ');
    ASSERT_NE(space, std::string::npos) << r.body;
    std::string remote = r.body.substr(0, space);
    EXPECT_EQ(remote.rfind("127.0.0.1:", 0), 0u) << remote;
    EXPECT_NE(remote, "127.0.0.1:0");
    if (i == 0) {
      first_remote = remote;
    } else {
      EXPECT_EQ(remote, first_remote);
    }
    EXPECT_EQ(r.body.substr(space + 1), "b" + std::to_string(i) + "\n");
    EXPECT_TRUE(r.keep_alive);
  }
  EXPECT_EQ(server.stats().connections.load(), 1u);
  EXPECT_EQ(server.stats().requests.load(), 5u);
}

// The read buffer reserved per connection (16 KiB) is not a limit: bodies several times larger,
// alternating with small ones on one keep-alive connection, arrive whole and in order.
TEST(HttpServer, BodiesLargerThanTheReadBufferArriveWhole) {
  ServerOptions options = Options();
  options.max_body_bytes = 1 << 20;
  HttpServer server(options, std::make_shared<EchoHandler>());
  ASSERT_TRUE(server.Start().has_value());
  testing::TestHttpClient client(server.port());
  for (size_t size : {size_t{10}, size_t{100000}, size_t{3}, size_t{40000}, size_t{16384}}) {
    std::string body(size, 'a');
    for (size_t i = 0; i < size; ++i) {
      body[i] = static_cast<char>('a' + (i * 7 + size) % 26);
    }
    auto r = client.Post("/echo", body);
    ASSERT_EQ(r.status, 200) << size;
    EXPECT_EQ(r.body, "POST /echo " + body + "\n") << size;
  }
  EXPECT_EQ(server.stats().connections.load(), 1u);
  EXPECT_EQ(server.stats().requests.load(), 5u);
}

TEST(HttpServer, OversizeBodyGets413) {
  HttpServer server(Options(), std::make_shared<EchoHandler>());
  ASSERT_TRUE(server.Start().has_value());
  testing::TestHttpClient client(server.port());
  auto r = client.Post("/echo", std::string(2048, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("max_body_bytes"), std::string::npos);
  EXPECT_EQ(server.stats().too_large.load(), 1u);
}

TEST(HttpServer, StalledClientIsCutOff) {
  HttpServer server(Options(), std::make_shared<EchoHandler>());
  ASSERT_TRUE(server.Start().has_value());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  // Half a request, then silence.
  boost::asio::write(socket, boost::asio::buffer(std::string("POST /echo HTTP/1.1\r\nHost: x\r\n")));
  char buf[256];
  boost::system::error_code ec;
  // The server must close the connection (read returns EOF) instead of waiting forever.
  size_t n = socket.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();
  // Beast closes the socket before the read handler runs, so the count may lag the EOF a bit.
  for (int i = 0; i < 100 && server.stats().timeouts.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.stats().timeouts.load(), 1u);
}

// A request that arrives in pieces within request_timeout is served: the deadline is for the
// whole request, not cut short by the coarse deadline timer.
TEST(HttpServer, SlowButTimelyClientIsServed) {
  HttpServer server(Options(), std::make_shared<InlineHandler>());
  ASSERT_TRUE(server.Start().has_value());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  boost::asio::write(socket, boost::asio::buffer(std::string("POST /x HTTP/1.1\r\nHost: x\r\n")));
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  boost::asio::write(socket, boost::asio::buffer(std::string("Content-Length: 2\r\n\r\nok")));
  std::string got;
  char buf[512];
  boost::system::error_code ec;
  while (got.find("\r\n\r\n") == std::string::npos && !ec) {
    size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    got.append(buf, n);
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(server.stats().timeouts.load(), 0u);
}

// Never answers (keeps the responder): the connection is dropped after handler_timeout.
class SilentHandler final : public Handler {
 public:
  void Handle(Request, Responder respond) override { kept_ = std::move(respond); }

 private:
  Responder kept_;
};

TEST(HttpServer, HandlerThatNeverAnswersIsCutOffAfterHandlerTimeout) {
  ServerOptions options = Options();
  options.handler_timeout = std::chrono::milliseconds(200);
  HttpServer server(options, std::make_shared<SilentHandler>());
  ASSERT_TRUE(server.Start().has_value());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  boost::asio::write(socket, boost::asio::buffer(std::string("GET /x HTTP/1.1\r\nHost: x\r\n\r\n")));
  const auto start = std::chrono::steady_clock::now();
  char buf[256];
  boost::system::error_code ec;
  size_t n = socket.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST(HttpServer, HandlerExceptionBecomes500) {
  HttpServer server(Options(), std::make_shared<ThrowingHandler>());
  ASSERT_TRUE(server.Start().has_value());
  testing::TestHttpClient client(server.port());
  auto r = client.Get("/x");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(server.stats().internal_errors.load(), 1u);
  // The server still serves.
  testing::TestHttpClient again(server.port());
  EXPECT_EQ(again.Get("/x").status, 500);
}

TEST(HttpServer, PortInUseIsAClearError) {
  HttpServer first(Options(), std::make_shared<EchoHandler>());
  ASSERT_TRUE(first.Start().has_value());
  ServerOptions o = Options();
  o.port = first.port();
  HttpServer second(o, std::make_shared<EchoHandler>());
  auto s = second.Start();
  ASSERT_TRUE(s.has_error());
  EXPECT_EQ(s.error().code(), Code::kUnavailable);
  EXPECT_NE(s.error().message().find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace bw::http
