#include "quality/quality_gate.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "quality/drift_rules.h"
#include "quality/time_rules.h"
#include "quality/value_rules.h"

namespace edgeloop::quality {
namespace internal {

struct ScoreBucket {
  int64_t second = 0;
  uint64_t total = 0;
  uint64_t bad = 0;
};

// Everything the gate remembers about one channel.
struct ChannelState {
  std::string asset;
  std::string channel;
  ChannelKind kind = ChannelKind::kVibration;
  double rate_hz = 1;
  SkewTracker skew;
  TimeTracker time;
  StuckDetector stuck;
  SpikeDetector spike;
  LevelTracker level;
  DriftDetector drift;                            // against the channel's own baseline
  std::vector<PairState*> pairs;                  // redundant pairs it belongs to
  std::deque<std::pair<int64_t, double>> levels;  // recent per-second levels, for the pairs
  ChannelQuality counters;
  std::deque<ScoreBucket> score;
};

// Two redundant channels of one asset; the detector watches level_a - level_b (or the ratio).
struct PairState {
  ChannelState* a = nullptr;  // both set once both channels have been seen
  ChannelState* b = nullptr;
  std::string asset;
  std::string name_a, name_b;
  DriftDetector detector;
};

}  // namespace internal

using internal::ChannelState;
using internal::PairState;

namespace {
constexpr size_t kPairLevelMemory = 64;  // seconds of levels kept to meet the twin's
Timestamp StartOfSecond(int64_t s) { return FromNanos(s * 1'000'000'000); }
}  // namespace

QualityGate::QualityGate(QualityConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  const Status s = Validate(config_);
  if (!s.ok()) {
    std::fprintf(stderr, "QualityGate: invalid config: %s\n", s.ToString().c_str());
    std::abort();
  }
}

QualityGate::~QualityGate() = default;

uint64_t QualityGate::flagged_total() const {
  uint64_t total = 0;
  for (uint64_t n : flagged_) total += n;
  return total;
}

ChannelState* QualityGate::Find(std::string_view asset, std::string_view channel) const {
  auto it = channels_.find(std::string(asset) + "/" + std::string(channel));
  return it == channels_.end() ? nullptr : it->second.get();
}

ChannelState& QualityGate::Channel(const SampleBatch& batch) {
  const std::string key = batch.asset + "/" + batch.channel;
  auto it = channels_.find(key);
  if (it != channels_.end()) return *it->second;
  auto state = std::make_unique<ChannelState>();
  state->asset = batch.asset;
  state->channel = batch.channel;
  state->kind = batch.kind;
  state->counters.asset = batch.asset;
  state->counters.channel = batch.channel;
  state->counters.kind = batch.kind;
  ChannelState* ch = state.get();
  channels_.emplace(key, std::move(state));
  for (const RedundantPair& rp : config_.redundant_pairs) {
    if (rp.channel_a != batch.channel && rp.channel_b != batch.channel) continue;
    PairState* pair = nullptr;
    for (auto& p : pairs_) {
      if (p->asset == batch.asset && p->name_a == rp.channel_a && p->name_b == rp.channel_b) {
        pair = p.get();
      }
    }
    if (!pair) {
      pairs_.push_back(std::make_unique<PairState>());
      pair = pairs_.back().get();
      pair->asset = batch.asset;
      pair->name_a = rp.channel_a;
      pair->name_b = rp.channel_b;
    }
    (rp.channel_a == batch.channel ? pair->a : pair->b) = ch;
    ch->pairs.push_back(pair);
  }
  return *ch;
}

std::vector<QuarantineRun> QualityGate::Check(const SampleBatch& batch) {
  ChannelState& ch = Channel(batch);
  ch.rate_hz = batch.sample_rate_hz > 0 ? batch.sample_rate_hz : ch.rate_hz;
  const ChannelRules& rules = config_.RulesFor(batch.kind);
  const PhysicalRange range = config_.RangeFor(batch.kind);
  const size_t n = batch.values.size();
  const size_t first_event = pending_.size();
  internal::EventSink sink{ch.asset, ch.channel, pending_};
  const Timestamp now = batch.received.value_or(n > 0 ? clock_.Now() : Timestamp{});

  flags_.assign(n, internal::kUnflagged);
  for (size_t i = 0; i < n; ++i) {
    const float v = batch.values[i];
    if (!std::isfinite(v)) {
      flags_[i] = static_cast<uint8_t>(Rule::kNotFinite);
    } else if (config_.check_range && (v < range.min || v > range.max)) {
      flags_[i] = static_cast<uint8_t>(Rule::kOutOfRange);
    }
  }
  if (n > 0 && batch.sample_rate_hz > 0) {
    ch.skew.Check(batch, config_.clock, flags_, sink);
    ch.time.Check(batch, rules.timing, config_.clock, now, flags_, sink);
    if (rules.stuck.enabled) ch.stuck.Check(batch, rules.stuck, flags_);
    if (rules.spike.enabled) ch.spike.Check(batch, rules.spike, flags_);
    CheckDrift(ch, batch, flags_);
  }

  std::vector<QuarantineRun> runs;
  uint64_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    if (flags_[i] == internal::kUnflagged) continue;
    const auto rule = static_cast<Rule>(flags_[i]);
    ++bad;
    ++flagged_[flags_[i]];
    ++ch.counters.flagged[flags_[i]];
    if (!runs.empty() && runs.back().rule == rule && runs.back().first + runs.back().count == i) {
      ++runs.back().count;
    } else {
      runs.push_back({i, 1, rule, batch.values[i]});
    }
  }
  const uint64_t missing = ch.time.missing_in_last_check();
  samples_checked_ += n;
  ch.counters.samples += n;
  ch.counters.missing += missing;
  if (n > 0) AddToScore(ch, now, n + missing, bad + missing);
  Publish(first_event);
  return runs;
}

void QualityGate::CheckDrift(ChannelState& ch, const SampleBatch& batch,
                             std::vector<uint8_t>& flags) {
  const ChannelRules& rules = config_.RulesFor(batch.kind);
  bool pairs_on = false;
  for (const PairState* p : ch.pairs) pairs_on |= p->a && p->b && rules.pair_drift.enabled;
  if (!rules.drift.enabled && !pairs_on && !DriftActive(ch)) return;
  const internal::LevelTracker::OnLevel on_level = [&](int64_t second, double level) {
    OnLevel(ch, second, level);
  };
  const size_t n = batch.values.size();
  if (!batch.timestamps.empty()) {
    for (size_t i = 0; i < n; ++i) {
      if (!internal::IsFlagged(flags, i)) {
        ch.level.Add(batch.TimeOf(i), batch.values[i], batch.kind, batch.sample_rate_hz, on_level);
      }
      if (DriftActive(ch)) internal::Flag(flags, i, Rule::kCalibrationDrift);
    }
    return;
  }
  // Evenly spaced: a second at a time. A level (and with it the drift state) changes only when
  // a new second begins, so this flags exactly what a sample-by-sample loop would.
  const bool squares = batch.kind == ChannelKind::kVibration;
  for (size_t i = 0; i < n;) {
    const int64_t second = internal::SecondOf(batch.TimeOf(i));
    const Timestamp next = StartOfSecond(second + 1);
    const double ahead = std::ceil(ToSeconds(next - batch.TimeOf(i)) * batch.sample_rate_hz);
    size_t e = std::min(n, i + std::max<size_t>(1, static_cast<size_t>(ahead)));
    while (e > i + 1 && batch.TimeOf(e - 1) >= next) --e;
    while (e < n && batch.TimeOf(e) < next) ++e;
    double sum = 0;
    uint64_t count = 0;
    for (size_t m = i; m < e; ++m) {
      if (internal::IsFlagged(flags, m)) continue;
      const double v = batch.values[m];
      sum += squares ? v * v : v;
      ++count;
    }
    if (count > 0) ch.level.AddSum(second, sum, count, batch.kind, batch.sample_rate_hz, on_level);
    if (DriftActive(ch)) {
      for (size_t m = i; m < e; ++m) internal::Flag(flags, m, Rule::kCalibrationDrift);
    }
    i = e;
  }
}

void QualityGate::OnLevel(ChannelState& ch, int64_t second, double level) {
  const ChannelRules& rules = config_.RulesFor(ch.kind);
  if (rules.drift.enabled) {
    const auto change = ch.drift.Update(second, level, rules.drift);
    internal::EventSink sink{ch.asset, ch.channel, pending_};
    if (change == internal::DriftDetector::Change::kBegan) {
      sink.Emit(Rule::kCalibrationDrift, StartOfSecond(ch.drift.episode_start()),
                StartOfSecond(second + 1),
                ch.drift.Describe(ch.kind == ChannelKind::kVibration ? "RMS" : "level") +
                    "; samples quarantined until it recovers or is re-baselined",
                /*ongoing=*/true);
    } else if (change == internal::DriftDetector::Change::kEnded) {
      sink.Emit(Rule::kCalibrationDrift, StartOfSecond(ch.drift.episode_start()),
                StartOfSecond(second + 1),
                "level back at its baseline: " + ch.drift.Describe("level"));
    }
  }
  if (ch.pairs.empty()) return;
  ch.levels.emplace_back(second, level);
  while (ch.levels.size() > kPairLevelMemory) ch.levels.pop_front();
  for (PairState* p : ch.pairs) {
    if (p->a && p->b && config_.RulesFor(p->a->kind).pair_drift.enabled) UpdatePair(*p, second);
  }
}

void QualityGate::UpdatePair(PairState& pair, int64_t second) {
  const auto level_at = [second](const ChannelState& c) -> std::optional<double> {
    for (auto it = c.levels.rbegin(); it != c.levels.rend(); ++it) {
      if (it->first == second) return it->second;
      if (it->first < second) break;
    }
    return std::nullopt;
  };
  const std::optional<double> a = level_at(*pair.a), b = level_at(*pair.b);
  if (!a || !b) return;  // the twin's level of this second has not arrived (yet)
  const DriftSettings& s = config_.RulesFor(pair.a->kind).pair_drift;
  if (s.relative && std::abs(*b) < 1e-12) return;
  const double value = s.relative ? *a / *b : *a - *b;
  const auto change = pair.detector.Update(second, value, s);
  if (change == internal::DriftDetector::Change::kNone) return;
  const bool began = change == internal::DriftDetector::Change::kBegan;
  const std::string what =
      fmt::format("{} {} {}", pair.name_a, s.relative ? "/" : "-", pair.name_b);
  const std::string detail =
      began ? pair.detector.Describe(what) +
                  "; both sensors' samples quarantined until they agree again or are re-baselined"
            : "redundant sensors agree again: " + pair.detector.Describe(what);
  for (ChannelState* c : {pair.a, pair.b}) {
    internal::EventSink sink{c->asset, c->channel, pending_};
    sink.Emit(Rule::kCalibrationDrift, StartOfSecond(pair.detector.episode_start()),
              StartOfSecond(second + 1), detail, began);
  }
}

bool QualityGate::DriftActive(const ChannelState& ch) const {
  if (ch.drift.active()) return true;
  for (const PairState* p : ch.pairs) {
    if (p->detector.active()) return true;
  }
  return false;
}

void QualityGate::Publish(size_t first_new_event) {
  for (size_t i = first_new_event; i < pending_.size(); ++i) {
    if (ChannelState* c = Find(pending_[i].asset, pending_[i].channel)) {
      ++c->counters.events[static_cast<size_t>(pending_[i].rule)];
    }
  }
  if (pending_.size() > kMaxPendingEvents) {
    const size_t drop = pending_.size() - kMaxPendingEvents;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(drop));
    events_dropped_ += drop;
  }
}

std::vector<QualityEvent> QualityGate::TakeEvents() {
  std::vector<QualityEvent> out;
  out.swap(pending_);
  return out;
}

void QualityGate::AddToScore(ChannelState& ch, Timestamp now, uint64_t total, uint64_t bad) {
  const int64_t second = internal::SecondOf(now);
  if (!ch.score.empty() && ch.score.back().second >= second) {
    ch.score.back().total += total;  // same second, or a clock that went back: keep it simple
    ch.score.back().bad += bad;
  } else {
    ch.score.push_back({second, total, bad});
  }
  const auto horizon = static_cast<int64_t>(std::ceil(config_.score_horizon_s));
  while (!ch.score.empty() && ch.score.front().second <= second - horizon) ch.score.pop_front();
}

double QualityGate::QualityScore(std::string_view asset, std::string_view channel) const {
  const ChannelState* ch = Find(asset, channel);
  if (!ch || ch->score.empty()) return 1;
  const auto horizon = static_cast<int64_t>(std::ceil(config_.score_horizon_s));
  const int64_t latest = ch->score.back().second;
  uint64_t total = 0, bad = 0;
  for (const internal::ScoreBucket& b : ch->score) {
    if (b.second <= latest - horizon) continue;
    total += b.total;
    bad += b.bad;
  }
  return total == 0 ? 1 : 1 - static_cast<double>(bad) / static_cast<double>(total);
}

std::vector<ChannelQuality> QualityGate::Snapshot() const {
  std::vector<ChannelQuality> out;
  out.reserve(channels_.size());
  for (const auto& [key, ch] : channels_) {
    ChannelQuality q = ch->counters;
    q.score = QualityScore(ch->asset, ch->channel);
    q.skew_active = ch->skew.active();
    q.drift_active = DriftActive(*ch);
    out.push_back(std::move(q));
  }
  return out;
}

Status QualityGate::Rebaseline(std::string_view asset, std::string_view channel) {
  ChannelState* ch = Find(asset, channel);
  if (!ch) return NotFound(fmt::format("quality gate has not seen channel {}/{}", asset, channel));
  const bool was_active = DriftActive(*ch);
  ch->drift.Reset();
  for (PairState* p : ch->pairs) p->detector.Reset();
  if (was_active) {
    const Timestamp now = clock_.Now();
    internal::EventSink sink{ch->asset, ch->channel, pending_};
    sink.Emit(Rule::kCalibrationDrift, now, now,
              "re-baselined: drift episode ended, learning again");
    Publish(pending_.size() - 1);
  }
  return Status::Ok();
}

std::string DescribeRun(const QuarantineRun& run, const SampleBatch& batch,
                        const QualityConfig& config) {
  const bool vib = batch.kind == ChannelKind::kVibration;
  const char* unit = vib ? "g" : "degC";
  const PhysicalRange& range = config.RangeFor(batch.kind);
  const ChannelRules& rules = config.RulesFor(batch.kind);
  switch (run.rule) {
    case Rule::kNotFinite:
      return fmt::format("{} non-finite value(s) (NaN or Inf)", run.count);
    case Rule::kOutOfRange:
      return fmt::format("{} value(s) outside the physical range [{}, {}] {}, first {}", run.count,
                         range.min, range.max, unit, run.first_value);
    case Rule::kClockSkew:
      return fmt::format("{} sample(s) stamped by a clock that disagrees with the receive time",
                         run.count);
    case Rule::kFutureTimestamp:
      return fmt::format("{} sample(s) stamped more than {} s in the future", run.count,
                         config.clock.future_tolerance_s);
    case Rule::kDuplicateTimestamp:
      return fmt::format("{} sample(s) with times already delivered", run.count);
    case Rule::kOutOfOrder:
      return fmt::format("{} sample(s) older than the channel's latest sample", run.count);
    case Rule::kStuck:
      return fmt::format("{} sample(s) of a flatline at {} {} ({}+ equal readings)", run.count,
                         run.first_value, unit, rules.stuck.min_run);
    case Rule::kSpike:
      return fmt::format("{} spike sample(s), first {} {}", run.count, run.first_value, unit);
    case Rule::kCalibrationDrift:
      return fmt::format("{} sample(s) during a calibration-drift episode", run.count);
    case Rule::kGap:
    case Rule::kRateDeviation:
    case Rule::kCount:
      break;
  }
  return fmt::format("{} sample(s) flagged by {}", run.count, RuleName(run.rule));
}

}  // namespace edgeloop::quality
