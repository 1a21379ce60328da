// SPDX-License-Identifier: Apache-2.0
// The in-memory suppression index: its packed form and hash table, the whole Store contract
// suite with the index on, and the index agreeing with the SQLite table after events, API
// writes, removals, rolled-back writes, expiry and writes by another process.
#include "store/sqlite/suppression_index.h"

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/address.h"
#include "policy/policy.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"
#include "unit/store/store_contract.h"

namespace bw::store::sqlite {
namespace {

using bw::testing::FakeClock;
using bw::testing::TempDir;
using store::testing::StoreBackend;
using store::testing::StoreContractTest;
using store::testing::StoreFactory;
using store::testing::SuppressionContractTest;

// --- The whole contract suite, with the index answering GetSuppression(s).

StoreFactory FreshIndexedWithPolicy(SuppressionPolicy policy) {
  auto dir = std::make_shared<TempDir>();
  return [dir, policy]() -> std::unique_ptr<Store> {
    SqliteOptions o;
    o.path = (dir->path() / "bw.db").string();
    o.suppression_policy = policy;
    o.suppression_index = true;
    auto s = OpenSqliteStore(o, SystemClock::Instance());
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  };
}

StoreFactory FreshIndexed() { return FreshIndexedWithPolicy(nullptr); }

INSTANTIATE_TEST_SUITE_P(SqliteIndexed, StoreContractTest,
                         ::testing::Values(StoreBackend{"SqliteIndexed", &FreshIndexed,
                                                        &FreshIndexedWithPolicy}),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(SqliteIndexed, SuppressionContractTest,
                         ::testing::Values(StoreBackend{"SqliteIndexed", &FreshIndexed,
                                                        &FreshIndexedWithPolicy}),
                         [](const auto& info) { return info.param.name; });

// --- The packed form and the table.

SuppressionState Sample(const std::string& key) {
  SuppressionState s;
  s.address_key = key;
  s.address = key;
  s.suppressed = true;
  s.reason = SuppressionReason::kImport;
  s.detail = "ses_bounce";
  s.first_seen_ms = 1796083200000;
  s.last_seen_ms = 1796083200001;
  s.suppressed_at_ms = 1796083200000;
  return s;
}

TEST(SuppressionIndexTest, PackedFormKeepsEveryField) {
  SuppressionState s;
  s.address_key = "jane@example.com";
  s.address = "Jane@example.com";
  s.suppressed = true;
  s.reason = SuppressionReason::kBounce;
  s.detail = "soft_bounce_limit";
  s.hard_bounces = 1;
  s.soft_bounces = 300;
  s.complaints = 2;
  s.recent_soft_ms = {1, 1796083200000, -5};
  s.first_seen_ms = 10;
  s.last_seen_ms = 20;
  s.suppressed_at_ms = 30;
  s.expires_at_ms = 1796083200000 + 14LL * 86400000;
  s.note = std::string("note with \0 and UTF-8 \xc3\xa9", 24);
  s.event_ids = {"01A", "01B", std::string(40, 'x')};
  auto back = UnpackSuppressionState(PackSuppressionState(s));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->address_key, s.address_key);
  EXPECT_EQ(back->address, s.address);
  EXPECT_EQ(back->suppressed, s.suppressed);
  EXPECT_EQ(back->reason, s.reason);
  EXPECT_EQ(back->detail, s.detail);
  EXPECT_EQ(back->hard_bounces, 1);
  EXPECT_EQ(back->soft_bounces, 300);
  EXPECT_EQ(back->complaints, 2);
  EXPECT_EQ(back->recent_soft_ms, s.recent_soft_ms);
  EXPECT_EQ(back->first_seen_ms, 10);
  EXPECT_EQ(back->last_seen_ms, 20);
  EXPECT_EQ(back->suppressed_at_ms, 30);
  EXPECT_EQ(back->expires_at_ms, s.expires_at_ms);
  EXPECT_EQ(back->note, s.note);
  EXPECT_EQ(back->event_ids, s.event_ids);
  // Truncated input is refused, never read past.
  std::string packed = PackSuppressionState(s);
  EXPECT_FALSE(UnpackSuppressionState(std::string_view(packed).substr(0, packed.size() - 3)));
}

TEST(SuppressionIndexTest, BriefDecoderAgreesWithTheFullOneAndRefusesBadReasons) {
  SuppressionState s;
  s.address_key = "a@b.example";
  s.address = "A@b.example";
  s.suppressed = true;
  s.reason = SuppressionReason::kComplaint;
  s.detail = "complaint";
  s.recent_soft_ms = {5, 6};
  s.expires_at_ms = 1796083200000;
  std::string packed = PackSuppressionState(s);
  SuppressionBrief brief;
  ASSERT_TRUE(ReadSuppressionBrief(packed, &brief));
  EXPECT_TRUE(brief.suppressed);
  EXPECT_EQ(brief.reason, SuppressionReason::kComplaint);
  EXPECT_EQ(brief.detail, "complaint");
  EXPECT_EQ(brief.expires_at_ms, s.expires_at_ms);
  // The reason byte follows the key, the flags and the (different) address.
  size_t reason_at = 1 + s.address_key.size() + 1 + 1 + s.address.size();
  ASSERT_EQ(packed[reason_at], static_cast<char>(SuppressionReason::kComplaint));
  packed[reason_at] = 9;
  EXPECT_FALSE(ReadSuppressionBrief(packed, &brief));
  EXPECT_FALSE(UnpackSuppressionState(packed));
  // A record cut inside the brief fields is refused.
  EXPECT_FALSE(ReadSuppressionBrief(std::string_view(packed).substr(0, reason_at), &brief));
}

TEST(SuppressionIndexTest, AgreesWithAMapUnderRandomPutsAndErases) {
  SuppressionIndex index;
  std::map<std::string, int64_t> model;  // key -> last_seen_ms of the stored state
  std::mt19937 rnd(7);
  for (int step = 0; step < 60000; ++step) {
    std::string key = "u" + std::to_string(rnd() % 5000) + "@d.example";
    int op = static_cast<int>(rnd() % 3);
    if (op < 2) {
      SuppressionState s = Sample(key);
      s.last_seen_ms = step;
      index.Apply({SuppressionIndex::Change::Put(s)});
      model[key] = step;
    } else {
      index.Apply({SuppressionIndex::Change::Erase(key)});
      model.erase(key);
    }
  }
  EXPECT_EQ(index.size(), model.size());
  for (int i = 0; i < 5000; ++i) {
    std::string key = "u" + std::to_string(i) + "@d.example";
    auto got = index.Get(key);
    auto it = model.find(key);
    ASSERT_EQ(got.has_value(), it != model.end()) << key;
    if (got) {
      EXPECT_EQ(got->last_seen_ms, it->second) << key;
      SuppressionBrief brief;
      ASSERT_TRUE(index.GetBrief(key, &brief));
      EXPECT_TRUE(brief.suppressed);
      EXPECT_EQ(brief.detail, "ses_bounce");
    }
  }
  EXPECT_GT(index.memory_bytes(), index.size() * 30);

  // The batch lookup (pipelined) answers each key as GetBrief does, in order, for batches
  // shorter and longer than its prefetch distance, with repeated keys.
  for (size_t n : {0, 1, 7, 20, 6000}) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; ++i) {
      keys.push_back("u" + std::to_string((i * 7919) % 5003) + "@d.example");
    }
    std::vector<std::optional<SuppressionBrief>> briefs;
    index.GetBriefs(keys, &briefs);
    ASSERT_EQ(briefs.size(), n);
    for (size_t i = 0; i < n; ++i) {
      SuppressionBrief one;
      bool found = index.GetBrief(keys[i], &one);
      ASSERT_EQ(briefs[i].has_value(), found) << keys[i];
      ASSERT_EQ(found, model.count(keys[i]) == 1) << keys[i];
      if (found) {
        EXPECT_EQ(briefs[i]->detail, one.detail);
        EXPECT_EQ(briefs[i]->suppressed, one.suppressed);
      }
    }
  }
}

