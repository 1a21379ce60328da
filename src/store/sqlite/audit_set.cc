// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/audit_set.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "store/sqlite/sqlite_util.h"
#include "store/sqlite/zstd_codec.h"

namespace bw::store::sqlite {
namespace {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutField(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads one varint-prefixed field of at most kMaxAuditSetField bytes from the front of `in`.
bool TakeField(std::string_view& in, std::string& out) {
  uint64_t len = 0;
  int shift = 0;
  for (;;) {
    if (in.empty() || shift > 63) {
      return false;
    }
    auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    len |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      break;
    }
    shift += 7;
  }
  if (len > kMaxAuditSetField || len > in.size()) {
    return false;
  }
  out.assign(in.substr(0, len));
  in.remove_prefix(len);
  return true;
}

}  // namespace

std::string EncodeAuditSet(const std::vector<AuditSetEntry>& entries) {
  std::string out;
  for (const AuditSetEntry& e : entries) {
    PutField(out, e.address_key);
    PutField(out, e.address == e.address_key ? std::string_view() : std::string_view(e.address));
    PutField(out, e.note);
  }
  return out;
}

Result<std::vector<AuditSetEntry>> DecodeAuditSet(std::string_view bytes) {
  std::vector<AuditSetEntry> out;
  while (!bytes.empty()) {
    if (out.size() >= kMaxAuditSetEntries) {
      return Internal("audit set: more than " +
                                        std::to_string(kMaxAuditSetEntries) + " entries");
    }
    AuditSetEntry e;
    if (!TakeField(bytes, e.address_key) || !TakeField(bytes, e.address) ||
        !TakeField(bytes, e.note) || e.address_key.empty()) {
      return Internal("audit set: malformed entry " + std::to_string(out.size()));
    }
    if (e.address.empty()) {
      e.address = e.address_key;
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

constexpr std::string_view kAuditColumns =
    "id, address_key, address, action, reason, actor, note, event_id, at";

SuppressionAuditEntry AuditFromRow(const Stmt& r) {
  SuppressionAuditEntry a;
  a.id = r.ColumnInt64(0);
  a.address_key = r.ColumnText(1);
  a.address = r.ColumnText(2);
  a.action = r.ColumnText(3);
  a.reason = r.ColumnText(4);
  a.actor = r.ColumnText(5);
  a.note = r.ColumnText(6);
  a.event_id = r.ColumnText(7);
  a.at_ms = r.ColumnInt64(8);
  return a;
}

// One set entry as an audit entry of `header` (its id, action, actor, time).
SuppressionAuditEntry FromSet(const SuppressionAuditEntry& header, AuditSetEntry e) {
  SuppressionAuditEntry a = header;
  a.address_key = std::move(e.address_key);
  a.address = std::move(e.address);
  if (!e.note.empty()) {
    a.note = std::move(e.note);
  }
  return a;
}

Result<std::vector<AuditSetEntry>> DecodePart(std::string_view frame) {
  auto bytes = ZstdDecompress(frame);
  if (!bytes) {
    return bytes.error();
  }
  return DecodeAuditSet(*bytes);
}

}  // namespace

Result<int64_t> WriteAuditSet(Db& db, int64_t audit_id, const std::vector<AuditSetEntry>& entries,
                              int64_t first_part) {
  auto stmt = Stmt::Prepare(db,
                            "INSERT INTO suppression_audit_sets (audit_id, part, entries,"
                            " first_key, last_key, data) VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt) {
    return stmt.error();
  }
  std::vector<AuditSetEntry> part;
  int64_t n = first_part;
  for (size_t from = 0; from < entries.size(); from += kAuditSetPart, ++n) {
    size_t to = std::min(entries.size(), from + kAuditSetPart);
    part.assign(entries.begin() + static_cast<std::ptrdiff_t>(from),
                entries.begin() + static_cast<std::ptrdiff_t>(to));
    std::string frame = ZstdCompress(EncodeAuditSet(part));
    if (auto s = BindAll(*stmt, audit_id, n,
                         static_cast<int64_t>(part.size()), part.front().address_key,
                         part.back().address_key, Blob{frame});
        !s) {
      return s.error();
    }
    if (auto s = stmt->Run(); !s) {
      return s.error();
    }
    stmt->Reset();
  }
  return n - first_part;
}

Result<std::vector<SuppressionAuditEntry>> ReadSuppressionAudit(Db& db,
                                                                std::string_view address_key,
                                                                size_t limit) {
  const auto sql_limit = static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX));
  std::vector<SuppressionAuditEntry> out;
  auto read_rows = [&out](Stmt& rows) {
    return rows.ForEachRow([&out](const Stmt& r) -> Status {
      out.push_back(AuditFromRow(r));
      return {};
    });
  };
  if (address_key.empty()) {
    // Newest rows first; a set's header row stands for its entries.
    auto rows = PrepareBound(db,
                             "SELECT " + std::string(kAuditColumns) +
                                 " FROM suppression_audit ORDER BY id DESC LIMIT ?",
                             sql_limit);
    if (!rows) {
      return rows.error();
    }
    if (Status read = read_rows(*rows); !read) {
      return read.error();
    }
    std::vector<SuppressionAuditEntry> expanded;
    for (SuppressionAuditEntry& a : out) {
      if (expanded.size() >= limit) {
        break;
      }
      if (!a.address_key.empty()) {
        expanded.push_back(std::move(a));
        continue;
      }
      auto parts = PrepareBound(
          db, "SELECT data FROM suppression_audit_sets WHERE audit_id = ? ORDER BY part", a.id);
      if (!parts) {
        return parts.error();
      }
      Status each = parts->ForEachRow([&](const Stmt& r) -> Status {
        if (expanded.size() >= limit) {
          return {};
        }
        auto entries = DecodePart(r.ColumnView(0));
        if (!entries) {
          return entries.error();
        }
        for (AuditSetEntry& e : *entries) {
          if (expanded.size() >= limit) {
            break;
          }
          expanded.push_back(FromSet(a, std::move(e)));
        }
        return {};
      });
      if (!each) {
        return each.error();
      }
    }
    return expanded;
  }
  auto rows = PrepareBound(db,
                           "SELECT " + std::string(kAuditColumns) +
                               " FROM suppression_audit WHERE address_key = ?"
                               " ORDER BY id DESC LIMIT ?",
                           address_key, sql_limit);
  if (!rows) {
    return rows.error();
  }
  if (Status read = read_rows(*rows); !read) {
    return read.error();
  }
  // The sets whose parts' key ranges hold the key, newest first.
  auto parts = PrepareBound(db,
                            "SELECT a.id, a.address_key, a.address, a.action, a.reason, a.actor,"
                            " a.note, a.event_id, a.at, s.data"
                            " FROM suppression_audit_sets s JOIN suppression_audit a"
                            " ON a.id = s.audit_id"
                            " WHERE s.first_key <= ?1 AND s.last_key >= ?1"
                            " ORDER BY a.id DESC, s.part",
                            address_key);
  if (!parts) {
    return parts.error();
  }
  size_t from_sets = 0;
  Status each = parts->ForEachRow([&](const Stmt& r) -> Status {
    if (from_sets >= limit) {
      return {};
    }
    SuppressionAuditEntry header = AuditFromRow(r);
    auto entries = DecodePart(r.ColumnView(9));
    if (!entries) {
      return entries.error();
    }
    for (AuditSetEntry& e : *entries) {
      if (e.address_key == address_key) {
        out.push_back(FromSet(header, std::move(e)));
        ++from_sets;
      }
    }
    return {};
  });
  if (!each) {
    return each.error();
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SuppressionAuditEntry& a, const SuppressionAuditEntry& b) {
                     return a.id > b.id;
                   });
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

}  // namespace bw::store::sqlite
