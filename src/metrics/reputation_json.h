// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/json/object.hpp>

#include "core/result.h"
#include "metrics/reputation.h"

namespace bw::metrics {

// The JSON documents of the reputation API (docs/api.md "Reputation"), shared by
// GET /v1/reputation and `bouncewatch stats --format json` so that both say the same thing.

// GET /v1/reputation: the rates over the window as of now, with break-downs. `by` restricts the
// break-downs to one dimension (the others are absent); each lists at most `limit` keys.
// REQUIRES: by is not Dimension::kAll.
boost::json::object ReputationDocument(const ReputationCounter& counter,
                                       std::optional<Dimension> by, size_t limit);

// GET /v1/reputation/series: one point per `bucket` from since_ms to now. kInvalidInput as
// ReputationCounter::Series.
Result<boost::json::object> SeriesDocument(const ReputationCounter& counter,
                                           std::chrono::milliseconds bucket, int64_t since_ms);

// {"sends": ..., "deliveries": ..., ...}
boost::json::object CountsJson(const Counts& c);

}  // namespace bw::metrics
