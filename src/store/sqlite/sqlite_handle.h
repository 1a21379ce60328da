// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/result.h"

namespace bw::store::sqlite {

// The bw::Code for an sqlite3 result code (primary or extended). Conditions an operator can fix
// or that pass (busy, locked, I/O error, disk full, cannot open, read-only, corrupt) are
// kUnavailable so that senders retry; constraint violations are kConflict; the rest kInternal.
Code CodeForSqlite(int rc);

// An Error for a failed sqlite3 call: "<what> on <path>: <sqlite message>".
Error SqliteError(int rc, sqlite3* db, std::string_view what);

// Process-wide SQLite settings, applied before SQLite initialises (Db::Open calls it; so does
// anything else that would initialise SQLite first, such as registering a VFS).
void ConfigureSqliteOnce();

// Owns one sqlite3 connection. Move-only. Not thread-safe: one thread uses it at a time (the
// connection is opened with SQLITE_OPEN_NOMUTEX).
class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens `path` read-write (creating the file) or read-only, with the given busy timeout,
  // through the named VFS (nullptr: the default one). kUnavailable when the file cannot be
  // opened.
  static Result<Db> Open(const std::string& path, bool read_only,
                         std::chrono::milliseconds busy_timeout, const char* vfs = nullptr);

  // Runs one or more SQL statements that return no rows needed by the caller.
  Status Exec(std::string_view sql);

  // True when no transaction is open (SQLite rolled back, or none was begun).
  bool autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Owns one prepared statement. Move-only; used by the thread that uses its Db, which must
// outlive it.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Compiles one statement. kInternal for SQL errors (a bug), kUnavailable for I/O or locking.
  static Result<Stmt> Prepare(const Db& db, std::string_view sql);

  // Binding: 1-based parameter index. Text is copied (SQLITE_TRANSIENT).
  Status BindText(int index, std::string_view value);
  Status BindBlob(int index, std::string_view bytes);
  Status BindInt64(int index, int64_t value);
  Status BindNull(int index);
  // The same without a copy (SQLITE_STATIC): the bytes must stay valid and unchanged until the
  // statement is reset or the parameter bound again.
  Status BindTextNoCopy(int index, std::string_view value);
  Status BindBlobNoCopy(int index, std::string_view bytes);

  // Advances: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps until done (for statements whose rows are not wanted).
  Status Run();
  // Steps through every row, calling `fn(*this)` (returning Status) for each; stops at the first
  // error, from SQLite or from `fn`.
  template <class Fn>
  Status ForEachRow(Fn&& fn) {
    for (;;) {
      Result<bool> row = Step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return {};
      }
      if (Status s = fn(static_cast<const Stmt&>(*this)); !s) {
        return s;
      }
    }
  }
  // Makes the statement ready to run again; clears bindings.
  void Reset();

  int64_t ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool ColumnIsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  bool ColumnIsBlob(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_BLOB; }
  // Text or blob bytes of the column (empty for NULL).
  std::string ColumnText(int column) const;
  // The same without a copy: valid until the next Step, Reset or column call on this column.
  std::string_view ColumnView(int column) const;

 private:
  Status CheckBind(int rc, int index);

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// Bytes to store as a BLOB (raw messages may hold any octets).
struct Blob {
  std::string_view bytes;
};

// Text and bytes that outlive the statement's use (e.g. fields of a queued batch bound until
// the statement is reset): bound without a copy (Stmt::BindTextNoCopy). The writer binds about
// twenty values per stored notification; copying each cost a malloc, a memcpy and a free.
struct Pinned {
  std::string_view text;
};
struct PinnedBlob {
  std::string_view bytes;
};

inline Status BindOne(Stmt& s, int i, int64_t v) { return s.BindInt64(i, v); }
inline Status BindOne(Stmt& s, int i, Pinned v) { return s.BindTextNoCopy(i, v.text); }
inline Status BindOne(Stmt& s, int i, PinnedBlob v) { return s.BindBlobNoCopy(i, v.bytes); }
inline Status BindOne(Stmt& s, int i, std::string_view v) { return s.BindText(i, v); }
inline Status BindOne(Stmt& s, int i, const std::string& v) { return s.BindText(i, v); }
inline Status BindOne(Stmt& s, int i, const char* v) { return s.BindText(i, v); }
inline Status BindOne(Stmt& s, int i, Blob v) { return s.BindBlob(i, v.bytes); }
inline Status BindOne(Stmt& s, int i, const std::optional<std::string>& v) {
  return v ? s.BindText(i, *v) : s.BindNull(i);
}

// Binds args to parameters 1..n; stops at the first failure.
template <class... Args>
Status BindAll(Stmt& s, const Args&... args) {
  int index = 0;
  Status status;
  ((status = status ? BindOne(s, ++index, args) : status), ...);
  return status;
}

}  // namespace bw::store::sqlite
