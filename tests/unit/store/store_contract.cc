// SPDX-License-Identifier: Apache-2.0
#include "unit/store/store_contract.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/event_json.h"

namespace bw::store::testing {

IngestBatch SnsBatch(std::vector<FeedbackEvent> events, std::string key) {
  static int batches = 0;
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = key.empty() ? "msg-" + std::to_string(++batches) : std::move(key);
  b.kind = "Notification";
  b.raw = "{}";
  b.events = std::move(events);
  return b;
}

void ContractFixture::TearDown() { store_.reset(); }

void ContractFixture::Open(StoreFactory factory) {
  factory_ = std::move(factory);
  if (!factory_) {
    GTEST_SKIP() << GetParam().name << " is not available here";
  }
  store_ = factory_();
  ASSERT_NE(store_, nullptr);
}

void ContractFixture::Restart() {
  store_.reset();
  store_ = factory_();
  ASSERT_NE(store_, nullptr);
}

void StoreContractTest::SetUp() { Open(GetParam().fresh()); }

namespace {

constexpr int64_t kT0 = 1796083200000;  // 2026-12-01T00:00:00Z

FeedbackEvent MakeEvent(EventType type, std::string recipient, int64_t occurred_at_ms = kT0) {
  FeedbackEvent e;
  e.type = type;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = occurred_at_ms;
  e.source = "ses";
  if (type == EventType::kBounce) {
    BounceInfo b;
    b.bounce_class = BounceClass::kHard;
    b.ses_type = "Permanent";
    b.status = "5.1.1";
    b.reason = "userunknown";
    e.bounce = b;
  }
  e.mail.message_id = "mail-" + e.recipient;
  e.mail.tags["campaign"] = {"spring"};
  return e;
}

IngestBatch MakeBatch(std::string key, int64_t received_at_ms, std::vector<FeedbackEvent> events,
                      std::string topic = "") {
  IngestBatch b;
  b.source = "sns";
  b.dedup_key = std::move(key);
  b.kind = "Notification";
  b.topic_arn = std::move(topic);
  b.raw = "{\"MessageId\":\"" + b.dedup_key + "\"}";
  b.received_at_ms = received_at_ms;
  b.events = std::move(events);
  return b;
}

IngestBatch TwoEventBatch(std::string key, int64_t received_at_ms) {
  return MakeBatch(std::move(key), received_at_ms,
                   {MakeEvent(EventType::kBounce, "a-" + std::to_string(received_at_ms) + "@x.org"),
                    MakeEvent(EventType::kDelivery, "b@x.org")});
}

std::vector<FeedbackEvent> AllEvents(Store& store) {
  EventQuery q;
  q.limit = 1000000;
  auto r = store.QueryEvents(q);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  return r ? *r : std::vector<FeedbackEvent>{};
}

std::vector<std::string> Recipients(const std::vector<FeedbackEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(e.recipient);
  }
  return out;
}

// Waits for a number of callbacks.
class Countdown {
 public:
  explicit Countdown(int n) : left_(n) {}
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--left_ == 0) {
      cv_.notify_all();
    }
  }
  bool Wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return left_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;  // GUARDED_BY(mu_)
};

