// SPDX-License-Identifier: Apache-2.0
#include "ingest/ses/ses_mapper.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <optional>
#include <span>
#include <utility>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include "core/ascii.h"
#include "core/json_fields.h"
#include "core/time_format.h"
#include "ingest/classify/reason.h"

namespace bw::ses {
namespace {

namespace json = boost::json;

// Where the recipients of a type are listed.
enum class RecipientList {
  kBounced,      // bounce.bouncedRecipients[].emailAddress
  kComplained,   // complaint.complainedRecipients[].emailAddress
  kDelivered,    // delivery.recipients[] (strings)
  kDelayed,      // deliveryDelay.delayedRecipients[].emailAddress
  kDestination,  // mail.destination[] (strings): types without a recipient list
};

struct TypeSpec {
  std::string_view ses_name;  // the notificationType / eventType value
  EventType type;
  std::string_view object_key;  // the per-type object
  RecipientList list;
};

// SES-DG notification-contents.md (identity notifications).
constexpr std::array<TypeSpec, 3> kNotificationTypes = {{
    {"Bounce", EventType::kBounce, "bounce", RecipientList::kBounced},
    {"Complaint", EventType::kComplaint, "complaint", RecipientList::kComplained},
    {"Delivery", EventType::kDelivery, "delivery", RecipientList::kDelivered},
}};

// SES-DG event-publishing-retrieving-sns-contents.md (event publishing).
constexpr std::array<TypeSpec, 10> kEventTypes = {{
    {"Bounce", EventType::kBounce, "bounce", RecipientList::kBounced},
    {"Complaint", EventType::kComplaint, "complaint", RecipientList::kComplained},
    {"Delivery", EventType::kDelivery, "delivery", RecipientList::kDelivered},
    {"Send", EventType::kSend, "send", RecipientList::kDestination},
    {"Reject", EventType::kReject, "reject", RecipientList::kDestination},
    {"Open", EventType::kOpen, "open", RecipientList::kDestination},
    {"Click", EventType::kClick, "click", RecipientList::kDestination},
    {"Rendering Failure", EventType::kRenderingFailure, "failure", RecipientList::kDestination},
    {"DeliveryDelay", EventType::kDeliveryDelay, "deliveryDelay", RecipientList::kDelayed},
    {"Subscription", EventType::kSubscription, "subscription", RecipientList::kDestination},
}};

// The entry of `types` named `name`, or nullptr.
const TypeSpec* FindType(std::span<const TypeSpec> types, const json::string& name) {
  const std::string_view n(name.data(), name.size());
  for (const TypeSpec& t : types) {
    if (t.ses_name == n) {
      return &t;
    }
  }
  return nullptr;
}

// Longest quoted type value in a `why` sentence; the rest is in `raw` anyway.
constexpr size_t kMaxQuotedBytes = 100;

// Copies o[key] (any JSON) into details[out_key] when present, onto the default storage.
void CopyDetail(const json::object* o, std::string_view key, json::object& details,
                std::string_view out_key) {
  if (o == nullptr) {
    return;
  }
  if (const json::value* v = o->if_contains(key); v != nullptr) {
    details[out_key] = json::value(*v, json::storage_ptr());
  }
}

// processingTimeMillis as an integer, whatever JSON number kind it was parsed as.
void CopyIntegerDetail(const json::object* o, std::string_view key, json::object& details,
                       std::string_view out_key) {
  if (o == nullptr) {
    return;
  }
  const json::value* v = o->if_contains(key);
  if (v == nullptr) {
    return;
  }
  if (v->is_int64()) {
    details[out_key] = v->get_int64();
  } else if (v->is_uint64()) {
    details[out_key] = v->get_uint64();
  } else if (v->is_double()) {
    details[out_key] = static_cast<int64_t>(v->get_double());
  } else {
    details[out_key] = json::value(*v, json::storage_ptr());
  }
}

int64_t ParseTimestamp(const json::string* s) {
  if (s == nullptr) {
    return 0;
  }
  return ParseIso8601Ms(std::string_view(s->data(), s->size())).value_or(0);
}

std::string HeaderValue(const MailInfo& mail, std::string_view name) {
  for (const auto& [n, v] : mail.headers) {
    if (EqualsIgnoreCase(n, name)) {
      return v;
    }
  }
  return {};
}

// SES-DG notification-contents.md, "mail object". Missing fields stay empty.
MailInfo ParseMail(const json::object* mail) {
  MailInfo m;
  if (mail == nullptr) {
    return m;
  }
  m.message_id = JsonStr(mail, "messageId");
  m.from = JsonStr(mail, "source");
  m.sent_at = JsonStr(mail, "timestamp");
  m.sending_account_id = JsonStr(mail, "sendingAccountId");
  m.source_arn = JsonStr(mail, "sourceArn");
  m.source_ip = JsonStr(mail, "sourceIp");
  m.caller_identity = JsonStr(mail, "callerIdentity");
  if (const json::array* dest = JsonArrayAt(mail, "destination"); dest != nullptr) {
    AppendJsonStrings(*dest, m.destination);
  }
  if (const json::object* tags = JsonObjectAt(mail, "tags"); tags != nullptr) {
    for (const auto& kv : *tags) {
      std::vector<std::string>& values = m.tags[std::string(kv.key())];
      if (const json::array* a = kv.value().if_array(); a != nullptr) {
        AppendJsonStrings(*a, values);
      } else if (const json::string* s = kv.value().if_string(); s != nullptr) {
        values.emplace_back(s->data(), s->size());
      }
    }
  }
  if (const json::array* headers = JsonArrayAt(mail, "headers"); headers != nullptr) {
    for (const json::value& h : *headers) {
      const json::object* ho = h.if_object();
      const json::string* name = JsonStringAt(ho, "name");
      const json::string* value = JsonStringAt(ho, "value");
      if (name != nullptr && value != nullptr) {
        m.headers.emplace_back(std::string(name->data(), name->size()),
                               std::string(value->data(), value->size()));
      }
    }
  }
  // A boolean in every example, though the event docs call it "a string".
  if (const json::value* t = mail->if_contains("headersTruncated"); t != nullptr) {
    if (t->is_bool()) {
      m.headers_truncated = t->get_bool();
    } else if (const json::string* s = t->if_string(); s != nullptr) {
      m.headers_truncated = EqualsIgnoreCase(std::string_view(s->data(), s->size()), "true");
    }
  }
  // Kept as given: one doc example has a leading space (" custom-message-ID").
  const json::object* common = JsonObjectAt(mail, "commonHeaders");
  if (const json::string* id = JsonStringAt(common, "messageId"); id != nullptr) {
    m.header_message_id.assign(id->data(), id->size());
  } else {
    m.header_message_id = HeaderValue(m, "Message-ID");
  }
  if (const json::string* subject = JsonStringAt(common, "subject"); subject != nullptr) {
    m.subject.assign(subject->data(), subject->size());
  } else {
    m.subject = HeaderValue(m, "Subject");
  }
  // Event publishing moves these into tags (SES-DG event-publishing-retrieving-sns-contents.md).
  auto first_tag = [&m](const std::string& key) -> std::string {
    auto it = m.tags.find(key);
    return it != m.tags.end() && !it->second.empty() ? it->second.front() : std::string();
  };
  m.configuration_set = first_tag("ses:configuration-set");
  if (m.configuration_set.empty()) {
    m.configuration_set = JsonStr(mail, "configurationSet");
  }
  if (m.source_ip.empty()) {
    m.source_ip = first_tag("ses:source-ip");
  }
  if (m.caller_identity.empty()) {
    m.caller_identity = first_tag("ses:caller-identity");
  }
  return m;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (RFC 3629 §4).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&s](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    return 1;
  }
  size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) {
    return 0;
  }
  for (size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) {
      return 0;
    }
  }
  return n;
}

