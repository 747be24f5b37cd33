#include "demo/plant_builder.h"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "common/duration.h"

namespace edgeloop::demo {

Result<std::vector<PlannedMachine>> PlanMachines(const PlantConfig& plant, uint64_t seed,
                                                 Timestamp start, Duration duration) {
  std::mt19937_64 rng(seed);
  const size_t n_assets = plant.AssetCount();
  if (n_assets < 2) return InvalidArgument("the demo plant needs at least 2 assets");
  const size_t faulty = std::uniform_int_distribution<size_t>(0, n_assets - 1)(rng);
  // Glitches go to a healthy asset, so that a false alarm there would be the gate's fault.
  size_t glitchy = std::uniform_int_distribution<size_t>(0, n_assets - 2)(rng);
  if (glitchy >= faulty) ++glitchy;

  const size_t fault_kind_index = std::uniform_int_distribution<size_t>(0, 2)(rng);
  const double total_s = ToSeconds(duration);
  const double onset_fraction = std::uniform_real_distribution<double>(
      plant.fault.onset_fraction_min, plant.fault.onset_fraction_max)(rng);
  const double onset_s = std::round(onset_fraction * total_s * 10) / 10;
  // The baseline must be learned before the fault starts, with a few scored windows to spare.
  const double warmup_s =
      static_cast<double>(plant.pipeline.detector.warmup_windows) * plant.pipeline.window_s;
  const double needed_s = warmup_s + 5 * plant.pipeline.window_s;
  if (onset_s < needed_s) {
    const double min_total = needed_s / plant.fault.onset_fraction_min;
    return InvalidArgument(fmt::format(
        "duration {} is too short: the detector learns for {} and the fault must start after "
        "that; use --duration {}s or more",
        FormatDuration(duration), FormatDuration(FromSeconds(warmup_s)),
        static_cast<int>(std::ceil(min_total))));
  }

  std::vector<PlannedMachine> out;
  size_t index = 0;
  for (const GatewayConfig& gw : plant.gateways) {
    for (const AssetConfig& a : gw.assets) {
      PlannedMachine m;
      m.gateway = gw.id;
      m.seed = rng();
      sim::MachineSpec& s = m.spec;
      s.asset = a.asset;
      s.vibration_rate_hz = plant.pipeline.vibration_rate_hz;
      s.vanes = a.vanes;
      s.imbalance_g = a.imbalance_g;
      s.noise_g = a.noise_g;
      s.resonance_hz = a.resonance_hz > 0 ? a.resonance_hz
                                          : std::uniform_real_distribution<double>(2500, 4500)(rng);
      if (index == faulty) {
        // Any of the three bearing defects; they grow with the square law of a spreading spall.
        static constexpr sim::FaultKind kBearingFaults[] = {sim::FaultKind::kOuterRace,
                                                            sim::FaultKind::kInnerRace,
                                                            sim::FaultKind::kRollingElement};
        const sim::FaultKind kind = kBearingFaults[fault_kind_index];
        s.faults.push_back(
            {kind, start + FromSeconds(onset_s), FromSeconds(plant.fault.ramp_fraction * total_s),
             sim::GrowthCurve::kPower, 2.0,
             plant.fault.peak_impact_g * (kind == sim::FaultKind::kRollingElement ? 0.75 : 1.0)});
      }
      if (index == glitchy && plant.inject_sensor_glitches) {
        using K = sim::SensorGlitch::Kind;
        const auto at = [&](double fraction) { return start + FromSeconds(fraction * total_s); };
        s.glitches = {{K::kNanBurst, at(0.3), sim::kVibrationChannel, 50, 0},
                      {K::kSpike, at(0.5), sim::kTemperatureChannel, 1, 999.0},
                      {K::kSpike, at(0.7), sim::kVibrationChannel, 3, 120.0}};
      }
      out.push_back(std::move(m));
      ++index;
    }
  }
  return out;
}

}  // namespace edgeloop::demo
