// SPDX-License-Identifier: Apache-2.0
#include "store/suppression_import.h"

#include <algorithm>
#include <iterator>
#include <numeric>

namespace bw::store {

ImportReader ImportTextReader(std::string_view text, size_t piece) {
  return [text, piece]() mutable -> Result<std::string_view> {
    std::string_view out = text.substr(0, piece);
    text.remove_prefix(out.size());
    return out;
  };
}

ImportPipeline::ImportPipeline(ImportReader read, ImportOptions options)
    : read_(std::move(read)),
      options_(options),
      parser_(options.format, options.max_entries) {
  options_.batch_size = std::max<size_t>(1, options_.batch_size);
  options_.queued_batches = std::max<size_t>(1, options_.queued_batches);
  thread_ = std::thread([this] { Run(); });
}

ImportPipeline::~ImportPipeline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool ImportPipeline::Push(std::vector<ManualSuppression> batch) {
  // In key order the store writes its B-trees front to back; stable: of equal keys the later
  // line stays later (and wins). Sorted through indices: an entry is six strings.
  std::vector<uint32_t> order(batch.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(), [&batch](uint32_t a, uint32_t b) {
    return batch[a].address.key < batch[b].address.key;
  });
  std::vector<ManualSuppression> sorted;
  sorted.reserve(batch.size());
  for (uint32_t i : order) {
    sorted.push_back(std::move(batch[i]));
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] {
    return stopping_ || draining_ || invalid_ || ready_.size() < options_.queued_batches;
  });
  if (stopping_ || draining_ || invalid_) {
    return false;
  }
  ready_.push_back(std::move(sorted));
  cv_.notify_all();
  return true;
}

void ImportPipeline::Run() {
  bool wanted = true;  // batches are still wanted by the store
  auto check_invalid = [&] {
    if (!options_.skip_invalid && wanted && !parser_.invalid().empty()) {
      // All or nothing: the store stops at once (and rolls back); the rest of the input is
      // still read to report every invalid line.
      wanted = false;
      parser_.set_keep_entries(false);
      (void)parser_.Take();
      std::lock_guard<std::mutex> lock(mu_);
      invalid_ = true;
      ready_.clear();
      cv_.notify_all();
    }
  };
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        break;
      }
    }
    auto piece = read_();
    if (!piece) {
      std::lock_guard<std::mutex> lock(mu_);
      read_error_ = piece.error();
      break;
    }
    if (piece->empty()) {
      parser_.Finish();
    } else {
      parser_.Feed(*piece);
    }
    check_invalid();
    while (wanted && (parser_.pending() >= options_.batch_size ||
                      (piece->empty() && parser_.pending() > 0))) {
      if (!Push(parser_.Take(options_.batch_size))) {
        wanted = false;
        parser_.set_keep_entries(false);
        (void)parser_.Take();
      }
    }
    if (piece->empty()) {
      break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  cv_.notify_all();
}

Result<std::vector<ManualSuppression>> ImportPipeline::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return invalid_ || !ready_.empty() || finished_; });
  if (invalid_) {
    return InvalidInput("the import has invalid lines");
  }
  if (!ready_.empty()) {
    std::vector<ManualSuppression> batch = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    return batch;
  }
  if (read_error_) {
    return *read_error_;
  }
  return std::vector<ManualSuppression>();
}

Result<std::vector<std::pair<size_t, std::string>>> ImportPipeline::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  draining_ = true;
  ready_.clear();
  cv_.notify_all();
  cv_.wait(lock, [this] { return finished_; });
  if (read_error_) {
    return *read_error_;
  }
  return parser_.invalid();  // the parse thread is done with it
}

Result<ImportReport> ImportSuppressionStream(Store& store, const ImportReader& read,
                                             const ImportOptions& options,
                                             const AuditInfo& audit) {
  ImportPipeline pipeline(read, options);
  Result<size_t> imported = store.ImportSuppressions(pipeline, audit);
  auto invalid = pipeline.Finish();
  if (!invalid) {
    return invalid.error();  // the reader's: nothing was stored
  }
  ImportReport report;
  report.invalid = std::move(*invalid);
  if (!report.invalid.empty() && !options.skip_invalid) {
    return report;  // the store stopped at the first invalid line and rolled back
  }
  if (!imported) {
    return imported.error();
  }
  report.stored = true;
  report.imported = *imported;
  return report;
}

}  // namespace bw::store
