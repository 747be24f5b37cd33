#include "sim/machine_simulator.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace edgeloop::sim {
namespace {
constexpr double kTwoPi = 2 * std::numbers::pi;
constexpr double kLoadMean = 0.7;
constexpr double kLoadStd = 0.03;
constexpr double kLoadTimeConstantS = 120;
constexpr double kThermalTimeConstantS = 300;
}  // namespace

MachineSimulator::MachineSimulator(MachineSpec spec, uint64_t seed, Timestamp start)
    : spec_(std::move(spec)), start_(start), rng_(seed) {
  shaft_hz_ = spec_.asset.shaft_rpm / 60.0;
  bpfo_hz_ = ComputeBearingOrders(spec_.asset.bearing).bpfo * shaft_hz_;
  // Two-pole resonator y[n] = a1 y[n-1] + a2 y[n-2] + x[n], poles at the damped resonance.
  const double w0 = kTwoPi * spec_.resonance_hz;
  const double r = std::exp(-spec_.damping_ratio * w0 / spec_.vibration_rate_hz);
  const double theta =
      w0 * std::sqrt(1 - spec_.damping_ratio * spec_.damping_ratio) / spec_.vibration_rate_hz;
  res_a1_ = 2 * r * std::cos(theta);
  res_a2_ = -r * r;
  load_ = kLoadMean + kLoadStd * unit_normal_(rng_);
  // Start in thermal equilibrium with the current load.
  temperature_c_ = spec_.ambient_c + spec_.load_temp_rise_c * load_;
  shaft_phase_ = kTwoPi * std::uniform_real_distribution<double>(0, 1)(rng_);
}

double MachineSimulator::Severity(Timestamp t) const {
  if (!spec_.fault || t < spec_.fault->onset) return 0;
  const double ramp_s = std::max(ToSeconds(spec_.fault->ramp), 1e-9);
  const double x = ToSeconds(t - spec_.fault->onset) / ramp_s;
  // Defects grow slowly at first and then faster (spalling spreads): a square-law ramp.
  return std::min(1.0, x * x);
}

void MachineSimulator::Step(Duration step, std::vector<SampleBatch>& out) {
  const Timestamp end = Now() + step;
  const auto samples_until = [&](double rate) {
    // Number of samples whose time lies before `end`.
    return static_cast<uint64_t>(std::ceil(ToSeconds(end - start_) * rate - 1e-9));
  };
  const uint64_t vib_end = samples_until(spec_.vibration_rate_hz);
  const uint64_t temp_end = samples_until(spec_.temperature_rate_hz);

  // Temperature first: a reading at time t is then always there before the vibration window
  // that contains t completes, as with a real gateway polling both.
  const auto emit = [&](const char* channel, ChannelKind kind, double rate, uint64_t& produced,
                        uint64_t until, auto generate) {
    if (until <= produced) return;
    SampleBatch batch;
    batch.asset = spec_.asset.id;
    batch.channel = channel;
    batch.kind = kind;
    batch.sample_rate_hz = rate;
    batch.start = start_ + SampleOffset(produced, rate);
    (this->*generate)(produced, until - produced, batch);
    produced = until;
    ApplyGlitches(batch);
    out.push_back(std::move(batch));
  };
  emit(kTemperatureChannel, ChannelKind::kTemperature, spec_.temperature_rate_hz, temp_samples_,
       temp_end, &MachineSimulator::GenerateTemperature);
  emit(kVibrationChannel, ChannelKind::kVibration, spec_.vibration_rate_hz, vib_samples_, vib_end,
       &MachineSimulator::GenerateVibration);
  elapsed_ += step;
}

void MachineSimulator::GenerateTemperature(uint64_t first, uint64_t count, SampleBatch& batch) {
  batch.values.resize(count);
  const double dt = 1.0 / spec_.temperature_rate_hz;
  const double load_decay = std::exp(-dt / kLoadTimeConstantS);
  const double thermal_decay = std::exp(-dt / kThermalTimeConstantS);
  for (uint64_t i = 0; i < count; ++i) {
    const Timestamp t = start_ + SampleOffset(first + i, spec_.temperature_rate_hz);
    // Ornstein-Uhlenbeck step keeps the load's stationary standard deviation at kLoadStd.
    load_ = kLoadMean + (load_ - kLoadMean) * load_decay +
            kLoadStd * std::sqrt(1 - load_decay * load_decay) * unit_normal_(rng_);
    const double target =
        spec_.ambient_c + spec_.load_temp_rise_c * load_ + spec_.fault_temp_rise_c * Severity(t);
    temperature_c_ = target + (temperature_c_ - target) * thermal_decay;
    batch.values[i] = static_cast<float>(temperature_c_ + 0.05 * unit_normal_(rng_));
  }
}

void MachineSimulator::GenerateVibration(uint64_t first, uint64_t count, SampleBatch& batch) {
  batch.values.resize(count);
  const double fs = spec_.vibration_rate_hz;
  const double amp_scale = 0.8 + 0.4 * load_;  // imbalance response grows with load
  const double a1 = spec_.imbalance_g * amp_scale;
  const double a2 = 0.3 * a1;
  const double av = spec_.vanes > 0 ? 0.4 * a1 : 0;
  const double bpfo_period_s = 1.0 / bpfo_hz_;
  const double dphi = kTwoPi * shaft_hz_ / fs;
  for (uint64_t i = 0; i < count; ++i) {
    const double t_s = static_cast<double>(first + i) / fs;
    double x = a1 * std::sin(shaft_phase_) + a2 * std::sin(2 * shaft_phase_ + 0.7) +
               av * std::sin(spec_.vanes * shaft_phase_ + 1.3) + spec_.noise_g * unit_normal_(rng_);
    shaft_phase_ = std::fmod(shaft_phase_ + dphi, kTwoPi * 64);  // 64 keeps vane harmonics exact

    double impulse = 0;
    if (spec_.fault) {
      const double severity = Severity(batch.start + SampleOffset(i, fs));
      if (severity > 0 && t_s >= next_impact_s_) {
        // Impacts vary in strength and timing (rolling elements slip about 1-2 %).
        impulse =
            spec_.fault->peak_impact_g * severity * (0.8 + 0.4 * std::abs(unit_normal_(rng_)));
        next_impact_s_ = t_s + bpfo_period_s * (1 + 0.01 * unit_normal_(rng_));
      } else if (severity == 0) {
        next_impact_s_ = t_s;
      }
    }
    const double y = res_a1_ * res_y1_ + res_a2_ * res_y2_ + impulse;
    res_y2_ = res_y1_;
    res_y1_ = y;
    batch.values[i] = static_cast<float>(x + y);
  }
}

void MachineSimulator::ApplyGlitches(SampleBatch& batch) {
  for (const SensorGlitch& g : spec_.glitches) {
    if (g.channel != batch.channel || g.at < batch.start || g.at >= batch.End()) continue;
    const double offset_s = ToSeconds(g.at - batch.start);
    const size_t begin = static_cast<size_t>(offset_s * batch.sample_rate_hz);
    for (size_t i = begin; i < batch.values.size() && i < begin + g.samples; ++i) {
      batch.values[i] = g.kind == SensorGlitch::Kind::kNanBurst
                            ? std::numeric_limits<float>::quiet_NaN()
                            : static_cast<float>(g.value);
    }
  }
}

}  // namespace edgeloop::sim
