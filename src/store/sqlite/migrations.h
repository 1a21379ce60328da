// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/sqlite/sqlite_handle.h"

namespace bw::store::sqlite {

// One numbered schema change. Versions start at 1 and increase by one; a released migration is
// never edited, only followed by a new one.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Every migration, by version.
const std::vector<Migration>& Migrations();

// The schema version this code reads and writes (the last migration's version).
int LatestSchemaVersion();

// The highest version recorded in schema_migrations; 0 when the table does not exist.
Result<int> CurrentSchemaVersion(Db& db);

// Applies every pending migration, each in its own BEGIN IMMEDIATE transaction that also records
// (version, name, applied_at = clock's now in ms) in schema_migrations. Safe against another
// process migrating at the same time. kUnavailable when the database is newer than this code
// (a newer bouncewatch wrote it) or cannot be written.
Status Migrate(Db& db, const Clock& clock);

// For read-only opens: OK only when the schema is exactly LatestSchemaVersion(); never writes.
// kUnavailable with a sentence saying what to do otherwise (missing, older or newer schema).
Status CheckSchema(Db& db);

}  // namespace bw::store::sqlite
