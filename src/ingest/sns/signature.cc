// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/signature.h"

#include <array>
#include <ctime>
#include <mutex>

#include <boost/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace bw::sns {
namespace {

// RAII for OpenSSL handles: unique_ptr with the matching free function.
template <auto Free>
struct OsslDeleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;

constexpr int kMinRsaBits = 2048;

// OpenSSL keeps a per-thread error queue; drain it after a failure so that it never leaks into
// an unrelated later call, and return its last message for diagnostics.
std::string DrainOpenSslErrors() {
  std::string last;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    last = buf;
  }
  return last;
}

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::optional<int64_t> Asn1TimeToUnixMs(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

const EVP_MD* DigestForVersion(std::string_view version) {
  if (version == "1") {
    return EVP_sha1();
  }
  if (version == "2") {
    return EVP_sha256();
  }
  return nullptr;
}

void Append(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out += '\n';
  out.append(value);
  out += '\n';
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Each byte's base64 value, -1 for bytes outside the alphabet.
constexpr std::array<int8_t, 256> kBase64Values = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) {
    t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  return t;
}();

int Base64Value(char c) { return kBase64Values[static_cast<unsigned char>(c)]; }

bool IsConfirmation(const SnsMessage& m) { return m.type != SnsMessageType::kNotification; }

}  // namespace

// A digest-verify context set up once per certificate and digest (EVP_DigestVerifyInit with
// PKCS#1 v1.5 padding), copied for each verification. In OpenSSL 3 an init looks up the
// signature and digest implementations by name in the provider store (hash tables, locks) on
// every call; a copy (EVP_MD_CTX_copy_ex) only duplicates the initialised state. The mutex
// makes concurrent copies of one template safe (OpenSSL documents no thread-safety for reading
// a shared EVP_MD_CTX); it is held for the copy only, a few hundred nanoseconds.
struct VerifyTemplate {
  MdCtxPtr ctx;
  std::mutex mu;
};

struct Certificate::Handles {
  X509Ptr x509;
  PkeyPtr key;
  VerifyTemplate sha1;    // SignatureVersion 1
  VerifyTemplate sha256;  // SignatureVersion 2
};

namespace {

// Sets up `t` for `md` with `key`; false (and `t` left empty) when OpenSSL refuses.
bool InitVerifyTemplate(VerifyTemplate& t, const EVP_MD* md, EVP_PKEY* key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
    DrainOpenSslErrors();
    return false;
  }
  t.ctx = std::move(ctx);
  return true;
}

// A fresh verification context from `t`, or nullptr when `t` is empty or the copy fails.
MdCtxPtr CopyVerifyTemplate(VerifyTemplate& t) {
  if (!t.ctx) {
    return nullptr;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) {
    return nullptr;
  }
  int ok = 0;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    ok = EVP_MD_CTX_copy_ex(ctx.get(), t.ctx.get());
  }
  if (ok != 1) {
    DrainOpenSslErrors();
    return nullptr;
  }
  // The context is used for one verification: let EVP_DigestVerifyFinal finish it in place
  // instead of duplicating it first (OpenSSL 3 does that so a context can be finalised twice).
  EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
  return ctx;
}

}  // namespace

Certificate::Certificate() : handles_(std::make_unique<Handles>()) {}
Certificate::~Certificate() = default;