TEST_P(StoreContractTest, StoresBatchWithItsEventsAndRawMessage) {
  IngestBatch batch = TwoEventBatch("m-1", kT0 + 5);
  static constexpr char kRaw[] = "raw\0bytes \xff\xfe";
  batch.raw = std::string(kRaw, sizeof(kRaw) - 1);
  FeedbackEvent expected = batch.events[0];
  auto r = store().Ingest(batch);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r, IngestOutcome::kStored);

  std::vector<FeedbackEvent> events = AllEvents(store());
  ASSERT_EQ(events.size(), 2u);
  std::set<std::string> ids;
  for (const auto& e : events) {
    EXPECT_EQ(e.id.size(), 26u) << "the store assigns an id when empty";
    EXPECT_EQ(e.received_at_ms, kT0 + 5) << "received_at comes from the batch when 0";
    ids.insert(e.id);
  }
  EXPECT_EQ(ids.size(), 2u);

  auto bounce = std::find_if(events.begin(), events.end(),
                             [](const auto& e) { return e.type == EventType::kBounce; });
  ASSERT_NE(bounce, events.end());
  expected.id = bounce->id;
  expected.received_at_ms = kT0 + 5;
  EXPECT_EQ(EventToJsonLine(*bounce), EventToJsonLine(expected)) << "every field is kept";

  auto one = store().GetEvent(bounce->id);
  ASSERT_TRUE(one.has_value()) << one.error().ToString();
  EXPECT_EQ(EventToJsonLine(*one), EventToJsonLine(expected));

  auto raw = store().GetRawMessage("sns", "m-1");
  ASSERT_TRUE(raw.has_value()) << raw.error().ToString();
  EXPECT_EQ(raw->raw, batch.raw) << "raw bytes are kept exactly";
  EXPECT_EQ(raw->kind, "Notification");
  EXPECT_EQ(raw->source, "sns");
  EXPECT_EQ(raw->dedup_key, "m-1");
  EXPECT_EQ(raw->received_at_ms, kT0 + 5);
}

TEST_P(StoreContractTest, KeepsGivenIdsAndTimes) {
  FeedbackEvent e = MakeEvent(EventType::kComplaint, "c@x.org");
  e.id = "01JDZZZZZZZZZZZZZZZZZZZZZZ";
  e.received_at_ms = kT0 - 1000;
  ASSERT_EQ(*store().Ingest(MakeBatch("m-ids", kT0, {e})), IngestOutcome::kStored);
  auto got = store().GetEvent(e.id);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->received_at_ms, kT0 - 1000);
  EXPECT_EQ(got->type, EventType::kComplaint);
}

TEST_P(StoreContractTest, DuplicateKeyWritesNothing) {
  ASSERT_EQ(*store().Ingest(TwoEventBatch("m-1", kT0)), IngestOutcome::kStored);
  IngestBatch again = MakeBatch("m-1", kT0 + 1, {MakeEvent(EventType::kOpen, "other@x.org")});
  again.raw = "different";
  auto r = store().Ingest(again);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r, IngestOutcome::kDuplicate);
  std::vector<FeedbackEvent> events = AllEvents(store());
  EXPECT_EQ(events.size(), 2u);
  for (const auto& e : events) {
    EXPECT_NE(e.recipient, "other@x.org");
  }
  EXPECT_EQ(store().GetRawMessage("sns", "m-1")->raw, "{\"MessageId\":\"m-1\"}");

  // The key is namespaced by source.
  IngestBatch mail = TwoEventBatch("m-1", kT0 + 2);
  mail.source = "mail";
  EXPECT_EQ(*store().Ingest(mail), IngestOutcome::kStored);
  EXPECT_EQ(AllEvents(store()).size(), 4u);
}

TEST_P(StoreContractTest, ConcurrentDuplicatesFromEightThreadsStoreOnce) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 20;
  std::atomic<int> stored{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < kKeys; ++k) {
        auto r = store().Ingest(TwoEventBatch("key-" + std::to_string(k), kT0 + k));
        if (!r) {
          ++errors;
        } else if (*r == IngestOutcome::kStored) {
          ++stored;
        } else {
          ++duplicates;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(stored.load(), kKeys);
  EXPECT_EQ(duplicates.load(), kKeys * (kThreads - 1));
  EXPECT_EQ(AllEvents(store()).size(), static_cast<size_t>(kKeys * 2));
}

TEST_P(StoreContractTest, DuplicatesInFlightTogetherAreDetected) {
  constexpr int kCopies = 50;
  Countdown countdown(kCopies);
  std::mutex mu;
  std::map<std::string, int> outcomes;
  for (int i = 0; i < kCopies; ++i) {
    store().IngestAsync(TwoEventBatch("same", kT0), [&](Result<IngestOutcome> r) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++outcomes[!r ? r.error().ToString()
                      : (*r == IngestOutcome::kStored ? "stored" : "duplicate")];
      }
      countdown.Done();
    });
  }
  ASSERT_TRUE(countdown.Wait());
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"duplicate", kCopies - 1}, {"stored", 1}}));
  EXPECT_EQ(AllEvents(store()).size(), 2u);
}

