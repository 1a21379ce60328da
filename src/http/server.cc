// SPDX-License-Identifier: Apache-2.0
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <spdlog/spdlog.h>

namespace bw::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Read buffer reserved per connection (see Session::Session). Larger requests still work: the
// buffer grows as Beast needs.
constexpr size_t kReadBufferBytes = 16 * 1024;

// Each I/O thread runs its own single-threaded io_context, and a connection lives on one of them
// for its whole life: its handlers never run concurrently, so it needs no strand (a strand's
// mutex and shared state on every completion). The concrete executor type (not Asio's
// type-erased any_io_executor) saves a type-erased copy, dispatch and destruction of the
// executor in every socket, timer and post operation.
using Executor = asio::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;

class Session;

// The deadlines of one I/O thread's connections, checked by one periodic timer instead of a
// timer armed and cancelled around every read and write (Beast's basic_stream: a timer wait, a
// cancel and two clock reads per operation). Time is counted in ticks of that timer; a deadline
// `After(d)` falls at least `d` after it was set (a late tick only makes it later), and at most
// about two ticks after that.
//
// Thread-safety: used only on its io_context's thread.
class Deadlines {
 public:
  Deadlines(asio::io_context& ioc, std::chrono::milliseconds tick)
      : timer_(ioc), tick_(std::max(tick, std::chrono::milliseconds(1))) {}

  void Start() { Arm(); }
  void Stop() { timer_.cancel(); }

  // A deadline `d` from now, in ticks.
  int64_t After(std::chrono::milliseconds d) const {
    return now_ + (d.count() + tick_.count() - 1) / tick_.count() + 1;
  }
  // The connection is checked at every tick from now on (it is forgotten once destroyed).
  void Add(std::weak_ptr<Session> session) { sessions_.push_back(std::move(session)); }

 private:
  void Arm();
  void OnTick();

  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                             Executor>
      timer_;
  const std::chrono::milliseconds tick_;
  int64_t now_ = 0;
  std::vector<std::weak_ptr<Session>> sessions_;
};

