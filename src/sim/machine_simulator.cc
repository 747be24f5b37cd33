#include "sim/machine_simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace edgeloop::sim {
namespace {
constexpr double kTwoPi = 2 * std::numbers::pi;
constexpr double kLoadStd = 0.03;  // load wander around the profile's set point
constexpr double kLoadTimeConstantS = 120;
// Vibration is synthesised in blocks of this many samples (5 ms at 25.6 kHz): speed, load and
// fault severities are held per block, which keeps the per-sample work to a few multiplications.
// Blocks are counted from sample 0, so the output does not depend on how Step() cuts the run.
constexpr uint64_t kBlock = 128;
constexpr double kNominalLoad = 0.7;

// Separate random streams per purpose, derived from the seed (SplitMix64 finaliser).
uint64_t StreamSeed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Heat a fault adds at full severity, as a share of MachineSpec::fault_temp_rise_c: bearing
// defects and misalignment load the bearing; imbalance and looseness much less so.
double HeatShare(FaultKind kind) {
  return kind == FaultKind::kImbalance || kind == FaultKind::kLooseness ? 0.3 : 1.0;
}

}  // namespace

MachineFrequencies ComputeMachineFrequencies(const BearingGeometry& bearing, double shaft_rpm) {
  const BearingOrders o = ComputeBearingOrders(bearing);
  const double f = shaft_rpm / 60;
  return {f, o.bpfo * f, o.bpfi * f, o.bsf * f, o.ftf * f};
}

Status ValidateMachineSpec(const MachineSpec& s) {
  const auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!positive(s.vibration_rate_hz) || !positive(s.temperature_rate_hz)) {
    return InvalidArgument("sample rates must be positive");
  }
  if (!positive(s.asset.shaft_rpm) || s.asset.shaft_rpm >= 100000) {
    return InvalidArgument(
        fmt::format("nominal speed must lie in (0, 100000) rpm, got {}", s.asset.shaft_rpm));
  }
  const BearingGeometry& b = s.asset.bearing;
  if (b.rolling_elements < 1 || !positive(b.ball_diameter_mm) ||
      !(b.pitch_diameter_mm > b.ball_diameter_mm) || !(std::abs(b.contact_angle_deg) < 90)) {
    return InvalidArgument("bearing geometry: need rolling elements >= 1, 0 < d < D, |angle| < 90");
  }
  if (!positive(s.resonance_hz) || s.resonance_hz >= s.vibration_rate_hz / 2) {
    return InvalidArgument(fmt::format("resonance {} Hz must lie below the Nyquist frequency {} Hz",
                                       s.resonance_hz, s.vibration_rate_hz / 2));
  }
  if (!(s.damping_ratio > 0 && s.damping_ratio < 1)) {
    return InvalidArgument("damping ratio must lie in (0, 1)");
  }
  if (!(s.imbalance_g >= 0) || !(s.noise_g >= 0) || s.vanes < 0 || s.vanes > 64) {
    return InvalidArgument("imbalance and noise must be >= 0, vanes in [0, 64]");
  }
  if (!positive(s.thermal_time_constant_s)) {
    return InvalidArgument("thermal time constant must be positive");
  }
  EL_RETURN_IF_ERROR(s.profile.Validate());
  for (const FaultSpec& f : s.faults) {
    if (f.growth < Duration::zero() || !(f.magnitude_g >= 0) || !std::isfinite(f.curve_k) ||
        (f.curve == GrowthCurve::kPower && !(f.curve_k > 0))) {
      return InvalidArgument(
          fmt::format("fault {}: growth and magnitude must be >= 0, the power "
                      "curve's exponent > 0",
                      FaultKindName(f.kind)));
    }
  }
  return Status::Ok();
}

