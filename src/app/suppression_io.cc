// SPDX-License-Identifier: Apache-2.0
#include "app/suppression_io.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "core/address.h"

namespace bw::app {

Result<std::vector<SuppressionState>> AllSuppressed(store::Store& store, int64_t now_ms) {
  std::vector<SuppressionState> out;
  store::SuppressionQuery q;
  q.active_at_ms = now_ms;
  q.limit = 10000;
  for (;;) {
    auto page = store.ListSuppressions(q);
    if (!page) {
      return page.error();
    }
    bool last = page->size() < q.limit;
    if (!page->empty()) {
      q.after_key = page->back().address_key;
    }
    std::move(page->begin(), page->end(), std::back_inserter(out));
    if (last) {
      return out;
    }
  }
}

Result<size_t> ExportSuppressed(store::Store& store, int64_t now_ms, std::ostream& out,
                                SuppressionFormat format, size_t page_size) {
  store::SuppressionQuery q;
  q.active_at_ms = now_ms;
  q.limit = std::max<size_t>(page_size, 1);
  size_t written = 0;
  for (bool first = true;; first = false) {
    auto page = store.ListSuppressions(q);
    if (!page) {
      return page.error();
    }
    WriteSuppressions(out, *page, format, first);
    written += page->size();
    if (page->size() < q.limit) {
      return written;
    }
    q.after_key = page->back().address_key;
  }
}

Result<RebuildReport> RebuildSuppressions(store::Store& store, const policy::PolicyConfig& policy,
                                          const Clock& clock, bool dry_run) {
  const TimePoint now = clock.Now();
  const int64_t now_ms = ToUnixMs(now);
  RebuildReport report;
  auto before = AllSuppressed(store, now_ms);
  if (!before) {
    return before.error();
  }
  // Manual and imported entries are not derived from events: they are the starting point.
  std::map<std::string, SuppressionState> states;
  for (const auto& s : *before) {
    if (s.reason == SuppressionReason::kManual || s.reason == SuppressionReason::kImport) {
      SuppressionState kept;
      kept.address_key = s.address_key;
      kept.address = s.address;
      kept.suppressed = true;
      kept.reason = s.reason;
      kept.detail = s.detail;
      kept.note = s.note;
      kept.suppressed_at_ms = s.suppressed_at_ms;
      kept.first_seen_ms = s.first_seen_ms;
      kept.last_seen_ms = s.suppressed_at_ms;
      states[s.address_key] = std::move(kept);
    }
  }
  // Every event, oldest first.
  std::vector<FeedbackEvent> events;
  store::EventQuery q;
  q.limit = 10000;
  q.types = {EventType::kBounce, EventType::kComplaint, EventType::kDelivery};
  for (;;) {
    auto page = store.QueryEvents(q);
    if (!page) {
      return page.error();
    }
    bool last = page->size() < q.limit;
    if (!page->empty()) {
      q.before_id = page->back().id;
    }
    std::move(page->begin(), page->end(), std::back_inserter(events));
    if (last) {
      break;
    }
  }
  std::reverse(events.begin(), events.end());
  for (const auto& e : events) {
    auto a = NormalizeAddress(e.recipient);
    if (!a) {
      continue;
    }
    ++report.events;
    auto it = states.find(a->key);
    std::optional<SuppressionState> current;
    if (it != states.end()) {
      current = it->second;
    }
    auto next = policy::Decide(policy, current, e, a->key, a->display, now);
    if (next) {
      states[a->key] = std::move(*next);
    }
  }
  std::map<std::string, const SuppressionState*> old_active;
  for (const auto& s : *before) {
    old_active[s.address_key] = &s;
  }
  std::vector<SuppressionState> all;
  for (auto& [key, s] : states) {
    bool active = IsSuppressedAt(s, now_ms);
    auto old = old_active.find(key);
    if (active && old == old_active.end()) {
      report.added.push_back(s.address);
    } else if (active && (old->second->reason != s.reason || old->second->detail != s.detail ||
                          old->second->expires_at_ms != s.expires_at_ms)) {
      report.changed.push_back(s.address);
    }
    all.push_back(s);
  }
  for (const auto& [key, s] : old_active) {
    auto it = states.find(key);
    if (it == states.end() || !IsSuppressedAt(it->second, now_ms)) {
      report.removed.push_back(s->address);
    }
  }
  if (!dry_run) {
    if (auto s = store.ReplaceSuppressions(all, {"rebuild", "suppress rebuild"}); !s) {
      return s.error();
    }
  }
  return report;
}

}  // namespace bw::app
