// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_worker.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <utility>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "notify/alert_json.h"

namespace bw::notify {
namespace {

constexpr std::string_view kLevelBounceKey = "level:bounce";
constexpr std::string_view kLevelComplaintKey = "level:complaint";
constexpr int64_t kPruneEveryMs = 3600 * 1000;

std::string DigestKey(std::string_view channel) { return "digest:" + std::string(channel); }

// The earlier of two due times, 0 meaning "none".
int64_t Earliest(int64_t a, int64_t b) {
  if (a == 0) {
    return b;
  }
  if (b == 0) {
    return a;
  }
  return std::min(a, b);
}

}  // namespace

AlertWorker::AlertWorker(AlertWorkerOptions options, store::Store& store, const Clock& clock,
                         std::vector<Channel> channels, RateSource* rates)
    : options_(std::move(options)), store_(store), clock_(clock), rates_(rates) {
  for (Channel& c : channels) {
    channels_.push_back(ChannelState{std::move(c), 0, 0});
  }
}

AlertWorker::~AlertWorker() { Stop(); }

void AlertWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) {
    return;
  }
  thread_ = std::thread([this] { Loop(); });
}

void AlertWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void AlertWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

int64_t AlertWorker::attempts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return attempts_;
}

void AlertWorker::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::optional<TimePoint> next;
    try {
      next = RunOnce();
    } catch (const std::exception& e) {
      spdlog::error("alerts: unexpected error, retrying: {}", e.what());
    }
    lock.lock();
    if (stopping_) {
      break;
    }
    auto wait = options_.poll_interval;
    if (next) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.Now());
      // Never spin: at least 10 ms between passes.
      wait = std::clamp(until, std::chrono::milliseconds(10), options_.poll_interval);
    }
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

int64_t AlertWorker::BackoffMs(int32_t attempts) const {
  int64_t ms = std::max<int64_t>(options_.retry_initial.count(), 1);
  const int64_t cap = std::max<int64_t>(options_.retry_max.count(), ms);
  for (int32_t i = 1; i < attempts && ms < cap; ++i) {
    ms *= 2;
  }
  return std::min(ms, cap);
}

Status AlertWorker::Initialize(int64_t now_ms) {
  auto state = store_.GetAlertState();
  if (!state) {
    return state.error();
  }
  auto stats = store_.GetAlertOutboxStats();
  if (!stats) {
    return stats.error();
  }
  auto get = [&](std::string_view key, std::string fallback) {
    auto it = state->find(std::string(key));
    return it == state->end() ? fallback : it->second;
  };
  bounce_level_ = get(kLevelBounceKey, "ok");
  complaint_level_ = get(kLevelComplaintKey, "ok");
  std::map<std::string, std::string> first_seen;
  for (ChannelState& ch : channels_) {
    const std::string name(ch.config.channel->name());
    auto it = stats->find(name);
    ch.last_event_alert_ms = it == stats->end() ? 0 : it->second.last_event_sent_at_ms;
    if (ch.config.schedule.digest_interval.count() > 0) {
      const std::string key = DigestKey(name);
      const std::string value = get(key, "");
      if (value.empty()) {
        first_seen[key] = std::to_string(now_ms);
        last_digest_ms_[name] = now_ms;
      } else {
        last_digest_ms_[name] = std::strtoll(value.c_str(), nullptr, 10);
      }
    }
  }
  if (!first_seen.empty()) {
    if (auto s = store_.EnqueueAlerts({}, first_seen, now_ms); !s) {
      return s;
    }
  }
  if (rates_ != nullptr) {
    rates_->RestoreLevels(bounce_level_, complaint_level_);
  }
  return {};
}

