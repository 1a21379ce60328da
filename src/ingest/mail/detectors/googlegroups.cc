// SPDX-License-Identifier: Apache-2.0
// Google Groups refusals ("the group you tried to contact may not exist, or you may not have
// permission to post"), written in the poster's language. The group refused the sender, so the
// reason is always "rejected"; the failed recipient is the group address.
#include "ingest/mail/detector.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {
namespace {

class GoogleGroups final : public Detector {
 public:
  std::string_view Name() const override { return "googlegroups"; }

  bool Accepts(const MailSignals& s) const override { return !s.has_delivery_status; }

  std::vector<Delivery> Detect(const Mail& mail) const override {
    if (!mail.delivery_status.empty()) {
      return {};
    }
    bool groups = IContains(FindHeader(mail.headers, "X-Failed-Recipients"), "@googlegroups.") ||
                  (!FindHeader(mail.headers, "X-Google-Group-Id").empty() &&
                   IContains(FindHeader(mail.headers, "Reply-To"), "@googlegroups."));
    if (!groups) {
      return {};
    }
    // The group address: the bounce's Reply-To / List-Id / X-Failed-Recipients name it.
    std::string group = FindAddress(FindHeader(mail.headers, "X-Failed-Recipients"));
    if (group.empty()) {
      group = FindAddress(FindHeader(mail.headers, "Reply-To"));
    }
    if (group.empty()) {
      return {};
    }
    Delivery d;
    d.recipient = group;
    d.reason = "rejected";
    d.diagnostic = Squeeze(mail.Readable().substr(0, 1000));
    d.action = "failed";
    return {d};
  }
};

}  // namespace

std::unique_ptr<Detector> MakeGoogleGroupsDetector() { return std::make_unique<GoogleGroups>(); }

}  // namespace bw::mail
