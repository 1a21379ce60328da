// SPDX-License-Identifier: Apache-2.0
// Migration 6 and the writer's per-group work: raw messages and event JSON stored as zstd
// frames (and rows written before it still read), reputation rows summed per commit, one
// suppression change-log row per key and commit, one subscription touch per topic and commit.
#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/event_json.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/zstd_codec.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"
#include "unit/store/sqlite_sql.h"
#include "unit/store/sqlite_store_fixture.h"

namespace bw::store::sqlite {
namespace {


constexpr int64_t kT0 = 1796083200000;

// A JSON-ish body of `size` bytes that compresses well, like an SNS envelope.
std::string CompressibleBody(const std::string& id, size_t size) {
  std::string body = "{\"MessageId\":\"" + id + "\",\"Message\":\"";
  while (body.size() + 2 < size) {
    body += "{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounceType\\\":\\\"Permanent\\\"} ";
  }
  body.resize(size - 2);
  return body + "\"}";
}

FeedbackEvent Bounce(std::string recipient, std::string id = "") {
  FeedbackEvent e;
  e.id = std::move(id);
  e.type = EventType::kBounce;
  e.recipient = std::move(recipient);
  e.source = "ses";
  e.bounce = BounceInfo{};
  e.bounce->reason = "userunknown";
  e.bounce->diagnostic = std::string(600, 'd');  // JSON well above kCompressEventJsonFrom
  return e;
}

IngestBatch Batch(std::string key, std::vector<FeedbackEvent> events,
                  std::string topic = "arn:aws:sns:us-east-1:123456789012:t") {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = key;
  b.kind = "Notification";
  b.topic_arn = std::move(topic);
  b.raw = CompressibleBody(key, 3000);
  b.received_at_ms = kT0;
  b.events = std::move(events);
  return b;
}

class SqliteCompressionTest : public testing::SqliteStoreFixture {};

TEST(ZstdCodecTest, RoundTripsAndRejectsWhatIsNotAFrame) {
  const std::string text = CompressibleBody("x", 100000);
  const std::string frame = ZstdCompress(text);
  EXPECT_LT(frame.size(), text.size() / 4);
  auto back = ZstdDecompress(frame);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, text);
  EXPECT_EQ(*ZstdDecompress(ZstdCompress("")), "");

  EXPECT_EQ(ZstdDecompress("{\"not\":\"zstd\"}").error().code(), Code::kInternal);
  EXPECT_EQ(ZstdDecompress(frame.substr(0, frame.size() - 3)).error().code(), Code::kInternal)
      << "a truncated frame";
  // A frame header claiming 2^40 bytes: refused before anything is allocated.
  const std::string huge_header("\x28\xB5\x2F\xFD\xC0\x58\x00\x00\x00\x00\x00\x01\x00\x00", 14);
  auto huge = ZstdDecompress(huge_header);
  ASSERT_FALSE(huge.has_value());
  EXPECT_NE(huge.error().message().find("limit"), std::string::npos) << huge.error().message();
}

TEST_F(SqliteCompressionTest, StoresRawAndEventJsonCompressedAndReadsThemBackExactly) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  IngestBatch batch = Batch("m-1", {Bounce("a@x.org"), Bounce("b@x.org")});
  const std::string raw = batch.raw;
  ASSERT_EQ(*store->Ingest(batch), IngestOutcome::kStored);

  auto stored = Sql(path_, "SELECT raw_codec, length(raw) FROM messages");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0][0], "1");
  EXPECT_LT(std::stoul(stored[0][1]), raw.size() / 2);
  for (const auto& row : Sql(path_, "SELECT typeof(json) FROM events")) {
    EXPECT_EQ(row[0], "blob");
  }

  EXPECT_EQ(store->GetRawMessage("sns", "m-1")->raw, raw);
  auto events = store->QueryEvents(EventQuery{});
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 2u);
  for (const FeedbackEvent& e : *events) {
    EXPECT_EQ(e.bounce->diagnostic, std::string(600, 'd'));
    EXPECT_EQ(store->GetEventRawMessage(e.id)->raw, raw);
    auto one = store->GetEvent(e.id);
    ASSERT_TRUE(one.has_value()) << one.error().ToString();
    EXPECT_EQ(EventToJsonLine(*one), EventToJsonLine(e));
  }
}

