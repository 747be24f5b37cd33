// The detector registry. Each detector adds one entry to kStreaming or kMultivariate.
#include <string>

#include "detect/artime.h"
#include "detect/detector.h"
#include "detect/isolation_forest_detector.h"
#include "detect/mewma.h"
#include "detect/pca_t2q.h"
#include "detect/windowed_gaussian.h"

namespace edgeloop::detect {
namespace {

struct StreamingEntry {
  const char* name;
  const char* description;
  std::unique_ptr<StreamingDetector> (*make)(const StreamInfo&);
};
struct MultivariateEntry {
  const char* name;
  const char* description;
  std::unique_ptr<MultivariateDetector> (*make)();
};

// Entries are added here as detectors are written (name, one-line description, constructor).
const StreamingEntry kStreaming[] = {
    {"windowedGaussian",
     "NAB baseline: two-sided Gaussian tail score of each value against the last 1000 values",
     [](const StreamInfo&) -> std::unique_ptr<StreamingDetector> {
       return std::make_unique<WindowedGaussianDetector>();
     }},
    {"artime",
     "ARTime: adaptive-resonance-theory learner on downsampled wavelet features (NAB leader)",
     [](const StreamInfo& info) -> std::unique_ptr<StreamingDetector> {
       return std::make_unique<ArtimeDetector>(info);
     }},
};
const MultivariateEntry kMultivariate[] = {
    {"pca_t2q",
     "SKAB baseline: PCA T2 and Q (85 % variance, 99.9 % limits), median of 5 rows; alarms "
     "past either limit",
     []() -> std::unique_ptr<MultivariateDetector> { return std::make_unique<PcaT2QDetector>(); }},
    {"isolation_forest",
     "Isolation forest of 100 trees on the fit rows; alarms above their 99th percentile score",
     []() -> std::unique_ptr<MultivariateDetector> {
       return std::make_unique<IsolationForestDetector>();
     }},
    {"mewma",
     "Multivariate EWMA chart (lambda 0.1) with a drift allowance and a dispersion chart; "
     "alarms when T2/p > 6 or dispersion > 4",
     []() -> std::unique_ptr<MultivariateDetector> { return std::make_unique<MewmaDetector>(); }},
};

std::string KnownNames() {
  std::string out;
  for (const auto& e : kStreaming) {
    if (e.name) out += (out.empty() ? "" : ", ") + std::string(e.name);
  }
  for (const auto& e : kMultivariate) {
    if (e.name) out += (out.empty() ? "" : ", ") + std::string(e.name);
  }
  return out;
}

}  // namespace

std::vector<DetectorInfo> ListDetectors() {
  std::vector<DetectorInfo> out;
  for (const auto& e : kStreaming) {
    if (e.name) out.push_back({e.name, e.description, false});
  }
  for (const auto& e : kMultivariate) {
    if (e.name) out.push_back({e.name, e.description, true});
  }
  return out;
}

Result<std::unique_ptr<StreamingDetector>> MakeStreamingDetector(std::string_view name,
                                                                 const StreamInfo& info) {
  for (const auto& e : kStreaming) {
    if (e.name && name == e.name) return e.make(info);
  }
  return NotFound("unknown streaming detector '" + std::string(name) + "' (known: " + KnownNames() +
                  ")");
}

Result<std::unique_ptr<MultivariateDetector>> MakeMultivariateDetector(std::string_view name) {
  for (const auto& e : kMultivariate) {
    if (e.name && name == e.name) return e.make();
  }
  return NotFound("unknown multivariate detector '" + std::string(name) +
                  "' (known: " + KnownNames() + ")");
}

}  // namespace edgeloop::detect
