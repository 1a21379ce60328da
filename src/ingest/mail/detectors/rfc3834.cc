// SPDX-License-Identifier: Apache-2.0
// RFC 3834 automatic responses (out-of-office, vacation), in several languages.
#include "ingest/classify/reason.h"
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

// `lower_subject`: the Subject lower-cased (ASCII letters), so that the words (lower case) are
// looked for as they are, all in one pass.
bool SubjectSaysAutoReply(std::string_view lower_subject) {
  static constexpr std::string_view kPrefixes[] = {"auto:",
                                                   "auto reply",
                                                   "auto-reply",
                                                   "autoreply",
                                                   "auto response",
                                                   "automatic reply",
                                                   "automatische antwort",
                                                   "abwesenheitsnotiz",
                                                   "réponse automatique",
                                                   "reponse automatique",
                                                   "respuesta automática",
                                                   "risposta automatica",
                                                   "out of office",
                                                   "out of the office",
                                                   "away from",
                                                   "away until",
                                                   "on vacation",
                                                   "vacation",
                                                   "absence",
                                                   "自動応答",
                                                   "自動返信",
                                                   "不在",
                                                   "autosvar",
                                                   "automatisch antwoord",
                                                   "afwezig",
                                                   "poza biurem"};
  static const PhraseSet kWords(kPrefixes);
  return kWords.Scan(lower_subject) != 0;
}

class Rfc3834 final : public Detector {
 public:
  std::string_view Name() const override { return "rfc3834"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    std::string subject = SubjectLower(mail);
    std::string from = FindAddress(FindHeader(mail.headers, "From"));
    if (from.empty() || IsSystemAddress(from)) {
      return {};
    }
    std::string auto_submitted = ToLower(FindHeader(mail.headers, "Auto-Submitted"));
    std::string precedence = ToLower(FindHeader(mail.headers, "Precedence"));
    bool header_says = auto_submitted.rfind("auto-replied", 0) == 0 ||
                       !FindHeader(mail.headers, "X-Autoreply").empty() ||
                       !FindHeader(mail.headers, "X-Autorespond").empty() ||
                       !FindHeader(mail.headers, "X-Auto-Response-Suppress").empty() ||
                       precedence == "auto_reply";
    bool subject_says = SubjectSaysAutoReply(subject);
    if (!header_says && !subject_says) {
      return {};
    }
    for (std::string_view w : {"undeliver", "delivery status", "failure notice", "returned mail",
                               "bounce", "delivery failure", "could not be delivered"}) {
      if (IContains(subject, w)) {
        return {};
      }
    }
    Delivery d;
    d.recipient = from;
    d.reason = "vacation";
    d.diagnostic = Squeeze(mail.text.substr(0, 300));
    d.date = std::string(FindHeader(mail.headers, "Date"));
    return {d};
  }
};

}  // namespace

std::unique_ptr<Detector> MakeRfc3834Detector() { return std::make_unique<Rfc3834>(); }

}  // namespace bw::mail
