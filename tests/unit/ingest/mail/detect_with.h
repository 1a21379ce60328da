// SPDX-License-Identifier: Apache-2.0
// Test helper shared by the detector tests: runs one named detector over a raw mail.
#pragma once

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/mail/detector.h"
#include "ingest/mail/mail.h"

namespace bw::mail {

// What the detector called `detector` finds in `raw` (LoadMail with the default limits); a
// failed load or an unknown detector name fails the calling test and gives nothing.
inline std::vector<Delivery> DetectWith(std::string_view detector, std::string_view raw) {
  auto mail = LoadMail(raw, MimeLimits{});
  EXPECT_TRUE(mail.has_value());
  const Detector* d = FindDetector(detector);
  EXPECT_NE(d, nullptr) << detector;
  if (!mail || d == nullptr) {
    return {};
  }
  return d->Detect(*mail);
}

// Expects exactly one delivery, for `recipient`. Wrap in ASSERT_NO_FATAL_FAILURE before reading
// found[0].
inline void ExpectOneRecipient(const std::vector<Delivery>& found, std::string_view recipient) {
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].recipient, recipient);
}

}  // namespace bw::mail