TEST_P(StoreContractTest, RestartKeepsEventsAndDuplicateDetection) {
  ASSERT_EQ(*store().Ingest(TwoEventBatch("m-1", kT0)), IngestOutcome::kStored);
  ASSERT_EQ(*store().Ingest(TwoEventBatch("m-2", kT0 + 1)), IngestOutcome::kStored);
  std::vector<FeedbackEvent> before = AllEvents(store());
  Restart();
  std::vector<FeedbackEvent> after = AllEvents(store());
  ASSERT_EQ(after.size(), 4u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(EventToJsonLine(after[i]), EventToJsonLine(before[i]));
  }
  EXPECT_EQ(*store().Ingest(TwoEventBatch("m-1", kT0 + 9)), IngestOutcome::kDuplicate);
  EXPECT_EQ(AllEvents(store()).size(), 4u);
  EXPECT_TRUE(store().GetRawMessage("sns", "m-2").has_value());
}

// received_at: bounce kT0+0, delivery kT0+10, complaint kT0+20, bounce (upper case) kT0+30.
void PutQueryFixture(Store& store) {
  auto put = [&](std::string key, int64_t at, EventType type, std::string recipient) {
    auto r = store.Ingest(MakeBatch(std::move(key), at, {MakeEvent(type, std::move(recipient))}));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  };
  put("q-1", kT0, EventType::kBounce, "alice@example.com");
  put("q-2", kT0 + 10, EventType::kDelivery, "bob@example.com");
  put("q-3", kT0 + 20, EventType::kComplaint, "alice@example.com");
  put("q-4", kT0 + 30, EventType::kBounce, "ALICE@Example.COM");
}

// received_at - kT0 of the events the query returns, in order.
std::vector<int64_t> Times(Store& store, const EventQuery& q) {
  auto r = store.QueryEvents(q);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  std::vector<int64_t> out;
  if (!r) {
    return out;
  }
  for (const auto& e : *r) {
    out.push_back(e.received_at_ms - kT0);
  }
  return out;
}

TEST_P(StoreContractTest, QueryNewestFirstWithLimit) {
  ASSERT_NO_FATAL_FAILURE(PutQueryFixture(store()));
  EventQuery q;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 20, 10, 0}));
  q.limit = 2;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 20}));
  q.limit = 0;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{}));
}

TEST_P(StoreContractTest, QueryByTypes) {
  ASSERT_NO_FATAL_FAILURE(PutQueryFixture(store()));
  EventQuery q;
  q.types = {EventType::kBounce};
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 0}));
  q.types = {EventType::kComplaint, EventType::kDelivery};
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{20, 10}));
  q.types = {EventType::kOpen};
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{}));
}

TEST_P(StoreContractTest, QueryByRecipientCaseInsensitive) {
  ASSERT_NO_FATAL_FAILURE(PutQueryFixture(store()));
  EventQuery q;
  q.recipient = "Alice@EXAMPLE.com";
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 20, 0}));
  auto r = store().QueryEvents(q);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(Recipients(*r), (std::vector<std::string>{"ALICE@Example.COM", "alice@example.com",
                                                      "alice@example.com"}))
      << "the recipient is returned as given";
  q.recipient = "alice@example.co";
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{})) << "exact match, not a prefix";
}

TEST_P(StoreContractTest, QueryByRecipientDomainCaseInsensitive) {
  ASSERT_NO_FATAL_FAILURE(PutQueryFixture(store()));
  EventQuery q;
  q.recipient_domain = "EXAMPLE.com";
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 20, 10, 0}));
  q.recipient_domain = "ample.com";
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{})) << "the whole domain, not a suffix";
  q.recipient_domain = "%";
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{})) << "no wildcards";
  q.recipient_domain = "example.com";
  q.types = {EventType::kBounce};
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 0}));
}

TEST_P(StoreContractTest, QuerySinceInclusiveUntilExclusive) {
  ASSERT_NO_FATAL_FAILURE(PutQueryFixture(store()));
  EventQuery q;
  q.since_ms = kT0 + 10;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30, 20, 10}));
  q.until_ms = kT0 + 30;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{20, 10}));
  q.since_ms = 0;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{20, 10, 0}));
}

