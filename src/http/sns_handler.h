// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/clock.h"
#include "http/blocking_executor.h"
#include "http/handler.h"
#include "ingest/sns/sns_verifier.h"
#include "net/http_client.h"
#include "store/store.h"

namespace bw::http {

struct SnsHandlerOptions {
  bool auto_confirm = true;  // visit SubscribeURL of allowed topics (sns.auto_confirm)
  net::RequestOptions confirm_request;  // timeouts for the SubscribeURL visit
};

// Counters by outcome, for /metrics and tests.
struct SnsHandlerStats {
  std::atomic<uint64_t> stored{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> rejected_invalid{0};    // 400
  std::atomic<uint64_t> rejected_forbidden{0};  // 403 (signature, topic, URL, raw delivery)
  std::atomic<uint64_t> unavailable{0};         // 503 (store or certificate fetch)
  std::atomic<uint64_t> confirmations{0};
  std::atomic<uint64_t> events{0};
};

// POST /webhooks/sns: Amazon SNS deliveries.
//
// A Notification is verified (SnsVerifier), mapped to one event per recipient (SES content) or
// kept as one `unrecognized` event, and answered 200 only after the store committed it (or found
// its MessageId already stored). A SubscriptionConfirmation for an allowed topic is recorded and,
// with auto_confirm, confirmed by visiting its SubscribeURL (503 when that fails, so SNS retries);
// an UnsubscribeConfirmation is recorded and never re-subscribed.
// Answers: 400 not an SNS message, 403 not authentic / not allowed, 503 store or network down.
class SnsHandler final : public Handler {
 public:
  // All references must outlive the handler.
  SnsHandler(SnsHandlerOptions options, sns::SnsVerifier& verifier, store::Store& store,
             net::HttpClient& http_client, const Clock& clock, BlockingExecutor blocking);

  void Handle(Request request, Responder respond) override;

  const SnsHandlerStats& stats() const { return stats_; }

 private:
  void HandleNotification(const Request& request, sns::SnsMessage message, Responder respond);
  void HandleSubscriptionConfirmation(const Request& request, sns::SnsMessage message,
                                      Responder respond);
  void HandleUnsubscribeConfirmation(const Request& request, sns::SnsMessage message,
                                     Responder respond);
  store::IngestBatch RawBatch(const Request& request, const sns::SnsMessage& message) const;
  Response Reject(const Request& request, const Error& error);

  SnsHandlerOptions options_;
  sns::SnsVerifier& verifier_;
  store::Store& store_;
  net::HttpClient& http_client_;
  const Clock& clock_;
  BlockingExecutor blocking_;
  SnsHandlerStats stats_;
};

}  // namespace bw::http
