// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_json.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

namespace bw::notify {
namespace {

namespace json = boost::json;

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    return 0;
  }
  if (v->is_int64()) {
    return v->as_int64();
  }
  if (v->is_uint64()) {
    return static_cast<int64_t>(v->as_uint64());
  }
  if (v->is_double()) {
    const double d = v->as_double();
    // Out of range (or NaN) would be undefined behaviour in the cast.
    if (!(d > -9.2e18 && d < 9.2e18)) {
      return 0;
    }
    return static_cast<int64_t>(d);
  }
  return 0;
}

double Num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    return 0;
  }
  if (v->is_double()) {
    return v->as_double();
  }
  if (v->is_int64()) {
    return static_cast<double>(v->as_int64());
  }
  if (v->is_uint64()) {
    return static_cast<double>(v->as_uint64());
  }
  return 0;
}

const json::object* Obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

const json::array* Arr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->as_array() : nullptr;
}

}  // namespace

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
  r.bounce_rate = Num(o, "bounce_rate");
  r.complaint_rate = Num(o, "complaint_rate");
  r.bounce_level = Str(o, "bounce_level");
  r.complaint_level = Str(o, "complaint_level");
  if (r.bounce_level.empty()) {
    r.bounce_level = "ok";
  }
  if (r.complaint_level.empty()) {
    r.complaint_level = "ok";
  }
  r.sends = Int(o, "sends");
  r.hard_bounces = Int(o, "hard_bounces");
  r.complaints = Int(o, "complaints");
  r.send_source = Str(o, "send_source");
  const json::value* lc = o.if_contains("low_confidence");
  r.low_confidence = lc != nullptr && lc->is_bool() && lc->as_bool();
  r.window_start_ms = Int(o, "window_start_ms");
  r.as_of_ms = Int(o, "as_of_ms");
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
  c.rate = Str(o, "rate");
  c.from_level = Str(o, "from");
  c.to_level = Str(o, "to");
  c.threshold = Num(o, "threshold");
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
  d.period_start_ms = Int(o, "period_start_ms");
  d.period_end_ms = Int(o, "period_end_ms");
  if (const json::array* a = Arr(o, "events_by_type")) {
    for (const json::value& item : *a) {
      if (item.is_object()) {
        d.events_by_type.emplace_back(Str(item.as_object(), "type"),
                                      Int(item.as_object(), "count"));
      }
    }
  }
  d.hard_bounces = Int(o, "hard_bounces");
  d.complaints = Int(o, "complaints");
  if (const json::object* r = Obj(o, "rates")) {
    d.rates = RateSnapshotFromJson(*r);
  }
  if (const json::array* a = Arr(o, "new_suppressions")) {
    for (const json::value& item : *a) {
      if (item.is_string()) {
        d.new_suppressions.emplace_back(item.as_string());
      }
    }
  }
  d.new_suppressions_total = Int(o, "new_suppressions_total");
  if (const json::array* a = Arr(o, "worst_domains")) {
    for (const json::value& item : *a) {
      if (!item.is_object()) {
        continue;
      }
      const json::object& l = item.as_object();
      d.worst_domains.push_back(DomainLine{Str(l, "domain"), Int(l, "sends"),
                                           Int(l, "hard_bounces"), Int(l, "complaints"),
                                           Num(l, "bounce_rate"), Num(l, "complaint_rate")});
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
