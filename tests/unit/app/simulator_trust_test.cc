// SPDX-License-Identifier: Apache-2.0
// The simulator's signing identity (src/app/simulator_trust.*).
#include "app/simulator_trust.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace bw::app {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::unique_ptr<X509, X509Free> ReadCert(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) {
    return nullptr;
  }
  return std::unique_ptr<X509, X509Free>(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
}

TEST(SimulatorTrustTest, CertificateIsValidFrom2000WheneverItWasMade) {
  // Messages signed with a test's fixed clock (2026-11-30T03:00:00Z) must verify on any later
  // day: the validity may not start at "now − 1 day".
  testing::TempDir dir;
  SimulatorTrust trust = EnsureSimulatorTrust(dir.path().string());
  auto cert = ReadCert(trust.cert_path);
  ASSERT_NE(cert, nullptr);
  std::tm not_before{};
  ASSERT_EQ(ASN1_TIME_to_tm(X509_get0_notBefore(cert.get()), &not_before), 1);
  EXPECT_EQ(timegm(&not_before), kSimulatorCertNotBefore);
  time_t in_nine_years = std::time(nullptr) + 9L * 365 * 24 * 3600;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_nine_years), 0);
  // A second call keeps the pair it made.
  SimulatorTrust again = EnsureSimulatorTrust(dir.path().string());
  auto same = ReadCert(again.cert_path);
  ASSERT_NE(same, nullptr);
  EXPECT_EQ(X509_cmp(cert.get(), same.get()), 0);
}

}  // namespace
}  // namespace bw::app
