// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/commit_syncer.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace bw::store::sqlite {

CommitSyncer::CommitSyncer(SyncFn sync, int threads)
    : sync_(std::move(sync)), threads_(std::max(1, threads)) {
  workers_.reserve(static_cast<size_t>(threads_));
  for (int slot = 0; slot < threads_; ++slot) {
    workers_.emplace_back([this, slot] {
      pthread_setname_np(pthread_self(), "bw-sqlite-sync");
      Run(slot);
    });
  }
}

CommitSyncer::~CommitSyncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) {
    t.join();
  }
}

void CommitSyncer::Submit(std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(Pending{++submitted_, std::move(done)});
  }
  work_cv_.notify_one();
}

void CommitSyncer::WaitForSlot() {
  std::unique_lock<std::mutex> lock(mu_);
  slot_cv_.wait(lock, [this] { return running_ < threads_ || failed_.has_value(); });
}

std::optional<Error> CommitSyncer::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

int64_t CommitSyncer::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

void CommitSyncer::Run(int slot) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || submitted_ > started_through_; });
    if (submitted_ == started_through_) {
      return;  // stopping, and every submitted group is covered by a sync that has started
    }
    // This sync covers every group submitted so far: their frames were written before Submit.
    const uint64_t target = submitted_;
    started_through_ = target;
    Status status;
    if (failed_) {
      status = *failed_;  // no sync after a failure: fail the group without looking
    } else {
      ++running_;
      lock.unlock();
      status = sync_(slot);
      lock.lock();
      --running_;
      ++syncs_;
      if (!status && !failed_) {
        failed_ = status.error();
      }
    }
    // After a failure everything still pending fails, also groups that a concurrent sync
    // (begun earlier or later) would otherwise complete.
    std::vector<std::function<void(Status)>> done;
    while (!pending_.empty() && (failed_ || pending_.front().seq <= target)) {
      done.push_back(std::move(pending_.front().done));
      pending_.pop_front();
    }
    const Status result = failed_ ? Status(*failed_) : Status();
    lock.unlock();
    slot_cv_.notify_all();
    for (auto& d : done) {
      d(result);
    }
    lock.lock();
  }
}

Result<std::unique_ptr<WalFileSync>> WalFileSync::Open(const std::string& path, int slots) {
  std::vector<int> fds;
  for (int i = 0; i < std::max(1, slots); ++i) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      for (int open_fd : fds) {
        ::close(open_fd);
      }
      return Unavailable("cannot open the WAL file " + path + " to sync it: " +
                         std::strerror(err));
    }
    fds.push_back(fd);
  }
  return std::unique_ptr<WalFileSync>(new WalFileSync(path, std::move(fds)));
}

WalFileSync::~WalFileSync() {
  for (int fd : fds_) {
    ::close(fd);
  }
}

Status WalFileSync::Sync(int slot) {
  const int fd = fds_.at(static_cast<size_t>(slot));
  int rc;
  do {
    rc = ::fdatasync(fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return Unavailable("fdatasync of " + path_ + " failed: " + std::strerror(errno) +
                       "; nothing committed since is acknowledged (restart bouncewatch once the "
                       "disk is fixed)");
  }
  return {};
}

}  // namespace bw::store::sqlite
