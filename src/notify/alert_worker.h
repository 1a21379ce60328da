// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "notify/alert_channel.h"
#include "notify/alert_format.h"
#include "notify/rate_source.h"
#include "store/store.h"

namespace bw::notify {

// What one channel sends and how often.
struct ChannelSchedule {
  // Hard bounces and complaints: at most one alert per min_interval; events arriving meanwhile
  // wait and go out together in the next one. 0 = every pass sends what is due. Default: 5 min.
  std::chrono::milliseconds min_interval = std::chrono::minutes(5);
  // A digest every digest_interval (the first one digest_interval after the channel was first
  // seen). 0 = no digests. Default: 24 h.
  std::chrono::milliseconds digest_interval = std::chrono::hours(24);
  // Whether level changes (up and back down) are sent. Default: true.
  bool level_changes = true;
};

struct AlertWorkerOptions {
  AlertFormatOptions format;
  // Back-off after a failed attempt: retry_initial, doubling with each further failure of the
  // same alert, at most retry_max. Alerts are never dropped. Default: 30 s, 1 h.
  std::chrono::milliseconds retry_initial = std::chrono::seconds(30);
  std::chrono::milliseconds retry_max = std::chrono::hours(1);
  // A claimed alert whose attempt never finished (crash) is due again after this. Longer than a
  // send can take (SMTP timeout: 60 s). Default: 5 min.
  std::chrono::milliseconds lease = std::chrono::minutes(5);
  // The background thread looks at the outbox at least this often (real time), also when its
  // clock says nothing is due (new rows from ingestion, a clock moved by a test). Default: 1 s.
  std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
  // Events in one alert at most (the rest go in the next one). Default: 1000.
  size_t max_events_per_alert = 1000;
  // Sent rows are deleted after this. Default: 7 days.
  std::chrono::milliseconds keep_sent = std::chrono::hours(24 * 7);
  // Addresses and domains listed in a digest at most. Default: 20, 5.
  size_t digest_addresses = 20;
  size_t digest_domains = 5;
};

// Sends the alert outbox (store/alert_outbox.h). Ingestion writes rows for hard bounces and
// complaints in its own transaction and never waits for this worker; the worker, on its own
// thread:
//  - notices level changes (RateSource) and due digests, and writes rows for them together with
//    the state that says so (last notified levels, last digest time), so a restart neither
//    repeats nor forgets them;
//  - per channel, claims what is due, formats it (alert_format.h) and delivers it; marks it sent
//    only once the channel accepted it; on failure records the error and retries later with
//    exponential back-off (capped), never dropping anything. While a channel is backing off,
//    nothing else is tried on it.
// Delivery is at least once: a crash between "accepted" and "marked sent" sends that alert again
// after `lease`; otherwise exactly once.
// Thread-safety: Start/Stop/Wake from any thread; RunOnce only when the thread is not started
// (tests drive it directly with a fake clock).
class AlertWorker {
 public:
  struct Channel {
    AlertChannel* channel = nullptr;  // must outlive the worker
    ChannelSchedule schedule;
  };

  // `store`, `clock` and `rates` must outlive the worker. `rates` may be null: no level changes,
  // and digests without rates or domains.
  AlertWorker(AlertWorkerOptions options, store::Store& store, const Clock& clock,
              std::vector<Channel> channels, RateSource* rates);
  ~AlertWorker();  // Stop()s
  AlertWorker(const AlertWorker&) = delete;
  AlertWorker& operator=(const AlertWorker&) = delete;

  // Starts the background thread (once).
  void Start();
  // Asks the thread to stop and joins it; a delivery in progress finishes first. Idempotent.
  void Stop();
  // Makes the thread look at the outbox now (e.g. after ingestion stored an alert).
  void Wake();

  // One pass: level changes, digests, then every channel's due alerts. Returns when (by the
  // clock) something is next due, or nullopt when nothing is waiting. Errors from the store are
  // logged and retried on the next pass.
  std::optional<TimePoint> RunOnce();

  // Delivery attempts so far (successful or not), for tests and logs.
  int64_t attempts() const;
  // Unsent alerts in the outbox (all channels) as of the last pass; -1 before the first.
  int64_t outbox_depth() const { return depth_.load(std::memory_order_relaxed); }

 private:
  struct ChannelState {
    Channel config;
    int64_t last_event_alert_ms = 0;  // when the last event alert was accepted
    int64_t blocked_until_ms = 0;     // back-off: nothing is tried before this
  };

  Status Initialize(int64_t now_ms);
  Status CheckLevels(int64_t now_ms);
  Status CheckDigests(int64_t now_ms);
  // Sends what is due on one channel; returns when it is next due (0 = nothing waiting).
  Result<int64_t> SendDue(ChannelState& ch, int64_t now_ms,
                          const store::AlertChannelStats& stats);
  Status SendEvents(ChannelState& ch, int64_t now_ms);
  Status SendOthers(ChannelState& ch, int64_t now_ms);
  // Delivers; on failure marks `ids` failed with back-off and blocks the channel.
  Status DeliverAndMark(ChannelState& ch, const Alert& alert, const std::vector<int64_t>& ids,
                        int32_t attempts, int64_t now_ms);
  int64_t BackoffMs(int32_t attempts) const;
  void Loop();

  const AlertWorkerOptions options_;
  store::Store& store_;
  const Clock& clock_;
  RateSource* const rates_;
  std::vector<ChannelState> channels_;  // used by the worker thread only

  bool initialized_ = false;
  std::string bounce_level_ = "ok";  // last notified
  std::string complaint_level_ = "ok";
  std::map<std::string, int64_t> last_digest_ms_;  // per channel
  int64_t last_prune_ms_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool woken_ = false;     // GUARDED_BY(mu_)
  int64_t attempts_ = 0;   // GUARDED_BY(mu_)
  std::atomic<int64_t> depth_{-1};
  std::thread thread_;
};

}  // namespace bw::notify
