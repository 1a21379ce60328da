// SPDX-License-Identifier: Apache-2.0
// The suppression list and API token part of the Store contract.
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "store/suppression_import.h"
#include "unit/store/store_contract.h"

namespace bw::store::testing {

void SuppressionContractTest::SetUp() {
  clock_ = std::make_shared<bw::testing::FakeClock>();
  if (!GetParam().fresh_with_policy) {
    GTEST_SKIP() << GetParam().name << " has no policy factory";
  }
  std::shared_ptr<bw::testing::FakeClock> clock = clock_;
  SuppressionPolicy policy = [clock](const std::optional<SuppressionState>& current,
                                     const FeedbackEvent& e, const NormalizedAddress& a,
                                     TimePoint) {
    return policy::Decide(policy::PolicyConfig{}, current, e, a.key, a.display, clock->Now());
  };
  Open(GetParam().fresh_with_policy(policy));
}

namespace {

using std::chrono::hours;

FeedbackEvent Bounce(std::string recipient, BounceClass cls, int64_t at_ms) {
  FeedbackEvent e;
  e.type = EventType::kBounce;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = at_ms;
  e.source = "ses";
  BounceInfo b;
  b.bounce_class = cls;
  e.bounce = b;
  return e;
}

FeedbackEvent Other(EventType type, std::string recipient, int64_t at_ms) {
  FeedbackEvent e;
  e.type = type;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = at_ms;
  e.source = "ses";
  if (type == EventType::kComplaint) {
    e.complaint = ComplaintInfo{};
  }
  return e;
}

NormalizedAddress Addr(std::string_view s) { return *NormalizeAddress(s); }

class SuppressionContractHelpers {};

}  // namespace

#define BW_INGEST_OK(store, batch)                              \
  do {                                                          \
    auto r_ = (store).Ingest(batch);                            \
    ASSERT_TRUE(r_.has_value()) << r_.error().ToString();       \
  } while (0)

TEST_P(SuppressionContractTest, HardBounceSuppressesInTheIngestTransaction) {
  int64_t now = ToUnixMs(clock_->Now());
  IngestBatch b = SnsBatch({Bounce("  Jane <Jane@EXAMPLE.com>", BounceClass::kHard, now)});
  BW_INGEST_OK(store(), b);
  auto s = store().GetSuppression("jane@example.com");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_TRUE(IsSuppressedAt(*s, now));
  EXPECT_EQ(s->address, "Jane@example.com");
  EXPECT_EQ(s->reason, SuppressionReason::kBounce);
  EXPECT_EQ(s->detail, "hard_bounce");
  EXPECT_EQ(s->hard_bounces, 1);
  ASSERT_EQ(s->event_ids.size(), 1u);
  auto events = store().QueryEvents(EventQuery{});
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(s->event_ids[0], (*events)[0].id);

  auto audit = store().ListSuppressionAudit("jane@example.com", 10);
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "suppress");
  EXPECT_EQ((*audit)[0].actor, "policy");
  EXPECT_EQ((*audit)[0].event_id, (*events)[0].id);
}

TEST_P(SuppressionContractTest, DuplicateBatchDoesNotCountTwice) {
  int64_t now = ToUnixMs(clock_->Now());
  BW_INGEST_OK(store(), SnsBatch({Bounce("a@x.org", BounceClass::kSoft, now)}, "same"));
  auto r = store().Ingest(SnsBatch({Bounce("a@x.org", BounceClass::kSoft, now)}, "same"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, IngestOutcome::kDuplicate);
  auto s = store().GetSuppression("a@x.org");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->soft_bounces, 1);
  EXPECT_FALSE(s->suppressed);
}

TEST_P(SuppressionContractTest, FailedBatchLeavesNoSuppression) {
  int64_t now = ToUnixMs(clock_->Now());
  FeedbackEvent first = Bounce("first@x.org", BounceClass::kHard, now);
  first.id = "01KB0000000000000000000001";
  BW_INGEST_OK(store(), SnsBatch({first}));
  // Same event id again: the batch fails, and the hard bounce of b@x.org inside it must not
  // have suppressed anything.
  FeedbackEvent dup = first;
  auto r = store().Ingest(SnsBatch({Bounce("b@x.org", BounceClass::kHard, now), dup}));
  ASSERT_FALSE(r.has_value());
  auto s = store().GetSuppression("b@x.org");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kNotFound);
}