MachineSimulator::MachineSimulator(MachineSpec spec, uint64_t seed, Timestamp start)
    : spec_(std::move(spec)),
      faults_(spec_.faults),
      start_(start),
      noise_rng_(StreamSeed(seed, 0)),
      process_rng_(StreamSeed(seed, 1)) {
  if (spec_.fault) {
    faults_.push_back({FaultKind::kOuterRace, spec_.fault->onset, spec_.fault->ramp,
                       GrowthCurve::kPower, 2.0, spec_.fault->peak_impact_g});
  }
  for (FaultSpec& f : faults_) {
    if (f.magnitude_g <= 0) f.magnitude_g = DefaultMagnitudeG(f.kind);
  }
  nominal_ = ComputeMachineFrequencies(spec_.asset.bearing, spec_.asset.shaft_rpm);

  // Two-pole resonator with poles at the damped resonance.
  const double w0 = kTwoPi * spec_.resonance_hz;
  const double r = std::exp(-spec_.damping_ratio * w0 / spec_.vibration_rate_hz);
  const double theta =
      w0 * std::sqrt(1 - spec_.damping_ratio * spec_.damping_ratio) / spec_.vibration_rate_hz;
  res_a1_ = 2 * r * std::cos(theta);
  res_a2_ = -r * r;

  std::mt19937_64 setup(StreamSeed(seed, 2));
  std::uniform_real_distribution<double> unit(0, 1);
  const double half_phase = std::numbers::pi * unit(setup);
  half_ = {std::cos(half_phase), std::sin(half_phase)};
  shaft_rev_ = half_phase / std::numbers::pi;
  imbalance_phase_ = kTwoPi * unit(setup);
  misalign_phase_ = kTwoPi * unit(setup);
  // Looseness: the drive is the 1x force plus a 1/2x rocking term in step with it, so that
  // every other revolution lifts the loose part further; the clip lets only those peaks
  // through (short knocks once per two revolutions: 1/2x and its many harmonics).
  const double a = kTwoPi * unit(setup);
  loose_phase1_ = {std::cos(a), std::sin(a)};
  loose_phase_half_ = {0.5 * std::cos(a / 2), 0.5 * std::sin(a / 2)};
  // The clipped response's mean is no vibration (an accelerometer sees no DC): remove it.
  constexpr int kPoints = 4096;
  double sum = 0;
  for (int i = 0; i < kPoints; ++i) {
    const double half = kTwoPi * i / kPoints;  // phi/2 over one full period of the 1/2x part
    const double s = std::cos(2 * half + a) + 0.5 * std::cos(half + a / 2);
    sum += std::max(s - loose_clip_, 0.0);
  }
  loose_dc_ = sum / kPoints;

  const BearingOrders orders = ComputeBearingOrders(spec_.asset.bearing);
  for (size_t i = 0; i < faults_.size(); ++i) {
    if (!IsBearingFault(faults_[i].kind)) continue;
    trains_.emplace_back(faults_[i].kind, orders, StreamSeed(seed, 10 + i));
  }
  train_amp_.assign(trains_.size(), 0);

  // Start with the load's first wander value and in thermal equilibrium with it.
  const double dev0 = kLoadStd * process_normal_(process_rng_);
  load_dev_.push_back(dev0);  // stands for sample -1 until sample 0 exists
  const OperatingPoint op = spec_.profile.At(0, spec_.asset.shaft_rpm);
  temperature_c_ = spec_.ambient_c + spec_.load_temp_rise_c * std::clamp(op.load + dev0, 0.0, 1.5) *
                                         op.speed_rpm / spec_.asset.shaft_rpm;
}

double MachineSimulator::Severity(Timestamp t) const {
  double s = 0;
  for (const FaultSpec& f : faults_) s = std::max(s, FaultSeverity(f, t));
  return s;
}

