// SPDX-License-Identifier: Apache-2.0
// The WAL write-buffer VFS (store/sqlite/wal_write_buffer.h): one write call per commit, every
// commit readable by other connections and durable on disk when it returns, large and spilling
// transactions, rollbacks; deferred commit syncs (the commit pipeline).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/wal_write_buffer.h"
#include "testing/test_data.h"

namespace bw::store::sqlite {
namespace {

using bw::testing::TempDir;
namespace fs = std::filesystem;

// Counts the unix VFS's pwrite calls (it calls them through a replaceable system-call table).
std::atomic<int> g_writes{0};
sqlite3_syscall_ptr g_real_pwrite = nullptr;
sqlite3_syscall_ptr g_real_pwrite64 = nullptr;
ssize_t CountingPwrite(int fd, const void* buf, size_t n, off_t at) {
  g_writes.fetch_add(1);
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(g_real_pwrite)(fd, buf, n,
                                                                                       at);
}
ssize_t CountingPwrite64(int fd, const void* buf, size_t n, off64_t at) {
  g_writes.fetch_add(1);
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off64_t)>(g_real_pwrite64)(
      fd, buf, n, at);
}

class WalWriteBufferTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_NE(WalWriteBufferVfs(), nullptr);
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find(nullptr);
    g_real_pwrite = unix_vfs->xGetSystemCall(unix_vfs, "pwrite");
    g_real_pwrite64 = unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
    if (g_real_pwrite != nullptr) {
      unix_vfs->xSetSystemCall(unix_vfs, "pwrite",
                               reinterpret_cast<sqlite3_syscall_ptr>(&CountingPwrite));
    }
    if (g_real_pwrite64 != nullptr) {
      unix_vfs->xSetSystemCall(unix_vfs, "pwrite64",
                               reinterpret_cast<sqlite3_syscall_ptr>(&CountingPwrite64));
    }
  }
  static void TearDownTestSuite() {
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find(nullptr);
    unix_vfs->xSetSystemCall(unix_vfs, nullptr, nullptr);  // restores every default
  }

  Db Open(const char* vfs) {
    auto db = Db::Open(path_, /*read_only=*/false, std::chrono::milliseconds(5000), vfs);
    EXPECT_TRUE(db) << db.error().ToString();
    EXPECT_TRUE(db->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                         " PRAGMA wal_autocheckpoint = 0;"
                         " CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)"));
    return std::move(*db);
  }

  static int64_t Count(Db& db, const std::string& where = "") {
    auto st = Stmt::Prepare(db, "SELECT count(*), coalesce(sum(length(v)), 0) FROM t" + where);
    EXPECT_TRUE(st);
    auto row = st->Step();
    EXPECT_TRUE(row && *row);
    return st->ColumnInt64(0);
  }

  // One transaction of `rows` rows, each with a 3000-byte blob (one page each).
  static void Commit(Db& db, int first, int rows) {
    ASSERT_TRUE(db.Exec("BEGIN IMMEDIATE"));
    auto st = Stmt::Prepare(db, "INSERT INTO t (k, v) VALUES (?, randomblob(3000))");
    ASSERT_TRUE(st);
    for (int k = first; k < first + rows; ++k) {
      ASSERT_TRUE(st->BindInt64(1, k));
      auto ran = st->Run();
      ASSERT_TRUE(ran) << ran.error().ToString();
      st->Reset();
    }
    st = Stmt();
    auto committed = db.Exec("COMMIT");
    ASSERT_TRUE(committed) << committed.error().ToString();
  }

  TempDir dir_;
  std::string path_ = (dir_.path() / "w.db").string();
};

TEST_F(WalWriteBufferTest, OneWriteCallPerCommitInsteadOfTwoPerFrame) {
  if (g_real_pwrite == nullptr && g_real_pwrite64 == nullptr) {
    GTEST_SKIP() << "this SQLite's unix VFS does not expose pwrite";
  }
  {
    Db plain = Open(nullptr);
    Commit(plain, 0, 1);  // creates the WAL
    g_writes = 0;
    Commit(plain, 1, 40);
    EXPECT_GE(g_writes.load(), 80);  // the control: two calls per frame
  }
  Db buffered = Open(WalWriteBufferVfs());
  Commit(buffered, 100, 1);
  g_writes = 0;
  Commit(buffered, 101, 40);
  EXPECT_LE(g_writes.load(), 3);  // 40 frames of 4,120 bytes: two calls of up to 124 KiB
  EXPECT_EQ(Count(buffered), 82);  // 41 rows through each VFS
}

