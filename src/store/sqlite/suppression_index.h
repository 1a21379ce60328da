// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/suppression.h"
#include "store/store.h"

namespace bw::store::sqlite {

// The short answer of a bulk check (store.h).
using store::SuppressionBrief;

// An in-memory copy of the `suppressions` table, keyed by address_key, so that single and bulk
// suppression checks never touch SQLite. Each state is packed into one allocation (varints and
// length-prefixed strings, about 60 bytes for an imported address) held in an open-addressing
// hash table of pointers (linear probing, backward-shift deletion, load factor <= 0.75): about
// 80 bytes per address in all.
//
// The SQLite store's writer keeps it equal to the table: it loads it at open, applies its own
// changes after each commit, and applies other processes' changes (read from the
// `suppression_changes` log) before each write group and at least every poll interval.
//
// Thread-safety: lookups take a shared lock, updates an exclusive one; any thread may call.
class SuppressionIndex {
 public:
  SuppressionIndex();
  ~SuppressionIndex();
  SuppressionIndex(const SuppressionIndex&) = delete;
  SuppressionIndex& operator=(const SuppressionIndex&) = delete;

  // One change: a new state for its key (packed), or the key's removal.
  struct Change {
    std::string key;
    bool erase = false;
    std::string packed;  // PackSuppressionState(state) unless erase

    static Change Put(const SuppressionState& state);
    static Change Erase(std::string key);
  };

  // Applies changes in order, atomically for readers.
  void Apply(const std::vector<Change>& changes);
  // Replaces everything with the states `fill` passes to its callback, atomically for readers
  // (they see the old contents until fill has succeeded). When fill fails, nothing changes.
  using Sink = std::function<void(const SuppressionState&)>;
  Status ReplaceAll(const std::function<Status(const Sink&)>& fill);

  std::optional<SuppressionState> Get(std::string_view key) const;
  // The brief form of Get (fewer allocations); false when the key has no state.
  bool GetBrief(std::string_view key, SuppressionBrief* out) const;
  // GetBrief for each of `keys` (nullopt where a key has no state), under one lock, with the
  // table's memory prefetched a few keys ahead: for bulk checks.
  void GetBriefs(const std::vector<std::string>& keys,
                 std::vector<std::optional<SuppressionBrief>>* out) const;

  size_t size() const;
  // Bytes held: the slot array plus every packed record (not counting malloc's overhead).
  size_t memory_bytes() const;

 private:
  class Table;
  mutable std::shared_mutex mu_;
  std::unique_ptr<Table> table_;  // GUARDED_BY(mu_)
};

// The packed form used by the index (exposed for tests): Pack then Unpack gives the state back.
std::string PackSuppressionState(const SuppressionState& s);
std::optional<SuppressionState> UnpackSuppressionState(std::string_view packed);
// Reads the brief fields from the front of a packed record (without decoding the rest); false
// when that front is truncated or malformed (then `out` is unspecified).
bool ReadSuppressionBrief(std::string_view packed, SuppressionBrief* out);

}  // namespace bw::store::sqlite
