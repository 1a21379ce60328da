// SPDX-License-Identifier: Apache-2.0
// Amazon SES notifications delivered by e-mail (an SNS e-mail subscription): the body is the SES
// JSON (notificationType Bounce / Complaint / Delivery), possibly wrapped by SNS with "!" at the
// end of cut lines.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

std::string Str(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) {
    return {};
  }
  return std::string(it->value().get_string());
}

const boost::json::object* Obj(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

const boost::json::array* Arr(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

// One Delivery per element of `list` (none when it is missing): `fill` sets it from the element
// and returns false for an element of the wrong type; deliveries without a recipient are dropped.
template <class Fill>
void EachRecipient(const boost::json::array* list, std::vector<Delivery>& out, Fill fill) {
  if (list == nullptr) {
    return;
  }
  for (const auto& r : *list) {
    Delivery d;
    if (fill(r, d) && !d.recipient.empty()) {
      out.push_back(std::move(d));
    }
  }
}

class AmazonSes final : public Detector {
 public:
  std::string_view Name() const override { return "amazonses"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    size_t at = mail.text.find("\"notificationType\"");
    if (at == std::string::npos) {
      return {};
    }
    size_t begin = mail.text.rfind('{', at);
    size_t end = mail.text.rfind('}');
    if (begin == std::string::npos || end == std::string::npos || end < begin) {
      return {};
    }
    // The JSON without its line ends, nor SNS's line wrapping ("!" LF " "): copied a line at a
    // time.
    std::string json;
    std::string_view src = std::string_view(mail.text).substr(begin, end - begin + 1);
    json.reserve(src.size());
    for (size_t i = 0; i < src.size();) {
      const size_t nl = src.find('\n', i);
      if (nl == std::string_view::npos) {
        json.append(src.substr(i));
        break;
      }
      const bool wrap = nl > i && src[nl - 1] == '!' && nl + 1 < src.size() && src[nl + 1] == ' ';
      json.append(src.substr(i, nl - i - (wrap ? 1 : 0)));
      i = nl + (wrap ? 2 : 1);
    }
    boost::system::error_code ec;
    boost::json::parse_options opts;
    opts.max_depth = 32;
    boost::json::value v = boost::json::parse(json, ec, {}, opts);
    if (ec || !v.is_object()) {
      return {};
    }
    const auto& root = v.get_object();
    std::string type = Str(root, "notificationType");
    if (type.empty()) {
      type = Str(root, "eventType");
    }
    std::vector<Delivery> out;
    if (type == "Bounce") {
      const auto* b = Obj(root, "bounce");
      EachRecipient(b ? Arr(*b, "bouncedRecipients") : nullptr, out,
                    [&](const boost::json::value& r, Delivery& d) {
                      if (!r.is_object()) {
                        return false;
                      }
                      const auto& o = r.get_object();
                      d.recipient = FindAddress(Str(o, "emailAddress"));
                      d.status = Str(o, "status");
                      d.action = Str(o, "action");
                      std::string diag = Str(o, "diagnosticCode");
                      size_t semi = diag.find(';');
                      if (semi != std::string::npos && semi < 12) {
                        d.diagnostic_type =
                            ToLower(diag.substr(0, semi)) == "smtp" ? "SMTP" : "";
                        diag = diag.substr(semi + 1);
                      }
                      d.diagnostic = Squeeze(diag);
                      d.date = Str(*b, "timestamp");
                      d.reporting_mta = Str(*b, "reportingMTA");
                      std::string sub = Str(*b, "bounceSubType");
                      if (sub == "Suppressed" || sub == "OnAccountSuppressionList") {
                        d.reason = "suppressed";
                      }
                      return true;
                    });
    } else if (type == "Complaint") {
      const auto* c = Obj(root, "complaint");
      EachRecipient(c ? Arr(*c, "complainedRecipients") : nullptr, out,
                    [&](const boost::json::value& r, Delivery& d) {
                      if (!r.is_object()) {
                        return false;
                      }
                      d.recipient = FindAddress(Str(r.get_object(), "emailAddress"));
                      d.reason = "feedback";
                      d.feedback_type = Str(*c, "complaintFeedbackType");
                      if (d.feedback_type.empty()) {
                        d.feedback_type = "abuse";
                      }
                      d.date = Str(*c, "timestamp");
                      return true;
                    });
    } else if (type == "Delivery") {
      const auto* dl = Obj(root, "delivery");
      EachRecipient(dl ? Arr(*dl, "recipients") : nullptr, out,
                    [&](const boost::json::value& r, Delivery& d) {
                      if (!r.is_string()) {
                        return false;
                      }
                      d.recipient = FindAddress(r.get_string());
                      d.diagnostic = Squeeze(Str(*dl, "smtpResponse"));
                      d.action = "delivered";
                      d.date = Str(*dl, "timestamp");
                      d.reporting_mta = Str(*dl, "reportingMTA");
                      return true;
                    });
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeAmazonSesDetector() { return std::make_unique<AmazonSes>(); }

}  // namespace bw::mail
