// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"

namespace bw::store::sqlite {

// The second half of the commit pipeline (sqlite_store.cc, docs/architecture.md step 4): makes
// committed write groups durable and only then completes them, off the single writer thread;
// with two or more threads the writer commits the next group while a previous one's fdatasync
// runs (WaitForSlot holds it only while every thread is busy).
//
// The writer commits a group with its WAL commit sync deferred (wal_write_buffer.h: the frames
// are written to the file, not yet fsynced) and then Submits the group's completion. Up to
// `threads` syncs run at once, each on its own thread; a sync makes durable everything written
// before it began, so a group is completed (`done(OK)`) only after a sync that began after the
// group was submitted has returned OK. Several concurrent fdatasync calls on one file complete
// faster together than one after another on this project's virtual disk (docs/benchmarks.md).
//
// The rule this enforces: nothing is acknowledged before the sync that covers it. A failed sync
// fails (`done(error)`) every group not yet completed, and every group submitted later without
// syncing again: after a failed fsync the kernel may have dropped written pages, so a later
// fsync's success proves nothing about them (the store answers 503 from then on).
//
// Thread-safety: Submit and WaitForSlot from one thread (the writer); the destructor runs every
// submitted group's completion (syncing first) and joins the threads.
class CommitSyncer {
 public:
  // Makes everything written to the WAL so far durable. `slot` (0..threads-1) is the calling
  // thread's index, so that each thread can use its own file descriptor.
  using SyncFn = std::function<Status(int slot)>;

  CommitSyncer(SyncFn sync, int threads);
  ~CommitSyncer();
  CommitSyncer(const CommitSyncer&) = delete;
  CommitSyncer& operator=(const CommitSyncer&) = delete;

  // A group whose COMMIT has returned: `done` runs on a sync thread once a sync that began after
  // this call has succeeded (OK), or with the error of a failed sync.
  void Submit(std::function<void(Status)> done);

  // Blocks while every sync thread is busy, so that the writer's next group collects what
  // arrives meanwhile (larger groups, fewer commits) instead of waiting for a sync thread later.
  void WaitForSlot();

  // The first sync error, if any (then every later group fails).
  std::optional<Error> failure() const;

  // Syncs run so far (for tests and metrics).
  int64_t syncs() const;

 private:
  struct Pending {
    uint64_t seq;
    std::function<void(Status)> done;
  };
  void Run(int slot);

  const SyncFn sync_;
  const int threads_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // a group to sync, or stopping
  std::condition_variable slot_cv_;  // a sync has ended
  std::deque<Pending> pending_;      // GUARDED_BY(mu_), submitted and not completed, by seq
  uint64_t submitted_ = 0;           // GUARDED_BY(mu_), seq of the last submitted group
  uint64_t started_through_ = 0;     // GUARDED_BY(mu_), last seq covered by a started sync
  int running_ = 0;                  // GUARDED_BY(mu_), syncs in progress
  int64_t syncs_ = 0;                // GUARDED_BY(mu_)
  std::optional<Error> failed_;      // GUARDED_BY(mu_)
  bool stopping_ = false;            // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;  // last: started once everything above exists
};

// The fdatasync behind CommitSyncer for a WAL file: one descriptor per sync thread, each its own
// open file description. Linux reports a write-back error once per open file description, so
// concurrent fsyncs through one descriptor could let one of them return success for pages whose
// write failed; with one each, every fsync that overlaps the failure reports it.
class WalFileSync {
 public:
  // Opens `path` (read-only: fdatasync needs no write access) `slots` times. kUnavailable when
  // it cannot be opened.
  static Result<std::unique_ptr<WalFileSync>> Open(const std::string& path, int slots);
  ~WalFileSync();
  WalFileSync(const WalFileSync&) = delete;
  WalFileSync& operator=(const WalFileSync&) = delete;

  // fdatasync through slot `slot`'s descriptor; kUnavailable with the system's reason.
  Status Sync(int slot);

 private:
  WalFileSync(std::string path, std::vector<int> fds) : path_(std::move(path)), fds_(std::move(fds)) {}
  const std::string path_;
  const std::vector<int> fds_;
};

}  // namespace bw::store::sqlite
