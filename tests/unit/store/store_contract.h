// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <tuple>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.h"
#include "testing/fake_clock.h"

namespace bw::store::testing {

// Opens a store on one database. May be called again once the previous store is destroyed: the
// new store sees the same data (restart).
using StoreFactory = std::function<std::unique_ptr<Store>()>;

// A backend under the contract suite. `fresh` is called once per test; it prepares an empty
// database and returns a factory for it, or an empty factory when the backend is not available
// here (the test is then skipped, e.g. PostgreSQL without BW_TEST_POSTGRES_URL).
struct StoreBackend {
  std::string name;
  std::function<StoreFactory()> fresh;
  // Like `fresh`, for a store that applies `policy` to ingested events (SuppressionContractTest).
  std::function<StoreFactory(SuppressionPolicy policy)> fresh_with_policy;
  // Like `fresh`, for a store that applies `policy` and `alert_rule` (AlertOutboxContractTest).
  std::function<StoreFactory(SuppressionPolicy policy, AlertRule alert_rule)> fresh_with_hooks{};
  // Like `fresh`, for a store that writes reputation rows with `rows` and reports commits to
  // `observer` (ReputationContractTest).
  std::function<StoreFactory(ReputationRowsFn rows, CommitObserver observer)>
      fresh_with_reputation{};
};

inline std::ostream& operator<<(std::ostream& os, const StoreBackend& b) { return os << b.name; }

// An SNS Notification batch of `events` (raw "{}") under the idempotency key `key`; by default a
// new key ("msg-1", "msg-2", ...) each call.
IngestBatch SnsBatch(std::vector<FeedbackEvent> events, std::string key = "");

// What every part of the contract suite has: the backend's factory and the store it opened.
class ContractFixture : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void TearDown() override;

  // Keeps `factory` and opens a store with it; skips the test when `factory` is empty (the
  // backend is not available here). The last call of a SetUp.
  void Open(StoreFactory factory);

  // Destroys the current store and opens a new one on the same database.
  void Restart();

  Store& store() { return *store_; }

  StoreFactory factory_;
  std::unique_ptr<Store> store_;
};

// The behaviour every Store must have (store.h). Instantiate with
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(StoreBackend{...}),
//                            [](const auto& info) { return info.param.name; });
class StoreContractTest : public ContractFixture {
 protected:
  void SetUp() override;
};

// The suppression list and API token part of the contract (store.h). The store under test applies
// policy::Decide with a default PolicyConfig, at the instant of clock_ (a FakeClock the test
// moves), not the store's own clock. Instantiate like StoreContractTest.
class SuppressionContractTest : public ContractFixture {
 protected:
  void SetUp() override;

  // Shared with the policy callback, which may outlive a Restart.
  std::shared_ptr<bw::testing::FakeClock> clock_;
};

// The alert outbox part of the contract (store.h, store/alert_outbox.h). The store under test
// applies policy::Decide with a default PolicyConfig and an alert rule that asks for "email" and
// "webhook" rows for hard bounces and complaints. Instantiate like StoreContractTest.
class AlertOutboxContractTest : public ContractFixture {
 protected:
  void SetUp() override;
};

// The reputation-bucket part of the contract (store.h: ReputationRowsFn, CommitObserver,
// AddReputationRows, ListReputationRows, DeleteReputationRowsBefore, CountSuppressed). The store
// under test writes, per event, one "all" row and one "recipient_domain" row in the hour of its
// occurred_at (bounce -> bounces, delivery -> deliveries, other types -> sends), and reports
// every commit to `reports_`. Instantiate like StoreContractTest.
class ReputationContractTest : public ContractFixture {
 protected:
  void SetUp() override;

  // What the observer saw, summed: rows per (bucket, dimension, key), events and commits.
  struct Seen {
    std::map<std::tuple<int64_t, int, std::string>, ReputationCounts> rows;
    int64_t events = 0;
    int64_t commits = 0;
  };
  Seen seen();

  std::shared_ptr<std::mutex> mu_ = std::make_shared<std::mutex>();
  std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();
};

}  // namespace bw::store::testing
