// SPDX-License-Identifier: Apache-2.0
#include "core/time_format.h"

#include <cstdio>
#include <ctime>
#include <vector>

#include <gtest/gtest.h>

namespace bw {
namespace {

TEST(ParseIso8601Ms, SesForms) {
  EXPECT_EQ(ParseIso8601Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601Ms("2016-01-27T14:59:38.237Z"), 1453906778237);
  EXPECT_EQ(ParseIso8601Ms("2018-10-08T14:05:45 +0000"), 1539007545000);
  EXPECT_EQ(ParseIso8601Ms("2009-12-03T04:24:21.000-05:00"), 1259832261000);
  EXPECT_EQ(ParseIso8601Ms("2026-11-30"), 1795996800000);
  EXPECT_EQ(ParseIso8601Ms("2016-01-27T14:59:38.2379999Z"), 1453906778237);
}

TEST(ParseIso8601Ms, RejectsGarbage) {
  EXPECT_FALSE(ParseIso8601Ms(""));
  EXPECT_FALSE(ParseIso8601Ms("yesterday"));
  EXPECT_FALSE(ParseIso8601Ms("2016-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseIso8601Ms("2015-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseIso8601Ms("2016-01-27T14:59:38Zjunk"));
  EXPECT_FALSE(ParseIso8601Ms("2016-01-27T25:00:00Z"));
}

TEST(ParseRfc5322DateMs, Forms) {
  EXPECT_EQ(ParseRfc5322DateMs("Wed, 27 Jan 2016 14:05:45 +0000"), 1453903545000);
  EXPECT_EQ(ParseRfc5322DateMs("27 Jan 2016 09:05:45 -0500"), 1453903545000);
  EXPECT_EQ(ParseRfc5322DateMs("Wed, 27 Jan 2016 14:05:45 GMT"), 1453903545000);
  EXPECT_FALSE(ParseRfc5322DateMs("not a date"));
}

TEST(FormatIso8601Ms, RoundTrips) {
  EXPECT_EQ(FormatIso8601Ms(1453906778237), "2016-01-27T14:59:38.237Z");
  EXPECT_EQ(ParseIso8601Ms(FormatIso8601Ms(1796083200001)), 1796083200001);
}

// The arithmetic formatting against the C library's calendar (gmtime_r), from year 0 to 9999,
// before and after 1970, on leap days and at the edges of days, months and years.
TEST(FormatIso8601Ms, AgreesWithGmtime) {
  auto reference = [](int64_t unix_ms) {
    int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
    int ms = static_cast<int>(unix_ms - secs * 1000);
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return std::string(buf);
  };
  std::vector<int64_t> cases = {0, -1, 1, 999, -999, -1000, -1001, 86399999, 86400000,
                                951782400000 /* 2000-02-29 */, 4107542399999 /* 2100-02-28 */,
                                -62167219200000 /* 0000-01-01 */, 253402300799999 /* 9999-12-31 */,
                                1453906778237, 1796083200001};
  uint64_t x = 88172645463325252ull;  // xorshift: a fixed spread of instants over the years
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    cases.push_back(-62167219200000 + static_cast<int64_t>(x % 315569520000000ull));
  }
  for (int64_t ms : cases) {
    ASSERT_EQ(FormatIso8601Ms(ms), reference(ms)) << ms;
  }
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(ParseDuration("0")->count(), 0);
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_EQ(ParseDuration("15s")->count(), 15000);
  EXPECT_EQ(ParseDuration("30m")->count(), 1800000);
  EXPECT_EQ(ParseDuration("1h")->count(), 3600000);
  EXPECT_EQ(ParseDuration("7d")->count(), 604800000);
  EXPECT_EQ(ParseDuration("90")->count(), 90000);
  EXPECT_FALSE(ParseDuration("-1h"));
  EXPECT_FALSE(ParseDuration("1y"));
  EXPECT_FALSE(ParseDuration("h"));
  EXPECT_FALSE(ParseDuration("99999999999999999999d"));
  EXPECT_EQ(FormatDuration(std::chrono::hours(1)), "1h");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "90s");
}

TEST(ParseSinceMs, DurationOrAbsolute) {
  EXPECT_EQ(ParseSinceMs("1h", 7200000), 3600000);
  EXPECT_EQ(ParseSinceMs("1970-01-01T00:00:01Z", 7200000), 1000);
  EXPECT_FALSE(ParseSinceMs("soon", 0));
}

}  // namespace
}  // namespace bw
