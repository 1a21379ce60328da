// SPDX-License-Identifier: Apache-2.0
// Sendmail (V8 and the older V5): "Returned mail: see transcript for details" / "Warning: could
// not send message for past N hours". V8 adds a delivery-status part; both write
// "----- Transcript of session follows -----" with one line per failed recipient,
// "550 <a@b>... User unknown" (sendmail's code, the address, "... ", the reason), and the SMTP
// dialogue with the remote host ("While talking to mx.example.org:", ">>> RCPT To:<a@b>",
// "<<< 550 5.1.1 <a@b>... User unknown"). Each recipient line is complete by itself; the
// dialogue adds the command (and the remote answer) for the recipient it names.
#include <cctype>

#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

bool IsSendmail(const Mail& mail) {
  if (ReadableHas(mail, ReadablePhrase("----- transcript of session follows -----")) ||
      ReadableHas(
          mail, ReadablePhrase("----- the following addresses had permanent fatal errors -----"))) {
    return true;
  }
  std::string_view subject = FindHeader(mail.headers, "Subject");
  return IStartsWith(subject, "Returned mail:") ||
         IStartsWith(subject, "Warning: could not send message for past");
}

// "550 <a@b>... User unknown", "<a@b>... User unknown", "a@b... Deferred": the address and the
// text after "... ", or false.
bool RecipientLine(std::string_view line, std::string& addr, std::string_view& rest) {
  std::string_view l = Trim(line);
  if (l.size() > 4 && std::isdigit(static_cast<unsigned char>(l[0])) &&
      std::isdigit(static_cast<unsigned char>(l[1])) &&
      std::isdigit(static_cast<unsigned char>(l[2])) && l[3] == ' ') {
    l = Trim(l.substr(4));
  }
  size_t dots = l.find("... ");
  if (dots == std::string_view::npos || dots == 0) {
    return false;
  }
  std::string_view who = l.substr(0, dots);
  if (!IsAddressOnly(who)) {
    return false;
  }
  addr = FindAddress(who);
  rest = Trim(l.substr(dots + 4));
  return !addr.empty();
}

// The transcript form (no delivery-status part).
std::vector<Delivery> FromTranscript(const Mail& mail) {
  std::string_view text = mail.Readable();
  auto lines = SplitLines(text);
  std::vector<Delivery> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string addr;
    std::string_view rest;
    if (!RecipientLine(lines[i], addr, rest) || IContains(rest, "Deferred")) {
      continue;
    }
    bool dup = false;
    for (const auto& d : out) {
      dup = dup || IEquals(d.recipient, addr);
    }
    if (dup) {
      continue;
    }
    Delivery d;
    d.recipient = addr;
    d.diagnostic = Squeeze(rest);
    // The dialogue about this recipient: ">>> RCPT To:<a@b>" and the "<<< " answers after it;
    // else the dialogue right above the line (the error it caused, e.g. after MAIL From).
    bool named = false;
    for (size_t j = 0; j < lines.size(); ++j) {
      std::string_view cmd = Trim(lines[j]);
      if (!IStartsWith(cmd, ">>> ") || !IContains(cmd, addr)) {
        continue;
      }
      d.smtp_command = FindSmtpCommand(cmd);
      std::string answer;
      for (size_t k = j + 1; k < lines.size() && IStartsWith(Trim(lines[k]), "<<< "); ++k) {
        answer += ' ';
        answer += Trim(lines[k]).substr(4);
      }
      if (!answer.empty() && !IContains(d.diagnostic, Trim(answer))) {
        d.diagnostic = Squeeze(std::string(Trim(answer)) + " " + d.diagnostic);
      }
      named = true;
      break;
    }
    if (!named && i > 0 && IStartsWith(Trim(lines[i - 1]), "<<< ")) {
      size_t j = i - 1;
      std::string answer;
      while (j > 0 && IStartsWith(Trim(lines[j]), "<<< ")) {
        answer = std::string(Trim(lines[j]).substr(4)) + " " + answer;
        --j;
      }
      if (IStartsWith(Trim(lines[j]), ">>> ")) {
        d.smtp_command = FindSmtpCommand(Trim(lines[j]));
        d.diagnostic = Squeeze(answer + " " + d.diagnostic);
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

class Sendmail final : public Detector {
 public:
  std::string_view Name() const override { return "sendmail"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!IsSendmail(mail)) {
      return {};
    }
    std::vector<Delivery> out = DeliveryStatusWithText(mail);
    if (!out.empty()) {
      return out;
    }
    out = FromTranscript(mail);
    if (out.empty()) {
      out = ScanBounceText(mail);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Detector> MakeSendmailDetector() { return std::make_unique<Sendmail>(); }

}  // namespace bw::mail
