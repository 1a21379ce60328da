// SPDX-License-Identifier: Apache-2.0
// The reputation-bucket part of the Store contract (store_contract.h: ReputationContractTest).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/address.h"
#include "unit/store/store_contract.h"

namespace bw::store::testing {

namespace {

constexpr int64_t kT0 = 1796083200000;  // 2026-12-01T00:00:00Z
constexpr int64_t kHour = 3600000;

std::string DomainOf(const std::string& address) {
  const size_t at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

// The rows function under test: simple, but enough to see sums, keys and buckets.
std::vector<ReputationRow> TestRows(const FeedbackEvent& e, TimePoint) {
  ReputationCounts c;
  if (e.type == EventType::kBounce) {
    c.bounces = 1;
    c.hard_bounces = 1;
  } else if (e.type == EventType::kDelivery) {
    c.deliveries = 1;
  } else {
    c.sends = 1;
  }
  const int64_t bucket = e.occurred_at_ms / kHour * kHour;
  return {ReputationRow{bucket, ReputationDimension::kAll, "", c},
          ReputationRow{bucket, ReputationDimension::kRecipientDomain, DomainOf(e.recipient), c}};
}

FeedbackEvent Event(EventType type, std::string recipient, int64_t at_ms,
                    std::string id = "") {
  FeedbackEvent e;
  e.id = std::move(id);
  e.type = type;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = at_ms;
  e.source = "ses";
  if (type == EventType::kBounce) {
    e.bounce = BounceInfo{};
    e.bounce->bounce_class = BounceClass::kHard;
  }
  return e;
}

IngestBatch Batch(std::string key, std::vector<FeedbackEvent> events) {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = std::move(key);
  b.kind = "Notification";
  b.raw = "{}";
  b.received_at_ms = kT0 + 5 * kHour;
  b.events = std::move(events);
  return b;
}

std::vector<ReputationRow> List(Store& store, int64_t since_ms = 0) {
  auto rows = store.ListReputationRows(since_ms);
  EXPECT_TRUE(rows.has_value()) << (rows ? "" : rows.error().ToString());
  return rows ? *rows : std::vector<ReputationRow>{};
}

ReputationCounts Bounces(int64_t n) { return ReputationCounts{.bounces = n, .hard_bounces = n}; }
ReputationCounts Deliveries(int64_t n) { return ReputationCounts{.deliveries = n}; }

}  // namespace

void ReputationContractTest::SetUp() {
  if (!GetParam().fresh_with_reputation) {
    GTEST_SKIP() << GetParam().name << " has no reputation factory";
  }
  auto mu = mu_;
  auto seen = seen_;
  Open(GetParam().fresh_with_reputation(&TestRows, [mu, seen](const CommitReport& r) {
    std::lock_guard<std::mutex> lock(*mu);
    for (const ReputationRow& row : r.reputation_rows) {
      seen->rows[{row.bucket_start_ms, static_cast<int>(row.dimension), row.key}] += row.counts;
    }
    seen->events += static_cast<int64_t>(r.events.size());
    ++seen->commits;
    EXPECT_GE(r.duration.count(), 0);
  }));
}

ReputationContractTest::Seen ReputationContractTest::seen() {
  std::lock_guard<std::mutex> lock(*mu_);
  return *seen_;
}

TEST_P(ReputationContractTest, IngestAddsRowsSummedPerBucketDimensionAndKey) {
  ASSERT_TRUE(store().Ingest(Batch("m1", {Event(EventType::kBounce, "a@x.org", kT0 + 10),
                                          Event(EventType::kDelivery, "b@y.org", kT0 + 20)})));
  ASSERT_TRUE(store().Ingest(Batch("m2", {Event(EventType::kBounce, "c@x.org", kT0 + 30),
                                          Event(EventType::kBounce, "d@x.org", kT0 + kHour)})));
  const std::vector<ReputationRow> expected = {
      {kT0, ReputationDimension::kAll, "", ReputationCounts{.deliveries = 1, .bounces = 2,
                                                             .hard_bounces = 2}},
      {kT0, ReputationDimension::kRecipientDomain, "x.org", Bounces(2)},
      {kT0, ReputationDimension::kRecipientDomain, "y.org", Deliveries(1)},
      {kT0 + kHour, ReputationDimension::kAll, "", Bounces(1)},
      {kT0 + kHour, ReputationDimension::kRecipientDomain, "x.org", Bounces(1)},
  };
  EXPECT_EQ(List(store()), expected);
  EXPECT_EQ(List(store(), kT0 + kHour), std::vector<ReputationRow>(expected.begin() + 3,
                                                                    expected.end()));
  EXPECT_EQ(List(store(), kT0 + 2 * kHour), std::vector<ReputationRow>{});
}

TEST_P(ReputationContractTest, DuplicateBatchAddsNoRowsAndIsNotReported) {
  ASSERT_TRUE(store().Ingest(Batch("m1", {Event(EventType::kBounce, "a@x.org", kT0)})));
  auto again = store().Ingest(Batch("m1", {Event(EventType::kBounce, "a@x.org", kT0)}));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, IngestOutcome::kDuplicate);
  auto rows = List(store());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].counts, Bounces(1));
  Seen s = seen();
  EXPECT_EQ(s.events, 1);
  EXPECT_EQ((s.rows[{kT0, 0, ""}]), Bounces(1));
}

