// SPDX-License-Identifier: Apache-2.0
#include "http/setup_handler.h"

#include <algorithm>
#include <exception>
#include <map>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "http/api_auth.h"

namespace bw::http {
namespace {

namespace json = boost::json;

// How many of the newest events are searched for a topic's last delivery when its subscription
// does not say.
constexpr size_t kRecentEvents = 500;

json::value TimeOrNull(int64_t ms) {
  return ms == 0 ? json::value(nullptr) : json::value(FormatIso8601Ms(ms));
}

// arn:aws:sns:REGION:ACCOUNT:NAME -> REGION ("" when not an ARN).
std::string RegionOf(const std::string& arn) {
  size_t p = 0;
  for (int i = 0; i < 3; ++i) {
    p = arn.find(':', p);
    if (p == std::string::npos) {
      return "";
    }
    ++p;
  }
  size_t e = arn.find(':', p);
  return e == std::string::npos ? "" : arn.substr(p, e - p);
}

// A Host header value that can go into a URL and a shell command: host name or address
// characters and a port, nothing else.
bool PlainHost(std::string_view host) {
  if (host.empty() || host.size() > 255) {
    return false;
  }
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

SetupHandler::SetupHandler(SetupOptions options, store::Store& store, BlockingExecutor blocking)
    : options_(std::move(options)), store_(store), blocking_(std::move(blocking)) {}

void SetupHandler::Handle(Request request, Responder respond) {
  blocking_([this, request = std::move(request), respond = std::move(respond)]() mutable {
    Response r;
    try {
      r = Serve(request);
    } catch (const std::exception& e) {
      spdlog::error("setup: unexpected exception: {}", e.what());
      r = ErrorResponse(Internal("internal error"));
      r.close = true;
    }
    respond(std::move(r));
  });
}

Response SetupHandler::Serve(const Request& req) {
  if (req.method != "GET") {
    Response r = ErrorResponse(Error(Code::kInvalidInput,
                                     req.method + " is not allowed on /v1/setup; use GET"));
    r.status = 405;
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  auto token = Authenticate(store_, options_.sessions, req, Scope::kRead);
  if (!token) {
    return ErrorResponse(token.error());
  }
  if (!req.query.empty()) {
    return ErrorResponse(InvalidInput("/v1/setup takes no query parameters"));
  }
  auto subs = store_.ListSubscriptions();
  if (!subs) {
    return ErrorResponse(subs.error());
  }

  std::string base = options_.public_url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  bool configured = !base.empty();
  if (!configured) {
    std::string host = req.Header("host").value_or("");
    if (!PlainHost(host)) {
      host = "YOUR_HOST";
    }
    std::string proto = req.Header("x-forwarded-proto").value_or("") == "https" ? "https" : "http";
    base = proto + "://" + host;
  }
  const std::string endpoint = base + "/webhooks/sns";

  std::map<std::string, const store::Subscription*> by_topic;
  for (const auto& s : *subs) {
    by_topic[s.topic_arn] = &s;
  }
  json::array topics;
  std::vector<std::string> names = options_.topics;
  for (const auto& s : *subs) {
    if (std::find(names.begin(), names.end(), s.topic_arn) == names.end()) {
      names.push_back(s.topic_arn);
    }
  }
  // When the topic never confirmed a subscription here (e.g. subscribed by hand, or the
  // simulator), its last delivery comes from the newest stored events instead.
  std::map<std::string, int64_t> last_event_ms;
  bool missing = false;
  for (const auto& arn : names) {
    auto it = by_topic.find(arn);
    missing = missing || it == by_topic.end() || it->second->last_message_at_ms == 0;
  }
  if (missing) {
    store::EventQuery q;
    q.limit = kRecentEvents;
    auto recent = store_.QueryEvents(q);
    if (!recent) {
      return ErrorResponse(recent.error());
    }
    for (const auto& e : *recent) {  // newest first
      last_event_ms.emplace(e.origin.topic_arn, e.received_at_ms);
    }
  }
  json::array commands;
  for (const auto& arn : names) {
    bool allowed = std::find(options_.topics.begin(), options_.topics.end(), arn) !=
                   options_.topics.end();
    auto it = by_topic.find(arn);
    const store::Subscription* s = it == by_topic.end() ? nullptr : it->second;
    std::string region = RegionOf(arn);
    topics.push_back(json::object{
        {"topic_arn", arn},
        {"region", region},
        {"allowed", allowed},
        {"state", s != nullptr ? json::value(s->state) : json::value("not_subscribed")},
        {"subscription_arn", s != nullptr && !s->subscription_arn.empty()
                                 ? json::value(s->subscription_arn)
                                 : json::value(nullptr)},
        {"last_message_at",
         TimeOrNull(s != nullptr && s->last_message_at_ms != 0
                        ? s->last_message_at_ms
                        : (last_event_ms.count(arn) ? last_event_ms[arn] : 0))},
        {"updated_at", s != nullptr ? TimeOrNull(s->updated_at_ms) : nullptr},
        {"last_error", s != nullptr && !s->last_error.empty() ? json::value(s->last_error)
                                                              : json::value(nullptr)},
    });
    if (!allowed) {
      continue;
    }
    std::string r = region.empty() ? "" : " --region " + region;
    commands.push_back(json::object{
        {"title", "Subscribe this server to " + arn},
        {"command", "aws sns subscribe" + r + " --topic-arn " + arn +
                        " --protocol https --notification-endpoint " + endpoint}});
    std::string notify;
    std::string headers;
    for (const char* type : {"Bounce", "Complaint", "Delivery"}) {
      notify += "aws ses set-identity-notification-topic" + r +
                " --identity YOUR_IDENTITY --notification-type " + type + " --sns-topic " + arn +
                "\n";
      headers += "aws ses set-identity-headers-in-notifications-enabled" + r +
                 " --identity YOUR_IDENTITY --notification-type " + type + " --enabled\n";
    }
    notify.pop_back();
    headers.pop_back();
    commands.push_back(json::object{
        {"title", "Send the identity's bounces, complaints and deliveries to " + arn},
        {"command", notify}});
    commands.push_back(json::object{
        {"title", "Include the original mail's headers (subject) in those notifications"},
        {"command", headers}});
  }
  json::object body{{"endpoint_url", endpoint},
                    {"public_url_configured", configured},
                    {"topics", std::move(topics)},
                    {"commands", std::move(commands)}};
  return Response::Json(200, json::serialize(body) + "\n");
}

}  // namespace bw::http
