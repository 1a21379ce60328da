// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ostream>
#include <string_view>
#include <vector>

#include "core/feedback_event.h"

namespace bw::app {

// How `bouncewatch events` prints events.
enum class EventFormat {
  kTable,  // aligned columns for a terminal: time, type, recipient, class, status, reason, diag
  kJson,   // one JSON object per line (the public event JSON)
  kCsv,    // RFC 4180 CSV with a header row
};

// Parses "table", "json", "csv"; false for anything else.
bool ParseEventFormat(std::string_view name, EventFormat* out);

// Writes the events in the format. Table output ends with a "N events" line.
void WriteEvents(std::ostream& out, const std::vector<FeedbackEvent>& events, EventFormat format);

}  // namespace bw::app
