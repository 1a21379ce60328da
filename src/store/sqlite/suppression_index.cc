// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/suppression_index.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <utility>

namespace bw::store::sqlite {
namespace {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads the packed form front to back; any overrun sets `ok` to false and yields zeros.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) {
        ok = false;
        return 0;
      }
      auto b = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    ok = false;
    return 0;
  }
  int64_t Signed() {
    uint64_t v = Varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string_view String() {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok = false;
      return {};
    }
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  uint8_t Byte() {
    if (in_.empty()) {
      ok = false;
      return 0;
    }
    auto b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }

  bool ok = true;

 private:
  std::string_view in_;
};

constexpr uint8_t kSuppressedFlag = 1;
constexpr uint8_t kAddressIsKeyFlag = 2;

// The key at the front of a packed record.
std::string_view PackedKey(std::string_view packed) {
  Reader r(packed);
  return r.String();
}

}  // namespace

bool ReadSuppressionBrief(std::string_view packed, SuppressionBrief* out) {
  Reader r(packed);
  r.String();  // key
  uint8_t flags = r.Byte();
  if ((flags & kAddressIsKeyFlag) == 0) {
    r.String();
  }
  out->suppressed = (flags & kSuppressedFlag) != 0;
  uint8_t reason = r.Byte();
  if (reason > static_cast<uint8_t>(SuppressionReason::kImport)) {
    return false;
  }
  out->reason = static_cast<SuppressionReason>(reason);
  out->detail = std::string(r.String());
  r.Varint();
  r.Varint();
  r.Varint();
  for (uint64_t n = r.Varint(); n > 0 && r.ok; --n) {
    r.Signed();
  }
  r.Signed();
  r.Signed();
  r.Signed();
  out->expires_at_ms = r.Signed();
  return r.ok;
}

std::string PackSuppressionState(const SuppressionState& s) {
  std::string out;
  out.reserve(48 + s.address_key.size() + s.detail.size() + s.note.size());
  PutString(out, s.address_key);
  bool same = s.address == s.address_key;
  out += static_cast<char>((s.suppressed ? kSuppressedFlag : 0) | (same ? kAddressIsKeyFlag : 0));
  if (!same) {
    PutString(out, s.address);
  }
  out += static_cast<char>(static_cast<uint8_t>(s.reason));
  PutString(out, s.detail);
  PutVarint(out, static_cast<uint32_t>(s.hard_bounces));
  PutVarint(out, static_cast<uint32_t>(s.soft_bounces));
  PutVarint(out, static_cast<uint32_t>(s.complaints));
  PutVarint(out, s.recent_soft_ms.size());
  for (int64_t t : s.recent_soft_ms) {
    PutSigned(out, t);
  }
  PutSigned(out, s.first_seen_ms);
  PutSigned(out, s.last_seen_ms);
  PutSigned(out, s.suppressed_at_ms);
  PutSigned(out, s.expires_at_ms);
  PutString(out, s.note);
  PutVarint(out, s.event_ids.size());
  for (const std::string& id : s.event_ids) {
    PutString(out, id);
  }
  return out;
}

std::optional<SuppressionState> UnpackSuppressionState(std::string_view packed) {
  Reader r(packed);
  SuppressionState s;
  s.address_key = std::string(r.String());
  uint8_t flags = r.Byte();
  s.suppressed = (flags & kSuppressedFlag) != 0;
  s.address = (flags & kAddressIsKeyFlag) != 0 ? s.address_key : std::string(r.String());
  uint8_t reason = r.Byte();
  if (reason > static_cast<uint8_t>(SuppressionReason::kImport)) {
    return std::nullopt;
  }
  s.reason = static_cast<SuppressionReason>(reason);
  s.detail = std::string(r.String());
  s.hard_bounces = static_cast<int32_t>(r.Varint());
  s.soft_bounces = static_cast<int32_t>(r.Varint());
  s.complaints = static_cast<int32_t>(r.Varint());
  uint64_t n = r.Varint();
  for (; n > 0 && r.ok; --n) {
    s.recent_soft_ms.push_back(r.Signed());
  }
  s.first_seen_ms = r.Signed();
  s.last_seen_ms = r.Signed();
  s.suppressed_at_ms = r.Signed();
  s.expires_at_ms = r.Signed();
  s.note = std::string(r.String());
  n = r.Varint();
  for (; n > 0 && r.ok; --n) {
    s.event_ids.emplace_back(r.String());
  }
  if (!r.ok) {
    return std::nullopt;
  }
  return s;
}