TEST_P(ReputationContractTest, ObserverHasSeenTheCommitWhenIngestReturns) {
  ASSERT_TRUE(store().Ingest(Batch("m1", {Event(EventType::kDelivery, "a@x.org", kT0),
                                          Event(EventType::kDelivery, "b@x.org", kT0)})));
  Seen s = seen();
  EXPECT_EQ(s.events, 2);
  EXPECT_EQ((s.rows[{kT0, 0, ""}]), Deliveries(2));
  EXPECT_EQ((s.rows[{kT0, 3, "x.org"}]), Deliveries(2));
}

TEST_P(ReputationContractTest, FailedBatchAddsNoRowsAndIsNotReported) {
  ASSERT_TRUE(store().Ingest(Batch("m1", {Event(EventType::kBounce, "a@x.org", kT0, "EVT1")})));
  // Same event id under another message: the batch fails (kConflict) and must leave no rows.
  auto failed = store().Ingest(Batch("m2", {Event(EventType::kBounce, "z@z.org", kT0),
                                            Event(EventType::kBounce, "b@x.org", kT0, "EVT1")}));
  EXPECT_FALSE(failed);
  const std::vector<ReputationRow> expected = {
      {kT0, ReputationDimension::kAll, "", Bounces(1)},
      {kT0, ReputationDimension::kRecipientDomain, "x.org", Bounces(1)},
  };
  EXPECT_EQ(List(store()), expected);
  Seen s = seen();
  EXPECT_EQ(s.events, 1);
  EXPECT_EQ((s.rows[{kT0, 0, ""}]), Bounces(1));
  EXPECT_EQ(s.rows.count({kT0, 3, "z.org"}), 0u);
}

TEST_P(ReputationContractTest, AddReputationRowsSumsIsReportedAndSurvivesRestart) {
  const ReputationRow reported{kT0, ReputationDimension::kIdentity, "example.com",
                               ReputationCounts{.reported_sends = 500}};
  ASSERT_TRUE(store().AddReputationRows({reported}));
  ASSERT_TRUE(store().AddReputationRows({reported, reported}));
  EXPECT_EQ((seen().rows[{kT0, 1, "example.com"}]), ReputationCounts{.reported_sends = 1500});
  ASSERT_NO_FATAL_FAILURE(Restart());
  const std::vector<ReputationRow> expected = {
      {kT0, ReputationDimension::kIdentity, "example.com",
       ReputationCounts{.reported_sends = 1500}}};
  EXPECT_EQ(List(store()), expected);
  EXPECT_TRUE(store().AddReputationRows({}));
}

