// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
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
