// SPDX-License-Identifier: Apache-2.0
#pragma once

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

}  // namespace bw::store::sqlite
