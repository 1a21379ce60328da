// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/store.h"
#include "store/suppression_format.h"

namespace bw::store {

// A streamed import (issue 4): the input is read and parsed on a thread of its own, in batches
// sorted by key, while the store writes the batches before (Store::ImportSuppressions), so an
// import uses two cores and keeps only a few batches in memory, not the whole file.

// The next piece of the input, valid until the next call; empty at the end. An error (e.g. a
// read error) ends the import with nothing stored.
using ImportReader = std::function<Result<std::string_view>()>;

struct ImportOptions {
  SuppressionFormat format = SuppressionFormat::kCsv;
  // false: any invalid line imports nothing (all or nothing); true: valid lines are imported.
  bool skip_invalid = false;
  size_t max_entries = 10000000;
  size_t batch_size = 65536;  // entries per batch handed to the store
  size_t queued_batches = 2;  // parsed batches waiting for the store, at most
};

// What an import did.
struct ImportReport {
  bool stored = false;  // false: invalid lines without skip_invalid, nothing imported
  size_t imported = 0;  // entries stored (duplicates counted as given)
  std::vector<std::pair<size_t, std::string>> invalid;  // every invalid line: number, why
};

// Reads all of `read`'s input, parsing on a second thread, and imports it with
// store.ImportSuppressions in one transaction. With invalid lines and !skip_invalid nothing is
// stored (the transaction is rolled back) and the report lists them; a store or read error is
// returned as such (nothing stored either).
Result<ImportReport> ImportSuppressionStream(Store& store, const ImportReader& read,
                                             const ImportOptions& options,
                                             const AuditInfo& audit);

// An ImportReader over text in memory, in pieces of `piece` bytes.
ImportReader ImportTextReader(std::string_view text, size_t piece = 1 << 20);

// The batch source behind ImportSuppressionStream: parses on its own thread (started by the
// constructor) and hands sorted batches to Next. Exposed for tests.
class ImportPipeline final : public SuppressionBatchSource {
 public:
  ImportPipeline(ImportReader read, ImportOptions options);
  ~ImportPipeline() override;  // stops the parse thread (it gives up its input) and joins it
  ImportPipeline(const ImportPipeline&) = delete;
  ImportPipeline& operator=(const ImportPipeline&) = delete;

  // The next sorted batch; empty at the end; kInvalidInput as soon as an invalid line is found
  // without skip_invalid; the reader's error.
  Result<std::vector<ManualSuppression>> Next() override;

  // Waits for the parse thread to reach the end of the input (it goes on counting invalid lines
  // after the first when the store stopped pulling) and returns every invalid line, and the
  // reader's error if there was one.
  Result<std::vector<std::pair<size_t, std::string>>> Finish();

 private:
  void Run();
  // Sorts a batch by key (stable) and queues it; false when the consumer is gone.
  bool Push(std::vector<ManualSuppression> batch);

  ImportReader read_;
  ImportOptions options_;
  ImportParser parser_;  // used by the parse thread only, until finished_
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<ManualSuppression>> ready_;
  bool finished_ = false;  // the parse thread is done with the input
  bool invalid_ = false;   // an invalid line was found (and !skip_invalid)
  bool stopping_ = false;  // the destructor runs: give up
  bool draining_ = false;  // Finish runs: no more batches are wanted, only the invalid lines
  std::optional<Error> read_error_;
  std::thread thread_;
};

}  // namespace bw::store
