// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
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

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response

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