void MachineSimulator::Step(Duration step, std::vector<SampleBatch>& out,
                            std::vector<ProcessReading>* process) {
  const Timestamp end = Now() + step;
  const auto samples_until = [&](double rate) {
    // Number of samples whose time lies before `end`.
    return static_cast<uint64_t>(std::ceil(ToSeconds(end - start_) * rate - 1e-9));
  };
  const uint64_t vib_end = samples_until(spec_.vibration_rate_hz);
  const uint64_t temp_end = samples_until(spec_.temperature_rate_hz);

  // Process channels first: the vibration of the interval reads their load values, and a
  // temperature reading at time t is there before the vibration window that contains t
  // completes, as with a real gateway polling both.
  const auto emit = [&](const char* channel, ChannelKind kind, double rate, uint64_t& produced,
                        uint64_t until, auto generate) {
    if (until <= produced) return;
    SampleBatch batch;
    batch.asset = spec_.asset.id;
    batch.channel = channel;
    batch.kind = kind;
    batch.sample_rate_hz = rate;
    batch.start = start_ + SampleOffset(produced, rate);
    generate(produced, until - produced, batch);
    produced = until;
    ApplyGlitches(batch);
    out.push_back(std::move(batch));
  };
  emit(kTemperatureChannel, ChannelKind::kTemperature, spec_.temperature_rate_hz, temp_samples_,
       temp_end, [&](uint64_t first, uint64_t count, SampleBatch& b) {
         GenerateProcess(first, count, b, process);
       });
  emit(kVibrationChannel, ChannelKind::kVibration, spec_.vibration_rate_hz, vib_samples_, vib_end,
       [&](uint64_t first, uint64_t count, SampleBatch& b) { GenerateVibration(first, count, b); });
  elapsed_ += step;
}

double MachineSimulator::LoadDeviationAt(double t_s) const {
  // load_dev_[j] belongs to process sample load_dev_first_ + j - 1 (entry 0 may be the initial
  // value "before sample 0").
  const double k = std::floor(t_s * spec_.temperature_rate_hz + 1e-9);
  const double j = k + 1 - static_cast<double>(load_dev_first_);
  const double last = static_cast<double>(load_dev_.size() - 1);
  return load_dev_[static_cast<size_t>(std::clamp(j, 0.0, last))];
}

void MachineSimulator::GenerateProcess(uint64_t first, uint64_t count, SampleBatch& batch,
                                       std::vector<ProcessReading>* process) {
  // Forget load values the vibration still to come no longer needs (keep one spare).
  const double vib_t = static_cast<double>(vib_samples_) / spec_.vibration_rate_hz;
  const uint64_t needed =
      static_cast<uint64_t>(std::max(0.0, std::floor(vib_t * spec_.temperature_rate_hz) - 1));
  if (needed > load_dev_first_ && load_dev_.size() > 1) {
    const uint64_t drop = std::min<uint64_t>(needed - load_dev_first_, load_dev_.size() - 1);
    load_dev_.erase(load_dev_.begin(), load_dev_.begin() + static_cast<ptrdiff_t>(drop));
    load_dev_first_ += drop;
  }

  batch.values.resize(count);
  const double rate = spec_.temperature_rate_hz;
  const double dt = 1.0 / rate;
  const double load_decay = std::exp(-dt / kLoadTimeConstantS);
  const double load_kick = kLoadStd * std::sqrt(1 - load_decay * load_decay);
  const double thermal_decay = std::exp(-dt / spec_.thermal_time_constant_s);
  const double nominal_rpm = spec_.asset.shaft_rpm;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t k = first + i;
    const Timestamp t = start_ + SampleOffset(k, rate);
    // Ornstein-Uhlenbeck step keeps the wander's stationary standard deviation at kLoadStd.
    const double dev = load_dev_.back() * load_decay + load_kick * process_normal_(process_rng_);
    load_dev_.push_back(dev);
    const OperatingPoint op = spec_.profile.At(static_cast<double>(k) * dt, nominal_rpm);
    const double load = std::clamp(op.load + dev, 0.0, 1.5);
    const double speed_ratio = op.speed_rpm / nominal_rpm;
    double heat = 0, misalignment = 0;
    for (const FaultSpec& f : faults_) {
      const double s = FaultSeverity(f, t);
      heat = std::max(heat, s * HeatShare(f.kind));
      if (f.kind == FaultKind::kMisalignment) misalignment = std::max(misalignment, s);
    }
    // Friction heat grows with load and speed; the housing lags with one time constant.
    const double target = spec_.ambient_c + spec_.load_temp_rise_c * load * speed_ratio +
                          spec_.fault_temp_rise_c * heat;
    temperature_c_ = target + (temperature_c_ - target) * thermal_decay;
    // Motor current: magnetizing current plus a part proportional to shaft power (torque x
    // speed); a misaligned coupling costs a few percent more.
    const double current =
        op.speed_rpm > 0
            ? spec_.no_load_current_a + (spec_.full_load_current_a - spec_.no_load_current_a) *
                                            load * speed_ratio * (1 + 0.03 * misalignment)
            : 0.0;
    ProcessReading r;
    r.t = t;
    r.temperature_c = temperature_c_ + spec_.temp_noise_c * process_normal_(process_rng_);
    r.speed_rpm =
        std::max(0.0, op.speed_rpm + spec_.speed_noise_rpm * process_normal_(process_rng_));
    r.current_a = std::max(0.0, current + spec_.current_noise_a * process_normal_(process_rng_));
    r.load = load;
    batch.values[i] = static_cast<float>(r.temperature_c);
    if (process) process->push_back(r);
  }
}

