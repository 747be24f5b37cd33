#include "demo/plant_config.h"

#include <set>

#include "common/config.h"

namespace edgeloop::demo {
namespace {

constexpr std::string_view kDefaultPlant = R"toml(# Edgeloop demo plant.
# `edgeloop demo --print-config > plant.toml` writes this file;
# `edgeloop demo --config plant.toml` runs the demo with your edits.

[signals]
vibration_rate_hz = 25600   # drive-end accelerometer sampling rate
window_s = 1.0              # feature window length

[quality]
vibration_range_g = [-50.0, 50.0]     # a +/-50 g accelerometer cannot read beyond this
temperature_range_c = [-40.0, 150.0]

[detector]
warmup_windows = 20          # windows learned as "normal" before scoring starts
relative_scale_floor = 0.05  # deviations under 5 % of a feature's level never count as large

[alerts]
raise_score = 6.0   # robust z-score that counts as anomalous
clear_score = 3.0   # an open alert clears below this (hysteresis)
raise_windows = 3   # consecutive anomalous windows before an alert opens
clear_windows = 10  # consecutive normal windows before it clears

[fault]
# One asset, chosen by the seed, develops an outer-race bearing defect.
onset_fraction = [0.45, 0.6]  # onset time, as a share of the run (uniform, by seed)
ramp_fraction = 0.25          # time from onset to full severity, as a share of the run
peak_impact_g = 2.0           # bearing impact amplitude at full severity

[glitches]
# Sensor malfunctions (NaN bursts, spikes) on one healthy asset: the quality gate must catch them.
enabled = true

[[gateway]]
id = "gw-line1"

  [[gateway.asset]]
  id = "pump-101"
  kind = "pump"
  rpm = 2970
  vanes = 6

  [[gateway.asset]]
  id = "pump-102"
  kind = "pump"
  rpm = 2955
  vanes = 7

  [[gateway.asset]]
  id = "motor-103"
  kind = "motor"
  rpm = 1485

[[gateway]]
id = "gw-line2"

  [[gateway.asset]]
  id = "fan-201"
  kind = "fan"
  rpm = 990
  vanes = 9
  imbalance_g = 0.25

  [[gateway.asset]]
  id = "compressor-202"
  kind = "compressor"
  rpm = 2980
  vanes = 11
  noise_g = 0.08

  [[gateway.asset]]
  id = "motor-203"
  kind = "motor"
  rpm = 1470

[[gateway]]
id = "gw-utility"

