// SPDX-License-Identifier: Apache-2.0
// Fuzzes the suppression import parser (store/suppression_format.h): any bytes, as CSV or JSONL,
// must parse without crashing; the streamed ImportParser fed in pieces (of a size taken from the
// input) must give exactly what ParseSuppressionImport gives for the whole text; every entry has
// a key and an SES detail, and invalid line numbers only grow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "store/suppression_format.h"

using bw::store::ManualSuppression;
using bw::store::ImportParser;
using bw::store::ParseSuppressionImport;
using bw::store::SuppressionFormat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const SuppressionFormat format =
      (data[0] & 1) != 0 ? SuppressionFormat::kJsonl : SuppressionFormat::kCsv;
  const size_t piece = 1 + data[1];
  // A copy in its own allocation, so that a read past the end is caught by ASan.
  const std::vector<char> bytes(data + 2, data + size);
  const std::string_view text(bytes.data(), bytes.size());
  constexpr size_t kMax = 50;
  auto whole = ParseSuppressionImport(text, format, kMax);

  ImportParser parser(format, kMax);
  std::vector<ManualSuppression> streamed;
  for (size_t at = 0; at < text.size(); at += piece) {
    parser.Feed(text.substr(at, piece));
    for (auto& m : parser.Take(3)) {
      streamed.push_back(std::move(m));
    }
  }
  parser.Finish();
  for (auto& m : parser.Take()) {
    streamed.push_back(std::move(m));
  }
  if (streamed.size() != whole.entries.size() || parser.invalid() != whole.invalid ||
      parser.accepted() != whole.entries.size() || whole.entries.size() > kMax) {
    std::abort();
  }
  for (size_t i = 0; i < streamed.size(); ++i) {
    const ManualSuppression& m = streamed[i];
    if (m.address.key != whole.entries[i].address.key || m.detail != whole.entries[i].detail ||
        m.note != whole.entries[i].note || m.address.key.empty() ||
        (m.detail != "ses_bounce" && m.detail != "ses_complaint")) {
      std::abort();
    }
  }
  for (size_t i = 1; i < whole.invalid.size(); ++i) {
    if (whole.invalid[i].first <= whole.invalid[i - 1].first) {
      std::abort();
    }
  }
  return 0;
}
