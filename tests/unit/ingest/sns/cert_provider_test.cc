// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/cert_provider.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fake_http_client.h"
#include "sns_test_util.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::sns {
namespace {

namespace fs = std::filesystem;
using bw::testing::DataPath;
using bw::testing::FakeClock;
using bw::testing::ReadData;
using bw::testing::TempDir;
using testing::FakeHttpClient;
using testing::kRealCertUrl;

const std::string kUrl = kRealCertUrl;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class CertProviderTest : public ::testing::Test {
 protected:
  CertificateProviderOptions Options() {
    CertificateProviderOptions o;
    o.cache_dir = (dir_.path() / "certs").string();
    return o;
  }
  std::string RealPem() { return ReadData(testing::kRealCertData); }

  TempDir dir_;
  FakeHttpClient http_;
  FakeClock clock_;
};

TEST_F(CertProviderTest, SecondGetHitsMemory) {
  http_.SetBody(kUrl, 200, RealPem());
  CachingCertificateProvider provider(Options(), http_, clock_);
  auto first = provider.Get(kUrl);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ((*first)->subject_cn(), "sns.amazonaws.com");
  EXPECT_EQ(http_.gets(), 1);
  EXPECT_EQ(http_.last_options().max_body_bytes, 10u * 1024u);
  EXPECT_EQ(http_.last_options().connect_timeout, std::chrono::milliseconds(5000));
  auto second = provider.Get(kUrl);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->get(), first->get());
  EXPECT_EQ(http_.gets(), 1);
}

TEST_F(CertProviderTest, NewProviderWithSameCacheDirHitsDisk) {
  http_.SetBody(kUrl, 200, RealPem());
  {
    CachingCertificateProvider provider(Options(), http_, clock_);
    ASSERT_TRUE(provider.Get(kUrl));
    const fs::path file = provider.CacheFileFor(kUrl);
    EXPECT_EQ(file.parent_path(), fs::path(Options().cache_dir));
    EXPECT_EQ(file.filename().string().size(), 64u + 4u);  // sha256 hex + ".pem"
    EXPECT_EQ(ReadFile(file), RealPem());
  }
  // Only the certificate, no temporary file left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(Options().cache_dir)) {
    ++files;
  }
  EXPECT_EQ(files, 1);

  FakeHttpClient offline;  // answers 404 to everything
  CachingCertificateProvider again(Options(), offline, clock_);
  auto cert = again.Get(kUrl);
  ASSERT_TRUE(cert) << cert.error().ToString();
  EXPECT_EQ(offline.gets(), 0);
  EXPECT_EQ((*cert)->not_after_ms(), 1792022399000);
  // Another URL is not served from that file.
  EXPECT_FALSE(again.Get(kUrl + "x"));
  EXPECT_EQ(offline.gets(), 1);
}

TEST_F(CertProviderTest, DamagedDiskCacheIsRefetched) {
  http_.SetBody(kUrl, 200, RealPem());
  CachingCertificateProvider provider(Options(), http_, clock_);
  fs::create_directories(Options().cache_dir);
  std::ofstream(provider.CacheFileFor(kUrl)) << "garbage";
  ASSERT_TRUE(provider.Get(kUrl));
  EXPECT_EQ(http_.gets(), 1);
  EXPECT_EQ(ReadFile(provider.CacheFileFor(kUrl)), RealPem());
}

TEST_F(CertProviderTest, NoCacheDirMeansMemoryOnly) {
  http_.SetBody(kUrl, 200, RealPem());
  CertificateProviderOptions o;
  CachingCertificateProvider provider(o, http_, clock_);
  ASSERT_TRUE(provider.Get(kUrl));
  ASSERT_TRUE(provider.Get(kUrl));
  EXPECT_EQ(http_.gets(), 1);
}

TEST_F(CertProviderTest, PinnedNeverFetches) {
  CertificateProviderOptions o = Options();
  o.pinned[kUrl] = DataPath(testing::kSyntheticCertData).string();
  http_.SetBody(kUrl, 200, RealPem());  // would be the wrong certificate
  CachingCertificateProvider provider(o, http_, clock_);
  EXPECT_TRUE(provider.LoadPinned());
  auto cert = provider.Get(kUrl);
  ASSERT_TRUE(cert) << cert.error().ToString();
  EXPECT_EQ((*cert)->not_after_ms(), 2082585600000);  // the synthetic one: 2035-12-30
  EXPECT_TRUE(provider.Get(kUrl));
  EXPECT_EQ(http_.gets(), 0);
  EXPECT_FALSE(fs::exists(provider.CacheFileFor(kUrl)));
}

