// SPDX-License-Identifier: Apache-2.0
// app::ExportSuppressed (what `suppress export` streams, one page at a time): every active
// address exactly once, by key, the CSV header once, expired and removed entries left out, with
// pages smaller than, equal to and larger than the list.
#include "app/suppression_io.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/address.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::app {
namespace {

using bw::testing::FakeClock;
using bw::testing::TempDir;

class ExportSuppressedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteOptions o;
    o.path = (dir_.path() / "bw.db").string();
    auto s = store::sqlite::OpenSqliteStore(o, clock_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
  }

  void Import(const std::vector<std::string>& addresses) {
    std::vector<store::ManualSuppression> entries;
    for (const std::string& a : addresses) {
      auto n = NormalizeAddress(a);
      ASSERT_TRUE(n.has_value()) << a;
      entries.push_back({*n, SuppressionReason::kImport, "", "ses_bounce"});
    }
    ASSERT_TRUE(store_->AddSuppressions(entries, {"test", "import"}));
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(ExportSuppressedTest, WritesEveryActiveAddressOnceWhateverThePageSize) {
  std::vector<std::string> addresses;
  for (int i = 24; i >= 0; --i) {
    addresses.push_back("user" + std::to_string(100 + i) + "@example.org");
  }
  Import(addresses);
  int64_t now_ms = ToUnixMs(clock_.Now());
  ASSERT_TRUE(store_->RemoveSuppression("user110@example.org", now_ms, {"test", ""}));
  std::string expected = "EmailAddress,Reason\n";
  for (int i = 0; i < 25; ++i) {
    if (i != 10) {
      expected += "user" + std::to_string(100 + i) + "@example.org,BOUNCE\n";
    }
  }
  for (size_t page : {1, 7, 12, 24, 25, 10000}) {
    std::ostringstream out;
    auto n = ExportSuppressed(*store_, now_ms, out, SuppressionFormat::kCsv, page);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    EXPECT_EQ(*n, 24u) << "page " << page;
    EXPECT_EQ(out.str(), expected) << "page " << page;
  }
}

TEST_F(ExportSuppressedTest, AnEmptyListIsTheHeaderAloneAndJsonlHasNoHeader) {
  std::ostringstream csv;
  auto n = ExportSuppressed(*store_, ToUnixMs(clock_.Now()), csv, SuppressionFormat::kCsv, 5);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(csv.str(), "EmailAddress,Reason\n");
  Import({"a@x.org", "b@x.org", "c@x.org"});
  std::ostringstream jsonl;
  n = ExportSuppressed(*store_, ToUnixMs(clock_.Now()), jsonl, SuppressionFormat::kJsonl, 2);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 3u);
  std::string text = jsonl.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  EXPECT_EQ(text.rfind("{\"address\":\"a@x.org\"", 0), 0u) << text;
  EXPECT_NE(text.find("\"address\":\"c@x.org\""), std::string::npos) << text;
}

}  // namespace
}  // namespace bw::app
