// `edgeloop analyze FILE`: features and a diagnosis for one vibration recording (CSV or MAT v5).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/asset.h"
#include "dsp/signal_analyzer.h"
#include "ingest/signal_file.h"

namespace edgeloop::cli {
namespace {

struct AnalyzeArgs {
  std::string file;
  std::string channel;
  double fs = 0;
  double rpm = 0;
  std::string bearing = "6205";
  int iso_group = 2;
  std::string foundation = "rigid";
  bool json = false;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string ColumnList(const ingest::SignalTable& table) {
  std::string out;
  for (const auto& c : table.columns) out += (out.empty() ? "" : ", ") + c.name;
  return out.empty() ? "(none)" : out;
}

// The channel to analyse: the one asked for (exact name, or a unique suffix such as "DE_time"),
// else a drive-end accelerometer (CWRU naming), else the only or first numeric column.
Result<const ingest::SignalColumn*> PickChannel(const ingest::SignalTable& table,
                                                const std::string& wanted) {
  if (table.columns.empty()) return InvalidArgument(table.source + " holds no numeric channel");
  if (!wanted.empty()) {
    if (const auto* exact = table.Find(wanted)) return exact;
    const ingest::SignalColumn* match = nullptr;
    for (const auto& c : table.columns) {
      if (!EndsWith(c.name, wanted)) continue;
      if (match) {
        return InvalidArgument(fmt::format("channel '{}' is ambiguous in {}: {}", wanted,
                                           table.source, ColumnList(table)));
      }
      match = &c;
    }
    if (match) return match;
    return NotFound(fmt::format("no channel '{}' in {}; channels: {}", wanted, table.source,
                                ColumnList(table)));
  }
  for (const auto& c : table.columns) {
    if (EndsWith(c.name, "_DE_time")) return &c;
  }
  return &table.columns.front();
}

Result<BearingGeometry> ParseBearing(const std::string& text) {
  if (text == "6205") return Bearing6205();
  // Geometry as "n=9,d=7.94,D=39.04[,angle=0]" (mm, degrees).
  BearingGeometry g;
  g.designation = "custom";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    const size_t eq = item.find('=');
    char* end = nullptr;
    const double v = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
    if (eq == std::string::npos || end == item.c_str() + eq + 1 || *end != '\0') {
      return InvalidArgument("--bearing: '" + item + "' is not key=number");
    }
    const std::string key = item.substr(0, eq);
    if (key == "n") {
      g.rolling_elements = static_cast<int>(v);
    } else if (key == "d") {
      g.ball_diameter_mm = v;
    } else if (key == "D") {
      g.pitch_diameter_mm = v;
    } else if (key == "angle") {
      g.contact_angle_deg = v;
    } else {
      return InvalidArgument("--bearing: unknown key '" + key + "' (use n, d, D, angle)");
    }
    pos = comma + 1;
  }
  if (g.rolling_elements < 3 || !(g.ball_diameter_mm > 0) ||
      !(g.pitch_diameter_mm > g.ball_diameter_mm) || !(std::abs(g.contact_angle_deg) < 90)) {
    return InvalidArgument(
        "--bearing: use 6205 or a geometry like n=9,d=7.94,D=39.04,angle=0 "
        "(n >= 3 rolling elements, 0 < d < D in mm, |angle| < 90 degrees)");
  }
  return g;
}

// Speed from --rpm, else from a scalar named like X105RPM (CWRU) or a speed column's mean.
Result<double> FindRpm(const ingest::SignalTable& table, double rpm_arg) {
  if (rpm_arg > 0) return rpm_arg;
  for (const auto& [name, value] : table.scalars) {
    if (EndsWith(name, "RPM") && value > 0) return value;
  }
  for (const auto& c : table.columns) {
    if (c.name == "speed_rpm" && !c.values.empty()) {
      double sum = 0;
      for (double v : c.values) sum += v;
      if (sum > 0) return sum / static_cast<double>(c.values.size());
    }
  }
  return InvalidArgument("shaft speed unknown: pass --rpm (the file has no *RPM variable)");
}

nlohmann::json PeakJson(const dsp::EnvelopePeak& p) {
  return {
      {"theoretical_hz", p.theoretical_hz},
      {"measured_hz", p.measured_hz},
      {"error_percent",
       p.theoretical_hz > 0 ? 100 * (p.measured_hz - p.theoretical_hz) / p.theoretical_hz : 0.0},
      {"snr_db", p.snr_db},
      {"harmonic_snr_db", {p.harmonic_snr_db[0], p.harmonic_snr_db[1]}},
      {"sideband_snr_db", p.sideband_snr_db},
      {"band_hz", {p.band_low_hz, p.band_high_hz}}};
}

void PrintJson(const AnalyzeArgs& args, const std::string& channel, size_t samples,
               const dsp::MachineContext& ctx, const dsp::Analysis& a) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const dsp::Evidence& e : a.diagnosis.evidence) {
    evidence.push_back({{"name", e.name},
                        {"measured_hz", e.measured_hz},
                        {"theoretical_hz", e.theoretical_hz},
                        {"amplitude", e.amplitude},
                        {"snr_db", e.snr_db},
                        {"text", e.text}});
  }
  nlohmann::json bands = nlohmann::json::array();
  for (double b : a.spectral.band_rms_g) bands.push_back(b);
  nlohmann::json out = {{"file", args.file},
                        {"channel", channel},
                        {"samples", samples},
                        {"sample_rate_hz", ctx.sample_rate_hz},
                        {"shaft_hz", ctx.shaft_hz},
                        {"time",
                         {{"rms_g", a.time.rms},
                          {"peak_g", a.time.peak},
                          {"peak_to_peak_g", a.time.peak_to_peak},
                          {"crest", a.time.crest},
                          {"kurtosis", a.time.kurtosis},
                          {"skewness", a.time.skewness},
                          {"shape_factor", a.time.shape_factor},
                          {"impulse_factor", a.time.impulse_factor}}},
                        {"spectrum",
                         {{"centroid_hz", a.spectral.centroid_hz},
                          {"band_rms_g", bands},
                          {"order_amplitude_g",
                           {a.spectral.order[0].amplitude, a.spectral.order[1].amplitude,
                            a.spectral.order[2].amplitude}}}},
                        {"iso10816",
                         {{"velocity_rms_mm_s", a.velocity_rms_mm_s},
                          {"zone", std::string(dsp::IsoZoneName(a.zone))},
                          {"group", args.iso_group},
                          {"foundation", args.foundation}}},
                        {"envelope",
                         {{"bpfo", PeakJson(a.envelope.bpfo)},
                          {"bpfi", PeakJson(a.envelope.bpfi)},
                          {"2xbsf", PeakJson(a.envelope.ball)},
                          {"ftf", PeakJson(a.envelope.ftf)}}},
                        {"diagnosis",
                         {{"condition", std::string(dsp::ConditionName(a.diagnosis.condition))},
                          {"confidence", a.diagnosis.confidence},
                          {"evidence", evidence}}}};
  fmt::print("{}\n", out.dump(2));
}