TEST_P(SuppressionContractTest, SoftBouncesNeedTheLimitAndDeliveryResets) {
  auto t = [&] { return ToUnixMs(clock_->Now()); };
  BW_INGEST_OK(store(), SnsBatch({Bounce("s@x.org", BounceClass::kSoft, t())}));
  clock_->Advance(hours(1));
  BW_INGEST_OK(store(), SnsBatch({Bounce("s@x.org", BounceClass::kSoft, t())}));
  clock_->Advance(hours(1));
  BW_INGEST_OK(store(), SnsBatch({Other(EventType::kDelivery, "S@x.org", t())}));
  clock_->Advance(hours(1));
  BW_INGEST_OK(store(), SnsBatch({Bounce("s@x.org", BounceClass::kSoft, t())}));
  auto s = store().GetSuppression("s@x.org");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->suppressed);
  EXPECT_EQ(s->recent_soft_ms.size(), 1u);
  // Two more in one batch: the policy sees the first one's write.
  clock_->Advance(hours(1));
  BW_INGEST_OK(store(), SnsBatch({Bounce("s@x.org", BounceClass::kSoft, t()),
                               Bounce("s@x.org", BounceClass::kUndetermined, t())}));
  s = store().GetSuppression("s@x.org");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(IsSuppressedAt(*s, t()));
  EXPECT_EQ(s->expires_at_ms, t() + 14 * 24 * 3600 * 1000LL);
  EXPECT_EQ(s->soft_bounces, 5);
  EXPECT_EQ(s->recent_soft_ms.size(), 3u);
  // Expired entries are not listed.
  SuppressionQuery q;
  q.active_at_ms = s->expires_at_ms - 1;
  EXPECT_EQ(store().ListSuppressions(q)->size(), 1u);
  q.active_at_ms = s->expires_at_ms;
  EXPECT_TRUE(store().ListSuppressions(q)->empty());
}

TEST_P(SuppressionContractTest, ComplaintSuppressesAndInvalidRecipientIsStoredOnly) {
  int64_t now = ToUnixMs(clock_->Now());
  BW_INGEST_OK(store(), SnsBatch({Other(EventType::kComplaint, "c@x.org", now),
                               Bounce("not an address", BounceClass::kHard, now)}));
  auto s = store().GetSuppression("c@x.org");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->reason, SuppressionReason::kComplaint);
  EXPECT_EQ(store().QueryEvents(EventQuery{})->size(), 2u);
  SuppressionQuery q;
  q.active_at_ms = now;
  EXPECT_EQ(store().ListSuppressions(q)->size(), 1u);
}

TEST_P(SuppressionContractTest, ManualAddRemoveAndAudit) {
  int64_t now = ToUnixMs(clock_->Now());
  ASSERT_TRUE(store()
                  .AddSuppressions({{Addr("Bob@Example.com"), SuppressionReason::kManual,
                                     "asked by phone", ""}},
                                   {"cli", ""})
                  .has_value());
  auto s = store().GetSuppression("bob@example.com");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->suppressed);
  EXPECT_EQ(s->reason, SuppressionReason::kManual);
  EXPECT_EQ(s->note, "asked by phone");
  EXPECT_EQ(s->expires_at_ms, 0);

  AuditInfo who{"api:ops", "cleanup"};
  ASSERT_TRUE(store().RemoveSuppression("bob@example.com", now, who).has_value());
  EXPECT_EQ(store().GetSuppression("bob@example.com").error().code(), Code::kNotFound);
  auto again = store().RemoveSuppression("bob@example.com", now, who);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kNotFound);

  auto audit = store().ListSuppressionAudit("bob@example.com", 10);
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "remove");
  EXPECT_EQ((*audit)[0].actor, "api:ops");
  EXPECT_EQ((*audit)[0].note, "cleanup");
  EXPECT_EQ((*audit)[0].reason, "manual");
  EXPECT_EQ((*audit)[1].action, "add");
  EXPECT_EQ((*audit)[1].note, "asked by phone");
}

