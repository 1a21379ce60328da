// SPDX-License-Identifier: Apache-2.0
#include "http/handler.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace bw::http {

std::optional<std::string> Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  if (it == headers.end()) {
    return std::nullopt;
  }
  return it->second;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  if (r.body.empty() || r.body.back() != '\n') {
    r.body += '\n';
  }
  return r;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kInvalidInput:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const Error& e) {
  // The text boost::json::serialize gives for {"error": {"code": ..., "message": ...}}, written
  // without building the object tree (half the answers of a suppression check are 404s).
  std::string body = R"({"error":{"code":)";
  body += boost::json::serialize(boost::json::string_view(CodeName(e.code())));
  body += R"(,"message":)";
  body += boost::json::serialize(boost::json::string_view(e.message()));
  body += "}}\n";
  return Response::Json(HttpStatusFor(e.code()), std::move(body));
}

}  // namespace bw::http
