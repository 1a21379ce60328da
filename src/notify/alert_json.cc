// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_json.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "core/json_fields.h"

namespace bw::notify {
namespace json = boost::json;

json::object RateSnapshotToJson(const RateSnapshot& r) {
  json::object o;
  o["bounce_rate"] = r.bounce_rate;
  o["complaint_rate"] = r.complaint_rate;
  o["bounce_level"] = r.bounce_level;
  o["complaint_level"] = r.complaint_level;
  o["sends"] = r.sends;
  o["hard_bounces"] = r.hard_bounces;
  o["complaints"] = r.complaints;
  o["send_source"] = r.send_source;
  o["low_confidence"] = r.low_confidence;
  o["window_start_ms"] = r.window_start_ms;
  o["as_of_ms"] = r.as_of_ms;
  return o;
}

RateSnapshot RateSnapshotFromJson(const json::value& v) {
  RateSnapshot r;
  if (!v.is_object()) {
    return r;
  }
  const json::object& o = v.as_object();
  r.bounce_rate = JsonNumber(&o, "bounce_rate");
  r.complaint_rate = JsonNumber(&o, "complaint_rate");
  r.bounce_level = JsonStr(&o, "bounce_level");
  r.complaint_level = JsonStr(&o, "complaint_level");
  if (r.bounce_level.empty()) {
    r.bounce_level = "ok";
  }
  if (r.complaint_level.empty()) {
    r.complaint_level = "ok";
  }
  r.sends = JsonInt(&o, "sends");
  r.hard_bounces = JsonInt(&o, "hard_bounces");
  r.complaints = JsonInt(&o, "complaints");
  r.send_source = JsonStr(&o, "send_source");
  const json::value* lc = o.if_contains("low_confidence");
  r.low_confidence = lc != nullptr && lc->is_bool() && lc->as_bool();
  r.window_start_ms = JsonInt(&o, "window_start_ms");
  r.as_of_ms = JsonInt(&o, "as_of_ms");
  return r;
}

json::object LevelChangeToJson(const LevelChange& c) {
  json::object o;
  o["rate"] = c.rate;
  o["from"] = c.from_level;
  o["to"] = c.to_level;
  o["threshold"] = c.threshold;
  o["rates"] = RateSnapshotToJson(c.now);
  return o;
}

Result<LevelChange> LevelChangeFromJson(const json::value& v) {
  if (!v.is_object()) {
    return InvalidInput("a level change must be a JSON object");
  }
  const json::object& o = v.as_object();
  LevelChange c;
  c.rate = JsonStr(&o, "rate");
  c.from_level = JsonStr(&o, "from");
  c.to_level = JsonStr(&o, "to");
  c.threshold = JsonNumber(&o, "threshold");
  if (const json::value* r = o.if_contains("rates")) {
    c.now = RateSnapshotFromJson(*r);
  }
  return c;
}

json::object DigestToJson(const Digest& d) {
  json::object o;
  o["period_start_ms"] = d.period_start_ms;
  o["period_end_ms"] = d.period_end_ms;
  json::array by_type;
  for (const auto& [type, n] : d.events_by_type) {
    by_type.push_back(json::object{{"type", type}, {"count", n}});
  }
  o["events_by_type"] = std::move(by_type);
  o["hard_bounces"] = d.hard_bounces;
  o["complaints"] = d.complaints;
  o["rates"] = RateSnapshotToJson(d.rates);
  json::array addresses;
  for (const std::string& a : d.new_suppressions) {
    addresses.emplace_back(a);
  }
  o["new_suppressions"] = std::move(addresses);
  o["new_suppressions_total"] = d.new_suppressions_total;
  json::array domains;
  for (const DomainLine& l : d.worst_domains) {
    domains.push_back(json::object{{"domain", l.domain},
                                   {"sends", l.sends},
                                   {"hard_bounces", l.hard_bounces},
                                   {"complaints", l.complaints},
                                   {"bounce_rate", l.bounce_rate},
                                   {"complaint_rate", l.complaint_rate}});
  }
  o["worst_domains"] = std::move(domains);
  return o;
}

Result<Digest> DigestFromJson(const json::value& v) {
  if (!v.is_object()) {
    return InvalidInput("a digest must be a JSON object");
  }
  const json::object& o = v.as_object();
  Digest d;
  d.period_start_ms = JsonInt(&o, "period_start_ms");
  d.period_end_ms = JsonInt(&o, "period_end_ms");
  if (const json::array* a = JsonArrayAt(&o, "events_by_type")) {
    for (const json::value& item : *a) {
      if (item.is_object()) {
        d.events_by_type.emplace_back(JsonStr(&item.as_object(), "type"),
                                      JsonInt(&item.as_object(), "count"));
      }
    }
  }
  d.hard_bounces = JsonInt(&o, "hard_bounces");
  d.complaints = JsonInt(&o, "complaints");
  if (const json::object* r = JsonObjectAt(&o, "rates")) {
    d.rates = RateSnapshotFromJson(*r);
  }
  if (const json::array* a = JsonArrayAt(&o, "new_suppressions")) {
    AppendJsonStrings(*a, d.new_suppressions);
  }
  d.new_suppressions_total = JsonInt(&o, "new_suppressions_total");
  if (const json::array* a = JsonArrayAt(&o, "worst_domains")) {
    for (const json::value& item : *a) {
      if (!item.is_object()) {
        continue;
      }
      const json::object& l = item.as_object();
      d.worst_domains.push_back(DomainLine{JsonStr(&l, "domain"), JsonInt(&l, "sends"),
                                           JsonInt(&l, "hard_bounces"), JsonInt(&l, "complaints"),
                                           JsonNumber(&l, "bounce_rate"),
                                           JsonNumber(&l, "complaint_rate")});
    }
  }
  return d;
}

Result<json::value> ParsePayload(const std::string& text) {
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) {
    return InvalidInput("alert payload is not JSON: " + ec.message());
  }
  return v;
}

}  // namespace bw::notify
