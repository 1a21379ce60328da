// SPDX-License-Identifier: Apache-2.0
// Fuzzes the alert outbox payload readers (notify/alert_json.h): any bytes must parse or fail
// cleanly, and whatever parses must format (alert_format.h) and survive its own JSON form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/json/serialize.hpp>

#include "notify/alert_format.h"
#include "notify/alert_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto v = bw::notify::ParsePayload(text);
  if (!v.has_value()) {
    return 0;
  }
  if (auto d = bw::notify::DigestFromJson(*v); d.has_value()) {
    (void)bw::notify::FormatDigest(*d, {});
    const std::string once = boost::json::serialize(bw::notify::DigestToJson(*d));
    auto again = bw::notify::DigestFromJson(*bw::notify::ParsePayload(once));
    if (!again.has_value() ||
        boost::json::serialize(bw::notify::DigestToJson(*again)) != once) {
      std::abort();
    }
  }
  if (auto c = bw::notify::LevelChangeFromJson(*v); c.has_value()) {
    (void)bw::notify::FormatLevelChange(*c, {});
    const std::string once = boost::json::serialize(bw::notify::LevelChangeToJson(*c));
    auto again = bw::notify::LevelChangeFromJson(*bw::notify::ParsePayload(once));
    if (!again.has_value() ||
        boost::json::serialize(bw::notify::LevelChangeToJson(*again)) != once) {
      std::abort();
    }
  }
  return 0;
}
