// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace bw::http {

// One HTTP request, decoupled from Beast so handlers can be tested without sockets.
struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/v1/events?type=bounce"
  std::string path;    // target without the query
  std::string query;   // after '?', undecoded
  std::map<std::string, std::string> headers;  // names lower-cased; repeated headers: last wins
  std::string body;
  std::string remote;  // peer address

  // The header's value, or nullopt. `lower_name` must be lower case.
  std::optional<std::string> Header(std::string_view lower_name) const;
};

// A response body produced piece by piece and sent as it comes (chunked transfer encoding; for
// an HTTP/1.0 client, until the connection closes), so that a large listing never sits in
// memory whole.
class BodyStream {
 public:
  // A piece of the body and whether it is the last; or an error, which ends the response by
  // closing the connection (the client sees an incomplete body, never a complete-looking one).
  using Ready = std::function<void(Result<std::string> piece, bool last)>;
  virtual ~BodyStream() = default;
  // Produces the next piece and calls `ready` exactly once, from any thread (it may block in
  // its own threads, not in the caller's: the caller is an I/O thread). Not called again before
  // `ready` has run.
  virtual void Next(Ready ready) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response
  // When set, the body comes from here (streamed) and `body` is ignored.
  std::shared_ptr<BodyStream> stream;

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);
};

// Sends the response. May be called from any thread, exactly once.
using Responder = std::function<void(Response)>;

// Serves requests for a set of paths. Implementations must call `respond` exactly once per
// request, may do so later and from another thread (e.g. after a store commit), must not block
// the calling (I/O) thread for long, and must not throw.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request request, Responder respond) = 0;
};

// The one place where error codes become HTTP status codes.
int HttpStatusFor(Code code);

// {"error": {"code": "...", "message": "..."}} with the status of HttpStatusFor(e.code()).
Response ErrorResponse(const Error& e);

}  // namespace bw::http
