// SPDX-License-Identifier: Apache-2.0
// The SQLite ingest writer as `serve` runs it: real SES bounce events (tests/data/ses, mapped by
// ses::MapSesMessage, their time set to now), a ~2.5 KB raw SNS body per message, the suppression
// policy, reputation rows and the in-memory suppression index all on, 32 request threads each
// waiting for its commit.
// Reports events/s (wall clock, noisy on a loaded machine) and the CPU time the process and the
// writer thread spend per stored message (load-independent enough to compare two binaries in the
// same run). Arg 0: 0 = every message has the same recipient (the e2e benchmark's case),
// 1 = every message a new recipient (a new suppression row each). BM_IngestWriterGroup: fixed
// group sizes (load-independent), the writer thread's own CPU time per message.
// The database lives in $BW_BENCH_DIR (default: the system temp dir): fsync cost depends on it.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "bench_temp_dir.h"
#include "core/clock.h"
#include "ingest/ses/ses_mapper.h"
#include "metrics/reputation.h"
#include "policy/policy.h"
#include "store/sqlite/sqlite_store.h"

#ifndef BW_SOURCE_DIR
#error "BW_SOURCE_DIR must be defined"
#endif

namespace {

namespace fs = std::filesystem;
using bw::store::IngestBatch;
using bw::store::IngestOutcome;
using bw::store::sqlite::SqliteOptions;
using bw::store::sqlite::SqliteStore;

struct Shared {
  fs::path dir;
  std::unique_ptr<SqliteStore> store;
  std::string ses;
  std::string raw;  // the escaped SES message
  std::atomic<int64_t> messages{0};
};
Shared* g_shared = nullptr;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds (user + system) of each thread of this process, by thread id.
std::map<std::string, double> ThreadCpuSeconds() {
  std::map<std::string, double> out;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (stat.empty()) {
      continue;  // the thread has just exited
    }
    size_t p = stat.rfind(')');
    // Fields after the command name: state is field 3, utime 14, stime 15.
    std::vector<std::string> fields;
    size_t start = p + 2;
    while (start < stat.size()) {
      size_t end = stat.find(' ', start);
      fields.push_back(stat.substr(start, end - start));
      if (end == std::string::npos) {
        break;
      }
      start = end + 1;
    }
    if (fields.size() > 12) {
      out[task.path().filename().string()] =
          static_cast<double>(std::stoll(fields[11]) + std::stoll(fields[12])) /
          static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return out;
}

// The largest CPU time a thread spent between two ThreadCpuSeconds: the store's writer (each
// request thread does 1/32 of the mapping work).
double BusiestThread(const std::map<std::string, double>& before,
                     const std::map<std::string, double>& after) {
  double best = 0;
  for (const auto& [tid, cpu] : after) {
    auto it = before.find(tid);
    best = std::max(best, cpu - (it == before.end() ? 0.0 : it->second));
  }
  return best;
}

IngestBatch MakeBatch(int thread, int64_t seq, bool unique_recipient) {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = "bench-" + std::to_string(thread) + "-" + std::to_string(seq);
  b.kind = "Notification";
  b.topic_arn = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
  // An SNS envelope as sns_requests_gen makes them: the escaped SES message, a MessageId and
  // an (incompressible) RSA signature of its own.
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(seq * 64 + thread + 1);
  std::string signature(344, '=');
  for (size_t i = 0; i < 342; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    signature[i] = kBase64[x % 64];
  }
  b.raw =
      "{\"Type\":\"Notification\",\"MessageId\":\"" + b.dedup_key + "\",\"TopicArn\":\"" +
      b.topic_arn + "\",\"Message\":" + g_shared->raw +
      ",\"Timestamp\":\"2026-11-30T10:00:00.000Z\",\"SignatureVersion\":\"1\",\"Signature\":\"" +
      signature +
      "\",\"SigningCertURL\":\"https://sns.us-east-1.amazonaws.com/"
      "SimpleNotificationService-00000000000000000000000000000000.pem\",\"UnsubscribeURL\":"
      "\"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe\"}";
  bw::ses::SesContext context;
  context.sns_message_id = b.dedup_key;
  context.topic_arn = b.topic_arn;
  context.received_at_ms = bw::ToUnixMs(bw::SystemClock::Instance().Now());
  b.received_at_ms = context.received_at_ms;
  auto events = bw::ses::MapSesMessage(g_shared->ses, context);
  if (!events) {
    throw std::runtime_error("mapping failed: " + events.error().ToString());
  }
  b.events = std::move(*events);
  for (bw::FeedbackEvent& e : b.events) {
    // A fresh bounce, as in production: it counts in this hour's reputation buckets (the
    // fixture's 2016 time is older than the retention and would count nothing).
    e.occurred_at_ms = context.received_at_ms;
    if (unique_recipient) {
      e.recipient = "r" + std::to_string(thread) + "-" + std::to_string(seq) + "@example.com";
    }
  }
  return b;
}
// Fills g_shared's directory and SES texts and opens a store on it with serve's policy and
// reputation hooks (what both benchmarks below measure).
bw::Result<std::unique_ptr<SqliteStore>> OpenShared() {
  g_shared->dir = bw::bench::MakeTempDir();
  g_shared->ses =
      Slurp(fs::path(BW_SOURCE_DIR) / "tests/data/ses/ses-notification-bounce-with-dsn.json");
  // The SES message compacted and escaped as a JSON string (the envelope's "Message").
  g_shared->raw = boost::json::serialize(
      boost::json::value(boost::json::serialize(boost::json::parse(g_shared->ses))));
  SqliteOptions options;
  options.path = (g_shared->dir / "bench.db").string();
  options.max_batch = 512;
  options.suppression_index = true;
  options.suppression_policy = [policy = bw::policy::PolicyConfig{}](
                                   const std::optional<bw::SuppressionState>& current,
                                   const bw::FeedbackEvent& event,
                                   const bw::NormalizedAddress& address, bw::TimePoint now) {
    return bw::policy::Decide(policy, current, event, address.key, address.display, now);
  };
  options.reputation_rows = [reputation = bw::metrics::ReputationConfig{}](
                                const bw::FeedbackEvent& event, bw::TimePoint now) {
    return bw::metrics::RowsForEvent(event, reputation, bw::ToUnixMs(now));
  };
  return SqliteStore::Open(options, bw::SystemClock::Instance());
}


void BM_IngestWriter(benchmark::State& state) {
  const bool unique_recipient = state.range(0) != 0;
  if (state.thread_index() == 0) {
    g_shared = new Shared;
    auto store = OpenShared();
    if (!store) {
      state.SkipWithError(store.error().ToString().c_str());
    } else {
      g_shared->store = std::move(*store);
    }
  }
  // The mapping is a request thread's work in serve too: counted in the process CPU, not in the
  // writer's.
  double cpu0 = 0;
  std::map<std::string, double> threads0;
  if (state.thread_index() == 0) {
    cpu0 = ProcessCpuSeconds();
    threads0 = ThreadCpuSeconds();
  }
  int64_t seq = 0;
  for (auto _ : state) {
    if (!g_shared->store) {
      break;
    }
    auto r = g_shared->store->Ingest(MakeBatch(state.thread_index(), seq++, unique_recipient));
    if (!r || *r != IngestOutcome::kStored) {
      state.SkipWithError(r ? "unexpected duplicate" : r.error().ToString().c_str());
      break;
    }
    g_shared->messages.fetch_add(1, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(seq);
  if (state.thread_index() == 0) {
    if (g_shared->store) {
      const double messages = static_cast<double>(std::max<int64_t>(1, g_shared->messages.load()));
      state.counters["cpu_us_per_msg"] = (ProcessCpuSeconds() - cpu0) * 1e6 / messages;
      state.counters["writer_us_per_msg"] =
          BusiestThread(threads0, ThreadCpuSeconds()) * 1e6 / messages;
      state.counters["msgs_per_commit"] =
          messages / static_cast<double>(std::max<int64_t>(1, g_shared->store->commits()));
    }
    g_shared->store.reset();
    std::error_code ec;
    fs::remove_all(g_shared->dir, ec);
    delete g_shared;
    g_shared = nullptr;
  }
}

BENCHMARK(BM_IngestWriter)
    ->ArgName("unique_recipient")
    ->Arg(0)
    ->Arg(1)
    ->Threads(32)
    ->UseRealTime()
    ->MinTime(2.0);

// The writer thread's CPU clock, taken from inside it (a commit callback runs there).
struct WriterClock {
  clockid_t cpu_clock{};
  void OpenOnThisThread() { pthread_getcpuclockid(pthread_self(), &cpu_clock); }
  double CpuSeconds() const {
    timespec ts{};
    clock_gettime(cpu_clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

// A fixed group size, independent of the machine's load: the writer is held while `group`
// batches are queued, then commits them together; repeated. Single request thread. Reports the
// writer thread's CPU time per stored message. Arg: group size.
void BM_IngestWriterGroup(benchmark::State& state) {
  const int group = static_cast<int>(state.range(0));
  g_shared = new Shared;
  auto opened = OpenShared();
  if (!opened) {
    state.SkipWithError(opened.error().ToString().c_str());
    delete g_shared;
    g_shared = nullptr;
    return;
  }
  std::unique_ptr<SqliteStore> store = std::move(*opened);
  WriterClock counters;
  {
    std::promise<void> ready;
    store->IngestAsync(MakeBatch(0, -1, false), [&](bw::Result<IngestOutcome>) {
      counters.OpenOnThisThread();
      ready.set_value();
    });
    ready.get_future().wait();
  }
  // Warm-up: a few groups so that the page cache and the WAL are past their first pages.
  int64_t seq = 0;
  auto run_group = [&]() -> bool {
    std::vector<IngestBatch> batches;
    batches.reserve(static_cast<size_t>(group));
    for (int i = 0; i < group; ++i) {
      batches.push_back(MakeBatch(0, seq++, false));
    }
    std::promise<void> release;
    store->HoldWriterForTest(release.get_future().share());
    std::atomic<int> left{group};
    std::atomic<bool> ok{true};
    std::promise<void> all_done;
    for (IngestBatch& b : batches) {
      store->IngestAsync(std::move(b), [&](bw::Result<IngestOutcome> r) {
        if (!r || *r != IngestOutcome::kStored) {
          ok = false;
        }
        if (left.fetch_sub(1) == 1) {
          all_done.set_value();
        }
      });
    }
    release.set_value();
    all_done.get_future().wait();
    return ok.load();
  };
  for (int i = 0; i < 20; ++i) {
    run_group();
  }
  const double cpu0 = counters.CpuSeconds();
  const int64_t commits0 = store->commits();
  int64_t messages = 0;
  for (auto _ : state) {
    if (!run_group()) {
      state.SkipWithError("a batch was not stored");
      break;
    }
    messages += group;
  }
  const double n = static_cast<double>(std::max<int64_t>(1, messages));
  state.counters["writer_us_per_msg"] = (counters.CpuSeconds() - cpu0) * 1e6 / n;
  // Each group is two commits: the held one (empty) and the group's.
  state.counters["msgs_per_commit"] =
      n / static_cast<double>(std::max<int64_t>(1, (store->commits() - commits0) / 2));
  state.SetItemsProcessed(messages);
  store.reset();
  std::error_code ec;
  fs::remove_all(g_shared->dir, ec);
  delete g_shared;
  g_shared = nullptr;
}

BENCHMARK(BM_IngestWriterGroup)->ArgName("group")->Arg(8)->Arg(32)->Arg(128)->MinTime(2.0);

}  // namespace
