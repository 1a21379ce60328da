// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>

namespace bw::http {

// Runs blocking work (outgoing HTTPS, synchronous store calls) off the I/O threads. The function
// is queued and run later on another thread; it must not throw.
using BlockingExecutor = std::function<void(std::function<void()>)>;

}  // namespace bw::http
