// SPDX-License-Identifier: Apache-2.0
// Writes N distinct SNS Notifications carrying an SES bounce, signed now with a given key, one
// per line as "<MessageId>\t<compact JSON body>", for the end-to-end load test (wrk reads the
// file with bench/wrk_sns.lua). Usage: sns_requests_gen KEY.pem CERT_URL TOPIC SES.json N OUT [ID_PREFIX]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/time_format.h"
#include "ingest/sns/signature.h"

int main(int argc, char** argv) {
  if (argc != 7 && argc != 8) {
    std::cerr << "usage: sns_requests_gen KEY.pem CERT_URL TOPIC SES.json N OUT [ID_PREFIX]\n";
    return 2;
  }
  auto slurp = [](const char* path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string key = slurp(argv[1]);
  // Compact the SES JSON so every request is one line.
  const std::string ses = boost::json::serialize(boost::json::parse(slurp(argv[4])));
  const long n = std::stol(argv[5]);
  std::ofstream out(argv[6], std::ios::binary | std::ios::trunc);
  const int64_t now = bw::ToUnixMs(bw::SystemClock::Instance().Now());
  for (long i = 0; i < n; ++i) {
    bw::sns::SnsMessage m;
    m.type = bw::sns::SnsMessageType::kNotification;
    char id[64];
    std::snprintf(id, sizeof id, "%s-%08lx-%04lx-4000-8000-%012lx", argc == 8 ? argv[7] : "bench",
                  i, (long)(now % 65536), i);
    m.message_id = id;
    m.topic_arn = argv[3];
    m.message = ses;
    m.timestamp = bw::FormatIso8601Ms(now);
    m.timestamp_ms = now;
    m.signing_cert_url = argv[2];
    m.unsubscribe_url = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe";
    auto s = bw::sns::SignSnsMessage(m, key, 2);
    if (s.has_error()) {
      std::cerr << s.error().message() << "\n";
      return 1;
    }
    std::string body = boost::json::serialize(boost::json::parse(bw::sns::SerializeSnsMessage(m)));
    out << m.message_id << '\t' << body << '\n';
  }
  return 0;
}
