// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "core/feedback_event.h"
#include "core/result.h"

namespace bw {

// The event's public JSON form (DESIGN.md "The event"): id, type, recipient, occurred_at,
// received_at, source, bounce, complaint, mail, origin, details. Times are ISO-8601 UTC with
// milliseconds; absent bounce/complaint are null. This form is also how stores keep events, so
// EventFromJson(EventToJson(e)) == e for every field.
// `sp` is where the object's memory comes from (default: the default resource); the caller
// keeps the resource alive while the object lives.
boost::json::object EventToJson(const FeedbackEvent& event, boost::json::storage_ptr sp = {});

// The inverse. kInvalidInput when a required field is missing or has the wrong type.
Result<FeedbackEvent> EventFromJson(const boost::json::value& json);

// Serialises compactly (one line): exactly the bytes of json::serialize(EventToJson(event)),
// written directly into the string without building the object tree (this runs once per
// ingested event on the request threads).
std::string EventToJsonLine(const FeedbackEvent& event);

}  // namespace bw
