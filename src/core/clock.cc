// SPDX-License-Identifier: Apache-2.0
#include "core/clock.h"

namespace bw {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace bw
