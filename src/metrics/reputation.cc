// SPDX-License-Identifier: Apache-2.0
#include "metrics/reputation.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace bw::metrics {

namespace {

constexpr std::string_view kSimulatorDomain = "simulator.amazonses.com";
constexpr std::string_view kOnAccountSuppressionList = "OnAccountSuppressionList";
constexpr std::string_view kOtherKey = "(other)";
constexpr int64_t kMaxSeriesPoints = 10000;

// Index into Bucket::by_key for a dimension other than kAll.
int KeyIndex(Dimension d) { return static_cast<int>(d) - 1; }
Dimension DimensionAt(int index) { return static_cast<Dimension>(index + 1); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The domain after the last '@' of an address that may be wrapped as "Name <a@b>".
std::string DomainOf(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view d = address.substr(at + 1);
  while (!d.empty() && (d.back() == '>' || d.back() == ' ' || d.back() == '\t' ||
                        d.back() == '\r' || d.back() == '\n' || d.back() == '.')) {
    d.remove_suffix(1);
  }
  return Lower(d);
}

double Ratio(int64_t n, int64_t d) { return d > 0 ? static_cast<double>(n) / d : 0.0; }

}  // namespace

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kOk:
      return "ok";
    case Level::kElevated:
      return "elevated";
    case Level::kWarning:
      return "warning";
    case Level::kAtRisk:
      return "at_risk";
  }
  return "ok";
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (Level l : {Level::kOk, Level::kElevated, Level::kWarning, Level::kAtRisk}) {
    if (LevelName(l) == name) {
      return l;
    }
  }
  return std::nullopt;
}

std::string_view SendSourceName(SendSource s) {
  switch (s) {
    case SendSource::kSendEvents:
      return "send_events";
    case SendSource::kDeliveredBounced:
      return "delivered_bounced";
    case SendSource::kReported:
      return "reported";
    case SendSource::kNone:
      return "none";
  }
  return "none";
}

std::string_view DimensionName(Dimension d) { return ReputationDimensionName(d); }

std::optional<Dimension> ParseDimension(std::string_view name) {
  return ParseReputationDimension(name);
}

Status ReputationConfig::Validate() const {
  using std::chrono::milliseconds;
  if (bucket <= milliseconds(0) || window <= milliseconds(0)) {
    return InvalidInput("[reputation] window and bucket must be positive durations");
  }
  if (window % bucket != milliseconds(0) || retention % bucket != milliseconds(0)) {
    return InvalidInput("[reputation] bucket must divide window and retention exactly");
  }
  if (retention < window) {
    return InvalidInput("[reputation] retention must be at least the window");
  }
  if (window_sends && *window_sends <= 0) {
    return InvalidInput("[reputation] window_sends must be a positive number of sends");
  }
  const double bounce_low = bounce_elevated;
  if (!(0 < bounce_low && bounce_low <= bounce_warning && bounce_warning <= bounce_at_risk &&
        bounce_at_risk <= 1)) {
    return InvalidInput(
        "[reputation] bounce thresholds must satisfy 0 < elevated <= warning <= at_risk <= 1");
  }
  const double complaint_low = complaint_elevated.value_or(complaint_warning);
  if (!(0 < complaint_low && complaint_low <= complaint_warning &&
        complaint_warning <= complaint_at_risk && complaint_at_risk <= 1)) {
    return InvalidInput(
        "[reputation] complaint thresholds must satisfy 0 < elevated <= warning <= at_risk <= 1");
  }
  if (min_sends < 0) {
    return InvalidInput("[reputation] min_sends must not be negative");
  }
  if (max_keys_per_bucket == 0) {
    return InvalidInput("[reputation] max_keys_per_bucket must be at least 1");
  }
  return {};
}

Level LevelFor(double rate, std::optional<double> elevated, double warning, double at_risk) {
  if (rate >= at_risk) {
    return Level::kAtRisk;
  }
  if (rate >= warning) {
    return Level::kWarning;
  }
  if (elevated && rate >= *elevated) {
    return Level::kElevated;
  }
  return Level::kOk;
}