Result<std::shared_ptr<const Certificate>> Certificate::FromPem(std::string_view pem) {
  if (pem.size() > kMaxCertificatePemBytes) {
    return InvalidInput("certificate is " + std::to_string(pem.size()) +
                        " bytes, over the limit of " + std::to_string(kMaxCertificatePemBytes));
  }
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return InvalidInput("not a PEM certificate (no \"-----BEGIN CERTIFICATE-----\" line)");
  }
  BioPtr bio = MemBio(pem);
  if (!bio) {
    DrainOpenSslErrors();
    return Internal("out of memory reading a certificate");
  }
  std::shared_ptr<Certificate> cert(new Certificate());
  cert->handles_->x509.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert->handles_->x509) {
    std::string detail = DrainOpenSslErrors();
    return InvalidInput("not a valid PEM certificate" + (detail.empty() ? "" : ": " + detail));
  }
  X509* x = cert->handles_->x509.get();
  cert->handles_->key.reset(X509_get_pubkey(x));
  if (!cert->handles_->key) {
    DrainOpenSslErrors();
    return InvalidInput("certificate has no readable public key");
  }
  if (EVP_PKEY_get_base_id(cert->handles_->key.get()) != EVP_PKEY_RSA) {
    return InvalidInput("certificate key is not RSA (SNS signs with RSA)");
  }
  if (EVP_PKEY_get_bits(cert->handles_->key.get()) < kMinRsaBits) {
    return InvalidInput("certificate RSA key is shorter than " + std::to_string(kMinRsaBits) +
                        " bits");
  }
  // Without a template (OpenSSL refused one) VerifySignature sets up each context itself.
  InitVerifyTemplate(cert->handles_->sha1, EVP_sha1(), cert->handles_->key.get());
  InitVerifyTemplate(cert->handles_->sha256, EVP_sha256(), cert->handles_->key.get());
  std::optional<int64_t> nb = Asn1TimeToUnixMs(X509_get0_notBefore(x));
  std::optional<int64_t> na = Asn1TimeToUnixMs(X509_get0_notAfter(x));
  if (!nb || !na) {
    DrainOpenSslErrors();
    return InvalidInput("certificate has an unreadable validity period");
  }
  cert->not_before_ms_ = *nb;
  cert->not_after_ms_ = *na;
  X509_NAME* subject = X509_get_subject_name(x);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len >= 0 && utf8 != nullptr) {
      cert->subject_cn_.assign(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
    }
    OPENSSL_free(utf8);
  }
  DrainOpenSslErrors();
  return std::shared_ptr<const Certificate>(std::move(cert));
}

Status Certificate::CheckValidAt(int64_t unix_ms) const {
  if (unix_ms < not_before_ms_) {
    return PermissionDenied("signing certificate (" + subject_cn_ + ") is not valid until " +
                            std::to_string(not_before_ms_) + " ms, after the message time " +
                            std::to_string(unix_ms) + " ms");
  }
  // not_after is a whole second and inclusive: valid through its last millisecond.
  if (unix_ms >= not_after_ms_ + 1000) {
    return PermissionDenied("signing certificate (" + subject_cn_ + ") expired at " +
                            std::to_string(not_after_ms_) + " ms, before the message time " +
                            std::to_string(unix_ms) + " ms");
  }
  return {};
}

bool Certificate::MatchesHost(std::string_view host) const {
  int rc = X509_check_host(handles_->x509.get(), host.data(), host.size(), 0, nullptr);
  DrainOpenSslErrors();
  return rc == 1;
}

Result<std::string> BuildStringToSign(const SnsMessage& m) {
  if (m.message_id.empty() || m.timestamp.empty() || m.topic_arn.empty()) {
    return InvalidInput(
        "SNS message lacks MessageId, Timestamp or TopicArn; cannot build the "
        "string to sign");
  }
  std::string out;
  out.reserve(m.message.size() + m.subscribe_url.size() + m.token.size() + 256);
  Append(out, "Message", m.message);
  Append(out, "MessageId", m.message_id);
  if (IsConfirmation(m)) {
    if (m.subscribe_url.empty() || m.token.empty()) {
      return InvalidInput("SNS " + std::string(SnsMessageTypeName(m.type)) +
                          " lacks SubscribeURL or Token; cannot build the string to sign");
    }
    Append(out, "SubscribeURL", m.subscribe_url);
    Append(out, "Timestamp", m.timestamp);
    Append(out, "Token", m.token);
  } else {
    if (m.subject) {
      Append(out, "Subject", *m.subject);
    }
    Append(out, "Timestamp", m.timestamp);
  }
  Append(out, "TopicArn", m.topic_arn);
  Append(out, "Type", SnsMessageTypeName(m.type));
  return out;
}

Status VerifySignature(const SnsMessage& message, const Certificate& certificate) {
  const EVP_MD* md = DigestForVersion(message.signature_version);
  if (md == nullptr) {
    return PermissionDenied("unsupported SignatureVersion \"" +
                            message.signature_version.substr(0, 16) +
                            "\" (only \"1\" and \"2\" exist)");
  }
  std::optional<std::string> sig = DecodeBase64(message.signature);
  if (!sig || sig->empty()) {
    return PermissionDenied("SNS Signature is not valid base64");
  }
  Result<std::string> tbs = BuildStringToSign(message);
  if (!tbs) {
    return tbs.error();
  }
  VerifyTemplate& t =
      md == EVP_sha1() ? certificate.handles_->sha1 : certificate.handles_->sha256;
  MdCtxPtr ctx = CopyVerifyTemplate(t);
  if (!ctx) {
    ctx.reset(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
    if (!ctx ||
        EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, certificate.handles_->key.get()) !=
            1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
      std::string detail = DrainOpenSslErrors();
      return Internal("cannot set up signature verification: " + detail);
    }
  }
  int rc =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(tbs->data()), tbs->size());
  DrainOpenSslErrors();
  if (rc != 1) {
    return PermissionDenied("SNS signature (SignatureVersion " + message.signature_version +
                            ") does not verify against the certificate");
  }
  return {};
}

