// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>

namespace bw {

using TimePoint = std::chrono::system_clock::time_point;

// Where time comes from. Injected everywhere a decision depends on "now" (certificate validity,
// replay windows, suppression expiry, rate windows) so tests choose the instant and never sleep.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance (stateless).
  static const SystemClock& Instance();
};

// Milliseconds since the Unix epoch, the unit events are stored in.
inline int64_t ToUnixMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMs(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace bw
