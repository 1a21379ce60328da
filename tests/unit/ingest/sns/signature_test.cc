// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/signature.h"

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "sns_test_util.h"
#include "test_certs.h"
#include "testing/test_data.h"

namespace bw::sns {
namespace {

using bw::testing::ReadData;

SnsMessage LoadMessage(const std::string& name) {
  auto m = ParseSnsMessage(ReadData("sns/" + name + ".json"));
  if (!m) {
    ADD_FAILURE() << name << ": " << m.error().ToString();
    return {};
  }
  return *m;
}

std::shared_ptr<const Certificate> RealCert() {
  static auto cert = Certificate::FromPem(ReadData(testing::kRealCertData));
  EXPECT_TRUE(cert);
  return *cert;
}

std::shared_ptr<const Certificate> SyntheticCert() {
  static auto cert = Certificate::FromPem(ReadData(testing::kSyntheticCertData));
  EXPECT_TRUE(cert);
  return *cert;
}

// Every single-byte change of every signed field must break the signature.
void ExpectEveryByteChangeFails(const SnsMessage& original, const Certificate& cert,
                                const std::string& name) {
  SnsMessage probe = original;
  for (auto& [field, ignored] : testing::SignedFields(probe)) {
    for (size_t i = 0;; ++i) {
      SnsMessage m = original;
      std::string* value = nullptr;
      for (auto& [f, v] : testing::SignedFields(m)) {
        if (f == field) {
          value = v;
        }
      }
      ASSERT_NE(value, nullptr);
      if (i >= value->size()) {
        break;
      }
      (*value)[i] = static_cast<char>((*value)[i] ^ 0x01);
      Status s = VerifySignature(m, cert);
      ASSERT_FALSE(s) << name << ": changing byte " << i << " of " << field << " still verifies";
      EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
    }
    // Appending or dropping a byte breaks it too.
    SnsMessage m = original;
    for (auto& [f, v] : testing::SignedFields(m)) {
      if (f == field) {
        v->push_back('x');
      }
    }
    EXPECT_FALSE(VerifySignature(m, cert)) << name << ": appending to " << field;
  }
  // The Type is signed as well.
  for (SnsMessageType other :
       {SnsMessageType::kNotification, SnsMessageType::kSubscriptionConfirmation,
        SnsMessageType::kUnsubscribeConfirmation}) {
    if (other == original.type) {
      continue;
    }
    SnsMessage m = original;
    m.type = other;
    m.token = m.token.empty() ? "t" : m.token;
    m.subscribe_url = m.subscribe_url.empty() ? "u" : m.subscribe_url;
    EXPECT_FALSE(VerifySignature(m, cert)) << name << ": as " << SnsMessageTypeName(other);
  }
  // A present-but-empty Subject differs from an absent one.
  if (original.type == SnsMessageType::kNotification) {
    SnsMessage m = original;
    m.subject = m.subject ? std::nullopt : std::optional<std::string>("");
    EXPECT_FALSE(VerifySignature(m, cert)) << name << ": Subject presence toggled";
  }
  // The other signature version over the same bytes fails.
  SnsMessage m = original;
  m.signature_version = original.signature_version == "1" ? "2" : "1";
  EXPECT_FALSE(VerifySignature(m, cert)) << name << ": version swapped";
  // Unsigned fields are not covered: changing them keeps the signature valid.
  m = original;
  m.signing_cert_url += "x";
  m.unsubscribe_url += "x";
  m.message_attributes_json = "{}";
  EXPECT_TRUE(VerifySignature(m, cert)) << name;
}

TEST(BuildStringToSignTest, MatchesAwsFixturesByteForByte) {
  for (const auto& name : testing::RealFixtures()) {
    SnsMessage m = LoadMessage(name);
    auto s = BuildStringToSign(m);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(*s, ReadData("sns/" + name + ".string-to-sign.txt")) << name;
  }
}

TEST(BuildStringToSignTest, WorkedExampleAndIncompleteMessages) {
  SnsMessage m = LoadMessage("sns-notification-signed-v1-with-subject-2026");
  EXPECT_EQ(*BuildStringToSign(m),
            "Message\nHello! This message has a subject.\n"
            "MessageId\n26858270-545e-5848-82a2-e05566af3dcf\n"
            "Subject\nMy message subject\n"
            "Timestamp\n2026-03-06T19:53:21.424Z\n"
            "TopicArn\narn:aws:sns:us-west-2:131990247566:dongie-standard-topic\n"
            "Type\nNotification\n");
  SnsMessage c = LoadMessage("sns-subscription-confirmation-signed-v1-2026");
  c.token.clear();
  auto s = BuildStringToSign(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalidInput);
  SnsMessage empty;
  EXPECT_FALSE(BuildStringToSign(empty));
}

TEST(CertificateTest, RealCertificateFacts) {
  auto cert = RealCert();
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->not_before_ms(), *ParseIso8601Ms("2025-11-10T00:00:00Z"));
  EXPECT_EQ(cert->not_after_ms(), *ParseIso8601Ms("2026-10-14T23:59:59Z"));
  EXPECT_EQ(cert->subject_cn(), "sns.amazonaws.com");
  EXPECT_TRUE(cert->MatchesHost("sns.amazonaws.com"));
  EXPECT_FALSE(cert->MatchesHost("evil.example"));

