// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the GMime-free header decoding (src/ingest/mail/rfc2047.h), differential: any
// bytes, taken as an unfolded header value, must decode to exactly what GMime gives whenever
// DecodeEncodedWords answers, and the UTF-8 check must agree with GLib's. A difference traps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "ingest/mail/gmime_api.h"
#include "ingest/mail/mime_internal.h"
#include "ingest/mail/rfc2047.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string value;
  for (size_t i = 0; i < size && i < 4096; ++i) {
    char c = static_cast<char>(data[i]);
    if (c != '\r' && c != '\n' && c != '\0') {
      value.push_back(c);
    }
  }
  if (!bw::mail::internal::LoadGMime()) {
    std::fprintf(stderr, "rfc2047_fuzz: GMime cannot be loaded: nothing to compare against\n");
    __builtin_trap();
  }
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  if (bw::mail::internal::GlibValidUtf8(raw) !=
      (g_utf8_validate(raw.data(), static_cast<gssize>(raw.size()), nullptr) != 0)) {
    std::fprintf(stderr, "UTF-8 check differs from GLib's\n");
    __builtin_trap();
  }
  std::optional<std::string> ours = bw::mail::internal::DecodeEncodedWords(value);
  if (ours) {
    char* theirs = g_mime_utils_header_decode_text(nullptr, value.c_str());
    const bool same = theirs != nullptr && *ours == theirs;
    if (!same) {
      std::fprintf(stderr, "decoded [%s], GMime [%s] for [%s]\n", ours->c_str(),
                   theirs != nullptr ? theirs : "(null)", value.c_str());
    }
    g_free(theirs);
    if (!same) {
      __builtin_trap();
    }
  }
  return 0;
}
