// SPDX-License-Identifier: Apache-2.0
#include "core/event_json.h"

#include <boost/json/serialize.hpp>

#include "core/time_format.h"

namespace bw {
namespace json = boost::json;
namespace {

void PutIfNotEmpty(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) {
    o[key] = v;
  }
}

std::string GetString(const json::object& o, std::string_view key) {
  if (const json::value* v = o.if_contains(key); v != nullptr && v->is_string()) {
    return std::string(v->get_string());
  }
  return {};
}

json::value TimeOrNull(int64_t ms) {
  if (ms == 0) {
    return nullptr;
  }
  return json::value(FormatIso8601Ms(ms));
}

int64_t GetTime(const json::object& o, std::string_view key) {
  std::string s = GetString(o, key);
  if (s.empty()) {
    return 0;
  }
  return ParseIso8601Ms(s).value_or(0);
}

}  // namespace

json::object EventToJson(const FeedbackEvent& e) {
  json::object o;
  o["id"] = e.id;
  o["type"] = EventTypeName(e.type);
  o["recipient"] = e.recipient;
  o["occurred_at"] = TimeOrNull(e.occurred_at_ms);
  o["received_at"] = TimeOrNull(e.received_at_ms);
  o["source"] = e.source;
  if (e.bounce) {
    const BounceInfo& b = *e.bounce;
    json::object bo;
    bo["class"] = BounceClassName(b.bounce_class);
    bo["ses_type"] = b.ses_type;
    bo["ses_subtype"] = b.ses_subtype;
    bo["status"] = b.status;
    bo["action"] = b.action;
    bo["diagnostic"] = b.diagnostic;
    bo["reason"] = b.reason;
    bo["reporting_mta"] = b.reporting_mta;
    PutIfNotEmpty(bo, "remote_mta_ip", b.remote_mta_ip);
    PutIfNotEmpty(bo, "feedback_id", b.feedback_id);
    o["bounce"] = std::move(bo);
  } else {
    o["bounce"] = nullptr;
  }
  if (e.complaint) {
    const ComplaintInfo& c = *e.complaint;
    json::object co;
    co["feedback_type"] = c.feedback_type;
    co["sub_type"] = c.sub_type;
    co["user_agent"] = c.user_agent;
    co["arrival_date"] = c.arrival_date;
    PutIfNotEmpty(co, "feedback_id", c.feedback_id);
    o["complaint"] = std::move(co);
  } else {
    o["complaint"] = nullptr;
  }
  const MailInfo& m = e.mail;
  json::object mo;
  mo["message_id"] = m.message_id;
  PutIfNotEmpty(mo, "header_message_id", m.header_message_id);
  mo["from"] = m.from;
  mo["subject"] = m.subject;
  PutIfNotEmpty(mo, "sent_at", m.sent_at);
  mo["sending_account_id"] = m.sending_account_id;
  mo["source_arn"] = m.source_arn;
  PutIfNotEmpty(mo, "source_ip", m.source_ip);
  PutIfNotEmpty(mo, "caller_identity", m.caller_identity);
  mo["configuration_set"] = m.configuration_set;
  json::object tags;
  for (const auto& [k, vs] : m.tags) {
    json::array a;
    for (const auto& v : vs) {
      a.emplace_back(v);
    }
    tags[k] = std::move(a);
  }
  mo["tags"] = std::move(tags);
  if (!m.destination.empty()) {
    json::array a;
    for (const auto& d : m.destination) {
      a.emplace_back(d);
    }
    mo["destination"] = std::move(a);
  }
  if (!m.headers.empty()) {
    json::array a;
    for (const auto& [name, value] : m.headers) {
      a.emplace_back(json::object{{"name", name}, {"value", value}});
    }
    mo["headers"] = std::move(a);
  }
  if (m.headers_truncated) {
    mo["headers_truncated"] = true;
  }
  o["mail"] = std::move(mo);
  json::object oo;
  PutIfNotEmpty(oo, "sns_message_id", e.origin.sns_message_id);
  PutIfNotEmpty(oo, "topic_arn", e.origin.topic_arn);
  PutIfNotEmpty(oo, "subscription_arn", e.origin.subscription_arn);
  PutIfNotEmpty(oo, "file", e.origin.file);
  o["origin"] = std::move(oo);
  if (!e.details.empty()) {
    o["details"] = e.details;
  }
  return o;
}

