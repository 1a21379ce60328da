// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/detector.h"

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
  std::string lower_needle = ToLower(needle);
  return memmem(mail.text_lower.data(), readable.size(), lower_needle.data(),
                lower_needle.size()) != nullptr;
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
  for (size_t at = 0; at < lower.size();) {
    size_t eol = lower.find('\n', at);
    if (eol == std::string::npos) {
      eol = lower.size();
    }
    std::string_view line = lower.substr(at, eol - at);
    if (line.size() > 4 && (line.substr(0, 3) == "---" || line.substr(0, 3) == "===") &&
        (line.find("original message") != std::string_view::npos ||
         line.find("original mail") != std::string_view::npos ||
         line.find("returned message") != std::string_view::npos)) {
      cut = at == 0 ? 0 : at - 1;
      break;
    }
    at = eol + 1;
  }
  for (auto m : kMarkers) {
    // memmem: glibc's vectorised search beats a first-byte scan on these long markers.
    const void* hit = memmem(lower.data(), cut, m.data(), m.size());
    size_t at = hit == nullptr ? std::string_view::npos
                               : static_cast<size_t>(static_cast<const char*>(hit) - lower.data());
    if (at != std::string_view::npos) {
      size_t bol = text.rfind('\n', at);
      cut = bol == std::string_view::npos ? 0 : bol;
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

bool HeadersMention(const Mail& mail, std::string_view name, std::string_view needle) {
  for (const auto& h : mail.headers) {
    if (IEquals(h.name, name) && IContains(h.value, needle)) {
      return true;
    }
  }
  return false;
}

}  // namespace bw::mail
