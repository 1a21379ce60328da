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
  // lines that mention the recipient, walked in the text (no line list).
  std::string_view text = mail.Readable();
  constexpr size_t kNone = std::string_view::npos;
  for (auto& d : out) {
    const bool needs_command = FindSmtpCommand(d.diagnostic).empty();
    if (!needs_command && !d.diagnostic.empty()) {
      continue;  // nothing to take from the text for this recipient
    }
    const size_t first = NextLineMentioning(mail, d.recipient, 0);
    if (needs_command) {
      // "(in reply to RCPT TO command)" is often only in the human-readable part: the paragraph
      // (at most 8 lines) from each line naming the recipient, squeezed. The paragraph is the
      // span of text its lines cover: Squeeze makes the line ends (CR, LF) between them one
      // space, as it would the lines joined with spaces, so no joined copy is made. Squeezed into
      // this thread's buffer (only read here), given back when a huge paragraph grew it.
      thread_local std::string squeezed;
      for (size_t at = first; at != kNone;) {
        size_t after_first = 0;
        size_t next = at;
        size_t end = at;  // after the paragraph's last line
        for (size_t k = 0; k < 8 && next < text.size(); ++k) {
          std::string_view line = LineFrom(text, next, next);
          if (k == 0) {
            after_first = next;
          }
          if (Trim(line).empty()) {
            break;
          }
          end = next;
        }
        d.smtp_command = FindSmtpCommandOnce(SqueezeInto(text.substr(at, end - at), squeezed));
        if (!d.smtp_command.empty()) {
          break;
        }
        at = NextLineMentioning(mail, d.recipient, after_first);
      }
      if (squeezed.size() > (size_t{1} << 20)) {
        std::string().swap(squeezed);
      }
    }
    if (!d.diagnostic.empty() || first == kNone) {
      continue;
    }
    // The first line naming the recipient and the (at most 5) lines after it, up to the next
    // recipient's line, squeezed: as above, the span of text they cover squeezes to what the
    // lines trimmed and joined with spaces would.
    size_t next = first;
    LineFrom(text, first, next);
    size_t end = next;  // after the last line taken
    for (size_t k = 1; k < 6 && next < text.size(); ++k) {
      std::string_view line = LineFrom(text, next, next);
      if (Trim(line).empty()) {
        break;
      }
      std::string_view trimmed = Trim(line);
      std::string_view lead = FindAddressIn(trimmed);
      if (!lead.empty() && (trimmed.starts_with(lead) ||
                            (trimmed.starts_with('<') && trimmed.substr(1).starts_with(lead)))) {
        break;  // the next recipient's line
      }
      end = next;
    }
    d.diagnostic = Squeeze(text.substr(first, end - first));
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
  return internal::TakeMemoized(memo->delivery_status_with_text,
                                [&] { return ComputeDeliveryStatusWithText(mail); });
}

std::unique_ptr<Detector> MakeRfc3464Detector() { return std::make_unique<Rfc3464>(); }

}  // namespace bw::mail
