// SPDX-License-Identifier: Apache-2.0
#include "core/suppression.h"

namespace bw {

std::string_view SuppressionReasonName(SuppressionReason r) {
  switch (r) {
    case SuppressionReason::kBounce:
      return "bounce";
    case SuppressionReason::kComplaint:
      return "complaint";
    case SuppressionReason::kManual:
      return "manual";
    case SuppressionReason::kImport:
      return "import";
  }
  return "bounce";
}

std::optional<SuppressionReason> ParseSuppressionReason(std::string_view name) {
  for (SuppressionReason r : {SuppressionReason::kBounce, SuppressionReason::kComplaint,
                              SuppressionReason::kManual, SuppressionReason::kImport}) {
    if (SuppressionReasonName(r) == name) {
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace bw
