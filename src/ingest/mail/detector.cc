// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/detector.h"

#include <algorithm>
#include <cstring>

#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

void SetField(Delivery& d, std::string_view name, std::string_view value) {
  std::string n = ToLower(name);
  if (n == "action") {
    d.action = ToLower(Trim(value));
    size_t sp = d.action.find_first_of(" (");
    if (sp != std::string::npos) {
      d.action.resize(sp);
    }
  } else if (n == "status") {
    std::string s = FindStatus(value);
    d.status = s.empty() ? std::string(Trim(value)) : s;
  } else if (n == "remote-mta") {
    size_t semi = value.find(';');
    d.remote_mta =
        std::string(Trim(semi == std::string_view::npos ? value : value.substr(semi + 1)));
  } else if (n == "diagnostic-code") {
    size_t semi = value.find(';');
    if (semi != std::string_view::npos && semi < 16 &&
        Trim(value.substr(0, semi)).find(' ') == std::string_view::npos) {
      d.diagnostic_type = std::string(Trim(value.substr(0, semi)));
      for (auto& c : d.diagnostic_type) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      d.diagnostic = Squeeze(value.substr(semi + 1));
    } else {
      d.diagnostic = Squeeze(value);
    }
  } else if (n == "last-attempt-date") {
    d.date = std::string(Trim(value));
  }
}

std::string AddressOfField(std::string_view value) {
  size_t semi = value.find(';');
  std::string_view v = semi == std::string_view::npos ? value : value.substr(semi + 1);
  return FindAddress(v);
}

void ParseDsnText(std::string_view text, std::vector<Delivery>& out) {
  std::string reporting_mta;
  std::string arrival;
  Delivery cur;
  bool has_final = false;
  bool has_orig = false;
  bool any = false;
  std::string orig_addr;
  auto flush = [&] {
    if (any) {
      if (cur.recipient.empty()) {
        cur.recipient = orig_addr;
      }
      if (!cur.recipient.empty()) {
        cur.reporting_mta = reporting_mta;
        if (cur.date.empty()) {
          cur.date = arrival;
        }
        out.push_back(std::move(cur));
      }
    }
    cur = Delivery();
    has_final = has_orig = any = false;
    orig_addr.clear();
  };
  std::string name;
  std::string value;
  auto apply = [&] {
    if (name.empty()) {
      return;
    }
    std::string n = ToLower(name);
    if (n == "reporting-mta") {
      size_t semi = value.find(';');
      reporting_mta = std::string(Trim(semi == std::string::npos ? value : value.substr(semi + 1)));
    } else if (n == "arrival-date") {
      arrival = value;
    } else if (n == "final-recipient" || n == "x-actual-recipient") {
      if (n == "final-recipient" &&
          (has_final || (has_orig && (!cur.action.empty() || !cur.status.empty())))) {
        flush();
      }
      if (n == "final-recipient" || cur.recipient.empty()) {
        std::string a = AddressOfField(value);
        if (!a.empty()) {
          cur.recipient = a;
        }
      }
      has_final = has_final || n == "final-recipient";
      any = true;
    } else if (n == "original-recipient") {
      if (has_orig ||
          (has_final && (!cur.action.empty() || !cur.status.empty() || !cur.diagnostic.empty()))) {
        flush();
      }
      orig_addr = AddressOfField(value);
      has_orig = true;
      any = true;
    } else if (any) {
      SetField(cur, name, value);
    }
    name.clear();
    value.clear();
  };
  for (std::string_view line : SplitLines(text)) {
    if (Trim(line).empty()) {
      apply();
      if (has_final) {
        flush();
      }
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!name.empty()) {
        value += ' ';
        value += Trim(line);
      }
      continue;
    }
    apply();
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        line.substr(0, colon).find(' ') != std::string_view::npos) {
      continue;
    }
    name = std::string(line.substr(0, colon));
    value = std::string(Trim(line.substr(colon + 1)));
  }
  apply();
  flush();
}

}  // namespace

namespace {
thread_local DetectionScope* tl_scope = nullptr;
}  // namespace

DetectionScope::DetectionScope(const Mail& mail) : mail_(&mail), outer_(tl_scope) {
  tl_scope = this;
}

