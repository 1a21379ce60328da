// SPDX-License-Identifier: Apache-2.0
// The SQLite store's commit pipeline (SqliteOptions::wal_sync_threads): a write is answered only
// after a WAL fdatasync that began after its commit has returned (a slow fake sync wrapped
// around the real one shows it), a duplicate of a message whose sync is still running waits for
// a sync too, a failed sync answers 503 and stops writes, and everything answered is on disk.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"
#include "unit/store/sqlite_store_fixture.h"

namespace bw::store::sqlite {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kT0 = 1796083200000;

IngestBatch Batch(const std::string& key, const std::string& recipient) {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = key;
  b.kind = "Notification";
  b.topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
  b.raw = "{\"MessageId\":\"" + key + "\"}";
  b.received_at_ms = kT0;
  FeedbackEvent e;
  e.type = EventType::kDelivery;
  e.recipient = recipient;
  e.source = "ses";
  b.events.push_back(std::move(e));
  return b;
}

// Wraps the real fdatasync: each sync waits until the test opens the gate, and records when it
// began and ended (as numbers on one counter).
class GatedSync {
 public:
  std::function<Status(const std::function<Status()>&)> hook() {
    return [this](const std::function<Status()>& sync) -> Status {
      int began;
      {
        std::unique_lock<std::mutex> lock(mu_);
        began = ++clock_;
        ++started_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return open_; });
      }
      Status s = fail_ ? Status(Unavailable("fake: the disk is gone")) : sync();
      std::lock_guard<std::mutex> lock(mu_);
      const int ended = ++clock_;
      if (s) {
        // The latest start among the syncs that have returned OK.
        last_ok_began_ = std::max(last_ok_began_, began);
      }
      (void)ended;
      return s;
    };
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Fail() {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = true;
  }
  bool WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return started_ >= n; });
  }
  // The event clock now (to compare with a sync's start).
  int Now() {
    std::lock_guard<std::mutex> lock(mu_);
    return ++clock_;
  }
  int last_ok_began() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_ok_began_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int clock_ = 0;
  int started_ = 0;
  int last_ok_began_ = 0;
  bool open_ = false;
  bool fail_ = false;
};

class CommitPipelineTest : public testing::SqliteStoreFixture {
 protected:

  // IngestAsync with a future for its answer; records the sync clock when the answer came and
  // the latest-begun successful sync at that moment.
  struct Answer {
    std::promise<Result<IngestOutcome>> promise;
    std::future<Result<IngestOutcome>> future = promise.get_future();
    std::atomic<int> covered_by{0};  // last_ok_began() when the callback ran
  };
  std::unique_ptr<Answer> Ingest(SqliteStore& store, GatedSync& sync, IngestBatch b) {
    auto a = std::make_unique<Answer>();
    Answer* raw = a.get();
    store.IngestAsync(std::move(b), [raw, &sync](Result<IngestOutcome> r) {
      raw->covered_by = sync.last_ok_began();
      raw->promise.set_value(std::move(r));
    });
    return a;
  }

  int64_t StoredEvents(SqliteStore& store) {
    auto events = store.QueryEvents(EventQuery{.limit = 1000});
    EXPECT_TRUE(events) << events.error().ToString();
    return events ? static_cast<int64_t>(events->size()) : -1;
  }
};

TEST_F(CommitPipelineTest, AnAnswerWaitsForASyncThatBeganAfterTheCommit) {
  GatedSync sync;
  auto store = Open({.wal_sync_threads = 1, .wal_sync_hook = sync.hook()});
  ASSERT_NE(store, nullptr);
  const int before = sync.Now();
  auto a = Ingest(*store, sync, Batch("m-1", "a@example.com"));
  ASSERT_TRUE(sync.WaitStarted(1));
  // Committed (other connections see it) but not answered: its sync has not returned.
  for (int i = 0; i < 100 && StoredEvents(*store) == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(StoredEvents(*store), 1);
  EXPECT_EQ(a->future.wait_for(100ms), std::future_status::timeout);
  sync.Open();
  ASSERT_EQ(a->future.wait_for(5s), std::future_status::ready);
  auto r = a->future.get();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, IngestOutcome::kStored);
  EXPECT_GT(a->covered_by.load(), before);  // a sync begun after IngestAsync had returned OK
}

