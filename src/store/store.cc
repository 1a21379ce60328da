// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <future>
#include <iterator>
#include <string_view>
#include <unordered_map>

namespace bw::store {

Result<IngestOutcome> Store::Ingest(IngestBatch batch) {
  std::promise<Result<IngestOutcome>> promise;
  auto future = promise.get_future();
  IngestAsync(std::move(batch),
              [&promise](Result<IngestOutcome> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<std::optional<SuppressionBrief>>> Store::CheckSuppressions(
    const std::vector<std::string>& address_keys) {
  auto states = GetSuppressions(address_keys);
  if (!states) {
    return states.error();
  }
  std::unordered_map<std::string_view, const SuppressionState*> by_key;
  by_key.reserve(states->size());
  for (const auto& st : *states) {
    by_key.emplace(st.address_key, &st);
  }
  std::vector<std::optional<SuppressionBrief>> out(address_keys.size());
  for (size_t i = 0; i < address_keys.size(); ++i) {
    auto it = by_key.find(address_keys[i]);
    if (it != by_key.end()) {
      const SuppressionState& st = *it->second;
      out[i] = SuppressionBrief{st.suppressed, st.reason, st.detail, st.expires_at_ms};
    }
  }
  return out;
}

Result<size_t> Store::ImportSuppressions(SuppressionBatchSource& source, const AuditInfo& audit) {
  std::vector<ManualSuppression> all;
  if (Status s = ForEachBatch(source,
                              [&all](std::vector<ManualSuppression>& batch) -> Status {
                                all.insert(all.end(), std::make_move_iterator(batch.begin()),
                                           std::make_move_iterator(batch.end()));
                                return {};
                              });
      !s) {
    return s.error();
  }
  if (auto s = AddSuppressions(all, audit); !s) {
    return s.error();
  }
  return all.size();
}

}  // namespace bw::store
