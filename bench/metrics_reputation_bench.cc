// SPDX-License-Identifier: Apache-2.0
// Issue 5 "Speed": rates over 7 days must not scan events. Feeds 10,000,000 events (spread over
// 7 days: sends, deliveries, 3 % bounces of which 2/3 hard, 0.05 % complaints, 50 recipient
// domains) into a ReputationCounter, then times
//   BM_RatesOver7d_Buckets     ReputationCounter::Compute() (sums 168 hourly buckets)
//   BM_DomainBreakdown_Buckets Breakdown(kRecipientDomain)
//   BM_RatesOver7d_NaiveScan   one pass over a vector of the same 10 M events (16 bytes each,
//                              the cheapest possible scan) computing the same numbers.
// The naive benchmark reports `slower_than_buckets` = naive time / bucket time, measured in the
// same run, and both paths are checked to give the same counts.
// Env BW_BENCH_EVENTS overrides the number of events.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/clock.h"
#include "metrics/reputation.h"

namespace {

using bw::metrics::Counts;
using bw::metrics::Dimension;
using bw::metrics::ReputationConfig;
using bw::metrics::ReputationCounter;

class FixedClock final : public bw::Clock {
 public:
  explicit FixedClock(int64_t ms) : now_(bw::FromUnixMs(ms)) {}
  bw::TimePoint Now() const override { return now_; }

 private:
  bw::TimePoint now_;
};

constexpr int64_t kNowMs = 1'796'007'600'000;  // 2026-11-30T03:00:00Z (a bucket start)
constexpr int64_t kWeekMs = int64_t{7} * 24 * 3600 * 1000;
constexpr int kDomains = 50;

// The naive store: what a table scan would at best read per event.
struct CompactEvent {
  int64_t at_ms;
  uint8_t type;  // 0 send, 1 delivery, 2 bounce, 3 complaint
  uint8_t hard;
  uint8_t domain;
};

struct World {
  FixedClock clock{kNowMs};
  ReputationCounter counter{ReputationConfig{}, clock};
  std::vector<CompactEvent> events;
  double feed_seconds = 0;
};

int64_t EventCount() {
  const char* env = std::getenv("BW_BENCH_EVENTS");
  return env != nullptr ? std::atoll(env) : 10'000'000;
}

World& TheWorld() {
  static World* world = [] {
    auto* w = new World;
    const int64_t n = EventCount();
    // Prototype events per (kind, domain); only occurred_at changes per event.
    std::vector<bw::FeedbackEvent> protos;
    for (int kind = 0; kind < 5; ++kind) {
      for (int d = 0; d < kDomains; ++d) {
        bw::FeedbackEvent e;
        e.recipient = "user" + std::to_string(d) + "@domain" + std::to_string(d) + ".example";
        e.source = "ses";
        e.mail.source_arn = "arn:aws:ses:us-east-1:123456789012:identity/mail.example.com";
        e.mail.configuration_set = d % 2 == 0 ? "marketing" : "transactional";
        switch (kind) {
          case 0:
            e.type = bw::EventType::kSend;
            break;
          case 1:
            e.type = bw::EventType::kDelivery;
            break;
          case 2:
          case 3:
            e.type = bw::EventType::kBounce;
            e.bounce = bw::BounceInfo{};
            e.bounce->bounce_class = kind == 2 ? bw::BounceClass::kHard : bw::BounceClass::kSoft;
            break;
          default:
            e.type = bw::EventType::kComplaint;
            e.complaint = bw::ComplaintInfo{};
            break;
        }
        protos.push_back(std::move(e));
      }
    }
    w->events.reserve(static_cast<size_t>(n));
    const auto start = std::chrono::steady_clock::now();
    uint64_t rng = 88172645463325252ull;
    for (int64_t i = 0; i < n; ++i) {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      const int domain = static_cast<int>(rng % kDomains);
      const uint64_t roll = (rng >> 8) % 10000;
      // Half the events are Send, then delivery / bounce / complaint for the same recipients.
      int kind = 0;
      if (i % 2 == 1) {
        kind = roll < 200 ? 2 : roll < 300 ? 3 : roll < 305 ? 4 : 1;
      }
      bw::FeedbackEvent& e = protos[static_cast<size_t>(kind * kDomains + domain)];
      e.occurred_at_ms = kNowMs - kWeekMs + 3'600'000 + i * (kWeekMs - 3'600'000) / n;
      w->counter.Add(e);
      w->events.push_back(CompactEvent{e.occurred_at_ms,
                                       static_cast<uint8_t>(kind == 4   ? 3
                                                            : kind >= 2 ? 2
                                                                        : kind),
                                       static_cast<uint8_t>(kind == 2),
                                       static_cast<uint8_t>(domain)});
    }
    w->feed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return w;
  }();
  return *world;
}

double g_bucket_ns = 0;

void BM_RatesOver7d_Buckets(benchmark::State& state) {
  World& w = TheWorld();
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.counter.Compute());
  }
  const auto r = w.counter.Compute();
  state.counters["events"] = static_cast<double>(w.events.size());
  state.counters["sends"] = static_cast<double>(r.sends);
  state.counters["bounce_rate_pct"] = r.bounce_rate * 100;
  state.counters["feed_s"] = w.feed_seconds;
  state.counters["feed_events_per_s"] = static_cast<double>(w.events.size()) / w.feed_seconds;
}
BENCHMARK(BM_RatesOver7d_Buckets)->Unit(benchmark::kMicrosecond);

void BM_DomainBreakdown_Buckets(benchmark::State& state) {
  World& w = TheWorld();
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.counter.Breakdown(Dimension::kRecipientDomain, 10));
  }
}
BENCHMARK(BM_DomainBreakdown_Buckets)->Unit(benchmark::kMicrosecond);

// Measures Compute() once more with a plain clock, for the ratio (benchmark's own timings are
// not visible to other benchmarks).
double TimeBucketsNs(World& w) {
  constexpr int kRounds = 2000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    benchmark::DoNotOptimize(w.counter.Compute());
  }
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
             .count() /
         kRounds;
}

void BM_RatesOver7d_NaiveScan(benchmark::State& state) {
  World& w = TheWorld();
  if (g_bucket_ns == 0) {
    g_bucket_ns = TimeBucketsNs(w);
  }
  const int64_t window_start = w.counter.Compute().window_start_ms;
  Counts c;
  double total_ns = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    c = Counts{};
    for (const CompactEvent& e : w.events) {
      if (e.at_ms < window_start) {
        continue;
      }
      c.sends += e.type == 0;
      c.deliveries += e.type == 1;
      c.bounces += e.type == 2;
      c.hard_bounces += e.hard;
      c.complaints += e.type == 3;
    }
    benchmark::DoNotOptimize(c);
    total_ns +=
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  const Counts expected = w.counter.Compute().counts;
  if (c.sends != expected.sends || c.hard_bounces != expected.hard_bounces ||
      c.complaints != expected.complaints || c.bounces != expected.bounces) {
    state.SkipWithError("naive scan and buckets disagree");
    return;
  }
  state.counters["slower_than_buckets"] =
      total_ns / static_cast<double>(state.iterations()) / g_bucket_ns;
  state.counters["bucket_compute_us"] = g_bucket_ns / 1000;
}
BENCHMARK(BM_RatesOver7d_NaiveScan)->Unit(benchmark::kMillisecond);

}  // namespace
