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

// The streamed parser gives the same entries and invalid line numbers however the input is cut
// into pieces (here: every piece size from 1 byte up, so lines, the BOM and CRLF are split).
TEST(SuppressionFormatTest, ImportParserPiecesGiveTheSameResult) {
  const std::string text =
      "\xEF\xBB\xBF"
      "EmailAddress,Reason\r\n"
      "a@x.org,BOUNCE\r\n"
      "nope\n"
      "\n"
      "\"Doe, Jane\" <JANE@X.org>,complaint\n"
      "c@x.org,BOUNCE,extra\n"
      " b@x.org , Complaint ";  // no line break at the end
  auto whole = ParseSuppressionImport(text, SuppressionFormat::kCsv);
  ASSERT_EQ(whole.entries.size(), 3u);
  ASSERT_EQ(whole.invalid.size(), 2u);
  EXPECT_EQ(whole.entries[2].address.key, "b@x.org");
  EXPECT_EQ(whole.entries[2].detail, "ses_complaint");
  for (size_t piece = 1; piece <= text.size(); ++piece) {
    ImportParser parser(SuppressionFormat::kCsv);
    std::vector<ManualSuppression> got;
    for (size_t at = 0; at < text.size(); at += piece) {
      parser.Feed(std::string_view(text).substr(at, piece));
      for (auto& m : parser.Take(1)) {  // taken as they come, one at a time
        got.push_back(std::move(m));
      }
    }
    parser.Finish();
    for (auto& m : parser.Take()) {
      got.push_back(std::move(m));
    }
    ASSERT_EQ(got.size(), whole.entries.size()) << "piece " << piece;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].address.key, whole.entries[i].address.key) << "piece " << piece;
      EXPECT_EQ(got[i].detail, whole.entries[i].detail) << "piece " << piece;
    }
    EXPECT_EQ(parser.invalid(), whole.invalid) << "piece " << piece;
    EXPECT_EQ(parser.accepted(), 3u);
  }
}

// A line longer than kMaxImportLine is one invalid line (whether it arrives whole or in pieces),
// and the lines after it are parsed as usual.
TEST(SuppressionFormatTest, ImportParserLimitsLineLength) {
  const std::string text = "a@x.org\n" + std::string(kMaxImportLine + 10, 'x') + "\nb@x.org\n";
  for (size_t piece : {size_t{4096}, text.size()}) {
    ImportParser parser(SuppressionFormat::kCsv);
    for (size_t at = 0; at < text.size(); at += piece) {
      parser.Feed(std::string_view(text).substr(at, piece));
    }
    parser.Finish();
    auto entries = parser.Take();
    ASSERT_EQ(entries.size(), 2u) << piece;
    EXPECT_EQ(entries[1].address.key, "b@x.org");
    ASSERT_EQ(parser.invalid().size(), 1u) << piece;
    EXPECT_EQ(parser.invalid()[0].first, 2u);
    EXPECT_NE(parser.invalid()[0].second.find("longer than"), std::string::npos);
  }
}

}  // namespace
}  // namespace bw::store