TEST_F(WalWriteBufferTest, ACheckpointWritesRunsOfAdjacentPagesWithOneCall) {
  if (g_real_pwrite == nullptr && g_real_pwrite64 == nullptr) {
    GTEST_SKIP() << "this SQLite's unix VFS does not expose pwrite";
  }
  auto checkpoint_writes = [&](const char* vfs) {
    Db db = Open(vfs);
    for (int i = 0; i < 10; ++i) {
      Commit(db, i * 20, 20);  // 200 new pages at the end of the file
    }
    g_writes = 0;
    EXPECT_TRUE(db.Exec("PRAGMA wal_checkpoint(PASSIVE)"));
    const int writes = g_writes.load();
    EXPECT_TRUE(db.Exec("DELETE FROM t"));
    EXPECT_TRUE(db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    return writes;
  };
  EXPECT_GE(checkpoint_writes(nullptr), 200);  // the control: one call per page
  EXPECT_LE(checkpoint_writes(WalWriteBufferVfs()), 20);
}

TEST_F(WalWriteBufferTest, EveryCommitIsVisibleToOtherConnectionsAtOnce) {
  Db writer = Open(WalWriteBufferVfs());
  auto reader = Db::Open(path_, /*read_only=*/true, std::chrono::milliseconds(5000));
  ASSERT_TRUE(reader);
  for (int i = 0; i < 30; ++i) {
    Commit(writer, i * 10, 10);
    EXPECT_EQ(Count(*reader), (i + 1) * 10);
  }
}

TEST_F(WalWriteBufferTest, ACommitIsOnDiskWhenItReturns) {
  Db writer = Open(WalWriteBufferVfs());
  Commit(writer, 0, 25);
  // Copy the files while the writer still has them open: nothing may wait for close.
  fs::path copy = dir_.path() / "copy";
  fs::create_directories(copy);
  fs::copy_file(path_, copy / "w.db");
  fs::copy_file(path_ + "-wal", copy / "w.db-wal");
  auto db = Db::Open((copy / "w.db").string(), /*read_only=*/false, std::chrono::milliseconds(5000));
  ASSERT_TRUE(db);
  EXPECT_EQ(Count(*db), 25);
}

TEST_F(WalWriteBufferTest, TransactionsLargerThanTheBufferAndTheCacheAndRollbacks) {
  Db writer = Open(WalWriteBufferVfs());
  ASSERT_TRUE(writer.Exec("PRAGMA cache_size = 100"));  // spills frames mid-transaction
  Commit(writer, 0, 2000);                              // ~8 MB of frames: several pieces
  EXPECT_EQ(Count(writer), 2000);
  ASSERT_TRUE(writer.Exec("BEGIN IMMEDIATE"));
  ASSERT_TRUE(writer.Exec("WITH RECURSIVE n(i) AS (SELECT 5000 UNION ALL SELECT i + 1 FROM n"
                          " WHERE i < 5999) INSERT INTO t SELECT i, randomblob(3000) FROM n"));
  ASSERT_TRUE(writer.Exec("ROLLBACK"));
  EXPECT_EQ(Count(writer), 2000);
  Commit(writer, 2000, 10);
  auto reader = Db::Open(path_, /*read_only=*/true, std::chrono::milliseconds(5000));
  ASSERT_TRUE(reader);
  EXPECT_EQ(Count(*reader), 2010);
  {
    auto check = Stmt::Prepare(writer, "PRAGMA integrity_check");
    ASSERT_TRUE(check);
    auto row = check->Step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(check->ColumnText(0), "ok");
  }
  // Checkpointed and reopened through the default VFS: the same rows.
  ASSERT_TRUE(writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  writer = Db();
  Db plain = Open(nullptr);
  EXPECT_EQ(Count(plain), 2010);
}

// The commit pipeline (DeferWalCommitSyncs): a commit's WAL sync is skipped (counted), the
// WAL header's sync at a restart and a checkpoint's are not, and nothing is deferred before it is
// enabled.
TEST_F(WalWriteBufferTest, DeferredCommitSyncsSkipOnlyTheCommitSync) {
  Db writer = Open(WalWriteBufferVfs());
  Commit(writer, 0, 1);  // opens and starts the WAL
  auto wal = DeferWalCommitSyncs(writer.get());
  ASSERT_TRUE(wal) << wal.error().ToString();
  EXPECT_EQ((*wal)->path, path_ + "-wal");
  const int64_t synced_before = (*wal)->synced.load();
  Commit(writer, 1, 3);
  Commit(writer, 4, 3);
  EXPECT_EQ((*wal)->deferred.load(), 2);
  EXPECT_EQ((*wal)->synced.load(), synced_before);  // no sync reached the file
  // Visible to another connection at once (as with synchronous=NORMAL).
  auto reader = Db::Open(path_, /*read_only=*/true, std::chrono::milliseconds(5000));
  ASSERT_TRUE(reader);
  EXPECT_EQ(Count(*reader), 7);
  reader = Db();

  // A checkpoint syncs the WAL before copying it (not deferred) ...
  ASSERT_TRUE(writer.Exec("PRAGMA wal_checkpoint(RESTART)"));
  EXPECT_GT((*wal)->synced.load(), synced_before);
  // ... and the next commit restarts the WAL: its new header is synced at once, only the
  // commit's own sync is deferred.
  const int64_t synced_at_restart = (*wal)->synced.load();
  Commit(writer, 7, 1);
  EXPECT_EQ((*wal)->synced.load(), synced_at_restart + 1);
  EXPECT_EQ((*wal)->deferred.load(), 3);
  EXPECT_EQ(Count(writer), 8);
}

TEST_F(WalWriteBufferTest, NothingIsDeferredUnlessAsked) {
  Db writer = Open(WalWriteBufferVfs());
  Commit(writer, 0, 1);
  Db other = Open(WalWriteBufferVfs());  // its own WAL file object; never deferred
  auto wal = DeferWalCommitSyncs(writer.get());
  ASSERT_TRUE(wal);
  Commit(other, 1, 2);
  Commit(other, 3, 2);
  // The counters of `other`'s WAL file (kept since it was opened): its commits synced.
  auto other_wal = DeferWalCommitSyncs(other.get());
  ASSERT_TRUE(other_wal);
  EXPECT_EQ((*other_wal)->deferred.load(), 0);
  EXPECT_GE((*other_wal)->synced.load(), 2);
  EXPECT_EQ((*wal)->deferred.load(), 0);
  // Without a WAL through this VFS there is nothing to defer.
  Db plain = Open(nullptr);
  EXPECT_FALSE(DeferWalCommitSyncs(plain.get()));
}

}  // namespace
}  // namespace bw::store::sqlite
