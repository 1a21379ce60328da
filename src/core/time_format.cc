// SPDX-License-Identifier: Apache-2.0
#include "core/time_format.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <limits>

#include "core/ascii.h"

namespace bw {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void SkipSpaces() {
    while (!Done() && (s_[i_] == ' ' || s_[i_] == '\t')) {
      ++i_;
    }
  }
  // Reads exactly n digits.
  bool Digits(int n, int64_t* out) {
    int64_t v = 0;
    for (int k = 0; k < n; ++k) {
      if (Done() || !IsAsciiDigit(s_[i_])) {
        return false;
      }
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return true;
  }
  // Reads 1..max digits.
  bool SomeDigits(int max, int64_t* out, int* count) {
    int64_t v = 0;
    int n = 0;
    while (!Done() && n < max && IsAsciiDigit(s_[i_])) {
      v = v * 10 + (s_[i_++] - '0');
      ++n;
    }
    *out = v;
    *count = n;
    return n > 0;
  }
  std::string_view Word() {
    size_t start = i_;
    while (!Done() && IsAsciiAlpha(s_[i_])) {
      ++i_;
    }
    return s_.substr(start, i_ - start);
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool ValidDate(int64_t y, int64_t mo, int64_t d) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1]) {
    return false;
  }
  if (mo == 2 && d == 29) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  }
  return true;
}

// Parses "Z", "+hh:mm", "+hhmm", "+hh", "-..." or "UTC"/"GMT"; returns offset minutes.
bool ParseOffset(Scanner& sc, int64_t* minutes) {
  sc.SkipSpaces();
  if (sc.Done()) {
    *minutes = 0;  // no zone: UTC, as SES means
    return true;
  }
  if (sc.Eat('Z') || sc.Eat('z')) {
    *minutes = 0;
    return true;
  }
  char sign = sc.Peek();
  if (sign == '+' || sign == '-') {
    sc.Eat(sign);
    int64_t hh = 0;
    int64_t mm = 0;
    if (!sc.Digits(2, &hh)) {
      return false;
    }
    sc.Eat(':');
    if (!sc.Done()) {
      if (!sc.Digits(2, &mm)) {
        return false;
      }
    }
    if (hh > 23 || mm > 59) {
      return false;
    }
    *minutes = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
  }
  std::string_view w = sc.Word();
  if (w == "UTC" || w == "GMT" || w == "UT") {
    *minutes = 0;
    return true;
  }
  return false;
}

}  // namespace

std::optional<int64_t> ParseIso8601Ms(std::string_view text) {
  Scanner sc(text);
  sc.SkipSpaces();
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!sc.Digits(4, &y) || !sc.Eat('-') || !sc.Digits(2, &mo) || !sc.Eat('-') ||
      !sc.Digits(2, &d)) {
    return std::nullopt;
  }
  if (!ValidDate(y, mo, d)) {
    return std::nullopt;
  }
  if (sc.Eat('T') || sc.Eat('t') || sc.Eat(' ')) {
    if (!sc.Digits(2, &h) || !sc.Eat(':') || !sc.Digits(2, &mi)) {
      return std::nullopt;
    }
    if (sc.Eat(':')) {
      if (!sc.Digits(2, &s)) {
        return std::nullopt;
      }
      if (sc.Eat('.') || sc.Eat(',')) {
        int64_t frac = 0;
        int n = 0;
        if (!sc.SomeDigits(18, &frac, &n)) {
          return std::nullopt;
        }
        while (n > 3) {
          frac /= 10;
          --n;
        }
        while (n < 3) {
          frac *= 10;
          ++n;
        }
        ms = frac;
      }
    }
    if (h > 23 || mi > 59 || s > 60) {
      return std::nullopt;
    }
  }
  int64_t offset = 0;
  if (!ParseOffset(sc, &offset)) {
    return std::nullopt;
  }
  sc.SkipSpaces();
  if (!sc.Done()) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset * 60;
  return secs * 1000 + ms;
}

