// SPDX-License-Identifier: Apache-2.0
// Postfix ("Undelivered Mail Returned to Sender"): bounce(8) writes "This is the mail system at
// host X." and, per recipient, "<a@b>: host mx[ip] said: 550 5.1.1 ... (in reply to RCPT TO
// command)"; the delivery-status part carries X-Postfix-Queue-ID / X-Postfix-Sender. Old Postfix
// versions (and "notify_classes" copies) have no DSN part: the text alone names the recipients.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

bool IsPostfix(const Mail& mail) {
  // The phrases first: bits of the mail's phrase scan, cheaper than searching the DSN parts.
  if (ReadableHas(mail, ReadablePhrase("this is the mail system at host")) ||
      ReadableHas(mail, ReadablePhrase("this is the postfix program at host"))) {
    return true;
  }
  for (const auto& part : mail.delivery_status) {
    if (IContains(part, "X-Postfix-")) {
      return true;
    }
  }
  std::string_view subject = FindHeader(mail.headers, "Subject");
  return (IStartsWith(subject, "Undelivered Mail Returned to Sender") ||
          IStartsWith(subject, "Delayed Mail (still being retried)")) &&
         ReadableHas(mail, ReadablePhrase("the mail system"));
}

// bounce(8)'s text: per recipient a paragraph that starts at column 0 with "<a@b>: " or
// "<a@b> (expanded from <c@d>): " and continues on indented lines.
std::vector<Delivery> FromText(const Mail& mail) {
  std::vector<Delivery> out;
  auto lines = SplitLines(mail.Readable());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.size() < 4 || line.front() != '<') {
      continue;
    }
    size_t close = line.find('>');
    if (close == std::string_view::npos || !IsAddressOnly(line.substr(0, close + 1))) {
      continue;
    }
    size_t colon = line.find(": ", close);
    std::string_view between = line.substr(close + 1, colon == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : colon - close - 1);
    if (colon == std::string_view::npos ||
        !(Trim(between).empty() || IStartsWith(Trim(between), "(expanded from"))) {
      continue;
    }
    std::string diag(line.substr(colon + 2));
    for (size_t j = i + 1; j < lines.size() && !lines[j].empty() &&
                           (lines[j].front() == ' ' || lines[j].front() == '\t');
         ++j) {
      diag += ' ';
      diag += Trim(lines[j]);
    }
    Delivery d;
    d.recipient = FindAddress(line.substr(0, close + 1));
    d.diagnostic = Squeeze(diag);
    bool dup = false;
    for (const auto& o : out) {
      dup = dup || IEquals(o.recipient, d.recipient);
    }
    if (!dup && !d.recipient.empty()) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

class Postfix final : public Detector {
 public:
  std::string_view Name() const override { return "postfix"; }

  bool Accepts(const MailSignals& s) const override {
    return s.has_delivery_status || s.from_daemon ||
           s.Subject().find("undelivered mail") != std::string::npos ||
           s.Subject().find("delayed mail") != std::string::npos;
  }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!IsPostfix(mail)) {
      return {};
    }
    std::vector<Delivery> out = DeliveryStatusWithText(mail);
    if (out.empty()) {
      out = FromText(mail);  // no delivery-status fields at all: the text names them
    }
    if (out.empty()) {
      out = ScanBounceText(mail);
    }
    for (auto& d : out) {
      // "Command output: ..." / "Command died with status N" come from a local pipe (procmail,
      // maildrop): Postfix's X-Postfix diagnostic type says so, the text often only there.
      if (d.diagnostic_type.empty() && IContains(d.diagnostic, "Command died with status")) {
        d.diagnostic_type = "X-POSTFIX";
      }
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakePostfixDetector() { return std::make_unique<Postfix>(); }

}  // namespace bw::mail