// Open addressing over pointers to records: [uint32 length][packed state].
// Next to each slot, a one-byte tag from the key's hash (0: empty slot): a probe compares tags
// and reads a record (a cache miss in a table of a million) only when the tag matches. Without
// tags an absent key cost one record read per probe, several per lookup at load 0.75.
class SuppressionIndex::Table {
 public:
  Table() : slots_(16, nullptr), tags_(16, 0) {}
  ~Table() {
    for (char* rec : slots_) {
      std::free(rec);
    }
  }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  static std::string_view View(const char* rec) {
    uint32_t n = 0;
    std::memcpy(&n, rec, sizeof(n));
    return {rec + sizeof(n), n};
  }

  const char* Find(std::string_view key) const { return Find(key, Hash(key)); }
  // Find with the key's Hash already computed.
  const char* Find(std::string_view key, size_t h) const {
    size_t mask = slots_.size() - 1;
    uint8_t tag = Tag(h);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint8_t t = tags_[i];
      if (t == 0) {
        return nullptr;
      }
      if (t == tag && PackedKey(View(slots_[i])) == key) {
        return slots_[i];
      }
    }
  }

  void Put(const std::string& packed) {
    if ((count_ + 1) * 4 > slots_.size() * 3) {
      Grow();
    }
    auto* rec = static_cast<char*>(std::malloc(sizeof(uint32_t) + packed.size()));
    if (rec == nullptr) {
      throw std::bad_alloc();
    }
    auto n = static_cast<uint32_t>(packed.size());
    std::memcpy(rec, &n, sizeof(n));
    std::memcpy(rec + sizeof(n), packed.data(), packed.size());
    std::string_view key = PackedKey(packed);
    size_t mask = slots_.size() - 1;
    size_t h = Hash(key);
    uint8_t tag = Tag(h);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      char*& slot = slots_[i];
      if (slot == nullptr) {
        slot = rec;
        tags_[i] = tag;
        ++count_;
        bytes_ += packed.size() + sizeof(n);
        return;
      }
      if (tags_[i] == tag && PackedKey(View(slot)) == key) {
        bytes_ -= View(slot).size();
        bytes_ += packed.size();
        std::free(slot);
        slot = rec;
        return;
      }
    }
  }

  void Erase(std::string_view key) {
    size_t mask = slots_.size() - 1;
    size_t h = Hash(key);
    uint8_t tag = Tag(h);
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
      if (slots_[i] == nullptr) {
        return;
      }
      if (tags_[i] == tag && PackedKey(View(slots_[i])) == key) {
        break;
      }
    }
    bytes_ -= View(slots_[i]).size() + sizeof(uint32_t);
    std::free(slots_[i]);
    slots_[i] = nullptr;
    tags_[i] = 0;
    --count_;
    // Backward-shift: move later members of the probe run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    size_t hole = i;
    for (size_t j = (i + 1) & mask; slots_[j] != nullptr; j = (j + 1) & mask) {
      size_t home = Hash(PackedKey(View(slots_[j]))) & mask;
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        tags_[hole] = tags_[j];
        slots_[j] = nullptr;
        tags_[j] = 0;
        hole = j;
      }
    }
  }

  // Asks the CPU to fetch the start of the probe run of a key with hash h (see GetBriefs).
  void PrefetchSlot(size_t h) const {
    size_t i = h & (slots_.size() - 1);
    __builtin_prefetch(&tags_[i]);
    __builtin_prefetch(&slots_[i]);
  }

  size_t count() const { return count_; }
  size_t bytes() const { return bytes_ + slots_.size() * (sizeof(char*) + sizeof(uint8_t)); }

  static size_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }

 private:
  // The hash's top byte (the slot comes from its low bits), never 0.
  static uint8_t Tag(size_t h) {
    auto t = static_cast<uint8_t>(h >> (8 * (sizeof(size_t) - 1)));
    return t == 0 ? 1 : t;
  }

  void Grow() {
    std::vector<char*> old(slots_.size() * 2, nullptr);
    old.swap(slots_);
    tags_.assign(slots_.size(), 0);
    size_t mask = slots_.size() - 1;
    for (char* rec : old) {
      if (rec == nullptr) {
        continue;
      }
      size_t h = Hash(PackedKey(View(rec)));
      for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (slots_[i] == nullptr) {
          slots_[i] = rec;
          tags_[i] = Tag(h);
          break;
        }
      }
    }
  }

  std::vector<char*> slots_;   // size is a power of two
  std::vector<uint8_t> tags_;  // one per slot: Tag of its key's hash, 0 when empty
  size_t count_ = 0;
  size_t bytes_ = 0;
};