// A raw message that zstd would make bigger is stored as it is.
TEST_F(SqliteCompressionTest, SmallRawStaysAsItIs) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  IngestBatch batch = Batch("m-1", {});
  FeedbackEvent e;
  e.type = EventType::kOpen;
  e.recipient = "a@x.org";
  e.source = "ses";
  batch.events.push_back(e);
  static constexpr char kRaw[] = "raw\0bytes \xff\xfe";
  batch.raw = std::string(kRaw, sizeof(kRaw) - 1);
  ASSERT_EQ(*store->Ingest(batch), IngestOutcome::kStored);
  EXPECT_EQ(Sql(path_, "SELECT raw_codec FROM messages")[0][0], "0");
  EXPECT_EQ(store->GetRawMessage("sns", "m-1")->raw, batch.raw) << "kept byte for byte";
  auto events = store->QueryEvents(EventQuery{});
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->at(0).recipient, "a@x.org");
}

// A database written before migration 6 (no raw_codec column, TEXT JSON) is migrated at open
// and its rows read as before, next to new compressed ones.
TEST_F(SqliteCompressionTest, RowsWrittenBeforeMigration6AreStillRead) {
  FeedbackEvent old = Bounce("old@x.org", "01KOLDEVENT0000000000000000");
  old.received_at_ms = kT0;
  const std::string old_raw = CompressibleBody("old", 2000);
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
  }
  std::string json = EventToJsonLine(old);
  std::string quoted;
  for (char c : json) {
    quoted += c;
    if (c == '\'') {
      quoted += '\'';
    }
  }
  // Back to a version-5 database: undo migration 6 and the ones after it (7: the import audit
  // sets table), so that Open applies them again.
  Sql(path_,
      "ALTER TABLE messages DROP COLUMN raw_codec;"
      " DROP TABLE IF EXISTS suppression_audit_sets;"
      " DELETE FROM schema_migrations WHERE version >= 6;"
      " INSERT INTO messages (source, dedup_key, kind, topic_arn, raw, received_at)"
      " VALUES ('sns', 'old', 'Notification', '', CAST('" +
          old_raw + "' AS BLOB), " + std::to_string(kT0) +
          ");"
          " INSERT INTO events (id, type, recipient, recipient_lc, occurred_at, received_at,"
          " source, message_source, message_key, json) VALUES ('" +
          old.id + "', 'bounce', 'old@x.org', 'old@x.org', 0, " + std::to_string(kT0) +
          ", 'ses', 'sns', 'old', '" + quoted + "')");

  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Sql(path_, "SELECT MAX(version) FROM schema_migrations")[0][0],
            std::to_string(LatestSchemaVersion()));
  ASSERT_EQ(*store->Ingest(Batch("new", {Bounce("new@x.org")})), IngestOutcome::kStored);

  auto got = store->GetEvent(old.id);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(EventToJsonLine(*got), json);
  EXPECT_EQ(store->GetEventRawMessage(old.id)->raw, old_raw);
  EXPECT_EQ(store->GetRawMessage("sns", "old")->raw, old_raw);
  EXPECT_EQ(store->QueryEvents(EventQuery{})->size(), 2u);
  EXPECT_EQ(Sql(path_, "SELECT raw_codec FROM messages ORDER BY dedup_key")[0][0], "1") << "new";
  EXPECT_EQ(Sql(path_, "SELECT raw_codec FROM messages ORDER BY dedup_key")[1][0], "0") << "old";
}

