// SPDX-License-Identifier: Apache-2.0
#include "core/json_fields.h"

#include <limits>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "core/ascii.h"

namespace bw {
namespace {

namespace json = boost::json;

json::object Parse(std::string_view text) { return json::parse(text).as_object(); }

TEST(JsonFieldsTest, MissingNullAndWrongTypeReadAsAbsent) {
  const json::object o = Parse(R"({"s": "x", "n": null, "i": 7, "o": {"a": "b"}, "a": [1]})");
  EXPECT_EQ(JsonStr(&o, "s"), "x");
  EXPECT_EQ(JsonStr(&o, "n"), "");
  EXPECT_EQ(JsonStr(&o, "i"), "");
  EXPECT_EQ(JsonStr(&o, "missing"), "");
  EXPECT_EQ(JsonStr(nullptr, "s"), "");
  EXPECT_EQ(JsonStr(JsonObjectAt(&o, "o"), "a"), "b");
  EXPECT_EQ(JsonStr(JsonObjectAt(&o, "s"), "a"), "");  // chains through a non-object
  EXPECT_EQ(JsonObjectAt(&o, "a"), nullptr);
  ASSERT_NE(JsonArrayAt(&o, "a"), nullptr);
  EXPECT_EQ(JsonArrayAt(&o, "o"), nullptr);
  EXPECT_EQ(JsonStringAt(&o, "i"), nullptr);
  ASSERT_NE(JsonStringAt(&o, "s"), nullptr);
  EXPECT_EQ(*JsonStringAt(&o, "s"), "x");
}

TEST(JsonFieldsTest, NumbersOfEveryKind) {
  json::object o = Parse(R"({"i": -3, "u": 18446744073709551615, "d": 2.9, "big": 1e300,
                             "s": "5"})");
  o["nan"] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(JsonInt(&o, "i"), -3);
  EXPECT_EQ(JsonInt(&o, "u"), -1);  // uint64 cast as stored (two's complement)
  EXPECT_EQ(JsonInt(&o, "d"), 2);
  EXPECT_EQ(JsonInt(&o, "big"), 0);
  EXPECT_EQ(JsonInt(&o, "nan"), 0);
  EXPECT_EQ(JsonInt(&o, "s"), 0);
  EXPECT_EQ(JsonInt(nullptr, "i"), 0);
  EXPECT_DOUBLE_EQ(JsonNumber(&o, "i"), -3.0);
  EXPECT_DOUBLE_EQ(JsonNumber(&o, "d"), 2.9);
  EXPECT_DOUBLE_EQ(JsonNumber(&o, "u"), 18446744073709551615.0);
  EXPECT_DOUBLE_EQ(JsonNumber(&o, "s"), 0.0);
}

TEST(JsonFieldsTest, AppendJsonStringsSkipsOtherItems) {
  std::vector<std::string> out = {"kept"};
  AppendJsonStrings(json::parse(R"(["a", 1, null, {"b": "c"}, "d"])").as_array(), out);
  EXPECT_EQ(out, (std::vector<std::string>{"kept", "a", "d"}));
}

TEST(AsciiTest, EqualsIgnoreCaseAndTrimOws) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-TYPE"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("true", "true "));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\xA9", "\xC3\x89"));  // ASCII only: é is not É
  EXPECT_EQ(TrimOws(" \t true\t "), "true");
  EXPECT_EQ(TrimOws("a b"), "a b");
  EXPECT_EQ(TrimOws(" \r\n"), "\r\n");  // only spaces and tabs
  EXPECT_EQ(TrimOws(""), "");
}

TEST(AsciiTest, QuotedForErrorCutsLongValues) {
  EXPECT_EQ(QuotedForError("abc", 3), "\"abc\"");
  EXPECT_EQ(QuotedForError("abcd", 3), "\"abc...\"");
  EXPECT_EQ(QuotedForError("", 3), "\"\"");
}

}  // namespace
}  // namespace bw
