// SPDX-License-Identifier: Apache-2.0
// How many SNS messages per second one core can authenticate: signature verifications (v1 SHA1,
// v2 SHA256) on the real AWS-signed fixtures and on SES-sized synthetic envelopes, envelope
// parses, and the whole SnsVerifier::Verify with a pinned (in-memory) certificate.
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

#include "core/clock.h"
#include "ingest/sns/cert_provider.h"
#include "ingest/sns/signature.h"
#include "ingest/sns/sns_message.h"
#include "ingest/sns/sns_verifier.h"

namespace {

using bw::sns::Certificate;
using bw::sns::SnsMessage;

std::string ReadData(const std::string& relative) {
  std::ifstream in(std::string(BW_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing " + relative);
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

SnsMessage Load(const std::string& relative) {
  return *bw::sns::ParseSnsMessage(ReadData(relative));
}

std::shared_ptr<const Certificate> RealCert() {
  return *Certificate::FromPem(
      ReadData("sns/sns-signing-cert-us-west-2-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"));
}
std::shared_ptr<const Certificate> SyntheticCert() {
  return *Certificate::FromPem(ReadData("sns/synthetic/synthetic-test-signing-cert.pem"));
}

void VerifyLoop(benchmark::State& state, const SnsMessage& m, const Certificate& cert) {
  if (!bw::sns::VerifySignature(m, cert)) {
    state.SkipWithError("fixture does not verify");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(bw::sns::VerifySignature(m, cert));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyRealV1(benchmark::State& state) {
  VerifyLoop(state, Load("sns/sns-notification-signed-v1-no-subject-2026.json"), *RealCert());
}
BENCHMARK(BM_VerifyRealV1);

void BM_VerifyRealV2(benchmark::State& state) {
  VerifyLoop(state, Load("sns/sns-notification-signed-v2-no-subject-2026.json"), *RealCert());
}
BENCHMARK(BM_VerifyRealV2);

void BM_VerifySesBounceV1(benchmark::State& state) {
  VerifyLoop(state, Load("sns/synthetic/synthetic-sns-envelope-bounce-with-dsn-v1.json"),
             *SyntheticCert());
}
BENCHMARK(BM_VerifySesBounceV1);

void BM_VerifySesBounceV2(benchmark::State& state) {
  VerifyLoop(state, Load("sns/synthetic/synthetic-sns-envelope-bounce-without-dsn-v2.json"),
             *SyntheticCert());
}
BENCHMARK(BM_VerifySesBounceV2);

void BM_ParseEnvelope(benchmark::State& state) {
  const std::string body = ReadData("sns/synthetic/synthetic-sns-envelope-bounce-with-dsn-v1.json");
  for (auto _ : state) {
    benchmark::DoNotOptimize(bw::sns::ParseSnsMessage(body));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ParseEnvelope);

void BM_BuildStringToSign(benchmark::State& state) {
  const SnsMessage m = Load("sns/synthetic/synthetic-sns-envelope-bounce-with-dsn-v1.json");
  for (auto _ : state) {
    benchmark::DoNotOptimize(bw::sns::BuildStringToSign(m));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildStringToSign);

class FixedClock final : public bw::Clock {
 public:
  explicit FixedClock(int64_t ms) : ms_(ms) {}
  bw::TimePoint Now() const override { return bw::FromUnixMs(ms_); }

 private:
  int64_t ms_;
};

class NoHttp final : public bw::net::HttpClient {
 public:
  bw::Result<bw::net::HttpResponse> Get(const std::string&,
                                        const bw::net::RequestOptions&) override {
    return bw::Unavailable("offline");
  }
  bw::Result<bw::net::HttpResponse> Post(const std::string&, const std::string&,
                                         const std::vector<std::pair<std::string, std::string>>&,
                                         const bw::net::RequestOptions&) override {
    return bw::Unavailable("offline");
  }
};

// The whole request-path check: parse, headers, topic, URL, cached certificate, signature, age.
void BM_SnsVerifierVerify(benchmark::State& state) {
  const std::string body = ReadData("sns/synthetic/synthetic-sns-envelope-bounce-with-dsn-v1.json");
  const SnsMessage m = *bw::sns::ParseSnsMessage(body);
  NoHttp http;
  bw::sns::CachingCertificateProvider provider({}, http);
  provider.Pin(m.signing_cert_url, SyntheticCert());
  FixedClock clock(m.timestamp_ms + 1000);
  bw::sns::VerifierOptions options;
  options.topics = {m.topic_arn};
  bw::sns::SnsVerifier verifier(options, clock, provider);
  if (!verifier.Verify(body, {})) {
    state.SkipWithError("fixture does not verify");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier.Verify(body, {}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SnsVerifierVerify);

}  // namespace

BENCHMARK_MAIN();
