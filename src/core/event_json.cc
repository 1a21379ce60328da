// SPDX-License-Identifier: Apache-2.0
#include "core/event_json.h"

#include <array>
#include <cstdint>
#include <cstring>

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

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Per byte: 0 when written as it is; 'u' for \u00xx; any other letter: a backslash and it.
constexpr std::array<char, 256> kEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) {
    t[c] = 'u';
  }
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();

// Whether any of the eight bytes in `x` is below 0x20, '"' or a backslash (the bytes kEscape
// marks). The usual "has a zero byte" / "has a byte less than n" tests, exact as a whole.
constexpr bool NeedsEscape(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
  const uint64_t q = x ^ (kOnes * static_cast<uint64_t>('"'));
  const uint64_t b = x ^ (kOnes * static_cast<uint64_t>('\\'));
  const uint64_t quote = (q - kOnes) & ~q & kHigh;
  const uint64_t backslash = (b - kOnes) & ~b & kHigh;
  return (below_space | quote | backslash) != 0;
}

// Writes EventToJson's object as Boost.JSON's serializer does, without building it: the same
// keys in the same order, strings escaped by the same table (", \\ and the control characters;
// \b \t \n \f \r by name, the others as \u00xx with lower-case hex; every other byte, UTF-8
// or not, as it is). Tests compare it with json::serialize(EventToJson(e)).
class LineWriter {
 public:
  explicit LineWriter(std::string& out) : out_(out) {}

  void Raw(std::string_view s) { out_.append(s); }

