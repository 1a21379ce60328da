// SPDX-License-Identifier: Apache-2.0
#include "app/simulator_trust.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "app/config.h"

namespace bw::app {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

void WriteFile(const std::filesystem::path& path, const std::string& content, mode_t mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw ConfigError("cannot write " + tmp.string());
    }
    out << content;
    if (!out.flush()) {
      throw ConfigError("cannot write " + tmp.string());
    }
  }
  chmod(tmp.c_str(), mode);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    throw ConfigError("cannot write " + path.string() + ": " + ec.message());
  }
}

}  // namespace

SimulatorTrust EnsureSimulatorTrust(const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(data_dir) / "simulator";
  SimulatorTrust trust;
  trust.key_path = (dir / "signing-key.pem").string();
  trust.cert_path = (dir / "signing-cert.pem").string();
  trust.cert_url = kSimulatorCertUrl;
  if (fs::exists(trust.key_path) && fs::exists(trust.cert_path)) {
    return trust;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw ConfigError("cannot create " + dir.string() + ": " + ec.message());
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_RSA_gen(2048));
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!key || !cert) {
    throw ConfigError("cannot create the simulator key pair (OpenSSL)");
  }
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  // Valid from 2000-01-01, not from the minute it was made: it only vouches for the simulator's
  // own messages, whose Timestamp comes from whatever clock signs them (a test's fixed clock, a
  // replay); a start of "now − 1 day" made every message stamped before that fail verification.
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), kSimulatorCertNotBefore);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("bouncewatch simulator"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.amazonaws.com"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw ConfigError("cannot sign the simulator certificate (OpenSSL)");
  }
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  WriteFile(trust.key_path, BioToString(key_bio.get()), 0600);
  WriteFile(trust.cert_path, BioToString(cert_bio.get()), 0644);
  return trust;
}

}  // namespace bw::app
