// SPDX-License-Identifier: Apache-2.0
// The WAL checkpointer (store/sqlite/checkpointer.h): checkpoints run off the writer, the WAL
// file stays bounded while one connection commits continuously, and nothing committed is lost.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "store/sqlite/checkpointer.h"
#include "store/sqlite/sqlite_handle.h"
#include "testing/test_data.h"

namespace bw::store::sqlite {
namespace {

using bw::testing::TempDir;

constexpr int kPage = 4096;

Db OpenWriter(const std::string& path) {
  auto db = Db::Open(path, /*read_only=*/false, std::chrono::milliseconds(5000));
  EXPECT_TRUE(db) << db.error().ToString();
  EXPECT_TRUE(db->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                       " CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)"));
  return std::move(*db);
}

// One transaction adding one row with a page-sized blob: at least two WAL frames.
void Commit(Db& db, int k) {
  auto st = Stmt::Prepare(db, "INSERT INTO t (k, v) VALUES (?, randomblob(3000))");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->BindInt64(1, k));
  ASSERT_TRUE(st->Run());
}

int64_t WalFrames(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path + "-wal", ec);
  return ec || size < 32 ? 0 : static_cast<int64_t>((size - 32) / (kPage + 24));
}

int64_t CountRows(const std::string& path) {
  auto db = Db::Open(path, /*read_only=*/true, std::chrono::milliseconds(5000));
  EXPECT_TRUE(db);
  auto st = Stmt::Prepare(*db, "SELECT count(*) FROM t");
  EXPECT_TRUE(st);
  auto row = st->Step();
  EXPECT_TRUE(row && *row);
  return st->ColumnInt64(0);
}

void WaitForPasses(const Checkpointer& c, int64_t n) {
  for (int i = 0; i < 1000 && c.background_passes() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(c.background_passes(), n);
}

// After a pass copied the whole WAL: two more commits start it from its beginning again (the
// file does not grow), and every committed row is there.
void ExpectWalRestarts(Db& writer, const std::string& path, int& k) {
  const int64_t before = WalFrames(path);
  Commit(writer, k++);
  Commit(writer, k++);
  EXPECT_EQ(WalFrames(path), before);
  EXPECT_EQ(CountRows(path), k);
}

TEST(CheckpointerTest, BackgroundPassRunsOnceTheWalReachesItsStart) {
  TempDir dir;
  const std::string path = (dir.path() / "c.db").string();
  Db writer = OpenWriter(path);
  auto c = Checkpointer::Start(path, writer, {.start_frames = 40, .hard_frames = 100000});
  ASSERT_TRUE(c) << c.error().ToString();
  int k = 0;
  while (WalFrames(path) < 40) {  // the commit that reaches the start wakes the pass
    Commit(writer, k++);
  }
  WaitForPasses(**c, 1);
  // The pass copied the whole WAL, so the next commit starts it from the beginning again: the
  // file does not grow, and the writer itself copied nothing.
  ExpectWalRestarts(writer, path, k);
  EXPECT_EQ((*c)->writer_checkpoints(), 0);
  (*c)->Detach();
}

TEST(CheckpointerTest, WriterCopiesWhatWasCommittedDuringThePass) {
  TempDir dir;
  const std::string path = (dir.path() / "c.db").string();
  Db writer = OpenWriter(path);
  auto c = Checkpointer::Start(path, writer, {.start_frames = 40, .hard_frames = 100000});
  ASSERT_TRUE(c) << c.error().ToString();
  int k = 0;
  while (WalFrames(path) < 30) {
    Commit(writer, k++);
  }
  // A reader's snapshot stands for commits the pass cannot copy yet (made during it).
  auto reader = Db::Open(path, /*read_only=*/true, std::chrono::milliseconds(5000));
  ASSERT_TRUE(reader);
  ASSERT_TRUE(reader->Exec("BEGIN; SELECT count(*) FROM t"));
  while (WalFrames(path) < 40) {
    Commit(writer, k++);
  }
  WaitForPasses(**c, 1);
  ASSERT_TRUE(reader->Exec("COMMIT"));
  EXPECT_EQ((*c)->writer_checkpoints(), 0);
  Commit(writer, k++);  // copies the rest, on the writer
  EXPECT_EQ((*c)->writer_checkpoints(), 1);
  ExpectWalRestarts(writer, path, k);
  (*c)->Detach();
}

TEST(CheckpointerTest, WalStaysBoundedUnderContinuousCommits) {
  TempDir dir;
  const std::string path = (dir.path() / "c.db").string();
  Db writer = OpenWriter(path);
  const Checkpointer::Options options{.start_frames = 64, .hard_frames = 256};
  auto c = Checkpointer::Start(path, writer, options);
  ASSERT_TRUE(c) << c.error().ToString();
  constexpr int kCommits = 1500;  // ~3,000 frames: many times the hard limit
  int64_t max_frames = 0;
  for (int k = 0; k < kCommits; ++k) {
    Commit(writer, k);
    max_frames = std::max(max_frames, WalFrames(path));
  }
  // At most one commit's frames past the hard limit before the writer checkpoints itself.
  EXPECT_LE(max_frames, options.hard_frames + 8);
  EXPECT_GT((*c)->background_passes() + (*c)->writer_checkpoints(), 0);
  EXPECT_EQ(CountRows(path), kCommits);
  (*c)->Detach();
  c->reset();
  // Everything is in the database file once the last connection has closed.
  writer = Db();
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_EQ(CountRows(path), kCommits);
}

TEST(CheckpointerTest, WithoutItTheWalOnlyGrowsPastItsStart) {
  // The control for the test above: no hook and SQLite's own checkpoint off, the WAL grows.
  TempDir dir;
  const std::string path = (dir.path() / "c.db").string();
  Db writer = OpenWriter(path);
  ASSERT_TRUE(writer.Exec("PRAGMA wal_autocheckpoint = 0"));
  for (int k = 0; k < 300; ++k) {
    Commit(writer, k);
  }
  EXPECT_GT(WalFrames(path), 256 + 8);
}

}  // namespace
}  // namespace bw::store::sqlite