// `s` with each invalid UTF-8 byte replaced by U+FFFD; sets *valid to whether it was valid.
std::string SanitizeUtf8(std::string_view s, bool* valid) {
  std::string out;
  out.reserve(s.size());
  *valid = true;
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      *valid = false;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) {
      v |= static_cast<unsigned char>(in[i + 1]) << 8;
    }
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The event every message that cannot be mapped turns into: raw text plus why.
FeedbackEvent Unrecognized(std::string_view message, std::string why, const SesContext& ctx) {
  FeedbackEvent e;
  e.type = EventType::kUnrecognized;
  e.received_at_ms = ctx.received_at_ms;
  e.source = ctx.source;
  e.origin.sns_message_id = ctx.sns_message_id;
  e.origin.topic_arn = ctx.topic_arn;
  e.origin.subscription_arn = ctx.subscription_arn;
  std::string_view kept = message;
  if (kept.size() > kMaxRawBytes) {
    size_t cut = kMaxRawBytes;
    // Do not split a UTF-8 sequence: back off over at most three continuation bytes.
    for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(kept[cut]) & 0xC0) == 0x80;
         ++k) {
      --cut;
    }
    kept = kept.substr(0, cut);
    e.details["raw_truncated"] = true;
    e.details["raw_size"] = static_cast<uint64_t>(message.size());
  }
  bool valid = true;
  std::string raw = SanitizeUtf8(kept, &valid);
  e.details["raw"] = raw;
  if (!valid) {
    e.details["raw_base64"] = Base64(kept);
  }
  e.details["why"] = std::move(why);
  return e;
}

