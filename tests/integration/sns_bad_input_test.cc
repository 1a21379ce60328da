// SPDX-License-Identifier: Apache-2.0
// Every kind of bad SNS delivery gets the answer DESIGN.md gives and stores nothing.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sns_fixture.h"
#include "store/sqlite/sqlite_store.h"

namespace bw {
namespace {

using testing::AppFixture;
namespace json = boost::json;

class SnsBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.config().server.max_body_bytes = 64 * 1024;
    fx_.Start();
    good_ = fx_.Notification(testing::ReadData("ses/ses-notification-bounce-with-dsn.json"),
                             "good-1");
  }
  void TearDown() override {
    // Whatever was posted, nothing was stored.
    if (expect_nothing_stored_) {
      EXPECT_EQ(fx_.Events().size(), 0u);
    }
  }

  // Posts `body` with headers matching `m`; returns the status.
  int PostBody(const sns::SnsMessage& m, const std::string& body) {
    return fx_.Post(m, body).status;
  }
  // The good message's JSON with one field replaced.
  std::string WithField(const std::string& key, json::value v) {
    json::object o = json::parse(sns::SerializeSnsMessage(good_)).as_object();
    o[key] = std::move(v);
    return json::serialize(o);
  }
  std::string WithoutField(const std::string& key) {
    json::object o = json::parse(sns::SerializeSnsMessage(good_)).as_object();
    o.erase(key);
    return json::serialize(o);
  }

  AppFixture fx_;
  sns::SnsMessage good_;
  bool expect_nothing_stored_ = true;
};

TEST_F(SnsBadInputTest, MalformedJsonIs400) {
  EXPECT_EQ(PostBody(good_, "{not json"), 400);
  EXPECT_EQ(PostBody(good_, "[]"), 400);
  EXPECT_EQ(PostBody(good_, ""), 400);
}