Status AlertWorker::CheckLevels(int64_t now_ms) {
  if (rates_ == nullptr) {
    return {};
  }
  const bool wanted = std::any_of(channels_.begin(), channels_.end(), [](const ChannelState& c) {
    return c.config.schedule.level_changes;
  });
  if (!wanted) {
    return {};
  }
  const RateSnapshot now = rates_->Current();
  std::vector<LevelChange> changes;
  auto check = [&](const char* rate, const std::string& before, const std::string& after) {
    if (before == after) {
      return;
    }
    LevelChange c;
    c.rate = rate;
    c.from_level = before;
    c.to_level = after;
    c.threshold = rates_->LineOf(rate, LevelRank(after) > LevelRank(before) ? after : before);
    c.now = now;
    changes.push_back(std::move(c));
  };
  check("bounce", bounce_level_, now.bounce_level);
  check("complaint", complaint_level_, now.complaint_level);
  if (changes.empty()) {
    return {};
  }
  std::vector<store::NewAlert> alerts;
  for (const LevelChange& c : changes) {
    const std::string payload = boost::json::serialize(LevelChangeToJson(c));
    for (const ChannelState& ch : channels_) {
      if (ch.config.schedule.level_changes) {
        alerts.push_back({std::string(ch.config.channel->name()), store::kAlertKindLevelChange,
                          payload});
      }
    }
    spdlog::info("alerts: {} rate level {} -> {}", c.rate, c.from_level, c.to_level);
  }
  std::map<std::string, std::string> state = {
      {std::string(kLevelBounceKey), now.bounce_level},
      {std::string(kLevelComplaintKey), now.complaint_level}};
  if (auto s = store_.EnqueueAlerts(alerts, state, now_ms); !s) {
    return s;
  }
  bounce_level_ = now.bounce_level;
  complaint_level_ = now.complaint_level;
  return {};
}

Status AlertWorker::CheckDigests(int64_t now_ms) {
  for (ChannelState& ch : channels_) {
    const auto interval = ch.config.schedule.digest_interval.count();
    if (interval <= 0) {
      continue;
    }
    const std::string name(ch.config.channel->name());
    const int64_t last = last_digest_ms_[name];
    if (now_ms - last < interval) {
      continue;
    }
    auto summary = store_.SummarizeAlertPeriod(last, now_ms, options_.digest_addresses);
    if (!summary) {
      return summary.error();
    }
    Digest d;
    d.period_start_ms = last;
    d.period_end_ms = now_ms;
    d.events_by_type = summary->events_by_type;
    d.hard_bounces = summary->hard_bounces;
    d.complaints = summary->complaints;
    d.new_suppressions = summary->new_suppressed_addresses;
    d.new_suppressions_total = summary->new_suppressions;
    if (rates_ != nullptr) {
      d.rates = rates_->Current();
      d.worst_domains = rates_->WorstDomains(options_.digest_domains);
    } else {
      d.rates.as_of_ms = now_ms;
    }
    store::NewAlert alert{name, store::kAlertKindDigest, boost::json::serialize(DigestToJson(d))};
    if (auto s = store_.EnqueueAlerts({alert}, {{DigestKey(name), std::to_string(now_ms)}}, now_ms);
        !s) {
      return s;
    }
    last_digest_ms_[name] = now_ms;
  }
  return {};
}

Status AlertWorker::DeliverAndMark(ChannelState& ch, const Alert& alert,
                                   const std::vector<int64_t>& ids, int32_t attempts,
                                   int64_t now_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++attempts_;
  }
  const std::string name(ch.config.channel->name());
  Status delivered = ch.config.channel->Deliver(alert);
  const int64_t done_ms = ToUnixMs(clock_.Now());
  if (delivered) {
    spdlog::info("alerts: {} sent: {}", name, alert.content.subject);
    // Accepted: from here on a failure to record it can only cause a duplicate after the lease.
    return store_.MarkAlertsSent(ids, done_ms);
  }
  const int64_t next_ms = now_ms + BackoffMs(attempts);
  ch.blocked_until_ms = next_ms;
  spdlog::warn("alerts: {} failed (attempt {}), retrying at {}: {}", name, attempts,
               FormatIso8601Ms(next_ms), delivered.error().message());
  return store_.MarkAlertsFailed(ids, next_ms, delivered.error().message());
}

