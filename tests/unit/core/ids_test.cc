// SPDX-License-Identifier: Apache-2.0
#include "core/ids.h"

#include <set>

#include <gtest/gtest.h>

namespace bw {
namespace {

TEST(NewId, SortsByTimeAndIsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(NewId(1000)).second);
  }
  EXPECT_LT(NewId(1000), NewId(1001));
  EXPECT_EQ(NewId(5).size(), 26u);
}

}  // namespace
}  // namespace bw