TEST_P(SuppressionContractTest, ManualAddKeepsHistoryAndOverridesSoftExpiry) {
  int64_t now = ToUnixMs(clock_->Now());
  for (int i = 0; i < 3; ++i) {
    BW_INGEST_OK(store(), SnsBatch({Bounce("h@x.org", BounceClass::kSoft, now)}));
  }
  ASSERT_TRUE(
      store().AddSuppressions({{Addr("h@x.org"), SuppressionReason::kManual, "", ""}}, {"cli", ""}));
  auto s = store().GetSuppression("h@x.org");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->soft_bounces, 3);
  EXPECT_EQ(s->expires_at_ms, 0);
  EXPECT_EQ(s->reason, SuppressionReason::kManual);
}

TEST_P(SuppressionContractTest, RemoveOfExpiredEntryIsNotFound) {
  int64_t now = ToUnixMs(clock_->Now());
  for (int i = 0; i < 3; ++i) {
    BW_INGEST_OK(store(), SnsBatch({Bounce("e@x.org", BounceClass::kSoft, now)}));
  }
  auto s = store().GetSuppression("e@x.org");
  ASSERT_TRUE(s.has_value());
  auto r = store().RemoveSuppression("e@x.org", s->expires_at_ms, {"cli", ""});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_TRUE(store().GetSuppression("e@x.org").has_value());  // nothing changed
}

TEST_P(SuppressionContractTest, ImportIsAllOrNothing) {
  std::vector<ManualSuppression> entries = {
      {Addr("i1@x.org"), SuppressionReason::kImport, "", ""},
      {NormalizedAddress{}, SuppressionReason::kImport, "", ""},  // invalid: empty key
  };
  auto r = store().AddSuppressions(entries, {"cli", ""});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_EQ(store().GetSuppression("i1@x.org").error().code(), Code::kNotFound);
  entries.pop_back();
  ASSERT_TRUE(store().AddSuppressions(entries, {"cli", ""}).has_value());
  EXPECT_EQ(store().GetSuppression("i1@x.org")->reason, SuppressionReason::kImport);
  EXPECT_EQ(store().ListSuppressionAudit("i1@x.org", 5)->at(0).action, "import");
}

namespace {

// Store::ImportSuppressions pulls batches (store/suppression_import.h); this source gives
// fixed ones, then optionally an error instead of the end.
class FixedBatches final : public SuppressionBatchSource {
 public:
  FixedBatches(std::vector<std::vector<ManualSuppression>> batches, std::optional<Error> end)
      : batches_(std::move(batches)), end_(std::move(end)) {}
  Result<std::vector<ManualSuppression>> Next() override {
    if (next_ < batches_.size()) {
      return batches_[next_++];
    }
    if (end_) {
      return *end_;
    }
    return std::vector<ManualSuppression>();
  }
  size_t pulled() const { return next_; }

 private:
  std::vector<std::vector<ManualSuppression>> batches_;
  std::optional<Error> end_;
  size_t next_ = 0;
};

std::vector<ManualSuppression> ImportBatch(int from, int to, std::string detail = "ses_bounce") {
  std::vector<ManualSuppression> out;
  for (int i = to - 1; i >= from; --i) {  // not in key order
    out.push_back({Addr("s" + std::to_string(i) + "@x.org"), SuppressionReason::kImport, "",
                   detail});
  }
  return out;
}

}  // namespace

// A streamed import in several batches is one import: merged with what is stored, the last
// entry for an address wins also across batches, one audit set counting every entry.
TEST_P(SuppressionContractTest, StreamedImportInBatchesIsOneImport) {
  ASSERT_TRUE(store()
                  .AddSuppressions({{Addr("s5@x.org"), SuppressionReason::kManual, "earlier", ""}},
                                   {"cli", ""})
                  .has_value());
  const int64_t manual_since = store().GetSuppression("s5@x.org")->suppressed_at_ms;
  clock_->Advance(hours(1));
  FixedBatches source({ImportBatch(0, 1500), ImportBatch(1500, 3000),
                       ImportBatch(1000, 1001, "ses_complaint")},
                      std::nullopt);
  auto n = store().ImportSuppressions(source, {"api:ops", "import"});
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 3001u);
  EXPECT_EQ(source.pulled(), 3u);
  EXPECT_EQ(store().GetSuppression("s1000@x.org")->detail, "ses_complaint");  // the last batch
  EXPECT_EQ(store().GetSuppression("s2999@x.org")->reason, SuppressionReason::kImport);
  auto merged = store().GetSuppression("s5@x.org");
  EXPECT_EQ(merged->reason, SuppressionReason::kImport);
  EXPECT_EQ(merged->suppressed_at_ms, manual_since);  // suppressed since the manual add
  for (std::string key : {"s0@x.org", "s1499@x.org", "s1500@x.org", "s2999@x.org"}) {
    auto audit = store().ListSuppressionAudit(key, 10);
    ASSERT_TRUE(audit.has_value()) << key;
    ASSERT_EQ(audit->size(), 1u) << key;
    EXPECT_EQ((*audit)[0].action, "import");
    EXPECT_EQ((*audit)[0].actor, "api:ops");
  }
  EXPECT_EQ(store().ListSuppressionAudit("s1000@x.org", 10)->size(), 2u);
  auto all = store().ListSuppressionAudit("", 5000);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(std::count_if(all->begin(), all->end(),
                          [](const SuppressionAuditEntry& a) { return a.action == "import"; }),
            3001);
}