TEST_P(ReputationContractTest, SumReputationRowsAddsUpTheBucketsOfEachKey) {
  // Hour 0: x.org bounce x2, y.org delivery; hour 1: x.org bounce, z.org delivery, 9 reported
  // sends for an identity; hour 2: y.org delivery x3.
  ASSERT_TRUE(store().Ingest(Batch("m1", {Event(EventType::kBounce, "a@x.org", kT0 + 10),
                                          Event(EventType::kBounce, "b@x.org", kT0 + 20),
                                          Event(EventType::kDelivery, "c@y.org", kT0 + 30)})));
  ASSERT_TRUE(store().Ingest(Batch("m2", {Event(EventType::kBounce, "d@x.org", kT0 + kHour),
                                          Event(EventType::kDelivery, "e@z.org",
                                                kT0 + kHour + 5)})));
  ASSERT_TRUE(store().Ingest(Batch("m3", {Event(EventType::kDelivery, "f@y.org", kT0 + 2 * kHour),
                                          Event(EventType::kDelivery, "g@y.org", kT0 + 2 * kHour),
                                          Event(EventType::kDelivery, "h@y.org",
                                                kT0 + 2 * kHour)})));
  ASSERT_TRUE(store().AddReputationRows({ReputationRow{kT0 + kHour, ReputationDimension::kIdentity,
                                                       "example.com",
                                                       ReputationCounts{.reported_sends = 9}}}));
  auto sums = store().SumReputationRows(0);
  ASSERT_TRUE(sums) << sums.error().ToString();
  const std::vector<ReputationRow> expected = {
      {kT0 + 2 * kHour, ReputationDimension::kAll, "",
       ReputationCounts{.deliveries = 5, .bounces = 3, .hard_bounces = 3}},
      {kT0 + kHour, ReputationDimension::kIdentity, "example.com",
       ReputationCounts{.reported_sends = 9}},
      {kT0 + kHour, ReputationDimension::kRecipientDomain, "x.org", Bounces(3)},
      {kT0 + 2 * kHour, ReputationDimension::kRecipientDomain, "y.org", Deliveries(4)},
      {kT0 + kHour, ReputationDimension::kRecipientDomain, "z.org", Deliveries(1)},
  };
  EXPECT_EQ(sums->rows, expected);
  EXPECT_EQ(sums->max_keys_per_bucket, 2u);  // hour 0 and hour 1 hold two recipient domains

  // The same as adding up ListReputationRows from the same bucket on.
  sums = store().SumReputationRows(kT0 + kHour);
  ASSERT_TRUE(sums);
  std::map<std::pair<int, std::string>, ReputationCounts> listed;
  for (const ReputationRow& r : List(store(), kT0 + kHour)) {
    listed[{static_cast<int>(r.dimension), r.key}] += r.counts;
  }
  ASSERT_EQ(sums->rows.size(), listed.size());
  for (const ReputationRow& r : sums->rows) {
    EXPECT_EQ((listed[{static_cast<int>(r.dimension), r.key}]), r.counts) << r.key;
  }
  EXPECT_EQ(sums->rows.front().counts,
            (ReputationCounts{.deliveries = 4, .bounces = 1, .hard_bounces = 1}));
  EXPECT_EQ(sums->max_keys_per_bucket, 2u);  // hour 1: x.org and z.org (identity: one key)

  sums = store().SumReputationRows(kT0 + 2 * kHour);
  ASSERT_TRUE(sums);
  EXPECT_EQ(sums->max_keys_per_bucket, 1u);
  sums = store().SumReputationRows(kT0 + 3 * kHour);
  ASSERT_TRUE(sums);
  EXPECT_TRUE(sums->rows.empty());
  EXPECT_EQ(sums->max_keys_per_bucket, 0u);
}

TEST_P(ReputationContractTest, DeleteBeforeRemovesOnlyOlderBuckets) {
  ASSERT_TRUE(store().Ingest(Batch("m1", {Event(EventType::kBounce, "a@x.org", kT0),
                                          Event(EventType::kBounce, "a@x.org", kT0 + kHour),
                                          Event(EventType::kBounce, "a@x.org",
                                                kT0 + 2 * kHour)})));
  auto deleted = store().DeleteReputationRowsBefore(kT0 + kHour);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 2);
  auto rows = List(store());
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.front().bucket_start_ms, kT0 + kHour);
  EXPECT_EQ(rows.back().bucket_start_ms, kT0 + 2 * kHour);
}

TEST_P(ReputationContractTest, CountSuppressedCountsActiveSuppressions) {
  auto n = store().CountSuppressed(kT0);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0);
  std::vector<ManualSuppression> entries;
  for (const char* a : {"one@example.com", "two@example.com"}) {
    auto addr = NormalizeAddress(a);
    ASSERT_TRUE(addr);
    ManualSuppression m;
    m.address = *addr;
    entries.push_back(m);
  }
  ASSERT_TRUE(store().AddSuppressions(entries, AuditInfo{"test", ""}));
  n = store().CountSuppressed(kT0);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  ASSERT_TRUE(store().RemoveSuppression("one@example.com", kT0, AuditInfo{"test", ""}));
  n = store().CountSuppressed(kT0);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
}

}  // namespace bw::store::testing
