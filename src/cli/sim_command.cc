// `edgeloop sim`: one simulated machine written to CSV files (vibration, process channels) and a
// JSON file with the ground truth, for analysis and for testing the CSV ingest.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "common/duration.h"
#include "sim/csv_writer.h"
#include "sim/machine_presets.h"
#include "sim/machine_simulator.h"

namespace edgeloop::cli {
namespace {

namespace fs = std::filesystem;

// The simulated run starts on a fixed date, so the same seed gives the same files.
const Timestamp kSimStart = FromNanos(1767592800'000'000'000);  // 2026-01-05T06:00:00Z

// Options stay strings until checked here, so every mistake gets a message and exit code 2.
struct SimArgs {
  std::string kind = "pump";
  std::string asset;  // default: <kind>-1
  std::string rpm;    // default: the kind's typical speed
  std::vector<std::string> faults;
  std::string onset = "0s";
  std::string growth = "0s";
  std::string curve = "linear";
  std::string duration = "60s";
  std::string rate = "25600";
  std::string seed = "1";
  std::string out = "sim-out";
};

struct SimPlan {
  sim::MachineSpec spec;
  uint64_t seed = 1;
  Duration duration{0};
};

Result<double> ParseNumber(const std::string& name, const std::string& text, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !(v >= lo && v <= hi)) {
    return InvalidArgument(
        fmt::format("{} must be a number in [{}, {}], got '{}'", name, lo, hi, text));
  }
  return v;
}

Result<SimPlan> Plan(const SimArgs& a) {
  SimPlan plan;
  EL_ASSIGN_OR_RETURN(plan.spec,
                      sim::TypicalMachine(a.kind, a.asset.empty() ? a.kind + "-1" : a.asset));
  sim::MachineSpec& s = plan.spec;
  if (s.asset.id.find_first_of("/\\") != std::string::npos || s.asset.id == "." ||
      s.asset.id == "..") {
    return InvalidArgument("--asset must be a plain name (it names the output files)");
  }
  if (!a.rpm.empty()) {
    EL_ASSIGN_OR_RETURN(s.asset.shaft_rpm, ParseNumber("--rpm", a.rpm, 60, 30000));
  }
  EL_ASSIGN_OR_RETURN(s.vibration_rate_hz, ParseNumber("--rate", a.rate, 1000, 1e6));
  // A structural resonance above Nyquist cannot be sampled: move it into the band.
  s.resonance_hz = std::min(s.resonance_hz, 0.4 * s.vibration_rate_hz);
  {
    char* end = nullptr;
    errno = 0;
    plan.seed = std::strtoull(a.seed.c_str(), &end, 10);
    if (a.seed.empty() || a.seed[0] == '-' || *end != '\0' || errno != 0) {
      return InvalidArgument("--seed must be a non-negative integer, got '" + a.seed + "'");
    }
  }
  auto duration = ParseDuration(a.duration);
  if (!duration.ok()) return duration.status().WithContext("--duration");
  plan.duration = *duration;
  if (plan.duration <= Duration::zero()) return InvalidArgument("--duration must be positive");
  auto onset = ParseDuration(a.onset);
  if (!onset.ok()) return onset.status().WithContext("--onset");
  auto growth = ParseDuration(a.growth);
  if (!growth.ok()) return growth.status().WithContext("--growth");
  auto curve = sim::ParseGrowthCurve(a.curve);
  if (!curve.ok()) return curve.status().WithContext("--curve");

  for (const std::string& item : a.faults) {
    std::stringstream list(item);
    for (std::string name; std::getline(list, name, ',');) {
      if (name.empty() || name == "none") continue;
      auto kind = sim::ParseFaultKind(name);
      if (!kind.ok()) return kind.status().WithContext("--fault");
      for (const sim::FaultSpec& f : s.faults) {
        if (f.kind == *kind) return InvalidArgument("--fault " + name + " is given twice");
      }
      s.faults.push_back({*kind, kSimStart + *onset, *growth, *curve,
                          *curve == sim::GrowthCurve::kExponential ? 5.0 : 2.0});
    }
  }
  EL_RETURN_IF_ERROR(sim::ValidateMachineSpec(s));
  return plan;
}

nlohmann::json Truth(const SimPlan& plan, const sim::MachineSimulator& machine) {
  const sim::MachineSpec& s = plan.spec;
  const sim::MachineFrequencies& f = machine.nominal_frequencies();
  nlohmann::json faults = nlohmann::json::array();
  for (const sim::FaultSpec& fault : machine.faults()) {
    nlohmann::json j = {
        {"kind", sim::FaultKindName(fault.kind)},        {"onset", FormatTimestamp(fault.onset)},
        {"onset_s", ToSeconds(fault.onset - kSimStart)}, {"growth_s", ToSeconds(fault.growth)},
        {"curve", sim::GrowthCurveName(fault.curve)},    {"magnitude_g", fault.magnitude_g}};
    if (fault.curve != sim::GrowthCurve::kLinear) j["curve_k"] = fault.curve_k;
    faults.push_back(j);
  }
  const BearingGeometry& b = s.asset.bearing;
  return {
      {"asset", s.asset.id},
      {"kind", s.asset.kind},
      {"seed", plan.seed},
      {"start", FormatTimestamp(kSimStart)},
      {"duration_s", ToSeconds(plan.duration)},
      {"vibration_rate_hz", s.vibration_rate_hz},
      {"process_rate_hz", s.temperature_rate_hz},
      {"nominal_rpm", s.asset.shaft_rpm},
      {"resonance_hz", s.resonance_hz},
      {"bearing",
       {{"designation", b.designation},
        {"rolling_elements", b.rolling_elements},
        {"ball_diameter_mm", b.ball_diameter_mm},
        {"pitch_diameter_mm", b.pitch_diameter_mm},
        {"contact_angle_deg", b.contact_angle_deg}}},
      // Theoretical (no-slip) frequencies at the nominal speed; a ball defect shows at 2 x BSF.
      {"frequencies_hz",
       {{"shaft", f.shaft_hz},
        {"bpfo", f.bpfo_hz},
        {"bpfi", f.bpfi_hz},
        {"bsf", f.bsf_hz},
        {"ball_defect", 2 * f.bsf_hz},
        {"ftf", f.ftf_hz}}},
      {"faults", faults},
      {"files",
       {{"vibration", s.asset.id + "_vibration.csv"}, {"process", s.asset.id + "_process.csv"}}},
  };
}

Status WriteTruth(const fs::path& path, const nlohmann::json& truth) {
  std::ofstream f(path);
  f << truth.dump(2) << '\n';
  f.close();
  if (!f) return IoError("cannot write '" + path.string() + "': " + std::strerror(errno));
  return Status::Ok();
}

int RunSimCommand(const SimArgs& args) {
  auto plan = Plan(args);
  if (!plan.ok()) {
    std::fprintf(stderr, "edgeloop sim: %s\n", plan.status().message().c_str());
    return 2;
  }
  const sim::MachineSpec& spec = plan->spec;
  const fs::path dir = args.out;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "edgeloop sim: cannot create output folder '%s': %s\n", args.out.c_str(),
                 ec.message().c_str());
    return 1;
  }
  sim::MachineSimulator machine(spec, plan->seed, kSimStart);
  const std::string id = spec.asset.id;
  if (Status s = WriteTruth(dir / (id + "_truth.json"), Truth(*plan, machine)); !s.ok()) {
    std::fprintf(stderr, "edgeloop sim: %s\n", s.message().c_str());
    return 1;
  }
  auto writer = sim::SimCsvWriter::Open((dir / (id + "_vibration.csv")).string(),
                                        (dir / (id + "_process.csv")).string(), kSimStart);
  if (!writer.ok()) {
    std::fprintf(stderr, "edgeloop sim: %s\n", writer.status().message().c_str());
    return 1;
  }