TEST_P(StoreContractTest, QueryFiltersCombine) {
  ASSERT_NO_FATAL_FAILURE(PutQueryFixture(store()));
  EventQuery q;
  q.types = {EventType::kBounce};
  q.recipient = "alice@example.com";
  q.since_ms = kT0 + 1;
  EXPECT_EQ(Times(store(), q), (std::vector<int64_t>{30}));
}

TEST_P(StoreContractTest, CursorPagingVisitsEveryEventExactlyOnce) {
  // 3 events per batch; several batches share a millisecond, so ids break ties.
  int64_t expected = 0;
  for (int i = 0; i < 12; ++i) {
    IngestBatch b =
        MakeBatch("p-" + std::to_string(i), kT0 + i / 3,
                  {MakeEvent(EventType::kBounce, "x@x.org"), MakeEvent(EventType::kOpen, "y@x.org"),
                   MakeEvent(EventType::kBounce, "z@x.org")});
    ASSERT_EQ(*store().Ingest(b), IngestOutcome::kStored);
    expected += 3;
  }
  for (size_t page_size : {1u, 4u, 7u, 100u}) {
    SCOPED_TRACE(page_size);
    EventQuery q;
    q.limit = page_size;
    std::vector<FeedbackEvent> seen;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = store().QueryEvents(q);
      ASSERT_TRUE(page.has_value()) << page.error().ToString();
      ASSERT_LE(page->size(), page_size);
      if (page->empty()) {
        break;
      }
      seen.insert(seen.end(), page->begin(), page->end());
      q.before_id = page->back().id;
    }
    ASSERT_EQ(static_cast<int64_t>(seen.size()), expected);
    std::set<std::string> ids;
    for (size_t i = 0; i < seen.size(); ++i) {
      ids.insert(seen[i].id);
      if (i > 0) {
        EXPECT_GE(seen[i - 1].received_at_ms, seen[i].received_at_ms) << "newest first";
      }
    }
    EXPECT_EQ(static_cast<int64_t>(ids.size()), expected) << "no event twice";
  }

  // Filters apply across pages too.
  EventQuery q;
  q.types = {EventType::kBounce};
  q.limit = 5;
  size_t bounces = 0;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = store().QueryEvents(q);
    ASSERT_TRUE(page.has_value());
    if (page->empty()) {
      break;
    }
    for (const auto& e : *page) {
      EXPECT_EQ(e.type, EventType::kBounce);
    }
    bounces += page->size();
    q.before_id = page->back().id;
  }
  EXPECT_EQ(bounces, 24u);
}

TEST_P(StoreContractTest, NotFound) {
  auto e = store().GetEvent("01JDAAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), Code::kNotFound);
  auto m = store().GetRawMessage("sns", "nope");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), Code::kNotFound);
  ASSERT_EQ(*store().Ingest(TwoEventBatch("m-1", kT0)), IngestOutcome::kStored);
  m = store().GetRawMessage("mail", "m-1");
  ASSERT_FALSE(m.has_value()) << "same key, other source";
  EXPECT_EQ(m.error().code(), Code::kNotFound);
}

TEST_P(StoreContractTest, SubscriptionsUpsertAndList) {
  auto empty = store().ListSubscriptions();
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  EXPECT_TRUE(empty->empty());

  Subscription b{"arn:aws:sns:us-east-1:1:b", "", "pending", "https://sns/confirm?b", "", kT0, 0};
  Subscription a{"arn:aws:sns:us-east-1:1:a", "", "manual", "https://sns/confirm?a", "", kT0, 0};
  ASSERT_TRUE(store().UpsertSubscription(b).has_value());
  ASSERT_TRUE(store().UpsertSubscription(a).has_value());
  b.state = "confirmed";
  b.subscription_arn = "arn:aws:sns:us-east-1:1:b:sub";
  b.last_error = "";
  b.updated_at_ms = kT0 + 5;
  ASSERT_TRUE(store().UpsertSubscription(b).has_value());

  auto list = store().ListSubscriptions();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].topic_arn, a.topic_arn) << "by topic";
  EXPECT_EQ((*list)[0].state, "manual");
  EXPECT_EQ((*list)[0].subscribe_url, "https://sns/confirm?a");
  EXPECT_EQ((*list)[1].topic_arn, b.topic_arn);
  EXPECT_EQ((*list)[1].state, "confirmed");
  EXPECT_EQ((*list)[1].subscription_arn, "arn:aws:sns:us-east-1:1:b:sub");
  EXPECT_EQ((*list)[1].updated_at_ms, kT0 + 5);

  auto invalid = store().UpsertSubscription(Subscription{});
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().code(), Code::kInvalidInput);
}

