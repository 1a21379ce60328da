// SPDX-License-Identifier: Apache-2.0
#include "http/sns_handler.h"

#include <regex>

#include <spdlog/spdlog.h>

#include "ingest/ses/ses_mapper.h"
#include "ingest/sns/cert_url.h"

namespace bw::http {
namespace {

Response Ok(std::string_view status, std::string_view message_id) {
  return Response::Json(200, std::string(R"({"status":")") + std::string(status) +
                                 R"(","message_id":")" + std::string(message_id) + "\"}\n");
}

// <SubscriptionArn>arn:...</SubscriptionArn> from the ConfirmSubscription XML answer.
std::string ExtractSubscriptionArn(const std::string& xml) {
  static const std::regex kArn("<SubscriptionArn>\\s*([^<\\s]+)\\s*</SubscriptionArn>");
  std::smatch m;
  if (std::regex_search(xml, m, kArn)) {
    return m[1].str();
  }
  return {};
}

}  // namespace

SnsHandler::SnsHandler(SnsHandlerOptions options, sns::SnsVerifier& verifier,
                       store::Store& store, net::HttpClient& http_client, const Clock& clock,
                       BlockingExecutor blocking)
    : options_(std::move(options)), verifier_(verifier), store_(store),
      http_client_(http_client), clock_(clock), blocking_(std::move(blocking)) {}

Response SnsHandler::Reject(const Request& request, const Error& error) {
  switch (error.code()) {
    case Code::kInvalidInput:
    case Code::kTooLarge:
      stats_.rejected_invalid.fetch_add(1, std::memory_order_relaxed);
      break;
    case Code::kPermissionDenied:
    case Code::kUnauthenticated:
      stats_.rejected_forbidden.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      stats_.unavailable.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  const int status = HttpStatusFor(error.code());
  if (status >= 500) {
    spdlog::error("sns: cannot accept message from {} now ({}), SNS will retry: {}",
                  request.remote, status, error.message());
  } else {
    spdlog::warn("sns: rejected message from {} ({}): {}", request.remote, status,
                 error.message());
  }
  return ErrorResponse(error);
}

void SnsHandler::Handle(Request request, Responder respond) {
  auto lookup = [&request](std::string_view name) { return request.Header(name); };
  Result<sns::SnsMessage> verified = verifier_.Verify(request.body, lookup);
  if (verified.has_error()) {
    respond(Reject(request, verified.error()));
    return;
  }
  sns::SnsMessage message = std::move(*verified);
  switch (message.type) {
    case sns::SnsMessageType::kNotification:
      HandleNotification(request, std::move(message), std::move(respond));
      return;
    case sns::SnsMessageType::kSubscriptionConfirmation:
      HandleSubscriptionConfirmation(request, std::move(message), std::move(respond));
      return;
    case sns::SnsMessageType::kUnsubscribeConfirmation:
      HandleUnsubscribeConfirmation(request, std::move(message), std::move(respond));
      return;
  }
  respond(Reject(request, Internal("unhandled SNS message type")));
}

store::IngestBatch SnsHandler::RawBatch(const Request& request,
                                        const sns::SnsMessage& message) const {
  store::IngestBatch batch;
  batch.source = "sns";
  batch.dedup_key = message.message_id;
  batch.kind = std::string(sns::SnsMessageTypeName(message.type));
  batch.topic_arn = message.topic_arn;
  batch.raw = request.body;
  batch.received_at_ms = ToUnixMs(clock_.Now());
  return batch;
}

void SnsHandler::HandleNotification(const Request& request, sns::SnsMessage message,
                                    Responder respond) {
  store::IngestBatch batch = RawBatch(request, message);
  ses::SesContext context;
  context.sns_message_id = message.message_id;
  context.topic_arn = message.topic_arn;
  context.subscription_arn = request.Header("x-amz-sns-subscription-arn").value_or("");
  context.received_at_ms = batch.received_at_ms;
  Result<std::vector<FeedbackEvent>> events = ses::MapSesMessage(message.message, context);
  if (events.has_error()) {
    // The mapper keeps non-SES content as `unrecognized`; an error here is a bug. Keep the
    // message anyway: an authentic message is never dropped.
    spdlog::error("sns: mapping message {} failed (a bug): {}", message.message_id,
                  events.error().message());
    FeedbackEvent e;
    e.type = EventType::kUnrecognized;
    e.source = "ses";
    e.received_at_ms = batch.received_at_ms;
    e.origin.sns_message_id = message.message_id;
    e.origin.topic_arn = message.topic_arn;
    e.details["raw"] = message.message;
    e.details["why"] = events.error().message();
    batch.events.push_back(std::move(e));
  } else {
    batch.events = std::move(*events);
  }
  const size_t count = batch.events.size();
  std::string id = message.message_id;
  store_.IngestAsync(std::move(batch), [this, respond = std::move(respond), id, count,
                                        remote = request.remote](
                                           Result<store::IngestOutcome> r) {
    if (r.has_error()) {
      stats_.unavailable.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("sns: storing message {} from {} failed, answering 503 so SNS retries: {}",
                    id, remote, r.error().message());
      respond(ErrorResponse(r.error()));
      return;
    }
    if (*r == store::IngestOutcome::kDuplicate) {
      stats_.duplicates.fetch_add(1, std::memory_order_relaxed);
      respond(Ok("duplicate", id));
      return;
    }
    stats_.stored.fetch_add(1, std::memory_order_relaxed);
    stats_.events.fetch_add(count, std::memory_order_relaxed);
    respond(Ok("stored", id));
  });
}

void SnsHandler::HandleSubscriptionConfirmation(const Request& request, sns::SnsMessage message,
                                                Responder respond) {
  store::IngestBatch batch = RawBatch(request, message);
  blocking_([this, batch = std::move(batch), message = std::move(message),
             respond = std::move(respond), remote = request.remote]() mutable {
    Result<store::IngestOutcome> stored = store_.Ingest(std::move(batch));
    if (stored.has_error()) {
      respond(ErrorResponse(stored.error()));
      return;
    }
    store::Subscription sub;
    sub.topic_arn = message.topic_arn;
    sub.subscribe_url = message.subscribe_url;
    sub.updated_at_ms = ToUnixMs(clock_.Now());
    sub.last_message_at_ms = sub.updated_at_ms;
    if (!options_.auto_confirm) {
      sub.state = "manual";
      spdlog::warn(
          "sns: subscription to {} awaits confirmation; sns.auto_confirm is off, so visit {} to "
          "confirm it",
          message.topic_arn, message.subscribe_url);
      Status up = store_.UpsertSubscription(sub);
      respond(up.has_error() ? ErrorResponse(up.error()) : Ok("recorded", message.message_id));
      return;
    }
    auto fail = [&](const Error& e) {
      sub.state = "confirm_failed";
      sub.last_error = e.message();
      (void)store_.UpsertSubscription(sub);
      respond(Reject(Request{.remote = remote}, e));
    };
    if (Status url_ok = sns::ValidateSubscribeUrl(message.subscribe_url, message.topic_arn);
        url_ok.has_error()) {
      fail(url_ok.error());
      return;
    }
    Result<net::HttpResponse> answer =
        http_client_.Get(message.subscribe_url, options_.confirm_request);
    if (answer.has_error()) {
      fail(Unavailable("confirming the subscription to " + message.topic_arn + " failed: " +
                       answer.error().message()));
      return;
    }
    if (answer->status != 200) {
      fail(Unavailable("confirming the subscription to " + message.topic_arn + " failed: SNS "
                       "answered HTTP " + std::to_string(answer->status)));
      return;
    }
    sub.state = "confirmed";
    sub.subscription_arn = ExtractSubscriptionArn(answer->body);
    Status up = store_.UpsertSubscription(sub);
    if (up.has_error()) {
      respond(ErrorResponse(up.error()));
      return;
    }
    stats_.confirmations.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("sns: confirmed subscription {} to {}", sub.subscription_arn, sub.topic_arn);
    respond(Ok("confirmed", message.message_id));
  });
}

void SnsHandler::HandleUnsubscribeConfirmation(const Request& request, sns::SnsMessage message,
                                               Responder respond) {
  store::IngestBatch batch = RawBatch(request, message);
  blocking_([this, batch = std::move(batch), message = std::move(message),
             respond = std::move(respond)]() mutable {
    Result<store::IngestOutcome> stored = store_.Ingest(std::move(batch));
    if (stored.has_error()) {
      respond(ErrorResponse(stored.error()));
      return;
    }
    store::Subscription sub;
    sub.topic_arn = message.topic_arn;
    sub.subscribe_url = message.subscribe_url;
    sub.state = "unsubscribed";
    sub.updated_at_ms = ToUnixMs(clock_.Now());
    sub.last_message_at_ms = sub.updated_at_ms;
    Status up = store_.UpsertSubscription(sub);
    if (up.has_error()) {
      respond(ErrorResponse(up.error()));
      return;
    }
    spdlog::warn("sns: {} was unsubscribed; bouncewatch does not re-subscribe. To subscribe again, "
                 "visit {} or subscribe the endpoint anew",
                 message.topic_arn, message.subscribe_url);
    respond(Ok("recorded", message.message_id));
  });
}

}  // namespace bw::http