// An error from the source after batches were written (an invalid line late in a large body)
// leaves nothing of the import: not the rows, not the audit.
TEST_P(SuppressionContractTest, StreamedImportErrorStoresNothing) {
  FixedBatches source({ImportBatch(0, 1500), ImportBatch(1500, 3000)},
                      InvalidInput("the import has invalid lines"));
  auto n = store().ImportSuppressions(source, {"cli", ""});
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code(), Code::kInvalidInput);
  EXPECT_EQ(source.pulled(), 2u);
  EXPECT_EQ(store().GetSuppression("s0@x.org").error().code(), Code::kNotFound);
  EXPECT_EQ(store().GetSuppression("s2999@x.org").error().code(), Code::kNotFound);
  EXPECT_TRUE(store().ListSuppressionAudit("", 10)->empty());
  // A small import (one batch, logged per address) and an empty one.
  FixedBatches small({ImportBatch(0, 3)}, std::nullopt);
  EXPECT_EQ(store().ImportSuppressions(small, {"cli", ""}).value(), 3u);
  EXPECT_EQ(store().GetSuppression("s2@x.org")->reason, SuppressionReason::kImport);
  FixedBatches none({}, std::nullopt);
  EXPECT_EQ(store().ImportSuppressions(none, {"cli", ""}).value(), 0u);
  EXPECT_EQ(store().ListSuppressionAudit("", 10)->size(), 3u);
}

// The whole stream: text parsed on a second thread in batches of 1,000 while the store writes;
// an invalid line near the end imports nothing (and every invalid line is reported); with
// skip_invalid the rest is imported.
TEST_P(SuppressionContractTest, ImportSuppressionStreamIsAllOrNothing) {
  std::string csv = "EmailAddress,Reason\n";
  for (int i = 0; i < 5000; ++i) {
    csv += "t" + std::to_string(i) + "@x.org," + (i % 10 == 0 ? "COMPLAINT" : "BOUNCE") + "\n";
  }
  std::string bad = csv + "not an address\nlast@x.org,MAYBE\n";
  ImportOptions options;
  options.batch_size = 1000;
  auto report = ImportSuppressionStream(store(), ImportTextReader(bad, 777), options,
                                        {"cli", ""});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_FALSE(report->stored);
  ASSERT_EQ(report->invalid.size(), 2u);
  EXPECT_EQ(report->invalid[0].first, 5002u);
  EXPECT_EQ(report->invalid[1].first, 5003u);
  EXPECT_EQ(store().GetSuppression("t0@x.org").error().code(), Code::kNotFound);
  EXPECT_TRUE(store().ListSuppressionAudit("", 10)->empty());

  options.skip_invalid = true;
  report = ImportSuppressionStream(store(), ImportTextReader(bad, 777), options, {"cli", ""});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_TRUE(report->stored);
  EXPECT_EQ(report->imported, 5000u);
  EXPECT_EQ(report->invalid.size(), 2u);
  EXPECT_EQ(store().GetSuppression("t4999@x.org")->detail, "ses_bounce");
  EXPECT_EQ(store().GetSuppression("t10@x.org")->detail, "ses_complaint");

  // A reader's error: nothing stored, the error returned.
  options.skip_invalid = false;
  int calls = 0;
  ImportReader failing = [&]() -> Result<std::string_view> {
    if (++calls > 3) {
      return Error(Code::kInternal, "disk on fire");
    }
    return std::string_view("late@x.org\nlater@x.org\n");
  };
  auto failed = ImportSuppressionStream(store(), failing, options, {"cli", ""});
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message(), "disk on fire");
  EXPECT_EQ(store().GetSuppression("late@x.org").error().code(), Code::kNotFound);
}