TEST_F(CommitPipelineTest, ADuplicateOfAMessageStillBeingSyncedWaitsForASyncToo) {
  GatedSync sync;
  auto store = Open({.wal_sync_threads = 2, .wal_sync_hook = sync.hook()});
  ASSERT_NE(store, nullptr);
  auto first = Ingest(*store, sync, Batch("m-1", "a@example.com"));
  ASSERT_TRUE(sync.WaitStarted(1));  // m-1 is committed, its sync blocked
  const int before_dup = sync.Now();
  auto dup = Ingest(*store, sync, Batch("m-1", "a@example.com"));
  ASSERT_TRUE(sync.WaitStarted(2));  // the duplicate's group committed (nothing written)
  EXPECT_EQ(dup->future.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(first->future.wait_for(0ms), std::future_status::timeout);
  sync.Open();
  ASSERT_EQ(dup->future.wait_for(5s), std::future_status::ready);
  auto r = dup->future.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IngestOutcome::kDuplicate);
  EXPECT_GT(dup->covered_by.load(), before_dup);
  ASSERT_EQ(first->future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(*first->future.get(), IngestOutcome::kStored);
  EXPECT_EQ(StoredEvents(*store), 1);
}

TEST_F(CommitPipelineTest, AFailedSyncAnswersUnavailableAndStopsWriting) {
  GatedSync sync;
  sync.Fail();
  sync.Open();
  auto store = Open({.wal_sync_threads = 2, .wal_sync_hook = sync.hook()});
  ASSERT_NE(store, nullptr);
  auto a = Ingest(*store, sync, Batch("m-1", "a@example.com"));
  ASSERT_EQ(a->future.wait_for(5s), std::future_status::ready);
  auto r = a->future.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_NE(r.error().message().find("the disk is gone"), std::string::npos);
  // Nothing more is written: a later message fails without a commit, so does the probe.
  const int64_t commits = store->commits();
  auto b = store->Ingest(Batch("m-2", "b@example.com"));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), Code::kUnavailable);
  EXPECT_EQ(store->commits(), commits);
  EXPECT_FALSE(store->CheckWritable());
}

TEST_F(CommitPipelineTest, EverythingAnsweredIsOnDiskAndManyWritersShareSyncs) {
  std::atomic<int> syncs{0};
  auto count = [&syncs](const std::function<Status()>& sync) {
    syncs.fetch_add(1);
    return sync();
  };
  constexpr int kMessages = 400;
  {
    auto store = Open({.wal_sync_threads = 2, .wal_sync_hook = count});
    ASSERT_NE(store, nullptr);
    std::vector<std::future<Result<IngestOutcome>>> answers;
    for (int i = 0; i < kMessages; ++i) {
      auto p = std::make_shared<std::promise<Result<IngestOutcome>>>();
      answers.push_back(p->get_future());
      store->IngestAsync(Batch("m-" + std::to_string(i), "r" + std::to_string(i) + "@example.com"),
                         [p](Result<IngestOutcome> r) { p->set_value(std::move(r)); });
    }
    for (auto& f : answers) {
      auto r = f.get();
      ASSERT_TRUE(r) << r.error().ToString();
      EXPECT_EQ(*r, IngestOutcome::kStored);
    }
    EXPECT_GE(syncs.load(), 1);
    EXPECT_LT(syncs.load(), kMessages);  // group commit: syncs are shared
    // Copy the files while the store is open (no close-time checkpoint): a crash now loses
    // nothing that was answered.
    std::filesystem::create_directories(dir_.path() / "copy");
    std::filesystem::copy_file(path_, dir_.path() / "copy" / "bw.db");
    std::filesystem::copy_file(path_ + "-wal", dir_.path() / "copy" / "bw.db-wal");
  }
  path_ = (dir_.path() / "copy" / "bw.db").string();
  auto reopened = Open({});
  ASSERT_NE(reopened, nullptr);
  auto events = reopened->QueryEvents(EventQuery{.limit = 1000});
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), static_cast<size_t>(kMessages));
}

TEST_F(CommitPipelineTest, ZeroSyncThreadsSyncsOnTheWriterAsBefore) {
  std::atomic<int> hooked{0};
  auto store = Open({.wal_sync_threads = 0, .wal_sync_hook = [&hooked](const auto& sync) {
                       hooked.fetch_add(1);
                       return sync();
                     }});
  ASSERT_NE(store, nullptr);
  auto r = store->Ingest(Batch("m-1", "a@example.com"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IngestOutcome::kStored);
  EXPECT_EQ(hooked.load(), 0);  // no pipeline: SQLite's own synchronous=FULL commit sync
}

}  // namespace
}  // namespace bw::store::sqlite
