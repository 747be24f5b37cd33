#include "sim/sensor_faults.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <random>

namespace edgeloop::sim {

std::string_view SensorFaultName(SensorFaultType type) {
  switch (type) {
    case SensorFaultType::kDropout:
      return "dropout";
    case SensorFaultType::kStuck:
      return "stuck";
    case SensorFaultType::kSpikes:
      return "spikes";
    case SensorFaultType::kNan:
      return "nan";
    case SensorFaultType::kOutOfRange:
      return "out_of_range";
    case SensorFaultType::kDrift:
      return "drift";
    case SensorFaultType::kClockSkew:
      return "clock_skew";
    case SensorFaultType::kOutOfOrder:
      return "out_of_order";
    case SensorFaultType::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

uint64_t InjectedFaults::FaultySamples() const {
  uint64_t n = 0;
  for (const FaultEpisode& e : episodes) {
    for (const FaultyRun& r : e.samples) n += r.count;
  }
  return n;
}

namespace {

using Rng = std::mt19937_64;

double Uniform(Rng& rng, double lo, double hi) {
  return lo >= hi ? lo : std::uniform_real_distribution<double>(lo, hi)(rng);
}
uint64_t UniformInt(Rng& rng, uint64_t lo, uint64_t hi) {
  return lo >= hi ? lo : std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
}
double Sign(Rng& rng) { return UniformInt(rng, 0, 1) ? 1.0 : -1.0; }

// Positions of samples counted across a run of batches.
class Positions {
 public:
  explicit Positions(std::span<const SampleBatch> batches) {
    offsets_.push_back(0);
    for (const SampleBatch& b : batches) offsets_.push_back(offsets_.back() + b.values.size());
  }
  uint64_t total() const { return offsets_.back(); }
  uint64_t offset(size_t batch) const { return offsets_[batch]; }
  std::pair<size_t, size_t> Locate(uint64_t g) const {
    const auto it = std::upper_bound(offsets_.begin(), offsets_.end(), g);
    const auto b = static_cast<size_t>(it - offsets_.begin()) - 1;
    return {b, static_cast<size_t>(g - offsets_[b])};
  }
  // The samples [g0, g1) as runs per batch.
  std::vector<FaultyRun> Runs(uint64_t g0, uint64_t g1) const {
    std::vector<FaultyRun> runs;
    while (g0 < g1) {
      const auto [b, i] = Locate(g0);
      const uint64_t n = std::min<uint64_t>(g1, offsets_[b + 1]) - g0;
      runs.push_back({b, i, static_cast<size_t>(n)});
      g0 += n;
    }
    return runs;
  }

 private:
  std::vector<uint64_t> offsets_;
};

// One start per equal slice of [0, total), leaving room for `length` and a margin of a tenth of
// the slice at both ends, so that episodes never touch each other or the stream's ends.
std::vector<uint64_t> PlaceInSlices(uint64_t total, size_t episodes, uint64_t length, Rng& rng) {
  std::vector<uint64_t> starts;
  if (episodes == 0) return starts;
  const uint64_t slice = total / episodes;
  const uint64_t margin = slice / 10;
  assert(slice > length + 2 * margin && "too many or too long episodes for the stream");
  const uint64_t room = slice > length + 2 * margin ? slice - length - 2 * margin : 0;
  for (size_t e = 0; e < episodes; ++e) {
    starts.push_back(e * slice + margin + UniformInt(rng, 0, room));
  }
  return starts;
}

// Common frame of the sample-level value faults: `apply(batches, g0, g1, rng)` changes the
// samples [g0, g1) of an episode whose length `length(rng)` drew.
template <typename Length, typename Apply>
InjectedFaults InjectBursts(std::span<const SampleBatch> clean, SensorFaultType type,
                            size_t episodes, uint64_t max_length, uint64_t seed, Length length,
                            Apply apply) {
  Rng rng(seed);
  InjectedFaults out;
  out.type = type;
  out.batches.assign(clean.begin(), clean.end());
  const Positions pos(clean);
  for (uint64_t g0 : PlaceInSlices(pos.total(), episodes, max_length, rng)) {
    const uint64_t g1 = g0 + length(rng);
    FaultEpisode e;
    e.samples = pos.Runs(g0, g1);
    for (const FaultyRun& r : e.samples) {
      for (size_t i = r.first; i < r.first + r.count; ++i)
        apply(out.batches[r.batch].values[i], rng);
    }
    const auto [b0, i0] = pos.Locate(g0);
    const auto [b1, i1] = pos.Locate(g1 - 1);
    e.start = clean[b0].TimeOf(i0);
    e.end = i1 + 1 < clean[b1].values.size() ? clean[b1].TimeOf(i1 + 1) : clean[b1].End();
    e.first_batch = b0;
    e.last_batch = b1;
    out.episodes.push_back(std::move(e));
  }
  return out;
}

SampleBatch Slice(const SampleBatch& b, size_t from, size_t to) {
  SampleBatch s = b;
  s.values.assign(b.values.begin() + static_cast<std::ptrdiff_t>(from),
                  b.values.begin() + static_cast<std::ptrdiff_t>(to));
  if (!b.timestamps.empty()) {
    s.timestamps.assign(b.timestamps.begin() + static_cast<std::ptrdiff_t>(from),
                        b.timestamps.begin() + static_cast<std::ptrdiff_t>(to));
  }
  s.start = b.TimeOf(from);
  return s;
}

// Batch indices, one per slice of `n` batches, leaving `length` batches and a margin.
std::vector<size_t> PlaceBatches(size_t n, size_t episodes, size_t length, Rng& rng) {
  std::vector<size_t> out;
  for (uint64_t s : PlaceInSlices(n, episodes, length, rng)) out.push_back(static_cast<size_t>(s));
  return out;
}

}  // namespace

InjectedFaults InjectNan(std::span<const SampleBatch> clean, const BurstParams& p, uint64_t seed) {
  return InjectBursts(
      clean, SensorFaultType::kNan, p.episodes, p.max_samples, seed,
      [&](Rng& rng) { return UniformInt(rng, p.min_samples, p.max_samples); },
      [](float& v, Rng&) { v = std::numeric_limits<float>::quiet_NaN(); });
}

InjectedFaults InjectOutOfRange(std::span<const SampleBatch> clean, const OutOfRangeParams& p,
                                uint64_t seed) {
  return InjectBursts(
      clean, SensorFaultType::kOutOfRange, p.episodes, p.max_samples, seed,
      [&](Rng& rng) { return UniformInt(rng, p.min_samples, p.max_samples); },
      [&](float& v, Rng& rng) {
        v = static_cast<float>(Sign(rng) * Uniform(rng, p.min_value, p.max_value));
      });
}

InjectedFaults InjectSpikes(std::span<const SampleBatch> clean, const SpikeParams& p,
                            uint64_t seed) {
  double sign = 1, amplitude = 0;
  size_t left = 0;  // samples of the current spike still to change (one sign and size per spike)
  return InjectBursts(
      clean, SensorFaultType::kSpikes, p.episodes, p.max_width, seed,
      [&](Rng& rng) {
        left = UniformInt(rng, 1, std::max<size_t>(1, p.max_width));
        sign = Sign(rng);
        amplitude = Uniform(rng, p.min_amplitude, p.max_amplitude);
        return left;
      },
      [&](float& v, Rng&) { v = static_cast<float>(v + sign * amplitude); });
}

InjectedFaults InjectStuck(std::span<const SampleBatch> clean, const BurstParams& p,
                           uint64_t seed) {
  bool first = true;
  float held = 0;
  return InjectBursts(
      clean, SensorFaultType::kStuck, p.episodes, p.max_samples, seed,
      [&](Rng& rng) {
        first = true;
        return UniformInt(rng, p.min_samples, p.max_samples);
      },
      [&](float& v, Rng&) {
        if (first) held = v;  // the sensor freezes at its first reading of the episode
        first = false;
        v = held;
      });
}

InjectedFaults InjectDropouts(std::span<const SampleBatch> clean, const DropoutParams& p,
                              uint64_t seed) {
  Rng rng(seed);
  InjectedFaults out;
  out.type = SensorFaultType::kDropout;
  if (clean.empty()) return out;
  const Positions pos(clean);
  const double rate = clean[0].sample_rate_hz;
  const auto samples_of = [rate](Duration d) {
    return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(ToSeconds(d) * rate)));
  };
  std::vector<std::pair<uint64_t, uint64_t>> holes;  // [g0, g1), ascending
  for (uint64_t g0 : PlaceInSlices(pos.total(), p.episodes, samples_of(p.max_duration), rng)) {
    const Duration d =
        FromSeconds(Uniform(rng, ToSeconds(p.min_duration), ToSeconds(p.max_duration)));
    holes.emplace_back(g0, g0 + samples_of(d));
  }
  size_t next_hole = 0;  // first hole whose following batch has not been emitted
  for (size_t b = 0; b < clean.size(); ++b) {
    const uint64_t b0 = pos.offset(b), b1 = pos.offset(b + 1);
    uint64_t from = b0;
    const auto emit = [&](uint64_t to) {
      if (to <= from) return;
      while (next_hole < holes.size() && holes[next_hole].second <= from) {
        const auto [g0, g1] = holes[next_hole];
        const auto [hb0, hi0] = pos.Locate(g0);
        const auto [hb1, hi1] = pos.Locate(g1);
        FaultEpisode e;
        e.start = clean[hb0].TimeOf(hi0);
        e.end = clean[hb1].TimeOf(hi1);
        e.first_batch = e.last_batch = out.batches.size();
        out.episodes.push_back(std::move(e));
        ++next_hole;
      }
      out.batches.push_back(Slice(clean[b], from - b0, to - b0));
    };
    for (const auto& [g0, g1] : holes) {
      if (g1 <= from || g0 >= b1) continue;
      emit(std::max(from, std::min(g0, b1)));
      from = std::min(std::max(from, g1), b1);
    }
    emit(b1);
  }
  return out;
}

InjectedFaults InjectDrift(std::span<const SampleBatch> clean, const DriftParams& p,
                           uint64_t seed) {
  Rng rng(seed);
  InjectedFaults out;
  out.type = SensorFaultType::kDrift;
  out.batches.assign(clean.begin(), clean.end());
  if (clean.empty() || p.episodes == 0) return out;
  const Timestamp t0 = clean.front().TimeOf(0) + p.skip;
  const Duration span = clean.back().End() - t0;
  const Duration slice = span / static_cast<int64_t>(p.episodes);
  const Duration active = p.ramp + p.hold;
  assert(slice > active && "drift episodes do not fit the stream");
  for (size_t e = 0; e < p.episodes; ++e) {
    const Duration room = slice - active;
    const Timestamp start =
        t0 + slice * static_cast<int64_t>(e) + FromSeconds(Uniform(rng, 0, 0.2 * ToSeconds(room)));
    const double gain = Sign(rng) * p.gain;
    const double offset = Sign(rng) * p.offset;
    FaultEpisode ep;
    ep.start = start;
    ep.end = start + active;
    bool seen = false;
    for (size_t b = 0; b < out.batches.size(); ++b) {
      SampleBatch& batch = out.batches[b];
      if (batch.End() <= ep.start || batch.TimeOf(0) >= ep.end) continue;
      if (!seen) ep.first_batch = b;
      seen = true;
      ep.last_batch = b;
      FaultyRun run{b, 0, 0};
      for (size_t i = 0; i < batch.values.size(); ++i) {
        const Timestamp t = batch.TimeOf(i);
        if (t < ep.start || t >= ep.end) continue;
        const double f = std::min(1.0, ToSeconds(t - ep.start) / std::max(1e-9, ToSeconds(p.ramp)));
        batch.values[i] = static_cast<float>(batch.values[i] * (1 + gain * f) + offset * f);
        if (run.count == 0) run.first = i;
        ++run.count;
      }
      if (run.count > 0) ep.samples.push_back(run);
    }
    out.episodes.push_back(std::move(ep));
  }
  return out;
}

InjectedFaults InjectClockSkew(std::span<const SampleBatch> clean, const SkewParams& p,
                               uint64_t seed) {
  Rng rng(seed);
  InjectedFaults out;
  out.type = SensorFaultType::kClockSkew;
  out.batches.assign(clean.begin(), clean.end());
  if (clean.empty()) return out;
  const double batch_s = ToSeconds(clean[0].End() - clean[0].TimeOf(0));
  const auto batches_of = [&](Duration d) {
    return std::max<size_t>(1, static_cast<size_t>(std::llround(ToSeconds(d) / batch_s)));
  };
  for (size_t first : PlaceBatches(clean.size(), p.episodes, batches_of(p.max_duration), rng)) {
    const Duration d =
        FromSeconds(Uniform(rng, ToSeconds(p.min_duration), ToSeconds(p.max_duration)));
    const double sign = p.ahead_only ? 1.0 : Sign(rng);
    const Duration shift =
        FromSeconds(sign * Uniform(rng, ToSeconds(p.min_offset), ToSeconds(p.max_offset)));
    FaultEpisode e;
    e.first_batch = first;
    e.last_batch = std::min(clean.size(), first + batches_of(d)) - 1;
    e.start = clean[first].TimeOf(0);
    e.end = clean[e.last_batch].End();
    for (size_t b = e.first_batch; b <= e.last_batch; ++b) {
      SampleBatch& batch = out.batches[b];
      batch.start += shift;
      for (Timestamp& t : batch.timestamps) t += shift;
      e.samples.push_back({b, 0, batch.values.size()});
    }
    out.episodes.push_back(std::move(e));
  }
  return out;
}

InjectedFaults InjectOutOfOrder(std::span<const SampleBatch> clean, const DeliveryParams& p,
                                uint64_t seed) {
  Rng rng(seed);
  InjectedFaults out;
  out.type = SensorFaultType::kOutOfOrder;
  out.batches.assign(clean.begin(), clean.end());
  for (size_t j : PlaceBatches(clean.size(), p.episodes, 2, rng)) {
    std::swap(out.batches[j], out.batches[j + 1]);
    // Batch j arrives after j + 1: it is the late one.
    FaultEpisode e;
    e.first_batch = e.last_batch = j + 1;
    e.start = clean[j].TimeOf(0);
    e.end = clean[j].End();
    e.samples.push_back({j + 1, 0, clean[j].values.size()});
    out.episodes.push_back(std::move(e));
  }
  return out;
}

InjectedFaults InjectDuplicates(std::span<const SampleBatch> clean, const DeliveryParams& p,
                                uint64_t seed) {
  Rng rng(seed);
  InjectedFaults out;
  out.type = SensorFaultType::kDuplicate;
  const std::vector<size_t> resent = PlaceBatches(clean.size(), p.episodes, 1, rng);
  size_t next = 0;
  for (size_t b = 0; b < clean.size(); ++b) {
    out.batches.push_back(clean[b]);
    if (next < resent.size() && resent[next] == b) {
      out.batches.push_back(clean[b]);
      FaultEpisode e;
      e.first_batch = e.last_batch = out.batches.size() - 1;
      e.start = clean[b].TimeOf(0);
      e.end = clean[b].End();
      e.samples.push_back({e.first_batch, 0, clean[b].values.size()});
      out.episodes.push_back(std::move(e));
      ++next;
    }
  }
  return out;
}

void SetReceiveTimes(std::vector<SampleBatch>& batches, Duration min_latency, Duration max_latency,
                     uint64_t seed) {
  Rng rng(seed);
  for (SampleBatch& b : batches) {
    b.received =
        b.End() + FromSeconds(Uniform(rng, ToSeconds(min_latency), ToSeconds(max_latency)));
  }
}

void AddPollTimestamps(std::vector<SampleBatch>& batches, Duration jitter, uint64_t seed) {
  Rng rng(seed);
  const double j = ToSeconds(jitter);
  for (SampleBatch& b : batches) {
    std::vector<Timestamp> times(b.values.size());
    for (size_t i = 0; i < times.size(); ++i)
      times[i] = b.TimeOf(i) + FromSeconds(Uniform(rng, -j, j));
    b.timestamps = std::move(times);
    if (!b.timestamps.empty()) b.start = b.timestamps.front();
  }
}

std::vector<SampleBatch> MakeRedundantChannel(std::span<const SampleBatch> batches,
                                              const std::string& channel, double offset,
                                              double noise_std, uint64_t seed) {
  Rng rng(seed);
  std::normal_distribution<double> noise(0.0, noise_std);
  std::vector<SampleBatch> out(batches.begin(), batches.end());
  for (SampleBatch& b : out) {
    b.channel = channel;
    for (float& v : b.values) v = static_cast<float>(v + offset + noise(rng));
  }
  return out;
}

}  // namespace edgeloop::sim
