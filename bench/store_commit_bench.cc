// SPDX-License-Identifier: Apache-2.0
// Events committed durably per second by SqliteStore when many request threads ingest at once
// (each thread waits for its batch, as an HTTP handler does), with group commit
// (max_batch = 512) and with one commit per batch (max_batch = 1), in the same run.
// The database lives in $BW_BENCH_DIR (default: the system temp dir): fsync cost depends on it.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

#include "bench_temp_dir.h"
#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using bw::store::IngestBatch;
using bw::store::IngestOutcome;
using bw::store::sqlite::SqliteOptions;
using bw::store::sqlite::SqliteStore;

struct Shared {
  fs::path dir;
  std::unique_ptr<SqliteStore> store;
  std::atomic<int64_t> events{0};  // by every thread, inside the timed loop
};
Shared* g_shared = nullptr;

IngestBatch MakeBatch(int thread, int64_t seq) {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = std::to_string(thread) + "-" + std::to_string(seq);
  b.kind = "Notification";
  b.topic_arn = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
  b.raw = std::string(1500, 'r');  // a typical SNS notification body size
  for (int i = 0; i < 2; ++i) {
    bw::FeedbackEvent e;
    e.type = bw::EventType::kBounce;
    e.recipient = "user" + std::to_string(i) + "@example.com";
    e.source = "ses";
    e.bounce = bw::BounceInfo{};
    e.bounce->reason = "userunknown";
    e.mail.message_id = b.dedup_key;
    b.events.push_back(std::move(e));
  }
  return b;
}

// Arg 0: max_batch. Every benchmark thread ingests batches of 2 events one after the other.
void BM_IngestCommit(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_shared = new Shared;
    g_shared->dir = bw::bench::MakeTempDir();
    SqliteOptions options;
    options.path = (g_shared->dir / "bench.db").string();
    options.max_batch = static_cast<int>(state.range(0));
    auto store = SqliteStore::Open(options, bw::SystemClock::Instance());
    if (!store) {
      state.SkipWithError(store.error().ToString().c_str());
    } else {
      g_shared->store = std::move(*store);
    }
  }
  int64_t seq = 0;
  int64_t events = 0;
  for (auto _ : state) {
    if (!g_shared->store) {
      break;
    }
    auto r = g_shared->store->Ingest(MakeBatch(state.thread_index(), seq++));
    if (!r || *r != IngestOutcome::kStored) {
      state.SkipWithError(r ? "unexpected duplicate" : r.error().ToString().c_str());
      break;
    }
    events += 2;
    g_shared->events.fetch_add(2, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(events);
  if (state.thread_index() == 0) {
    if (g_shared->store) {
      int64_t commits = g_shared->store->commits();
      state.counters["commits"] = static_cast<double>(commits);
      state.counters["events_per_commit"] =
          commits > 0 ? static_cast<double>(g_shared->events.load()) / commits : 0;
    }
    g_shared->store.reset();
    std::error_code ec;
    fs::remove_all(g_shared->dir, ec);
    delete g_shared;
    g_shared = nullptr;
  }
}

BENCHMARK(BM_IngestCommit)
    ->ArgName("max_batch")
    ->Arg(512)
    ->Arg(1)
    ->Threads(1)
    ->Threads(16)
    ->Threads(64)
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace
