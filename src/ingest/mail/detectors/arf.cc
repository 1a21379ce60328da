// SPDX-License-Identifier: Apache-2.0
// RFC 5965 Abuse Reporting Format (complaints), and the Hotmail/Outlook JMRP variant that
// attaches the reported mail without a feedback-report part.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

// What Sisimai reports when a complaint names no recipient anywhere (an anonymised report).
constexpr std::string_view kUndisclosed = "undisclosed-recipient-in-headers@libsisimai.org.invalid";

class Arf final : public Detector {
 public:
  std::string_view Name() const override { return "arf"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    bool arf = mail.report_type == "feedback-report" || !mail.feedback_report.empty();
    bool jmrp = !arf && mail.has_original &&
                (IContains(FindHeader(mail.headers, "Subject"), "complaint about message from") ||
                 !FindHeader(mail.original_headers, "X-HmXmrOriginalRecipient").empty());
    if (!arf && !jmrp) {
      return {};
    }
    Headers report = ParseFieldBlock(mail.feedback_report);
    std::string type = ToLower(FindHeader(report, "Feedback-Type"));
    if (type.empty()) {
      type = "abuse";
    }
    std::string date(FindHeader(report, "Arrival-Date"));
    if (date.empty()) {
      date = std::string(FindHeader(report, "Received-Date"));
    }
    std::vector<std::string> rcpts;
    for (const auto& h : report) {
      if (IEquals(h.name, "Original-Rcpt-To") || IEquals(h.name, "Removal-Recipient")) {
        std::string a = FindAddress(h.Value());
        if (!a.empty()) {
          rcpts.push_back(a);
        }
      }
    }
    if (rcpts.empty()) {
      for (std::string_view name :
           {"X-HmXmrOriginalRecipient", "To", "Delivered-To", "X-Original-To"}) {
        std::string a = FindAddress(FindHeader(mail.original_headers, name));
        if (!a.empty()) {
          rcpts.push_back(a);
          break;
        }
      }
    }
    if (rcpts.empty()) {
      rcpts.emplace_back(kUndisclosed);
    }
    std::vector<Delivery> out;
    for (const auto& r : rcpts) {
      Delivery d;
      d.recipient = r;
      d.reason = "feedback";
      d.feedback_type = type;
      d.date = date;
      d.diagnostic = Squeeze(mail.Readable().substr(0, 512));
      out.push_back(std::move(d));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeArfDetector() { return std::make_unique<Arf>(); }

}  // namespace bw::mail
