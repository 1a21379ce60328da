// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/sqlite_store.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_handle.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"
#include "unit/store/sqlite_sql.h"
#include "unit/store/store_contract.h"

namespace bw::store::sqlite {
namespace {

using bw::testing::FakeClock;
using bw::testing::TempDir;
using store::testing::AlertOutboxContractTest;
using store::testing::ReputationContractTest;
using store::testing::StoreBackend;
using store::testing::StoreContractTest;
using store::testing::StoreFactory;
using store::testing::SuppressionContractTest;

// A factory opening one fresh database (in a directory it keeps alive) with the options
// `configure` sets on top of the path: each open sees what the previous ones stored.
StoreFactory FreshSqliteWith(std::function<void(SqliteOptions&)> configure) {
  auto dir = std::make_shared<TempDir>();
  return [dir, configure]() -> std::unique_ptr<Store> {
    SqliteOptions o;
    o.path = (dir->path() / "bw.db").string();
    configure(o);
    auto s = OpenSqliteStore(o, SystemClock::Instance());
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  };
}

StoreFactory FreshSqlite() {
  return FreshSqliteWith([](SqliteOptions&) {});
}

StoreFactory FreshSqliteWithPolicy(SuppressionPolicy policy) {
  return FreshSqliteWith([policy](SqliteOptions& o) { o.suppression_policy = policy; });
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreBackend{"Sqlite", &FreshSqlite,
                                                        &FreshSqliteWithPolicy}),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Sqlite, SuppressionContractTest,
                         ::testing::Values(StoreBackend{"Sqlite", &FreshSqlite,
                                                        &FreshSqliteWithPolicy}),
                         [](const auto& info) { return info.param.name; });

StoreFactory FreshSqliteWithHooks(SuppressionPolicy policy, AlertRule alert_rule) {
  return FreshSqliteWith([policy, alert_rule](SqliteOptions& o) {
    o.suppression_policy = policy;
    o.alert_rule = alert_rule;
  });
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AlertOutboxContractTest,
                         ::testing::Values(StoreBackend{"Sqlite", &FreshSqlite,
                                                        &FreshSqliteWithPolicy,
                                                        &FreshSqliteWithHooks}),
                         [](const auto& info) { return info.param.name; });

StoreFactory FreshSqliteWithReputation(ReputationRowsFn rows, CommitObserver observer) {
  return FreshSqliteWith([rows, observer](SqliteOptions& o) {
    o.reputation_rows = rows;
    o.commit_observer = observer;
  });
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ReputationContractTest,
                         ::testing::Values(StoreBackend{"Sqlite", &FreshSqlite,
                                                        &FreshSqliteWithPolicy, {},
                                                        &FreshSqliteWithReputation}),
                         [](const auto& info) { return info.param.name; });

constexpr int64_t kT0 = 1796083200000;

IngestBatch Batch(std::string key, std::string raw = "{}", int events = 2) {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = std::move(key);
  b.kind = "Notification";
  b.raw = std::move(raw);
  b.received_at_ms = kT0;
  for (int i = 0; i < events; ++i) {
    FeedbackEvent e;
    e.type = EventType::kBounce;
    e.recipient = "r" + std::to_string(i) + "@example.com";
    e.source = "ses";
    b.events.push_back(std::move(e));
  }
  return b;
}

size_t CountEvents(Store& store) {
  EventQuery q;
  q.limit = 1000000;
  auto r = store.QueryEvents(q);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  return r ? r->size() : 0;
}

// Queues `batches` while the writer is held, so that they commit as one group; their answers,
// in order.
std::vector<Result<IngestOutcome>> IngestAsOneGroup(SqliteStore& store,
                                                    const std::vector<IngestBatch>& batches) {
  std::promise<void> release;
  store.HoldWriterForTest(release.get_future().share());
  std::vector<std::promise<Result<IngestOutcome>>> results(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    store.IngestAsync(batches[i],
                      [&, i](Result<IngestOutcome> r) { results[i].set_value(std::move(r)); });
  }
  release.set_value();
  std::vector<Result<IngestOutcome>> got;
  for (auto& r : results) {
    got.push_back(r.get_future().get());
  }
  return got;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteOptions Options() {
    SqliteOptions o;
    o.path = path_;
    return o;
  }
  std::unique_ptr<SqliteStore> Open(SqliteOptions o) {
    auto s = SqliteStore::Open(o, clock_);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  }
  std::unique_ptr<SqliteStore> Open() { return Open(Options()); }
  Error OpenError(SqliteOptions o) {
    auto s = SqliteStore::Open(o, clock_);
    EXPECT_FALSE(s.has_value());
    return s ? Error() : s.error();
  }

  TempDir dir_;
  FakeClock clock_;
  std::string path_ = (dir_.path() / "data" / "nested" / "bw.db").string();
};

TEST_F(SqliteStoreTest, CreatesParentDirectoriesInWalMode) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_EQ(Sql(path_, "PRAGMA journal_mode")[0][0], "wal");
  EXPECT_EQ(Sql(path_, "PRAGMA foreign_key_list(events)").size(), 2u) << "events -> messages";
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedOnce) {
  ASSERT_NE(Open(), nullptr);
  int64_t opened_at = ToUnixMs(clock_.Now());
  auto rows = Sql(path_, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), Migrations().size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], std::to_string(Migrations()[i].version));
    EXPECT_EQ(rows[i][1], std::to_string(opened_at));
  }
  EXPECT_EQ(std::stoi(rows.back()[0]), LatestSchemaVersion());
  clock_.Advance(std::chrono::hours(1));
  ASSERT_NE(Open(), nullptr);
  auto again = Sql(path_, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
  EXPECT_EQ(again, rows) << "a reopen applies nothing";
}

