// SPDX-License-Identifier: Apache-2.0
// Microsoft Exchange (2003 and later, on premises) and Exchange Online / Office 365
// ("Undeliverable: <subject>"). Exchange 2003 writes "Your message ... did not reach the
// following recipient(s):" then "a@b on <date>" with the reason indented below and a
// "<host #5.1.1>" code; Exchange 2007+ and Office 365 add a delivery-status part and write
// "Delivery has failed to these recipients or groups:" / "Your message to a@b couldn't be
// delivered." with "Diagnostic information for administrators:" and "Remote Server returned
// '550 5.1.1 ...'". The X-MS-Exchange-* / X-MimeOLE headers say who wrote it.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

// Exchange's own explanations (the human-readable NDR sentences) that carry no specific status.
constexpr ReasonPhrase kPhrases[] = {
    {"the e-mail account does not exist at the organization", "userunknown"},
    {"the recipient name is not recognized", "userunknown"},
    {"could not be found in domain name service", "hostunknown"},
    {"the recipient's mailbox is full", "mailboxfull"},
    {"could not deliver the message in the time limit specified", "expired"},
    {"the message was rejected because it was too large", "mesgtoobig"},
};

bool WrittenByExchange(const Mail& mail) {
  for (const auto& h : mail.headers) {
    if (IStartsWith(h.name, "X-MS-Exchange-") ||
        (IEquals(h.name, "X-MimeOLE") && h.ValueMentions("Microsoft Exchange")) ||
        (IEquals(h.name, "X-Mailer") && h.ValueMentions("Internet Mail Service")) ||
        (IEquals(h.name, "Received") && h.ValueMentions("Microsoft SMTP Server"))) {
      return true;
    }
  }
  return IStartsWith(FindHeader(mail.headers, "Subject"), "Undeliverable:");
}

bool ExchangeText(const Mail& mail) {
  return ReadableHas(mail, ReadablePhrase("did not reach the following recipient")) ||
         ReadableHas(mail, ReadablePhrase("delivery has failed to these recipients or groups")) ||
         ReadableHas(mail, ReadablePhrase("diagnostic information for administrators")) ||
         ReadableHas(mail, ReadablePhrase("couldn't be delivered")) ||
         ReadableHas(mail, ReadablePhrase("remote server returned '"));
}

class Exchange final : public Detector {
 public:
  std::string_view Name() const override { return "exchange"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    // The text first: its phrases are read from one scan, the header walk costs more.
    if (!ExchangeText(mail) || !WrittenByExchange(mail)) {
      return {};
    }
    std::vector<Delivery> out = DeliveryStatusWithText(mail);
    if (out.empty()) {
      out = ScanBounceText(mail);  // no delivery-status fields at all: the text names them
    }
    for (auto& d : out) {
      if (!d.status.empty() || !FindStatus(d.diagnostic).empty()) {
        continue;
      }
      ApplyReasonPhrases(d, kPhrases);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeExchangeDetector() { return std::make_unique<Exchange>(); }

}  // namespace bw::mail
