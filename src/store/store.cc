// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <future>

namespace bw::store {

Result<IngestOutcome> Store::Ingest(IngestBatch batch) {
  std::promise<Result<IngestOutcome>> promise;
  auto future = promise.get_future();
  IngestAsync(std::move(batch),
              [&promise](Result<IngestOutcome> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace bw::store