  void String(std::string_view s) {
    out_ += '"';
    size_t run = 0;  // start of the bytes not yet copied
    size_t i = 0;
    while (i < s.size()) {
      // Eight bytes at a time while none needs escaping (most text).
      if (i + 8 <= s.size()) {
        uint64_t block;
        std::memcpy(&block, s.data() + i, 8);
        if (!NeedsEscape(block)) {
          i += 8;
          continue;
        }
      }
      const unsigned char c = static_cast<unsigned char>(s[i]);
      const char e = kEscape[c];
      if (e == 0) {
        ++i;
        continue;
      }
      out_.append(s.data() + run, i - run);
      run = ++i;
      if (e != 'u') {
        const char pair[2] = {'\\', e};
        out_.append(pair, 2);
      } else {
        const char code[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out_.append(code, 6);
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  // ,"key": (the first member of an object has no comma: `first` is cleared). `key` is one of
  // this file's literal names, which need no escaping.
  void Key(std::string_view key, bool& first) {
    if (!first) {
      out_ += ',';
    }
    first = false;
    out_ += '"';
    out_.append(key);
    out_.append("\":", 2);
  }

  // The same for a key from the data (a tag name).
  void EscapedKey(std::string_view key, bool& first) {
    if (!first) {
      out_ += ',';
    }
    first = false;
    String(key);
    out_ += ':';
  }

  void Member(std::string_view key, std::string_view value, bool& first) {
    Key(key, first);
    String(value);
  }

  void MemberIfNotEmpty(std::string_view key, std::string_view value, bool& first) {
    if (!value.empty()) {
      Member(key, value, first);
    }
  }

  void Time(std::string_view key, int64_t ms, bool& first) {
    Key(key, first);
    if (ms == 0) {
      Raw("null");
    } else {
      String(FormatIso8601Ms(ms));
    }
  }

  void StringArray(const std::vector<std::string>& items) {
    out_ += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        out_ += ',';
      }
      String(items[i]);
    }
    out_ += ']';
  }

 private:
  std::string& out_;
};

void WriteEventLine(const FeedbackEvent& e, std::string& out) {
  LineWriter w(out);
  bool first = true;
  w.Raw("{");
  w.Member("id", e.id, first);
  w.Member("type", EventTypeName(e.type), first);
  w.Member("recipient", e.recipient, first);
  w.Time("occurred_at", e.occurred_at_ms, first);
  w.Time("received_at", e.received_at_ms, first);
  w.Member("source", e.source, first);
  w.Key("bounce", first);
  if (e.bounce) {
    const BounceInfo& b = *e.bounce;
    bool f = true;
    w.Raw("{");
    w.Member("class", BounceClassName(b.bounce_class), f);
    w.Member("ses_type", b.ses_type, f);
    w.Member("ses_subtype", b.ses_subtype, f);
    w.Member("status", b.status, f);
    w.Member("action", b.action, f);
    w.Member("diagnostic", b.diagnostic, f);
    w.Member("reason", b.reason, f);
    w.Member("reporting_mta", b.reporting_mta, f);
    w.MemberIfNotEmpty("remote_mta_ip", b.remote_mta_ip, f);
    w.MemberIfNotEmpty("feedback_id", b.feedback_id, f);
    w.Raw("}");
  } else {
    w.Raw("null");
  }
  w.Key("complaint", first);
  if (e.complaint) {
    const ComplaintInfo& c = *e.complaint;
    bool f = true;
    w.Raw("{");
    w.Member("feedback_type", c.feedback_type, f);
    w.Member("sub_type", c.sub_type, f);
    w.Member("user_agent", c.user_agent, f);
    w.Member("arrival_date", c.arrival_date, f);
    w.MemberIfNotEmpty("feedback_id", c.feedback_id, f);
    w.Raw("}");
  } else {
    w.Raw("null");
  }
  const MailInfo& m = e.mail;
  w.Key("mail", first);
  {
    bool f = true;
    w.Raw("{");
    w.Member("message_id", m.message_id, f);
    w.MemberIfNotEmpty("header_message_id", m.header_message_id, f);
    w.Member("from", m.from, f);
    w.Member("subject", m.subject, f);
    w.MemberIfNotEmpty("sent_at", m.sent_at, f);
    w.Member("sending_account_id", m.sending_account_id, f);
    w.Member("source_arn", m.source_arn, f);
    w.MemberIfNotEmpty("source_ip", m.source_ip, f);
    w.MemberIfNotEmpty("caller_identity", m.caller_identity, f);
    w.Member("configuration_set", m.configuration_set, f);
    w.Key("tags", f);
    w.Raw("{");
    bool ft = true;
    for (const auto& [k, vs] : m.tags) {  // a std::map: sorted, unique keys, as in the tree
      w.EscapedKey(k, ft);
      w.StringArray(vs);
    }
    w.Raw("}");
    if (!m.destination.empty()) {
      w.Key("destination", f);
      w.StringArray(m.destination);
    }
    if (!m.headers.empty()) {
      w.Key("headers", f);
      w.Raw("[");
      for (size_t i = 0; i < m.headers.size(); ++i) {
        if (i > 0) {
          w.Raw(",");
        }
        bool fh = true;
        w.Raw("{");
        w.Member("name", m.headers[i].first, fh);
        w.Member("value", m.headers[i].second, fh);
        w.Raw("}");
      }
      w.Raw("]");
    }
    if (m.headers_truncated) {
      w.Key("headers_truncated", f);
      w.Raw("true");
    }
    w.Raw("}");
  }
  w.Key("origin", first);
  {
    bool f = true;
    w.Raw("{");
    w.MemberIfNotEmpty("sns_message_id", e.origin.sns_message_id, f);
    w.MemberIfNotEmpty("topic_arn", e.origin.topic_arn, f);
    w.MemberIfNotEmpty("subscription_arn", e.origin.subscription_arn, f);
    w.MemberIfNotEmpty("file", e.origin.file, f);
    w.Raw("}");
  }
  if (!e.details.empty()) {
    w.Key("details", first);
    // Free-form JSON (numbers, nested objects): Boost.JSON's own serializer, as in the tree.
    w.Raw(json::serialize(e.details));
  }
  w.Raw("}");
}

}  // namespace

std::string EventToJsonLine(const FeedbackEvent& event) {
  std::string out;
  // Room for the names and punctuation plus the larger texts: one allocation for most events.
  size_t size = 900 + event.mail.subject.size() + event.mail.from.size();
  for (const auto& [name, value] : event.mail.headers) {
    size += name.size() + value.size() + 24;
  }
  for (const std::string& d : event.mail.destination) {
    size += d.size() + 3;
  }
  if (event.bounce) {
    size += event.bounce->diagnostic.size() + event.bounce->reporting_mta.size();
  }
  out.reserve(size);
  WriteEventLine(event, out);
  return out;
}

}  // namespace bw
