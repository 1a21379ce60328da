// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/sqlite/sqlite_handle.h"

namespace bw::store::sqlite {

// Statement helpers over sqlite_handle.h for the common prepare/bind/run shapes. Same thread
// rules as Db and Stmt.

// Prepares `sql` and binds `args` to parameters 1..n. The first failing call's error.
template <class... Args>
Result<Stmt> PrepareBound(Db& db, std::string_view sql, const Args&... args) {
  auto stmt = Stmt::Prepare(db, sql);
  if (!stmt) {
    return stmt.error();
  }
  if (auto s = BindAll(*stmt, args...); !s) {
    return s.error();
  }
  return std::move(*stmt);
}

// Prepares `sql`, binds `args` and runs it to completion.
template <class... Args>
Status Run(Db& db, std::string_view sql, const Args&... args) {
  auto stmt = PrepareBound(db, sql, args...);
  if (!stmt) {
    return stmt.error();
  }
  return stmt->Run();
}

// Prepares `sql` once and runs it for each of `ids` in order, binding `args` and then the id
// (so the id is the last parameter). Stops at the first failure.
template <class... Args>
Status RunForEachId(Db& db, std::string_view sql, const std::vector<int64_t>& ids,
                    const Args&... args) {
  auto stmt = Stmt::Prepare(db, sql);
  if (!stmt) {
    return stmt.error();
  }
  for (int64_t id : ids) {
    if (auto b = BindAll(*stmt, args..., id); !b) {
      return b;
    }
    if (auto r = stmt->Run(); !r) {
      return r;
    }
    stmt->Reset();
  }
  return {};
}

}  // namespace bw::store::sqlite
