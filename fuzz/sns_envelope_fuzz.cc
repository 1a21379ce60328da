// SPDX-License-Identifier: Apache-2.0
// Feeds arbitrary bytes to the SNS envelope parser and, when it accepts them, to the string-to-sign
// construction and the serialiser, checking that parse(serialise(m)) == m. Also exercises the
// URL validators and the base64 decoder on the same bytes. Must never crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/sns/cert_url.h"
#include "ingest/sns/signature.h"
#include "ingest/sns/sns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  bw::Result<bw::sns::SnsMessage> m = bw::sns::ParseSnsMessage(bytes);
  if (m) {
    bw::Result<std::string> tbs = bw::sns::BuildStringToSign(*m);
    if (!tbs) {
      std::abort();  // the parser guarantees every field the string to sign needs
    }
    bw::Result<bw::sns::SnsMessage> again =
        bw::sns::ParseSnsMessage(bw::sns::SerializeSnsMessage(*m));
    if (!again || !(*again == *m)) {
      std::abort();
    }
    (void)bw::sns::ValidateSigningCertUrl(m->signing_cert_url);
    (void)bw::sns::ValidateSubscribeUrl(m->subscribe_url, m->topic_arn);
    (void)bw::sns::DecodeBase64(m->signature);
  }
  (void)bw::sns::ValidateSigningCertUrl(bytes);
  (void)bw::sns::ValidateSubscribeUrl(bytes, "arn:aws:sns:us-east-1:123456789012:t");
  (void)bw::sns::DecodeBase64(bytes);
  return 0;
}