Result<std::string> SignSnsMessage(SnsMessage& message, std::string_view private_key_pem,
                                   int version) {
  if (version != 1 && version != 2) {
    return InvalidInput("SignatureVersion must be 1 or 2, not " + std::to_string(version));
  }
  const std::string version_text = std::to_string(version);
  const EVP_MD* md = DigestForVersion(version_text);
  BioPtr bio = MemBio(private_key_pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    std::string detail = DrainOpenSslErrors();
    return InvalidInput("not a PEM private key" + (detail.empty() ? "" : ": " + detail));
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return InvalidInput("signing key is not RSA");
  }
  Result<std::string> tbs = BuildStringToSign(message);
  if (!tbs) {
    return tbs.error();
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(tbs->data()),
                     tbs->size()) != 1) {
    std::string detail = DrainOpenSslErrors();
    return Internal("cannot sign: " + detail);
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(tbs->data()), tbs->size()) != 1) {
    std::string detail = DrainOpenSslErrors();
    return Internal("cannot sign: " + detail);
  }
  sig.resize(len);
  message.signature_version = version_text;
  message.signature = EncodeBase64(sig);
  return message.signature;
}

std::string SerializeSnsMessage(const SnsMessage& m) {
  namespace json = boost::json;
  json::object o;
  o["Type"] = SnsMessageTypeName(m.type);
  o["MessageId"] = m.message_id;
  if (IsConfirmation(m)) {
    o["Token"] = m.token;
  }
  o["TopicArn"] = m.topic_arn;
  if (!IsConfirmation(m) && m.subject) {
    o["Subject"] = *m.subject;
  }
  o["Message"] = m.message;
  if (IsConfirmation(m)) {
    o["SubscribeURL"] = m.subscribe_url;
  }
  o["Timestamp"] = m.timestamp;
  o["SignatureVersion"] = m.signature_version;
  o["Signature"] = m.signature;
  o["SigningCertURL"] = m.signing_cert_url;
  if (!IsConfirmation(m)) {
    if (!m.unsubscribe_url.empty()) {
      o["UnsubscribeURL"] = m.unsubscribe_url;
    }
    if (m.message_attributes_json) {
      boost::system::error_code ec;
      json::value attrs = json::parse(*m.message_attributes_json, ec);
      if (!ec && attrs.is_object()) {
        o["MessageAttributes"] = std::move(attrs);
      }
    }
  }
  return json::serialize(o);
}

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) {
      v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    }
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  if (text.empty()) {
    return std::string();
  }
  std::string out(text.size() / 4 * 3, '\0');
  char* w = out.data();
  const auto put = [&w](uint32_t v) {
    w[0] = static_cast<char>((v >> 16) & 0xff);
    w[1] = static_cast<char>((v >> 8) & 0xff);
    w[2] = static_cast<char>(v & 0xff);
    w += 3;
  };
  // Every quad but the last: four alphabet characters ('=' has no value, so it fails here).
  const size_t last = text.size() - 4;
  for (size_t i = 0; i < last; i += 4) {
    const int a = Base64Value(text[i]);
    const int b = Base64Value(text[i + 1]);
    const int c = Base64Value(text[i + 2]);
    const int d = Base64Value(text[i + 3]);
    if ((a | b | c | d) < 0) {
      return std::nullopt;
    }
    put((static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
        (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d));
  }
  // The last quad may end in "=" or "==" (and nothing after a '=').
  const char c2 = text[last + 2];
  const char c3 = text[last + 3];
  int pad = 0;
  if (c3 == '=') {
    pad = c2 == '=' ? 2 : 1;
  } else if (c2 == '=') {
    return std::nullopt;
  }
  const int a = Base64Value(text[last]);
  const int b = Base64Value(text[last + 1]);
  const int c = pad == 2 ? 0 : Base64Value(c2);
  const int d = pad >= 1 ? 0 : Base64Value(c3);
  if ((a | b | c | d) < 0) {
    return std::nullopt;
  }
  put((static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
      (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d));
  out.resize(out.size() - static_cast<size_t>(pad));
  return out;
}

}  // namespace bw::sns
