// SPDX-License-Identifier: Apache-2.0
#include "http/query.h"

#include <iterator>
#include <string_view>

#include <gtest/gtest.h>

#include "http/random_id.h"

namespace bw::http {
namespace {

TEST(PercentDecodeTest, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(*PercentDecode("a%40b%2Fc", false), "a@b/c");
  EXPECT_EQ(*PercentDecode("%e2%82%AC", false), "\xE2\x82\xAC");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  for (const char* bad : {"%", "%4", "a%4", "%zz", "%4g"}) {
    auto r = PercentDecode(bad, true);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidInput);
    EXPECT_EQ(r.error().message(), "bad percent-encoding in the URL");
  }
}

TEST(ParseQueryTest, DecodesNamesAndValuesKeepsRepeats) {
  auto p = ParseQuery("since=24h&&reason=hard+bounce&reason=%63omplaint&limit",
                      {"since", "reason", "limit"});
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ(p->find("since")->second, "24h");
  EXPECT_EQ(p->find("limit")->second, "");
  auto [first, last] = p->equal_range("reason");
  ASSERT_EQ(std::distance(first, last), 2);
  EXPECT_EQ(first->second, "hard bounce");
  EXPECT_EQ(std::next(first)->second, "complaint");
  EXPECT_TRUE(ParseQuery("", {"a"})->empty());
}

TEST(ParseQueryTest, FirstFaultIsReported) {
  auto unknown = ParseQuery("a=1&zz=2", {"b", "a"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message(), "unknown query parameter \"zz\"; known: a, b");
  auto twice = ParseQuery("a=1&a=2&zz=3", {"a"}, /*repeats_allowed=*/false);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().message(), "query parameter \"a\" is given twice");
  auto bad = ParseQuery("a=%&zz=1", {"a"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "bad percent-encoding in the URL");
  EXPECT_TRUE(ParseQuery("a=1&a=2", {"a"}).has_value());
}

TEST(RandomBase64UrlTest, UnpaddedUrlAlphabetAndDistinct) {
  auto a = RandomBase64Url(32, "test");
  auto b = RandomBase64Url(32, "test");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->size(), 43u);  // 256 bits / 6, rounded up
  EXPECT_EQ(RandomBase64Url(16, "test")->size(), 22u);
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  EXPECT_EQ(a->find_first_not_of(kAlphabet), std::string::npos);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace bw::http
