// SPDX-License-Identifier: Apache-2.0
#include "core/reputation_counts.h"

namespace bw {

ReputationCounts& ReputationCounts::operator+=(const ReputationCounts& o) {
  sends += o.sends;
  deliveries += o.deliveries;
  bounces += o.bounces;
  hard_bounces += o.hard_bounces;
  complaints += o.complaints;
  reported_sends += o.reported_sends;
  excluded += o.excluded;
  return *this;
}

std::string_view ReputationDimensionName(ReputationDimension d) {
  switch (d) {
    case ReputationDimension::kAll:
      return "all";
    case ReputationDimension::kIdentity:
      return "identity";
    case ReputationDimension::kConfigurationSet:
      return "configuration_set";
    case ReputationDimension::kRecipientDomain:
      return "recipient_domain";
  }
  return "all";
}

std::optional<ReputationDimension> ParseReputationDimension(std::string_view name) {
  for (ReputationDimension d : {ReputationDimension::kAll, ReputationDimension::kIdentity,
                                ReputationDimension::kConfigurationSet,
                                ReputationDimension::kRecipientDomain}) {
    if (ReputationDimensionName(d) == name) {
      return d;
    }
  }
  return std::nullopt;
}

}  // namespace bw
