// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "store/sqlite/sqlite_handle.h"

namespace bw::store::sqlite {

// Copies the WAL of one database back into the database file on its own thread and connection,
// so that the single writer thread (sqlite_store.cc) does not: a checkpoint reads thousands of
// WAL frames, writes the pages into the database and fsyncs it, which took ~5 % of the writer's
// CPU and stalled its group commit meanwhile.
//
// It replaces SQLite's automatic checkpoint on the writer connection with a WAL hook (called on
// the writer thread after each commit with the WAL's size in frames):
//  - from `start_frames` on, the hook wakes the background thread, which runs a PASSIVE
//    checkpoint (it never blocks the writer or readers; the writer keeps appending meanwhile);
//  - once such a pass has finished, the hook itself checkpoints the frames written during the
//    pass (a few dozen), so that the WAL is entirely copied and the writer's next transaction
//    starts the WAL file from its beginning again (SQLite can only restart a WAL that is fully
//    checkpointed, which a busy writer would otherwise never see);
//  - from `hard_frames` on (the background thread cannot keep up or keeps failing), the hook
//    waits for a running pass to end and checkpoints on the writer, as SQLite's automatic
//    checkpoint did: the WAL never grows much past `hard_frames`.
// Durability is unchanged: a checkpoint only copies committed frames, and SQLite never drops a
// frame before it is in the database file and that file is fsynced.
//
// Thread-safety: Start and the destructor on one thread; the hook runs on whichever thread
// commits on the writer connection (the single writer). The writer connection must be closed
// or its hook removed (Detach) before the Checkpointer is destroyed.
class Checkpointer {
 public:
  struct Options {
    int start_frames = 4096;   // ~16 MiB of 4 KiB pages
    int hard_frames = 16384;   // ~64 MiB
  };

  // Opens a second read-write connection to `path` and installs the hook on `writer`.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path, Db& writer,
                                                     Options options);
  // Start with the default options.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path, Db& writer) {
    return Start(path, writer, Options{});
  }
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Removes the hook from the writer connection (SQLite's automatic checkpoint stays off).
  void Detach();

  // Background passes finished, and checkpoints the hook ran on the writer (for tests).
  int64_t background_passes() const { return background_passes_.load(); }
  int64_t writer_checkpoints() const { return writer_checkpoints_.load(); }

 private:
  Checkpointer(Db db, Db& writer, Options options);
  static int Hook(void* self, sqlite3* db, const char* schema, int frames);
  void OnCommit(sqlite3* db, int frames);
  void Run();

  const Options options_;
  Db db_;            // used only by thread_
  Db* writer_;       // the hooked connection
  // Writer-thread state (the hook).
  int64_t passes_seen_ = 0;  // background passes already followed by a writer catch-up
  // Shared with the background thread.
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the background thread
  std::condition_variable done_cv_;  // a background pass has ended
  bool wake_ = false;      // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::atomic<bool> busy_{false};
  std::atomic<int64_t> background_passes_{0};
  std::atomic<int64_t> writer_checkpoints_{0};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace bw::store::sqlite
