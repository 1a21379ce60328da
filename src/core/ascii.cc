// SPDX-License-Identifier: Apache-2.0
#include "core/ascii.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bw {

void AsciiLowerInto(std::string_view in, char* out) {
  const char* s = in.data();
  const size_t n = in.size();
  size_t i = 0;
#if defined(__SSE2__)
  // 0x20 added to the bytes in 'A'..'Z' (signed compares: bytes above 0x7f are negative, so
  // never in range).
  const __m128i below_a = _mm_set1_epi8('A' - 1);
  const __m128i above_z = _mm_set1_epi8('Z' + 1);
  const __m128i bit = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, below_a), _mm_cmplt_epi8(v, above_z));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm_or_si128(v, _mm_and_si128(upper, bit)));
  }
#endif
  // Eight bytes at a time (SWAR): a byte gets 0x20 added when it is ASCII and in 'A'..'Z'.
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, s + i, 8);
    const uint64_t low7 = w & ~kHigh;
    const uint64_t ge_a = low7 + kOnes * (0x80 - 'A');  // high bit: byte >= 'A'
    const uint64_t gt_z = low7 + kOnes * (0x7f - 'Z');  // high bit: byte > 'Z'
    w |= ((ge_a ^ gt_z) & ~w & kHigh) >> 2;             // ASCII and in 'A'..'Z'
    std::memcpy(out + i, &w, 8);
  }
  for (; i < n; ++i) {
    const char c = s[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
}

}  // namespace bw
