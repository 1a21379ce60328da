// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/cert_url.h"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace bw::sns {
namespace {

namespace json = boost::json;

TEST(ValidateSigningCertUrlTest, DerivedCasesFile) {
  json::value doc =
      json::parse(bw::testing::ReadData("sns/signing-cert-url-validation-cases.derived.json"));
  const json::array& cases = doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 20u);
  int accepted = 0;
  for (const json::value& c : cases) {
    const std::string url(c.at("url").as_string());
    const json::value& expected = c.at("recommended_accept");
    // The one non-boolean case (upper-case host) says: accept after lower-casing the host.
    const bool accept = expected.is_bool() ? expected.as_bool() : true;
    Status s = ValidateSigningCertUrl(url);
    EXPECT_EQ(static_cast<bool>(s), accept) << url << " (" << c.at("note").as_string() << ")";
    if (!s) {
      EXPECT_EQ(s.error().code(), Code::kPermissionDenied) << url;
      EXPECT_NE(s.error().message().find("SigningCertURL"), std::string::npos);
    } else {
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, 6);
}

struct UrlCase {
  const char* url;
  const char* rule;  // a word the error must contain; nullptr = accepted
};

TEST(ValidateSigningCertUrlTest, NamesTheRuleBroken) {
  const UrlCase cases[] = {
      {"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem", nullptr},
      {"https://sns.us-east-1.amazonaws.com@evil.example/x.pem", "user-info"},
      {"https://user:pw@sns.us-east-1.amazonaws.com/x.pem", "user-info"},
      {"https://sns.amazonaws.com.evil.example/x.pem", "SNS host"},
      {"https://sns.amazonaws.com/x.pem", "SNS host"},
      {"http://sns.us-east-1.amazonaws.com/x.pem", "https"},
      {"HTTPS://sns.us-east-1.amazonaws.com/x.pem", nullptr},
      {"ftp://sns.us-east-1.amazonaws.com/x.pem", "https"},
      {"sns.us-east-1.amazonaws.com/x.pem", "not a valid URL"},
      {"//sns.us-east-1.amazonaws.com/x.pem", "not a valid URL"},
      {"", "not a valid URL"},
      {"https://sns.us-east-1.amazonaws.com /x.pem", "not a valid URL"},
      {"https://sns.us-east-1.amazonaws.com:8443/x.pem", "port"},
      {"https://sns.us-east-1.amazonaws.com:/x.pem", "port"},
      {"https://sns.us-east-1.amazonaws.com:0443/x.pem", "port"},
      {"https://sns.us-east-1.amazonaws.com:443/x.pem", nullptr},
      {"https://sns.us-east-1.amazonaws.com/x.pem?a=b", "query"},
      {"https://sns.us-east-1.amazonaws.com/x.pem?", "query"},
      {"https://sns.us-east-1.amazonaws.com/x.pem#", "fragment"},
      {"https://sns.us-east-1.amazonaws.com/x.pem.txt", ".pem"},
      {"https://sns.us-east-1.amazonaws.com/", ".pem"},
      {"https://sns.us-east-1.amazonaws.com", ".pem"},
      {"https://sns.us%2deast-1.amazonaws.com/x.pem", "SNS host"},
      {"https://sns.us-east-1.amazonaws.com./x.pem", "SNS host"},
      {"https://54.239.28.85/x.pem", "SNS host"},
      {"https://[::1]/x.pem", "SNS host"},
      {"https://sns.us-east-1.amazonaws.cn/x.pem", "SNS host"},
      {"https://sns.cn-northwest-1.amazonaws.com.cn/x.pem", nullptr},
      {"https://xsns.us-east-1.amazonaws.com/x.pem", "SNS host"},
      {"https://sns.us.east.1.amazonaws.com/x.pem", "SNS host"},
  };
  for (const UrlCase& c : cases) {
    Status s = ValidateSigningCertUrl(c.url);
    if (c.rule == nullptr) {
      EXPECT_TRUE(s) << c.url << ": " << s.error().message();
      continue;
    }
    ASSERT_FALSE(s) << c.url;
    EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
    EXPECT_NE(s.error().message().find(c.rule), std::string::npos)
        << c.url << " -> " << s.error().message();
  }
}

TEST(RegionTest, HostsAndArns) {
  EXPECT_EQ(RegionOfSnsHost("sns.us-west-2.amazonaws.com"), "us-west-2");
  EXPECT_EQ(RegionOfSnsHost("SNS.EU-WEST-1.AMAZONAWS.COM"), "eu-west-1");
  EXPECT_EQ(RegionOfSnsHost("sns.cn-north-1.amazonaws.com.cn"), "cn-north-1");
  EXPECT_EQ(RegionOfSnsHost("sns.ab.amazonaws.com"), std::nullopt);
  EXPECT_EQ(RegionOfSnsHost("sns..amazonaws.com"), std::nullopt);
  EXPECT_EQ(RegionOfSnsHost("sns.amazonaws.com"), std::nullopt);
  EXPECT_EQ(RegionOfSnsHost(""), std::nullopt);
  EXPECT_EQ(RegionOfArn("arn:aws:sns:us-west-2:131990247566:topic"), "us-west-2");
  EXPECT_EQ(RegionOfArn("arn:aws-cn:sns:cn-north-1:1:t"), "cn-north-1");
  EXPECT_EQ(RegionOfArn("arn:aws:sns::1:t"), std::nullopt);
  EXPECT_EQ(RegionOfArn("arn:aws:sns:us-west-2:1:"), std::nullopt);
  EXPECT_EQ(RegionOfArn("urn:aws:sns:us-west-2:1:t"), std::nullopt);
  EXPECT_EQ(RegionOfArn("arn:aws:sns:us-west-2"), std::nullopt);
}

TEST(RegionTest, ExpectedCertificateNames) {
  EXPECT_EQ(ExpectedSnsCertificateName("us-east-1"), "sns.amazonaws.com");
  EXPECT_EQ(ExpectedSnsCertificateName("us-west-2"), "sns.amazonaws.com");
  EXPECT_EQ(ExpectedSnsCertificateName("cn-north-1"), "sns-cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(ExpectedSnsCertificateName("cn-northwest-1"), "sns-cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(ExpectedSnsCertificateName("us-gov-east-1"), "sns-us-gov-west-1.amazonaws.com");
  EXPECT_EQ(ExpectedSnsCertificateName("af-south-1"), "sns-signing.af-south-1.amazonaws.com");
  EXPECT_EQ(ExpectedSnsCertificateName("ap-southeast-7"),
            "sns-signing.ap-southeast-7.amazonaws.com");
}

TEST(ValidateSubscribeUrlTest, RealConfirmationUrlAndViolations) {
  const std::string topic = "arn:aws:sns:us-west-2:131990247566:dongie-standard-topic";
  const std::string good =
      "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + topic +
      "&Token=2336412f37fb";
  EXPECT_TRUE(ValidateSubscribeUrl(good, topic));
  EXPECT_TRUE(ValidateSubscribeUrl(
      "https://sns.us-west-2.amazonaws.com:443/?Action=ConfirmSubscription&Token=x", topic));

  const UrlCase bad[] = {
      {"http://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription", "https"},
      {"https://sns.us-west-2.amazonaws.com@evil.example/?Action=ConfirmSubscription", "user-info"},
      {"https://evil.example/?Action=ConfirmSubscription", "SNS host"},
      {"https://sns.us-west-2.amazonaws.com:8443/?Action=ConfirmSubscription", "port"},
      {"https://sns.us-west-2.amazonaws.com/x?Action=ConfirmSubscription", "path"},
      {"https://sns.us-west-2.amazonaws.com?Action=ConfirmSubscription", "path"},
      {"https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe", "ConfirmSubscription"},
      {"https://sns.us-west-2.amazonaws.com/", "ConfirmSubscription"},
      {"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Action=Unsubscribe",
       "ConfirmSubscription"},
      {"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription#x", "fragment"},
      {"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", "region"},
      {"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:"
       "us-west-2:1:other",
       "another topic"},
  };
  for (const UrlCase& c : bad) {
    Status s = ValidateSubscribeUrl(c.url, topic);
    ASSERT_FALSE(s) << c.url;
    EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
    EXPECT_NE(s.error().message().find(c.rule), std::string::npos)
        << c.url << " -> " << s.error().message();
  }
  EXPECT_FALSE(ValidateSubscribeUrl(good, "not-an-arn"));
}

}  // namespace
}  // namespace bw::sns