// The tick of the deadline timer: a sixteenth of the shortest timeout, between 5 ms and 500 ms
// (the default 15 s request timeout is enforced within 15–16 s).
std::chrono::milliseconds DeadlineTick(const ServerOptions& o) {
  auto shortest = std::min(o.request_timeout, o.handler_timeout);
  return std::clamp(shortest / 16, std::chrono::milliseconds(5), std::chrono::milliseconds(500));
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket&& socket, const ServerOptions& options, std::shared_ptr<Handler> handler,
          ServerStats& stats, Deadlines& deadlines)
      : socket_(std::move(socket)), options_(options), handler_(std::move(handler)),
        stats_(stats), deadlines_(deadlines) {
    // Beast reads max(512, free capacity) bytes at a time: from an empty buffer a 3 KB SNS
    // request took ~6 recvmsg calls. With room for a whole typical request reserved once per
    // connection (kept across requests: consume() does not shrink it) it takes one.
    buffer_.reserve(kReadBufferBytes);
  }

  // Called on any thread: starts the connection on its own I/O thread.
  void Run() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->deadlines_.Add(self);
      self->DoRead();
    });
  }

  // Called by Deadlines (on this connection's thread) at every tick.
  void CheckDeadline(int64_t now) {
    if (deadline_ == 0 || now < deadline_) {
      return;
    }
    // The pending read or write completes with operation_aborted; its handler sees timed_out_.
    deadline_ = 0;
    timed_out_ = true;
    Close();
  }

 private:
  // Every read and write has a deadline: a whole request within request_timeout (also the idle
  // keep-alive limit), each response write (or streamed piece) within request_timeout; the
  // handler (or the body stream, for each piece) must answer within handler_timeout. Past it the
  // connection is closed.
  void Arm(std::chrono::milliseconds timeout) { deadline_ = deadlines_.After(timeout); }
  void Disarm() { deadline_ = 0; }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    Arm(options_.request_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->OnRead(ec);
                      });
  }

  void OnRead(beast::error_code ec) {
    Disarm();
    if (timed_out_) {
      // A connection idle between requests just closes; one that sent part of a request is a
      // slow or stalled client.
      if (parser_->got_some() || buffer_.size() > 0) {
        stats_.timeouts.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("http: closing connection from {}: request not received within {} ms",
                     Remote(), options_.request_timeout.count());
      }
      Close();
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      Close();
      return;
    }
    if (ec == bhttp::error::body_limit) {
      stats_.too_large.fetch_add(1, std::memory_order_relaxed);
      Response r = ErrorResponse(TooLarge("request body is larger than server.max_body_bytes (" +
                                          std::to_string(options_.max_body_bytes) + " bytes)"));
      r.close = true;
      keep_alive_ = false;
      Write(std::move(r));
      return;
    }
    if (ec == bhttp::error::header_limit) {
      Response r = ErrorResponse(TooLarge("request headers are too large"));
      r.status = 431;
      r.close = true;
      keep_alive_ = false;
      Write(std::move(r));
      return;
    }
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        spdlog::debug("http: read from {} failed: {}", Remote(), ec.message());
        if (parser_->got_some() && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
          Response r = ErrorResponse(InvalidInput("malformed HTTP request: " + ec.message()));
          r.close = true;
          keep_alive_ = false;
          Write(std::move(r));
          return;
        }
      }
      Close();
      return;
    }
    stats_.requests.fetch_add(1, std::memory_order_relaxed);
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) {
      req.query = req.target.substr(q + 1);
    }
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (char& c : name) {
        if (c >= 'A' && c <= 'Z') {
          c = static_cast<char>(c - 'A' + 'a');
        }
      }
      req.headers.insert_or_assign(std::move(name), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    req.remote = Remote();
    // The handler answers through `respond`, exactly once per request: the request's number
    // guards against a second answer (a handler bug) without an allocation per request.
    const uint64_t number = ++requests_;
    Responder respond = [self = shared_from_this(), number](Response r) {
      uint64_t previous = number - 1;
      if (!self->answered_.compare_exchange_strong(previous, number)) {
        return;  // a handler bug: answered twice
      }
      if (self->socket_.get_executor().running_in_this_thread()) {
        self->Write(std::move(r));  // on this connection's thread (e.g. inside OnRead)
        return;
      }
      asio::post(self->socket_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    };
    Arm(options_.handler_timeout);  // while the handler works
    try {
      handler_->Handle(std::move(req), respond);
    } catch (const std::exception& e) {
      stats_.internal_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("http: handler threw (a bug): {}", e.what());
      Response r = ErrorResponse(Internal("internal error"));
      r.close = true;
      respond(std::move(r));
    }
  }

  void Write(Response r) {
    if (r.stream) {
      WriteStreamed(std::move(r));
      return;
    }
    if (version_ == 11 && r.headers.empty() && r.status >= 200 && r.status <= 999 &&
        r.status != 204 && r.status != 304) {
      WritePrepared(std::move(r));
      return;
    }
    try {
      auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
      res->version(version_);
      res->result(static_cast<unsigned>(r.status));
      res->set(bhttp::field::server, "bouncewatch");
      res->set(bhttp::field::content_type, r.content_type);
      for (const auto& [k, v] : r.headers) {
        res->set(k, v);
      }
      res->body() = std::move(r.body);
      if (r.close) {
        keep_alive_ = false;
      }
      res->keep_alive(keep_alive_);
      res->prepare_payload();
      Arm(options_.request_timeout);
      bhttp::async_write(socket_, *res,
                         [self = shared_from_this(), res](beast::error_code ec, size_t) {
                           self->OnWrite(ec);
                         });
    } catch (const std::exception& e) {
      stats_.internal_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("http: writing a response failed (a bug): {}", e.what());
      Close();
    }
  }

  // The common answer (HTTP/1.1, no extra headers, a status with a body: the SNS webhook's 200,
  // the API's JSON) with its header written straight into a buffer the session keeps, header and
  // body sent by one gather write. The bytes are those Beast's serializer writes for the same response (status
  // line, Server, Content-Type, Connection: close when closing, Content-Length), without its
  // per-response field list, message object and buffer-sequence machinery.
  void WritePrepared(Response r) {
    if (r.close) {
      keep_alive_ = false;
    }
    const std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    std::string& head = out_head_;
    head.clear();
    head.append("HTTP/1.1 ");
    head.append(std::to_string(r.status));
    head.push_back(' ');
    head.append(reason);
    head.append("\r\nServer: bouncewatch\r\nContent-Type: ");
    head.append(r.content_type);
    if (!keep_alive_) {
      head.append("\r\nConnection: close");
    }
    head.append("\r\nContent-Length: ");
    head.append(std::to_string(r.body.size()));
    head.append("\r\n\r\n");
    out_body_ = std::move(r.body);
    Arm(options_.request_timeout);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_),
                                                     asio::buffer(out_body_)};
    asio::async_write(socket_, buffers,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->OnWrite(ec);
                      });
  }

  // Header first, then each piece as the stream produces it: as a chunk (HTTP/1.1), or raw until
  // the connection closes (HTTP/1.0).
  void WriteStreamed(Response r) {
    try {
      auto res = std::make_shared<bhttp::response<bhttp::empty_body>>();
      res->version(version_);
      res->result(static_cast<unsigned>(r.status));
      res->set(bhttp::field::server, "bouncewatch");
      res->set(bhttp::field::content_type, r.content_type);
      for (const auto& [k, v] : r.headers) {
        res->set(k, v);
      }
      const bool chunked = version_ >= 11;
      if (r.close || !chunked) {
        keep_alive_ = false;
      }
      res->keep_alive(keep_alive_);
      if (chunked) {
        res->chunked(true);
      }
      auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
      Arm(options_.request_timeout);
      bhttp::async_write_header(
          socket_, *sr,
          [self = shared_from_this(), res, sr, body = std::move(r.stream), chunked](
              beast::error_code ec, size_t) {
            self->Disarm();
            if (ec) {
              self->Close();
              return;
            }
            self->NextPiece(body, chunked);
          });
    } catch (const std::exception& e) {
      stats_.internal_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("http: writing a streamed response failed (a bug): {}", e.what());
      Close();
    }
  }

  void NextPiece(std::shared_ptr<BodyStream> body, bool chunked) {
    Arm(options_.handler_timeout);
    auto self = shared_from_this();
    body->Next([self, body, chunked](Result<std::string> piece, bool last) {
      asio::post(self->socket_.get_executor(),
                 [self, body, chunked, piece = std::move(piece), last]() mutable {
                   self->WritePiece(std::move(body), chunked, std::move(piece), last);
                 });
    });
  }

  void WritePiece(std::shared_ptr<BodyStream> body, bool chunked, Result<std::string> piece,
                  bool last) {
    if (!piece) {
      spdlog::warn("http: streamed response to {} ended early: {}", Remote(),
                   piece.error().message());
      Close();
      return;
    }
    auto data = std::make_shared<std::string>(std::move(*piece));
    auto self = shared_from_this();
    auto after = [self, body, chunked, last, data](beast::error_code ec, size_t) {
      self->Disarm();
      if (ec) {
        self->Close();
        return;
      }
      if (!last) {
        self->NextPiece(body, chunked);
        return;
      }
      if (!chunked) {
        self->Close();
        return;
      }
      self->Arm(self->options_.request_timeout);
      asio::async_write(self->socket_, bhttp::make_chunk_last(),
                        [self](beast::error_code ec2, size_t) { self->OnWrite(ec2); });
    };
    Arm(options_.request_timeout);
    if (data->empty()) {
      after({}, 0);  // an empty chunk would end a chunked body
    } else if (chunked) {
      asio::async_write(socket_, bhttp::make_chunk(asio::buffer(*data)), std::move(after));
    } else {
      asio::async_write(socket_, asio::buffer(*data), std::move(after));
    }
  }

  void OnWrite(beast::error_code ec) {
    Disarm();
    if (ec || timed_out_) {
      Close();
      return;
    }
    if (!keep_alive_) {
      Close();
      return;
    }
    DoRead();
  }

  void Close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  // The peer's address, looked up once per connection (not a getpeername and formatting per
  // request).
  const std::string& Remote() {
    if (remote_.empty()) {
      beast::error_code ec;
      auto ep = socket_.remote_endpoint(ec);
      remote_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    return remote_;
  }

  Socket socket_;
  const ServerOptions& options_;
  std::shared_ptr<Handler> handler_;
  ServerStats& stats_;
  Deadlines& deadlines_;
  // The pending read's or write's deadline in Deadlines ticks; 0 while there is none.
  int64_t deadline_ = 0;
  bool timed_out_ = false;  // closed by CheckDeadline
  beast::flat_buffer buffer_;
  std::string remote_;  // see Remote()
  // The header and body of the response being written by WritePrepared (kept across requests
  // so that the header's buffer is reused).
  std::string out_head_;
  std::string out_body_;
  // Requests read (on this connection's thread) and answered (by any thread, see OnRead).
  uint64_t requests_ = 0;
  std::atomic<uint64_t> answered_{0};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

void Deadlines::Arm() {
  timer_.expires_after(tick_);
  timer_.async_wait([this](beast::error_code ec) {
    if (!ec) {
      OnTick();
    }
  });
}

void Deadlines::OnTick() {
  ++now_;
  // Forget destroyed connections (swap-remove) and cut off those past their deadline.
  for (size_t i = 0; i < sessions_.size();) {
    if (auto s = sessions_[i].lock()) {
      s->CheckDeadline(now_);
      ++i;
    } else {
      sessions_[i] = std::move(sessions_.back());
      sessions_.pop_back();
    }
  }
  Arm();
}

}  // namespace

