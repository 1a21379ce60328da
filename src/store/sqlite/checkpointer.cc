// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/checkpointer.h"

#include <pthread.h>

#include <utility>

#include "store/sqlite/wal_write_buffer.h"

namespace bw::store::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path, Db& writer,
                                                          Options options) {
  // Its checkpoints write runs of adjacent pages with one call each (wal_write_buffer.h).
  auto db = Db::Open(path, /*read_only=*/false, std::chrono::milliseconds(5000),
                     WalWriteBufferVfs());
  if (!db) {
    return db.error();
  }
  // A checkpoint fsyncs the WAL before and the database file after copying (FULL: as the
  // writer). This connection never writes, so its own automatic checkpoint never runs.
  if (auto s = db->Exec("PRAGMA synchronous = FULL"); !s) {
    return s.error();
  }
  auto c = std::unique_ptr<Checkpointer>(new Checkpointer(std::move(*db), writer, options));
  sqlite3_wal_hook(writer.get(), &Checkpointer::Hook, c.get());
  return c;
}

Checkpointer::Checkpointer(Db db, Db& writer, Options options)
    : options_(options), db_(std::move(db)), writer_(&writer), thread_([this] {
        pthread_setname_np(pthread_self(), "bw-sqlite-ckpt");
        Run();
      }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Checkpointer::Detach() {
  if (writer_ != nullptr && writer_->get() != nullptr) {
    sqlite3_wal_hook(writer_->get(), nullptr, nullptr);
  }
  writer_ = nullptr;
}

int Checkpointer::Hook(void* self, sqlite3* db, const char* /*schema*/, int frames) {
  static_cast<Checkpointer*>(self)->OnCommit(db, frames);
  return SQLITE_OK;  // a failed checkpoint is not the commit's failure; the next one retries
}

void Checkpointer::OnCommit(sqlite3* db, int frames) {
  if (frames < options_.start_frames) {
    // Below the start (usually: the WAL restarted after a pass copied all of it), a pass that
    // has ended needs no catch-up.
    passes_seen_ = background_passes_.load();
    return;
  }
  auto checkpoint_here = [&] {
    (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    writer_checkpoints_.fetch_add(1);
  };
  if (busy_.load()) {
    if (frames < options_.hard_frames) {
      return;
    }
    // The WAL has grown to the hard limit during one pass: wait for the pass to end (as SQLite's
    // own checkpoint would stall this commit), then copy the rest here.
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return !busy_.load(); });
  }
  // background_passes_ is counted before busy_ is cleared: a pass that has ended is seen here.
  const int64_t passes = background_passes_.load();
  if (passes > passes_seen_ || frames >= options_.hard_frames) {
    // The WAL is copied up to where the pass began; copy the rest (what was committed during
    // the pass) so that the next transaction restarts the WAL from its beginning.
    passes_seen_ = passes;
    checkpoint_here();
    return;
  }
  busy_.store(true);
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return wake_ || stopping_; });
      if (stopping_) {
        return;
      }
      wake_ = false;
    }
    (void)sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    nullptr);
    {
      std::lock_guard<std::mutex> lock(mu_);
      background_passes_.fetch_add(1);
      busy_.store(false);
    }
    done_cv_.notify_all();
  }
}

}  // namespace bw::store::sqlite
