// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>

#include "core/clock.h"
#include "core/time_format.h"

namespace bw::testing {

// A clock that stands still until told to move. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = FromUnixMs(*ParseIso8601Ms("2026-11-30T03:00:00Z")))
      : now_ms_(ToUnixMs(start)) {}
  TimePoint Now() const override { return FromUnixMs(now_ms_.load()); }
  void SetNowForTest(TimePoint t) { now_ms_ = ToUnixMs(t); }
  void SetNowForTest(std::string_view iso) { now_ms_ = *ParseIso8601Ms(iso); }
  void Advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace bw::testing
