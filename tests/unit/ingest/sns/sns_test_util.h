// SPDX-License-Identifier: Apache-2.0
// Fixture lists and helpers shared by the SNS tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ingest/sns/sns_message.h"
#include "testing/test_data.h"

namespace bw::sns::testing {

// Real AWS-signed messages (tests/data/sns/<name>.json and <name>.string-to-sign.txt).
inline const std::vector<std::string>& RealFixtures() {
  static const std::vector<std::string> kNames = {
      "sns-notification-signed-v1-no-subject-2026",  "sns-notification-signed-v1-with-subject-2026",
      "sns-notification-signed-v2-no-subject-2026",  "sns-subscription-confirmation-signed-v1-2026",
      "sns-unsubscribe-confirmation-signed-v2-2026",
  };
  return kNames;
}

inline constexpr char kRealCertUrl[] =
    "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-"
    "7506a1e35b36ef5a444dd1a8e7cc3ed8.pem";
inline constexpr char kRealCertData[] =
    "sns/sns-signing-cert-us-west-2-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem";
inline constexpr char kSyntheticCertUrl[] =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
    "00000000000000000000000000000000.pem";
inline constexpr char kSyntheticCertData[] = "sns/synthetic/synthetic-test-signing-cert.pem";
inline constexpr char kSyntheticKeyData[] = "sns/synthetic/synthetic-test-signing-key.pem";

// Names (without extension) of the synthetic envelopes under tests/data/sns/synthetic/, sorted.
inline std::vector<std::string> SyntheticFixtures() {
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(bw::testing::DataPath("sns/synthetic"))) {
    const auto& p = entry.path();
    if (p.extension() == ".json") {
      names.push_back(p.stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// An HTTP request saved as a file: header lines, a blank line, the body (CRLF or LF).
struct HttpFixture {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

inline HttpFixture ReadHttpFixture(const std::string& relative) {
  const std::string raw = bw::testing::ReadData(relative);
  HttpFixture out;
  size_t split = raw.find("\r\n\r\n");
  size_t body_start = split + 4;
  if (split == std::string::npos) {
    split = raw.find("\n\n");
    body_start = split + 2;
  }
  out.body = raw.substr(body_start);
  std::string head = raw.substr(0, split);
  size_t pos = head.find('\n');  // skip the request line
  while (pos != std::string::npos && pos + 1 < head.size()) {
    size_t end = head.find('\n', pos + 1);
    std::string line = head.substr(pos + 1, end == std::string::npos ? end : end - pos - 1);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      out.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = end;
  }
  return out;
}

// Pointers to every signed string field of `m` with its name (Type aside, which is an enum).
inline std::vector<std::pair<std::string, std::string*>> SignedFields(SnsMessage& m) {
  std::vector<std::pair<std::string, std::string*>> out = {
      {"Message", &m.message},
      {"MessageId", &m.message_id},
      {"Timestamp", &m.timestamp},
      {"TopicArn", &m.topic_arn},
  };
  if (m.type == SnsMessageType::kNotification) {
    if (m.subject) {
      out.emplace_back("Subject", &*m.subject);
    }
  } else {
    out.emplace_back("SubscribeURL", &m.subscribe_url);
    out.emplace_back("Token", &m.token);
  }
  return out;
}

}  // namespace bw::sns::testing
