// Real models for registry and API tests: a PCA T²/Q detector trained by src/train on seeded
// synthetic data and exported to ONNX bytes, exactly what `edgeloop model train` uploads.
// Different seeds give different weights, hence different artifacts (new sha256).
// Test-only (links edgeloop_train); header-only so each test binary compiles its own copy.
#pragma once

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "train/dataset.h"
#include "train/pca.h"

namespace edgeloop::registry::testing {

// Four sensors driven by two latent variables plus noise; features "flow", "load",
// "pressure", "current".
inline train::Dataset SyntheticProcess(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  train::Dataset d;
  d.source = "synthetic-" + std::to_string(seed);
  d.features = {"flow", "load", "pressure", "current"};
  for (size_t i = 0; i < rows; ++i) {
    const double flow = 10 + g(rng), load = 5 + g(rng);
    d.x.insert(d.x.end(),
               {flow, load, 0.3 * flow + 0.1 * g(rng), 2 * load + 0.5 * flow + 0.2 * g(rng)});
  }
  return d;
}

// ONNX bytes of a PCA model trained on SyntheticProcess(200, seed); aborts on failure (a bug).
inline std::string TrainedPcaBytes(uint64_t seed) {
  auto model = train::TrainPca(SyntheticProcess(200, seed));
  model.status().ok() ? void() : std::abort();
  auto bytes = train::ExportPca(*model);
  bytes.status().ok() ? void() : std::abort();
  return *bytes;
}

// The same model with its metadata_props removed: what a model trained elsewhere looks like.
inline std::string WithoutMetadata(const std::string& onnx_bytes) {
  onnx::ModelProto proto;
  if (!proto.ParseFromString(onnx_bytes)) std::abort();
  proto.clear_metadata_props();
  return proto.SerializeAsString();
}

inline std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace edgeloop::registry::testing