void MachineSimulator::BeginBlock(uint64_t block) {
  const double fs = spec_.vibration_rate_hz;
  const uint64_t n0 = block * kBlock;
  const double t0_s = static_cast<double>(n0) / fs;
  const OperatingPoint op =
      spec_.profile.At((static_cast<double>(n0) + kBlock / 2.0) / fs, spec_.asset.shaft_rpm);
  const double f = op.speed_rpm / 60;
  const double r = op.speed_rpm / spec_.asset.shaft_rpm;
  const double load = std::clamp(op.load + LoadDeviationAt(t0_s), 0.0, 1.5);

  // Re-normalise the rotor (rounding would slowly change its length) and set this block's
  // per-sample rotations.
  const double norm = std::hypot(half_.re, half_.im);
  half_ = {half_.re / norm, half_.im / norm};
  const double dh = std::numbers::pi * f / fs;
  half_step_ = {std::cos(dh), std::sin(dh)};
  Rotor v;  // exp(i vanes phi) = half_^(2 vanes)
  for (int i = 0; i < 2 * spec_.vanes; ++i) {
    v = {v.re * half_.re - v.im * half_.im, v.re * half_.im + v.im * half_.re};
  }
  vane_ = v;
  vane_step_ = {std::cos(2 * spec_.vanes * dh), std::sin(2 * spec_.vanes * dh)};
  rev_step_ = f / fs;

  // Residual imbalance: centrifugal force ~ speed^2; the response grows with load.
  const double base1 = spec_.imbalance_g * (0.8 + 0.4 * load) * r * r;
  const auto polar = [](double mag, double phase) {
    return Rotor{mag * std::cos(phase), mag * std::sin(phase)};
  };
  Rotor a1{base1, 0}, a2 = polar(0.3 * base1, 0.7), a3{0, 0};
  ampv_ = spec_.vanes > 0 ? polar(0.4 * base1, 1.3) : Rotor{0, 0};
  loose_amp_ = 0;
  const Timestamp t0 = start_ + SampleOffset(n0, fs);
  size_t train = 0;
  for (size_t i = 0; i < faults_.size(); ++i) {
    const FaultSpec& fault = faults_[i];
    const double sev = FaultSeverity(fault, t0);
    const double m = fault.magnitude_g * sev;
    switch (fault.kind) {
      case FaultKind::kImbalance: {
        const Rotor add = polar(m * r * r, imbalance_phase_);
        a1 = {a1.re + add.re, a1.im + add.im};
        break;
      }
      case FaultKind::kMisalignment: {
        // Coupling forces come from stiffness and offset, less from speed.
        const Rotor add2 = polar(m * r, misalign_phase_);
        const Rotor add3 = polar(0.35 * m * r, misalign_phase_ + 0.9);
        a2 = {a2.re + add2.re, a2.im + add2.im};
        a3 = {a3.re + add3.re, a3.im + add3.im};
        break;
      }
      case FaultKind::kLooseness:
        // The clipped response peaks at 1.5 - loose_clip_: scale it to peak at m.
        loose_amp_ += m * r * r / (1.5 - loose_clip_);
        break;
      default:
        // Impacts strike harder with speed and load.
        train_amp_[train++] = m * r * (0.5 + 0.5 * load / kNominalLoad);
        break;
    }
  }
  amp1_ = a1;
  amp2_ = a2;
  amp3_ = a3;
}

