// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/handler.h"

namespace bw::http {

// Dispatches a request to the handler registered for its path: an exact path, or a prefix
// ending in '/' (longest match wins). Unknown paths get 404; a known path with a method the
// route does not allow gets 405 with Allow. Routes are fixed before the server starts; Dispatch
// is then thread-safe.
class Router final : public Handler {
 public:
  // `methods` empty = any method. The router shares ownership of the handler.
  void Add(std::string path, std::vector<std::string> methods, std::shared_ptr<Handler> handler);
  void AddPrefix(std::string prefix, std::shared_ptr<Handler> handler);

  void Handle(Request request, Responder respond) override;

 private:
  struct Route {
    std::string path;
    bool prefix = false;
    std::vector<std::string> methods;
    std::shared_ptr<Handler> handler;
  };
  std::vector<Route> routes_;
};

}  // namespace bw::http