// A large import (more entries than one audit set part, store/sqlite/audit_set.h) into a list
// that already holds some of its addresses: existing state is merged, not replaced; every
// imported address has its "import" audit entry (with its own note where it has one), also
// after later entries for it; a repeated address is imported once per line, the last wins.
TEST_P(SuppressionContractTest, LargeImportMergesAndAuditsEveryAddress) {
  int64_t now = ToUnixMs(clock_->Now());
  for (int i = 0; i < 3; ++i) {
    BW_INGEST_OK(store(), SnsBatch({Bounce("u40000@x.org", BounceClass::kSoft, now)}));
  }
  ASSERT_TRUE(store()
                  .AddSuppressions({{Addr("u12@x.org"), SuppressionReason::kManual, "earlier", ""}},
                                   {"cli", ""})
                  .has_value());
  auto before = store().GetSuppression("u12@x.org");
  ASSERT_TRUE(before.has_value());
  const int64_t soft_first_seen = store().GetSuppression("u40000@x.org")->first_seen_ms;
  clock_->Advance(hours(1));
  constexpr int kCount = 70000;
  std::vector<ManualSuppression> entries;
  for (int i = kCount - 1; i >= 0; --i) {  // not in key order
    entries.push_back({Addr("u" + std::to_string(i) + "@x.org"), SuppressionReason::kImport,
                       i == 65000 ? "line note" : "", "ses_bounce"});
  }
  entries.push_back({Addr("U7@x.org"), SuppressionReason::kImport, "", "ses_complaint"});
  ASSERT_TRUE(store().AddSuppressions(entries, {"api:ops", "import"}).has_value());

  auto kept = store().GetSuppression("u40000@x.org");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->reason, SuppressionReason::kImport);
  EXPECT_EQ(kept->soft_bounces, 3);  // history kept
  EXPECT_EQ(kept->first_seen_ms, soft_first_seen);
  auto manual = store().GetSuppression("u12@x.org");
  ASSERT_TRUE(manual.has_value());
  EXPECT_EQ(manual->reason, SuppressionReason::kImport);
  EXPECT_EQ(manual->suppressed_at_ms, before->suppressed_at_ms);  // since the manual add
  EXPECT_EQ(manual->first_seen_ms, before->first_seen_ms);
  auto fresh = store().GetSuppression("u69999@x.org");
  ASSERT_TRUE(fresh.has_value());
  const int64_t later = fresh->first_seen_ms;
  EXPECT_GE(later, before->first_seen_ms);
  auto repeated = store().GetSuppression("u7@x.org");
  ASSERT_TRUE(repeated.has_value());
  EXPECT_EQ(repeated->detail, "ses_complaint");  // the later line
  EXPECT_EQ(repeated->address, "U7@x.org");

  for (std::string key : {"u0@x.org", "u40000@x.org", "u69999@x.org", "u9@x.org"}) {
    auto audit = store().ListSuppressionAudit(key, 10);
    ASSERT_TRUE(audit.has_value()) << key;
    ASSERT_GE(audit->size(), 1u) << key;
    EXPECT_EQ((*audit)[0].action, "import") << key;
    EXPECT_EQ((*audit)[0].address_key, key);
    EXPECT_EQ((*audit)[0].actor, "api:ops");
    EXPECT_EQ((*audit)[0].note, "import");
    EXPECT_EQ((*audit)[0].at_ms, later);
  }
  EXPECT_EQ(store().ListSuppressionAudit("u65000@x.org", 10)->at(0).note, "line note");
  auto twice = store().ListSuppressionAudit("u7@x.org", 10);
  ASSERT_EQ(twice->size(), 2u);
  EXPECT_EQ((std::set<std::string>{(*twice)[0].address, (*twice)[1].address}),
            (std::set<std::string>{"u7@x.org", "U7@x.org"}));
  auto both = store().ListSuppressionAudit("u12@x.org", 10);
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].action, "import");
  EXPECT_EQ((*both)[1].action, "add");
  EXPECT_TRUE(store().ListSuppressionAudit("u70000@x.org", 10)->empty());

  ASSERT_TRUE(store().RemoveSuppression("u69999@x.org", later, {"cli", "gone"}).has_value());
  auto removed = store().ListSuppressionAudit("u69999@x.org", 10);
  ASSERT_EQ(removed->size(), 2u);
  EXPECT_EQ((*removed)[0].action, "remove");
  EXPECT_EQ((*removed)[1].action, "import");

  // The whole trail, newest first: the removal, then the import's entries in key order.
  auto all = store().ListSuppressionAudit("", 4);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 4u);
  std::vector<std::string> keys;
  for (const auto& e : entries) {
    keys.push_back(e.address.key);
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ((*all)[0].action, "remove");
  EXPECT_EQ((*all)[1].address_key, keys[0]);
  EXPECT_EQ((*all)[2].address_key, keys[1]);
  EXPECT_EQ((*all)[3].address_key, keys[2]);
  EXPECT_EQ((*all)[3].action, "import");
}

