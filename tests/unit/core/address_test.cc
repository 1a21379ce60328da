// SPDX-License-Identifier: Apache-2.0
#include "core/address.h"

#include <string>

#include <gtest/gtest.h>

namespace bw {
namespace {

std::string Key(std::string_view in) {
  auto a = NormalizeAddress(in);
  EXPECT_TRUE(a.has_value()) << in << ": " << (a ? "" : a.error().ToString());
  return a ? a->key : "";
}

std::string ErrorOf(std::string_view in) {
  auto a = NormalizeAddress(in);
  EXPECT_FALSE(a.has_value()) << in << " was accepted as " << (a ? a->key : "");
  if (a) {
    return "";
  }
  EXPECT_EQ(a.error().code(), Code::kInvalidInput);
  return a.error().message();
}

TEST(NormalizeAddressTest, PlainAddressIsKeptLowerCase) {
  auto a = NormalizeAddress("user@example.com");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "user@example.com");
  EXPECT_EQ(a->display, "user@example.com");
  EXPECT_EQ(a->local, "user");
  EXPECT_EQ(a->domain, "example.com");
}

TEST(NormalizeAddressTest, TrimsWhitespace) {
  EXPECT_EQ(Key("  user@example.com\t\r\n"), "user@example.com");
}

TEST(NormalizeAddressTest, DomainLowerCasedLocalCaseKeptForDisplayButNotKey) {
  auto a = NormalizeAddress("Jane.Doe@EXAMPLE.Com");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "jane.doe@example.com");
  EXPECT_EQ(a->display, "Jane.Doe@example.com");
  EXPECT_EQ(Key("JANE.DOE@example.com"), Key("jane.doe@Example.com"));
}

TEST(NormalizeAddressTest, StripsDisplayNames) {
  EXPECT_EQ(Key("\"Jane\" <jane@x.org>"), "jane@x.org");
  EXPECT_EQ(Key("Jane Doe <Jane@X.org>"), "jane@x.org");
  EXPECT_EQ(Key("<jane@x.org>"), "jane@x.org");
  EXPECT_EQ(Key("\"Doe, <Jane>\" < jane@x.org >"), "jane@x.org");
}

TEST(NormalizeAddressTest, IdnaDomainsBecomeALabels) {
  EXPECT_EQ(Key("user@bücher.example"), "user@xn--bcher-kva.example");
  EXPECT_EQ(Key("user@BÜCHER.example"), "user@xn--bcher-kva.example");
  EXPECT_EQ(Key("user@xn--bcher-kva.example"), "user@xn--bcher-kva.example");
  // Non-transitional IDNA 2008: ß is kept (not mapped to "ss").
  EXPECT_EQ(Key("user@faß.de"), "user@xn--fa-hia.de");
}

TEST(NormalizeAddressTest, TrailingDotDropped) { EXPECT_EQ(Key("a@example.com."), "a@example.com"); }

TEST(NormalizeAddressTest, Utf8LocalPartKept) {
  EXPECT_EQ(Key("Jöe@example.com"), "jöe@example.com");
}

TEST(NormalizeAddressTest, QuotedLocalPartAndAddressLiteral) {
  EXPECT_EQ(Key("\"john smith\"@example.com"), "\"john smith\"@example.com");
  EXPECT_EQ(Key("postmaster@[192.0.2.1]"), "postmaster@[192.0.2.1]");
}

TEST(NormalizeAddressTest, LastAtSeparatesDomain) {
  EXPECT_EQ(Key("\"a@b\"@example.com"), "\"a@b\"@example.com");
}

TEST(NormalizeAddressTest, InvalidInputsSayWhy) {
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("   ").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("user.example.com").find("no '@'"), std::string::npos);
  EXPECT_NE(ErrorOf("@example.com").find("before '@' is empty"), std::string::npos);
  EXPECT_NE(ErrorOf("user@").find("after '@' is empty"), std::string::npos);
  EXPECT_NE(ErrorOf("user@localhost").find("two labels"), std::string::npos);
  EXPECT_NE(ErrorOf("us er@example.com").find("space"), std::string::npos);
  EXPECT_NE(ErrorOf("user@exa mple.com").find("not allowed in a domain"), std::string::npos);
  EXPECT_NE(ErrorOf("user@-example.com").find("'-'"), std::string::npos);
  EXPECT_NE(ErrorOf("user@example..com").find("empty label"), std::string::npos);
  EXPECT_NE(ErrorOf(".user@example.com").find("dot"), std::string::npos);
  EXPECT_NE(ErrorOf("a..b@example.com").find("dot"), std::string::npos);
  EXPECT_NE(ErrorOf("Jane <jane@x.org").find("unbalanced"), std::string::npos);
  EXPECT_NE(ErrorOf("a,b@example.com").find("','"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(65, 'a') + "@example.com").find("64"), std::string::npos);
  EXPECT_NE(ErrorOf("a@" + std::string(64, 'b') + ".com").find("63"), std::string::npos);
  EXPECT_NE(ErrorOf("a@\xff\xfe.com").find("internationalised"), std::string::npos);
  // The message quotes the input so a user can find it.
  EXPECT_NE(ErrorOf("nope").find("\"nope\""), std::string::npos);
}

TEST(NormalizeAddressTest, KeyDomain) {
  EXPECT_EQ(KeyDomain("a@example.com"), "example.com");
  EXPECT_EQ(KeyDomain("\"a@b\"@x.org"), "x.org");
  EXPECT_EQ(KeyDomain("nodomain"), "");
}

}  // namespace
}  // namespace bw
