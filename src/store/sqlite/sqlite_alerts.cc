// SPDX-License-Identifier: Apache-2.0
// The alert outbox methods of SqliteStore (store.h, store/alert_outbox.h). Writes go through the
// store's group-commit writer (RunOnWriteDb), reads through its read pool (RunOnReadDb).
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include <boost/json/parse.hpp>

#include "core/event_json.h"
#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"
#include "store/sqlite/zstd_codec.h"

namespace bw::store::sqlite {
namespace {

int64_t Clamp(size_t n) { return static_cast<int64_t>(std::min<size_t>(n, INT64_MAX)); }

}  // namespace

Result<std::vector<AlertItem>> SqliteStore::ClaimAlerts(const AlertClaim& claim) {
  if (claim.channel.empty()) {
    return InvalidInput("an alert claim needs a channel");
  }
  std::vector<AlertItem> items;
  if (claim.limit == 0) {
    return items;
  }
  Status s = RunOnWriteDb([&](Db& db) -> Status {
    items.clear();
    std::string sql =
        "SELECT o.id, o.channel, o.kind, o.event_id, o.payload, o.created_at, o.attempts,"
        " o.next_attempt_at, o.last_error, o.sent_at, e.json"
        " FROM alert_outbox o LEFT JOIN events e ON o.event_id != '' AND e.id = o.event_id"
        " WHERE o.channel = ? AND o.sent_at = 0 AND o.next_attempt_at <= ?";
    if (!claim.kinds.empty()) {
      sql += " AND o.kind IN (";
      for (size_t i = 0; i < claim.kinds.size(); ++i) {
        sql += i == 0 ? "?" : ", ?";
      }
      sql += ")";
    }
    sql += " ORDER BY o.id LIMIT ?";
    auto stmt = Stmt::Prepare(db, sql);
    if (!stmt) {
      return stmt.error();
    }
    int index = 1;
    if (auto b = BindAll(*stmt, std::string_view(claim.channel), claim.now_ms); !b) {
      return b;
    }
    index += 2;
    for (const std::string& kind : claim.kinds) {
      if (auto b = stmt->BindText(index++, kind); !b) {
        return b;
      }
    }
    if (auto b = stmt->BindInt64(index, Clamp(claim.limit)); !b) {
      return b;
    }
    Status rows = stmt->ForEachRow([&](const Stmt& r) -> Status {
      AlertItem it;
      it.id = r.ColumnInt64(0);
      it.channel = r.ColumnText(1);
      it.kind = r.ColumnText(2);
      it.event_id = r.ColumnText(3);
      it.payload = r.ColumnText(4);
      it.created_at_ms = r.ColumnInt64(5);
      it.attempts = static_cast<int32_t>(r.ColumnInt64(6));
      it.next_attempt_at_ms = r.ColumnInt64(7);
      it.last_error = r.ColumnText(8);
      it.sent_at_ms = r.ColumnInt64(9);
      if (!r.ColumnIsNull(10)) {
        auto json = StoredEventJson(r, 10);
        if (!json) {
          return Internal("stored event " + it.event_id + ": " + json.error().message());
        }
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(*json, ec);
        if (ec) {
          return Internal("stored event " + it.event_id + " is not valid JSON: " + ec.message());
        }
        auto e = EventFromJson(v);
        if (!e) {
          return Internal("stored event " + it.event_id + " cannot be read: " +
                          e.error().message());
        }
        it.event = std::move(*e);
      }
      items.push_back(std::move(it));
      return {};
    });
    if (!rows) {
      return rows;
    }
    auto update = Stmt::Prepare(
        db, "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?");
    if (!update) {
      return update.error();
    }
    for (AlertItem& it : items) {
      if (auto b = BindAll(*update, claim.lease_until_ms, it.id); !b) {
        return b;
      }
      if (auto r = update->Run(); !r) {
        return r;
      }
      update->Reset();
      it.attempts += 1;
      it.next_attempt_at_ms = claim.lease_until_ms;
    }
    return {};
  });
  if (!s) {
    return s.error();
  }
  return items;
}

Status SqliteStore::MarkAlertsSent(const std::vector<int64_t>& ids, int64_t sent_at_ms) {
  if (ids.empty()) {
    return {};
  }
  return RunOnWriteDb([&](Db& db) -> Status {
    return RunForEachId(db, "UPDATE alert_outbox SET sent_at = ? WHERE id = ? AND sent_at = 0",
                        ids, std::max<int64_t>(sent_at_ms, 1));
  });
}

Status SqliteStore::MarkAlertsFailed(const std::vector<int64_t>& ids, int64_t next_attempt_at_ms,
                                     std::string_view error) {
  if (ids.empty()) {
    return {};
  }
  return RunOnWriteDb([&](Db& db) -> Status {
    return RunForEachId(db,
                        "UPDATE alert_outbox SET next_attempt_at = ?, last_error = ?"
                        " WHERE id = ? AND sent_at = 0",
                        ids, next_attempt_at_ms, error);
  });
}

Status SqliteStore::EnqueueAlerts(const std::vector<NewAlert>& alerts,
                                  const std::map<std::string, std::string>& state,
                                  int64_t now_ms) {
  for (const NewAlert& a : alerts) {
    if (a.channel.empty() || a.kind.empty()) {
      return InvalidInput("an alert needs a channel and a kind");
    }
  }
  if (alerts.empty() && state.empty()) {
    return {};
  }
  return RunOnWriteDb([&](Db& db) -> Status {
    for (const NewAlert& a : alerts) {
      if (auto s = Run(db,
                       "INSERT INTO alert_outbox (channel, kind, payload, created_at,"
                       " next_attempt_at) VALUES (?, ?, ?, ?, ?)",
                       std::string_view(a.channel), std::string_view(a.kind),
                       std::string_view(a.payload), now_ms, now_ms);
          !s) {
        return s;
      }
    }
    for (const auto& [key, value] : state) {
      if (auto s = Run(db,
                       "INSERT INTO alert_state (key, value) VALUES (?, ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       std::string_view(key), std::string_view(value));
          !s) {
        return s;
      }
    }
    return {};
  });
}

Result<std::map<std::string, std::string>> SqliteStore::GetAlertState() {
  std::map<std::string, std::string> out;
  Status s = RunOnReadDb([&](Db& db) -> Status {
    auto stmt = Stmt::Prepare(db, "SELECT key, value FROM alert_state");
    if (!stmt) {
      return stmt.error();
    }
    return stmt->ForEachRow([&](const Stmt& r) -> Status {
      out[r.ColumnText(0)] = r.ColumnText(1);
      return {};
    });
  });
  if (!s) {
    return s.error();
  }
  return out;
}

Result<std::map<std::string, AlertChannelStats>> SqliteStore::GetAlertOutboxStats() {
  std::map<std::string, AlertChannelStats> out;
  Status s = RunOnReadDb([&](Db& db) -> Status {
    auto pending = Stmt::Prepare(db,
                                 "SELECT channel, COUNT(*), MIN(created_at),"
                                 " MIN(CASE WHEN kind = 'event' THEN next_attempt_at END),"
                                 " MIN(CASE WHEN kind != 'event' THEN next_attempt_at END)"
                                 " FROM alert_outbox WHERE sent_at = 0 GROUP BY channel");
    if (!pending) {
      return pending.error();
    }
    Status rows = pending->ForEachRow([&](const Stmt& r) -> Status {
      AlertChannelStats& st = out[r.ColumnText(0)];
      st.pending = r.ColumnInt64(1);
      st.oldest_pending_created_at_ms = r.ColumnInt64(2);
      st.next_event_due_at_ms = r.ColumnIsNull(3) ? 0 : r.ColumnInt64(3);
      st.next_other_due_at_ms = r.ColumnIsNull(4) ? 0 : r.ColumnInt64(4);
      return {};
    });
    if (!rows) {
      return rows;
    }
    auto sent = Stmt::Prepare(db,
                              "SELECT channel, MAX(sent_at) FROM alert_outbox"
                              " WHERE sent_at != 0 AND kind = 'event' GROUP BY channel");
    if (!sent) {
      return sent.error();
    }
    return sent->ForEachRow([&](const Stmt& r) -> Status {
      out[r.ColumnText(0)].last_event_sent_at_ms = r.ColumnInt64(1);
      return {};
    });
  });
  if (!s) {
    return s.error();
  }
  return out;
}

Result<AlertPeriodSummary> SqliteStore::SummarizeAlertPeriod(int64_t since_ms, int64_t until_ms,
                                                             size_t max_addresses) {
  AlertPeriodSummary out;
  Status s = RunOnReadDb([&](Db& db) -> Status {
    out = AlertPeriodSummary{};
    auto by_type = PrepareBound(db,
                                "SELECT type, COUNT(*) AS n FROM events"
                                " WHERE received_at >= ? AND received_at < ?"
                                " GROUP BY type ORDER BY n DESC, type",
                                since_ms, until_ms);
    if (!by_type) {
      return by_type.error();
    }
    Status rows = by_type->ForEachRow([&](const Stmt& r) -> Status {
      std::string type = r.ColumnText(0);
      int64_t n = r.ColumnInt64(1);
      if (type == "complaint") {
        out.complaints = n;
      }
      out.events_by_type.emplace_back(std::move(type), n);
      return {};
    });
    if (!rows) {
      return rows;
    }
    auto hard = PrepareBound(db,
                             "SELECT COUNT(*) FROM events WHERE type = 'bounce'"
                             " AND received_at >= ? AND received_at < ? AND bounce_class = 'hard'",
                             since_ms, until_ms);
    if (!hard) {
      return hard.error();
    }
    if (auto row = hard->Step(); !row) {
      return row.error();
    } else if (*row) {
      out.hard_bounces = hard->ColumnInt64(0);
    }
    auto suppressed = PrepareBound(db,
                                   "SELECT address_key, MIN(address), MIN(id) AS first"
                                   " FROM suppression_audit"
                                   " WHERE at >= ? AND at < ? AND action = 'suppress'"
                                   " GROUP BY address_key ORDER BY first",
                                   since_ms, until_ms);
    if (!suppressed) {
      return suppressed.error();
    }
    return suppressed->ForEachRow([&](const Stmt& r) -> Status {
      ++out.new_suppressions;
      if (out.new_suppressed_addresses.size() < max_addresses) {
        out.new_suppressed_addresses.push_back(r.ColumnText(1));
      }
      return {};
    });
  });
  if (!s) {
    return s.error();
  }
  return out;
}

Result<int64_t> SqliteStore::PruneSentAlerts(int64_t sent_before_ms) {
  int64_t deleted = 0;
  Status s = RunOnWriteDb([&](Db& db) -> Status {
    if (auto r = Run(db, "DELETE FROM alert_outbox WHERE sent_at != 0 AND sent_at < ?",
                     sent_before_ms);
        !r) {
      return r;
    }
    deleted = db.changes();
    return {};
  });
  if (!s) {
    return s.error();
  }
  return deleted;
}

}  // namespace bw::store::sqlite
