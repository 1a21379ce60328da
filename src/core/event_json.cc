// SPDX-License-Identifier: Apache-2.0
#include "core/event_json.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_fields.h"
#include "core/time_format.h"

namespace bw {
namespace json = boost::json;
namespace {

void PutIfNotEmpty(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) {
    o[key] = v;
  }
}

json::value TimeOrNull(int64_t ms, const json::storage_ptr& sp) {
  if (ms == 0) {
    return json::value(nullptr, sp);
  }
  return json::value(FormatIso8601Ms(ms), sp);
}

int64_t GetTime(const json::object& o, std::string_view key) {
  std::string s = JsonStr(&o, key);
  if (s.empty()) {
    return 0;
  }
  return ParseIso8601Ms(s).value_or(0);
}

}  // namespace

json::object EventToJson(const FeedbackEvent& e, json::storage_ptr sp) {
  json::object o(sp);
  o["id"] = e.id;
  o["type"] = EventTypeName(e.type);
  o["recipient"] = e.recipient;
  o["occurred_at"] = TimeOrNull(e.occurred_at_ms, sp);
  o["received_at"] = TimeOrNull(e.received_at_ms, sp);
  o["source"] = e.source;
  if (e.bounce) {
    const BounceInfo& b = *e.bounce;
    json::object bo(sp);
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
    json::object co(sp);
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
  json::object mo(sp);
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
  json::object tags(sp);
  for (const auto& [k, vs] : m.tags) {
    json::array a(sp);
    for (const auto& v : vs) {
      a.emplace_back(v);
    }
    tags[k] = std::move(a);
  }
  mo["tags"] = std::move(tags);
  if (!m.destination.empty()) {
    json::array a(sp);
    for (const auto& d : m.destination) {
      a.emplace_back(d);
    }
    mo["destination"] = std::move(a);
  }
  if (!m.headers.empty()) {
    json::array a(sp);
    for (const auto& [name, value] : m.headers) {
      json::object h(sp);
      h["name"] = name;
      h["value"] = value;
      a.emplace_back(std::move(h));
    }
    mo["headers"] = std::move(a);
  }
  if (m.headers_truncated) {
    mo["headers_truncated"] = true;
  }
  o["mail"] = std::move(mo);
  json::object oo(sp);
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
  e.id = JsonStr(&o, "id");
  std::string type = JsonStr(&o, "type");
  auto t = ParseEventType(type);
  if (!t) {
    return InvalidInput("event has unknown type \"" + type + "\"");
  }
  e.type = *t;
  e.recipient = JsonStr(&o, "recipient");
  e.occurred_at_ms = GetTime(o, "occurred_at");
  e.received_at_ms = GetTime(o, "received_at");
  e.source = JsonStr(&o, "source");
  if (const json::value* b = o.if_contains("bounce"); b != nullptr && b->is_object()) {
    const json::object& bo = b->get_object();
    BounceInfo bi;
    bi.bounce_class = ParseBounceClass(JsonStr(&bo, "class")).value_or(BounceClass::kUndetermined);
    bi.ses_type = JsonStr(&bo, "ses_type");
    bi.ses_subtype = JsonStr(&bo, "ses_subtype");
    bi.status = JsonStr(&bo, "status");
    bi.action = JsonStr(&bo, "action");
    bi.diagnostic = JsonStr(&bo, "diagnostic");
    bi.reason = JsonStr(&bo, "reason");
    bi.reporting_mta = JsonStr(&bo, "reporting_mta");
    bi.remote_mta_ip = JsonStr(&bo, "remote_mta_ip");
    bi.feedback_id = JsonStr(&bo, "feedback_id");
    e.bounce = std::move(bi);
  }
  if (const json::value* c = o.if_contains("complaint"); c != nullptr && c->is_object()) {
    const json::object& co = c->get_object();
    ComplaintInfo ci;
    ci.feedback_type = JsonStr(&co, "feedback_type");
    ci.sub_type = JsonStr(&co, "sub_type");
    ci.user_agent = JsonStr(&co, "user_agent");
    ci.arrival_date = JsonStr(&co, "arrival_date");
    ci.feedback_id = JsonStr(&co, "feedback_id");
    e.complaint = std::move(ci);
  }
  if (const json::value* m = o.if_contains("mail"); m != nullptr && m->is_object()) {
    const json::object& mo = m->get_object();
    MailInfo& mi = e.mail;
    mi.message_id = JsonStr(&mo, "message_id");
    mi.header_message_id = JsonStr(&mo, "header_message_id");
    mi.from = JsonStr(&mo, "from");
    mi.subject = JsonStr(&mo, "subject");
    mi.sent_at = JsonStr(&mo, "sent_at");
    mi.sending_account_id = JsonStr(&mo, "sending_account_id");
    mi.source_arn = JsonStr(&mo, "source_arn");
    mi.source_ip = JsonStr(&mo, "source_ip");
    mi.caller_identity = JsonStr(&mo, "caller_identity");
    mi.configuration_set = JsonStr(&mo, "configuration_set");
    if (const json::object* tags = JsonObjectAt(&mo, "tags"); tags != nullptr) {
      for (const auto& kv : *tags) {
        std::vector<std::string> vals;
        if (const json::array* a = kv.value().if_array(); a != nullptr) {
          AppendJsonStrings(*a, vals);
        }
        mi.tags[std::string(kv.key())] = std::move(vals);
      }
    }
    if (const json::array* d = JsonArrayAt(&mo, "destination"); d != nullptr) {
      AppendJsonStrings(*d, mi.destination);
    }
    if (const json::value* h = mo.if_contains("headers"); h != nullptr && h->is_array()) {
      for (const auto& x : h->get_array()) {
        if (x.is_object()) {
          mi.headers.emplace_back(JsonStr(&x.get_object(), "name"),
                                  JsonStr(&x.get_object(), "value"));
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
    e.origin.sns_message_id = JsonStr(&oo, "sns_message_id");
    e.origin.topic_arn = JsonStr(&oo, "topic_arn");
    e.origin.subscription_arn = JsonStr(&oo, "subscription_arn");
    e.origin.file = JsonStr(&oo, "file");
  }
  if (const json::value* d = o.if_contains("details"); d != nullptr && d->is_object()) {
    e.details = d->get_object();
  }
  return e;
}

std::string EventToJsonLine(const FeedbackEvent& event) {
  // A typical SES event's tree fits in the buffer; a larger one continues on the heap.
  unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof(buffer));
  return json::serialize(EventToJson(event, &arena));
}

}  // namespace bw