TEST_F(SqliteStoreTest, FutureSchemaVersionFailsClearly) {
  ASSERT_NE(Open(), nullptr);
  int future = LatestSchemaVersion() + 1;
  Sql(path_, "INSERT INTO schema_migrations VALUES (" + std::to_string(future) + ", 'x', 0)");
  for (bool read_only : {false, true}) {
    SqliteOptions o = Options();
    o.read_only = read_only;
    Error e = OpenError(o);
    EXPECT_EQ(e.code(), Code::kUnavailable);
    EXPECT_NE(e.message().find("newer"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find(path_), std::string::npos) << e.message();
  }
}

// Both readers of reputation_buckets go through one SELECT and one row reader: the same rows, and
// the same clear error for a dimension only a newer binary writes.
TEST_F(SqliteStoreTest, ReputationReadersAgreeAndRefuseAnUnknownDimension) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  Sql(path_,
      "INSERT INTO reputation_buckets (bucket_start, dimension, key, sends, bounces, complaints)"
      " VALUES (3600000, 'all', '', 10, 2, 1), (7200000, 'all', '', 5, 1, 0),"
      " (7200000, 'recipient_domain', 'example.com', 4, 1, 0)");
  auto rows = store->ListReputationRows(3600000);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].counts.sends, 10);
  EXPECT_EQ((*rows)[2].key, "example.com");
  EXPECT_EQ((*rows)[2].dimension, ReputationDimension::kRecipientDomain);
  auto sums = store->SumReputationRows(3600000);
  ASSERT_TRUE(sums.has_value()) << sums.error().ToString();
  ASSERT_EQ(sums->rows.size(), 2u);
  EXPECT_EQ(sums->rows[0].counts.sends, 15);
  EXPECT_EQ(sums->rows[0].counts.complaints, 1);
  EXPECT_EQ(sums->rows[0].bucket_start_ms, 7200000) << "the newest bucket summed";
  EXPECT_EQ(sums->rows[1].counts.bounces, 1);

  Sql(path_,
      "INSERT INTO reputation_buckets (bucket_start, dimension, key)"
      " VALUES (7200000, 'planet', 'mars')");
  auto listed = store->ListReputationRows(0);
  ASSERT_FALSE(listed.has_value());
  EXPECT_NE(listed.error().message().find("unknown dimension \"planet\""), std::string::npos)
      << listed.error().message();
  auto summed = store->SumReputationRows(0);
  ASSERT_FALSE(summed.has_value());
  EXPECT_EQ(summed.error().message(), listed.error().message());
}