  EXPECT_TRUE(cert->CheckValidAt(*ParseIso8601Ms("2026-03-06T19:53:21.424Z")));
  EXPECT_TRUE(cert->CheckValidAt(cert->not_before_ms()));
  EXPECT_TRUE(cert->CheckValidAt(cert->not_after_ms() + 999));
  Status early = cert->CheckValidAt(cert->not_before_ms() - 1);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), Code::kPermissionDenied);
  EXPECT_NE(early.error().message().find("not valid until"), std::string::npos);
  Status late = cert->CheckValidAt(*ParseIso8601Ms("2026-11-30T03:00:00Z"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), Code::kPermissionDenied);
  EXPECT_NE(late.error().message().find("expired"), std::string::npos);
}

TEST(CertificateTest, RejectsWhatIsNotAnRsaPemCertificate) {
  const std::string real = ReadData(testing::kRealCertData);
  auto expect_invalid = [](std::string_view pem, const std::string& why, const char* word) {
    auto c = Certificate::FromPem(pem);
    ASSERT_FALSE(c) << why;
    EXPECT_EQ(c.error().code(), Code::kInvalidInput) << why;
    EXPECT_NE(c.error().message().find(word), std::string::npos)
        << why << ": " << c.error().message();
  };
  expect_invalid("", "empty", "PEM");
  expect_invalid("hello", "text", "PEM");
  expect_invalid(ReadData(testing::kSyntheticKeyData), "a private key", "PEM");
  expect_invalid(real.substr(0, real.size() / 2), "truncated", "not a valid PEM certificate");
  std::string garbled = real;
  garbled[100] = garbled[100] == 'A' ? 'B' : 'A';
  garbled[101] = '*';
  expect_invalid(garbled, "garbled base64", "not a valid PEM certificate");
  expect_invalid(real + std::string(kMaxCertificatePemBytes, '\n'), "oversize", "over the limit");
  EXPECT_TRUE(Certificate::FromPem(real + std::string(1024, '\n')));

  auto ec = testing::MakeSelfSignedCert("ec", 0, 1767225600, 1893456000);
  expect_invalid(ec.certificate_pem, "EC key", "not RSA");
  auto small = testing::MakeSelfSignedCert("rsa", 1024, 1767225600, 1893456000);
  expect_invalid(small.certificate_pem, "RSA-1024", "2048");
}

TEST(VerifySignatureTest, RealAwsMessagesVerifyAndAnyChangeFails) {
  auto cert = RealCert();
  for (const auto& name : testing::RealFixtures()) {
    SnsMessage m = LoadMessage(name);
    Status s = VerifySignature(m, *cert);
    ASSERT_TRUE(s) << name << ": " << s.error().ToString();
    ExpectEveryByteChangeFails(m, *cert, name);
    // Not with another key.
    EXPECT_FALSE(VerifySignature(m, *SyntheticCert())) << name;
  }
}

