// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail_files.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace bw::mail {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

TEST(ListMailFilesTest, WalksDirectoriesRecursivelyInPathOrder) {
  testing::TempDir tmp;
  const std::string root = tmp.path().string();
  Write(tmp.path() / "b.eml", "b");
  Write(tmp.path() / "a-b.eml", "x");  // '-' sorts before '/': still after the a/ directory
  Write(tmp.path() / "a" / "z.eml", "z");
  Write(tmp.path() / "a" / "deeper" / "c.eml", "c");
  Write(tmp.path() / ".hidden", "h");
  fs::create_directories(tmp.path() / "empty");

  std::vector<std::string> missing;
  std::vector<std::string> files = ListMailFiles({root + "/"}, &missing);

  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(files,
            (std::vector<std::string>{root + "/.hidden", root + "/a/deeper/c.eml",
                                      root + "/a/z.eml", root + "/a-b.eml", root + "/b.eml"}));
}

TEST(ListMailFilesTest, KeepsInputOrderAndReportsWhatIsMissing) {
  testing::TempDir tmp;
  const std::string root = tmp.path().string();
  Write(tmp.path() / "d" / "2.eml", "2");
  Write(tmp.path() / "1.eml", "1");
  fs::create_symlink(tmp.path() / "1.eml", tmp.path() / "d" / "link.eml");

  std::vector<std::string> missing;
  std::vector<std::string> files =
      ListMailFiles({root + "/d", root + "/nope", root + "/1.eml"}, &missing);

  EXPECT_EQ(files,
            (std::vector<std::string>{root + "/d/2.eml", root + "/d/link.eml", root + "/1.eml"}));
  EXPECT_EQ(missing, std::vector<std::string>{root + "/nope"});
}

TEST(MailFileReaderTest, ReadsWholeFilesOfAnySizeIntoItsBuffer) {
  testing::TempDir tmp;
  std::string big(700 * 1024, 'x');  // larger than the first buffer: grows and reads on
  big[0] = 'A';
  big.back() = 'Z';
  Write(tmp.path() / "big.eml", big);
  Write(tmp.path() / "small.eml", "Subject: hi\n\nbody\n");
  Write(tmp.path() / "empty.eml", "");

  MailFileReader reader;
  std::string_view bytes;
  ASSERT_TRUE(reader.Read((tmp.path() / "big.eml").string(), &bytes));
  EXPECT_EQ(bytes, big);
  ASSERT_TRUE(reader.Read((tmp.path() / "small.eml").string(), &bytes));
  EXPECT_EQ(bytes, "Subject: hi\n\nbody\n");
  ASSERT_TRUE(reader.Read((tmp.path() / "empty.eml").string(), &bytes));
  EXPECT_TRUE(bytes.empty());
  EXPECT_FALSE(reader.Read((tmp.path() / "missing.eml").string(), &bytes));
}

}  // namespace
}  // namespace bw::mail
