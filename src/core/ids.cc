// SPDX-License-Identifier: Apache-2.0
#include "core/ids.h"

#include <random>

namespace bw {

std::string NewId(int64_t unix_ms) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(26, '0');
  uint64_t t = static_cast<uint64_t>(unix_ms);
  for (int i = 9; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kAlphabet[t & 31];
    t >>= 5;
  }
  uint64_t r1 = rng();
  uint64_t r2 = rng();
  for (int i = 10; i < 26; ++i) {
    uint64_t& r = i < 22 ? r1 : r2;
    id[static_cast<size_t>(i)] = kAlphabet[r & 31];
    r >>= 5;
  }
  return id;
}

}  // namespace bw
