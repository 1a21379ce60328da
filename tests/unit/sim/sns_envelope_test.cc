// SPDX-License-Identifier: Apache-2.0
#include "sim/sns_envelope.h"

#include <set>

#include <gtest/gtest.h>

#include "app/simulator_trust.h"
#include "ingest/sns/signature.h"
#include "ingest/sns/sns_message.h"
#include "sim/ses_notification.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::sim {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class SnsEnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trust_ = app::EnsureSimulatorTrust(dir_.path().string());
    auto cert = sns::Certificate::FromPem(ReadFile(trust_.cert_path));
    ASSERT_TRUE(cert.has_value());
    cert_ = *cert;
    clock_.SetNowForTest("2026-11-30T04:05:06.789Z");
  }
  SnsSigner Signer(int version) {
    SignerOptions o;
    o.signing_cert_url = trust_.cert_url;
    o.private_key_pem = ReadFile(trust_.key_path);
    o.signature_version = version;
    return SnsSigner(o);
  }

  testing::TempDir dir_;
  app::SimulatorTrust trust_;
  std::shared_ptr<const sns::Certificate> cert_;
  testing::FakeClock clock_;
};

TEST_F(SnsEnvelopeTest, BothVersionsVerifyWithTheSimulatorCertificate) {
  NotificationOptions n;
  auto ses = BuildSesNotification(n, clock_);
  ASSERT_TRUE(ses.has_value());
  for (int version : {1, 2}) {
    SCOPED_TRACE(version);
    auto req = Signer(version).Sign(*ses, clock_);
    ASSERT_TRUE(req.has_value()) << req.error().message();
    auto m = sns::ParseSnsMessage(req->body);
    ASSERT_TRUE(m.has_value()) << m.error().message();
    EXPECT_EQ(m->type, sns::SnsMessageType::kNotification);
    EXPECT_EQ(m->message, *ses);
    EXPECT_EQ(m->message_id, req->message_id);
    EXPECT_EQ(m->topic_arn, "arn:aws:sns:us-east-1:123456789012:ses-feedback");
    EXPECT_EQ(m->timestamp, "2026-11-30T04:05:06.789Z");
    EXPECT_EQ(m->signature_version, std::to_string(version));
    EXPECT_EQ(m->signing_cert_url, app::kSimulatorCertUrl);
    EXPECT_EQ(m->unsubscribe_url.rfind("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&"
                                       "SubscriptionArn=arn:aws:sns:us-east-1:123456789012:"
                                       "ses-feedback:",
                                       0),
              0u);
    EXPECT_FALSE(m->subject.has_value());
    EXPECT_TRUE(sns::VerifySignature(*m, *cert_).has_value());
    EXPECT_TRUE(cert_->CheckValidAt(ToUnixMs(clock_.Now())).has_value());

    // Headers as SNS sends them, agreeing with the body.
    EXPECT_TRUE(sns::CheckHeadersAgree(*m, sns::MakeHeaderLookup(req->headers)).has_value());
    auto lookup = sns::MakeHeaderLookup(req->headers);
    EXPECT_EQ(lookup("content-type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(lookup("user-agent"), "Amazon Simple Notification Service Agent");
    EXPECT_EQ(lookup("x-amz-sns-message-type"), "Notification");

    // A changed byte breaks the signature.
    sns::SnsMessage tampered = *m;
    tampered.message[10] ^= 1;
    EXPECT_TRUE(sns::VerifySignature(tampered, *cert_).has_error());
  }
}

TEST_F(SnsEnvelopeTest, AnotherKeyDoesNotVerify) {
  SignerOptions o;
  o.signing_cert_url = trust_.cert_url;
  o.private_key_pem = testing::ReadData("sns/synthetic/synthetic-test-signing-key.pem");
  auto req = SnsSigner(o).Sign(R"({"notificationType":"Bounce","mail":{}})", clock_);
  ASSERT_TRUE(req.has_value());
  auto m = sns::ParseSnsMessage(req->body);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(sns::VerifySignature(*m, *cert_).has_error());
}

TEST_F(SnsEnvelopeTest, MessageIdsAreUniqueAndTheTopicRegionIsUsed) {
  SignerOptions o;
  o.topic_arn = "arn:aws:sns:eu-west-1:111122223333:feedback";
  o.signing_cert_url = trust_.cert_url;
  o.private_key_pem = ReadFile(trust_.key_path);
  SnsSigner signer(o);
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto m = signer.SignMessage("{}", clock_);
    ASSERT_TRUE(m.has_value());
    ids.insert(m->message_id);
    EXPECT_EQ(m->unsubscribe_url.rfind("https://sns.eu-west-1.amazonaws.com/", 0), 0u);
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST_F(SnsEnvelopeTest, BadKeyOrVersionIsAnError) {
  SignerOptions o;
  o.signing_cert_url = trust_.cert_url;
  o.private_key_pem = "not a key";
  EXPECT_TRUE(SnsSigner(o).Sign("{}", clock_).has_error());
  auto bad_version = Signer(3).Sign("{}", clock_);
  ASSERT_TRUE(bad_version.has_error());
  EXPECT_EQ(bad_version.error().code(), Code::kInvalidInput);
}

}  // namespace
}  // namespace bw::sim