TEST_F(SqliteStoreTest, ReadOnlyOpenNeverCreatesOrMigrates) {
  SqliteOptions o = Options();
  o.read_only = true;
  Error missing = OpenError(o);
  EXPECT_EQ(missing.code(), Code::kUnavailable);
  EXPECT_NE(missing.message().find("does not exist"), std::string::npos) << missing.message();
  EXPECT_FALSE(std::filesystem::exists(path_));

  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  Sql(path_, "CREATE TABLE unrelated (x)");
  Error no_schema = OpenError(o);
  EXPECT_EQ(no_schema.code(), Code::kUnavailable);
  EXPECT_NE(no_schema.message().find("no bouncewatch schema"), std::string::npos)
      << no_schema.message();
  EXPECT_TRUE(
      Sql(path_, "SELECT name FROM sqlite_schema WHERE name = 'schema_migrations'").empty());
}

TEST_F(SqliteStoreTest, ReadOnlyOpenOfOlderSchemaFails) {
  ASSERT_NE(Open(), nullptr);
  Sql(path_,
      "DELETE FROM schema_migrations WHERE version = " + std::to_string(LatestSchemaVersion()));
  SqliteOptions o = Options();
  o.read_only = true;
  Error e = OpenError(o);
  EXPECT_EQ(e.code(), Code::kUnavailable);
  if (LatestSchemaVersion() > 1) {
    EXPECT_NE(e.message().find("older"), std::string::npos) << e.message();
  } else {
    EXPECT_NE(e.message().find("no bouncewatch schema"), std::string::npos) << e.message();
  }
}

TEST_F(SqliteStoreTest, ReadOnlyStoreSeesWriterCommitsAndCannotWrite) {
  auto writer = Open();
  ASSERT_NE(writer, nullptr);
  ASSERT_EQ(*writer->Ingest(Batch("a")), IngestOutcome::kStored);
  SqliteOptions o = Options();
  o.read_only = true;
  auto reader = Open(o);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(CountEvents(*reader), 2u);
  ASSERT_EQ(*writer->Ingest(Batch("b")), IngestOutcome::kStored);
  EXPECT_EQ(CountEvents(*reader), 4u) << "later commits are visible too";

  auto r = reader->Ingest(Batch("c"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable) << r.error().ToString();
  auto sub = reader->UpsertSubscription(Subscription{"arn:t", "", "pending", "", "", kT0, 0});
  ASSERT_FALSE(sub.has_value());
  EXPECT_EQ(sub.error().code(), Code::kUnavailable);
  auto writable = reader->CheckWritable();
  ASSERT_FALSE(writable.has_value());
  EXPECT_EQ(writable.error().code(), Code::kUnavailable);
  EXPECT_EQ(CountEvents(*writer), 4u);
  EXPECT_EQ(writer->GetRawMessage("sns", "c").error().code(), Code::kNotFound);
  EXPECT_TRUE(writer->CheckWritable().has_value());
}

TEST_F(SqliteStoreTest, QueuedBatchesShareCommits) {
  SqliteOptions o = Options();
  o.max_batch = 10;
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  std::promise<void> release;
  store->HoldWriterForTest(release.get_future().share());
  int64_t before = store->commits();
  constexpr int kBatches = 100;
  std::atomic<int> stored{0};
  std::vector<std::promise<void>> done(kBatches);
  for (int i = 0; i < kBatches; ++i) {
    store->IngestAsync(Batch("k" + std::to_string(i)), [&, i](Result<IngestOutcome> r) {
      stored += (r && *r == IngestOutcome::kStored) ? 1 : 0;
      done[i].set_value();
    });
  }
  release.set_value();
  for (auto& d : done) {
    d.get_future().wait();
  }
  EXPECT_EQ(stored.load(), kBatches);
  // The held group, then 100 batches in groups of max_batch.
  EXPECT_EQ(store->commits() - before, 1 + kBatches / 10);
  EXPECT_EQ(CountEvents(*store), 2u * kBatches);
}

TEST_F(SqliteStoreTest, MaxBatchOneCommitsEveryBatch) {
  SqliteOptions o = Options();
  o.max_batch = 1;
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  std::promise<void> release;
  store->HoldWriterForTest(release.get_future().share());
  int64_t before = store->commits();
  std::vector<std::promise<void>> done(20);
  for (int i = 0; i < 20; ++i) {
    store->IngestAsync(Batch("k" + std::to_string(i)),
                       [&, i](Result<IngestOutcome>) { done[i].set_value(); });
  }
  release.set_value();
  for (auto& d : done) {
    d.get_future().wait();
  }
  EXPECT_EQ(store->commits() - before, 21);
}

TEST_F(SqliteStoreTest, FailingBatchDoesNotPoisonItsGroup) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  IngestBatch first = Batch("first", "{}", 1);
  first.events[0].id = "01JDQQQQQQQQQQQQQQQQQQQQQQ";
  ASSERT_EQ(*store->Ingest(first), IngestOutcome::kStored);

  int64_t before = store->commits();
  IngestBatch conflicting = Batch("conflicting", "{}", 2);
  conflicting.events[1].id = first.events[0].id;
  std::vector<Result<IngestOutcome>> got =
      IngestAsOneGroup(*store, {Batch("a"), conflicting, Batch("b"), Batch("a")});
  ASSERT_TRUE(got[0].has_value()) << got[0].error().ToString();
  EXPECT_EQ(*got[0], IngestOutcome::kStored);
  ASSERT_FALSE(got[1].has_value());
  EXPECT_EQ(got[1].error().code(), Code::kConflict);
  ASSERT_TRUE(got[2].has_value()) << got[2].error().ToString();
  EXPECT_EQ(*got[2], IngestOutcome::kStored);
  ASSERT_TRUE(got[3].has_value()) << got[3].error().ToString();
  EXPECT_EQ(*got[3], IngestOutcome::kDuplicate) << "a duplicate in the same group";
  EXPECT_EQ(store->commits() - before, 2) << "held group + one group for all four";
  EXPECT_EQ(CountEvents(*store), 1u + 2u + 2u);
  EXPECT_EQ(store->GetRawMessage("sns", "conflicting").error().code(), Code::kNotFound);
}

