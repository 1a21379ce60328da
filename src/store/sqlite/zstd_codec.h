// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/sqlite/sqlite_handle.h"

namespace bw::store::sqlite {

// zstd compression of what the SQLite store keeps per message (the raw notification, each
// event's JSON): fewer bytes per row means fewer pages per message in the WAL and the database,
// which is what the single writer spends most of its time on. Compression runs on the threads
// that call IngestAsync, never on the writer.

// Stored bytes larger than this are refused on reading (a corrupt frame header cannot make us
// allocate more). Far above any accepted body (server.max_body_bytes, mail size limits).
inline constexpr size_t kMaxDecompressedBytes = size_t{256} << 20;

// The zstd dictionary new frames are compressed with (zstd_dictionary_<id>.inc, trained by
// scripts/make-zstd-dictionary on SNS envelopes and event JSON). A stored frame names its
// dictionary by this id, so a released dictionary is never changed: a new one gets a new id and
// the old one stays for reading. On the bench's 2.5 KB SNS notification it halves the CPU of
// compressing (zstd builds no entropy tables of its own for such small inputs) and stores
// ~40 % fewer bytes than plain level 1.
inline constexpr unsigned kZstdDictionaryId = 1651965953;

// `bytes` as one zstd frame (level 1 with the dictionary kZstdDictionaryId, the content size
// recorded in the frame), with a context reused per thread. Thread-safe.
std::string ZstdCompress(std::string_view bytes);

// The bytes of a frame made by ZstdCompress, or of a frame without a dictionary (rows written
// before the dictionary). kInternal when `frame` is not one complete zstd frame with a known
// content size of at most kMaxDecompressedBytes, or names a dictionary this build does not have.
// Thread-safe.
Result<std::string> ZstdDecompress(std::string_view frame);

// Event JSON bigger than this is stored compressed (smaller gains nothing worth the CPU).
inline constexpr size_t kCompressEventJsonFrom = 256;

// The JSON of a stored event from `column` of the current row: a TEXT value as it is (rows
// written before migration 6, and small ones), a BLOB value decompressed.
Result<std::string> StoredEventJson(const Stmt& s, int column);

}  // namespace bw::store::sqlite
