// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/sns_verifier.h"

#include <string>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "fake_http_client.h"
#include "ingest/sns/signature.h"
#include "sns_test_util.h"
#include "test_certs.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::sns {
namespace {

using bw::testing::DataPath;
using bw::testing::FakeClock;
using bw::testing::ReadData;
using testing::FakeHttpClient;
using testing::ReadHttpFixture;

// A provider that returns one fixed answer and counts calls.
class FixedProvider final : public CertificateProvider {
 public:
  explicit FixedProvider(Result<std::shared_ptr<const Certificate>> answer)
      : answer_(std::move(answer)) {}
  Result<std::shared_ptr<const Certificate>> Get(const std::string& url) override {
    ++calls;
    last_url = url;
    return answer_;
  }
  int calls = 0;
  std::string last_url;

 private:
  Result<std::shared_ptr<const Certificate>> answer_;
};

class SnsVerifierTest : public ::testing::Test {
 protected:
  SnsVerifierTest() : provider_(PinnedOptions(), http_, clock_) {}

  static CertificateProviderOptions PinnedOptions() {
    CertificateProviderOptions o;
    o.pinned[testing::kRealCertUrl] = DataPath(testing::kRealCertData).string();
    o.pinned[testing::kSyntheticCertUrl] = DataPath(testing::kSyntheticCertData).string();
    return o;
  }

  VerifierOptions Options() {
    VerifierOptions o;
    o.topics = {"arn:aws:sns:us-west-2:131990247566:dongie-standard-topic",
                "arn:aws:sns:us-east-1:123456789012:ses-feedback"};
    o.max_message_age = std::chrono::hours(1);
    return o;
  }