std::pair<SendSource, int64_t> ChooseSends(const Counts& c) {
  if (c.sends > 0) {
    return {SendSource::kSendEvents, c.sends};
  }
  if (c.deliveries + c.bounces > 0) {
    return {SendSource::kDeliveredBounced, c.deliveries + c.bounces};
  }
  if (c.reported_sends > 0) {
    return {SendSource::kReported, c.reported_sends};
  }
  return {SendSource::kNone, 0};
}

std::string RecipientDomainOf(std::string_view recipient) { return DomainOf(recipient); }

std::string IdentityOf(const FeedbackEvent& e) {
  constexpr std::string_view kMarker = ":identity/";
  const size_t pos = e.mail.source_arn.find(kMarker);
  if (pos != std::string::npos) {
    return Lower(std::string_view(e.mail.source_arn).substr(pos + kMarker.size()));
  }
  return DomainOf(e.mail.from);
}

Counts CountsForEvent(const FeedbackEvent& e, const ReputationConfig& config) {
  Counts c;
  switch (e.type) {
    case EventType::kSend:
      c.sends = 1;
      break;
    case EventType::kDelivery:
      c.deliveries = 1;
      break;
    case EventType::kBounce:
      if (e.bounce && e.bounce->ses_subtype == kOnAccountSuppressionList) {
        c.excluded = 1;  // SES never attempted it: the address is on the account's list
      } else {
        c.bounces = 1;
        c.hard_bounces = e.bounce && e.bounce->bounce_class == BounceClass::kHard ? 1 : 0;
      }
      break;
    case EventType::kComplaint:
      if (e.complaint && e.complaint->sub_type == kOnAccountSuppressionList) {
        c.excluded = 1;
      } else {
        c.complaints = 1;
      }
      break;
    default:
      return c;
  }
  if (!config.count_simulator && DomainOf(e.recipient) == kSimulatorDomain) {
    return Counts{.excluded = 1};
  }
  return c;
}

namespace {

int64_t FloorTo(int64_t ms, int64_t bucket_ms) {
  int64_t q = ms / bucket_ms;
  if (ms % bucket_ms < 0) {
    --q;
  }
  return q * bucket_ms;
}

std::vector<BucketRow> PureRows(int64_t at_ms, const Counts& c, const std::string (&keys)[3],
                                const ReputationConfig& config, int64_t now_ms) {
  const int64_t bucket_ms = config.bucket.count();
  const int64_t start = FloorTo(std::min(at_ms, now_ms), bucket_ms);
  if (start < FloorTo(now_ms, bucket_ms) - config.retention.count()) {
    return {};
  }
  std::vector<BucketRow> rows;
  rows.reserve(4);
  rows.push_back(BucketRow{start, Dimension::kAll, "", c});
  for (int i = 0; i < 3; ++i) {
    rows.push_back(BucketRow{start, DimensionAt(i), keys[i], c});
  }
  return rows;
}

}  // namespace

std::vector<BucketRow> RowsForEvent(const FeedbackEvent& e, const ReputationConfig& config,
                                    int64_t now_ms) {
  const Counts c = CountsForEvent(e, config);
  if (c.Empty()) {
    return {};
  }
  int64_t at_ms = e.occurred_at_ms != 0 ? e.occurred_at_ms : e.received_at_ms;
  if (at_ms == 0) {
    at_ms = now_ms;
  }
  const std::string keys[3] = {IdentityOf(e), e.mail.configuration_set,
                               RecipientDomainOf(e.recipient)};
  return PureRows(at_ms, c, keys, config, now_ms);
}