// Unrecognized, plus what is known of the mail so that the event can be found by message id.
FeedbackEvent UnrecognizedWithMail(std::string_view message, std::string why, const SesContext& ctx,
                                   const json::object* mail) {
  FeedbackEvent e = Unrecognized(message, std::move(why), ctx);
  if (mail != nullptr) {
    e.mail = ParseMail(mail);
    e.occurred_at_ms = ParseTimestamp(JsonStringAt(mail, "timestamp"));
  }
  return e;
}

std::string Quote(std::string_view s) {
  if (s.size() > kMaxQuotedBytes) {
    size_t cut = kMaxQuotedBytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    return "\"" + std::string(s.substr(0, cut)) + "...\"";
  }
  return "\"" + std::string(s) + "\"";
}

std::string_view ListName(RecipientList list) {
  switch (list) {
    case RecipientList::kBounced:
      return "bounce.bouncedRecipients";
    case RecipientList::kComplained:
      return "complaint.complainedRecipients";
    case RecipientList::kDelivered:
      return "delivery.recipients";
    case RecipientList::kDelayed:
      return "deliveryDelay.delayedRecipients";
    case RecipientList::kDestination:
      return "mail.destination";
  }
  return "";
}

// The type of an RFC 3464 §2.3.6 Diagnostic-Code ("smtp; 550 ..." -> "SMTP"), upper-cased, or ""
// when the text has no "type;" prefix.
std::string DiagnosticType(std::string_view diagnostic) {
  const size_t semi = diagnostic.find(';');
  if (semi == std::string_view::npos || semi == 0 || semi > 32) {
    return {};
  }
  std::string type;
  for (char c : diagnostic.substr(0, semi)) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') {
      return {};
    }
    type += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return type;
}

struct Recipient {
  std::string_view address;
  const json::object* entry = nullptr;  // the recipient object, for lists of objects
};

// Fills type-specific fields of `e` for one recipient.
void FillTypeSpecific(const TypeSpec& spec, const json::object& obj, const Recipient& r,
                      FeedbackEvent& e) {
  switch (spec.type) {
    case EventType::kBounce: {
      BounceInfo b;
      b.ses_type = JsonStr(&obj, "bounceType");
      b.ses_subtype = JsonStr(&obj, "bounceSubType");
      b.status = JsonStr(r.entry, "status");
      b.action = JsonStr(r.entry, "action");
      b.diagnostic = JsonStr(r.entry, "diagnosticCode");
      b.reporting_mta = JsonStr(&obj, "reportingMTA");
      b.remote_mta_ip = JsonStr(&obj, "remoteMtaIp");
      b.feedback_id = JsonStr(&obj, "feedbackId");
      const std::string reply_code = ReplyCodeFromDiagnostic(b.diagnostic);
      const std::string diagnostic_type = DiagnosticType(b.diagnostic);
      ingest::ReasonInput in;
      in.status = b.status;
      in.reply_code = reply_code;
      in.diagnostic = b.diagnostic;
      in.ses_type = b.ses_type;
      in.ses_subtype = b.ses_subtype;
      in.action = b.action;
      in.diagnostic_type = diagnostic_type;
      b.reason = ingest::ClassifyReason(in);
      if (b.ses_subtype == "Suppressed" || b.ses_subtype == "OnAccountSuppressionList") {
        // SES did not even try: the address is on a suppression list. Still hard.
        b.bounce_class = BounceClass::kHard;
        b.reason = "suppressed";
      } else if (b.ses_type == "Permanent") {
        b.bounce_class = BounceClass::kHard;
      } else if (b.ses_type == "Transient") {
        b.bounce_class = BounceClass::kSoft;
      } else {
        b.bounce_class = BounceClass::kUndetermined;
      }
      e.bounce = std::move(b);
      break;
    }
    case EventType::kComplaint: {
      ComplaintInfo c;
      c.feedback_type = JsonStr(&obj, "complaintFeedbackType");
      c.sub_type = JsonStr(&obj, "complaintSubType");  // null -> ""
      c.user_agent = JsonStr(&obj, "userAgent");
      c.arrival_date = JsonStr(&obj, "arrivalDate");
      c.feedback_id = JsonStr(&obj, "feedbackId");
      e.complaint = std::move(c);
      break;
    }
    case EventType::kDelivery:
      CopyDetail(&obj, "smtpResponse", e.details, "smtp_response");
      CopyIntegerDetail(&obj, "processingTimeMillis", e.details, "processing_time_ms");
      CopyDetail(&obj, "reportingMTA", e.details, "reporting_mta");
      CopyDetail(&obj, "remoteMtaIp", e.details, "remote_mta_ip");
      break;
    case EventType::kDeliveryDelay:
      CopyDetail(&obj, "delayType", e.details, "delay_type");
      CopyDetail(r.entry, "status", e.details, "status");
      CopyDetail(r.entry, "diagnosticCode", e.details, "diagnostic");
      CopyDetail(&obj, "expirationTime", e.details, "expiration_time");
      CopyDetail(&obj, "reportingMTA", e.details, "reporting_mta");
      CopyDetail(&obj, "remoteMtaIp", e.details, "remote_mta_ip");
      break;
    case EventType::kOpen:
      CopyDetail(&obj, "ipAddress", e.details, "ip_address");
      CopyDetail(&obj, "userAgent", e.details, "user_agent");
      break;
    case EventType::kClick:
      CopyDetail(&obj, "ipAddress", e.details, "ip_address");
      CopyDetail(&obj, "userAgent", e.details, "user_agent");
      CopyDetail(&obj, "link", e.details, "link");
      CopyDetail(&obj, "linkTags", e.details, "link_tags");
      break;
    case EventType::kReject:
      CopyDetail(&obj, "reason", e.details, "reason");
      break;
    case EventType::kRenderingFailure:
      CopyDetail(&obj, "templateName", e.details, "template_name");
      CopyDetail(&obj, "errorMessage", e.details, "error_message");
      break;
    case EventType::kSubscription:
      CopyDetail(&obj, "contactList", e.details, "contact_list");
      CopyDetail(&obj, "source", e.details, "source");
      CopyDetail(&obj, "newTopicPreferences", e.details, "new_topic_preferences");
      CopyDetail(&obj, "oldTopicPreferences", e.details, "old_topic_preferences");
      break;
    case EventType::kSend:
    case EventType::kAutoReply:
    case EventType::kUnrecognized:
      break;
  }
}

