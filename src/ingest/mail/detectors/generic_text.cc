// SPDX-License-Identifier: Apache-2.0
// The last resort for bounces no family detector claimed: scans the human-readable text for the
// shapes nearly every MTA uses to name a failed recipient ("<a@b>:", "<a@b>... ", an address
// alone on an indented line, "RCPT TO:<a@b>") and takes the lines that follow as the error.
#include <cctype>

#include <optional>

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
        "mail delivery failed", "could not be delivered", "delivery notification", "not delivered",
        "nondeliverable", "non-deliverable", "delivery problem", "returned to sender",
        "mail system error", "delivery error", "failed delivery"}) {
    if (subject.find(w) != std::string::npos) {
      return true;
    }
  }
  // Phrases of the explanation itself, for reports sent from an ordinary-looking address.
  for (size_t phrase :
       {ReadablePhrase("could not be delivered"), ReadablePhrase("was not delivered"),
        ReadablePhrase("wasn't delivered"), ReadablePhrase("undeliverable"),
        ReadablePhrase("delivery has failed"), ReadablePhrase("delivery failed"),
        ReadablePhrase("permanent error"), ReadablePhrase("error message below"),
        ReadablePhrase("invalid user address"), ReadablePhrase("unable to deliver"),
        ReadablePhrase("returned permanent errors"), ReadablePhrase("could not deliver"),
        ReadablePhrase("delivery to the following recipient")}) {
    if (ReadableHas(mail, phrase)) {
      return true;
    }
  }
  return false;
}

bool IEndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && IEquals(s.substr(s.size() - suffix.size()), suffix);
}

