// SPDX-License-Identifier: Apache-2.0
// RFC 3464 delivery status notifications (multipart/report; report-type=delivery-status), the
// format most modern MTAs write. MTA-specific detectors run first and may refine these fields.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

class Rfc3464 final : public Detector {
 public:
  std::string_view Name() const override { return "rfc3464"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    return DeliveryStatusWithText(mail);
  }
};

}  // namespace

namespace {

std::vector<Delivery> ComputeDeliveryStatusWithText(const Mail& mail) {
  std::vector<Delivery> out = ParseDeliveryStatus(mail);
  if (out.empty()) {
    return out;
  }
  // Where the DSN carries no diagnostic, the human-readable part usually does: take the
  // lines that mention the recipient.
  std::string_view text = mail.Readable();
  // The lines, split (or taken from the detection memo) only when a recipient needs them.
  std::vector<std::string_view> scratch;
  const std::vector<std::string_view>* split = nullptr;
  for (auto& d : out) {
    const bool needs_command = FindSmtpCommand(d.diagnostic).empty();
    if (!needs_command && !d.diagnostic.empty()) {
      continue;  // nothing to take from the text for this recipient
    }
    if (split == nullptr) {
      split = &ReadableLines(mail, scratch);
    }
    const std::vector<std::string_view>& lines = *split;
    // The lines that name the recipient, found with one search over the whole text.
    const std::vector<size_t> naming = LinesMentioning(mail, lines, d.recipient);
    if (needs_command) {
      // "(in reply to RCPT TO command)" is often only in the human-readable part.
      for (size_t i : naming) {
        std::string para;
        for (size_t j = i; j < lines.size() && j < i + 8 && !Trim(lines[j]).empty(); ++j) {
          para += lines[j];
          para += ' ';
        }
        d.smtp_command = FindSmtpCommand(Squeeze(para));
        if (!d.smtp_command.empty()) {
          break;
        }
      }
    }
    if (!d.diagnostic.empty()) {
      continue;
    }
    for (size_t i : naming) {
      std::string diag(lines[i]);
      for (size_t j = i + 1; j < lines.size() && j < i + 6 && !Trim(lines[j]).empty(); ++j) {
        std::string_view next = Trim(lines[j]);
        std::string lead = FindAddress(next);
        if (!lead.empty() && (next.substr(0, lead.size()) == lead ||
                              next.substr(0, lead.size() + 1) == "<" + lead)) {
          break;  // the next recipient's line
        }
        diag += ' ';
        diag += next;
      }
      d.diagnostic = Squeeze(diag);
      break;
    }
  }
  // A diagnostic that is only the address (or nothing) says nothing: with one recipient, the
  // human-readable explanation is the diagnostic.
  if (out.size() == 1 && (out[0].diagnostic.empty() || IsAddressOnly(out[0].diagnostic))) {
    out[0].diagnostic = Squeeze(text.substr(0, 2000));
  }
  return out;
}

}  // namespace

std::vector<Delivery> DeliveryStatusWithText(const Mail& mail) {
  DetectionMemo* memo = DetectionScope::MemoFor(mail);
  if (memo == nullptr) {
    return ComputeDeliveryStatusWithText(mail);
  }
  if (!memo->delivery_status_with_text) {
    memo->delivery_status_with_text = ComputeDeliveryStatusWithText(mail);
  }
  return *memo->delivery_status_with_text;
}

std::unique_ptr<Detector> MakeRfc3464Detector() { return std::make_unique<Rfc3464>(); }

}  // namespace bw::mail