Status AlertWorker::SendOthers(ChannelState& ch, int64_t now_ms) {
  const std::string name(ch.config.channel->name());
  // One at a time: a failure stops the channel (back-off) before anything else is claimed.
  while (ch.blocked_until_ms <= now_ms) {
    store::AlertClaim claim;
    claim.channel = name;
    claim.kinds = {store::kAlertKindLevelChange, store::kAlertKindDigest};
    claim.now_ms = now_ms;
    claim.lease_until_ms = now_ms + options_.lease.count();
    claim.limit = 1;
    auto items = store_.ClaimAlerts(claim);
    if (!items) {
      return items.error();
    }
    if (items->empty()) {
      return {};
    }
    const store::AlertItem& item = items->front();
    Alert alert;
    Status decoded = [&]() -> Status {
      auto v = ParsePayload(item.payload);
      if (!v) {
        return v.error();
      }
      if (item.kind == store::kAlertKindLevelChange) {
        auto c = LevelChangeFromJson(*v);
        if (!c) {
          return c.error();
        }
        alert.kind = Alert::Kind::kLevelChange;
        alert.level_change = std::move(*c);
        alert.content = FormatLevelChange(alert.level_change, options_.format);
      } else {
        auto d = DigestFromJson(*v);
        if (!d) {
          return d.error();
        }
        alert.kind = Alert::Kind::kDigest;
        alert.digest = std::move(*d);
        alert.content = FormatDigest(alert.digest, options_.format);
      }
      return {};
    }();
    if (!decoded) {
      // Cannot happen with payloads this code wrote; keep the row (never drop), retry rarely.
      spdlog::error("alerts: {} alert {} cannot be read: {}", name, item.id,
                    decoded.error().message());
      if (auto s = store_.MarkAlertsFailed({item.id}, now_ms + options_.retry_max.count(),
                                           decoded.error().message());
          !s) {
        return s;
      }
      continue;
    }
    if (auto s = DeliverAndMark(ch, alert, {item.id}, item.attempts, now_ms); !s) {
      return s;
    }
  }
  return {};
}

Status AlertWorker::SendEvents(ChannelState& ch, int64_t now_ms) {
  const std::string name(ch.config.channel->name());
  store::AlertClaim claim;
  claim.channel = name;
  claim.kinds = {store::kAlertKindEvent};
  claim.now_ms = now_ms;
  claim.lease_until_ms = now_ms + options_.lease.count();
  claim.limit = std::max<size_t>(options_.max_events_per_alert, 1);
  auto items = store_.ClaimAlerts(claim);
  if (!items) {
    return items.error();
  }
  if (items->empty()) {
    return {};
  }
  Alert alert;
  alert.kind = Alert::Kind::kEvents;
  std::vector<int64_t> ids;
  std::vector<int64_t> gone;
  int32_t attempts = 1;
  for (store::AlertItem& item : *items) {
    if (!item.event) {
      gone.push_back(item.id);  // the event no longer exists: nothing to tell
      continue;
    }
    ids.push_back(item.id);
    attempts = std::max(attempts, item.attempts);
    alert.events.push_back(std::move(*item.event));
  }
  if (!gone.empty()) {
    if (auto s = store_.MarkAlertsSent(gone, now_ms); !s) {
      return s;
    }
  }
  if (ids.empty()) {
    return {};
  }
  alert.content = FormatEventAlert(alert.events, 0, options_.format);
  if (auto s = DeliverAndMark(ch, alert, ids, attempts, now_ms); !s) {
    return s;
  }
  if (ch.blocked_until_ms <= now_ms) {
    ch.last_event_alert_ms = now_ms;
  }
  return {};
}