std::vector<FeedbackEvent> MapParsed(std::string_view message, const json::value& root,
                                     const SesContext& ctx) {
  std::vector<FeedbackEvent> out;
  const json::object* top = root.if_object();
  if (top == nullptr) {
    out.push_back(Unrecognized(
        message, "The message is JSON but not an object, so it is not SES content.", ctx));
    return out;
  }
  const json::object* mail = JsonObjectAt(top, "mail");

  // Event publishing uses eventType, identity notifications notificationType (§3.1, §3.2).
  const TypeSpec* spec = nullptr;
  const json::string* type_name = JsonStringAt(top, "eventType");
  std::string_view field = "eventType";
  if (type_name != nullptr) {
    spec = FindType(kEventTypes, *type_name);
  } else if ((type_name = JsonStringAt(top, "notificationType")) != nullptr) {
    field = "notificationType";
    spec = FindType(kNotificationTypes, *type_name);
  } else {
    out.push_back(UnrecognizedWithMail(message,
                                       "The message has no string notificationType or "
                                       "eventType, so it is not SES content.",
                                       ctx, mail));
    return out;
  }
  const std::string_view name(type_name->data(), type_name->size());
  if (spec == nullptr) {
    std::string why = name == "AmazonSnsSubscriptionSucceeded"
                          ? "The message is SES's AmazonSnsSubscriptionSucceeded notice that "
                            "the topic was set up, not feedback about a mail."
                          : "The SES " + std::string(field) + " " + Quote(name) +
                                " is not one bouncewatch knows.";
    out.push_back(UnrecognizedWithMail(message, std::move(why), ctx, mail));
    return out;
  }
  const json::object* obj = JsonObjectAt(top, spec->object_key);
  if (obj == nullptr) {
    out.push_back(UnrecognizedWithMail(message,
                                       "The SES " + std::string(name) + " message has no \"" +
                                           std::string(spec->object_key) + "\" object.",
                                       ctx, mail));
    return out;
  }

  const json::array* list = nullptr;
  switch (spec->list) {
    case RecipientList::kBounced:
      list = JsonArrayAt(obj, "bouncedRecipients");
      break;
    case RecipientList::kComplained:
      list = JsonArrayAt(obj, "complainedRecipients");
      break;
    case RecipientList::kDelivered:
      list = JsonArrayAt(obj, "recipients");
      break;
    case RecipientList::kDelayed:
      list = JsonArrayAt(obj, "delayedRecipients");
      break;
    case RecipientList::kDestination:
      list = JsonArrayAt(mail, "destination");
      break;
  }
  if (list == nullptr || list->empty()) {
    out.push_back(UnrecognizedWithMail(message,
                                       "The SES " + std::string(name) + " message has no " +
                                           std::string(ListName(spec->list)) +
                                           " list, or it is empty.",
                                       ctx, mail));
    return out;
  }
  std::vector<Recipient> recipients;
  recipients.reserve(std::min(list->size(), kMaxRecipients));
  size_t cut = 0;
  for (const json::value& item : *list) {
    Recipient r;
    const json::string* address = nullptr;
    if (spec->list == RecipientList::kDelivered || spec->list == RecipientList::kDestination) {
      address = item.if_string();
    } else {
      r.entry = item.if_object();
      address = JsonStringAt(r.entry, "emailAddress");
    }
    if (address == nullptr) {
      continue;  // no usable address: skipped (reported below if none remain)
    }
    if (recipients.size() == kMaxRecipients) {
      ++cut;
      continue;
    }
    r.address = std::string_view(address->data(), address->size());
    recipients.push_back(r);
  }
  if (recipients.empty()) {
    out.push_back(UnrecognizedWithMail(message,
                                       "No entry of " + std::string(ListName(spec->list)) +
                                           " in the SES " + std::string(name) +
                                           " message has a string email address.",
                                       ctx, mail));
    return out;
  }

  const MailInfo mail_info = ParseMail(mail);
  int64_t occurred_at_ms = 0;
  if (const json::string* ts = JsonStringAt(obj, "timestamp"); ts != nullptr) {
    occurred_at_ms = ParseTimestamp(ts);
  } else {
    occurred_at_ms = ParseTimestamp(JsonStringAt(mail, "timestamp"));
  }
  out.reserve(recipients.size() + (cut > 0 ? 1 : 0));
  for (const Recipient& r : recipients) {
    FeedbackEvent e;
    e.type = spec->type;
    e.recipient = std::string(r.address);
    e.occurred_at_ms = occurred_at_ms;
    e.received_at_ms = ctx.received_at_ms;
    e.source = ctx.source;
    e.mail = mail_info;
    e.origin.sns_message_id = ctx.sns_message_id;
    e.origin.topic_arn = ctx.topic_arn;
    e.origin.subscription_arn = ctx.subscription_arn;
    FillTypeSpecific(*spec, *obj, r, e);
    out.push_back(std::move(e));
  }
  if (cut > 0) {
    FeedbackEvent e = UnrecognizedWithMail(
        message,
        std::to_string(cut) + " more recipients of the SES " + std::string(name) +
            " message were not mapped: one message yields at most " +
            std::to_string(kMaxRecipients) + " events.",
        ctx, mail);
    e.occurred_at_ms = occurred_at_ms;
    e.details["cut_recipients"] = static_cast<uint64_t>(cut);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string ReplyCodeFromDiagnostic(std::string_view d) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t i = 0; i + 3 <= d.size(); ++i) {
    if (d[i] < '2' || d[i] > '5' || !digit(d[i + 1]) || !digit(d[i + 2])) {
      continue;
    }
    if (i > 0 && (alnum(d[i - 1]) || d[i - 1] == '.' || d[i - 1] == '-')) {
      continue;
    }
    if (i + 3 < d.size() && (alnum(d[i + 3]) || d[i + 3] == '.')) {
      continue;
    }
    return std::string(d.substr(i, 3));
  }
  return {};
}

Result<std::vector<FeedbackEvent>> MapSesMessage(std::string_view message,
                                                 const SesContext& context) {
  try {
    json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    // The parsed tree lives only for this call; events copy what they keep. A typical SES
    // message's tree fits in the stack buffer; a larger one continues on the heap.
    unsigned char buffer[8192];
    json::monotonic_resource resource(buffer, sizeof(buffer));
    boost::system::error_code ec;
    json::value root = json::parse(message, ec, &resource, options);
    if (ec) {
      std::vector<FeedbackEvent> out;
      out.push_back(Unrecognized(message,
                                 "The message is not JSON of at most " +
                                     std::to_string(kMaxJsonDepth) +
                                     " levels, so it is not SES content (" + ec.message() + ").",
                                 context));
      return out;
    }
    return MapParsed(message, root, context);
  } catch (const std::exception& e) {
    // Only allocation failures can get here: Boost.JSON and std containers throw nothing else.
    return Internal(std::string("Mapping the SES message failed: ") + e.what());
  }
}

}  // namespace bw::ses