std::vector<BucketRow> RowsForReportedSends(int64_t at_ms, int64_t count,
                                            std::string_view identity,
                                            std::string_view configuration_set,
                                            const ReputationConfig& config, int64_t now_ms) {
  if (count <= 0) {
    return {};
  }
  const std::string keys[3] = {Lower(identity), std::string(configuration_set), ""};
  return PureRows(at_ms, Counts{.reported_sends = count}, keys, config, now_ms);
}

ReputationCounter::ReputationCounter(ReputationConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), bucket_ms_(config_.bucket.count()) {}

int64_t ReputationCounter::BucketStart(int64_t ms) const {
  // Floor division, also for (unlikely) negative times.
  int64_t q = ms / bucket_ms_;
  if (ms % bucket_ms_ < 0) {
    --q;
  }
  return q * bucket_ms_;
}

std::string ReputationCounter::AddKeyLocked(Bucket& b, int index, const std::string& key,
                                            const Counts& c) {
  auto& map = b.by_key[index];
  auto it = map.find(key);
  if (it == map.end()) {
    if (map.size() >= config_.max_keys_per_bucket) {
      std::string other(kOtherKey);
      map[other] += c;
      return other;
    }
    it = map.emplace(key, Counts{}).first;
  }
  it->second += c;
  return key;
}

std::vector<BucketRow> ReputationCounter::AddLocked(int64_t at_ms, const Counts& c,
                                                    const std::string (&keys)[3]) {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  // A timestamp ahead of our clock (skew, or a bogus provider value) counts now, so that it can
  // neither sit in the window for ever nor hide in a bucket the window has not reached yet.
  const int64_t start = BucketStart(std::min(at_ms, now_ms));
  if (start < BucketStart(now_ms) - config_.retention.count()) {
    return {};  // older than anything we keep
  }
  Bucket& b = buckets_[start];
  b.all += c;
  std::vector<BucketRow> rows;
  rows.reserve(4);
  rows.push_back(BucketRow{start, Dimension::kAll, "", c});
  for (int i = 0; i < 3; ++i) {
    rows.push_back(BucketRow{start, DimensionAt(i), AddKeyLocked(b, i, keys[i], c), c});
  }
  if (start > newest_bucket_) {
    newest_bucket_ = start;
    PruneLocked(now_ms);
  }
  return rows;
}

std::vector<BucketRow> ReputationCounter::Add(const FeedbackEvent& e) {
  const Counts c = CountsForEvent(e, config_);
  if (c.Empty()) {
    return {};
  }
  int64_t at_ms = e.occurred_at_ms != 0 ? e.occurred_at_ms : e.received_at_ms;
  if (at_ms == 0) {
    at_ms = ToUnixMs(clock_.Now());
  }
  const std::string keys[3] = {IdentityOf(e), e.mail.configuration_set,
                               RecipientDomainOf(e.recipient)};
  std::lock_guard<std::mutex> lock(mu_);
  return AddLocked(at_ms, c, keys);
}

std::vector<BucketRow> ReputationCounter::AddReportedSends(int64_t at_ms, int64_t count,
                                                           std::string_view identity,
                                                           std::string_view configuration_set) {
  if (count <= 0) {
    return {};
  }
  const std::string keys[3] = {Lower(identity), std::string(configuration_set), ""};
  std::lock_guard<std::mutex> lock(mu_);
  return AddLocked(at_ms, Counts{.reported_sends = count}, keys);
}

void ReputationCounter::Merge(const std::vector<BucketRow>& rows) { MergeRows(rows, true); }

void ReputationCounter::MergeSummed(const std::vector<BucketRow>& rows) {
  MergeRows(rows, false);
}

void ReputationCounter::MergeRows(const std::vector<BucketRow>& rows, bool capped) {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  const int64_t oldest = BucketStart(now_ms) - config_.retention.count();
  std::lock_guard<std::mutex> lock(mu_);
  for (const BucketRow& row : rows) {
    const int64_t start = BucketStart(row.bucket_start_ms);
    if (start < oldest) {
      continue;
    }
    Bucket& b = buckets_[start];
    if (row.dimension == Dimension::kAll) {
      b.all += row.counts;
    } else if (capped) {
      // Persisted keys were already capped when written; a smaller cap now still applies.
      AddKeyLocked(b, KeyIndex(row.dimension), row.key, row.counts);
    } else {
      b.by_key[KeyIndex(row.dimension)][row.key] += row.counts;
    }
    newest_bucket_ = std::max(newest_bucket_, start);
  }
}

