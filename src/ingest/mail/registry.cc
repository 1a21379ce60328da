// SPDX-License-Identifier: Apache-2.0
// The one list of detectors. A new MTA family is a new file under detectors/ plus one line here.
#include "ingest/mail/detector.h"

namespace bw::mail {

const std::vector<std::unique_ptr<Detector>>& Detectors() {
  static const std::vector<std::unique_ptr<Detector>> kDetectors = [] {
    std::vector<std::unique_ptr<Detector>> v;
    v.push_back(MakeArfDetector());
    v.push_back(MakeAmazonSesDetector());
    v.push_back(MakeGoogleGroupsDetector());
    v.push_back(MakeGmailDetector());
    v.push_back(MakeIMailServerDetector());
    v.push_back(MakeMcAfeeDetector());
    v.push_back(MakeEximDetector());
    v.push_back(MakePostfixDetector());
    v.push_back(MakeSendmailDetector());
    v.push_back(MakeQmailDetector());
    v.push_back(MakeOutlookDetector());
    v.push_back(MakeExchangeDetector());
    v.push_back(MakeYahooDetector());
    v.push_back(MakeRfc3464Detector());
    v.push_back(MakeRfc3834Detector());
    v.push_back(MakeGenericTextDetector());
    return v;
  }();
  return kDetectors;
}

const Detector* FindDetector(std::string_view name) {
  for (const auto& d : Detectors()) {
    if (d->Name() == name) {
      return d.get();
    }
  }
  return nullptr;
}

}  // namespace bw::mail