TEST_P(StoreContractTest, IngestRecordsWhenATopicLastDelivered) {
  Subscription s{"arn:topic", "", "confirmed", "", "", kT0, 0};
  ASSERT_TRUE(store().UpsertSubscription(s).has_value());
  ASSERT_EQ(*store().Ingest(MakeBatch("t-1", kT0 + 100, {}, "arn:topic")), IngestOutcome::kStored);
  ASSERT_EQ(*store().Ingest(MakeBatch("t-0", kT0 + 50, {}, "arn:topic")), IngestOutcome::kStored);
  ASSERT_EQ(*store().Ingest(MakeBatch("t-2", kT0 + 500, {}, "arn:other")), IngestOutcome::kStored);
  auto list = store().ListSubscriptions();
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u) << "activity of unknown topics creates no subscription";
  EXPECT_EQ((*list)[0].last_message_at_ms, kT0 + 100) << "the latest, not the last written";
  // A later upsert from the confirmation handler does not lose the activity time.
  s.state = "unsubscribed";
  ASSERT_TRUE(store().UpsertSubscription(s).has_value());
  EXPECT_EQ(store().ListSubscriptions()->at(0).last_message_at_ms, kT0 + 100);
}

TEST_P(StoreContractTest, ManyConcurrentIngestAsyncAreAllAcknowledgedAndStored) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  Countdown countdown(kThreads * kPerThread);
  std::atomic<int> stored{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        store().IngestAsync(TwoEventBatch(std::to_string(t) + "-" + std::to_string(i), kT0 + i),
                            [&](Result<IngestOutcome> r) {
                              if (r && *r == IngestOutcome::kStored) {
                                ++stored;
                              } else {
                                ++other;
                              }
                              countdown.Done();
                            });
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  ASSERT_TRUE(countdown.Wait()) << "every callback is called";
  EXPECT_EQ(stored.load(), kThreads * kPerThread);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(AllEvents(store()).size(), static_cast<size_t>(kThreads * kPerThread * 2));
}

TEST_P(StoreContractTest, ConflictingEventIdFailsOnlyThatBatch) {
  FeedbackEvent e = MakeEvent(EventType::kBounce, "c@x.org");
  e.id = "01JDQQQQQQQQQQQQQQQQQQQQQQ";
  ASSERT_EQ(*store().Ingest(MakeBatch("first", kT0, {e})), IngestOutcome::kStored);
  auto r =
      store().Ingest(MakeBatch("second", kT0 + 1, {MakeEvent(EventType::kOpen, "o@x.org"), e}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kConflict) << r.error().ToString();
  EXPECT_EQ(AllEvents(store()).size(), 1u) << "nothing of the failed batch is stored";
  EXPECT_EQ(store().GetRawMessage("sns", "second").error().code(), Code::kNotFound);
  // Not recorded as seen: a corrected retry is stored.
  EXPECT_EQ(*store().Ingest(TwoEventBatch("second", kT0 + 2)), IngestOutcome::kStored);
  EXPECT_EQ(AllEvents(store()).size(), 3u);
}

TEST_P(StoreContractTest, BatchWithoutKeyIsInvalid) {
  IngestBatch b = TwoEventBatch("", kT0);
  auto r = store().Ingest(b);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidInput);
  EXPECT_TRUE(AllEvents(store()).empty());
}

TEST_P(StoreContractTest, HealthyStoreIsWritable) {
  auto s = store().CheckWritable();
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
  // The probe leaves no trace in what users see.
  EXPECT_TRUE(AllEvents(store()).empty());
}

}  // namespace
}  // namespace bw::store::testing
