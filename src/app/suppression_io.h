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

#include "core/clock.h"
#include "core/result.h"
#include "core/suppression.h"
#include "policy/policy.h"
#include "store/store.h"
#include "store/suppression_format.h"

namespace bw::app {

using store::ImportParse;
using store::ParseSuppressionFormat;
using store::ParseSuppressionImport;
using store::SuppressionFormat;
using store::WriteSuppressions;

// Every address suppressed at now_ms, by key, page by page.
Result<std::vector<SuppressionState>> AllSuppressed(store::Store& store, int64_t now_ms);

// Writes every address suppressed at now_ms to `out` in `format` (CSV with its header line), by
// key, one page of `page_size` states in memory at a time (constant memory, as the API export);
// returns how many were written. Stops at the first store error (what was written stays).
Result<size_t> ExportSuppressed(store::Store& store, int64_t now_ms, std::ostream& out,
                                SuppressionFormat format, size_t page_size = 10000);

// What `suppress rebuild` changed.
struct RebuildReport {
  size_t events = 0;  // events replayed
  std::vector<std::string> added;    // suppressed now, not before
  std::vector<std::string> removed;  // suppressed before, not now
  std::vector<std::string> changed;  // suppressed before and now, for another reason or time
};

// Recomputes the suppression list from every stored event, oldest first, with `policy`;
// manual and imported entries are kept. Writes the result (one transaction) unless dry_run.
Result<RebuildReport> RebuildSuppressions(store::Store& store, const policy::PolicyConfig& policy,
                                          const Clock& clock, bool dry_run);

}  // namespace bw::app