TEST(SuppressionIndexTest, ReplaceAllKeepsTheOldContentsWhenFillingFails) {
  SuppressionIndex index;
  index.Apply({SuppressionIndex::Change::Put(Sample("a@x.org"))});
  Status failed = index.ReplaceAll([](const SuppressionIndex::Sink& sink) -> Status {
    sink(Sample("b@x.org"));
    return Unavailable("disk gone");
  });
  EXPECT_FALSE(failed);
  EXPECT_TRUE(index.Get("a@x.org"));
  EXPECT_FALSE(index.Get("b@x.org"));
  ASSERT_TRUE(index.ReplaceAll([](const SuppressionIndex::Sink& sink) -> Status {
    sink(Sample("b@x.org"));
    return {};
  }));
  EXPECT_FALSE(index.Get("a@x.org"));
  EXPECT_TRUE(index.Get("b@x.org"));
}

// --- The index against the table, through a real SQLite file.

class IndexConsistencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.SetNowForTest("2026-11-30T00:00:00Z");
    path_ = (dir_.path() / "bw.db").string();
    SqliteOptions o;
    o.path = path_;
    o.suppression_index = true;
    o.index_poll = std::chrono::milliseconds(10);
    o.suppression_policy = [](const std::optional<SuppressionState>& current,
                              const FeedbackEvent& e, const NormalizedAddress& a, TimePoint now) {
      return policy::Decide(policy::PolicyConfig{}, current, e, a.key, a.display, now);
    };
    auto s = SqliteStore::Open(o, clock_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    indexed_ = std::move(*s);
  }

  // A second store on the same file, as another process (the CLI) opens it: no index.
  std::unique_ptr<SqliteStore> Other(bool read_only = false) {
    SqliteOptions o;
    o.path = path_;
    o.read_only = read_only;
    auto s = SqliteStore::Open(o, clock_);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  }

  // GetSuppression from the index and from SQLite agree on `key` (also on expiry at now).
  void ExpectAgree(const std::string& key) {
    auto table = Other(/*read_only=*/true);
    ASSERT_TRUE(table);
    auto from_index = indexed_->GetSuppression(key);
    auto from_table = table->GetSuppression(key);
    ASSERT_EQ(from_index.has_value(), from_table.has_value()) << key;
    if (!from_index) {
      EXPECT_EQ(from_index.error().code(), Code::kNotFound);
      return;
    }
    const int64_t now = ToUnixMs(clock_.Now());
    EXPECT_EQ(IsSuppressedAt(*from_index, now), IsSuppressedAt(*from_table, now)) << key;
    EXPECT_EQ(PackSuppressionState(*from_index), PackSuppressionState(*from_table)) << key;
    auto many = indexed_->GetSuppressions({key, "nobody@example.org"});
    ASSERT_TRUE(many.has_value());
    ASSERT_EQ(many->size(), 1u);
    EXPECT_EQ(PackSuppressionState(many->front()), PackSuppressionState(*from_table));
  }

  // Waits (up to 5 s) until the index says `present` for key.
  bool WaitFor(const std::string& key, bool present) {
    for (int i = 0; i < 500; ++i) {
      if (indexed_->GetSuppression(key).has_value() == present) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  IngestBatch Bounce(const std::string& dedup, const std::string& recipient,
                     BounceClass cls = BounceClass::kHard) {
    IngestBatch b;
    b.source = "test";
    b.dedup_key = dedup;
    b.kind = "Notification";
    b.raw = "{}";
    FeedbackEvent e;
    e.type = EventType::kBounce;
    e.recipient = recipient;
    e.occurred_at_ms = ToUnixMs(clock_.Now());
    e.source = "ses";
    e.bounce.emplace();
    e.bounce->bounce_class = cls;
    b.events.push_back(e);
    return b;
  }

  FakeClock clock_;
  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> indexed_;
};

TEST_F(IndexConsistencyTest, EventsApiWritesRemovalAndExpiryAgreeWithTheTable) {
  ASSERT_TRUE(indexed_->Ingest(Bounce("m1", "Hard@Example.com")).has_value());
  ExpectAgree("hard@example.com");
  EXPECT_TRUE(indexed_->GetSuppression("hard@example.com").has_value());

  // Soft bounces: counted without suppressing, then suppressed with an expiry.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(std::chrono::hours(1));
    ASSERT_TRUE(indexed_->Ingest(Bounce("s" + std::to_string(i), "soft@example.com",
                                        BounceClass::kSoft))
                    .has_value());
    ExpectAgree("soft@example.com");
  }
  auto soft = indexed_->GetSuppression("soft@example.com");
  ASSERT_TRUE(soft.has_value());
  EXPECT_TRUE(IsSuppressedAt(*soft, ToUnixMs(clock_.Now())));
  EXPECT_NE(soft->expires_at_ms, 0);
  clock_.Advance(std::chrono::hours(24 * 15));
  ExpectAgree("soft@example.com");
  soft = indexed_->GetSuppression("soft@example.com");
  ASSERT_TRUE(soft.has_value());
  EXPECT_FALSE(IsSuppressedAt(*soft, ToUnixMs(clock_.Now()))) << "expired by the fake clock";

  // Operator writes through this store.
  auto manual = NormalizeAddress("Ops@Example.org");
  ASSERT_TRUE(manual.has_value());
  ASSERT_TRUE(indexed_->AddSuppressions({{*manual, SuppressionReason::kManual, "by hand", ""}},
                                        {"test", ""}));
  ExpectAgree("ops@example.org");
  ASSERT_TRUE(indexed_->RemoveSuppression("ops@example.org", ToUnixMs(clock_.Now()), {"t", ""}));
  EXPECT_EQ(indexed_->GetSuppression("ops@example.org").error().code(), Code::kNotFound);
  ExpectAgree("ops@example.org");
  ASSERT_TRUE(indexed_->RemoveSuppression("hard@example.com", ToUnixMs(clock_.Now()), {"t", ""}));
  ExpectAgree("hard@example.com");

  // A bulk import (one "reload" log row) through this store, then a rebuild.
  std::vector<ManualSuppression> many;
  for (int i = 0; i < 2500; ++i) {
    auto a = NormalizeAddress("bulk" + std::to_string(i) + "@example.net");
    ASSERT_TRUE(a.has_value());
    many.push_back({*a, SuppressionReason::kImport, "", "ses_bounce"});
  }
  auto imported = indexed_->AddSuppressions(many, {"test", "import"});
  ASSERT_TRUE(imported) << imported.error().ToString();
  ExpectAgree("bulk0@example.net");
  ExpectAgree("bulk2499@example.net");
  EXPECT_EQ(indexed_->suppression_index()->size(), 2501u);  // soft and bulk; hard, ops removed
  auto kept = indexed_->GetSuppression("bulk7@example.net");
  ASSERT_TRUE(kept.has_value());
  ASSERT_TRUE(indexed_->ReplaceSuppressions({*kept}, {"rebuild", ""}));
  ExpectAgree("bulk7@example.net");
  ExpectAgree("bulk8@example.net");
  EXPECT_EQ(indexed_->suppression_index()->size(), 1u);
}

