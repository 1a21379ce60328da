// SPDX-License-Identifier: Apache-2.0
// Generates throw-away keys and self-signed certificates for tests (OpenSSL 3).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace bw::sns::testing {

struct TestKeyPair {
  std::string private_key_pem;
  std::string certificate_pem;
};

namespace internal {
template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
inline std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}
}  // namespace internal

// kind: "rsa" (with `bits`) or "ec" (P-256). Validity [not_before_s, not_after_s] in Unix seconds.
// Throws on failure (test setup, not a result).
inline TestKeyPair MakeSelfSignedCert(const std::string& kind, int bits, int64_t not_before_s,
                                      int64_t not_after_s,
                                      const std::string& cn = "sns.amazonaws.com") {
  using PkeyPtr = std::unique_ptr<EVP_PKEY, internal::Deleter<EVP_PKEY_free>>;
  using X509Ptr = std::unique_ptr<X509, internal::Deleter<X509_free>>;
  using BioPtr = std::unique_ptr<BIO, internal::Deleter<BIO_free>>;
  PkeyPtr key(kind == "ec" ? EVP_EC_gen("P-256") : EVP_RSA_gen(static_cast<unsigned>(bits)));
  if (!key) {
    throw std::runtime_error("key generation failed");
  }
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(not_before_s));
  ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(not_after_s));
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("certificate signing failed");
  }
  TestKeyPair out;
  BioPtr kb(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.private_key_pem = internal::BioToString(kb.get());
  BioPtr cb(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cb.get(), x.get());
  out.certificate_pem = internal::BioToString(cb.get());
  return out;
}

}  // namespace bw::sns::testing
