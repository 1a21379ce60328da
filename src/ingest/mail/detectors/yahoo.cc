// SPDX-License-Identifier: Apache-2.0
// Yahoo! Mail ("Failure Notice"): "Sorry, we were unable to deliver your message to the following
// address." then "<a@b>:" and "Remote host said: 550 5.1.1 ... [RCPT_TO]" -- the bracketed tag
// names the SMTP command the remote server answered. Without "Remote host said", the answer
// that follows the address ("550: <a@b>: User unknown") refused that recipient, so at RCPT time.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

std::string_view CommandOfTag(std::string_view diag) {
  struct Tag {
    std::string_view text;
    std::string_view command;
  };
  static constexpr Tag kTags[] = {
      {"[RCPT_TO]", "RCPT"}, {"[MAIL_FROM]", "MAIL"}, {"[DATA]", "DATA"},
      {"[HELO]", "HELO"},    {"[EHLO]", "EHLO"},      {"[CONNECT]", "CONN"},
  };
  for (const auto& t : kTags) {
    if (IContains(diag, t.text)) {
      return t.command;
    }
  }
  return {};
}

class Yahoo final : public Detector {
 public:
  std::string_view Name() const override { return "yahoo"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    bool yahoo =
        ReadableHas(mail, ReadablePhrase(
                              "sorry, we were unable to deliver your message to the following")) ||
        (!FindHeader(mail.headers, "X-YMailISG").empty() &&
         ReadableHas(mail, ReadablePhrase("remote host said:")));
    if (!yahoo) {
      return {};
    }
    std::vector<Delivery> out = DeliveryStatusWithText(mail);
    if (!out.empty()) {
      return out;  // a relay added delivery-status fields: they are more precise
    }
    out = ScanBounceText(mail);
    for (auto& d : out) {
      std::string_view cmd = CommandOfTag(d.diagnostic);
      if (!cmd.empty()) {
        d.smtp_command = std::string(cmd);
      } else if (d.smtp_command.empty() && !IContains(d.diagnostic, "Remote host said") &&
                 IContains(d.diagnostic, d.recipient)) {
        d.smtp_command = "RCPT";  // the answer names the recipient it refused
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeYahooDetector() { return std::make_unique<Yahoo>(); }

}  // namespace bw::mail
