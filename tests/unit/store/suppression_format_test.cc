// SPDX-License-Identifier: Apache-2.0
#include "store/suppression_format.h"

#include <sstream>

#include <gtest/gtest.h>

namespace bw::store {
namespace {

TEST(SuppressionFormatTest, SesCsvWithHeaderQuotesAndBom) {
  auto p = ParseSuppressionImport(
      "\xEF\xBB\xBF"
      "EmailAddress,Reason\r\n"
      "a@x.org,BOUNCE\r\n"
      "\n"
      "\"Doe, Jane\" <JANE@X.org>,complaint\n"
      "b@x.org\n",
      SuppressionFormat::kCsv);
  ASSERT_TRUE(p.invalid.empty()) << p.invalid[0].second;
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0].address.key, "a@x.org");
  EXPECT_EQ(p.entries[0].detail, "ses_bounce");
  EXPECT_EQ(p.entries[1].address.key, "jane@x.org");
  EXPECT_EQ(p.entries[1].detail, "ses_complaint");
  EXPECT_EQ(p.entries[2].detail, "ses_bounce");
  EXPECT_EQ(p.entries[0].reason, SuppressionReason::kImport);
}

TEST(SuppressionFormatTest, InvalidLinesAreReportedByNumber) {
  auto p = ParseSuppressionImport("a@x.org\nnope\nb@x.org,SOMETIMES\n\"open,x\nc@x.org,BOUNCE,extra\n",
                                  SuppressionFormat::kCsv);
  EXPECT_EQ(p.entries.size(), 1u);
  ASSERT_EQ(p.invalid.size(), 4u);
  EXPECT_EQ(p.invalid[0].first, 2u);
  EXPECT_NE(p.invalid[0].second.find("no '@'"), std::string::npos);
  EXPECT_EQ(p.invalid[1].first, 3u);
  EXPECT_EQ(p.invalid[2].first, 4u);
  EXPECT_EQ(p.invalid[3].first, 5u);
}

TEST(SuppressionFormatTest, Jsonl) {
  auto p = ParseSuppressionImport(
      "{\"address\": \"a@x.org\", \"reason\": \"complaint\", \"note\": \"n\"}\n"
      "{\"address\": 5}\n"
      "{\"reason\": \"bounce\"}\n"
      "{\"address\": \"b@x.org\", \"extra\": \"x\"}\n"
      "[1]\n",
      SuppressionFormat::kJsonl);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].note, "n");
  EXPECT_EQ(p.entries[0].detail, "ses_complaint");
  EXPECT_EQ(p.invalid.size(), 4u);
}

TEST(SuppressionFormatTest, MaxEntries) {
  auto p = ParseSuppressionImport("a@x.org\nb@x.org\nc@x.org\n", SuppressionFormat::kCsv, 2);
  EXPECT_EQ(p.entries.size(), 2u);
  ASSERT_EQ(p.invalid.size(), 1u);
  EXPECT_EQ(p.invalid[0].first, 3u);
}

TEST(SuppressionFormatTest, CsvExportRoundTrips) {
  SuppressionState a;
  a.address = a.address_key = "a@x.org";
  a.reason = SuppressionReason::kBounce;
  SuppressionState b;
  b.address = b.address_key = "\"odd,name\"@x.org";
  b.reason = SuppressionReason::kComplaint;
  std::ostringstream out;
  WriteSuppressions(out, {a, b}, SuppressionFormat::kCsv, true);
  EXPECT_EQ(out.str(), "EmailAddress,Reason\na@x.org,BOUNCE\n\"\"\"odd,name\"\"@x.org\",COMPLAINT\n");
  auto p = ParseSuppressionImport(out.str(), SuppressionFormat::kCsv);
  ASSERT_TRUE(p.invalid.empty()) << p.invalid[0].second;
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[1].address.key, "\"odd,name\"@x.org");
  EXPECT_EQ(p.entries[1].detail, "ses_complaint");
}

}  // namespace
}  // namespace bw::store
