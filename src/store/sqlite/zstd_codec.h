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

// `bytes` as one zstd frame (level 1, the content size recorded in the frame), with a
// context reused per thread. Thread-safe.
std::string ZstdCompress(std::string_view bytes);

// The bytes of a frame made by ZstdCompress. kInternal when `frame` is not one complete zstd
// frame with a known content size of at most kMaxDecompressedBytes. Thread-safe.
Result<std::string> ZstdDecompress(std::string_view frame);

// Event JSON bigger than this is stored compressed (smaller gains nothing worth the CPU).
inline constexpr size_t kCompressEventJsonFrom = 256;

// The JSON of a stored event from `column` of the current row: a TEXT value as it is (rows
// written before migration 6, and small ones), a BLOB value decompressed.
Result<std::string> StoredEventJson(const Stmt& s, int column);

}  // namespace bw::store::sqlite