// A group of ingest batches runs without per-batch savepoints; one that fails makes the writer
// roll the group back and run it again with them. What the other batches write (events, the
// suppression policy's counts, reputation rows, the commit report) must then count once.
TEST_F(SqliteStoreTest, FailedBatchRerunsItsGroupWithSavepointsAndCountsOnce) {
  SqliteOptions o = Options();
  o.suppression_policy = [](const std::optional<SuppressionState>& current, const FeedbackEvent& e,
                            const NormalizedAddress& a, TimePoint) {
    SuppressionState st = current.value_or(SuppressionState{});
    st.address_key = a.key;
    st.address = e.recipient;
    st.hard_bounces += 1;
    st.suppressed = st.hard_bounces >= 2;  // the second bounce flips it: the REPLACE path too
    return std::optional<SuppressionState>(st);
  };
  o.reputation_rows = [](const FeedbackEvent&, TimePoint) {
    ReputationRow row;
    row.bucket_start_ms = kT0;
    row.counts.bounces = 1;
    return std::vector<ReputationRow>{row};
  };
  std::atomic<int64_t> reported_events{0};
  o.commit_observer = [&reported_events](const CommitReport& r) {
    reported_events += static_cast<int64_t>(r.events.size());
  };
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  IngestBatch first = Batch("first", "{}", 1);
  first.events[0].id = "01JDQQQQQQQQQQQQQQQQQQQQQQ";
  ASSERT_EQ(*store->Ingest(first), IngestOutcome::kStored);  // r0: 1 bounce
  EXPECT_EQ(store->savepoint_retries(), 0);

  // No failure: no rerun.
  auto ok = IngestAsOneGroup(*store, {Batch("a"), Batch("b")});  // r0 and r1 twice each
  ASSERT_TRUE(ok[0].has_value() && ok[1].has_value());
  EXPECT_EQ(store->savepoint_retries(), 0);

  IngestBatch conflicting = Batch("conflicting", "{}", 2);
  conflicting.events[1].id = first.events[0].id;  // its second event fails after its first
  IngestBatch invalid = Batch("invalid");
  invalid.source.clear();  // refused before writing: needs no rollback of its own
  auto got = IngestAsOneGroup(*store, {Batch("c"), conflicting, invalid, Batch("d"), Batch("c")});
  EXPECT_EQ(store->savepoint_retries(), 1);
  ASSERT_TRUE(got[0].has_value()) << got[0].error().ToString();
  EXPECT_EQ(*got[0], IngestOutcome::kStored);
  ASSERT_FALSE(got[1].has_value());
  EXPECT_EQ(got[1].error().code(), Code::kConflict);
  ASSERT_FALSE(got[2].has_value());
  EXPECT_EQ(got[2].error().code(), Code::kInvalidInput);
  ASSERT_TRUE(got[3].has_value()) << got[3].error().ToString();
  EXPECT_EQ(*got[3], IngestOutcome::kStored);
  ASSERT_TRUE(got[4].has_value()) << got[4].error().ToString();
  EXPECT_EQ(*got[4], IngestOutcome::kDuplicate);

  // Stored: first (1 event) + a, b, c, d (2 each); the conflicting batch left nothing behind.
  EXPECT_EQ(CountEvents(*store), 9u);
  EXPECT_EQ(store->GetRawMessage("sns", "conflicting").error().code(), Code::kNotFound);
  EXPECT_EQ(reported_events.load(), 9);
  auto rows = store->ListReputationRows(0);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  int64_t bounces = 0;
  for (const ReputationRow& r : *rows) {
    bounces += r.counts.bounces;
  }
  EXPECT_EQ(bounces, 9);
  auto r0 = store->GetSuppression("r0@example.com");
  ASSERT_TRUE(r0.has_value()) << r0.error().ToString();
  EXPECT_EQ(r0->hard_bounces, 5) << "first, a, b, c, d";
  EXPECT_TRUE(r0->suppressed);
  auto r1 = store->GetSuppression("r1@example.com");
  ASSERT_TRUE(r1.has_value()) << r1.error().ToString();
  EXPECT_EQ(r1->hard_bounces, 4) << "a, b, c, d";
  // The UPDATE path (row exists, `suppressed` unchanged) keeps the domain index right.
  EXPECT_EQ(Sql(path_,
                "SELECT address_key FROM suppressions INDEXED BY suppressions_by_domain"
                " WHERE suppressed = 1 AND domain = 'example.com' ORDER BY address_key"),
            (std::vector<std::vector<std::string>>{{"r0@example.com"}, {"r1@example.com"}}));
}

