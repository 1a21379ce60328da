// SPDX-License-Identifier: Apache-2.0
// Outlook.com / Hotmail (postmaster@hotmail..., postmaster@outlook...): "This is an automatically
// generated Delivery Status Notification. Delivery to the following recipients failed." with
// the addresses indented below, and a delivery-status part whose Diagnostic-Code carries the
// remote answer. Hotmail's own refusals ("Requested action not taken: mailbox unavailable" for
// an unknown account, "mailbox full") name the reason without a specific status.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

bool IsOutlook(const Mail& mail) {
  std::string_view from = FindHeader(mail.headers, "From");
  bool microsoft_consumer = IContains(from, "hotmail") || IContains(from, "outlook.") ||
                            IContains(from, "@live.") || IContains(from, "@msn.");
  if (!microsoft_consumer) {
    return false;
  }
  return ReadableHas(mail, ReadablePhrase("delivery to the following recipients failed")) ||
         ReadableHas(mail,
                     ReadablePhrase("delivery to the following recipients has been delayed")) ||
         ReadableHas(mail, ReadablePhrase("automatically generated delivery status notification"));
}

class Outlook final : public Detector {
 public:
  std::string_view Name() const override { return "outlook"; }

  bool Accepts(const MailSignals& s) const override {
    return s.from.find("hotmail") != std::string::npos ||
           s.from.find("outlook.") != std::string::npos ||
           s.from.find("@live.") != std::string::npos || s.from.find("@msn.") != std::string::npos;
  }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!IsOutlook(mail)) {
      return {};
    }
    std::vector<Delivery> out = DeliveryStatusWithText(mail);
    if (out.empty()) {
      out = ScanBounceText(mail);  // no delivery-status fields at all: the text names them
    }
    for (auto& d : out) {
      if (d.status.empty() && IContains(d.diagnostic, "mailbox unavailable") &&
          FindStatus(d.diagnostic).empty()) {
        d.smtp_command = d.smtp_command.empty() ? "RCPT" : d.smtp_command;
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeOutlookDetector() { return std::make_unique<Outlook>(); }

}  // namespace bw::mail