void MachineSimulator::GenerateVibration(uint64_t first, uint64_t count, SampleBatch& batch) {
  batch.values.resize(count);
  float* values = batch.values.data();
  const uint64_t end = first + count;
  const double noise_g = spec_.noise_g;
  for (uint64_t n = first; n < end;) {
    if (n % kBlock == 0) BeginBlock(n / kBlock);
    const uint64_t block_start = n / kBlock * kBlock;
    const uint64_t seg_end = std::min(end, block_start + kBlock);
    // Local copies let the compiler keep the state in registers.
    Rotor h = half_, v = vane_;
    const Rotor hs = half_step_, vs = vane_step_, a1 = amp1_, a2 = amp2_, a3 = amp3_, av = ampv_;
    const Rotor lp1 = loose_phase1_, lph = loose_phase_half_;
    const double loose_amp = loose_amp_, clip = loose_clip_, dc = loose_dc_;
    const double rev0 = shaft_rev_, rev_step = rev_step_;
    double y1 = res_y1_, y2 = res_y2_;
    double next_impact = std::numeric_limits<double>::infinity();
    for (const BearingImpactTrain& t : trains_) next_impact = std::min(next_impact, t.next_rev());
    for (; n < seg_end; ++n) {
      h = {h.re * hs.re - h.im * hs.im, h.re * hs.im + h.im * hs.re};
      v = {v.re * vs.re - v.im * vs.im, v.re * vs.im + v.im * vs.re};
      const Rotor z1{h.re * h.re - h.im * h.im, 2 * h.re * h.im};
      const Rotor z2{z1.re * z1.re - z1.im * z1.im, 2 * z1.re * z1.im};
      const Rotor z3{z2.re * z1.re - z2.im * z1.im, z2.re * z1.im + z2.im * z1.re};
      // Re(A z) is |A| cos(k phi + arg A).
      double x = a1.re * z1.re - a1.im * z1.im + a2.re * z2.re - a2.im * z2.im + a3.re * z3.re -
                 a3.im * z3.im + av.re * v.re - av.im * v.im;
      if (loose_amp != 0) {
        // A loose foot or bearing cap only follows the force in one direction: the response
        // is truncated, which spreads it over many harmonics of the 1/2x rocking period.
        const double s = lp1.re * z1.re - lp1.im * z1.im + lph.re * h.re - lph.im * h.im;
        x += loose_amp * (std::max(s - clip, 0.0) - dc);
      }
      x += noise_g * vib_normal_(noise_rng_);
      // Position within the block by multiplication: no rounding drift from long sums.
      const double rev = rev0 + static_cast<double>(n + 1 - block_start) * rev_step;
      double impulse = 0;
      if (rev >= next_impact) {
        next_impact = std::numeric_limits<double>::infinity();
        for (size_t k = 0; k < trains_.size(); ++k) {
          if (rev >= trains_[k].next_rev()) impulse += train_amp_[k] * trains_[k].Fire(rev);
          next_impact = std::min(next_impact, trains_[k].next_rev());
        }
      }
      const double y = res_a1_ * y1 + res_a2_ * y2 + impulse;
      y2 = y1;
      y1 = y;
      values[n - first] = static_cast<float>(x + y);
    }
    half_ = h;
    vane_ = v;
    res_y1_ = y1;
    res_y2_ = y2;
    if (n == block_start + kBlock) {
      shaft_rev_ = rev0 + static_cast<double>(kBlock) * rev_step;
    } else {
      // The step ended inside the block: keep rev0 and resume from it next time, so a block's
      // sample positions never depend on where Step() cut it.
      shaft_rev_ = rev0;
    }
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