TEST(VerifySignatureTest, SyntheticEnvelopesVerifyAndAnyChangeFails) {
  auto cert = SyntheticCert();
  const auto names = testing::SyntheticFixtures();
  ASSERT_EQ(names.size(), 11u);
  for (const auto& name : names) {
    SnsMessage m = LoadMessage("synthetic/" + name);
    Status s = VerifySignature(m, *cert);
    ASSERT_TRUE(s) << name << ": " << s.error().ToString();
    ExpectEveryByteChangeFails(m, *cert, name);
    EXPECT_FALSE(VerifySignature(m, *RealCert())) << name;
  }
}

// A certificate keeps one prepared verification context per digest that every call copies;
// threads verifying with one certificate at the same time must each get the right answer, and a
// failed verification must not spoil the prepared context for the next one.
TEST(VerifySignatureTest, ConcurrentVerificationsWithOneCertificate) {
  auto cert = RealCert();
  std::vector<SnsMessage> good;
  for (const auto& name : testing::RealFixtures()) {
    good.push_back(LoadMessage(name));
  }
  ASSERT_FALSE(good.empty());
  bool has_v1 = false;
  bool has_v2 = false;
  for (const SnsMessage& m : good) {
    has_v1 = has_v1 || m.signature_version == "1";
    has_v2 = has_v2 || m.signature_version == "2";
  }
  ASSERT_TRUE(has_v1 && has_v2);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        SnsMessage m = good[static_cast<size_t>(i + t) % good.size()];
        const bool tamper = (i + t) % 3 == 0;
        if (tamper) {
          m.message += "x";
        }
        if (static_cast<bool>(VerifySignature(m, *cert)) == tamper) {
          wrong.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

TEST(VerifySignatureTest, UnsupportedVersions) {
  SnsMessage m = LoadMessage("sns-notification-signed-v2-no-subject-2026");
  for (const char* v : {"3", "0", "", "01", "2 ", "v2", "SHA256"}) {
    m.signature_version = v;
    Status s = VerifySignature(m, *RealCert());
    ASSERT_FALSE(s) << v;
    EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
    EXPECT_NE(s.error().message().find("unsupported SignatureVersion"), std::string::npos);
  }
}

TEST(VerifySignatureTest, InvalidBase64IsPermissionDenied) {
  SnsMessage original = LoadMessage("sns-notification-signed-v1-no-subject-2026");
  const std::string sig = original.signature;
  for (const std::string& bad :
       {std::string(""), std::string("!!!!"), sig.substr(0, sig.size() - 1),
        sig.substr(0, 100) + " " + sig.substr(100), sig.substr(0, 100) + "\n" + sig.substr(100),
        "=" + sig.substr(1), sig.substr(0, 8) + "====" + sig.substr(12),
        sig.substr(0, sig.size() - 2) + "-_"}) {
    SnsMessage m = original;
    m.signature = bad;
    Status s = VerifySignature(m, *RealCert());
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
    EXPECT_NE(s.error().message().find("base64"), std::string::npos) << s.error().message();
  }
  // Valid base64 of the wrong bytes.
  SnsMessage m = original;
  m.signature = EncodeBase64(std::string(256, '\x01'));
  Status s = VerifySignature(m, *RealCert());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("does not verify"), std::string::npos);
  m.signature = "AAAA";
  EXPECT_FALSE(VerifySignature(m, *RealCert()));
}

TEST(Base64Test, Rfc4648VectorsAndRoundTrip) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(EncodeBase64(plain), encoded);
    EXPECT_EQ(DecodeBase64(encoded), plain);
  }
  EXPECT_EQ(DecodeBase64("Zg="), std::nullopt);
  EXPECT_EQ(DecodeBase64("Z==="), std::nullopt);
  EXPECT_EQ(DecodeBase64("Zg==Zg=="), std::nullopt);
  for (const char* bad : {"Zg=a", "=AAA", "A=AA", "AA=A", "Zm9v====", "Zm9v=Zg=", "Zm 9",
                          "Zm9\n", "Zm9vYg=-", "Zm9vYm\xC3\xA9"}) {
    EXPECT_EQ(DecodeBase64(bad), std::nullopt) << bad;
  }
  std::mt19937 rng(7);
  for (int n = 0; n < 300; ++n) {
    std::string bytes(static_cast<size_t>(n), '\0');
    for (char& c : bytes) {
      c = static_cast<char>(rng());
    }
    EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes);
  }
}