bool IsErrorLabel(std::string_view before) {
  if (before.empty() || before.size() > 80 ||
      (before.back() != ':' && !IEndsWith(before, ": <") && !IEndsWith(before, ":<"))) {
    return false;
  }
  for (std::string_view w :
       {"unknown", "invalid", "no such", "not found", "rejected", "failed recipient",
        "bad recipient", "undeliverable", "permanent error", "recipients returned"}) {
    if (IContains(before, w)) {
      return true;
    }
  }
  return false;
}
bool IEndsWithRcpt(std::string_view before) {
  // In any ASCII case, on `before` as it is (no lower-cased copy).
  for (std::string_view w : {"rcpt to:<", "rcpt to: <", "rcpt to:", "recipient:", "recipient: <",
                             "address:", "original-recipient: rfc822;", "to:<"}) {
    if (IEndsWith(before, w)) {
      return before.size() == w.size() || IContains(before, "rcpt") ||
             IContains(before, "recipient");
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
    return ScanBounceText(mail);
  }
};

namespace {
std::vector<Delivery> ComputeScanBounceText(const Mail& mail);
}  // namespace

std::vector<Delivery> ScanBounceText(const Mail& mail) {
  DetectionMemo* memo = DetectionScope::MemoFor(mail);
  if (memo == nullptr) {
    return ComputeScanBounceText(mail);
  }
  return internal::TakeMemoized(memo->bounce_text, [&] { return ComputeScanBounceText(mail); });
}

namespace {

std::vector<Delivery> ComputeScanBounceText(const Mail& mail) {
  // The bounce's own addressee is the original sender; an address equal to it is a recipient
  // only when nothing else is (anonymised reports use one address for everything). Both are
  // looked up when the first address is added (most texts name none), and compared in any
  // ASCII case (views into the mail's header values: no lower-cased copies).
  std::string_view sender;
  std::string_view orig_from;
  std::vector<bool> is_sender;
  std::vector<Delivery> out;
  auto add = [&](std::string_view addr, std::string_view diag) {
    if (addr.empty()) {
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
    if (out.empty()) {
      sender = FindAddressIn(FindHeader(mail.headers, "To"));
      orig_from = FindAddressIn(FindHeader(mail.original_headers, "From"));
    }
    Delivery& d = out.emplace_back();
    d.recipient = std::string(addr);
    d.diagnostic = Squeeze(diag);
    is_sender.push_back(IEquals(addr, sender) || IEquals(addr, orig_from) || IsSystemAddress(addr));
  };
  std::string_view text = mail.Readable();
  // The text's lines (as SplitLines gives them) are walked in place with LineFrom: no line list.
  // A line's diagnostic before Squeeze is built in `diag` (this thread's buffer, reused from line
  // to line and mail to mail): `follow` appends the (at most 7) lines from the one starting at
  // `from` that belong to it.
  thread_local std::string diag;
  auto follow = [&](size_t from, bool indented_only) {
    for (size_t k = 0, next = from; k < 7 && next < text.size(); ++k) {
      std::string_view l = LineFrom(text, next, next);
      if (Trim(l).empty()) {
        break;
      }
      if (indented_only && l.front() != ' ' && l.front() != '\t') {
        break;
      }
      std::string_view tl = Trim(l);
      std::string_view lead = FindAddressIn(tl);
      if (!lead.empty() && tl.substr(0, lead.size()) == lead && tl.size() > lead.size() &&
          tl[lead.size()] == ':') {
        break;  // the next recipient's "a@b: error" line
      }
      if (IsAddressOnly(l) ||
          (Trim(l).front() == '<' && l.find("@") != std::string_view::npos &&
           Trim(l).find(">") != std::string_view::npos &&
           (l.find(">:") != std::string_view::npos || l.find(">...") != std::string_view::npos))) {
        break;
      }
      diag += ' ';
      diag += Trim(l);
    }
  };
  // Only a line with an '@' can name an address: from each line start on, the next '@' tells
  // which line to read (the lines before it are skipped unread).
  for (size_t start = 0, next = 0; start < text.size(); start = next) {
    const size_t at_sign = text.find('@', start);
    if (at_sign == std::string_view::npos) {
      break;
    }
    const size_t nl = text.rfind('\n', at_sign);
    start = nl == std::string_view::npos || nl < start ? start : nl + 1;
    std::string_view line = Trim(LineFrom(text, start, next));  // `next`: the line after it
    std::string_view addr = FindAddressIn(line);
    if (addr.empty()) {
      continue;
    }
    size_t at = line.find(addr);
    std::string_view before = Trim(line.substr(0, at));
    std::string_view after = line.substr(at + addr.size());
    if (!after.empty() && after.front() == '>') {
      after.remove_prefix(1);
    }
    while (!after.empty() && (after.front() == '"' || after.front() == '\'')) {
      after.remove_prefix(1);
    }
    // Bullets ("* a@b", "-- a@b") and sendmail's reply code ("550 <a@b>... User unknown").
    while (!before.empty() &&
           (before.front() == '*' || before.front() == '-' || before.front() == '#')) {
      before = Trim(before.substr(1));
    }
    if (before.size() >= 3 && before[0] >= '2' && before[0] <= '5' &&
        std::isdigit(static_cast<unsigned char>(before[1])) &&
        std::isdigit(static_cast<unsigned char>(before[2])) &&
        (before.size() == 3 || Trim(before.substr(3)) == "<") && IStartsWith(after, "...")) {
      before = "<";
    }
    if (before == "<" || before.empty() || before == "\"" || before == "<\"" || before == "\"<" ||
        before == "'") {
      if (IStartsWith(after, "...") || IStartsWith(Trim(after), ":")) {
        // "<a@b>... User unknown" (sendmail), "<a@b>: host x said: ..." (postfix, qmail)
        std::string_view rest = Trim(after);
        while (!rest.empty() && (rest.front() == '.' || rest.front() == ':')) {
          rest.remove_prefix(1);
        }
        diag.assign(rest);
        follow(next, false);
        add(addr, diag);
        continue;
      }
      // An address at the start of a line; the error follows it or is on the lines below.
      diag.assign(Trim(after));
      follow(next, false);
      add(addr, diag);
      continue;
    }
    if (IsErrorLabel(before)) {
      // "Unknown user: a@b", "Invalid recipient: <a@b>"
      diag.assign(before);
      diag += ' ';
      diag += Trim(after);
      follow(next, false);
      add(addr, diag);
      continue;
    }
    if (IEndsWith(before, " to <") || IEndsWith(before, " to:") || IEndsWith(before, " to") ||
        IEndsWith(before, " to: <")) {
      if (IContains(before, "deliver") || IContains(before, "sending") ||
          IContains(before, "send ") || IContains(before, "transmit")) {
        diag.clear();
        follow(next, false);
        if (next < text.size()) {
          size_t after_next = next;
          LineFrom(text, next, after_next);
          follow(after_next, false);  // the lines from the one after the next
        }
        add(addr, diag);
        continue;
      }
    }
    if (IEndsWithRcpt(before)) {
      diag.assign(Trim(after));
      follow(next, false);
      add(addr, diag);
    }
  }
  if (diag.capacity() > (size_t{1} << 20)) {
    std::string().swap(diag);  // give back what a huge text grew
  }
  if (out.empty() && !FindHeader(mail.headers, "X-Failed-Recipients").empty()) {
    std::string_view failed = FindHeader(mail.headers, "X-Failed-Recipients");
    std::string a = FindAddress(failed);
    if (!a.empty()) {
      add(a, Trim(text.substr(0, 600)));
    }
  }
  if (out.size() > 1) {
    std::vector<Delivery> kept;
    for (size_t k = 0; k < out.size(); ++k) {
      if (!is_sender[k]) {
        kept.push_back(std::move(out[k]));
      }
    }
    if (!kept.empty()) {
      out = std::move(kept);
    }
  } else if (out.size() == 1 && is_sender[0] && mail.has_original &&
             !IEquals(FindAddress(FindHeader(mail.original_headers, "To")), out[0].recipient) &&
             !FindAddress(FindHeader(mail.original_headers, "To")).empty()) {
    out.clear();
  }
  if (out.empty() &&
      (IContains(text, "transcript of session follows") || IContains(text, "delivery errors") ||
       IContains(text, "no valid recipients"))) {
    // Old sendmail: only the transcript; the recipient is the original's To.
    std::string to = FindAddress(FindHeader(mail.original_headers, "To"));
    if (to.empty()) {
      size_t at = IFind(mail.text, "\nto:", text.size());
      if (at != std::string::npos) {
        to = FindAddress(std::string_view(mail.text).substr(at, mail.text.find('\n', at + 1) - at));
      }
    }
    size_t t = IFind(text, "transcript of session follows");
    if (t == std::string_view::npos) {
      t = 0;
    }
    size_t eol = text.find('\n', t);
    add(to, eol == std::string_view::npos ? std::string_view() : text.substr(eol));
  }
  // Transcripts (">>> RCPT To:<a@b>" then "<<< 550 ...") name the command once for all.
  // (searched for only when a diagnostic does not name one itself).
  std::optional<std::string> command;
  for (auto& d : out) {
    if (FindSmtpCommand(d.diagnostic).empty()) {
      if (!command) {
        command = FindSmtpCommandOnce(text);
      }
      d.smtp_command = *command;
    }
  }
  if (out.size() == 1 && FindStatus(out[0].diagnostic).empty() &&
      FindReplyCode(out[0].diagnostic).empty()) {
    out[0].diagnostic = Squeeze(text.substr(0, 2000));
  }
  return out;
}

}  // namespace

std::unique_ptr<Detector> MakeGenericTextDetector() { return std::make_unique<GenericText>(); }

}  // namespace bw::mail
