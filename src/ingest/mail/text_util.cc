// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/text_util.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <cctype>

namespace bw::mail {
namespace {

// ASCII-only lower case: no locale lookup (this is the parser's hottest function).
inline char Low(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsLocalChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u >= 0x80 ||
         std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}
bool IsDomainChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u >= 0x80 || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' ||
         c == ':';
}

}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Low);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (Low(a[i]) != Low(b[i])) {
      return false;
    }
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

size_t IFind(std::string_view h, std::string_view n, size_t from) {
  if (n.empty()) {
    return from <= h.size() ? from : std::string_view::npos;
  }
  if (h.size() < n.size()) {
    return std::string_view::npos;
  }
  char first = Low(n[0]);
  char first_up = (first >= 'a' && first <= 'z') ? static_cast<char>(first - 32) : first;
  for (size_t i = from; i + n.size() <= h.size(); ++i) {
    if (h[i] != first && h[i] != first_up) {
      continue;
    }
    size_t j = 1;
    while (j < n.size() && Low(h[i + j]) == Low(n[j])) {
      ++j;
    }
    if (j == n.size()) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool IContains(std::string_view h, std::string_view n) {
  return IFind(h, n) != std::string_view::npos;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string Squeeze(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) {
    ++i;
  }
  while (i < s.size()) {
    // Copy a run of non-space bytes at once.
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) {
      ++j;
    }
    out.append(s.data() + i, j - i);
    while (j < s.size() && IsSpace(s[j])) {
      ++j;
    }
    if (j < s.size()) {
      out.push_back(' ');
    }
    i = j;
  }
  return out;
}

std::string FindAddress(std::string_view s) {
  size_t at = 0;
  while ((at = s.find('@', at)) != std::string_view::npos) {
    size_t b = at;
    while (b > 0 && IsLocalChar(s[b - 1])) {
      --b;
    }
    // A quoted local part: "john doe"@example.com
    if (b == at && at > 0 && s[at - 1] == '"') {
      size_t q = s.rfind('"', at - 2 < s.size() ? at - 2 : 0);
      if (q != std::string_view::npos && q + 1 < at - 1) {
        b = q;
      }
    }
    size_t e = at + 1;
    while (e < s.size() && IsDomainChar(s[e])) {
      ++e;
    }
    while (b < at && s[b] == '.') {
      ++b;
    }
    while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == ':' || s[e - 1] == ']')) {
      if (s[e - 1] == ']' && s.substr(at + 1, e - at - 1).find('[') != std::string_view::npos) {
        break;
      }
      --e;
    }
    if (b < at && e > at + 1) {
      std::string_view domain = s.substr(at + 1, e - at - 1);
      if (domain.find('.') != std::string_view::npos || domain.front() == '[' ||
          domain == "localhost") {
        return std::string(s.substr(b, e - b));
      }
    }
    at += 1;
  }
  return {};
}

bool IsAddressOnly(std::string_view s) {
  s = Trim(s);
  while (!s.empty() && (s.front() == '<' || s.front() == '"' || s.front() == '\'')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '>' || s.back() == ':' || s.back() == ',' || s.back() == '"' ||
                        s.back() == '\'' || s.back() == '.')) {
    s.remove_suffix(1);
  }
  if (s.empty() || s.find(' ') != std::string_view::npos) {
    return false;
  }
  std::string a = FindAddress(s);
  return !a.empty() && a.size() == s.size();
}

std::string FindStatus(std::string_view s) {
  // The first 4.x.x / 5.x.x code wins over an earlier 2.x.x one (a transcript's "250 2.1.5 Ok"
  // before the error).
  std::string first;
  for (size_t i = 0; i + 5 <= s.size(); ++i) {
    char c = s[i];
    if ((c != '2' && c != '4' && c != '5') || s[i + 1] != '.') {
      continue;
    }
    if (i > 0 && (IsDigit(s[i - 1]) || s[i - 1] == '.')) {
      continue;
    }
    size_t j = i + 2;
    size_t d1 = j;
    while (j < s.size() && IsDigit(s[j]) && j - d1 < 3) {
      ++j;
    }
    if (j == d1 || j >= s.size() || s[j] != '.') {
      continue;
    }
    size_t d2 = ++j;
    while (j < s.size() && IsDigit(s[j]) && j - d2 < 3) {
      ++j;
    }
    if (j == d2 || (j < s.size() &&
                    (IsDigit(s[j]) || (s[j] == '.' && j + 1 < s.size() && IsDigit(s[j + 1]))))) {
      continue;
    }
    if (c != '2') {
      return std::string(s.substr(i, j - i));
    }
    if (first.empty()) {
      first = std::string(s.substr(i, j - i));
    }
  }
  return first;
}