TEST_F(SqliteStoreTest, FullDatabaseFailsTheCommitAndRecovers) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(*store->Ingest(Batch("before")), IngestOutcome::kStored);
  ASSERT_TRUE(store->SetMaxPageCountForTest(1).has_value());
  // Incompressible (raw messages are stored zstd-compressed): it needs new pages.
  std::string big(256 * 1024, 'x');
  uint32_t x = 2463534242u;
  for (char& c : big) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  auto r = store->Ingest(Batch("big", big));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable) << r.error().ToString();
  auto writable = store->CheckWritable();
  ASSERT_FALSE(writable.has_value()) << "readiness sees the full database";
  EXPECT_EQ(writable.error().code(), Code::kUnavailable);
  EXPECT_EQ(store->GetRawMessage("sns", "big").error().code(), Code::kNotFound);
  EXPECT_EQ(CountEvents(*store), 2u);

  ASSERT_TRUE(store->SetMaxPageCountForTest(int64_t{1} << 30).has_value());
  EXPECT_TRUE(store->CheckWritable().has_value());
  auto retried = store->Ingest(Batch("big", big));
  ASSERT_TRUE(retried.has_value()) << retried.error().ToString();
  EXPECT_EQ(*retried, IngestOutcome::kStored) << "the failed batch was not recorded as seen";
  EXPECT_EQ(store->GetRawMessage("sns", "big")->raw, big);
  EXPECT_EQ(CountEvents(*store), 4u);
}

