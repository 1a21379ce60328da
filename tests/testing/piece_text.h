// SPDX-License-Identifier: Apache-2.0
// Deterministic pseudo-random test texts: pieces (or bytes) drawn with the C library's classic
// rand() recurrence, so every run and machine sees the same texts and a failure can be replayed.
// For tests that compare a fast routine with a simple reference over many generated inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace bw::testing {

class PieceText {
 public:
  explicit PieceText(uint32_t seed) : seed_(seed) {}

  // `count` pieces drawn from `pieces` (not empty), concatenated.
  std::string Next(std::span<const std::string_view> pieces, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
      out += pieces[Draw() % pieces.size()];
    }
    return out;
  }

  // `count` bytes drawn from `alphabet` (not empty; it may hold NUL bytes).
  std::string NextBytes(std::string_view alphabet, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
      out.push_back(alphabet[Draw() % alphabet.size()]);
    }
    return out;
  }

 private:
  uint32_t Draw() {
    seed_ = seed_ * 1103515245u + 12345u;
    return seed_ >> 16;
  }

  uint32_t seed_;
};

}  // namespace bw::testing
