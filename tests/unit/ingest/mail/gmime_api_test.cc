// SPDX-License-Identifier: Apache-2.0
// gmime_api.cc: GMime that cannot be loaded is an error value naming the library and the package,
// never a stop; the real library loads and parses.
#include "ingest/mail/gmime_api.h"

#include <gtest/gtest.h>

#include <string>

#include "ingest/mail/mail.h"

namespace bw::mail::internal {
namespace {

TEST(GMimeApiTest, AMissingLibraryIsAnErrorNamingThePackage) {
  const Status s = LoadGMimeLibrary("libbw-no-such-gmime.so.0");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kUnavailable);
  EXPECT_NE(s.error().message().find("cannot load GMime"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("libbw-no-such-gmime.so.0"), std::string::npos);
  EXPECT_NE(s.error().message().find("libgmime-3.0-0"), std::string::npos);
  EXPECT_EQ(s.error().message().find('\n'), std::string::npos) << "one line";
}

TEST(GMimeApiTest, ALibraryThatIsNotGMimeIsRefused) {
  const Status s = LoadGMimeLibrary("libz.so.1");  // loads, but has no g_mime_init
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kUnavailable);
  EXPECT_NE(s.error().message().find("lacks g_mime_init"), std::string::npos)
      << s.error().message();
}

TEST(GMimeApiTest, TheInstalledLibraryLoadsAndTakesAMailApart) {
  ASSERT_TRUE(LoadGMimeLibrary("libgmime-3.0.so.0"));
  ASSERT_TRUE(LoadGMime());
  EXPECT_TRUE(GMimeLoaded());
  MimeLimits limits;
  limits.engine = MimeEngine::kGMime;
  auto mail = LoadMail("From: a@example.com\nSubject: hi\n\nbody\n", limits);
  ASSERT_TRUE(mail) << mail.error().message();
  EXPECT_NE(mail->text.find("body"), std::string::npos);
}

}  // namespace
}  // namespace bw::mail::internal