std::optional<int64_t> ParseRfc5322DateMs(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  Scanner sc(text);
  sc.SkipSpaces();
  // Optional day name.
  if (IsAsciiAlpha(sc.Peek())) {
    sc.Word();
    sc.Eat(',');
    sc.SkipSpaces();
  }
  int64_t d = 0, y = 0, h = 0, mi = 0, s = 0;
  int n = 0;
  if (!sc.SomeDigits(2, &d, &n)) {
    return std::nullopt;
  }
  sc.SkipSpaces();
  sc.Eat('-');
  std::string_view mon = sc.Word();
  int64_t mo = 0;
  if (mon.size() >= 3) {
    char lower[3];
    for (size_t k = 0; k < 3; ++k) {
      lower[k] = AsciiLower(mon[k]);
    }
    for (size_t k = 0; k < kMonths.size() && mo == 0; ++k) {
      if (std::string_view(lower, 3) == kMonths[k]) {
        mo = static_cast<int64_t>(k) + 1;
      }
    }
  }
  if (mo == 0) {
    return std::nullopt;
  }
  sc.SkipSpaces();
  sc.Eat('-');
  if (!sc.SomeDigits(4, &y, &n)) {
    return std::nullopt;
  }
  if (n == 2) {
    y += y < 50 ? 2000 : 1900;
  }
  sc.SkipSpaces();
  if (!sc.Digits(2, &h) || !sc.Eat(':') || !sc.Digits(2, &mi)) {
    return std::nullopt;
  }
  if (sc.Eat(':') && !sc.Digits(2, &s)) {
    return std::nullopt;
  }
  if (!ValidDate(y, mo, d) || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  sc.SkipSpaces();
  int64_t offset = 0;
  char c = sc.Peek();
  if (c == '+' || c == '-') {
    sc.Eat(c);
    int64_t hhmm = 0;
    if (!sc.Digits(4, &hhmm)) {
      return std::nullopt;
    }
    offset = (c == '-' ? -1 : 1) * ((hhmm / 100) * 60 + hhmm % 100);
  } else if (IsAsciiAlpha(c)) {
    std::string_view z = sc.Word();
    if (z == "EST") offset = -300;
    else if (z == "EDT") offset = -240;
    else if (z == "CST") offset = -360;
    else if (z == "CDT") offset = -300;
    else if (z == "MST") offset = -420;
    else if (z == "MDT") offset = -360;
    else if (z == "PST") offset = -480;
    else if (z == "PDT") offset = -420;
    else if (z == "JST") offset = 540;
    else offset = 0;  // GMT, UT, UTC, military zones and unknowns: RFC 5322 §4.3 says treat as 0
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return (days * 86400 + h * 3600 + mi * 60 + s - offset * 60) * 1000;
}

std::string FormatIso8601Ms(int64_t unix_ms) {
  int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  int64_t ms = unix_ms - secs * 1000;
  // Years 0000-9999 (every time we store) by arithmetic: glibc's gmtime_r takes a process-wide
  // lock on every call, and the request threads format several times per request.
  constexpr int64_t kYear0 = -62167219200;    // 0000-01-01T00:00:00Z
  constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (secs >= kYear0 && secs < kYear10000) {
    const int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const int64_t sod = secs - days * 86400;
    // Howard Hinnant's civil_from_days, the inverse of DaysFromCivil.
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
    char out[25] = "0000-00-00T00:00:00.000Z";
    auto put = [&out](size_t at, int64_t v, int width) {
      for (int i = width - 1; i >= 0; --i) {
        out[at + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
        v /= 10;
      }
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    put(20, ms, 3);
    return std::string(out, 24);
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && IsAsciiDigit(text[i])) {
    if (n > std::numeric_limits<int64_t>::max() / 10 - 10) {
      return std::nullopt;
    }
    n = n * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0) {
    return std::nullopt;
  }
  std::string_view unit = text.substr(i);
  int64_t mult = 0;
  if (unit.empty() || unit == "s") {
    mult = 1000;
  } else if (unit == "ms") {
    mult = 1;
  } else if (unit == "m" || unit == "min") {
    mult = 60'000;
  } else if (unit == "h") {
    mult = 3'600'000;
  } else if (unit == "d") {
    mult = 86'400'000;
  } else if (unit == "w") {
    mult = 7 * 86'400'000LL;
  } else {
    return std::nullopt;
  }
  if (n > std::numeric_limits<int64_t>::max() / mult) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(n * mult);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) {
    return "0";
  }
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : kUnits) {
    if (ms % u.ms == 0) {
      return std::to_string(ms / u.ms) + u.name;
    }
  }
  return std::to_string(ms) + "ms";
}

std::optional<int64_t> ParseSinceMs(std::string_view text, int64_t now_ms) {
  if (auto d = ParseDuration(text)) {
    return now_ms - d->count();
  }
  return ParseIso8601Ms(text);
}

}  // namespace bw