int64_t ReputationCounter::WindowStart() const {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  std::lock_guard<std::mutex> lock(mu_);
  return WindowStartLocked(now_ms);
}

std::vector<BucketRow> ReputationCounter::Rows() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BucketRow> rows;
  for (const auto& [start, b] : buckets_) {
    rows.push_back(BucketRow{start, Dimension::kAll, "", b.all});
    for (int i = 0; i < 3; ++i) {
      std::vector<std::pair<std::string, Counts>> keyed(b.by_key[i].begin(), b.by_key[i].end());
      std::sort(keyed.begin(), keyed.end(),
                [](const auto& x, const auto& y) { return x.first < y.first; });
      for (auto& [key, counts] : keyed) {
        rows.push_back(BucketRow{start, DimensionAt(i), key, counts});
      }
    }
  }
  return rows;
}

void ReputationCounter::Prune() {
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked(ToUnixMs(clock_.Now()));
}

void ReputationCounter::PruneLocked(int64_t now_ms) {
  const int64_t oldest = BucketStart(now_ms) - config_.retention.count();
  buckets_.erase(buckets_.begin(), buckets_.lower_bound(oldest));
}

int64_t ReputationCounter::WindowStartLocked(int64_t now_ms) const {
  const int64_t time_start = BucketStart(now_ms) - (config_.window.count() - bucket_ms_);
  if (!config_.window_sends) {
    return time_start;
  }
  // The most recent buckets that together hold window_sends sends of the source that the whole
  // retained history would use; at least the current bucket.
  const int64_t oldest = BucketStart(now_ms) - config_.retention.count();
  Counts total;
  for (auto it = buckets_.lower_bound(oldest); it != buckets_.end(); ++it) {
    total += it->second.all;
  }
  const SendSource source = ChooseSends(total).first;
  const auto sends_of = [source](const Counts& c) -> int64_t {
    switch (source) {
      case SendSource::kSendEvents:
        return c.sends;
      case SendSource::kDeliveredBounced:
        return c.deliveries + c.bounces;
      case SendSource::kReported:
        return c.reported_sends;
      case SendSource::kNone:
        return 0;
    }
    return 0;
  };
  int64_t start = BucketStart(now_ms);
  int64_t seen = 0;
  for (auto it = buckets_.rbegin(); it != buckets_.rend() && it->first >= oldest; ++it) {
    start = std::min(start, it->first);
    seen += sends_of(it->second.all);
    if (seen >= *config_.window_sends) {
      break;
    }
  }
  return start;
}

Counts ReputationCounter::SumLocked(int64_t start, Dimension dimension,
                                    std::string_view key) const {
  Counts sum;
  for (auto it = buckets_.lower_bound(start); it != buckets_.end(); ++it) {
    if (dimension == Dimension::kAll) {
      sum += it->second.all;
      continue;
    }
    const auto& map = it->second.by_key[KeyIndex(dimension)];
    auto found = map.find(std::string(key));
    if (found != map.end()) {
      sum += found->second;
    }
  }
  return sum;
}