Result<int64_t> AlertWorker::SendDue(ChannelState& ch, int64_t now_ms,
                                     const store::AlertChannelStats& stats) {
  if (stats.next_other_due_at_ms != 0 && stats.next_other_due_at_ms <= now_ms &&
      ch.blocked_until_ms <= now_ms) {
    if (auto s = SendOthers(ch, now_ms); !s) {
      return s.error();
    }
  }
  const int64_t gate = ch.last_event_alert_ms == 0
                           ? 0
                           : ch.last_event_alert_ms + ch.config.schedule.min_interval.count();
  if (stats.next_event_due_at_ms != 0 &&
      std::max({stats.next_event_due_at_ms, gate, ch.blocked_until_ms}) <= now_ms) {
    if (auto s = SendEvents(ch, now_ms); !s) {
      return s.error();
    }
  }
  // When this channel is next due, from what was pending before this pass (a pass that sent
  // something is followed by another soon, which sees the new state).
  int64_t next = 0;
  if (stats.next_other_due_at_ms != 0) {
    next = Earliest(next, std::max(stats.next_other_due_at_ms, ch.blocked_until_ms));
  }
  if (stats.next_event_due_at_ms != 0) {
    const int64_t gate_now =
        ch.last_event_alert_ms == 0
            ? 0
            : ch.last_event_alert_ms + ch.config.schedule.min_interval.count();
    next = Earliest(next, std::max({stats.next_event_due_at_ms, gate_now, ch.blocked_until_ms}));
  }
  return next;
}

std::optional<TimePoint> AlertWorker::RunOnce() {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  const int64_t retry_ms = now_ms + options_.poll_interval.count();
  if (!initialized_) {
    if (Status s = Initialize(now_ms); !s) {
      spdlog::warn("alerts: cannot read the outbox state, retrying: {}", s.error().message());
      return FromUnixMs(retry_ms);
    }
    initialized_ = true;
  }
  if (Status s = CheckLevels(now_ms); !s) {
    spdlog::warn("alerts: cannot record a level change, retrying: {}", s.error().message());
  }
  if (Status s = CheckDigests(now_ms); !s) {
    spdlog::warn("alerts: cannot record a digest, retrying: {}", s.error().message());
  }
  auto stats = store_.GetAlertOutboxStats();
  if (!stats) {
    spdlog::warn("alerts: cannot read the outbox, retrying: {}", stats.error().message());
    return FromUnixMs(retry_ms);
  }
  int64_t depth = 0;
  for (const auto& [name, st] : *stats) {
    depth += st.pending;
  }
  depth_.store(depth, std::memory_order_relaxed);
  int64_t next = 0;
  for (ChannelState& ch : channels_) {
    auto it = stats->find(std::string(ch.config.channel->name()));
    if (it == stats->end() || it->second.pending == 0) {
      continue;
    }
    auto due = SendDue(ch, now_ms, it->second);
    if (!due) {
      spdlog::warn("alerts: {}: outbox error, retrying: {}", ch.config.channel->name(),
                   due.error().message());
      next = Earliest(next, retry_ms);
      continue;
    }
    next = Earliest(next, *due);
  }
  for (const auto& [name, last] : last_digest_ms_) {
    for (const ChannelState& ch : channels_) {
      if (ch.config.channel->name() == name) {
        next = Earliest(next, last + ch.config.schedule.digest_interval.count());
      }
    }
  }
  if (now_ms - last_prune_ms_ >= kPruneEveryMs) {
    last_prune_ms_ = now_ms;
    if (auto pruned = store_.PruneSentAlerts(now_ms - options_.keep_sent.count()); !pruned) {
      spdlog::warn("alerts: cannot prune sent alerts: {}", pruned.error().message());
    }
  }
  if (next == 0) {
    return std::nullopt;
  }
  return FromUnixMs(next);
}

}  // namespace bw::notify
