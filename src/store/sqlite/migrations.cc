// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/migrations.h"

#include <string>

namespace bw::store::sqlite {
namespace {

// Version 1: raw messages (one copy per message, the dedup key), events (one per recipient, the
// full JSON form plus the columns queries filter on), SNS subscriptions, and a small key/value
// table for the store's own use (the writability probe).
constexpr std::string_view kV1Schema = R"sql(
CREATE TABLE messages (
  source      TEXT NOT NULL,
  dedup_key   TEXT NOT NULL,
  kind        TEXT NOT NULL,
  topic_arn   TEXT NOT NULL DEFAULT '',
  raw         BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (source, dedup_key)
);
CREATE TABLE events (
  id             TEXT PRIMARY KEY NOT NULL,
  type           TEXT NOT NULL,
  recipient      TEXT NOT NULL,
  recipient_lc   TEXT NOT NULL,
  occurred_at    INTEGER NOT NULL,
  received_at    INTEGER NOT NULL,
  source         TEXT NOT NULL,
  bounce_class   TEXT,
  reason         TEXT,
  message_source TEXT NOT NULL,
  message_key    TEXT NOT NULL,
  json           TEXT NOT NULL,
  FOREIGN KEY (message_source, message_key) REFERENCES messages (source, dedup_key)
);
CREATE INDEX events_by_received_at ON events (received_at, id);
CREATE INDEX events_by_type ON events (type, received_at, id);
CREATE INDEX events_by_recipient ON events (recipient_lc, received_at, id);
CREATE TABLE subscriptions (
  topic_arn        TEXT PRIMARY KEY NOT NULL,
  subscription_arn TEXT NOT NULL DEFAULT '',
  state            TEXT NOT NULL DEFAULT '',
  subscribe_url    TEXT NOT NULL DEFAULT '',
  last_error       TEXT NOT NULL DEFAULT '',
  updated_at       INTEGER NOT NULL DEFAULT 0,
  last_message_at  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value
);
)sql";

// Version 2: the suppression list (one row per address bouncewatch knows something about, also
// when not suppressed: the policy's soft-bounce history), its audit trail, and API tokens (only
// their SHA-256).
constexpr std::string_view kV2Schema = R"sql(
CREATE TABLE suppressions (
  address_key   TEXT PRIMARY KEY NOT NULL,
  address       TEXT NOT NULL,
  domain        TEXT NOT NULL,
  suppressed    INTEGER NOT NULL DEFAULT 0,
  reason        TEXT NOT NULL DEFAULT '',
  detail        TEXT NOT NULL DEFAULT '',
  hard_bounces  INTEGER NOT NULL DEFAULT 0,
  soft_bounces  INTEGER NOT NULL DEFAULT 0,
  complaints    INTEGER NOT NULL DEFAULT 0,
  recent_soft   TEXT NOT NULL DEFAULT '',
  first_seen    INTEGER NOT NULL DEFAULT 0,
  last_seen     INTEGER NOT NULL DEFAULT 0,
  suppressed_at INTEGER NOT NULL DEFAULT 0,
  expires_at    INTEGER NOT NULL DEFAULT 0,
  note          TEXT NOT NULL DEFAULT '',
  event_ids     TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX suppressions_by_domain ON suppressions (domain, address_key) WHERE suppressed = 1;
CREATE TABLE suppression_audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  address_key TEXT NOT NULL,
  address     TEXT NOT NULL,
  action      TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT '',
  actor       TEXT NOT NULL DEFAULT '',
  note        TEXT NOT NULL DEFAULT '',
  event_id    TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL
);
CREATE INDEX suppression_audit_by_key ON suppression_audit (address_key, id);
CREATE TABLE api_tokens (
  id         TEXT PRIMARY KEY NOT NULL,
  name       TEXT NOT NULL,
  scope      TEXT NOT NULL,
  hash       BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at = 0;
)sql";

// Version 3: reputation buckets, the counters behind the bounce and complaint rates: one row per
// (bucket start, dimension, key) with the counts of metrics::Counts, added to in the transaction
// that stores the events (store::ReputationRowsFn). dimension is "all" (key ''), "identity",
// "configuration_set" or "recipient_domain".
constexpr std::string_view kV3Schema = R"sql(
CREATE TABLE reputation_buckets (
  bucket_start    INTEGER NOT NULL,
  dimension       TEXT NOT NULL,
  key             TEXT NOT NULL,
  sends           INTEGER NOT NULL DEFAULT 0,
  deliveries      INTEGER NOT NULL DEFAULT 0,
  bounces         INTEGER NOT NULL DEFAULT 0,
  hard_bounces    INTEGER NOT NULL DEFAULT 0,
  complaints      INTEGER NOT NULL DEFAULT 0,
  reported_sends  INTEGER NOT NULL DEFAULT 0,
  excluded_events INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_start, dimension, key)
) WITHOUT ROWID;
)sql";