  [[gateway.asset]]
  id = "pump-301"
  kind = "pump"
  rpm = 1480
  vanes = 5
)toml";

Result<quality::PhysicalRange> ReadRange(const ConfigTable& t, std::string_view key) {
  EL_ASSIGN_OR_RETURN(std::vector<double> v, t.DoubleArray(key));
  if (v.size() != 2 || !(v[0] < v[1])) return t.Error(key, "must be [min, max] with min < max");
  return quality::PhysicalRange{v[0], v[1]};
}

Status ReadSignals(const ConfigTable& root, PlantConfig& c) {
  EL_ASSIGN_OR_RETURN(ConfigTable t, root.Table("signals"));
  EL_ASSIGN_OR_RETURN(c.pipeline.vibration_rate_hz, t.Double("vibration_rate_hz"));
  EL_RETURN_IF_ERROR(CheckRange(t, "vibration_rate_hz", c.pipeline.vibration_rate_hz, 12800, 1e6));
  EL_ASSIGN_OR_RETURN(c.pipeline.window_s, t.Double("window_s"));
  EL_RETURN_IF_ERROR(CheckRange(t, "window_s", c.pipeline.window_s, 0.1, 10));
  EL_ASSIGN_OR_RETURN(ConfigTable q, root.Table("quality"));
  EL_ASSIGN_OR_RETURN(c.pipeline.quality.vibration_g, ReadRange(q, "vibration_range_g"));
  EL_ASSIGN_OR_RETURN(c.pipeline.quality.temperature_c, ReadRange(q, "temperature_range_c"));
  return Status::Ok();
}

Status ReadModel(const ConfigTable& root, PlantConfig& c) {
  EL_ASSIGN_OR_RETURN(ConfigTable d, root.Table("detector"));
  EL_ASSIGN_OR_RETURN(int64_t warmup, d.Int("warmup_windows"));
  EL_RETURN_IF_ERROR(CheckRange(d, "warmup_windows", static_cast<double>(warmup), 3, 100000));
  c.pipeline.detector.warmup_windows = static_cast<size_t>(warmup);
  EL_ASSIGN_OR_RETURN(c.pipeline.detector.relative_scale_floor, d.Double("relative_scale_floor"));
  EL_RETURN_IF_ERROR(
      CheckRange(d, "relative_scale_floor", c.pipeline.detector.relative_scale_floor, 0, 10));

  EL_ASSIGN_OR_RETURN(ConfigTable a, root.Table("alerts"));
  edge::AlertPolicy& p = c.pipeline.alerts;
  EL_ASSIGN_OR_RETURN(p.raise_score, a.Double("raise_score"));
  EL_RETURN_IF_ERROR(CheckRange(a, "raise_score", p.raise_score, 0.5, 1000));
  EL_ASSIGN_OR_RETURN(p.clear_score, a.Double("clear_score"));
  EL_RETURN_IF_ERROR(CheckRange(a, "clear_score", p.clear_score, 0.1, p.raise_score));
  EL_ASSIGN_OR_RETURN(int64_t raise_windows, a.Int("raise_windows"));
  EL_RETURN_IF_ERROR(CheckRange(a, "raise_windows", static_cast<double>(raise_windows), 1, 1000));
  EL_ASSIGN_OR_RETURN(int64_t clear_windows, a.Int("clear_windows"));
  EL_RETURN_IF_ERROR(CheckRange(a, "clear_windows", static_cast<double>(clear_windows), 1, 1000));
  p.raise_windows = static_cast<int>(raise_windows);
  p.clear_windows = static_cast<int>(clear_windows);
  return Status::Ok();
}

Status ReadFault(const ConfigTable& root, PlantConfig& c) {
  EL_ASSIGN_OR_RETURN(ConfigTable f, root.Table("fault"));
  EL_ASSIGN_OR_RETURN(std::vector<double> onset, f.DoubleArray("onset_fraction"));
  if (onset.size() != 2 || !(0 < onset[0] && onset[0] <= onset[1] && onset[1] < 1)) {
    return f.Error("onset_fraction", "must be [min, max] with 0 < min <= max < 1");
  }
  c.fault.onset_fraction_min = onset[0];
  c.fault.onset_fraction_max = onset[1];
  EL_ASSIGN_OR_RETURN(c.fault.ramp_fraction, f.Double("ramp_fraction"));
  EL_RETURN_IF_ERROR(CheckRange(f, "ramp_fraction", c.fault.ramp_fraction, 0.001, 10));
  EL_ASSIGN_OR_RETURN(c.fault.peak_impact_g, f.Double("peak_impact_g"));
  EL_RETURN_IF_ERROR(CheckRange(f, "peak_impact_g", c.fault.peak_impact_g, 0.01, 40));
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> g, root.OptionalTable("glitches"));
  if (g) {
    EL_ASSIGN_OR_RETURN(c.inject_sensor_glitches, g->Bool("enabled", true));
  }
  return Status::Ok();
}

