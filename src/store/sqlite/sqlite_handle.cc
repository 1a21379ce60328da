// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/sqlite_handle.h"

#include <utility>

namespace bw::store::sqlite {

Code CodeForSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::kUnavailable;
    case SQLITE_CONSTRAINT:
      return Code::kConflict;
    default:
      return Code::kInternal;
  }
}

Error SqliteError(int rc, sqlite3* db, std::string_view what) {
  std::string message(what);
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  if (file != nullptr && *file != '\0') {
    message += " on ";
    message += file;
  }
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on the connection, which is ours as long as
  // the caller asks right after the failing call; fall back to the generic text otherwise.
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : nullptr;
  if (detail == nullptr || (db != nullptr && sqlite3_errcode(db) == SQLITE_OK)) {
    detail = sqlite3_errstr(rc);
  }
  message += detail;
  return Error(CodeForSqlite(rc), std::move(message));
}

Db::~Db() {
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
  }
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) {
      sqlite3_close_v2(db_);
    }
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

void ConfigureSqliteOnce() {
  // Before SQLite initialises itself: no memory statistics (they take a global mutex around
  // every sqlite3_malloc/free, which the writer thread calls thousands of times a commit; nothing
  // here reads them). Fails harmlessly when SQLite is already running.
  static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kConfigured;
}

Result<Db> Db::Open(const std::string& path, bool read_only,
                    std::chrono::milliseconds busy_timeout, const char* vfs) {
  ConfigureSqliteOnce();
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  Db db;
  db.db_ = raw;  // owned from here on, even on failure
  db.path_ = path;
  if (rc != SQLITE_OK) {
    std::string detail = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return Error(
        CodeForSqlite(rc) == Code::kInternal ? Code::kUnavailable : CodeForSqlite(rc),
        "cannot open SQLite database " + path + (read_only ? " read-only" : "") + ": " + detail);
  }
  rc = sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
  if (rc != SQLITE_OK) {
    return SqliteError(rc, raw, "setting busy timeout");
  }
  return db;
}

Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string what = "executing \"" + text.substr(0, 60) + "\"";
    Error e = SqliteError(rc, db_, what);
    sqlite3_free(err);
    return e;
  }
  return {};
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_finalize(stmt_);
  }
}

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) {
      sqlite3_finalize(stmt_);
    }
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Result<Stmt> Stmt::Prepare(const Db& db, std::string_view sql) {
  Stmt s;
  s.db_ = db.get();
  int rc =
      sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &s.stmt_, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(rc, db.get(), "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
  }
  if (s.stmt_ == nullptr) {
    return Internal("empty SQL statement");
  }
  return s;
}

Status Stmt::CheckBind(int rc, int index) {
  if (rc != SQLITE_OK) {
    return SqliteError(rc, db_, "binding parameter " + std::to_string(index));
  }
  return {};
}

Status Stmt::BindText(int index, std::string_view value) {
  return CheckBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}

Status Stmt::BindBlob(int index, std::string_view bytes) {
  return CheckBind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
                   index);
}

Status Stmt::BindTextNoCopy(int index, std::string_view value) {
  return CheckBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8),
      index);
}

Status Stmt::BindBlobNoCopy(int index, std::string_view bytes) {
  return CheckBind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC),
                   index);
}

Status Stmt::BindInt64(int index, int64_t value) {
  return CheckBind(sqlite3_bind_int64(stmt_, index, value), index);
}

Status Stmt::BindNull(int index) { return CheckBind(sqlite3_bind_null(stmt_, index), index); }

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  std::string sql = sqlite3_sql(stmt_) != nullptr ? sqlite3_sql(stmt_) : "";
  return SqliteError(rc, db_, "running \"" + sql.substr(0, 60) + "\"");
}

Status Stmt::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return {};
    }
  }
}

void Stmt::Reset() {
  // The return value of sqlite3_reset repeats the last step's error, already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Stmt::ColumnView(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return std::string_view(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::string Stmt::ColumnText(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace bw::store::sqlite
