// SPDX-License-Identifier: Apache-2.0
// For SQLite store tests: a fixture owning a fresh database path in a temporary directory and a
// fake clock, and opening SqliteStore on them.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::store::sqlite::testing {

class SqliteStoreFixture : public ::testing::Test {
 protected:
  // The store at path_ with `o` (its path replaced); nullptr, and a test failure, when it does
  // not open.
  std::unique_ptr<SqliteStore> Open(SqliteOptions o) {
    o.path = path_;
    auto s = SqliteStore::Open(o, clock_);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  }
  std::unique_ptr<SqliteStore> Open() { return Open(SqliteOptions{}); }

  bw::testing::TempDir dir_;
  bw::testing::FakeClock clock_;
  std::string path_ = (dir_.path() / "bw.db").string();  // a test may point it elsewhere
};

}  // namespace bw::store::sqlite::testing