// Several batches in one group commit: reputation rows are summed into one row per key (in the
// table and in the CommitReport), the suppression change log gets one row per key, and the
// subscription's last_message_at the latest time.
TEST_F(SqliteCompressionTest, GroupCommitWritesSummedRowsOncePerKey) {
  std::mutex mu;
  std::vector<CommitReport> reports;
  SqliteOptions o;
  o.reputation_rows = [](const FeedbackEvent&, TimePoint) {
    return std::vector<ReputationRow>{
        ReputationRow{kT0, ReputationDimension::kAll, "", ReputationCounts{.bounces = 1}}};
  };
  o.commit_observer = [&](const CommitReport& r) {
    std::lock_guard<std::mutex> lock(mu);
    reports.push_back(CommitReport{r.duration, r.reputation_rows, {}});
  };
  o.suppression_policy = [](const std::optional<SuppressionState>& current, const FeedbackEvent& e,
                            const NormalizedAddress& address,
                            TimePoint) -> std::optional<SuppressionState> {
    SuppressionState s = current.value_or(SuppressionState{});
    s.address_key = address.key;
    s.address = address.display;
    s.suppressed = true;
    s.hard_bounces += 1;
    s.event_ids.push_back(e.id);
    return s;
  };
  auto store = Open(o);
  ASSERT_NE(store, nullptr);
  Sql(path_, "INSERT INTO subscriptions (topic_arn, state) VALUES ('t', 'confirmed')");
  const int64_t changes_before =
      std::stoll(Sql(path_, "SELECT COUNT(*) FROM suppression_changes")[0][0]);

  std::promise<void> release;
  store->HoldWriterForTest(release.get_future().share());
  std::vector<std::future<Result<IngestOutcome>>> results;
  for (int i = 0; i < 3; ++i) {
    IngestBatch b =
        Batch("m" + std::to_string(i), {Bounce("same@x.org"), Bounce("same@x.org")}, "t");
    b.received_at_ms = kT0 + i;
    auto done = std::make_shared<std::promise<Result<IngestOutcome>>>();
    results.push_back(done->get_future());
    store->IngestAsync(std::move(b), [done](Result<IngestOutcome> r) { done->set_value(r); });
  }
  // This one fails alone (its second event's id is taken) after its first event changed
  // other@x.org: its change-log row is rolled back, and the next batch must log the key again.
  IngestBatch failing = Batch("bad", {Bounce("other@x.org"), Bounce("x@x.org", "01KDUP")});
  auto failed = std::make_shared<std::promise<Result<IngestOutcome>>>();
  IngestBatch taken = Batch("taken", {Bounce("y@x.org", "01KDUP")});
  auto taken_done = std::make_shared<std::promise<Result<IngestOutcome>>>();
  store->IngestAsync(std::move(taken),
                     [taken_done](Result<IngestOutcome> r) { taken_done->set_value(r); });
  store->IngestAsync(std::move(failing),
                     [failed](Result<IngestOutcome> r) { failed->set_value(r); });
  auto after = std::make_shared<std::promise<Result<IngestOutcome>>>();
  store->IngestAsync(Batch("after", {Bounce("other@x.org")}),
                     [after](Result<IngestOutcome> r) { after->set_value(r); });
  release.set_value();
  for (auto& r : results) {
    EXPECT_EQ(r.get().value(), IngestOutcome::kStored);
  }
  EXPECT_EQ(taken_done->get_future().get().value(), IngestOutcome::kStored);
  EXPECT_EQ(failed->get_future().get().error().code(), Code::kConflict);
  EXPECT_EQ(after->get_future().get().value(), IngestOutcome::kStored);

  // 3 batches x 2 events + taken + after = 8 bounces, one row in the table.
  EXPECT_EQ(Sql(path_, "SELECT COUNT(*), SUM(bounces) FROM reputation_buckets")[0],
            (std::vector<std::string>{"1", "8"}));
  {
    std::lock_guard<std::mutex> lock(mu);
    int64_t reported = 0;
    for (const CommitReport& r : reports) {
      EXPECT_LE(r.reputation_rows.size(), 1u) << "summed per key within a commit";
      for (const ReputationRow& row : r.reputation_rows) {
        reported += row.counts.bounces;
      }
    }
    EXPECT_EQ(reported, 8);
  }
  // One log row per key changed in the group: same, y and other (logged again after the
  // rollback); x's change was rolled back.
  auto keys =
      Sql(path_, "SELECT address_key FROM suppression_changes ORDER BY seq LIMIT -1 OFFSET " +
                     std::to_string(changes_before));
  std::vector<std::string> logged;
  for (const auto& k : keys) {
    logged.push_back(k[0]);
  }
  std::sort(logged.begin(), logged.end());
  EXPECT_EQ(logged, (std::vector<std::string>{"other@x.org", "same@x.org", "y@x.org"}));
  EXPECT_EQ(
      Sql(path_, "SELECT hard_bounces FROM suppressions WHERE address_key = 'same@x.org'")[0][0],
      "6");
  EXPECT_TRUE(Sql(path_, "SELECT 1 FROM suppressions WHERE address_key = 'x@x.org'").empty());
  EXPECT_EQ(Sql(path_, "SELECT last_message_at FROM subscriptions WHERE topic_arn = 't'")[0][0],
            std::to_string(kT0 + 2));
}

}  // namespace
}  // namespace bw::store::sqlite
