// SPDX-License-Identifier: Apache-2.0
// The commit pipeline's syncer (store/sqlite/commit_syncer.h) with a fake sync: no group is
// completed before a sync that began after it returns; syncs run concurrently up to the thread
// count; a failed sync fails everything pending and later, without syncing again.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/commit_syncer.h"
#include "testing/test_data.h"

namespace bw::store::sqlite {
namespace {

using namespace std::chrono_literals;

// A sync that blocks until the test lets it return, and records what happened.
class FakeSync {
 public:
  CommitSyncer::SyncFn fn() {
    return [this](int /*slot*/) -> Status {
      std::unique_lock<std::mutex> lock(mu_);
      const int index = started_++;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_.count(index) != 0 || release_all_; });
      ++finished_;
      cv_.notify_all();
      if (fail_index_ == index) {
        return Unavailable("fake fdatasync failed");
      }
      return {};
    };
  }
  // Lets syncs number 0..n-1 (in start order) return.
  void ReleaseThrough(int n) {
    for (int i = 0; i < n; ++i) {
      Release(i);
    }
  }
  // Lets sync number `index` return.
  void Release(int index) {
    std::lock_guard<std::mutex> lock(mu_);
    released_.insert(index);
    cv_.notify_all();
  }
  void ReleaseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    release_all_ = true;
    cv_.notify_all();
  }
  void FailSync(int index) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_index_ = index;
  }
  bool WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return started_ >= n; });
  }
  int started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int started_ = 0;
  int finished_ = 0;
  std::set<int> released_;
  bool release_all_ = false;
  int fail_index_ = -1;
};

// A group's completion, observable from the test.
struct Group {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  std::function<void(Status)> done() {
    return [this](Status s) { promise.set_value(std::move(s)); };
  }
  bool completed() { return future.wait_for(0s) == std::future_status::ready; }
  Status Wait() {
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    return future.get();
  }
};

TEST(CommitSyncerTest, NothingIsCompletedBeforeItsSyncReturns) {
  FakeSync sync;
  auto syncer = std::make_unique<CommitSyncer>(sync.fn(), 1);
  Group a;
  syncer->Submit(a.done());
  ASSERT_TRUE(sync.WaitStarted(1));
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(a.completed());  // the sync is still running
  sync.ReleaseThrough(1);
  EXPECT_TRUE(a.Wait());
  EXPECT_EQ(syncer->syncs(), 1);
  syncer.reset();
}

TEST(CommitSyncerTest, AGroupSubmittedDuringASyncWaitsForTheNextSync) {
  FakeSync sync;
  auto syncer = std::make_unique<CommitSyncer>(sync.fn(), 1);
  Group a;
  Group b;
  syncer->Submit(a.done());
  ASSERT_TRUE(sync.WaitStarted(1));
  syncer->Submit(b.done());  // committed after sync 0 began: sync 0 does not cover it
  sync.ReleaseThrough(1);
  EXPECT_TRUE(a.Wait());
  ASSERT_TRUE(sync.WaitStarted(2));
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(b.completed());
  sync.ReleaseThrough(2);
  EXPECT_TRUE(b.Wait());
  syncer.reset();
}

TEST(CommitSyncerTest, SyncsRunConcurrentlyAndALaterSyncCompletesEarlierGroups) {
  FakeSync sync;
  auto syncer = std::make_unique<CommitSyncer>(sync.fn(), 2);
  Group a;
  Group b;
  syncer->Submit(a.done());
  ASSERT_TRUE(sync.WaitStarted(1));  // sync 0 covers a
  syncer->Submit(b.done());
  ASSERT_TRUE(sync.WaitStarted(2));  // sync 1, on the second thread, covers a and b
  // Sync 1 returns while sync 0 still blocks: it began after both groups were submitted, so it
  // completes both.
  sync.Release(1);
  EXPECT_TRUE(a.Wait());
  EXPECT_TRUE(b.Wait());
  EXPECT_EQ(syncer->syncs(), 1);
  sync.Release(0);
  syncer.reset();
}

TEST(CommitSyncerTest, WaitForSlotBlocksWhileEverySyncThreadIsBusy) {
  FakeSync sync;
  auto syncer = std::make_unique<CommitSyncer>(sync.fn(), 1);
  Group a;
  syncer->Submit(a.done());
  ASSERT_TRUE(sync.WaitStarted(1));
  auto waited = std::async(std::launch::async, [&] { syncer->WaitForSlot(); });
  EXPECT_EQ(waited.wait_for(50ms), std::future_status::timeout);
  sync.ReleaseThrough(1);
  EXPECT_EQ(waited.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(a.Wait());
  syncer.reset();
}

TEST(CommitSyncerTest, AFailedSyncFailsPendingAndLaterGroupsWithoutSyncingAgain) {
  FakeSync sync;
  sync.FailSync(0);
  auto syncer = std::make_unique<CommitSyncer>(sync.fn(), 1);
  Group a;
  Group b;
  syncer->Submit(a.done());
  ASSERT_TRUE(sync.WaitStarted(1));
  syncer->Submit(b.done());
  sync.ReleaseAll();
  Status sa = a.Wait();
  ASSERT_FALSE(sa);
  EXPECT_EQ(sa.error().code(), Code::kUnavailable);
  EXPECT_NE(sa.error().message().find("fake fdatasync failed"), std::string::npos);
  EXPECT_FALSE(b.Wait());  // submitted after the failed sync began: fails all the same
  Group c;
  syncer->Submit(c.done());
  EXPECT_FALSE(c.Wait());
  EXPECT_EQ(sync.started(), 1);  // no sync after the failure
  ASSERT_TRUE(syncer->failure());
  syncer->WaitForSlot();  // returns at once after a failure
  syncer.reset();
}

TEST(CommitSyncerTest, TheDestructorSyncsAndCompletesEverythingSubmitted) {
  FakeSync sync;
  sync.ReleaseAll();
  std::vector<std::unique_ptr<Group>> groups;
  {
    CommitSyncer syncer(sync.fn(), 2);
    for (int i = 0; i < 50; ++i) {
      groups.push_back(std::make_unique<Group>());
      syncer.Submit(groups.back()->done());
    }
  }
  for (auto& g : groups) {
    ASSERT_TRUE(g->completed());
    EXPECT_TRUE(g->future.get());
  }
  EXPECT_GE(sync.started(), 1);
  EXPECT_LE(sync.started(), 50);
}

}  // namespace
}  // namespace bw::store::sqlite
