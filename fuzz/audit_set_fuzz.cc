// SPDX-License-Identifier: Apache-2.0
// Fuzzes the decoder of an import's audit set (store/sqlite/audit_set.h): any bytes must decode
// or be refused without crashing, reading past the end or exceeding the limits; what decodes
// must encode and decode again to the same entries.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/sqlite/audit_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bw::store::sqlite;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto entries = DecodeAuditSet(bytes);
  if (!entries) {
    return 0;
  }
  if (entries->size() > kMaxAuditSetEntries) {
    std::abort();
  }
  auto again = DecodeAuditSet(EncodeAuditSet(*entries));
  if (!again || again->size() != entries->size()) {
    std::abort();
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    const AuditSetEntry& a = (*entries)[i];
    const AuditSetEntry& b = (*again)[i];
    if (a.address_key.empty() || a.address_key.size() > kMaxAuditSetField ||
        a.address_key != b.address_key || a.address != b.address || a.note != b.note) {
      std::abort();
    }
  }
  return 0;
}
