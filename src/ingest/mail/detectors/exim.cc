// SPDX-License-Identifier: Apache-2.0
// Exim ("Mail delivery failed: returning message to sender"): no DSN part, an X-Failed-Recipients
// header, and per recipient an indented address followed by the error. Exim's own wording names
// some reasons that carry no status code (retry timeouts, unroutable addresses, local delivery).
#include "ingest/classify/reason.h"
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

// Exim's fixed messages (src/deliver.c, src/transports/*.c) and what they mean.
constexpr ReasonPhrase kPhrases[] = {
    {"retry timeout exceeded", "expired"},
    {"retry time not reached for any host after a long failure period", "expired"},
    {"all hosts have been failing for a long time", "expired"},
    {"all relevant mx records point to non-existent hosts", "hostunknown"},
    {"unrouteable address", "hostunknown"},
    {"all host address lookups failed permanently", "hostunknown"},
    {"an mx or srv record indicated no smtp service", "notaccept"},
    {"no host found for existing smtp connection", "notaccept"},
    {"mailbox is full", "mailboxfull"},
    {"error: quota exceed", "mailboxfull"},
    {"delivery to file forbidden", "systemerror"},
    {"delivery to pipe forbidden", "systemerror"},
    {"local delivery failed", "systemerror"},
    {"too many \"received\" headers", "contenterror"},
};

bool IsExim(const Mail& mail) {
  if (!FindHeader(mail.headers, "X-Failed-Recipients").empty()) {
    return true;
  }
  // The phrase (a bit of the mail's phrase scan) before the Received fields.
  return (ReadableHas(mail,
                      ReadablePhrase("this message was created automatically by mail delivery")) &&
          IContains(FindHeader(mail.headers, "Subject"), "Mail delivery failed")) ||
         ReceivedMentions(mail, kReceivedExim);
}

class Exim final : public Detector {
 public:
  std::string_view Name() const override { return "exim"; }

  bool Accepts(const MailSignals& s) const override { return !s.has_delivery_status; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!mail.delivery_status.empty() || !IsExim(mail)) {
      return {};
    }
    std::vector<Delivery> out = ScanBounceText(mail);
    for (auto& d : out) {
      if (!FindStatus(d.diagnostic).empty() || !ingest::MatchReasonText(d.diagnostic).empty()) {
        continue;  // a remote server's answer or a known phrase: the classifier reads it
      }
      ApplyReasonPhrases(d, kPhrases);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeEximDetector() { return std::make_unique<Exim>(); }

}  // namespace bw::mail