Result<FeedbackEvent> EventFromJson(const json::value& v) {
  if (!v.is_object()) {
    return InvalidInput("event is not a JSON object");
  }
  const json::object& o = v.get_object();
  FeedbackEvent e;
  e.id = GetString(o, "id");
  std::string type = GetString(o, "type");
  auto t = ParseEventType(type);
  if (!t) {
    return InvalidInput("event has unknown type \"" + type + "\"");
  }
  e.type = *t;
  e.recipient = GetString(o, "recipient");
  e.occurred_at_ms = GetTime(o, "occurred_at");
  e.received_at_ms = GetTime(o, "received_at");
  e.source = GetString(o, "source");
  if (const json::value* b = o.if_contains("bounce"); b != nullptr && b->is_object()) {
    const json::object& bo = b->get_object();
    BounceInfo bi;
    bi.bounce_class = ParseBounceClass(GetString(bo, "class")).value_or(BounceClass::kUndetermined);
    bi.ses_type = GetString(bo, "ses_type");
    bi.ses_subtype = GetString(bo, "ses_subtype");
    bi.status = GetString(bo, "status");
    bi.action = GetString(bo, "action");
    bi.diagnostic = GetString(bo, "diagnostic");
    bi.reason = GetString(bo, "reason");
    bi.reporting_mta = GetString(bo, "reporting_mta");
    bi.remote_mta_ip = GetString(bo, "remote_mta_ip");
    bi.feedback_id = GetString(bo, "feedback_id");
    e.bounce = std::move(bi);
  }
  if (const json::value* c = o.if_contains("complaint"); c != nullptr && c->is_object()) {
    const json::object& co = c->get_object();
    ComplaintInfo ci;
    ci.feedback_type = GetString(co, "feedback_type");
    ci.sub_type = GetString(co, "sub_type");
    ci.user_agent = GetString(co, "user_agent");
    ci.arrival_date = GetString(co, "arrival_date");
    ci.feedback_id = GetString(co, "feedback_id");
    e.complaint = std::move(ci);
  }
  if (const json::value* m = o.if_contains("mail"); m != nullptr && m->is_object()) {
    const json::object& mo = m->get_object();
    MailInfo& mi = e.mail;
    mi.message_id = GetString(mo, "message_id");
    mi.header_message_id = GetString(mo, "header_message_id");
    mi.from = GetString(mo, "from");
    mi.subject = GetString(mo, "subject");
    mi.sent_at = GetString(mo, "sent_at");
    mi.sending_account_id = GetString(mo, "sending_account_id");
    mi.source_arn = GetString(mo, "source_arn");
    mi.source_ip = GetString(mo, "source_ip");
    mi.caller_identity = GetString(mo, "caller_identity");
    mi.configuration_set = GetString(mo, "configuration_set");
    if (const json::value* tags = mo.if_contains("tags"); tags != nullptr && tags->is_object()) {
      for (const auto& kv : tags->get_object()) {
        std::vector<std::string> vals;
        if (kv.value().is_array()) {
          for (const auto& x : kv.value().get_array()) {
            if (x.is_string()) {
              vals.emplace_back(x.get_string());
            }
          }
        }
        mi.tags[std::string(kv.key())] = std::move(vals);
      }
    }
    if (const json::value* d = mo.if_contains("destination"); d != nullptr && d->is_array()) {
      for (const auto& x : d->get_array()) {
        if (x.is_string()) {
          mi.destination.emplace_back(x.get_string());
        }
      }
    }
    if (const json::value* h = mo.if_contains("headers"); h != nullptr && h->is_array()) {
      for (const auto& x : h->get_array()) {
        if (x.is_object()) {
          mi.headers.emplace_back(GetString(x.get_object(), "name"),
                                  GetString(x.get_object(), "value"));
        }
      }
    }
    if (const json::value* t2 = mo.if_contains("headers_truncated");
        t2 != nullptr && t2->is_bool()) {
      mi.headers_truncated = t2->get_bool();
    }
  }
  if (const json::value* og = o.if_contains("origin"); og != nullptr && og->is_object()) {
    const json::object& oo = og->get_object();
    e.origin.sns_message_id = GetString(oo, "sns_message_id");
    e.origin.topic_arn = GetString(oo, "topic_arn");
    e.origin.subscription_arn = GetString(oo, "subscription_arn");
    e.origin.file = GetString(oo, "file");
  }
  if (const json::value* d = o.if_contains("details"); d != nullptr && d->is_object()) {
    e.details = d->get_object();
  }
  return e;
}

std::string EventToJsonLine(const FeedbackEvent& event) {
  return json::serialize(EventToJson(event));
}

}  // namespace bw
