// SPDX-License-Identifier: Apache-2.0
// McAfee Email Gateway / MxLogic-style reports: a "--- The following addresses had delivery
// problems ---" text part (deliveryproblems.txt) plus a message/delivery-status part that has only
// Original-Recipient. The gateway answers at RCPT time, so its "User unknown" / "User not exist"
// lines are address refusals.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

class McAfee final : public Detector {
 public:
  std::string_view Name() const override { return "mcafee"; }

  bool Accepts(const MailSignals& s) const override { return s.has_delivery_status; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (mail.delivery_status.empty()) {
      return {};
    }
    std::string_view text = mail.Readable();
    if (!ReadableHas(mail,
                     ReadablePhrase("--- the following addresses had delivery problems ---"))) {
      return {};
    }
    std::vector<Delivery> out = ParseDeliveryStatus(mail);
    for (auto& d : out) {
      if (d.smtp_command.empty() && FindSmtpCommand(d.diagnostic).empty()) {
        d.smtp_command = "RCPT";
      }
      if (d.diagnostic.empty()) {
        for (std::string_view line : SplitLines(text)) {
          if (IContains(line, d.recipient)) {
            d.diagnostic = Squeeze(line);
            break;
          }
        }
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeMcAfeeDetector() { return std::make_unique<McAfee>(); }

}  // namespace bw::mail