TEST_P(SuppressionContractTest, ListFiltersAndCursorPaging) {
  int64_t now = ToUnixMs(clock_->Now());
  std::vector<ManualSuppression> manual;
  for (int i = 0; i < 25; ++i) {
    std::string domain = i % 2 == 0 ? "even.org" : "odd.org";
    manual.push_back({Addr("u" + std::to_string(100 + i) + "@" + domain),
                      SuppressionReason::kManual, "", ""});
  }
  ASSERT_TRUE(store().AddSuppressions(manual, {"cli", ""}).has_value());
  BW_INGEST_OK(store(), SnsBatch({Bounce("z@even.org", BounceClass::kHard, now)}));

  SuppressionQuery q;
  q.active_at_ms = now;
  q.limit = 7;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store().ListSuppressions(q);
    ASSERT_TRUE(page.has_value());
    for (const auto& s : *page) {
      seen.push_back(s.address_key);
    }
    if (page->size() < q.limit) {
      break;
    }
    q.after_key = page->back().address_key;
  }
  EXPECT_EQ(seen.size(), 26u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 26u);

  SuppressionQuery by_domain;
  by_domain.active_at_ms = now;
  by_domain.domain = "even.org";
  EXPECT_EQ(store().ListSuppressions(by_domain)->size(), 14u);
  by_domain.reason = SuppressionReason::kBounce;
  auto bounced = store().ListSuppressions(by_domain);
  ASSERT_EQ(bounced->size(), 1u);
  EXPECT_EQ(bounced->at(0).address_key, "z@even.org");
  SuppressionQuery since;
  since.active_at_ms = now;
  since.since_ms = now + 365LL * 24 * 3600 * 1000;
  EXPECT_TRUE(store().ListSuppressions(since)->empty());
  since.since_ms = now - 1;
  EXPECT_EQ(store().ListSuppressions(since)->size(), 26u);
  since.since_ms = now + 365LL * 24 * 3600 * 1000;
  EXPECT_TRUE(store().ListSuppressions(since)->empty());
}

TEST_P(SuppressionContractTest, BulkLookup) {
  std::vector<ManualSuppression> manual;
  std::vector<std::string> keys;
  for (int i = 0; i < 1200; ++i) {
    std::string a = "bulk" + std::to_string(i) + "@x.org";
    if (i % 3 == 0) {
      manual.push_back({Addr(a), SuppressionReason::kImport, "", ""});
    }
    keys.push_back(a);
  }
  ASSERT_TRUE(store().AddSuppressions(manual, {"cli", ""}).has_value());
  auto found = store().GetSuppressions(keys);
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(found->size(), 400u);
  // The brief answers: in the keys' order, one per key (repeated keys too), the stored fields.
  ASSERT_TRUE(store().AddSuppressions({{Addr("bulk1@x.org"), SuppressionReason::kManual, "n",
                                        "asked"}},
                                      {"cli", ""}));
  std::vector<std::string> some = {"bulk3@x.org", "bulk1@x.org", "nobody@x.org", "bulk3@x.org",
                                   "bulk2@x.org"};
  auto briefs = store().CheckSuppressions(some);
  ASSERT_TRUE(briefs.has_value()) << briefs.error().ToString();
  ASSERT_EQ(briefs->size(), 5u);
  ASSERT_TRUE((*briefs)[0].has_value());
  EXPECT_TRUE((*briefs)[0]->suppressed);
  EXPECT_EQ((*briefs)[0]->reason, SuppressionReason::kImport);
  EXPECT_EQ((*briefs)[0]->expires_at_ms, 0);
  ASSERT_TRUE((*briefs)[1].has_value());
  EXPECT_EQ((*briefs)[1]->reason, SuppressionReason::kManual);
  EXPECT_EQ((*briefs)[1]->detail, "asked");
  EXPECT_FALSE((*briefs)[2].has_value());
  ASSERT_TRUE((*briefs)[3].has_value());
  EXPECT_EQ((*briefs)[3]->reason, SuppressionReason::kImport);
  EXPECT_FALSE((*briefs)[4].has_value());
  keys.resize(10001, "x@x.org");
  auto too_many = store().GetSuppressions(keys);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code(), Code::kInvalidInput);
  auto too_many_briefs = store().CheckSuppressions(keys);
  ASSERT_FALSE(too_many_briefs.has_value());
  EXPECT_EQ(too_many_briefs.error().code(), Code::kInvalidInput);
}

