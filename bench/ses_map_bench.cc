// SPDX-License-Identifier: Apache-2.0
// How many SES notifications (SNS Message strings) MapSesMessage turns into events per second.
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

#include "ingest/ses/ses_mapper.h"

namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(BW_SES_BENCH_DATA_DIR) + "/" + name, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + name);
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void MapFixture(benchmark::State& state, const std::string& name) {
  const std::string message = ReadFixture(name);
  bw::ses::SesContext context;
  context.sns_message_id = "bench";
  context.topic_arn = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
  context.received_at_ms = 1'795'000'000'000;
  size_t events = 0;
  for (auto _ : state) {
    auto result = bw::ses::MapSesMessage(message, context);
    if (!result.has_value() || result->empty() ||
        (*result)[0].type == bw::EventType::kUnrecognized) {
      state.SkipWithError("fixture did not map");
      break;
    }
    events += result->size();
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());  // items = notifications
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(message.size()));
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_IdentityBounceWithDsn(benchmark::State& state) {
  MapFixture(state, "ses-notification-bounce-with-dsn.json");
}
BENCHMARK(BM_IdentityBounceWithDsn);

void BM_EventPublishingBounce(benchmark::State& state) {
  MapFixture(state, "ses-event-bounce.json");
}
BENCHMARK(BM_EventPublishingBounce);

void BM_IdentityBounceWithoutDsnTwoRecipients(benchmark::State& state) {
  MapFixture(state, "ses-notification-bounce-without-dsn.json");
}
BENCHMARK(BM_IdentityBounceWithoutDsnTwoRecipients);

void BM_EventPublishingDelivery(benchmark::State& state) {
  MapFixture(state, "ses-event-delivery.json");
}
BENCHMARK(BM_EventPublishingDelivery);

void BM_NotJson(benchmark::State& state) {
  const std::string message(4096, 'x');
  bw::ses::SesContext context;
  for (auto _ : state) {
    auto result = bw::ses::MapSesMessage(message, context);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NotJson);

}  // namespace
