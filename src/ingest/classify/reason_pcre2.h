// SPDX-License-Identifier: Apache-2.0
// How the reason patterns are compiled, shared by reason.cc and the build step that compiles
// them ahead of time (reason_prefilter_gen.cc): the same options, and the key under which a
// pattern's serialized code is found.
#pragma once

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include <pcre2.h>

namespace bw::ingest::reason_pcre2 {

// Not PCRE2_CASELESS: the patterns are lower case and always run on ASCII-lower-cased text
// (non-ASCII text in them has no case), and caseless matching costs more per position.
inline constexpr uint32_t kOptions = PCRE2_EXTENDED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;

// `pattern` compiled with kOptions; null when it does not compile. The caller frees it.
inline pcre2_code* CompilePattern(std::string_view pattern) {
  int err = 0;
  PCRE2_SIZE off = 0;
  return pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), kOptions,
                       &err, &off, nullptr);
}

// `code` as pcre2_serialize_encode writes it (a set of one); "" when it cannot.
inline std::string SerializeCode(const pcre2_code* code) {
  uint8_t* bytes = nullptr;
  PCRE2_SIZE size = 0;
  std::string out;
  if (pcre2_serialize_encode(&code, 1, &bytes, &size, nullptr) == 1) {
    out.assign(reinterpret_cast<const char*>(bytes), size);
    pcre2_serialize_free(bytes);
  }
  return out;
}

// A 64-bit hash of a pattern's text: with its size, the key of its serialized code. The build
// step fails if two different patterns share a key. FNV-1a's step taken 8 bytes (little-endian)
// at a time, each product folded (high half into low) so that every byte reaches every bit, then
// byte by byte for the last 0-7 bytes: a byte-at-a-time FNV-1a was ≈ 51 k instructions of a
// parse-mail run (now ≈ 13 k), ≈ 1.5 k for each of the ≈ 34 patterns it decodes (a chain of
// dependent multiplies, one a byte; docs/benchmarks.md, issue 6, session 13).
constexpr uint64_t PatternKey(std::string_view pattern) {
  constexpr uint64_t kPrime = 0x100000001b3u;
  uint64_t h = 0xcbf29ce484222325u;
  size_t i = 0;
  for (; i + 8 <= pattern.size(); i += 8) {
    uint64_t word = 0;
    if (std::is_constant_evaluated()) {
      for (size_t b = 0; b < 8; ++b) {
        word |= uint64_t{static_cast<unsigned char>(pattern[i + b])} << (8 * b);
      }
    } else {  // the same word in one load (GCC does not merge the loop's byte loads)
      std::memcpy(&word, pattern.data() + i, 8);
      if constexpr (std::endian::native == std::endian::big) {
        word = __builtin_bswap64(word);
      }
    }
    h = (h ^ word) * kPrime;
    h ^= h >> 32;
  }
  for (; i < pattern.size(); ++i) {
    h = (h ^ static_cast<unsigned char>(pattern[i])) * kPrime;
  }
  return h;
}

// One pattern's code as pcre2_serialize_encode wrote it (a set of one), in the generated
// reason_codes.inc: bytes [offset, offset + length) of kSerializedCodeBytes.
struct SerializedCode {
  uint64_t key;      // PatternKey(pattern)
  uint32_t size;     // pattern.size()
  uint32_t offset;   // a multiple of 8
  uint32_t length;
};

}  // namespace bw::ingest::reason_pcre2
