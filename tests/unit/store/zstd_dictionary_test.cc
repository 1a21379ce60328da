// SPDX-License-Identifier: Apache-2.0
// The zstd dictionary of the SQLite store's frames: new frames name it, frames without a
// dictionary (rows written before it) are still read, a frame naming an unknown dictionary is an
// error, and an SNS notification compresses to fewer bytes than without it.
#include <string>

#include <gtest/gtest.h>
#include <zstd.h>

#include "store/sqlite/zstd_codec.h"
#include "testing/test_data.h"

namespace bw::store::sqlite {
namespace {

// An SNS envelope around an SES fixture, as SNS sends it (the Message is the SES JSON as a string).
std::string SnsEnvelope(const std::string& ses_json) {
  std::string escaped;
  for (char c : ses_json) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return R"({"Type":"Notification","MessageId":"0b1e3c4d-5f60-5a7b-8c9d-0e1f2a3b4c5d",)"
         R"("TopicArn":"arn:aws:sns:eu-west-1:210987654321:feedback","Message":")" +
         escaped +
         R"(","Timestamp":"2026-11-30T10:00:00.000Z","SignatureVersion":"2","Signature":")"
         R"(T2N0b2JlciBpcyBhIG1vbnRoIG9mIHRoZSB5ZWFyIGFuZCB0aGlzIGlzIG5vdCBhIHNpZ25hdHVyZQ==",)"
         R"("SigningCertURL":"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",)"
         R"("UnsubscribeURL":"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe"})";
}

std::string PlainFrame(std::string_view bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 1);
  EXPECT_EQ(ZSTD_isError(n), 0u);
  out.resize(n);
  return out;
}

TEST(ZstdDictionaryTest, NewFramesNameTheDictionaryAndRoundTrip) {
  const std::string body = SnsEnvelope(testing::ReadData("ses/ses-event-complaint.json"));
  const std::string frame = ZstdCompress(body);
  EXPECT_EQ(ZSTD_getDictID_fromFrame(frame.data(), frame.size()), kZstdDictionaryId);
  auto back = ZstdDecompress(frame);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, body);
}

TEST(ZstdDictionaryTest, FramesWithoutADictionaryAreStillRead) {
  const std::string body = SnsEnvelope(testing::ReadData("ses/ses-event-delivery.json"));
  const std::string plain = PlainFrame(body);
  ASSERT_EQ(ZSTD_getDictID_fromFrame(plain.data(), plain.size()), 0u);
  auto back = ZstdDecompress(plain);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, body);
}

TEST(ZstdDictionaryTest, AFrameNamingAnotherDictionaryIsAnError) {
  // A frame without a dictionary whose header is given a one-byte dictionary id (7): the frame
  // header descriptor's low two bits say how many id bytes follow the window descriptor.
  std::string frame = PlainFrame(SnsEnvelope(testing::ReadData("ses/ses-event-open.json")));
  ASSERT_GT(frame.size(), 6u);
  const unsigned char fhd = static_cast<unsigned char>(frame[4]);
  ASSERT_EQ(fhd & 0x03, 0) << "a plain frame names no dictionary";
  const bool single_segment = (fhd & 0x20) != 0;
  frame[4] = static_cast<char>(fhd | 0x01);
  frame.insert(frame.begin() + (single_segment ? 5 : 6), '\x07');
  ASSERT_EQ(ZSTD_getDictID_fromFrame(frame.data(), frame.size()), 7u);
  auto back = ZstdDecompress(frame);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code(), Code::kInternal);
  EXPECT_NE(back.error().message().find("dictionary 7"), std::string::npos)
      << back.error().message();
}

TEST(ZstdDictionaryTest, AnSnsNotificationTakesFewerBytesThanWithoutTheDictionary) {
  // A fixture whose mail the dictionary was not trained on (scripts/make-zstd-dictionary leaves
  // out samples sharing the bench message's mail).
  const std::string body =
      SnsEnvelope(testing::ReadData("ses/ses-notification-bounce-with-dsn.json"));
  const size_t with = ZstdCompress(body).size();
  const size_t without = PlainFrame(body).size();
  EXPECT_LT(with, without * 9 / 10) << "with " << with << ", without " << without;
}

}  // namespace
}  // namespace bw::store::sqlite