  // Sets the clock one minute after the body's signed Timestamp.
  void ClockNear(const std::string& body) {
    auto m = ParseSnsMessage(body);
    ASSERT_TRUE(m);
    clock_.SetNowForTest(FromUnixMs(m->timestamp_ms + 60'000));
  }

  Result<SnsMessage> Verify(const std::string& body, const HeaderLookup& headers = {}) {
    SnsVerifier verifier(Options(), clock_, provider_);
    return verifier.Verify(body, headers);
  }

  FakeClock clock_;
  FakeHttpClient http_;
  CachingCertificateProvider provider_;
};

TEST_F(SnsVerifierTest, RealAwsMessagesVerifyAtTheirSignedTime) {
  for (const auto& name : testing::RealFixtures()) {
    const std::string body = ReadData("sns/" + name + ".json");
    ClockNear(body);
    auto m = Verify(body);
    ASSERT_TRUE(m) << name << ": " << m.error().ToString();
    EXPECT_EQ(m->topic_arn, "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic");
  }
  EXPECT_EQ(http_.gets(), 0);
}

TEST_F(SnsVerifierTest, SyntheticRequestsVerifyWithTheirHeaders) {
  for (const auto& name : testing::SyntheticFixtures()) {
    auto http = ReadHttpFixture("sns/synthetic/" + name + ".http");
    ClockNear(http.body);
    auto m = Verify(http.body, MakeHeaderLookup(http.headers));
    ASSERT_TRUE(m) << name << ": " << m.error().ToString();
    EXPECT_EQ(m->signing_cert_url, testing::kSyntheticCertUrl);
  }
  EXPECT_EQ(http_.gets(), 0);
}

TEST_F(SnsVerifierTest, TamperedBodiesFail) {
  for (const auto& name : testing::SyntheticFixtures()) {
    auto original = ParseSnsMessage(ReadData("sns/synthetic/" + name + ".json"));
    ASSERT_TRUE(original);
    ClockNear(SerializeSnsMessage(*original));
    ASSERT_TRUE(Verify(SerializeSnsMessage(*original))) << name;
    SnsMessage probe = *original;
    for (auto& [field, ignored] : testing::SignedFields(probe)) {
      if (field == "Timestamp" || field == "TopicArn") {
        continue;  // other checks would catch these first
      }
      SnsMessage m = *original;
      for (auto& [f, v] : testing::SignedFields(m)) {
        if (f == field) {
          (*v)[v->size() / 2] = static_cast<char>((*v)[v->size() / 2] ^ 0x02);
        }
      }
      auto r = Verify(SerializeSnsMessage(m));
      ASSERT_FALSE(r) << name << " " << field;
      EXPECT_EQ(r.error().code(), Code::kPermissionDenied) << name << " " << field;
      EXPECT_NE(r.error().message().find("does not verify"), std::string::npos);
    }
    // A later Timestamp within the certificate's life: only the signature can tell.
    SnsMessage m = *original;
    m.timestamp[m.timestamp.size() - 2] = m.timestamp[m.timestamp.size() - 2] == '1' ? '2' : '1';
    auto r = Verify(SerializeSnsMessage(m));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  }
}

TEST_F(SnsVerifierTest, RawDeliveryIsRefusedFirst) {
  FixedProvider provider(Unavailable("must not be called"));
  SnsVerifier verifier(Options(), clock_, provider);
  for (const char* value : {"true", "TRUE", " true"}) {
    auto r = verifier.Verify("{\"notificationType\":\"Bounce\"}",
                             MakeHeaderLookup({{"x-amz-sns-rawdelivery", value}}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
    EXPECT_NE(r.error().message().find("raw message delivery"), std::string::npos);
  }
  // "false" is the normal case: the body is then an envelope.
  const std::string body = ReadData("sns/sns-notification-signed-v1-no-subject-2026.json");
  ClockNear(body);
  auto r = Verify(body, MakeHeaderLookup({{"X-Amz-Sns-Rawdelivery", "false"}}));
  EXPECT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(provider.calls, 0);
}

TEST_F(SnsVerifierTest, MalformedBodyIsInvalidInput) {
  for (const char* body : {"", "not json", "[]", "{\"Type\":\"Notification\"}"}) {
    auto r = Verify(body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), Code::kInvalidInput) << body;
  }
}

TEST_F(SnsVerifierTest, HeaderDisagreementIsInvalidInput) {
  auto http = ReadHttpFixture("sns/synthetic/synthetic-sns-envelope-bounce-with-dsn-v1.http");
  ClockNear(http.body);
  for (const char* header :
       {"x-amz-sns-message-type", "x-amz-sns-message-id", "x-amz-sns-topic-arn"}) {
    auto headers = http.headers;
    for (auto& [name, value] : headers) {
      if (name == header) {
        value = "SubscriptionConfirmation";
      }
    }
    auto r = Verify(http.body, MakeHeaderLookup(headers));
    ASSERT_FALSE(r) << header;
    EXPECT_EQ(r.error().code(), Code::kInvalidInput);
    EXPECT_NE(r.error().message().find(header), std::string::npos) << r.error().message();
  }
}

TEST_F(SnsVerifierTest, TopicNotAllowedIsRefusedBeforeAnyFetch) {
  FixedProvider provider(Unavailable("must not be called"));
  VerifierOptions o = Options();
  o.topics = {"arn:aws:sns:us-west-2:131990247566:another-topic"};
  SnsVerifier verifier(o, clock_, provider);
  const std::string body = ReadData("sns/sns-notification-signed-v2-no-subject-2026.json");
  ClockNear(body);
  auto r = verifier.Verify(body, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("sns.topics"), std::string::npos);
  EXPECT_NE(r.error().message().find("dongie-standard-topic"), std::string::npos);
  o.topics.clear();
  EXPECT_FALSE(SnsVerifier(o, clock_, provider).Verify(body, {}));
  EXPECT_EQ(provider.calls, 0);
}

TEST_F(SnsVerifierTest, BadCertificateUrlIsRefusedBeforeAnyFetch) {
  FixedProvider provider(Unavailable("must not be called"));
  SnsVerifier verifier(Options(), clock_, provider);
  auto m = ParseSnsMessage(ReadData("sns/sns-notification-signed-v1-no-subject-2026.json"));
  ASSERT_TRUE(m);
  ClockNear(SerializeSnsMessage(*m));
  for (const char* url :
       {"http://sns.us-west-2.amazonaws.com/x.pem",
        "https://sns.us-west-2.amazonaws.com@evil.example/x.pem",
        "https://sns.amazonaws.com.evil.example/x.pem", "https://s3.amazonaws.com/bucket/x.pem"}) {
    m->signing_cert_url = url;  // not signed, so only the URL rules can refuse it
    auto r = verifier.Verify(SerializeSnsMessage(*m), {});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
    EXPECT_NE(r.error().message().find("SigningCertURL"), std::string::npos);
  }
  EXPECT_EQ(provider.calls, 0);
}

// The verifier remembers the last certificate URL each thread found valid; that must not let a
// bad URL through after a good one, nor a URL that differs from the good one by a suffix.
TEST_F(SnsVerifierTest, BadCertificateUrlIsRefusedAfterAValidOne) {
  const std::string body = ReadData("sns/sns-notification-signed-v1-no-subject-2026.json");
  ClockNear(body);
  ASSERT_TRUE(Verify(body));
  auto m = ParseSnsMessage(body);
  ASSERT_TRUE(m);
  for (const std::string& url :
       {m->signing_cert_url + "?x", m->signing_cert_url + "#x",
        "http://" + m->signing_cert_url.substr(8), std::string("https://evil.example/x.pem")}) {
    SnsMessage bad = *m;
    bad.signing_cert_url = url;
    auto r = Verify(SerializeSnsMessage(bad));
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code(), Code::kPermissionDenied) << url;
    EXPECT_NE(r.error().message().find("SigningCertURL"), std::string::npos) << url;
    ASSERT_TRUE(Verify(body));  // and the good one is still accepted in between
  }
}

TEST_F(SnsVerifierTest, ProviderErrorsPassThrough) {
  const std::string body = ReadData("sns/sns-notification-signed-v1-no-subject-2026.json");
  ClockNear(body);
  for (Code code : {Code::kUnavailable, Code::kPermissionDenied, Code::kInvalidInput}) {
    FixedProvider provider(Error(code, "provider says no"));
    auto r = SnsVerifier(Options(), clock_, provider).Verify(body, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), code);
    EXPECT_EQ(r.error().message(), "provider says no");
    EXPECT_EQ(provider.last_url, testing::kRealCertUrl);
  }
  // A real provider whose fetch fails with 503 gives kUnavailable (the caller answers 503).
  FakeHttpClient http;
  http.SetBody(testing::kRealCertUrl, 503, "");
  CachingCertificateProvider fetching(CertificateProviderOptions{}, http, clock_);
  auto r = SnsVerifier(Options(), clock_, fetching).Verify(body, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_EQ(http.gets(), 1);
  // And once the certificate can be fetched, the message verifies.
  http.SetBody(testing::kRealCertUrl, 200, ReadData(testing::kRealCertData));
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_TRUE(SnsVerifier(Options(), clock_, fetching).Verify(body, {}));
}

TEST_F(SnsVerifierTest, CertificateIsJudgedAtTheSignedTimestamp) {
  // The real certificate expired on 2026-10-14; today (2026-11-30) a message it signed in March
  // still verifies when the age check is off.
  const std::string body = ReadData("sns/sns-notification-signed-v1-with-subject-2026.json");
  clock_.SetNowForTest("2026-11-30T03:00:00Z");
  VerifierOptions o = Options();
  o.max_message_age = std::chrono::milliseconds(0);
  EXPECT_TRUE(SnsVerifier(o, clock_, provider_).Verify(body, {}));
}

TEST_F(SnsVerifierTest, ExpiredCertificateIsRefused) {
  // A key pair valid during 2026-01-01 .. 2026-06-30 only.
  const auto pair = testing::MakeSelfSignedCert("rsa", 2048, 1767225600, 1782777600);
  auto cert = Certificate::FromPem(pair.certificate_pem);
  ASSERT_TRUE(cert);
  const std::string url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-exp.pem";
  provider_.Pin(url, *cert);

  auto m = ParseSnsMessage(ReadData("sns/synthetic/synthetic-sns-envelope-delivery-v1.json"));
  ASSERT_TRUE(m);
  m->signing_cert_url = url;
  VerifierOptions o = Options();
  o.max_message_age = std::chrono::milliseconds(0);

  // Signed after the certificate expired, checked later still: refused.
  m->timestamp = "2026-07-15T10:00:00.000Z";
  ASSERT_TRUE(SignSnsMessage(*m, pair.private_key_pem, 2));
  clock_.SetNowForTest("2026-11-30T03:00:00Z");
  auto r = SnsVerifier(o, clock_, provider_).Verify(SerializeSnsMessage(*m), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("expired"), std::string::npos) << r.error().message();

  // Signed before it became valid: refused.
  m->timestamp = "2025-12-15T10:00:00.000Z";
  ASSERT_TRUE(SignSnsMessage(*m, pair.private_key_pem, 2));
  r = SnsVerifier(o, clock_, provider_).Verify(SerializeSnsMessage(*m), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not valid until"), std::string::npos);

  // Signed while valid: accepted, even though the certificate has expired since.
  m->timestamp = "2026-03-15T10:00:00.000Z";
  ASSERT_TRUE(SignSnsMessage(*m, pair.private_key_pem, 1));
  r = SnsVerifier(o, clock_, provider_).Verify(SerializeSnsMessage(*m), {});
  EXPECT_TRUE(r) << r.error().ToString();
}

TEST_F(SnsVerifierTest, TooOldAndFutureMessages) {
  const std::string body = ReadData("sns/sns-notification-signed-v2-no-subject-2026.json");
  auto m = ParseSnsMessage(body);
  ASSERT_TRUE(m);
  const int64_t signed_ms = m->timestamp_ms;

  clock_.SetNowForTest(FromUnixMs(signed_ms + 3'600'000));  // exactly the limit: accepted
  EXPECT_TRUE(Verify(body));
  clock_.SetNowForTest(FromUnixMs(signed_ms + 3'600'001));
  auto r = Verify(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("sns.max_message_age"), std::string::npos);
  EXPECT_NE(r.error().message().find("1h"), std::string::npos) << r.error().message();

  clock_.SetNowForTest(FromUnixMs(signed_ms - 10 * 60'000));  // 10 min in the future
  r = Verify(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("future"), std::string::npos);
  clock_.SetNowForTest(FromUnixMs(signed_ms - 60'000));  // 1 min: clock skew allowance
  EXPECT_TRUE(Verify(body));

  VerifierOptions o = Options();
  o.max_message_age = std::chrono::milliseconds(0);
  clock_.SetNowForTest(FromUnixMs(signed_ms + 400LL * 86'400'000));
  EXPECT_TRUE(SnsVerifier(o, clock_, provider_).Verify(body, {}));
  clock_.SetNowForTest(FromUnixMs(signed_ms - 400LL * 86'400'000));
  EXPECT_TRUE(SnsVerifier(o, clock_, provider_).Verify(body, {}));
}

TEST_F(SnsVerifierTest, UnknownVersionAndBadBase64) {
  auto m = ParseSnsMessage(ReadData("sns/sns-notification-signed-v2-no-subject-2026.json"));
  ASSERT_TRUE(m);
  ClockNear(SerializeSnsMessage(*m));
  SnsMessage v3 = *m;
  v3.signature_version = "3";
  auto r = Verify(SerializeSnsMessage(v3));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("unsupported SignatureVersion"), std::string::npos);

  SnsMessage bad = *m;
  bad.signature = "%%%%" + bad.signature.substr(4);
  r = Verify(SerializeSnsMessage(bad));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("base64"), std::string::npos);
}

TEST_F(SnsVerifierTest, PinnedSelfSignedCertificateStillObeysUrlRules) {
  // The simulator's case: a self-signed certificate pinned to an SNS-looking URL verifies ...
  const std::string body =
      ReadData("sns/synthetic/synthetic-sns-subscription-confirmation-v2.json");
  ClockNear(body);
  EXPECT_TRUE(Verify(body));
  // ... but pinning a URL that breaks the URL rules does not make it acceptable.
  const std::string bad_url = "http://127.0.0.1:8080/cert.pem";
  provider_.Pin(bad_url, *Certificate::FromPem(ReadData(testing::kSyntheticCertData)));
  auto m = ParseSnsMessage(body);
  m->signing_cert_url = bad_url;
  auto r = Verify(SerializeSnsMessage(*m));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
}

TEST_F(SnsVerifierTest, OptionalCertRegionMatch) {
  const std::string body = ReadData("sns/sns-notification-signed-v1-no-subject-2026.json");
  ClockNear(body);
  VerifierOptions o = Options();
  o.require_cert_region_match = true;
  EXPECT_TRUE(SnsVerifier(o, clock_, provider_).Verify(body, {}));

  auto m = ParseSnsMessage(body);
  const std::string other =
      "https://sns.eu-west-1.amazonaws.com:443/SimpleNotificationService-x.pem";
  provider_.Pin(other, *Certificate::FromPem(ReadData(testing::kRealCertData)));
  m->signing_cert_url = other;
  const std::string moved = SerializeSnsMessage(*m);
  EXPECT_TRUE(SnsVerifier(Options(), clock_, provider_).Verify(moved, {}));
  auto r = SnsVerifier(o, clock_, provider_).Verify(moved, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("region"), std::string::npos);
}

TEST_F(SnsVerifierTest, OptionalCertNameCheck) {
  VerifierOptions o = Options();
  o.require_cert_name = true;
  // Real (SAN sns.amazonaws.com) and synthetic certificates name the default host.
  const std::string real = ReadData("sns/sns-notification-signed-v1-no-subject-2026.json");
  ClockNear(real);
  EXPECT_TRUE(SnsVerifier(o, clock_, provider_).Verify(real, {}));
  const std::string synthetic = ReadData("sns/synthetic/synthetic-sns-envelope-delivery-v1.json");
  ClockNear(synthetic);
  EXPECT_TRUE(SnsVerifier(o, clock_, provider_).Verify(synthetic, {}));

  // A certificate for another name, signing for us-east-1: refused only with the option.
  const auto pair =
      testing::MakeSelfSignedCert("rsa", 2048, 1767225600, 1893456000, "attacker.example");
  const std::string url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-cn.pem";
  provider_.Pin(url, *Certificate::FromPem(pair.certificate_pem));
  auto m = ParseSnsMessage(synthetic);
  m->signing_cert_url = url;
  ASSERT_TRUE(SignSnsMessage(*m, pair.private_key_pem, 2));
  const std::string body = SerializeSnsMessage(*m);
  EXPECT_TRUE(SnsVerifier(Options(), clock_, provider_).Verify(body, {}));
  auto r = SnsVerifier(o, clock_, provider_).Verify(body, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("does not name sns.amazonaws.com"), std::string::npos);
}

}  // namespace
}  // namespace bw::sns
