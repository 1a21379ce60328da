// SPDX-License-Identifier: Apache-2.0
// Fuzzes bw::ses::MapSesMessage: any bytes must map to at least one event without crashing, and
// every event must survive its JSON form (what the store keeps).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/event_json.h"
#include "ingest/ses/ses_mapper.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  bw::ses::SesContext context;
  context.sns_message_id = "fuzz";
  auto events = bw::ses::MapSesMessage(message, context);
  if (!events.has_value() || events->empty() || events->size() > bw::ses::kMaxRecipients + 1) {
    std::abort();
  }
  for (const bw::FeedbackEvent& e : *events) {
    if (e.type == bw::EventType::kUnrecognized && !e.details.contains("raw")) {
      std::abort();
    }
    auto back = bw::EventFromJson(bw::EventToJson(e));
    if (!back.has_value() || bw::EventToJsonLine(*back) != bw::EventToJsonLine(e)) {
      std::abort();
    }
  }
  return 0;
}
