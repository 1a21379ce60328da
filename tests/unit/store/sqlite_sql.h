// SPDX-License-Identifier: Apache-2.0
// For SQLite store tests: runs SQL on a database file through a separate plain connection (what
// another process, or an older bouncewatch, would see or write).
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace bw::store::sqlite {

// Rows of `sql` (one or more statements) run on a new connection to `path`, each column as text
// ("NULL" for NULL). A failure is a test failure.
inline std::vector<std::vector<std::string>> Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int n, char** values, char**) {
        std::vector<std::string> row;
        for (int i = 0; i < n; ++i) {
          row.emplace_back(values[i] != nullptr ? values[i] : "NULL");
        }
        static_cast<std::vector<std::vector<std::string>>*>(out)->push_back(std::move(row));
        return 0;
      },
      &rows, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "") << " in " << sql;
  sqlite3_free(err);
  sqlite3_close(db);
  return rows;
}

}  // namespace bw::store::sqlite
