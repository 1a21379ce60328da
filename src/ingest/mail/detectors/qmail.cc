// SPDX-License-Identifier: Apache-2.0
// qmail / netqmail qmail-send ("failure notice"): "Hi. This is the qmail-send program at HOST.",
// per recipient "<a@b>:" followed by the remote answer ("Remote host said: 550 ..." or qmail's
// own sentence with a "(#5.1.1)" code), then "--- Below this line is a copy of the message.".
// The bounce's own Received line reads "(qmail N invoked for bounce)".
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

// qmail-send / qmail-remote's fixed sentences that carry no status code (qmail-remote.c,
// qmail-send.c).
constexpr ReasonPhrase kPhrases[] = {
    {"this message has been in the queue too long", "expired"},
    {"sorry, i couldn't find any host named", "hostunknown"},
    {"sorry, i couldn't find any host by that name", "hostunknown"},
    {"sorry, i couldn't find a mail exchanger or ip address", "hostunknown"},
    {"sorry, no mailbox here by that name", "userunknown"},
    {"this address no longer accepts mail", "suspend"},
    {"mailbox is full", "mailboxfull"},
    {"message is looping", "systemerror"},
    {"i'm not going to try again", "expired"},
    {"unable to exec qq", "systemerror"},
};

bool IsQmail(const Mail& mail) {
  // The phrases first (bits of the mail's phrase scan), the Received fields last.
  // ("This is the qmail-send program at" contains "qmail-send program": one phrase for both.)
  return ReadableHas(mail, ReadablePhrase("qmail-send program")) ||
         (ReadableHas(mail, ReadablePhrase("hi. this is the")) &&
          IContains(mail.text, "Below this line is a copy")) ||
         ReceivedMentions(mail, kReceivedInvokedForBounce);
}

class Qmail final : public Detector {
 public:
  std::string_view Name() const override { return "qmail"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!IsQmail(mail)) {
      return {};
    }
    std::vector<Delivery> out = DeliveryStatusWithText(mail);
    if (!out.empty()) {
      return out;  // a relay added delivery-status fields: they are more precise
    }
    out = ScanBounceText(mail);
    for (auto& d : out) {
      if (!FindStatus(d.diagnostic).empty()) {
        continue;  // the remote server's answer: the classifier reads it
      }
      ApplyReasonPhrases(d, kPhrases);
      if (IContains(d.diagnostic, "Connected to") && IContains(d.diagnostic, "but sender was rejected")) {
        d.smtp_command = "MAIL";
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeQmailDetector() { return std::make_unique<Qmail>(); }

}  // namespace bw::mail