// Version 4: the alert outbox (one row per alert item per channel; unsent rows are never
// deleted; sent rows are pruned after a while), the alert worker's small durable state (last
// digest per channel, last notified levels), and an index for "suppressed in a period" (digest).
constexpr std::string_view kV4Schema = R"sql(
CREATE TABLE alert_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  channel         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  event_id        TEXT NOT NULL DEFAULT '',
  payload         TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alert_outbox_due ON alert_outbox (channel, next_attempt_at, id) WHERE sent_at = 0;
CREATE INDEX alert_outbox_sent ON alert_outbox (channel, kind, sent_at) WHERE sent_at != 0;
CREATE TABLE alert_state (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX suppression_audit_by_at ON suppression_audit (at, action);
)sql";

// Version 5: the suppression change log. Every write to `suppressions` appends the keys it
// changed (or one row with an empty key: "reload everything", for imports and rebuilds), so a
// server's in-memory suppression index (suppression_index.h) can apply changes made by other
// processes on the same file (the CLI) without rereading the table. Trimmed to its newest rows.
constexpr std::string_view kV5Schema = R"sql(
CREATE TABLE suppression_changes (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  address_key TEXT NOT NULL
);
)sql";

// Version 6: compressed rows (zstd_codec.h), fewer pages per message for the single writer.
// messages.raw_codec says how `raw` is stored: 0 = the bytes as received (every row written
// before), 1 = one zstd frame of them. events.json needs no column: a TEXT value is the JSON as
// before, a BLOB value is a zstd frame of it.
constexpr std::string_view kV6Schema = R"sql(
ALTER TABLE messages ADD COLUMN raw_codec INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 7: imports are audited as one suppression_audit row (address_key '') and their
// addresses in parts (store/sqlite/audit_set.h), not one row and two index entries per address.
constexpr std::string_view kV7Schema = R"sql(
CREATE TABLE suppression_audit_sets (
  audit_id  INTEGER NOT NULL,
  part      INTEGER NOT NULL,
  entries   INTEGER NOT NULL,
  first_key TEXT NOT NULL,
  last_key  TEXT NOT NULL,
  data      BLOB NOT NULL,
  PRIMARY KEY (audit_id, part)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";

Result<bool> TableExists(Db& db, std::string_view table) {
  auto stmt = Stmt::Prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
  if (!stmt) {
    return stmt.error();
  }
  if (auto s = stmt->BindText(1, table); !s) {
    return s.error();
  }
  return stmt->Step();
}

std::string NewerMessage(const Db& db, int current) {
  return "SQLite database " + db.path() + " has schema version " + std::to_string(current) +
         ", newer than the " + std::to_string(LatestSchemaVersion()) +
         " this bouncewatch supports; run a newer bouncewatch";
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "messages, events, subscriptions", kV1Schema},
      {2, "suppressions, suppression audit, API tokens", kV2Schema},
      // PLACEHOLDERS, replaced this session: 3 = reputation buckets (owner: reputation work),
      // 4 = alert outbox (owner: alerts work). Keep both entries so versions stay contiguous.
      {3, "reputation buckets", kV3Schema},
      {4, "alert outbox", kV4Schema},
      {5, "suppression change log", kV5Schema},
      {6, "compressed raw messages and event JSON", kV6Schema},
      {7, "suppression import audit sets", kV7Schema},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return Migrations().back().version; }