DetectionScope::~DetectionScope() { tl_scope = outer_; }

DetectionMemo* DetectionScope::MemoFor(const Mail& mail) {
  return tl_scope != nullptr && tl_scope->mail_ == &mail ? &tl_scope->memo_ : nullptr;
}

std::vector<Delivery> ParseDeliveryStatus(const Mail& mail) {
  std::vector<Delivery> out;
  for (const auto& part : mail.delivery_status) {
    ParseDsnText(part, out);
  }
  if (out.empty() && mail.delivery_status.empty()) {
    size_t at = IFind(mail.text, "final-recipient:");
    if (at != std::string::npos) {
      size_t start = mail.text.rfind("\n\n", at);
      ParseDsnText(std::string_view(mail.text).substr(start == std::string::npos ? 0 : start), out);
    }
  }
  return out;
}

size_t FindOriginalStart(std::string_view text) { return FindOriginalStart(text, ToLower(text)); }

bool ReadableMentions(const Mail& mail, std::string_view needle) {
  std::string_view readable = mail.Readable();
  if (mail.text_lower.size() != mail.text.size()) {
    return IContains(readable, needle);  // a Mail built by hand
  }
  bool lower_already = true;
  for (char c : needle) {
    lower_already = lower_already && !(c >= 'A' && c <= 'Z');
  }
  std::string lowered = lower_already ? std::string() : ToLower(needle);
  std::string_view n = lower_already ? needle : std::string_view(lowered);
  return Find(std::string_view(mail.text_lower).substr(0, readable.size()), n) !=
         std::string_view::npos;
}

std::vector<size_t> LinesMentioning(const Mail& mail, const std::vector<std::string_view>& lines,
                                    std::string_view needle) {
  std::vector<size_t> out;
  const std::string_view text = mail.Readable();
  const bool views_into_text =
      mail.text_lower.size() == mail.text.size() && !lines.empty() &&
      lines.front().data() >= text.data() &&
      lines.back().data() + lines.back().size() <= text.data() + text.size();
  if (!views_into_text || needle.empty() || needle.find('\n') != std::string_view::npos) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (IContains(lines[i], needle)) {
        out.push_back(i);
      }
    }
    return out;
  }
  const std::string n = ToLower(needle);
  const char* base = mail.text_lower.data();
  size_t from = 0;
  size_t line = 0;
  while (from < text.size()) {
    const size_t at = Find(std::string_view(base, text.size()), n, from);
    if (at == std::string_view::npos) {
      break;
    }
    // The line holding the hit (lines are in text order); a hit that runs into a dropped '\r'
    // is not inside its line.
    while (line < lines.size() &&
           static_cast<size_t>(lines[line].data() - text.data()) + lines[line].size() < at + n.size()) {
      ++line;
    }
    if (line == lines.size()) {
      break;
    }
    size_t begin = static_cast<size_t>(lines[line].data() - text.data());
    if (at >= begin) {
      out.push_back(line);
      // The next line: later hits in this one add nothing.
      from = begin + lines[line].size() + 1;
      ++line;
    } else {
      from = at + 1;
    }
  }
  return out;
}

