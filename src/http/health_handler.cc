// SPDX-License-Identifier: Apache-2.0
#include "http/health_handler.h"

namespace bw::http {

void HealthHandler::Handle(Request, Responder respond) { respond(Response::Text(200, "ok")); }

void ReadyHandler::Handle(Request, Responder respond) {
  blocking_([this, respond = std::move(respond)] {
    Status s = store_.CheckWritable();
    if (s.has_error()) {
      respond(Response::Text(503, "not ready: " + s.error().message()));
      return;
    }
    respond(Response::Text(200, "ready"));
  });
}

}  // namespace bw::http
