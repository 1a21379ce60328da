// SPDX-License-Identifier: Apache-2.0
#include "core/ascii.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace bw {
namespace {

// The byte-at-a-time definition: only 'A'..'Z' change.
std::string Reference(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c + 32);
    }
  }
  return out;
}

TEST(AsciiTest, AsciiLowerChangesOnlyAsciiCapitalsForEveryByte) {
  static_assert(AsciiLower('Q') == 'q' && AsciiLower('@') == '@');  // usable at compile time
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    ASSERT_EQ(std::string(1, AsciiLower(one[0])), Reference(one)) << "byte " << b;
  }
}

TEST(AsciiTest, IsAsciiAlphaAndDigitAreTheCLocaleClassesForEveryByte) {
  static_assert(IsAsciiAlpha('z') && !IsAsciiAlpha('@') && IsAsciiDigit('7'));  // compile time
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<char>(b);
    const bool alpha = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
    ASSERT_EQ(IsAsciiAlpha(c), alpha) << "byte " << b;
    ASSERT_EQ(IsAsciiDigit(c), b >= '0' && b <= '9') << "byte " << b;
  }
}

TEST(AsciiTest, AsciiLowerIntoChangesOnlyAsciiCapitalsForEveryByteAndLength) {
  // Every byte value at every offset of texts long enough for the 16- and 8-byte steps and the
  // tail, so that each path meets '@', '[', '`', '{', 0x7f, 0x80 and 0xc1 / 0xda (bytes whose
  // low seven bits are capitals).
  for (size_t len = 0; len <= 40; ++len) {
    for (int b = 0; b < 256; ++b) {
      for (size_t at = 0; at < len; at += 7) {
        std::string s(len, 'Q');
        s[at] = static_cast<char>(b);
        std::string got(len, '\0');
        AsciiLowerInto(s, got.data());
        ASSERT_EQ(got, Reference(s)) << "len " << len << " byte " << b << " at " << at;
      }
    }
  }
}

#if defined(__SSE2__)
TEST(AsciiTest, AsciiLowerBlockChangesOnlyAsciiCapitalsInEveryLane) {
  // Every byte value in every lane, the other lanes holding the neighbours of the capital range
  // ('@', 'A', 'Z', '[') and bytes whose low seven bits are capitals (0xc1, 0xda).
  const char fill[] = {'@', 'A', 'Z', '[', '\xc1', '\xda', '`', '{'};
  for (int b = 0; b < 256; ++b) {
    for (size_t lane = 0; lane < 16; ++lane) {
      std::string s(16, '\0');
      for (size_t k = 0; k < 16; ++k) {
        s[k] = fill[(k + lane) % sizeof(fill)];
      }
      s[lane] = static_cast<char>(b);
      std::string got(16, '\0');
      _mm_storeu_si128(
          reinterpret_cast<__m128i*>(got.data()),
          AsciiLowerBlock(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data()))));
      ASSERT_EQ(got, Reference(s)) << "byte " << b << " in lane " << lane;
    }
  }
}
#endif

TEST(AsciiTest, AsciiLowerIntoWorksInPlaceOnUtf8Text) {
  std::string s = "Mailbox UNAVAILABLE: Ünbekannt — ÄÖÜ stays, ASCII GOES lower 550 5.1.1 <Bob@X>";
  const std::string want = Reference(s);
  AsciiLowerInto(s, s.data());
  EXPECT_EQ(s, want);
  EXPECT_NE(s.find("Ünbekannt"), std::string::npos) << "UTF-8 bytes untouched";
}

}  // namespace
}  // namespace bw
