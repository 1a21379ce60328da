// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/result.h"
#include "notify/alert_format.h"

namespace bw::notify {

// JSON forms of what the alert worker keeps in the outbox (the payload of level-change and
// digest rows) and sends to webhooks. FromJson(ToJson(x)) == x field by field; FromJson is
// lenient about missing fields (defaults) and returns kInvalidInput only for a value that is not
// an object.
boost::json::object RateSnapshotToJson(const RateSnapshot& r);
RateSnapshot RateSnapshotFromJson(const boost::json::value& v);

boost::json::object LevelChangeToJson(const LevelChange& c);
Result<LevelChange> LevelChangeFromJson(const boost::json::value& v);

boost::json::object DigestToJson(const Digest& d);
Result<Digest> DigestFromJson(const boost::json::value& v);

// Parses a stored payload (kInvalidInput for text that is not JSON; depth limited).
Result<boost::json::value> ParsePayload(const std::string& text);

}  // namespace bw::notify
