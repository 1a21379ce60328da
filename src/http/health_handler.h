// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "http/blocking_executor.h"
#include "http/handler.h"
#include "store/store.h"

namespace bw::http {

// GET /healthz: 200 while the process serves requests (liveness).
class HealthHandler final : public Handler {
 public:
  void Handle(Request request, Responder respond) override;
};

// GET /readyz: 200 when the store accepts writes now, else 503 with the reason (readiness: a
// load balancer stops sending to an instance whose database is unavailable).
class ReadyHandler final : public Handler {
 public:
  ReadyHandler(store::Store& store, BlockingExecutor blocking)
      : store_(store), blocking_(std::move(blocking)) {}
  void Handle(Request request, Responder respond) override;

 private:
  store::Store& store_;
  BlockingExecutor blocking_;
};

}  // namespace bw::http
