// SPDX-License-Identifier: Apache-2.0
// Fuzzes the packed-record decoder of the in-memory SuppressionIndex
// (store/sqlite/suppression_index.h): any bytes must decode or be rejected without crashing or
// reading past the end; the brief decoder must accept exactly what the full decoder accepts and
// agree with it; a decoded state must survive Pack -> Unpack unchanged and answer the same from
// an index holding it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/suppression_index.h"

namespace {

using bw::SuppressionState;
using bw::store::sqlite::PackSuppressionState;
using bw::store::sqlite::ReadSuppressionBrief;
using bw::store::sqlite::SuppressionBrief;
using bw::store::sqlite::SuppressionIndex;
using bw::store::sqlite::UnpackSuppressionState;

bool Same(const SuppressionState& a, const SuppressionState& b) {
  return a.address_key == b.address_key && a.address == b.address &&
         a.suppressed == b.suppressed && a.reason == b.reason && a.detail == b.detail &&
         a.hard_bounces == b.hard_bounces && a.soft_bounces == b.soft_bounces &&
         a.complaints == b.complaints && a.recent_soft_ms == b.recent_soft_ms &&
         a.first_seen_ms == b.first_seen_ms && a.last_seen_ms == b.last_seen_ms &&
         a.suppressed_at_ms == b.suppressed_at_ms && a.expires_at_ms == b.expires_at_ms &&
         a.note == b.note && a.event_ids == b.event_ids;
}

bool SameBrief(const SuppressionBrief& b, const SuppressionState& s) {
  return b.suppressed == s.suppressed && b.reason == s.reason && b.detail == s.detail &&
         b.expires_at_ms == s.expires_at_ms;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy in its own allocation, so that a read past the end is caught by ASan.
  const std::vector<char> bytes(data, data + size);
  const std::string_view packed(bytes.data(), bytes.size());
  auto state = UnpackSuppressionState(packed);
  SuppressionBrief brief;
  bool brief_ok = ReadSuppressionBrief(packed, &brief);
  if (!state) {
    // The brief decoder reads a prefix of the record: it may accept what the full one rejects
    // further on, but never a reason the full decoder refuses.
    if (brief_ok && static_cast<int>(brief.reason) >
                        static_cast<int>(bw::SuppressionReason::kImport)) {
      std::abort();
    }
    return 0;
  }
  if (!brief_ok || !SameBrief(brief, *state)) {
    std::abort();
  }
  const std::string again = PackSuppressionState(*state);
  auto back = UnpackSuppressionState(again);
  if (!back || !Same(*back, *state)) {
    std::abort();
  }
  // The index stores the canonical form and answers lookups from it.
  SuppressionIndex index;
  index.Apply({SuppressionIndex::Change::Put(*state)});
  auto got = index.Get(state->address_key);
  SuppressionBrief got_brief;
  if (!got || !Same(*got, *state) || !index.GetBrief(state->address_key, &got_brief) ||
      !SameBrief(got_brief, *state) || index.size() != 1) {
    std::abort();
  }
  index.Apply({SuppressionIndex::Change::Erase(state->address_key)});
  if (index.size() != 0 || index.Get(state->address_key)) {
    std::abort();
  }
  return 0;
}