std::string FindReplyCode(std::string_view s) {
  for (size_t i = 0; i + 3 <= s.size(); ++i) {
    char c = s[i];
    if (c != '2' && c != '4' && c != '5') {
      continue;
    }
    if (i > 0 && !(s[i - 1] == ' ' || s[i - 1] == '(' || s[i - 1] == '<' || s[i - 1] == '"' ||
                   s[i - 1] == ':' || s[i - 1] == '\t' || s[i - 1] == '\n' || s[i - 1] == '[')) {
      continue;
    }
    if (!IsDigit(s[i + 1]) || !IsDigit(s[i + 2]) || s[i + 1] > '5') {
      continue;
    }
    if (i + 3 < s.size()) {
      char n = s[i + 3];
      if (!(n == ' ' || n == '-' || n == '\n' || n == ')' || n == '\t' || n == '>' || n == ']' ||
            n == ',' || n == ':')) {
        continue;
      }
      // "550-" should be followed by text; "550 " by text too. Reject "503 ms" style numbers
      // followed by units is rare enough to ignore.
    }
    return std::string(s.substr(i, 3));
  }
  return {};
}

std::string FindSmtpCommand(std::string_view s) {
  struct Probe {
    std::string_view needle;
    std::string_view command;
  };
  static constexpr Probe kProbes[] = {
      {"rcpt to", "RCPT"},
      {"remote smtp server has rejected address", "RCPT"},
      {"refused to talk to me", "CONN"},
      {"smtp command\ndata", "DATA"},
      {"rcpt_to", "RCPT"},
      {"rcpt command", "RCPT"},
      {"after rcpt", "RCPT"},
      {"mail from", "MAIL"},
      {"after mail", "MAIL"},
      {"end of data", "DATA"},
      {"after data", "DATA"},
      {"to data command", "DATA"},
      {"data command", "DATA"},
      {"initial connection", "CONN"},
      {"connect to", "CONN"},
      {"greeting", "CONN"},
      {"ehlo", "EHLO"},
      {"helo", "HELO"},
  };
  // One forward scan: the earliest position where a probe starts wins (the first probe in the
  // table order at a tie), so the scan stops at the first hit.
  static const auto kFirst = [] {
    std::array<uint32_t, 256> first{};  // bit k: probe k starts with this (lower-case) byte
    for (size_t k = 0; k < std::size(kProbes); ++k) {
      first[static_cast<unsigned char>(kProbes[k].needle[0])] |= 1u << k;
    }
    return first;
  }();
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t cand = kFirst[static_cast<unsigned char>(Low(s[i]))];
    if (cand == 0) {
      continue;
    }
    for (size_t k = 0; k < std::size(kProbes); ++k) {
      if ((cand & (1u << k)) == 0) {
        continue;
      }
      std::string_view n = kProbes[k].needle;
      if (i + n.size() > s.size()) {
        continue;
      }
      size_t j = 1;
      while (j < n.size() && Low(s[i + j]) == n[j]) {
        ++j;
      }
      if (j == n.size()) {
        return std::string(kProbes[k].command);
      }
    }
  }
  return {};
}

bool IsSystemAddress(std::string_view a) {
  return IStartsWith(a, "mailer-daemon@") || IStartsWith(a, "postmaster@") ||
         IStartsWith(a, "mail-daemon@") || IStartsWith(a, "mailerdaemon@");
}

}  // namespace bw::mail

namespace bw::mail {

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (ok && n == 2 && c < 0xc2) {
      ok = false;
    }
    if (ok && n >= 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
          (c == 0xf4 && c1 >= 0x90) || c > 0xf4) {
        ok = false;
      }
    }
    if (ok && (c >= 0x20 || c == '\t' || c == '\n')) {
      out.append(s.substr(i, n));
      i += n;
    } else if (ok) {
      out.push_back(' ');  // control characters are dropped from report text
      i += 1;
    } else {
      out += "\xef\xbf\xbd";  // U+FFFD
      i += 1;
    }
  }
  return out;
}

}  // namespace bw::mail

namespace bw::mail {

std::string JoinReplyLines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool first = true;
  size_t i = 0;
  while (i < s.size()) {
    bool boundary = i == 0 || s[i - 1] == ' ';
    if (boundary && i + 4 <= s.size() && s[i] >= '2' && s[i] <= '5' && IsDigit(s[i + 1]) &&
        IsDigit(s[i + 2]) && (s[i + 3] == '-' || s[i + 3] == ' ')) {
      // "550-" or "550 " optionally followed by "5.7.1 "
      size_t j = i + 4;
      std::string st = FindStatus(s.substr(j, 12));
      if (!st.empty() && s.substr(j, st.size()) == st && j + st.size() < s.size() &&
          s[j + st.size()] == ' ') {
        j += st.size() + 1;
      } else if (s[i + 3] == ' ') {
        j = i;  // "550 text" without a status is not a continuation prefix
      }
      if (j != i) {
        if (first) {
          out.append(s.substr(i, j - i));
          first = false;
        }
        i = j;
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

}  // namespace bw::mail
