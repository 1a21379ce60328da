// SPDX-License-Identifier: Apache-2.0
#include "sim/load_runner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

namespace bw::sim {
namespace {

struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string Ms(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f ms", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

// What one load thread collected; merged at the end.
struct ThreadResult {
  LoadSummary counts;
  std::vector<std::chrono::microseconds> latencies;
};

}  // namespace

std::chrono::microseconds Percentile(const std::vector<std::chrono::microseconds>& sorted,
                                     double q) {
  if (sorted.empty()) {
    return std::chrono::microseconds(0);
  }
  // Nearest rank: the smallest value with at least q of the values at or below it.
  double rank = q * static_cast<double>(sorted.size());
  size_t idx = static_cast<size_t>(rank);
  if (static_cast<double>(idx) < rank) {
    ++idx;
  }
  idx = std::clamp<size_t>(idx, 1, sorted.size());
  return sorted[idx - 1];
}

std::string FormatProgress(uint64_t done, uint64_t total, double elapsed_s, int width) {
  const double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(frac * width);
  std::string bar = "[" + std::string(static_cast<size_t>(filled), '#') +
                    std::string(static_cast<size_t>(width - filled), ' ') + "]";
  char buf[128];
  std::snprintf(buf, sizeof(buf), " %3d%%  %llu/%llu  %.0f/s", static_cast<int>(frac * 100),
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0);
  return bar + buf;
}

std::string FormatSummary(const LoadSummary& s) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "sent      %llu in %.2f s over %lld connection(s)\n"
                "answers   2xx %llu, 4xx %llu, 5xx %llu, other %llu, errors %llu\n"
                "rate      %.1f requests/s\n"
                "latency   p50 %s, p90 %s, p99 %s, max %s\n",
                static_cast<unsigned long long>(s.sent), s.seconds,
                static_cast<long long>(s.connections), static_cast<unsigned long long>(s.ok),
                static_cast<unsigned long long>(s.client_errors),
                static_cast<unsigned long long>(s.server_errors),
                static_cast<unsigned long long>(s.other_status),
                static_cast<unsigned long long>(s.errors), s.requests_per_second(),
                Ms(s.p50).c_str(), Ms(s.p90).c_str(), Ms(s.p99).c_str(), Ms(s.max).c_str());
  return buf;
}

Result<LoadSummary> RunLoad(const HttpTarget& target, const LoadOptions& options,
                            const RequestMaker& make) {
  if (options.count == 0) {
    return InvalidInput("--count must be at least 1");
  }
  if (options.concurrency < 1) {
    return InvalidInput("--concurrency must be at least 1");
  }
  if (options.rate < 0) {
    return InvalidInput("--rate must not be negative");
  }
  std::unique_ptr<std::FILE, FileClose> ack;
  if (!options.ack_log.empty()) {
    ack.reset(std::fopen(options.ack_log.c_str(), "a"));
    if (!ack) {
      return Unavailable("cannot open the ack log " + options.ack_log);
    }
  }
  std::mutex ack_mu;  // guards writes to `ack`

  const int threads = static_cast<int>(
      std::min<uint64_t>(static_cast<uint64_t>(options.concurrency), options.count));
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> done{0};
  std::vector<ThreadResult> results(static_cast<size_t>(threads));
  const auto start = std::chrono::steady_clock::now();

  auto worker = [&](ThreadResult& r) {
    HttpSender sender(target, options.timeout);
    LoadSummary& c = r.counts;
    for (;;) {
      const uint64_t i = next.fetch_add(1);
      if (i >= options.count) {
        break;
      }
      if (options.rate > 0) {
        // Request i is due i/rate seconds after the start, whatever thread sends it.
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(i) / options.rate)));
      }
      ++c.sent;
      auto req = make(i);
      if (req.has_error()) {
        ++c.errors;
        if (c.first_error.empty()) {
          c.first_error = req.error().message();
        }
        done.fetch_add(1);
        continue;
      }
      HttpOutcome out = sender.Post(*req);
      if (out.status == 0) {
        ++c.errors;
        if (out.connect_failed) {
          ++c.connect_errors;
        }
        if (c.first_error.empty()) {
          c.first_error = out.error;
        }
      } else {
        r.latencies.push_back(out.latency);
        ++c.by_status[out.status];
        if (out.status >= 200 && out.status < 300) {
          ++c.ok;
          if (ack) {
            std::lock_guard<std::mutex> lock(ack_mu);
            std::fputs(req->message_id.c_str(), ack.get());
            std::fputc('\n', ack.get());
            std::fflush(ack.get());
          }
        } else {
          if (out.status >= 400 && out.status < 500) {
            ++c.client_errors;
          } else if (out.status >= 500) {
            ++c.server_errors;
          } else {
            ++c.other_status;
          }
          if (c.first_bad_status == 0) {
            c.first_bad_status = out.status;
            c.first_bad_body = out.body;
          }
        }
      }
      done.fetch_add(1);
    }
    c.connections = sender.connections_opened();
  };

  std::mutex progress_mu;
  std::condition_variable progress_cv;
  bool finished = false;  // GUARDED_BY(progress_mu)
  std::thread reporter;
  auto elapsed = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (options.progress) {
    reporter = std::thread([&] {
      std::unique_lock<std::mutex> lock(progress_mu);
      while (
          !progress_cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return finished; })) {
        options.progress(done.load(), options.count, elapsed());
      }
    });
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back(worker, std::ref(results[static_cast<size_t>(t)]));
  }
  for (auto& t : pool) {
    t.join();
  }
  const double seconds = elapsed();
  if (reporter.joinable()) {
    {
      std::lock_guard<std::mutex> lock(progress_mu);
      finished = true;
    }
    progress_cv.notify_all();
    reporter.join();
  }
  if (options.progress) {
    options.progress(done.load(), options.count, seconds);
  }

  LoadSummary s;
  std::vector<std::chrono::microseconds> all;
  for (auto& r : results) {
    const LoadSummary& c = r.counts;
    s.sent += c.sent;
    s.ok += c.ok;
    s.client_errors += c.client_errors;
    s.server_errors += c.server_errors;
    s.other_status += c.other_status;
    s.errors += c.errors;
    s.connect_errors += c.connect_errors;
    s.connections += c.connections;
    for (const auto& [status, n] : c.by_status) {
      s.by_status[status] += n;
    }
    if (s.first_error.empty()) {
      s.first_error = c.first_error;
    }
    if (s.first_bad_status == 0) {
      s.first_bad_status = c.first_bad_status;
      s.first_bad_body = c.first_bad_body;
    }
    all.insert(all.end(), r.latencies.begin(), r.latencies.end());
  }
  std::sort(all.begin(), all.end());
  s.seconds = seconds;
  s.p50 = Percentile(all, 0.50);
  s.p90 = Percentile(all, 0.90);
  s.p99 = Percentile(all, 0.99);
  s.max = all.empty() ? std::chrono::microseconds(0) : all.back();
  return s;
}

}  // namespace bw::sim
