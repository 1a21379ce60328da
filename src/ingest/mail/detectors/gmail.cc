// SPDX-License-Identifier: Apache-2.0
// Gmail's own bounces (mailer-daemon@googlemail.com), in their older plain-text form:
//   Delivery to the following recipient failed permanently:
//        user@example.jp
//   Technical details of permanent failure:
//   ... The error that the other server returned was: 554 5.7.0 Header error (state 18).
// Gmail appends "(state N)": the SMTP state the remote server answered in, which tells content
// refusals (after DATA) from address refusals.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

class Gmail final : public Detector {
 public:
  std::string_view Name() const override { return "gmail"; }

  // The From check of Detect, on the lower-cased From the signals keep.
  bool Accepts(const MailSignals& s) const override {
    return s.from.find("mailer-daemon@") != std::string::npos;
  }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!ReadableHas(mail, ReadablePhrase("delivery to the following recipient")) ||
        !IContains(FindHeader(mail.headers, "From"), "mailer-daemon@")) {
      return {};
    }
    std::string_view text = mail.Readable();
    size_t head = IFind(text, "delivery to the following recipient");
    if (head == std::string_view::npos) {
      return {};
    }
    size_t tech = IFind(text, "technical details of", head);
    std::string_view list =
        text.substr(head, tech == std::string_view::npos ? std::string_view::npos : tech - head);
    std::string details = Squeeze(tech == std::string_view::npos ? "" : text.substr(tech));
    std::vector<Delivery> out;
    auto lines = SplitLines(list);
    for (size_t i = 1; i < lines.size(); ++i) {
      if (!IsAddressOnly(lines[i])) {
        continue;
      }
      Delivery d;
      d.recipient = FindAddress(lines[i]);
      size_t said = IFind(details, "server returned was:");
      d.diagnostic = said == std::string::npos ? details : details.substr(said + 20);
      d.diagnostic = std::string(Trim(d.diagnostic));
      if (IContains(list, "temporarily") || IContains(details, "temporary failure")) {
        d.action = "delayed";
      }
      if (IContains(details, "(state 18)") || IContains(details, "(state 17)")) {
        d.smtp_command = "DATA";
        d.reason = IContains(details, "does not support tls") ? "" : "filtered";
      }
      if (IContains(details, "does not support tls")) {
        d.reason = "systemerror";
      }
      out.push_back(std::move(d));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeGmailDetector() { return std::make_unique<Gmail>(); }

}  // namespace bw::mail