Result<AssetConfig> ReadAsset(const ConfigTable& t) {
  AssetConfig a;
  EL_ASSIGN_OR_RETURN(a.asset.id, t.String("id"));
  if (a.asset.id.empty()) return t.Error("id", "must not be empty");
  EL_ASSIGN_OR_RETURN(a.asset.kind, t.String("kind"));
  EL_ASSIGN_OR_RETURN(a.asset.shaft_rpm, t.Double("rpm"));
  EL_RETURN_IF_ERROR(CheckRange(t, "rpm", a.asset.shaft_rpm, 60, 30000));
  EL_ASSIGN_OR_RETURN(std::string bearing, t.String("bearing", "6205"));
  if (bearing != "6205") {
    return t.Error("bearing", "is '" + bearing + "'; the demo knows bearing \"6205\" only");
  }
  a.asset.bearing = Bearing6205();
  EL_ASSIGN_OR_RETURN(int64_t vanes, t.Int("vanes", 0));
  EL_RETURN_IF_ERROR(CheckRange(t, "vanes", static_cast<double>(vanes), 0, 64));
  a.vanes = static_cast<int>(vanes);
  EL_ASSIGN_OR_RETURN(a.resonance_hz, t.Double("resonance_hz", 0));
  if (a.resonance_hz != 0) {
    EL_RETURN_IF_ERROR(CheckRange(t, "resonance_hz", a.resonance_hz, 500, 10000));
  }
  EL_ASSIGN_OR_RETURN(a.imbalance_g, t.Double("imbalance_g", a.imbalance_g));
  EL_RETURN_IF_ERROR(CheckRange(t, "imbalance_g", a.imbalance_g, 0, 10));
  EL_ASSIGN_OR_RETURN(a.noise_g, t.Double("noise_g", a.noise_g));
  EL_RETURN_IF_ERROR(CheckRange(t, "noise_g", a.noise_g, 0.001, 5));
  return a;
}

Status ReadGateways(const ConfigTable& root, PlantConfig& c) {
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> gateways, root.TableArray("gateway"));
  if (gateways.empty()) return root.Error("gateway", "needs at least one [[gateway]]");
  std::set<std::string> gateway_ids, asset_ids;
  for (const ConfigTable& g : gateways) {
    GatewayConfig gw;
    EL_ASSIGN_OR_RETURN(gw.id, g.String("id"));
    if (gw.id.empty() || gw.id.find_first_of("/\\ ") != std::string::npos) {
      return g.Error("id", "must be non-empty without spaces or slashes (it names a file)");
    }
    if (!gateway_ids.insert(gw.id).second) return g.Error("id", "repeats gateway '" + gw.id + "'");
    EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> assets, g.TableArray("asset"));
    if (assets.empty()) return g.Error("asset", "needs at least one [[gateway.asset]]");
    for (const ConfigTable& t : assets) {
      EL_ASSIGN_OR_RETURN(AssetConfig a, ReadAsset(t));
      if (!asset_ids.insert(a.asset.id).second) {
        return t.Error("id", "repeats asset '" + a.asset.id + "'");
      }
      gw.assets.push_back(std::move(a));
    }
    c.gateways.push_back(std::move(gw));
  }
  return Status::Ok();
}

Result<PlantConfig> ReadPlant(const ConfigDocument& doc) {
  PlantConfig c;
  const ConfigTable root = doc.Root();
  EL_RETURN_IF_ERROR(ReadSignals(root, c));
  EL_RETURN_IF_ERROR(ReadModel(root, c));
  EL_RETURN_IF_ERROR(ReadFault(root, c));
  EL_RETURN_IF_ERROR(ReadGateways(root, c));
  EL_RETURN_IF_ERROR(doc.CheckNoUnknownKeys());
  EL_RETURN_IF_ERROR(edge::Validate(c.pipeline));
  return c;
}

}  // namespace

size_t PlantConfig::AssetCount() const {
  size_t n = 0;
  for (const GatewayConfig& g : gateways) n += g.assets.size();
  return n;
}

std::string_view DefaultPlantToml() { return kDefaultPlant; }

Result<PlantConfig> ParsePlantConfig(std::string_view toml_text, std::string source_name) {
  EL_ASSIGN_OR_RETURN(ConfigDocument doc,
                      ConfigDocument::ParseString(toml_text, std::move(source_name)));
  return ReadPlant(doc);
}

Result<PlantConfig> LoadPlantConfig(const std::string& path) {
  EL_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::ParseFile(path));
  return ReadPlant(doc);
}

}  // namespace edgeloop::demo
