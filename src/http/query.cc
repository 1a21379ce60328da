// SPDX-License-Identifier: Apache-2.0
#include "http/query.h"

#include <utility>

namespace bw::http {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        return InvalidInput("bad percent-encoding in the URL");
      }
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) {
        return InvalidInput("bad percent-encoding in the URL");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<QueryParams> ParseQuery(std::string_view query, const std::set<std::string>& allowed,
                               bool repeats_allowed) {
  QueryParams out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) {
      continue;
    }
    size_t eq = item.find('=');
    auto key = PercentDecode(item.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : item.substr(eq + 1), true);
    if (!key) {
      return key.error();
    }
    if (!value) {
      return value.error();
    }
    if (!allowed.count(*key)) {
      std::string names;
      for (const auto& a : allowed) {
        names += names.empty() ? a : ", " + a;
      }
      return InvalidInput("unknown query parameter \"" + *key + "\"; known: " + names);
    }
    if (!repeats_allowed && out.count(*key) != 0) {
      return InvalidInput("query parameter \"" + *key + "\" is given twice");
    }
    out.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace bw::http
