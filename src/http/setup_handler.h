// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "http/blocking_executor.h"
#include "http/handler.h"
#include "http/session_store.h"
#include "store/store.h"

namespace bw::http {

struct SetupOptions {
  // [server] public_url: how SNS reaches this server ("https://bounces.example.com"). Empty =
  // derived from the request's Host (and X-Forwarded-Proto), with a hint to set it.
  std::string public_url;
  std::vector<std::string> topics;  // [sns] topics, the allow-list
  SessionStore* sessions = nullptr;  // accept the dashboard's session cookie; may be null
};

// GET /v1/setup (scope read): what to subscribe and how (docs/api.md "Setup"):
// {"endpoint_url", "public_url_configured", "topics": [{"topic_arn", "region", "allowed",
//  "state", "subscription_arn", "last_message_at", "updated_at", "last_error"}],
//  "commands": [{"title", "command"}]}. Topics are the allow-list plus every subscription the
// store knows (a known but not allowed topic has "allowed": false); "last_message_at" is the
// subscription's, else the newest of the last 500 stored events from the topic. Commands are AWS CLI lines
// with YOUR_IDENTITY where the SES identity (domain or address) goes. Thread-safe.
class SetupHandler final : public Handler {
 public:
  SetupHandler(SetupOptions options, store::Store& store, BlockingExecutor blocking);
  void Handle(Request request, Responder respond) override;
  Response Serve(const Request& request);

 private:
  SetupOptions options_;
  store::Store& store_;
  BlockingExecutor blocking_;
};

}  // namespace bw::http
