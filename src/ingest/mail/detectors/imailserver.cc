// SPDX-License-Identifier: Apache-2.0
// Ipswitch IMail Server (X-Mailer: <SMTP32 ...>): "Undeliverable Mail" with one
// "<error>: <address>" line per recipient, then "Original message follows.". The error label
// names the reason; there is no status code.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

class IMailServer final : public Detector {
 public:
  std::string_view Name() const override { return "imailserver"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    bool imail = IContains(FindHeader(mail.headers, "X-Mailer"), "SMTP32") ||
                 ReceivedMentions(mail, kReceivedSmtpd32);
    if (!imail) {
      return {};
    }
    static constexpr ReasonPhrase kLabels[] = {
        {"unknown user:", "userunknown"},
        {"invalid final delivery userid:", "userunknown"},
        {"user mailbox exceeds allowed size:", "mailboxfull"},
        {"host unknown:", "hostunknown"},
        {"requested action not taken: mailbox unavailable", "userunknown"},
        {"no route to host", "networkerror"},
        {"smtp timeout", "expired"},
        {"message expired", "expired"},
    };
    std::vector<Delivery> out = ScanBounceText(mail);
    for (auto& d : out) {
      ApplyReasonPhrases(d, kLabels);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeIMailServerDetector() { return std::make_unique<IMailServer>(); }

}  // namespace bw::mail