SuppressionIndex::SuppressionIndex() : table_(std::make_unique<Table>()) {}
SuppressionIndex::~SuppressionIndex() = default;

SuppressionIndex::Change SuppressionIndex::Change::Put(const SuppressionState& state) {
  Change c;
  c.key = state.address_key;
  c.packed = PackSuppressionState(state);
  return c;
}

SuppressionIndex::Change SuppressionIndex::Change::Erase(std::string key) {
  Change c;
  c.key = std::move(key);
  c.erase = true;
  return c;
}

void SuppressionIndex::Apply(const std::vector<Change>& changes) {
  std::unique_lock lock(mu_);
  for (const Change& c : changes) {
    if (c.erase) {
      table_->Erase(c.key);
    } else {
      table_->Put(c.packed);
    }
  }
}

Status SuppressionIndex::ReplaceAll(const std::function<Status(const Sink&)>& fill) {
  auto fresh = std::make_unique<Table>();
  Status filled = fill([&](const SuppressionState& s) { fresh->Put(PackSuppressionState(s)); });
  if (!filled) {
    return filled;
  }
  std::unique_lock lock(mu_);
  table_.swap(fresh);
  lock.unlock();
  // `fresh` (the old table) is freed here, outside the lock.
  return {};
}

std::optional<SuppressionState> SuppressionIndex::Get(std::string_view key) const {
  std::shared_lock lock(mu_);
  const char* rec = table_->Find(key);
  if (rec == nullptr) {
    return std::nullopt;
  }
  return UnpackSuppressionState(Table::View(rec));
}

bool SuppressionIndex::GetBrief(std::string_view key, SuppressionBrief* out) const {
  std::shared_lock lock(mu_);
  const char* rec = table_->Find(key);
  return rec != nullptr && ReadSuppressionBrief(Table::View(rec), out);
}

void SuppressionIndex::GetBriefs(const std::vector<std::string>& keys,
                                 std::vector<std::optional<SuppressionBrief>>* out) const {
  // A lookup in a table of a million is mostly waiting for memory (the tag and slot, then the
  // record). Pipelined: key i's slot is prefetched kSlotLead keys before it is probed, and the
  // record it finds kRecordLead keys before it is read.
  constexpr size_t kRecordLead = 8;
  constexpr size_t kSlotLead = 2 * kRecordLead;
  const size_t n = keys.size();
  out->assign(n, std::nullopt);
  std::vector<size_t> hashes(n);
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = Table::Hash(keys[i]);
  }
  std::vector<const char*> recs(n, nullptr);
  std::shared_lock lock(mu_);
  for (size_t i = 0; i < n + kSlotLead; ++i) {
    if (i < n) {
      table_->PrefetchSlot(hashes[i]);
    }
    if (i >= kRecordLead && i - kRecordLead < n) {
      size_t j = i - kRecordLead;
      recs[j] = table_->Find(keys[j], hashes[j]);
      if (recs[j] != nullptr) {
        __builtin_prefetch(recs[j]);
      }
    }
    if (i >= kSlotLead && i - kSlotLead < n) {
      size_t k = i - kSlotLead;
      SuppressionBrief brief;
      if (recs[k] != nullptr && ReadSuppressionBrief(Table::View(recs[k]), &brief)) {
        (*out)[k] = std::move(brief);
      }
    }
  }
}

size_t SuppressionIndex::size() const {
  std::shared_lock lock(mu_);
  return table_->count();
}

size_t SuppressionIndex::memory_bytes() const {
  std::shared_lock lock(mu_);
  return table_->bytes();
}

}  // namespace bw::store::sqlite
