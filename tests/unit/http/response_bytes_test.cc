// SPDX-License-Identifier: Apache-2.0
// The bytes on the wire do not depend on which write path the server takes: a response written
// with its header prepared by the session (HTTP/1.1, no extra headers) is byte for byte what
// Beast's serializer writes for the same response, and ErrorResponse's body is what
// boost::json::serialize gives for the error object.
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "http/handler.h"
#include "http/server.h"

namespace bw::http {
namespace {

namespace bhttp = boost::beast::http;

// Answers with the response queued for the request's path ("/0", "/1", ...), inline or from
// another thread (as a store commit would).
class Scripted final : public Handler {
 public:
  explicit Scripted(std::vector<Response> responses) : responses_(std::move(responses)) {}
  void Handle(Request request, Responder respond) override {
    Response r = responses_.at(static_cast<size_t>(std::stoi(request.path.substr(1))));
    if (request.body == "later") {
      std::thread([r = std::move(r), respond = std::move(respond)]() mutable {
        respond(std::move(r));
      }).detach();
      return;
    }
    respond(std::move(r));
  }

 private:
  std::vector<Response> responses_;
};

// What Beast's serializer writes for `r` to an HTTP/1.1 keep-alive request (the server's
// general write path).
std::string BeastBytes(const Response& r, bool keep_alive) {
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  res.result(static_cast<unsigned>(r.status));
  res.set(bhttp::field::server, "bouncewatch");
  res.set(bhttp::field::content_type, r.content_type);
  res.body() = r.body;
  res.keep_alive(keep_alive && !r.close);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

// Sends one request and reads exactly `expected_size` bytes of answer.
std::string Exchange(boost::asio::ip::tcp::socket& socket, const std::string& path,
                     const std::string& body, size_t expected_size) {
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string answer(expected_size, '\0');
  boost::system::error_code ec;
  size_t n = boost::asio::read(socket, boost::asio::buffer(answer), ec);
  answer.resize(n);
  return answer;
}

TEST(ResponseBytes, PreparedHeadersEqualBeastsSerializer) {
  std::vector<Response> responses = {
      Response::Json(200, R"({"status":"stored","message_id":"m-1"})" "\n"),
      ErrorResponse(NotFound("a@example.com is not suppressed")),
      Response::Text(503, "store unavailable"),
      Response::Json(200, ""),
      Response::Text(431, "headers too large"),
      Response::Json(599, "{}"),
  };
  Response closing = Response::Json(400, R"({"error":"bad"})");
  closing.close = true;
  responses.push_back(closing);

  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  HttpServer server(options, std::make_shared<Scripted>(responses));
  ASSERT_TRUE(server.Start().has_value());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  for (size_t i = 0; i < responses.size(); ++i) {
    for (std::string how : {"now", "later"}) {
      if (responses[i].close && how == "now") {
        continue;  // a closing answer is sent once, last
      }
      const std::string expected = BeastBytes(responses[i], true);
      EXPECT_EQ(Exchange(socket, "/" + std::to_string(i), how, expected.size()), expected)
          << "response " << i << " answered " << how;
    }
  }
  // The closing answer ends the connection.
  char byte;
  boost::system::error_code ec;
  EXPECT_EQ(socket.read_some(boost::asio::buffer(&byte, 1), ec), 0u);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();
  server.Stop();
}

TEST(ResponseBytes, ErrorBodyIsTheSerializedErrorObject) {
  for (const std::string& message :
       {std::string("plain"), std::string("quote \" backslash \\ slash / tab \t newline \n"),
        std::string("control \x01\x1f and UTF-8 \xc3\xa9\xe2\x82\xac"), std::string()}) {
    for (const Error& e : {InvalidInput(message), NotFound(message), Unavailable(message),
                           Internal(message), PermissionDenied(message)}) {
      boost::json::object err{{"code", CodeName(e.code())}, {"message", e.message()}};
      boost::json::object body{{"error", std::move(err)}};
      Response r = ErrorResponse(e);
      EXPECT_EQ(r.body, boost::json::serialize(body) + "\n");
      EXPECT_EQ(r.status, HttpStatusFor(e.code()));
      EXPECT_EQ(r.content_type, "application/json");
    }
  }
}

}  // namespace
}  // namespace bw::http