TEST_F(CertProviderTest, PinnedFileErrorsNameThePathAndNeverFetch) {
  const std::string missing = (dir_.path() / "missing.pem").string();
  const std::string not_pem = (dir_.path() / "not.pem").string();
  std::ofstream(not_pem) << "not a certificate";
  const std::string huge = (dir_.path() / "huge.pem").string();
  std::ofstream(huge) << RealPem() << std::string(10 * 1024, '\n');

  struct Case {
    std::string path;
    Code code;
  };
  for (const Case& c : {Case{missing, Code::kUnavailable}, Case{not_pem, Code::kInvalidInput},
                        Case{huge, Code::kInvalidInput}}) {
    CertificateProviderOptions o = Options();
    o.pinned[kUrl] = c.path;
    http_.SetBody(kUrl, 200, RealPem());
    CachingCertificateProvider provider(o, http_, clock_);
    auto cert = provider.Get(kUrl);
    ASSERT_FALSE(cert) << c.path;
    EXPECT_EQ(cert.error().code(), c.code) << cert.error().ToString();
    EXPECT_NE(cert.error().message().find(c.path), std::string::npos) << cert.error().message();
    Status all = provider.LoadPinned();
    ASSERT_FALSE(all);
    EXPECT_NE(all.error().message().find(c.path), std::string::npos);
  }
  EXPECT_EQ(http_.gets(), 0);
}

TEST_F(CertProviderTest, PinInMemory) {
  CachingCertificateProvider provider(Options(), http_, clock_);
  auto cert = Certificate::FromPem(ReadData(testing::kSyntheticCertData));
  ASSERT_TRUE(cert);
  provider.Pin(testing::kSyntheticCertUrl, *cert);
  auto got = provider.Get(testing::kSyntheticCertUrl);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->get(), cert->get());
  EXPECT_EQ(http_.gets(), 0);
}

TEST_F(CertProviderTest, OversizeNon200AndNonPemAreErrors) {
  struct Case {
    const char* what;
    Result<net::HttpResponse> response;
    Code code;
  };
  auto resp = [](int status, std::string body) {
    net::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return Result<net::HttpResponse>(std::move(r));
  };
  const std::string pem = RealPem();
  std::vector<Case> cases;
  cases.push_back(
      {"oversize body", resp(200, pem + std::string(10 * 1024, '\n')), Code::kPermissionDenied});
  cases.push_back(
      {"client says too large", TooLarge("body over 10240 bytes"), Code::kPermissionDenied});
  cases.push_back({"404", resp(404, pem), Code::kPermissionDenied});
  cases.push_back({"403", resp(403, ""), Code::kPermissionDenied});
  cases.push_back({"301", resp(301, ""), Code::kPermissionDenied});
  cases.push_back({"503", resp(503, ""), Code::kUnavailable});
  cases.push_back({"500", resp(500, ""), Code::kUnavailable});
  cases.push_back({"not PEM", resp(200, "<html>hello</html>"), Code::kPermissionDenied});
  cases.push_back(
      {"a private key", resp(200, ReadData(testing::kSyntheticKeyData)), Code::kPermissionDenied});
  cases.push_back({"connection refused", Unavailable("connection refused"), Code::kUnavailable});
  for (const Case& c : cases) {
    FakeHttpClient http;
    http.SetResponse(kUrl, c.response);
    CachingCertificateProvider provider(Options(), http, clock_);
    auto cert = provider.Get(kUrl);
    ASSERT_FALSE(cert) << c.what;
    EXPECT_EQ(cert.error().code(), c.code) << c.what << ": " << cert.error().ToString();
    EXPECT_NE(cert.error().message().find(kUrl), std::string::npos) << cert.error().message();
    EXPECT_FALSE(fs::exists(provider.CacheFileFor(kUrl))) << c.what;
  }
}

TEST_F(CertProviderTest, ErrorsAreRememberedBrieflyThenRetried) {
  http_.SetBody(kUrl, 503, "");
  CachingCertificateProvider provider(Options(), http_, clock_);
  ASSERT_FALSE(provider.Get(kUrl));
  EXPECT_EQ(http_.gets(), 1);
  http_.SetBody(kUrl, 200, RealPem());
  // Within error_ttl (10 s) the failure is answered from memory.
  clock_.Advance(std::chrono::seconds(5));
  auto again = provider.Get(kUrl);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kUnavailable);
  EXPECT_EQ(http_.gets(), 1);
  // After it, the URL is fetched again and the success is kept.
  clock_.Advance(std::chrono::seconds(6));
  auto later = provider.Get(kUrl);
  ASSERT_TRUE(later) << later.error().ToString();
  EXPECT_EQ(http_.gets(), 2);
  EXPECT_TRUE(provider.Get(kUrl));
  EXPECT_EQ(http_.gets(), 2);
}

TEST_F(CertProviderTest, ZeroErrorTtlRetriesEveryTime) {
  CertificateProviderOptions o = Options();
  o.error_ttl = std::chrono::milliseconds(0);
  http_.SetBody(kUrl, 500, "");
  CachingCertificateProvider provider(o, http_, clock_);
  EXPECT_FALSE(provider.Get(kUrl));
  EXPECT_FALSE(provider.Get(kUrl));
  EXPECT_EQ(http_.gets(), 2);
}

TEST_F(CertProviderTest, ConcurrentGets) {
  http_.SetBody(kUrl, 200, RealPem());
  CachingCertificateProvider provider(Options(), http_, clock_);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (provider.Get(kUrl)) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 400);
  EXPECT_GE(http_.gets(), 1);
  EXPECT_LE(http_.gets(), 8);
}

}  // namespace
}  // namespace bw::sns