size_t FindOriginalStart(std::string_view text, std::string_view lower) {
  static constexpr std::string_view kMarkers[] = {
      "this is a copy of the message",
      "below this line is a copy of the message",
      "original message follows",
      "-----original message-----",
      "----- original message -----",
      "------ original message ------",
      "the header and text of the original message follow",
      "the original message headers",
      "message headers follow",
      "--- the header of the original message is following",
      "original message header",
      "-- original message --",
      "----- the following is a copy of the message",
      "content-type: message/rfc822",
      "----- unsent message follows -----",
      "------ returned message ------",
      "--- returned message ---",
      "------ a copy of the message",
      "included is a copy of the message header",
      "a copy of the original message below",
      "the text you sent follows:",
      "unsent message below",
      "\noriginal message:",
  };
  size_t cut = text.size();
  // A separator line naming the original: "-------original message", "=== Original mail ===".
  // Only lines starting with "---" or "===" can be one: those are found with Find ("\n---",
  // "\n===") instead of walking every line.
  const auto separator_at = [&](size_t at) {
    size_t eol = lower.find('\n', at);
    if (eol == std::string::npos) {
      eol = lower.size();
    }
    std::string_view line = lower.substr(at, eol - at);
    return line.size() > 4 && (line.substr(0, 3) == "---" || line.substr(0, 3) == "===") &&
           (line.find("original message") != std::string_view::npos ||
            line.find("original mail") != std::string_view::npos ||
            line.find("returned message") != std::string_view::npos);
  };
  if (separator_at(0)) {
    cut = 0;
  } else {
    // The next "\n<c><c><c>" at or after `from` (its '\n'), or npos.
    const auto next = [&](size_t from, std::string_view probe) {
      if (from >= lower.size()) {
        return std::string_view::npos;
      }
      return Find(lower, probe, from);
    };
    size_t dash = next(0, "\n---");
    size_t equal = next(0, "\n===");
    while (dash != std::string_view::npos || equal != std::string_view::npos) {
      size_t nl = std::min(dash, equal);
      if (separator_at(nl + 1)) {
        cut = nl;  // the line's start minus one, as before
        break;
      }
      if (nl == dash) {
        dash = next(nl + 1, "\n---");
      } else {
        equal = next(nl + 1, "\n===");
      }
    }
  }
  // The cut is the start of the line of the earliest marker (no marker spans a line end, so the
  // order of the searches does not matter). All markers but one contain "message": one Find
  // pass finds its occurrences and each is checked against the markers around it, instead of a
  // pass per marker.
  static constexpr std::string_view kAnchor = "message";
  const auto bol_of = [&](size_t at) {
    size_t bol = text.rfind('\n', at);
    return bol == std::string_view::npos ? size_t{0} : bol;
  };
  size_t from = 0;
  while (from < cut) {
    const size_t m = Find(lower.substr(0, cut), kAnchor, from);
    if (m == std::string_view::npos) {
      break;
    }
    for (auto marker : kMarkers) {
      size_t off = marker.find(kAnchor);
      if (off == std::string_view::npos || m < off) {
        continue;
      }
      size_t start = m - off;
      if (start + marker.size() <= cut && lower.compare(start, marker.size(), marker) == 0) {
        cut = std::min(cut, bol_of(start));
      }
    }
    from = m + 1;
  }
  for (auto marker : kMarkers) {
    if (marker.find(kAnchor) != std::string_view::npos) {
      continue;
    }
    const size_t hit = Find(lower.substr(0, cut), marker);
    if (hit != std::string_view::npos) {
      cut = std::min(cut, bol_of(hit));
    }
  }
  return cut;
}

std::string_view TextBeforeOriginal(std::string_view text) {
  return text.substr(0, FindOriginalStart(text));
}

MailSignals SignalsOf(const Mail& mail) {
  MailSignals s;
  s.from = FromLower(mail);
  s.subject = SubjectLower(mail);
  s.has_delivery_status = !mail.delivery_status.empty();
  s.has_feedback_report = !mail.feedback_report.empty();
  for (std::string_view w : {"mailer-daemon", "postmaster", "mail delivery", "mail-daemon",
                             "mailer_daemon", "mail administrator", "mailmaster", "daemon@",
                             "system administrator"}) {
    if (s.from.find(w) != std::string::npos) {
      s.from_daemon = true;
      break;
    }
  }
  return s;
}

std::string SubjectLower(const Mail& mail) { return ToLower(FindHeader(mail.headers, "Subject")); }
std::string FromLower(const Mail& mail) { return ToLower(FindHeader(mail.headers, "From")); }

void ApplyReasonPhrases(Delivery& d, std::span<const ReasonPhrase> phrases) {
  for (const auto& p : phrases) {
    if (IContains(d.diagnostic, p.text)) {
      d.reason = std::string(p.reason);
      return;
    }
  }
}

bool HeadersMention(const Mail& mail, std::string_view name, std::string_view needle) {
  for (const auto& h : mail.headers) {
    if (IEquals(h.name, name) && IContains(h.value, needle)) {
      return true;
    }
  }
  return false;
}

}  // namespace bw::mail