TEST_F(IndexConsistencyTest, AWriteThatFailsAloneLeavesTheIndexAlone) {
  // Two events with one id: the second insert fails, the batch is rolled back alone, and the
  // suppression its first event caused must not reach the index.
  IngestBatch b = Bounce("dup", "rolled@example.com");
  b.events[0].id = "01JDUPLICATEID0000000000000";
  b.events.push_back(b.events[0]);
  auto r = indexed_->Ingest(b);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(indexed_->GetSuppression("rolled@example.com").error().code(), Code::kNotFound);
  ExpectAgree("rolled@example.com");
  // The next write still works and is seen.
  ASSERT_TRUE(indexed_->Ingest(Bounce("ok", "rolled@example.com")).has_value());
  ExpectAgree("rolled@example.com");
}

TEST_F(IndexConsistencyTest, WritesByAnotherProcessReachTheIndex) {
  auto cli = Other();
  ASSERT_TRUE(cli);
  auto a = NormalizeAddress("cli@example.com");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(cli->AddSuppressions({{*a, SuppressionReason::kManual, "", ""}}, {"cli", ""}));
  ASSERT_TRUE(WaitFor("cli@example.com", true)) << "an idle server polls the change log";
  ExpectAgree("cli@example.com");
  ASSERT_TRUE(cli->RemoveSuppression("cli@example.com", ToUnixMs(clock_.Now()), {"cli", ""}));
  ASSERT_TRUE(WaitFor("cli@example.com", false));

  // A bulk import elsewhere is one "reload everything" row.
  std::vector<ManualSuppression> many;
  for (int i = 0; i < 1500; ++i) {
    auto m = NormalizeAddress("other" + std::to_string(i) + "@example.net");
    ASSERT_TRUE(m.has_value());
    many.push_back({*m, SuppressionReason::kImport, "", ""});
  }
  auto imported = cli->AddSuppressions(many, {"cli", "import"});
  ASSERT_TRUE(imported) << imported.error().ToString();
  ASSERT_TRUE(WaitFor("other1499@example.net", true));
  ExpectAgree("other0@example.net");
  EXPECT_EQ(indexed_->suppression_index()->size(), 1500u);

  // Changes made while this store writes too: each is applied before its next write group.
  ASSERT_TRUE(cli->RemoveSuppression("other3@example.net", ToUnixMs(clock_.Now()), {"c", ""}));
  ASSERT_TRUE(indexed_->Ingest(Bounce("own", "own@example.com")).has_value());
  EXPECT_FALSE(indexed_->GetSuppression("other3@example.net").has_value());
  ExpectAgree("own@example.com");

  // A store opened later loads what is there.
  indexed_.reset();
  SqliteOptions o;
  o.path = path_;
  o.suppression_index = true;
  auto reopened = SqliteStore::Open(o, clock_);
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ((*reopened)->suppression_index()->size(), 1500u);  // 1500 - other3 + own
}

}  // namespace
}  // namespace bw::store::sqlite
