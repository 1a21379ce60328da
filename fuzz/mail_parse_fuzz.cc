// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the mail parser: any bytes must give a result or an error, never a crash, a
// hang or an invalid JSON line -- through the default reader (fast path, GMime fallback) and
// through each reader alone.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/mail/mail_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  bw::mail::ParseOptions options;
  options.max_bytes = 1 << 20;
  auto results = bw::mail::ParseMail(raw, options);
  if (results) {
    (void)bw::mail::FormatJsonl("fuzz", *results);
  }
  options.engine = bw::mail::MimeEngine::kFast;
  auto fast = bw::mail::ParseMail(raw, options);
  if (fast) {
    (void)bw::mail::FormatJsonl("fuzz", *fast);
  }
  options.engine = bw::mail::MimeEngine::kGMime;
  auto gmime = bw::mail::ParseMail(raw, options);
  if (gmime) {
    (void)bw::mail::FormatJsonl("fuzz", *gmime);
  }
  return 0;
}
