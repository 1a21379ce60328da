// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

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
};

inline std::ostream& operator<<(std::ostream& os, const StoreBackend& b) { return os << b.name; }

// The behaviour every Store must have (store.h). Instantiate with
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(StoreBackend{...}),
//                            [](const auto& info) { return info.param.name; });
class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Destroys the current store and opens a new one on the same database.
  void Restart();

  Store& store() { return *store_; }

  StoreFactory factory_;
  std::unique_ptr<Store> store_;
};

// The suppression list and API token part of the contract (store.h). The store under test applies
// policy::Decide with a default PolicyConfig, at the instant of clock_ (a FakeClock the test
// moves), not the store's own clock. Instantiate like StoreContractTest.
class SuppressionContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  void Restart();
  Store& store() { return *store_; }

  // Shared with the policy callback, which may outlive a Restart.
  std::shared_ptr<bw::testing::FakeClock> clock_;
  StoreFactory factory_;
  std::unique_ptr<Store> store_;
};

}  // namespace bw::store::testing
