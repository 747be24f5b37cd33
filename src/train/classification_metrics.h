// Multi-class confusion counts and the per-class precision/recall written into a classifier's
// metadata.metrics. Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "common/status.h"

namespace edgeloop::train {

struct ClassMetrics {
  int64_t label = 0;      // the class's label value
  int64_t support = 0;    // rows whose true class this is
  int64_t predicted = 0;  // rows predicted as this class
  int64_t correct = 0;
  // correct / predicted and correct / support; NaN when the denominator is 0 (undefined, and
  // written as JSON null rather than a made-up 0 or 1).
  double precision = 0;
  double recall = 0;
};

struct ClassificationMetrics {
  int64_t rows = 0;
  double accuracy = 0;                          // NaN without rows
  std::vector<ClassMetrics> classes;            // in class-id order
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
};

// `truth` and `predicted` hold class ids in [0, class_labels.size()), one per row.
Result<ClassificationMetrics> EvaluateClassification(std::span<const int32_t> truth,
                                                     std::span<const int32_t> predicted,
                                                     std::span<const int64_t> class_labels);

// {"rows", "accuracy", "classes": [{"label", "support", "predicted", "precision", "recall"}],
//  "confusion"}; undefined values are null.
nlohmann::json ClassificationMetricsToJson(const ClassificationMetrics& m);

}  // namespace edgeloop::train