Result<int> CurrentSchemaVersion(Db& db) {
  auto exists = TableExists(db, "schema_migrations");
  if (!exists) {
    return exists.error();
  }
  if (!*exists) {
    return 0;
  }
  auto stmt = Stmt::Prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!stmt) {
    return stmt.error();
  }
  auto row = stmt->Step();
  if (!row) {
    return row.error();
  }
  return static_cast<int>(stmt->ColumnInt64(0));
}

Status Migrate(Db& db, const Clock& clock) {
  auto before = CurrentSchemaVersion(db);
  if (!before) {
    return before.error();
  }
  if (*before > LatestSchemaVersion()) {
    return Unavailable(NewerMessage(db, *before));
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= *before) {
      continue;
    }
    if (auto s = db.Exec("BEGIN IMMEDIATE"); !s) {
      return s.error();
    }
    // Everything below runs inside the transaction; any failure rolls it back whole.
    auto apply = [&]() -> Status {
      if (auto s = db.Exec(kCreateMigrationsTable); !s) {
        return s;
      }
      // Another process may have migrated between our first look and BEGIN IMMEDIATE.
      auto current = CurrentSchemaVersion(db);
      if (!current) {
        return current.error();
      }
      if (*current > LatestSchemaVersion()) {
        return Unavailable(NewerMessage(db, *current));
      }
      if (*current >= m.version) {
        return {};
      }
      if (*current != m.version - 1) {
        return Internal("SQLite database " + db.path() + " is at schema version " +
                        std::to_string(*current) + ", cannot apply migration " +
                        std::to_string(m.version));
      }
      if (auto s = db.Exec(m.sql); !s) {
        return Error(s.error().code(), "migration " + std::to_string(m.version) + " (" +
                                           std::string(m.name) +
                                           ") failed: " + s.error().message());
      }
      auto insert = Stmt::Prepare(
          db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!insert) {
        return insert.error();
      }
      if (auto s = insert->BindInt64(1, m.version); !s) {
        return s;
      }
      if (auto s = insert->BindText(2, m.name); !s) {
        return s;
      }
      if (auto s = insert->BindInt64(3, ToUnixMs(clock.Now())); !s) {
        return s;
      }
      return insert->Run();
    };
    Status applied = apply();
    if (!applied) {
      if (!db.autocommit()) {
        (void)db.Exec("ROLLBACK");
      }
      return applied;
    }
    if (auto s = db.Exec("COMMIT"); !s) {
      if (!db.autocommit()) {
        (void)db.Exec("ROLLBACK");
      }
      return s;
    }
  }
  return {};
}

Status CheckSchema(Db& db) {
  auto current = CurrentSchemaVersion(db);
  if (!current) {
    return current.error();
  }
  int latest = LatestSchemaVersion();
  if (*current == latest) {
    return {};
  }
  if (*current == 0) {
    return Unavailable("SQLite database " + db.path() +
                       " has no bouncewatch schema; start `bouncewatch serve` on it once (or "
                       "open it read-write) to create it");
  }
  if (*current < latest) {
    return Unavailable("SQLite database " + db.path() + " has schema version " +
                       std::to_string(*current) + ", older than the " + std::to_string(latest) +
                       " this bouncewatch needs; open it read-write once to migrate it");
  }
  return Unavailable(NewerMessage(db, *current));
}

}  // namespace bw::store::sqlite
