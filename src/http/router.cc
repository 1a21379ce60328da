// SPDX-License-Identifier: Apache-2.0
#include "http/router.h"

#include <algorithm>

namespace bw::http {

void Router::Add(std::string path, std::vector<std::string> methods,
                 std::shared_ptr<Handler> handler) {
  routes_.push_back(Route{std::move(path), false, std::move(methods), std::move(handler)});
}

void Router::AddPrefix(std::string prefix, std::shared_ptr<Handler> handler) {
  routes_.push_back(Route{std::move(prefix), true, {}, std::move(handler)});
}

void Router::Handle(Request request, Responder respond) {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    bool match = r.prefix ? request.path.rfind(r.path, 0) == 0 : request.path == r.path;
    if (match && (best == nullptr || (!r.prefix && best->prefix) ||
                  (r.prefix == best->prefix && r.path.size() > best->path.size()))) {
      best = &r;
    }
  }
  if (best == nullptr) {
    respond(ErrorResponse(NotFound("no such path: " + request.path)));
    return;
  }
  if (!best->methods.empty() &&
      std::find(best->methods.begin(), best->methods.end(), request.method) ==
          best->methods.end()) {
    std::string allow;
    for (const auto& m : best->methods) {
      allow += allow.empty() ? m : ", " + m;
    }
    Response r = Response::Json(
        405, R"({"error":{"code":"method_not_allowed","message":")" + request.method +
                 " is not allowed on " + request.path + "; use " + allow + "\"}}\n");
    r.headers.emplace_back("Allow", allow);
    respond(std::move(r));
    return;
  }
  best->handler->Handle(std::move(request), std::move(respond));
}

}  // namespace bw::http
