// SPDX-License-Identifier: Apache-2.0
// ParseMail over every corpus mail (already in memory): mails/s without file I/O or output.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ingest/mail/mail_parser.h"

namespace {

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> kMails = [] {
    std::vector<std::filesystem::path> paths;
    for (const auto& e : std::filesystem::recursive_directory_iterator(BW_MAIL_CORPUS_DIR)) {
      if (e.is_regular_file()) {
        paths.push_back(e.path());
      }
    }
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> mails;
    for (const auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      mails.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return mails;
  }();
  return kMails;
}

void BM_ParseMailCorpus(benchmark::State& state) {
  const auto& mails = Corpus();
  bw::mail::ParseOptions options;
  for (auto _ : state) {
    for (const auto& m : mails) {
      auto r = bw::mail::ParseMail(m, options);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * mails.size()));
}
BENCHMARK(BM_ParseMailCorpus)->Unit(benchmark::kMillisecond);

void BM_ParseMailCorpusThreads(benchmark::State& state) { BM_ParseMailCorpus(state); }
BENCHMARK(BM_ParseMailCorpusThreads)->Threads(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