  // About 26 bytes per vibration row: say what a long run will cost before it starts.
  const double total_s = ToSeconds(plan->duration);
  const double bytes = total_s * spec.vibration_rate_hz * 26;
  const bool long_run = total_s * spec.vibration_rate_hz > 20e6;
  if (long_run) {
    std::fprintf(stderr, "edgeloop sim: %s of %s at %.0f Hz into %s (about %.1f GB)\n",
                 FormatDuration(plan->duration).c_str(), id.c_str(), spec.vibration_rate_hz,
                 args.out.c_str(), bytes / 1e9);
  }
  const Timestamp end = kSimStart + plan->duration;
  int next_percent = 10;
  std::vector<SampleBatch> batches;
  std::vector<sim::ProcessReading> process;
  while (machine.Now() < end) {
    batches.clear();
    process.clear();
    machine.Step(std::min<Duration>(std::chrono::seconds(1), end - machine.Now()), batches,
                 &process);
    if (Status s = (*writer)->Append(batches, process); !s.ok()) {
      std::fprintf(stderr, "edgeloop sim: %s\n", s.message().c_str());
      return 1;
    }
    const double done = ToSeconds(machine.Now() - kSimStart) / total_s * 100;
    while (long_run && done >= next_percent) {
      std::fprintf(stderr, "edgeloop sim: [%3d%%] %s simulated\n", next_percent,
                   FormatDuration(machine.Now() - kSimStart).c_str());
      next_percent += 10;
    }
  }
  if (Status s = (*writer)->Close(); !s.ok()) {
    std::fprintf(stderr, "edgeloop sim: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("wrote %s/%s_{vibration.csv,process.csv,truth.json}: %llu vibration rows\n",
              args.out.c_str(), id.c_str(),
              static_cast<unsigned long long>((*writer)->vibration_rows()));
  return 0;
}

}  // namespace

void AddSimCommand(CLI::App& app, const std::string& log_level, int& exit_code) {
  (void)log_level;  // the simulator logs nothing; kept for the common command signature
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim",
      "Simulate one machine (optionally with faults) and write its vibration and process "
      "signals as CSV, with the ground truth as JSON");
  cmd->add_option("--kind", args->kind, "pump, motor, fan or compressor")->capture_default_str();
  cmd->add_option("--asset", args->asset, "Asset id, names the files (default: <kind>-1)");
  cmd->add_option("--rpm", args->rpm, "Shaft speed (default: typical for the kind)");
  cmd->add_option("--fault", args->faults,
                  "none, outer_race, inner_race, rolling_element, imbalance, misalignment, "
                  "looseness; repeat or give a comma list");
  cmd->add_option("--onset", args->onset, "When the faults start, e.g. 0s, 30m, 2d")
      ->capture_default_str();
  cmd->add_option("--growth", args->growth,
                  "Time from onset to full severity, e.g. 0s (at once), 6h, 3d")
      ->capture_default_str();
  cmd->add_option("--curve", args->curve, "Growth curve: linear, exponential or power")
      ->capture_default_str();
  cmd->add_option("--duration", args->duration, "Simulated time, e.g. 60s, 10m, 2h")
      ->capture_default_str();
  cmd->add_option("--rate", args->rate, "Vibration sample rate in Hz")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of all randomness")->capture_default_str();
  cmd->add_option("--out", args->out, "Output folder")->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = RunSimCommand(*args); });
}

}  // namespace edgeloop::cli