void PrintText(const AnalyzeArgs& args, const std::string& channel, size_t samples,
               const dsp::MachineContext& ctx, const dsp::Analysis& a) {
  fmt::print("file      {}\nchannel   {} ({} samples at {:g} Hz, {:.1f} s)\n", args.file, channel,
             samples, ctx.sample_rate_hz, samples / ctx.sample_rate_hz);
  fmt::print("shaft     {:.0f} rpm ({:.2f} Hz), bearing {}\n\n", ctx.shaft_hz * 60, ctx.shaft_hz,
             args.bearing);
  const dsp::TimeFeatures& t = a.time;
  fmt::print(
      "time      rms {:.4f} g | peak {:.3f} g | p-p {:.3f} g | crest {:.2f} | kurtosis {:.2f} | "
      "skewness {:.2f} | shape {:.3f} | impulse {:.2f}\n",
      t.rms, t.peak, t.peak_to_peak, t.crest, t.kurtosis, t.skewness, t.shape_factor,
      t.impulse_factor);
  fmt::print("spectrum  centroid {:.0f} Hz | 1x {:.4f} g | 2x {:.4f} g | 3x {:.4f} g\n",
             a.spectral.centroid_hz, a.spectral.order[0].amplitude, a.spectral.order[1].amplitude,
             a.spectral.order[2].amplitude);
  fmt::print("ISO 10816-3  velocity {:.2f} mm/s RMS (10-1000 Hz): zone {} (group {}, {})\n\n",
             a.velocity_rms_mm_s, dsp::IsoZoneName(a.zone), args.iso_group, args.foundation);
  fmt::print("envelope  {:<6} {:>10} {:>11} {:>7} {:>7} {:>12} {:>9}  band\n", "family",
             "theory Hz", "measured Hz", "err %", "SNR dB", "harm. dB", "sideb. dB");
  const auto row = [&](std::string_view name, const dsp::EnvelopePeak& p) {
    const double err =
        p.theoretical_hz > 0 ? 100 * (p.measured_hz - p.theoretical_hz) / p.theoretical_hz : 0;
    fmt::print(
        "          {:<6} {:>10.2f} {:>11.2f} {:>+7.2f} {:>7.1f} {:>5.1f}/{:<6.1f} {:>9.1f}  "
        "{:.0f}-{:.0f} Hz\n",
        name, p.theoretical_hz, p.measured_hz, err, p.snr_db, p.harmonic_snr_db[0],
        p.harmonic_snr_db[1], p.sideband_snr_db, p.band_low_hz, p.band_high_hz);
  };
  row("BPFO", a.envelope.bpfo);
  row("BPFI", a.envelope.bpfi);
  row("2xBSF", a.envelope.ball);
  row("FTF", a.envelope.ftf);
  std::string condition(dsp::ConditionName(a.diagnosis.condition));
  std::transform(condition.begin(), condition.end(), condition.begin(),
                 [](char c) { return c == '_' ? ' ' : static_cast<char>(std::toupper(c)); });
  fmt::print("\ndiagnosis {} (confidence {:.2f})\n", condition, a.diagnosis.confidence);
  for (const dsp::Evidence& e : a.diagnosis.evidence) fmt::print("  - {}\n", e.text);
}

