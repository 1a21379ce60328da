// SPDX-License-Identifier: Apache-2.0
#include "http/session_store.h"

#include <set>

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace bw::http {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(SessionStoreTest, CreateThenFindUntilTheTtlEnds) {
  testing::FakeClock clock;
  SessionStore sessions({.ttl = hours(1), .max_sessions = 10}, clock);
  auto s = sessions.Create("hash-1", "ops");
  ASSERT_TRUE(s.has_value());
  EXPECT_GE(s->id.size(), 43u) << "256 random bits";
  EXPECT_GE(s->csrf_token.size(), 22u) << "128 random bits";
  EXPECT_EQ(s->expires_at, clock.Now() + hours(1));

  clock.Advance(minutes(59));
  auto found = sessions.Find(s->id);
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(found->token_hash, "hash-1");
  EXPECT_EQ(found->token_name, "ops");
  EXPECT_EQ(found->csrf_token, s->csrf_token);

  clock.Advance(minutes(1));
  auto expired = sessions.Find(s->id);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(expired.error().message(), "your session expired; sign in again");
  EXPECT_EQ(sessions.SizeForTest(), 0u) << "an expired session is removed";
  auto again = sessions.Find(s->id);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message().find("not signed in"), std::string::npos);
}

TEST(SessionStoreTest, IdsAndCsrfTokensAreRandomAndUrlSafe) {
  testing::FakeClock clock;
  SessionStore sessions({}, clock);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto s = sessions.Create("h", "n");
    ASSERT_TRUE(s.has_value());
    EXPECT_TRUE(seen.insert(s->id).second);
    EXPECT_TRUE(seen.insert(s->csrf_token).second);
    for (char c : s->id + s->csrf_token) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
    }
  }
}

TEST(SessionStoreTest, UnknownAndRemovedSessionsAreRefused) {
  testing::FakeClock clock;
  SessionStore sessions({}, clock);
  EXPECT_EQ(sessions.Find("made-up").error().code(), Code::kUnauthenticated);
  EXPECT_EQ(sessions.Find("").error().code(), Code::kUnauthenticated);
  auto s = sessions.Create("h", "n");
  ASSERT_TRUE(s.has_value());
  sessions.Remove(s->id);
  EXPECT_FALSE(sessions.Find(s->id).has_value());
  sessions.Remove("made-up");  // nothing
}

TEST(SessionStoreTest, AtCapacityExpiredThenOldestGo) {
  testing::FakeClock clock;
  SessionStore sessions({.ttl = hours(1), .max_sessions = 3}, clock);
  auto a = sessions.Create("a", "a");
  clock.Advance(minutes(1));
  auto b = sessions.Create("b", "b");
  clock.Advance(minutes(1));
  auto c = sessions.Create("c", "c");
  clock.Advance(minutes(1));
  auto d = sessions.Create("d", "d");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(sessions.SizeForTest(), 3u);
  EXPECT_FALSE(sessions.Find(a->id).has_value()) << "the oldest made room";
  EXPECT_TRUE(sessions.Find(b->id).has_value());
  EXPECT_TRUE(sessions.Find(d->id).has_value());
}

TEST(CookieTest, FindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("bw_session=abc", "bw_session"), "abc");
  EXPECT_EQ(CookieValue("a=1; bw_session=abc; b=2", "bw_session"), "abc");
  EXPECT_EQ(CookieValue("a=1;bw_session=abc", "bw_session"), "abc");
  EXPECT_EQ(CookieValue("  bw_session = \"abc\" ", "bw_session"), "abc");
  EXPECT_EQ(CookieValue("bw_session=first; bw_session=second", "bw_session"), "first");
  EXPECT_EQ(CookieValue("bw_session=", "bw_session"), "");
  EXPECT_EQ(CookieValue("xbw_session=abc; bw_sessionx=def", "bw_session"), std::nullopt);
  EXPECT_EQ(CookieValue("bw_session", "bw_session"), std::nullopt);
  EXPECT_EQ(CookieValue("", "bw_session"), std::nullopt);
  EXPECT_EQ(CookieValue(";;;", "bw_session"), std::nullopt);
}

TEST(CookieTest, SetCookieIsHttpOnlyStrictAndSecureOnlyWhenAsked) {
  std::string c = SessionSetCookie("ID", hours(12), false);
  EXPECT_EQ(c, "bw_session=ID; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionSetCookie("ID", hours(1), true),
            "bw_session=ID; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(SessionClearCookie(false), "bw_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_NE(SessionClearCookie(true).find("; Secure"), std::string::npos);
}

TEST(CookieTest, SecretEquals) {
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "ab"));
  EXPECT_FALSE(SecretEquals("", "a"));
}

}  // namespace
}  // namespace bw::http