TEST_F(SqliteStoreTest, LockedDatabaseIsUnavailableThenRecovers) {
  SqliteOptions o = Options();
  o.busy_timeout = std::chrono::milliseconds(50);
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto r = store->Ingest(Batch("a"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_NE(r.error().message().find("bw.db"), std::string::npos) << r.error().message();
  EXPECT_FALSE(store->CheckWritable().has_value());
  EXPECT_EQ(CountEvents(*store), 0u) << "reads still work";

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  auto ok = store->Ingest(Batch("a"));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(*ok, IngestOutcome::kStored);
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitForTheWriter) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(*store->Ingest(Batch("a")), IngestOutcome::kStored);
  std::promise<void> release;
  store->HoldWriterForTest(release.get_future().share());  // write transaction open
  std::promise<Result<IngestOutcome>> pending;
  store->IngestAsync(Batch("b"), [&](Result<IngestOutcome> r) { pending.set_value(r); });
  EXPECT_EQ(CountEvents(*store), 2u);
  EXPECT_TRUE(store->GetRawMessage("sns", "a").has_value());
  EXPECT_TRUE(store->ListSubscriptions().has_value());
  release.set_value();
  EXPECT_EQ(*pending.get_future().get(), IngestOutcome::kStored);
}

TEST_F(SqliteStoreTest, DestructorDrainsTheQueue) {
  constexpr int kBatches = 200;
  std::atomic<int> stored{0};
  std::atomic<int> called{0};
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kBatches; ++i) {
      store->IngestAsync(Batch("k" + std::to_string(i)), [&](Result<IngestOutcome> r) {
        ++called;
        stored += (r && *r == IngestOutcome::kStored) ? 1 : 0;
      });
    }
  }
  EXPECT_EQ(called.load(), kBatches);
  EXPECT_EQ(stored.load(), kBatches);
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountEvents(*reopened), 2u * kBatches);
}

TEST_F(SqliteStoreTest, RejectsUnusableOptions) {
  SqliteOptions o = Options();
  o.path = ":memory:";
  EXPECT_EQ(OpenError(o).code(), Code::kInvalidInput);
  o.path = "";
  EXPECT_EQ(OpenError(o).code(), Code::kInvalidInput);
  o = Options();
  o.max_batch = 0;
  EXPECT_EQ(OpenError(o).code(), Code::kInvalidInput);
}

TEST_F(SqliteStoreTest, NotADatabaseIsUnavailable) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::ofstream(path_) << std::string(8192, 'z');
  Error e = OpenError(Options());
  EXPECT_EQ(e.code(), Code::kUnavailable) << e.ToString();
  EXPECT_NE(e.message().find(path_), std::string::npos) << e.message();
}

TEST_F(SqliteStoreTest, UnwritableDirectoryIsUnavailable) {
  std::filesystem::path file = dir_.path() / "plain-file";
  std::ofstream(file) << "x";
  SqliteOptions o = Options();
  o.path = (file / "sub" / "bw.db").string();  // a parent that is a file
  Error e = OpenError(o);
  EXPECT_EQ(e.code(), Code::kUnavailable) << e.ToString();
}

TEST(SqliteErrors, CodesMapToRetryableOrNot) {
  for (int rc : {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_IOERR_FSYNC, SQLITE_FULL,
                 SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_READONLY_DBMOVED, SQLITE_CORRUPT}) {
    EXPECT_EQ(CodeForSqlite(rc), Code::kUnavailable) << sqlite3_errstr(rc);
  }
  EXPECT_EQ(CodeForSqlite(SQLITE_CONSTRAINT_PRIMARYKEY), Code::kConflict);
  EXPECT_EQ(CodeForSqlite(SQLITE_ERROR), Code::kInternal);
  EXPECT_EQ(CodeForSqlite(SQLITE_MISUSE), Code::kInternal);
}

}  // namespace
}  // namespace bw::store::sqlite