TEST_F(SnsBadInputTest, MissingOrWrongTypedFieldsAre400) {
  for (const char* key : {"Type", "MessageId", "TopicArn", "Message", "Timestamp",
                          "SignatureVersion", "Signature", "SigningCertURL"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(PostBody(good_, WithoutField(key)), 400);
    EXPECT_EQ(PostBody(good_, WithField(key, json::value(5))), 400);
  }
  EXPECT_EQ(PostBody(good_, WithField("Type", json::value("Gossip"))), 400);
  EXPECT_EQ(PostBody(good_, WithField("Timestamp", json::value("yesterday"))), 400);
}

TEST_F(SnsBadInputTest, BadSignaturesAre403) {
  EXPECT_EQ(PostBody(good_, WithField("Signature", json::value("!!!not base64!!!"))), 403);
  EXPECT_EQ(PostBody(good_, WithField("SignatureVersion", json::value("3"))), 403);
  // One byte changed in any signed field.
  // (Type is left out: changing it changes the message kind, covered by the 400 cases.)
  for (const char* key : {"Message", "MessageId", "Timestamp", "TopicArn"}) {
    SCOPED_TRACE(key);
    json::object o = json::parse(sns::SerializeSnsMessage(good_)).as_object();
    std::string v(o[key].as_string());
    size_t at = v.size() / 2;
    v[at] = v[at] == 'a' ? 'b' : 'a';
    o[key] = v;
    sns::SnsMessage headers = good_;
    if (std::string(key) == "MessageId") headers.message_id = v;
    if (std::string(key) == "TopicArn") headers.topic_arn = v;
    int status = PostBody(headers, json::serialize(o));
    // A changed TopicArn is refused by the allow-list before the signature is checked: 403 too.
    // A changed Timestamp digit may no longer be a time at all, which is 400 (not an SNS message).
    if (std::string(key) == "Timestamp") {
      EXPECT_TRUE(status == 403 || status == 400) << status;
    } else {
      EXPECT_EQ(status, 403);
    }
  }
  // A flipped bit in the signature itself.
  std::string sig = good_.signature;
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(PostBody(good_, WithField("Signature", json::value(sig))), 403);
}

TEST_F(SnsBadInputTest, ForeignCertificateUrlsAre403) {
  for (const char* url :
       {"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem",
        "https://example.com/SimpleNotificationService-0.pem",
        "https://sns.amazonaws.com.evil.example/SimpleNotificationService-0.pem",
        "https://sns.us-east-1.amazonaws.com@evil.example/x.pem",
        "https://sns.us-east-1.amazonaws.com:8443/x.pem",
        "https://sns.us-east-1.amazonaws.com/x.txt"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(PostBody(good_, WithField("SigningCertURL", json::value(url))), 403);
  }
}

TEST_F(SnsBadInputTest, TopicNotAllowedIs403) {
  sns::SnsMessage m = good_;
  m.topic_arn = "arn:aws:sns:us-east-1:999999999999:someone-else";
  auto signed_ok = sns::SignSnsMessage(
      m, testing::ReadData("sns/synthetic/synthetic-test-signing-key.pem"), 2);
  ASSERT_TRUE(signed_ok.has_value());
  EXPECT_EQ(fx_.Post(m).status, 403);
}

TEST_F(SnsBadInputTest, HeadersThatDisagreeAre400) {
  sns::SnsMessage lying = good_;
  lying.message_id = "another-id";
  EXPECT_EQ(PostBody(lying, sns::SerializeSnsMessage(good_)), 400);
  lying = good_;
  lying.type = sns::SnsMessageType::kSubscriptionConfirmation;
  EXPECT_EQ(PostBody(lying, sns::SerializeSnsMessage(good_)), 400);
}

TEST_F(SnsBadInputTest, OversizeBodyIs413) {
  std::string big = sns::SerializeSnsMessage(good_);
  big.append(70 * 1024, ' ');
  EXPECT_EQ(PostBody(good_, big), 413);
}

TEST_F(SnsBadInputTest, ReplayedOldMessageIs403) {
  fx_.clock().Advance(std::chrono::hours(2));
  EXPECT_EQ(fx_.Post(good_).status, 403);
}

TEST_F(SnsBadInputTest, RawDeliveryIs403) {
  auto r = fx_.client().Post("/webhooks/sns",
                             testing::ReadData("ses/ses-notification-bounce-with-dsn.json"),
                             {{"x-amz-sns-rawdelivery", "true"},
                              {"x-amz-sns-message-type", "Notification"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("raw"), std::string::npos);
}

TEST_F(SnsBadInputTest, StoreThatCannotCommitIs503) {
  auto* sqlite = dynamic_cast<store::sqlite::SqliteStore*>(&fx_.app().store());
  ASSERT_NE(sqlite, nullptr);
  // Fill the database to its page limit so the next commit fails (as on a full disk).
  ASSERT_TRUE(sqlite->SetMaxPageCountForTest(1).has_value());
  expect_nothing_stored_ = false;  // pages that were already free may take a few messages
  const std::string ses = testing::ReadData("ses/ses-notification-bounce-with-dsn.json");
  int refused = -1;
  for (int i = 0; i < 500 && refused < 0; ++i) {
    auto m = fx_.Notification(ses, "fill-" + std::to_string(i));
    auto r = fx_.Post(m);
    ASSERT_TRUE(r.status == 200 || r.status == 503) << r.status << " " << r.body;
    if (r.status == 503) {
      refused = i;
      EXPECT_NE(r.body.find("unavailable"), std::string::npos) << r.body;
    }
  }
  ASSERT_GE(refused, 0) << "the store never refused a commit";
  // The refused message left nothing behind; every acknowledged one is there.
  EXPECT_TRUE(fx_.Events("fill-" + std::to_string(refused)).empty());
  EXPECT_EQ(fx_.Events().size(), static_cast<size_t>(refused));
  EXPECT_EQ(fx_.client().Get("/readyz").status, 503);
}

}  // namespace
}  // namespace bw
