// SPDX-License-Identifier: Apache-2.0
// The alert outbox part of the Store contract.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "unit/store/store_contract.h"

namespace bw::store::testing {

void AlertOutboxContractTest::SetUp() {
  if (!GetParam().fresh_with_hooks) {
    GTEST_SKIP() << GetParam().name << " has no factory with hooks";
  }
  SuppressionPolicy policy = [](const std::optional<SuppressionState>& current,
                                const FeedbackEvent& e, const NormalizedAddress& a, TimePoint now) {
    return policy::Decide(policy::PolicyConfig{}, current, e, a.key, a.display, now);
  };
  AlertRule rule = [](const FeedbackEvent& e) -> std::vector<std::string> {
    const bool hard = e.type == EventType::kBounce && e.bounce &&
                      e.bounce->bounce_class == BounceClass::kHard;
    if (hard || e.type == EventType::kComplaint) {
      return {"email", "webhook"};
    }
    return {};
  };
  Open(GetParam().fresh_with_hooks(policy, rule));
}

namespace {

// The store stamps rows with its own clock (the system clock here): times well after now are
// "due", times well before are not.
int64_t Now() { return ToUnixMs(SystemClock::Instance().Now()); }
constexpr int64_t kMinute = 60 * 1000;

FeedbackEvent Event(EventType type, std::string recipient, BounceClass cls = BounceClass::kHard) {
  FeedbackEvent e;
  e.type = type;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = Now();
  e.source = "ses";
  if (type == EventType::kBounce) {
    BounceInfo b;
    b.bounce_class = cls;
    b.status = cls == BounceClass::kHard ? "5.1.1" : "4.2.2";
    b.reason = cls == BounceClass::kHard ? "userunknown" : "mailboxfull";
    e.bounce = b;
  }
  if (type == EventType::kComplaint) {
    e.complaint = ComplaintInfo{};
  }
  return e;
}

AlertClaim Claim(std::string channel, int64_t now_ms, std::vector<std::string> kinds = {}) {
  AlertClaim c;
  c.channel = std::move(channel);
  c.kinds = std::move(kinds);
  c.now_ms = now_ms;
  c.lease_until_ms = now_ms + 5 * kMinute;
  return c;
}

std::vector<int64_t> Ids(const std::vector<AlertItem>& items) {
  std::vector<int64_t> ids;
  for (const AlertItem& i : items) {
    ids.push_back(i.id);
  }
  return ids;
}

int64_t Pending(Store& store, const std::string& channel) {
  auto stats = store.GetAlertOutboxStats();
  EXPECT_TRUE(stats.has_value()) << stats.error().ToString();
  if (!stats) {
    return -1;
  }
  auto it = stats->find(channel);
  return it == stats->end() ? 0 : it->second.pending;
}

}  // namespace

#define BW_OK(expr)                                                   \
  do {                                                                \
    auto r_ = (expr);                                                 \
    ASSERT_TRUE(r_.has_value()) << #expr << ": " << r_.error().ToString(); \
  } while (0)

TEST_P(AlertOutboxContractTest, HardBouncesAndComplaintsGetRowsPerChannelInTheIngestTransaction) {
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "hard@example.com"),
                              Event(EventType::kBounce, "soft@example.com", BounceClass::kSoft),
                              Event(EventType::kDelivery, "ok@example.com"),
                              Event(EventType::kComplaint, "angry@example.com")})));
  EXPECT_EQ(Pending(store(), "email"), 2);
  EXPECT_EQ(Pending(store(), "webhook"), 2);

  auto items = store().ClaimAlerts(Claim("email", Now() + kMinute));
  ASSERT_TRUE(items.has_value()) << items.error().ToString();
  ASSERT_EQ(items->size(), 2u);
  std::vector<std::string> recipients;
  for (const AlertItem& i : *items) {
    EXPECT_EQ(i.channel, "email");
    EXPECT_EQ(i.kind, kAlertKindEvent);
    EXPECT_EQ(i.attempts, 1);
    EXPECT_EQ(i.sent_at_ms, 0);
    ASSERT_TRUE(i.event.has_value());
    EXPECT_EQ(i.event->id, i.event_id);
    recipients.push_back(i.event->recipient);
  }
  EXPECT_EQ(recipients, (std::vector<std::string>{"hard@example.com", "angry@example.com"}));
  EXPECT_EQ((*items)[0].event->bounce->status, "5.1.1");
  EXPECT_LT((*items)[0].id, (*items)[1].id);
}

