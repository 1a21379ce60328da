// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/sqlite/sqlite_handle.h"
#include "store/store.h"

namespace bw::store::sqlite {

// The addresses of one bulk audit entry (an import): instead of one `suppression_audit` row and
// two index entries per imported address, an import writes one `suppression_audit` row (its
// action, actor, note and time, address_key '') and its addresses, in key order, in parts of at
// most kAuditSetPart entries in `suppression_audit_sets` (migration 7), each part one zstd frame
// of EncodeAuditSet. ListSuppressionAudit expands them again.

// One address of a set. `address` and `note` are empty when equal to the key / the header's note.
struct AuditSetEntry {
  std::string address_key;
  std::string address;
  std::string note;
};

// Entries per `suppression_audit_sets` row (a part is at most a few MB before compression).
inline constexpr size_t kAuditSetPart = 65536;

// A decoded part holds at most this many entries and each field at most kMaxAuditSetField bytes
// (DecodeAuditSet refuses more: a corrupt row cannot make us allocate without bound).
inline constexpr size_t kMaxAuditSetEntries = kAuditSetPart;
inline constexpr size_t kMaxAuditSetField = 64 * 1024;

// The entries as bytes: per entry three varint-length-prefixed fields (key, address, note).
std::string EncodeAuditSet(const std::vector<AuditSetEntry>& entries);

// The entries of EncodeAuditSet's bytes; kInternal for anything else (truncated, a varint over
// 10 bytes, a field or entry count over the limits above, an empty key).
Result<std::vector<AuditSetEntry>> DecodeAuditSet(std::string_view bytes);

// Writes `entries` (sorted by key) as the parts of audit row `audit_id` numbered from
// `first_part`, in the current transaction of `db`; returns how many parts. A streamed import
// writes each batch's entries as the next parts: each part is in key order, the set is in key
// order within each batch.
Result<int64_t> WriteAuditSet(Db& db, int64_t audit_id, const std::vector<AuditSetEntry>& entries,
                              int64_t first_part = 0);

// The audit trail as ListSuppressionAudit returns it, from a read connection: rows of
// `suppression_audit` and the entries of audit sets, newest first (the entries of one set in key
// order), at most `limit`; only `address_key`'s when not empty (a set's parts whose key range
// holds it are decompressed and searched).
Result<std::vector<SuppressionAuditEntry>> ReadSuppressionAudit(Db& db,
                                                                std::string_view address_key,
                                                                size_t limit);

}  // namespace bw::store::sqlite
