// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/zstd_codec.h"

#include <memory>
#include <zstd.h>

namespace bw::store::sqlite {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

constexpr unsigned char kDictionary[] = {
#include "store/sqlite/zstd_dictionary_1651965953.inc"
};

// Built once, shared by all threads (zstd's dictionaries are read-only once made).
const ZSTD_CDict* CompressionDictionary() {
  static const ZSTD_CDict* const dict =
      ZSTD_createCDict(kDictionary, sizeof(kDictionary), 1);
  return dict;
}

const ZSTD_DDict* DecompressionDictionary() {
  static const ZSTD_DDict* const dict =
      ZSTD_createDDict(kDictionary, sizeof(kDictionary));
  return dict;
}

}  // namespace

std::string ZstdCompress(std::string_view bytes) {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  const ZSTD_CDict* dict = CompressionDictionary();
  if (ctx == nullptr || dict == nullptr) {
    throw std::bad_alloc();
  }
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t n = ZSTD_compress_usingCDict(ctx.get(), out.data(), out.size(), bytes.data(),
                                      bytes.size(), dict);
  if (ZSTD_isError(n) != 0) {
    // Only an allocation failure can get here (the buffer is compressBound-sized).
    throw std::bad_alloc();
  }
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view frame) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Internal("stored compressed data is not a zstd frame with a known size");
  }
  if (size > kMaxDecompressedBytes) {
    return Internal("stored compressed data claims " + std::to_string(size) +
                    " bytes, more than the " + std::to_string(kMaxDecompressedBytes) + " limit");
  }
  const unsigned dict_id = ZSTD_getDictID_fromFrame(frame.data(), frame.size());
  const ZSTD_DDict* dict = nullptr;
  if (dict_id == kZstdDictionaryId) {
    dict = DecompressionDictionary();
  } else if (dict_id != 0) {
    return Internal("stored compressed data needs zstd dictionary " + std::to_string(dict_id) +
                    ", which this build does not have (written by a newer bouncewatch?)");
  }
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  std::string out(static_cast<size_t>(size), '\0');
  size_t n = dict != nullptr
                 ? ZSTD_decompress_usingDDict(ctx.get(), out.data(), out.size(), frame.data(),
                                              frame.size(), dict)
                 : ZSTD_decompressDCtx(ctx.get(), out.data(), out.size(), frame.data(),
                                       frame.size());
  if (ZSTD_isError(n) != 0) {
    return Internal(std::string("stored compressed data is corrupt: ") + ZSTD_getErrorName(n));
  }
  if (n != out.size()) {
    return Internal("stored compressed data is shorter than its frame header says");
  }
  return out;
}

Result<std::string> StoredEventJson(const Stmt& s, int column) {
  if (s.ColumnIsBlob(column)) {
    return ZstdDecompress(s.ColumnText(column));
  }
  return s.ColumnText(column);
}

}  // namespace bw::store::sqlite