TEST(SignSnsMessageTest, ReproducesTheSyntheticSignatures) {
  // PKCS#1 v1.5 is deterministic: re-signing gives the fixture's exact signature.
  const std::string key = ReadData(testing::kSyntheticKeyData);
  for (const auto& name : testing::SyntheticFixtures()) {
    SnsMessage m = LoadMessage("synthetic/" + name);
    const std::string expected = m.signature;
    const int version = std::stoi(m.signature_version);
    m.signature.clear();
    auto sig = SignSnsMessage(m, key, version);
    ASSERT_TRUE(sig) << sig.error().ToString();
    EXPECT_EQ(*sig, expected) << name;
    EXPECT_EQ(m.signature, expected);
  }
}

TEST(SignSnsMessageTest, RoundTripsV1AndV2ThroughJson) {
  const std::string key = ReadData(testing::kSyntheticKeyData);
  for (const std::string& name : {std::string("sns-notification-signed-v1-with-subject-2026"),
                                  std::string("sns-subscription-confirmation-signed-v1-2026"),
                                  std::string("sns-unsubscribe-confirmation-signed-v2-2026"),
                                  std::string("synthetic/synthetic-sns-envelope-escapes-v2")}) {
    for (int version : {1, 2}) {
      SnsMessage m = LoadMessage(name);
      m.signing_cert_url = testing::kSyntheticCertUrl;
      auto sig = SignSnsMessage(m, key, version);
      ASSERT_TRUE(sig) << name;
      EXPECT_EQ(m.signature_version, std::to_string(version));
      EXPECT_EQ(DecodeBase64(m.signature)->size(), 256u);
      const std::string body = SerializeSnsMessage(m);
      auto back = ParseSnsMessage(body);
      ASSERT_TRUE(back) << body;
      EXPECT_EQ(*back, m) << body;
      EXPECT_TRUE(VerifySignature(*back, *SyntheticCert())) << name << " v" << version;
      EXPECT_FALSE(VerifySignature(*back, *RealCert()));
    }
  }
}

TEST(SignSnsMessageTest, SerializeKeepsOptionalFieldsApart) {
  SnsMessage m = LoadMessage("sns-notification-signed-v1-no-subject-2026");
  m.message_attributes_json = R"({"k":{"Type":"String","Value":"v"}})";
  std::string body = SerializeSnsMessage(m);
  EXPECT_EQ(body.find("\"Subject\""), std::string::npos);
  EXPECT_EQ(body.find("\"Token\""), std::string::npos);
  EXPECT_NE(body.find("\"UnsubscribeURL\""), std::string::npos);
  EXPECT_NE(body.find("\"MessageAttributes\""), std::string::npos);
  EXPECT_EQ(*ParseSnsMessage(body), m);
  m.subject = "";
  EXPECT_EQ(*ParseSnsMessage(SerializeSnsMessage(m)), m);

  SnsMessage c = LoadMessage("sns-subscription-confirmation-signed-v1-2026");
  body = SerializeSnsMessage(c);
  EXPECT_EQ(body.find("\"UnsubscribeURL\""), std::string::npos);
  EXPECT_EQ(*ParseSnsMessage(body), c);
}

TEST(SignSnsMessageTest, Errors) {
  const std::string key = ReadData(testing::kSyntheticKeyData);
  SnsMessage m = LoadMessage("sns-notification-signed-v1-no-subject-2026");
  for (int v : {0, 3, -1}) {
    auto r = SignSnsMessage(m, key, v);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  }
  auto r = SignSnsMessage(m, "not a key", 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  auto ec = testing::MakeSelfSignedCert("ec", 0, 1767225600, 1893456000);
  r = SignSnsMessage(m, ec.private_key_pem, 2);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not RSA"), std::string::npos);
  SnsMessage empty;
  EXPECT_FALSE(SignSnsMessage(empty, key, 2));
  EXPECT_EQ(m.signature, LoadMessage("sns-notification-signed-v1-no-subject-2026").signature);
}

}  // namespace
}  // namespace bw::sns