TEST_P(AlertOutboxContractTest, DuplicateAndFailedBatchesWriteNoRows) {
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "a@example.com")}, "same-key")));
  auto dup = store().Ingest(SnsBatch({Event(EventType::kBounce, "a@example.com")}, "same-key"));
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(*dup, IngestOutcome::kDuplicate);
  EXPECT_EQ(Pending(store(), "email"), 1);

  // A batch that fails (an event id already stored) leaves no alert behind.
  auto stored = store().ClaimAlerts(Claim("webhook", Now() + kMinute));
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 1u);
  FeedbackEvent clash = Event(EventType::kComplaint, "b@example.com");
  clash.id = stored->front().event_id;
  auto failed = store().Ingest(SnsBatch({Event(EventType::kComplaint, "c@example.com"), clash}));
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(Pending(store(), "email"), 1);
}

TEST_P(AlertOutboxContractTest, ClaimedRowsAreLeasedAndSentRowsNeverComeBack) {
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "a@example.com")})));
  const int64_t t = Now() + kMinute;
  auto first = store().ClaimAlerts(Claim("email", t));
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().next_attempt_at_ms, t + 5 * kMinute);
  // Leased: not claimable again until the lease ends.
  auto again = store().ClaimAlerts(Claim("email", t + kMinute));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
  // Other channels are independent.
  auto webhook = store().ClaimAlerts(Claim("webhook", t));
  ASSERT_TRUE(webhook.has_value());
  EXPECT_EQ(webhook->size(), 1u);

  BW_OK(store().MarkAlertsSent(Ids(*first), t + 1000));
  BW_OK(store().MarkAlertsSent(Ids(*first), t + 9999));  // idempotent: first time kept
  EXPECT_EQ(Pending(store(), "email"), 0);
  auto stats = store().GetAlertOutboxStats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ((*stats)["email"].last_event_sent_at_ms, t + 1000);
  EXPECT_EQ((*stats)["webhook"].pending, 1);
  EXPECT_EQ((*stats)["webhook"].last_event_sent_at_ms, 0);

  Restart();
  auto after = store().ClaimAlerts(Claim("email", t + 60 * kMinute));
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->empty()) << "a sent alert was handed out again after a restart";
  // Marking a sent row failed changes nothing.
  BW_OK(store().MarkAlertsFailed(Ids(*first), t, "late failure"));
  EXPECT_EQ(Pending(store(), "email"), 0);
}

TEST_P(AlertOutboxContractTest, FailedRowsWaitForTheirRetryAndKeepTheError) {
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kComplaint, "a@example.com")})));
  const int64_t t = Now() + kMinute;
  auto first = store().ClaimAlerts(Claim("email", t));
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);
  BW_OK(store().MarkAlertsFailed(Ids(*first), t + 30000, "connection refused"));
  EXPECT_EQ(Pending(store(), "email"), 1);
  auto stats = store().GetAlertOutboxStats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ((*stats)["email"].next_event_due_at_ms, t + 30000);

  auto early = store().ClaimAlerts(Claim("email", t + 29999));
  ASSERT_TRUE(early.has_value());
  EXPECT_TRUE(early->empty());
  auto due = store().ClaimAlerts(Claim("email", t + 30000));
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().attempts, 2);
  EXPECT_EQ(due->front().last_error, "connection refused");
  EXPECT_EQ(due->front().id, first->front().id);
}

TEST_P(AlertOutboxContractTest, AnAttemptCutShortByACrashIsDueAgainAfterTheLease) {
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "a@example.com")})));
  const int64_t t = Now() + kMinute;
  auto claimed = store().ClaimAlerts(Claim("email", t));
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->size(), 1u);
  Restart();  // neither sent nor failed
  auto during = store().ClaimAlerts(Claim("email", t + 5 * kMinute - 1));
  ASSERT_TRUE(during.has_value());
  EXPECT_TRUE(during->empty());
  auto after = store().ClaimAlerts(Claim("email", t + 5 * kMinute));
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().attempts, 2);
}

