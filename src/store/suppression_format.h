// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/suppression.h"
#include "store/store.h"

namespace bw::store {

// Bulk formats of the suppression list.
enum class SuppressionFormat {
  kCsv,    // SES bulk layout: header "EmailAddress,Reason", Reason BOUNCE or COMPLAINT
  kJsonl,  // one JSON object per line: {"address": ..., "reason": ..., "note": ...}
};
std::optional<SuppressionFormat> ParseSuppressionFormat(std::string_view name);  // "csv", "jsonl"

// What an import file holds: the valid entries (reason kImport) and, for each invalid line, its
// 1-based number and why.
struct ImportParse {
  std::vector<ManualSuppression> entries;
  std::vector<std::pair<size_t, std::string>> invalid;
};

// Longest line an import may have (longer lines are reported invalid and skipped).
inline constexpr size_t kMaxImportLine = 1 << 20;

// Parses an import as its bytes arrive (a file read piece by piece, a request body), line by
// line, with the rules of ParseSuppressionImport below; the entries parsed so far are kept until
// taken, so memory does not grow with the input when they are taken as they come. Lines are
// numbered from 1 over everything fed. Not thread-safe.
class ImportParser {
 public:
  explicit ImportParser(SuppressionFormat format, size_t max_entries = 10000000);

  // Parses every complete line of what was fed so far; an incomplete last line waits for the
  // next Feed or Finish (at most kMaxImportLine bytes of it are kept).
  void Feed(std::string_view bytes);
  // The end of the input: parses the last line if it had no line break.
  void Finish();

  // The entries parsed and not yet taken (at most `at_most` of them, oldest first).
  std::vector<ManualSuppression> Take(size_t at_most = SIZE_MAX);
  size_t pending() const { return entries_.size(); }
  void Reserve(size_t n) { entries_.reserve(n); }
  // Whether valid lines are kept as entries (default); when not, they are only counted.
  void set_keep_entries(bool keep) { keep_entries_ = keep; }

  // Every valid line so far (taken or not) and every invalid one (1-based number, why).
  size_t accepted() const { return accepted_; }
  const std::vector<std::pair<size_t, std::string>>& invalid() const { return invalid_; }

 private:
  void Line(std::string_view line);
  // Reports the current line as too long; `rest_follows`: its line break is still to come.
  void TooLong(bool rest_follows);

  SuppressionFormat format_;
  size_t max_entries_;
  size_t number_ = 0;
  size_t accepted_ = 0;
  bool first_content_ = true;
  bool keep_entries_ = true;
  bool skipping_long_ = false;  // inside a line over kMaxImportLine, until its line break
  std::string carry_;           // the incomplete last line
  std::vector<ManualSuppression> entries_;
  std::vector<std::pair<size_t, std::string>> invalid_;
};

// Parses an import. CSV: an optional header line (EmailAddress,Reason, any case), then
// `address[,reason]` per line, RFC 4180 quotes allowed; reason BOUNCE (default) or COMPLAINT.
// JSONL: objects with "address" (required), "reason" ("bounce"/"complaint"/"BOUNCE"/...) and
// "note"; other members are invalid. Blank lines are skipped. At most `max_entries` entries
// (later lines are reported invalid). Never fails as a whole: callers decide (all-or-nothing
// unless --skip-invalid).
ImportParse ParseSuppressionImport(std::string_view text, SuppressionFormat format,
                                   size_t max_entries = 10000000);

// Writes entries in `format` (CSV with the header line).
void WriteSuppressions(std::ostream& out, const std::vector<SuppressionState>& entries,
                       SuppressionFormat format, bool header);

}  // namespace bw::store
