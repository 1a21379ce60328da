// SPDX-License-Identifier: Apache-2.0
// SqliteStore's readers of reputation_buckets (store.h): ListReputationRows gives a window's rows
// as stored; SumReputationRows adds them up per (dimension, key) while they are read, without
// materialising one ReputationRow per stored row.
// Summing in SQL (GROUP BY dimension, key) costs SQLite about three times the instructions of
// reading the rows in primary-key order (a temporary sorter and eight aggregates per row;
// docs/benchmarks.md, issue 5), so the rows are read in key order and summed here.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/sqlite_store.h"

namespace bw::store::sqlite {
namespace {

// The rows of buckets starting at or after ?1, in primary-key order (bucket, dimension name, key);
// ColumnsOf reads a row of it.
constexpr std::string_view kRowsSinceSql =
    "SELECT bucket_start, dimension, key, sends, deliveries, bounces, hard_bounces,"
    " complaints, reported_sends, excluded_events FROM reputation_buckets"
    " WHERE bucket_start >= ? ORDER BY bucket_start, dimension, key";

// The bucket start, dimension and counts of a kRowsSinceSql row (the key, column 2, is left to
// the caller, which may only need a view of it); an error for a dimension this binary does not
// know (a newer binary's row).
Result<ReputationRow> ColumnsOf(const Stmt& r) {
  const std::string_view name = r.ColumnView(1);
  const std::optional<ReputationDimension> d = ParseReputationDimension(name);
  if (!d) {
    return Internal("reputation_buckets has an unknown dimension \"" + std::string(name) + "\"");
  }
  ReputationRow row;
  row.bucket_start_ms = r.ColumnInt64(0);
  row.dimension = *d;
  row.counts = ReputationCounts{.sends = r.ColumnInt64(3),
                                .deliveries = r.ColumnInt64(4),
                                .bounces = r.ColumnInt64(5),
                                .hard_bounces = r.ColumnInt64(6),
                                .complaints = r.ColumnInt64(7),
                                .reported_sends = r.ColumnInt64(8),
                                .excluded = r.ColumnInt64(9)};
  return row;
}

}  // namespace

Result<std::vector<ReputationRow>> SqliteStore::ListReputationRows(int64_t since_ms) {
  std::vector<ReputationRow> out;
  Status s = RunOnReadDb([&](Db& db) -> Status {
    out.clear();
    auto stmt = Stmt::Prepare(db, kRowsSinceSql);
    if (!stmt) {
      return stmt.error();
    }
    if (auto bound = stmt->BindInt64(1, since_ms); !bound) {
      return bound;
    }
    return stmt->ForEachRow([&](const Stmt& r) -> Status {
      auto row = ColumnsOf(r);
      if (!row) {
        return row.error();
      }
      row->key = r.ColumnText(2);
      out.push_back(std::move(*row));
      return {};
    });
  });
  if (!s) {
    return s.error();
  }
  return out;
}

Result<ReputationSums> SqliteStore::SumReputationRows(int64_t since_ms) {
  ReputationSums out;
  Status s = RunOnReadDb([&](Db& db) -> Status {
    out = ReputationSums{};
    auto stmt = Stmt::Prepare(db, kRowsSinceSql);
    if (!stmt) {
      return stmt.error();
    }
    if (auto bound = stmt->BindInt64(1, since_ms); !bound) {
      return bound;
    }
    // Per dimension (by enum value), key -> summed row. Few keys, found without a copy.
    std::array<std::map<std::string, ReputationRow, std::less<>>, 4> sums;
    // The current (bucket, dimension) run, to count keys per bucket.
    int64_t run_bucket = 0;
    ReputationDimension run_dimension = ReputationDimension::kAll;
    size_t run_keys = 0;
    Status rows = stmt->ForEachRow([&](const Stmt& r) -> Status {
      auto stored = ColumnsOf(r);
      if (!stored) {
        return stored.error();
      }
      const ReputationDimension d = stored->dimension;
      const int64_t bucket = stored->bucket_start_ms;
      if (d != ReputationDimension::kAll) {
        if (run_keys == 0 || bucket != run_bucket || d != run_dimension) {
          run_bucket = bucket;
          run_dimension = d;
          run_keys = 0;
        }
        out.max_keys_per_bucket = std::max(out.max_keys_per_bucket, ++run_keys);
      }
      auto& map = sums[static_cast<size_t>(d)];
      const std::string_view key = r.ColumnView(2);
      auto it = map.find(key);
      if (it == map.end()) {
        ReputationRow row;
        row.dimension = d;
        row.key = std::string(key);
        it = map.emplace(row.key, std::move(row)).first;
      }
      ReputationRow& row = it->second;
      row.bucket_start_ms = bucket;  // rows come oldest bucket first
      row.counts += stored->counts;
      return {};
    });
    if (!rows) {
      return rows;
    }
    // By dimension name, as ListReputationRows orders them within a bucket.
    std::array<ReputationDimension, 4> order = {
        ReputationDimension::kAll, ReputationDimension::kIdentity,
        ReputationDimension::kConfigurationSet, ReputationDimension::kRecipientDomain};
    std::sort(order.begin(), order.end(), [](ReputationDimension a, ReputationDimension b) {
      return ReputationDimensionName(a) < ReputationDimensionName(b);
    });
    for (ReputationDimension d : order) {
      for (auto& [key, row] : sums[static_cast<size_t>(d)]) {
        out.rows.push_back(std::move(row));
      }
    }
    return {};
  });
  if (!s) {
    return s.error();
  }
  return out;
}

}  // namespace bw::store::sqlite