TEST_P(AlertOutboxContractTest, WorkerRowsAndStateCommitTogetherAndSurviveRestart) {
  const int64_t t = Now();
  BW_OK(store().EnqueueAlerts({{"email", kAlertKindLevelChange, R"({"to":"warning"})"},
                               {"webhook", kAlertKindLevelChange, R"({"to":"warning"})"},
                               {"email", kAlertKindDigest, R"({"d":1})"}},
                              {{"level:bounce", "warning"}, {"digest:email", "123"}}, t));
  BW_OK(store().EnqueueAlerts({}, {{"level:bounce", "at_risk"}}, t));
  Restart();
  auto state = store().GetAlertState();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(*state, (std::map<std::string, std::string>{{"digest:email", "123"},
                                                        {"level:bounce", "at_risk"}}));
  auto stats = store().GetAlertOutboxStats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ((*stats)["email"].pending, 2);
  EXPECT_EQ((*stats)["email"].next_other_due_at_ms, t);
  EXPECT_EQ((*stats)["email"].next_event_due_at_ms, 0);
  EXPECT_EQ((*stats)["email"].oldest_pending_created_at_ms, t);

  // Kinds filter and limit, oldest first.
  auto none = store().ClaimAlerts(Claim("email", t, {kAlertKindEvent}));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  AlertClaim one = Claim("email", t, {kAlertKindLevelChange, kAlertKindDigest});
  one.limit = 1;
  auto first = store().ClaimAlerts(one);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().kind, kAlertKindLevelChange);
  EXPECT_EQ(first->front().payload, R"({"to":"warning"})");
  EXPECT_FALSE(first->front().event.has_value());
  auto second = store().ClaimAlerts(one);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(second->front().kind, kAlertKindDigest);
}

TEST_P(AlertOutboxContractTest, BadArgumentsAreInvalidAndChangeNothing) {
  auto claim = store().ClaimAlerts(Claim("", Now()));
  ASSERT_FALSE(claim.has_value());
  EXPECT_EQ(claim.error().code(), Code::kInvalidInput);
  auto enqueue = store().EnqueueAlerts({{"email", kAlertKindDigest, "{}"}, {"email", "", "{}"}},
                                       {{"k", "v"}}, Now());
  ASSERT_FALSE(enqueue.has_value());
  EXPECT_EQ(enqueue.error().code(), Code::kInvalidInput);
  EXPECT_EQ(Pending(store(), "email"), 0);
  auto state = store().GetAlertState();
  ASSERT_TRUE(state.has_value());
  EXPECT_TRUE(state->empty());
}

TEST_P(AlertOutboxContractTest, PeriodSummaryCountsEventsAndNewSuppressions) {
  const int64_t before = Now() - 1;
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "Hard1@Example.com"),
                              Event(EventType::kBounce, "hard2@example.com"),
                              Event(EventType::kBounce, "soft@example.com", BounceClass::kSoft),
                              Event(EventType::kDelivery, "ok@example.com"),
                              Event(EventType::kDelivery, "ok2@example.com"),
                              Event(EventType::kDelivery, "ok3@example.com"),
                              Event(EventType::kComplaint, "angry@example.com")})));
  // A second hard bounce for an address already suppressed is no new suppression.
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "hard2@example.com")})));
  const int64_t after = Now() + 1;

  auto s = store().SummarizeAlertPeriod(before, after, 2);
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->events_by_type,
            (std::vector<std::pair<std::string, int64_t>>{
                {"bounce", 4}, {"delivery", 3}, {"complaint", 1}}));
  EXPECT_EQ(s->hard_bounces, 3);
  EXPECT_EQ(s->complaints, 1);
  EXPECT_EQ(s->new_suppressions, 3);  // hard1, hard2, angry
  EXPECT_EQ(s->new_suppressed_addresses.size(), 2u);
  EXPECT_EQ(s->new_suppressed_addresses[0], "Hard1@example.com");  // display form

  auto empty = store().SummarizeAlertPeriod(after, after + kMinute, 10);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->events_by_type.empty());
  EXPECT_EQ(empty->hard_bounces, 0);
  EXPECT_EQ(empty->new_suppressions, 0);
}

TEST_P(AlertOutboxContractTest, PruneDeletesOnlySentRowsOlderThanTheCut) {
  BW_OK(store().Ingest(SnsBatch({Event(EventType::kBounce, "a@example.com"),
                              Event(EventType::kBounce, "b@example.com")})));
  const int64_t t = Now() + kMinute;
  AlertClaim one = Claim("email", t);
  one.limit = 1;
  auto sent = store().ClaimAlerts(one);
  ASSERT_TRUE(sent.has_value());
  ASSERT_EQ(sent->size(), 1u);
  BW_OK(store().MarkAlertsSent(Ids(*sent), t));
  auto none = store().PruneSentAlerts(t);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0);
  auto pruned = store().PruneSentAlerts(t + 1);
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(Pending(store(), "email"), 1);
  EXPECT_EQ(Pending(store(), "webhook"), 2);
}

}  // namespace bw::store::testing
