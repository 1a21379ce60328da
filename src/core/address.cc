// SPDX-License-Identifier: Apache-2.0
#include "core/address.h"

#include <idn2.h>

#include <string>

namespace bw {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = AsciiLower(c);
  }
  return out;
}

bool HasNonAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  return false;
}

Error Invalid(std::string_view input, std::string_view why) {
  std::string shown(input.substr(0, 80));
  return InvalidInput("invalid e-mail address \"" + shown + (input.size() > 80 ? "…" : "") +
                      "\": " + std::string(why));
}

// The address part of `s`: what is inside <...> when there is a display name or brackets.
Result<std::string_view> StripDisplayName(std::string_view input, std::string_view s) {
  if (s.empty() || s.back() != '>') {
    if (s.find('<') != std::string_view::npos || s.find('>') != std::string_view::npos) {
      return Invalid(input, "unbalanced '<' or '>'");
    }
    return s;
  }
  // The last '<' opens the address; a display name may itself hold quoted '<'.
  size_t open = s.rfind('<');
  if (open == std::string_view::npos) {
    return Invalid(input, "'>' without '<'");
  }
  std::string_view inner = Trim(s.substr(open + 1, s.size() - open - 2));
  if (inner.find('<') != std::string_view::npos || inner.find('>') != std::string_view::npos) {
    return Invalid(input, "nested '<' or '>'");
  }
  return inner;
}

// RFC 5321 §4.1.2 local part: a dot-string of atext (plus UTF-8, RFC 6531) or a quoted string.
Status CheckLocal(std::string_view input, std::string_view local) {
  if (local.empty()) {
    return Invalid(input, "the part before '@' is empty");
  }
  if (local.size() > 64) {
    return Invalid(input, "the part before '@' is longer than 64 octets");
  }
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (char c : local.substr(1, local.size() - 2)) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        return Invalid(input, "a control character in the quoted local part");
      }
    }
    return {};
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return Invalid(input, "the part before '@' has a leading, trailing or double dot");
  }
  static constexpr std::string_view kSpecials = "()<>[]:;@\\,\"";
  for (char c : local) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Invalid(input, "a space or control character in the part before '@'");
    }
    if (kSpecials.find(c) != std::string_view::npos) {
      return Invalid(input, std::string("the character '") + c +
                                "' is not allowed unquoted in the part before '@'");
    }
  }
  return {};
}

// A host name in ASCII: labels of letters, digits and hyphens (not at either end), 1..63 octets
// each, at least two labels, at most 253 octets. Underscores are accepted (seen in the wild).
Status CheckAsciiDomain(std::string_view input, std::string_view domain) {
  if (domain.size() > 253) {
    return Invalid(input, "the domain is longer than 253 octets");
  }
  size_t labels = 0;
  size_t start = 0;
  for (;;) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) {
      return Invalid(input, "the domain has an empty label");
    }
    if (label.size() > 63) {
      return Invalid(input, "a domain label is longer than 63 octets");
    }
    if (label.front() == '-' || label.back() == '-') {
      return Invalid(input, "a domain label starts or ends with '-'");
    }
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return Invalid(input, std::string("the character '") + c + "' is not allowed in a domain");
      }
    }
    ++labels;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (labels < 2) {
    return Invalid(input, "the domain needs at least two labels (e.g. example.com)");
  }
  return {};
}

Result<std::string> NormalizeDomain(std::string_view input, std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') {
    domain.remove_suffix(1);
  }
  if (domain.empty()) {
    return Invalid(input, "the part after '@' is empty");
  }
  if (domain.front() == '[') {
    // RFC 5321 §4.1.3 address literal, kept as written (lower-cased).
    if (domain.back() != ']' || domain.size() < 3) {
      return Invalid(input, "an address literal must be enclosed in '[' and ']'");
    }
    for (char c : domain) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7f) {
        return Invalid(input, "a space or non-ASCII character in an address literal");
      }
    }
    return AsciiLower(domain);
  }
  std::string ascii;
  if (HasNonAscii(domain)) {
    std::string utf8(domain);
    char* out = nullptr;
    int rc = idn2_to_ascii_8z(utf8.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
      return Invalid(input, std::string("the domain is not a valid internationalised name (") +
                                idn2_strerror(rc) + ")");
    }
    ascii = out;
    idn2_free(out);
  } else {
    ascii = std::string(domain);
  }
  ascii = AsciiLower(ascii);
  if (auto s = CheckAsciiDomain(input, ascii); !s) {
    return s.error();
  }
  return ascii;
}

}  // namespace

Result<NormalizedAddress> NormalizeAddress(std::string_view input) {
  if (input.size() > 4 * kMaxAddressLength) {
    return Invalid(input, "it is far longer than any e-mail address");
  }
  std::string_view s = Trim(input);
  if (s.empty()) {
    return InvalidInput("invalid e-mail address: it is empty");
  }
  auto inner = StripDisplayName(input, s);
  if (!inner) {
    return inner.error();
  }
  std::string_view addr = *inner;
  size_t at = addr.rfind('@');
  if (at == std::string_view::npos) {
    return Invalid(input, "it has no '@'");
  }
  std::string_view local = addr.substr(0, at);
  if (auto st = CheckLocal(input, local); !st) {
    return st.error();
  }
  auto domain = NormalizeDomain(input, addr.substr(at + 1));
  if (!domain) {
    return domain.error();
  }
  NormalizedAddress out;
  out.local = std::string(local);
  out.domain = std::move(*domain);
  out.display = out.local + "@" + out.domain;
  out.key = AsciiLower(out.local) + "@" + out.domain;
  if (out.key.size() > kMaxAddressLength) {
    return Invalid(input, "it is longer than 254 octets");
  }
  return out;
}

std::string_view KeyDomain(std::string_view key) {
  size_t at = key.rfind('@');
  return at == std::string_view::npos ? std::string_view() : key.substr(at + 1);
}

}  // namespace bw