Reputation ReputationCounter::Finish(int64_t now_ms, int64_t window_start_ms,
                                     const Counts& c) const {
  Reputation r;
  r.as_of_ms = now_ms;
  r.window_start_ms = window_start_ms;
  r.counts = c;
  std::tie(r.send_source, r.sends) = ChooseSends(c);
  r.hard_bounces = c.hard_bounces;
  r.complaints = c.complaints;
  r.bounce_rate = Ratio(c.hard_bounces, r.sends);
  r.complaint_rate = Ratio(c.complaints, r.sends);
  r.bounce_level = LevelFor(r.bounce_rate, config_.bounce_elevated, config_.bounce_warning,
                            config_.bounce_at_risk);
  r.complaint_level = LevelFor(r.complaint_rate, config_.complaint_elevated,
                               config_.complaint_warning, config_.complaint_at_risk);
  r.level = std::max(r.bounce_level, r.complaint_level);
  r.low_confidence = r.sends < config_.min_sends || r.sends == 0;
  return r;
}

Reputation ReputationCounter::Compute() const { return ComputeFor(Dimension::kAll, ""); }

Reputation ReputationCounter::ComputeFor(Dimension dimension, std::string_view key) const {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t start = WindowStartLocked(now_ms);
  return Finish(now_ms, start, SumLocked(start, dimension, key));
}

std::vector<BreakdownRow> ReputationCounter::Breakdown(Dimension dimension, size_t limit) const {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  std::vector<BreakdownRow> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t start = WindowStartLocked(now_ms);
    if (dimension == Dimension::kAll) {
      rows.push_back(BreakdownRow{"", Finish(now_ms, start, SumLocked(start, dimension, ""))});
      return rows;
    }
    std::unordered_map<std::string, Counts> sums;
    for (auto it = buckets_.lower_bound(start); it != buckets_.end(); ++it) {
      for (const auto& [key, counts] : it->second.by_key[KeyIndex(dimension)]) {
        sums[key] += counts;
      }
    }
    rows.reserve(sums.size());
    for (const auto& [key, counts] : sums) {
      rows.push_back(BreakdownRow{key, Finish(now_ms, start, counts)});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const BreakdownRow& a, const BreakdownRow& b) {
    const auto bad = [](const Reputation& r) { return r.hard_bounces + r.complaints; };
    if (a.reputation.level != b.reputation.level) {
      return a.reputation.level > b.reputation.level;
    }
    if (bad(a.reputation) != bad(b.reputation)) {
      return bad(a.reputation) > bad(b.reputation);
    }
    return a.key < b.key;
  });
  if (rows.size() > limit) {
    rows.resize(limit);
  }
  return rows;
}

Result<std::vector<SeriesPoint>> ReputationCounter::Series(std::chrono::milliseconds bucket,
                                                           int64_t since_ms) const {
  const int64_t b = bucket.count();
  if (b <= 0 || b % bucket_ms_ != 0) {
    return InvalidInput("series bucket must be a positive multiple of the [reputation] bucket (" +
                        std::to_string(bucket_ms_ / 1000) + " s)");
  }
  const int64_t now_ms = ToUnixMs(clock_.Now());
  const auto floor_to = [b](int64_t ms) { return ms / b * b - (ms % b < 0 ? b : 0); };
  const int64_t first = floor_to(since_ms);
  const int64_t last = floor_to(now_ms);
  if (first > last) {
    return std::vector<SeriesPoint>{};
  }
  if ((last - first) / b + 1 > kMaxSeriesPoints) {
    return InvalidInput(
        "series would have more than 10000 points: use a larger bucket or a "
        "later since");
  }
  std::vector<SeriesPoint> points;
  points.reserve(static_cast<size_t>((last - first) / b + 1));
  for (int64_t p = first; p <= last; p += b) {
    SeriesPoint point;
    point.bucket_start_ms = p;
    points.push_back(point);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = buckets_.lower_bound(first); it != buckets_.end() && it->first < last + b;
         ++it) {
      points[static_cast<size_t>((it->first - first) / b)].counts += it->second.all;
    }
  }
  for (SeriesPoint& p : points) {
    std::tie(p.send_source, p.sends) = ChooseSends(p.counts);
    p.bounce_rate = Ratio(p.counts.hard_bounces, p.sends);
    p.complaint_rate = Ratio(p.counts.complaints, p.sends);
  }
  return points;
}

}  // namespace bw::metrics
