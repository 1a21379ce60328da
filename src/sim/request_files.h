// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "sim/load_runner.h"

namespace bw::sim {

// Writes `count` requests from `make` into `dir` (created if missing) instead of sending them,
// for other load generators and for checking signatures with other tools. Layout:
//   NNNNNN.json     the exact POST body (the signed SNS JSON), NNNNNN = 000001, 000002, ...
//   NNNNNN.headers  the headers SNS sends, one "Name: value" per line (LF)
//   index.txt       the NNNNNN names in order, one per line
//   wrk.lua         a wrk script replaying them in a loop:
//                   wrk -t2 -c8 -d10s -s DIR/wrk.lua http://127.0.0.1:8080/webhooks/sns
//                   (after the first round the MessageIds repeat: the server answers those 200
//                   as duplicates, so only the first round stores events)
// Errors: kInvalidInput for count 0; kUnavailable when a file cannot be written; the error of
// `make`, if any. Returns the number of requests written.
Result<uint64_t> WriteRequestFiles(const std::string& dir, uint64_t count,
                                   const RequestMaker& make);

}  // namespace bw::sim
