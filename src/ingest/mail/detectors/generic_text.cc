// SPDX-License-Identifier: Apache-2.0
// The last resort for bounces no family detector claimed: scans the human-readable text for the
// shapes nearly every MTA uses to name a failed recipient ("<a@b>:", "<a@b>... ", an address
// alone on an indented line, "RCPT TO:<a@b>") and takes the lines that follow as the error.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

bool LooksLikeBounce(const Mail& mail) {
  if (!FindHeader(mail.headers, "X-Failed-Recipients").empty()) {
    return true;
  }
  std::string from = FromLower(mail);
  for (std::string_view w : {"mailer-daemon", "postmaster", "mail delivery", "mail-daemon",
                             "mailer_daemon", "mail administrator", "mailmaster", "daemon@"}) {
    if (from.find(w) != std::string::npos) {
      return true;
    }
  }
  std::string subject = SubjectLower(mail);
  for (std::string_view w :
       {"undeliver", "delivery fail", "delivery status", "failure notice", "returned mail",
        "mail delivery failed", "could not be delivered", "delivery notification",
        "not delivered", "nondeliverable", "non-deliverable", "delivery problem",
        "returned to sender", "mail system error", "delivery error", "failed delivery"}) {
    if (subject.find(w) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

class GenericText final : public Detector {
 public:
  std::string_view Name() const override { return "generic"; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!LooksLikeBounce(mail)) {
      return {};
    }
    std::string sender = ToLower(FindAddress(FindHeader(mail.headers, "To")));
    std::string orig_from = ToLower(FindAddress(FindHeader(mail.original_headers, "From")));
    auto excluded = [&](const std::string& a) {
      std::string l = ToLower(a);
      return l.empty() || IsSystemAddress(l) || l == sender || l == orig_from;
    };
    std::vector<Delivery> out;
    auto add = [&](std::string addr, std::string diag) {
      if (excluded(addr)) {
        return;
      }
      for (auto& d : out) {
        if (IEquals(d.recipient, addr)) {
          if (d.diagnostic.empty()) {
            d.diagnostic = Squeeze(diag);
          }
          return;
        }
      }
      Delivery d;
      d.recipient = std::move(addr);
      d.diagnostic = Squeeze(diag);
      out.push_back(std::move(d));
    };
    std::string_view text = TextBeforeOriginal(mail.text);
    auto lines = SplitLines(text);
    auto follow = [&](size_t i, bool indented_only) {
      std::string diag;
      for (size_t j = i + 1; j < lines.size() && j < i + 8; ++j) {
        std::string_view l = lines[j];
        if (Trim(l).empty()) {
          break;
        }
        if (indented_only && l.front() != ' ' && l.front() != '\t') {
          break;
        }
        if (IsAddressOnly(l) || (Trim(l).front() == '<' && l.find("@") != std::string_view::npos &&
                                 Trim(l).find(">") != std::string_view::npos &&
                                 (l.find(">:") != std::string_view::npos ||
                                  l.find(">...") != std::string_view::npos))) {
          break;
        }
        diag += ' ';
        diag += Trim(l);
      }
      return diag;
    };
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string_view line = Trim(lines[i]);
      if (line.empty()) {
        continue;
      }
      std::string addr = FindAddress(line);
      if (addr.empty()) {
        continue;
      }
      size_t at = line.find(addr);
      std::string_view before = Trim(line.substr(0, at));
      std::string_view after = line.substr(at + addr.size());
      if (!after.empty() && after.front() == '>') {
        after.remove_prefix(1);
      }
      if (before == "<" || before.empty()) {
        if (IStartsWith(after, "...") || IStartsWith(Trim(after), ":")) {
          // "<a@b>... User unknown" (sendmail), "<a@b>: host x said: ..." (postfix, qmail)
          std::string_view rest = Trim(after);
          while (!rest.empty() && (rest.front() == '.' || rest.front() == ':')) {
            rest.remove_prefix(1);
          }
          add(addr, std::string(rest) + follow(i, false));
          continue;
        }
        if (IsAddressOnly(line)) {
          // An address alone on a line; the error is on the (indented) lines below it.
          add(addr, follow(i, false));
          continue;
        }
      }
      if (IEndsWithRcpt(before)) {
        add(addr, std::string(Trim(after)) + follow(i, false));
      }
    }
    if (out.empty()) {
      std::string_view failed = FindHeader(mail.headers, "X-Failed-Recipients");
      std::string a = FindAddress(failed);
      if (!a.empty()) {
        add(a, std::string(Trim(text.substr(0, 600))));
      }
    }
    return out;
  }

 private:
  static bool IEndsWithRcpt(std::string_view before) {
    std::string l = ToLower(before);
    for (std::string_view w : {"rcpt to:<", "rcpt to: <", "rcpt to:", "recipient:", "recipient: <",
                               "address:", "original-recipient: rfc822;", "to:<"}) {
      if (l.size() >= w.size() && l.compare(l.size() - w.size(), w.size(), w) == 0) {
        return l.size() == w.size() || l.find("rcpt") != std::string::npos ||
               l.find("recipient") != std::string::npos;
      }
    }
    return false;
  }
};

std::unique_ptr<Detector> MakeGenericTextDetector() { return std::make_unique<GenericText>(); }

}  // namespace bw::mail