TEST_P(SuppressionContractTest, ReplaceAuditsOnlyChanges) {
  int64_t now = ToUnixMs(clock_->Now());
  BW_INGEST_OK(store(), SnsBatch({Bounce("keep@x.org", BounceClass::kHard, now),
                               Bounce("gone@x.org", BounceClass::kHard, now)}));
  auto keep = store().GetSuppression("keep@x.org");
  ASSERT_TRUE(keep.has_value());
  SuppressionState added;
  added.address_key = added.address = "new@x.org";
  added.suppressed = true;
  added.reason = SuppressionReason::kComplaint;
  added.suppressed_at_ms = now;
  ASSERT_TRUE(store().ReplaceSuppressions({*keep, added}, {"rebuild", "policy change"}));
  EXPECT_EQ(store().GetSuppression("gone@x.org").error().code(), Code::kNotFound);
  EXPECT_TRUE(store().GetSuppression("new@x.org").has_value());
  auto audit = store().ListSuppressionAudit("", 100);
  ASSERT_TRUE(audit.has_value());
  std::set<std::string> rebuilt;
  for (const auto& a : *audit) {
    if (a.action == "rebuild") {
      rebuilt.insert(a.address_key);
    }
  }
  EXPECT_EQ(rebuilt, (std::set<std::string>{"gone@x.org", "new@x.org"}));
}

TEST_P(SuppressionContractTest, SuppressionsSurviveRestart) {
  int64_t now = ToUnixMs(clock_->Now());
  BW_INGEST_OK(store(), SnsBatch({Bounce("r@x.org", BounceClass::kHard, now)}));
  Restart();
  auto s = store().GetSuppression("r@x.org");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->suppressed);
}

TEST_P(SuppressionContractTest, Tokens) {
  ApiToken t;
  t.id = "tok1";
  t.name = "deploy";
  t.scope = "write";
  t.hash = std::string(32, '\x01');
  t.created_at_ms = 5;
  ASSERT_TRUE(store().CreateToken(t).has_value());
  ApiToken same_name = t;
  same_name.id = "tok2";
  same_name.hash = std::string(32, '\x02');
  auto conflict = store().CreateToken(same_name);
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code(), Code::kConflict);

  auto found = store().FindTokenByHash(std::string(32, '\x01'));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "deploy");
  EXPECT_EQ(found->scope, "write");
  EXPECT_EQ(found->hash, t.hash);
  EXPECT_EQ(store().FindTokenByHash(std::string(32, '\x03')).error().code(), Code::kNotFound);

  ASSERT_TRUE(store().RevokeToken("deploy", 9).has_value());
  EXPECT_EQ(store().FindTokenByHash(t.hash).error().code(), Code::kNotFound);
  EXPECT_EQ(store().RevokeToken("deploy", 9).error().code(), Code::kNotFound);
  // The name is free again once revoked.
  ASSERT_TRUE(store().CreateToken(same_name).has_value());
  auto all = store().ListTokens();
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].revoked_at_ms, 9);
  EXPECT_EQ((*all)[1].revoked_at_ms, 0);
  ASSERT_TRUE(store().RevokeToken("tok2", 10).has_value());
}

}  // namespace bw::store::testing
