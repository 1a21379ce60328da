// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <sqlite3.h>

#include "core/result.h"

namespace bw::store::sqlite {

// The name of a SQLite VFS (registered on first call; nullptr if that failed) that is the
// default VFS except that writes to a WAL file or a main database file that continue the
// previous write are collected in memory and written when SQLite next syncs, reads, truncates,
// sizes, locks, unlocks or closes that file (or writes elsewhere in it), in calls of up to
// 124 KiB (the unix VFS's limit per call):
//  - a commit's WAL frames, which SQLite writes with two pwrite calls each (the 24-byte header,
//    then the page): 35 frames become two write(2) calls instead of 70;
//  - a checkpoint's pages, written in page order: runs of adjacent pages (new pages are
//    allocated at the end of the file) become one call each instead of one per page.
// On this project's virtual machine a write(2) costs ~8 µs whatever its size
// (docs/benchmarks.md), which made these calls the largest part of the writer's CPU.
//
// Durability and visibility are unchanged for a connection with synchronous=FULL (or EXTRA): its
// commits sync the WAL, so every frame is written (and fsynced) before the commit returns and
// before SQLite publishes it to other connections in the WAL index; a checkpoint syncs the
// database file before it records how far it got. With synchronous=NORMAL or OFF other
// connections could read bytes not yet written: do not use it there. Meant for WAL mode (where
// only checkpoints write the database file). A write error surfaces at the sync (or read...)
// that flushes the buffer, failing that commit or checkpoint.
//
// Use: `Db::Open(path, read_only, busy_timeout, WalWriteBufferVfs())` for the single writer and
// the checkpointer (checkpointer.h).
const char* WalWriteBufferVfs();

// The WAL file of a connection opened through WalWriteBufferVfs() whose commit syncs are
// deferred (DeferWalCommitSyncs): shared by the VFS file and whoever makes the WAL durable.
struct DeferredWalSync {
  std::string path;                  // the WAL file
  std::atomic<bool> enabled{false};  // set by DeferWalCommitSyncs
  std::atomic<int64_t> deferred{0};  // commit syncs skipped (their frames written, not fsynced)
  std::atomic<int64_t> synced{0};    // syncs passed on to the file (header, checkpoint, ...)
};

// The commit pipeline (commit_syncer.h): from now on a commit on `db` writes its WAL frames to
// the file and returns without fsyncing them; the caller must make them durable (fdatasync of
// the WAL file, e.g. through its own descriptor) before acknowledging anything that commit
// wrote. Every other sync stays synchronous: the WAL header's at a WAL restart (a restarted WAL
// whose new header is not on disk could replay old frames over newer pages), and the WAL's and
// the database file's in a checkpoint (SQLite copies only frames it has fsynced, and records
// progress only once the database file is fsynced). SQLite gives both kinds of sync the same
// flags unless `PRAGMA checkpoint_fullfsync` is on, which this sets on `db` (on Linux a FULL
// sync is the same fdatasync); a sync right after a write at offset 0 (the header) is never
// deferred either.
//
// Other connections see a commit as soon as it returns, before it is durable (as with
// synchronous=NORMAL): a crash can lose a commit that was never acknowledged, never one that
// was, and never leaves a partial one (WAL frames are checksummed in a chain).
// `db` must have its WAL open through WalWriteBufferVfs() (a WAL-mode database after its first
// transaction); kUnavailable otherwise.
Result<std::shared_ptr<DeferredWalSync>> DeferWalCommitSyncs(sqlite3* db);

}  // namespace bw::store::sqlite
