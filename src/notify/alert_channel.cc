// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_channel.h"

#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/event_json.h"
#include "notify/alert_json.h"

namespace bw::notify {

std::string_view AlertKindName(Alert::Kind k) {
  switch (k) {
    case Alert::Kind::kEvents:
      return "events";
    case Alert::Kind::kLevelChange:
      return "level_change";
    case Alert::Kind::kDigest:
      return "digest";
  }
  return "events";
}

EmailChannel::EmailChannel(Mailer& mailer, std::string from, std::vector<std::string> to)
    : mailer_(mailer), from_(std::move(from)), to_(std::move(to)) {}

Status EmailChannel::Deliver(const Alert& alert) {
  MailMessage m;
  m.from = from_;
  m.to = to_;
  m.subject = alert.content.subject;
  m.text = alert.content.text;
  m.html = alert.content.html;
  return mailer_.Send(m);
}

namespace {

// Webhook URLs often carry their secret in the path (Slack: /services/T../B../secret): name only
// the scheme and host in messages and logs.
std::string SchemeAndHost(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    return "<webhook>";
  }
  const size_t end = url.find_first_of("/?#", scheme + 3);
  std::string host = url.substr(0, end);
  const size_t at = host.find('@', scheme + 3);
  if (at != std::string::npos) {
    host = host.substr(0, scheme + 3) + host.substr(at + 1);
  }
  return host + "/...";
}

}  // namespace

WebhookChannel::WebhookChannel(net::HttpClient& client, Options options)
    : client_(client), options_(std::move(options)) {}

Status WebhookChannel::Deliver(const Alert& alert) {
  net::RequestOptions request;
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.timeout;
  request.max_body_bytes = 64 * 1024;  // the answer is not used
  auto r = client_.Post(options_.url, WebhookBody(alert, options_.instance_name),
                        {{"Content-Type", "application/json"}}, request);
  if (!r) {
    // The client's message names the URL with its path: keep the secret out of logs.
    std::string message = r.error().message();
    const size_t scheme = options_.url.find("://");
    const size_t path = scheme == std::string::npos ? std::string::npos
                                                    : options_.url.find('/', scheme + 3);
    if (path != std::string::npos) {
      const size_t path_end = options_.url.find_first_of("?#", path);
      const std::string secret = options_.url.substr(path, path_end - path);
      for (size_t at = message.find(secret); secret.size() > 1 && at != std::string::npos;
           at = message.find(secret, at)) {
        message.replace(at, secret.size(), "/...");
      }
    }
    return Error(r.error().code(), message);
  }
  if (r->status < 200 || r->status > 299) {
    std::string body = r->body.substr(0, 200);
    return Unavailable("webhook " + SchemeAndHost(options_.url) + " answered " +
                       std::to_string(r->status) + (body.empty() ? "" : ": " + body));
  }
  return {};
}

std::string WebhookBody(const Alert& alert, std::string_view instance_name) {
  namespace json = boost::json;
  json::object o;
  // Slack-style incoming webhooks show `text`; the subject leads it.
  o["text"] = alert.content.subject + "\n\n" + alert.content.text;
  o["kind"] = AlertKindName(alert.kind);
  o["subject"] = alert.content.subject;
  if (!instance_name.empty()) {
    o["instance"] = instance_name;
  }
  switch (alert.kind) {
    case Alert::Kind::kEvents: {
      json::array events;
      for (const FeedbackEvent& e : alert.events) {
        events.push_back(EventToJson(e));
      }
      o["events"] = std::move(events);
      o["omitted"] = alert.omitted;
      break;
    }
    case Alert::Kind::kLevelChange:
      o["level_change"] = LevelChangeToJson(alert.level_change);
      break;
    case Alert::Kind::kDigest:
      o["digest"] = DigestToJson(alert.digest);
      break;
  }
  return json::serialize(o);
}

}  // namespace bw::notify
