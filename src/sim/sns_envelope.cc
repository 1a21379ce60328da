// SPDX-License-Identifier: Apache-2.0
#include "sim/sns_envelope.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/time_format.h"
#include "ingest/sns/signature.h"
#include "sim/ses_notification.h"

namespace bw::sim {
namespace {

// "arn:aws:sns:us-east-1:123456789012:ses-feedback" -> "us-east-1" (default us-east-1).
std::string RegionOf(const std::string& topic_arn) {
  // arn:partition:service:region:account:name
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = topic_arn.find(':', pos);
    if (pos == std::string::npos) {
      return "us-east-1";
    }
    ++pos;
  }
  size_t end = topic_arn.find(':', pos);
  if (end == std::string::npos || end == pos) {
    return "us-east-1";
  }
  return topic_arn.substr(pos, end - pos);
}

// The subscription the simulator pretends to deliver for: one fixed id per topic.
std::string SubscriptionArn(const std::string& topic_arn) {
  return topic_arn + ":b0c3e5a1-5e0d-4c6b-9a57-0b5e3e5a1c11";
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

}  // namespace

// The parsed private key. EVP_PKEY is safe to sign with from several threads at once (each with
// its own EVP_MD_CTX) once it is no longer modified.
struct SnsSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

SnsSigner::SnsSigner(SignerOptions options) : options_(std::move(options)) {
  BIO* bio = BIO_new_mem_buf(options_.private_key_pem.data(),
                             static_cast<int>(options_.private_key_pem.size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  ERR_clear_error();
  if (pkey != nullptr && EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
    auto key = std::make_shared<Key>();
    key->pkey = pkey;
    key_ = std::move(key);
  } else {
    EVP_PKEY_free(pkey);
  }
}

SnsSigner::~SnsSigner() = default;
SnsSigner::SnsSigner(SnsSigner&&) noexcept = default;
SnsSigner& SnsSigner::operator=(SnsSigner&&) noexcept = default;

std::vector<std::pair<std::string, std::string>> SnsHeaders(const sns::SnsMessage& m) {
  return {
      {"Content-Type", "text/plain; charset=UTF-8"},
      {"x-amz-sns-message-type", std::string(sns::SnsMessageTypeName(m.type))},
      {"x-amz-sns-message-id", m.message_id},
      {"x-amz-sns-topic-arn", m.topic_arn},
      {"x-amz-sns-subscription-arn", SubscriptionArn(m.topic_arn)},
      {"User-Agent", "Amazon Simple Notification Service Agent"},
  };
}

Result<sns::SnsMessage> SnsSigner::SignMessage(std::string_view ses_json,
                                               const Clock& clock) const {
  sns::SnsMessage m;
  m.type = sns::SnsMessageType::kNotification;
  m.message_id = NewUuid();
  m.topic_arn = options_.topic_arn;
  m.message = std::string(ses_json);
  m.timestamp_ms = ToUnixMs(clock.Now());
  m.timestamp = FormatIso8601Ms(m.timestamp_ms);
  m.signing_cert_url = options_.signing_cert_url;
  m.unsubscribe_url =
      "https://sns." + RegionOf(options_.topic_arn) +
      ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + SubscriptionArn(options_.topic_arn);
  const int version = options_.signature_version;
  if (version != 1 && version != 2) {
    return InvalidInput("SignatureVersion must be 1 or 2, not " + std::to_string(version));
  }
  if (!key_) {
    return InvalidInput("the simulator key is not a PEM RSA private key");
  }
  auto tbs = sns::BuildStringToSign(m);
  if (tbs.has_error()) {
    return tbs.error();
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const auto* data = reinterpret_cast<const unsigned char*>(tbs->data());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), &pctx, version == 1 ? EVP_sha1() : EVP_sha256(), nullptr,
                         key_->pkey) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, tbs->size()) != 1) {
    ERR_clear_error();
    return Internal("cannot sign with the simulator key (OpenSSL)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     tbs->size()) != 1) {
    ERR_clear_error();
    return Internal("cannot sign with the simulator key (OpenSSL)");
  }
  sig.resize(len);
  m.signature_version = std::to_string(version);
  m.signature = sns::EncodeBase64(sig);
  return m;
}

Result<SignedRequest> SnsSigner::Sign(std::string_view ses_json, const Clock& clock) const {
  auto m = SignMessage(ses_json, clock);
  if (m.has_error()) {
    return m.error();
  }
  SignedRequest r;
  r.message_id = m->message_id;
  r.body = sns::SerializeSnsMessage(*m);
  r.headers = SnsHeaders(*m);
  return r;
}

}  // namespace bw::sim