// One single-threaded io_context per I/O thread, each with its connections' deadlines; the
// acceptor runs on the first and deals accepted connections to the threads in turn.
struct HttpServer::Impl {
  struct Thread {
    Thread(std::chrono::milliseconds tick)
        : ioc(1), work(asio::make_work_guard(ioc)), deadlines(ioc, tick) {}
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    Deadlines deadlines;
  };
  Impl(int threads, std::chrono::milliseconds tick) {
    for (int i = 0; i < threads; ++i) {
      io.push_back(std::make_unique<Thread>(tick));
    }
    acceptor.emplace(io[0]->ioc);
  }
  std::vector<std::unique_ptr<Thread>> io;
  std::optional<tcp::acceptor> acceptor;
  size_t next = 0;  // the thread the next connection goes to (acceptor's thread only)
  std::atomic<bool> stopping{false};
};

namespace {

void Accept(HttpServer::Impl* impl, const ServerOptions* options,
            std::shared_ptr<Handler> handler, ServerStats* stats);

}  // namespace

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<Handler> handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  if (options_.threads < 1) {
    options_.threads = 1;
  }
  impl_ = std::make_unique<Impl>(options_.threads, DeadlineTick(options_));
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    // Resolve a host name such as "localhost".
    tcp::resolver resolver(impl_->io[0]->ioc);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      return InvalidInput("cannot resolve listen host \"" + options_.host + "\"");
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, options_.port);
  auto& acc = *impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       ": " + ec.message());
  }
  bound_port_ = acc.local_endpoint().port();
  Accept(impl_.get(), &options_, handler_, &stats_);
  for (auto& io : impl_->io) {
    asio::post(io->ioc, [d = &io->deadlines] { d->Start(); });
    threads_.emplace_back([this, ioc = &io->ioc] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          stats_.internal_errors.fetch_add(1, std::memory_order_relaxed);
          spdlog::error("http: I/O thread caught (a bug): {}", e.what());
        }
      }
    });
  }
  return {};
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) {
    return;
  }
  asio::post(impl_->acceptor->get_executor(), [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor->close(ec);
  });
  for (auto& io : impl_->io) {
    io->ioc.stop();
  }
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

namespace {

void Accept(HttpServer::Impl* impl, const ServerOptions* options,
            std::shared_ptr<Handler> handler, ServerStats* stats) {
  HttpServer::Impl::Thread& io = *impl->io[impl->next];
  impl->acceptor->async_accept(
      io.ioc.get_executor(),
      [impl, options, handler, stats, &io](beast::error_code ec, Socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted || impl->stopping) {
            return;
          }
          spdlog::warn("http: accept failed: {}", ec.message());
        } else {
          stats->connections.fetch_add(1, std::memory_order_relaxed);
          beast::error_code opt_ec;
          socket.set_option(tcp::no_delay(true), opt_ec);
          std::make_shared<Session>(std::move(socket), *options, handler, *stats, io.deadlines)
              ->Run();
          impl->next = (impl->next + 1) % impl->io.size();
        }
        Accept(impl, options, handler, stats);
      });
}

}  // namespace

}  // namespace bw::http