int RunAnalyze(const AnalyzeArgs& args) {
  const auto fail = [](int code, const Status& s) {
    fmt::print(stderr, "edgeloop analyze: {}\n", s.message());
    return code;
  };
  auto table = ingest::ReadSignalFile(args.file);
  if (!table.ok()) return fail(1, table.status());
  auto column = PickChannel(*table, args.channel);
  if (!column.ok()) return fail(2, column.status());
  const double fs = args.fs > 0 ? args.fs : table->sample_rate_hz.value_or(0);
  if (!(fs > 0)) {
    return fail(2, InvalidArgument("sample rate unknown: pass --fs (the file has no time column)"));
  }
  auto rpm = FindRpm(*table, args.rpm);
  if (!rpm.ok()) return fail(2, rpm.status());
  auto bearing = ParseBearing(args.bearing);
  if (!bearing.ok()) return fail(2, bearing.status());

  dsp::MachineContext ctx;
  ctx.sample_rate_hz = fs;
  ctx.shaft_hz = *rpm / 60;
  ctx.bearing = ComputeBearingOrders(*bearing);
  ctx.group = static_cast<dsp::MachineGroup>(args.iso_group);
  ctx.foundation =
      args.foundation == "flexible" ? dsp::Foundation::kFlexible : dsp::Foundation::kRigid;

  const std::vector<double>& x = (*column)->values;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      return fail(1, InvalidArgument(fmt::format(
                         "channel {} has a missing or non-finite sample at index {}; analyze "
                         "needs a gap-free recording",
                         (*column)->name, i)));
    }
  }
  auto analysis = dsp::AnalyzeSignal(std::span<const double>(x), ctx);
  if (!analysis.ok()) return fail(1, analysis.status());
  if (args.json) {
    PrintJson(args, (*column)->name, x.size(), ctx, *analysis);
  } else {
    PrintText(args, (*column)->name, x.size(), ctx, *analysis);
  }
  return 0;
}

}  // namespace

void AddAnalyzeCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AnalyzeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Features, ISO 10816-3 zone, envelope spectrum and a diagnosis for one vibration "
      "recording (CSV or MATLAB v5 .mat)");
  cmd->add_option("file", args->file, "Recording: .csv (header row) or .mat (v5)")->required();
  cmd->add_option("--channel", args->channel,
                  "Column or variable to analyse (exact or a unique suffix, e.g. DE_time); "
                  "default: a drive-end accelerometer, else the first channel");
  cmd->add_option("--fs", args->fs, "Sample rate in Hz (default: from the file's time column)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rpm", args->rpm, "Shaft speed (default: the file's *RPM variable)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--bearing", args->bearing,
                  "6205, or geometry n=9,d=7.94,D=39.04,angle=0 (mm, degrees)")
      ->capture_default_str();
  cmd->add_option("--iso-group", args->iso_group, "ISO 10816-3 machine group 1-4")
      ->check(CLI::Range(1, 4))
      ->capture_default_str();
  cmd->add_option("--foundation", args->foundation, "rigid or flexible")
      ->check(CLI::IsMember({"rigid", "flexible"}))
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([args, &exit_code] { exit_code = RunAnalyze(*args); });
}

}  // namespace edgeloop::cli
