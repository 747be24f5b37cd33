// PlantConfig: the description of the demo plant and of the edge pipeline settings, read from
// TOML. A complete default is built in (DefaultPlantToml), so `edgeloop demo` needs no file;
// `edgeloop demo --print-config` writes it out for editing and `--config FILE` reads it back
// with strict checking (wrong types, missing or unknown keys are named with file and line).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/asset.h"
#include "common/status.h"
#include "edge/asset_pipeline.h"

namespace edgeloop::demo {

struct AssetConfig {
  Asset asset;
  int vanes = 0;            // vane/blade count, 0 for none
  double resonance_hz = 0;  // structural resonance; 0 = chosen by the seed
  double imbalance_g = 0.15;
  double noise_g = 0.05;
};

struct GatewayConfig {
  std::string id;
  std::vector<AssetConfig> assets;
};

struct FaultConfig {
  double onset_fraction_min = 0.45;  // onset drawn uniformly from this share of the run
  double onset_fraction_max = 0.6;
  double ramp_fraction = 0.25;  // time to full severity, as a share of the run
  double peak_impact_g = 2.0;
};

struct PlantConfig {
  edge::PipelineConfig pipeline;
  FaultConfig fault;
  bool inject_sensor_glitches = true;
  std::vector<GatewayConfig> gateways;

  size_t AssetCount() const;
};

// The built-in plant: 3 gateways, 7 assets (pumps, motors, a fan, a compressor).
std::string_view DefaultPlantToml();

Result<PlantConfig> ParsePlantConfig(std::string_view toml_text, std::string source_name);
Result<PlantConfig> LoadPlantConfig(const std::string& path);

}  // namespace edgeloop::demo
