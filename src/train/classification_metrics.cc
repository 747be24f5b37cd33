#include "train/classification_metrics.h"

#include <cmath>
#include <limits>

namespace edgeloop::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Ratio(int64_t num, int64_t den) {
  return den == 0 ? kNaN : static_cast<double>(num) / static_cast<double>(den);
}

nlohmann::json NumberOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

Result<ClassificationMetrics> EvaluateClassification(std::span<const int32_t> truth,
                                                     std::span<const int32_t> predicted,
                                                     std::span<const int64_t> class_labels) {
  if (truth.size() != predicted.size()) {
    return InvalidArgument("classification metrics: " + std::to_string(truth.size()) +
                           " true classes for " + std::to_string(predicted.size()) +
                           " predictions");
  }
  const size_t c = class_labels.size();
  ClassificationMetrics m;
  m.rows = static_cast<int64_t>(truth.size());
  m.confusion.assign(c, std::vector<int64_t>(c, 0));
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const int32_t t = truth[i], p = predicted[i];
    if (t < 0 || static_cast<size_t>(t) >= c || p < 0 || static_cast<size_t>(p) >= c) {
      return InvalidArgument("classification metrics: row " + std::to_string(i) +
                             " has a class id outside [0, " + std::to_string(c) + ")");
    }
    ++m.confusion[static_cast<size_t>(t)][static_cast<size_t>(p)];
    correct += t == p ? 1 : 0;
  }
  m.accuracy = Ratio(correct, m.rows);
  for (size_t k = 0; k < c; ++k) {
    ClassMetrics cm;
    cm.label = class_labels[k];
    cm.correct = m.confusion[k][k];
    for (size_t j = 0; j < c; ++j) {
      cm.support += m.confusion[k][j];
      cm.predicted += m.confusion[j][k];
    }
    cm.precision = Ratio(cm.correct, cm.predicted);
    cm.recall = Ratio(cm.correct, cm.support);
    m.classes.push_back(cm);
  }
  return m;
}

nlohmann::json ClassificationMetricsToJson(const ClassificationMetrics& m) {
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassMetrics& c : m.classes) {
    classes.push_back({{"label", c.label},
                       {"support", c.support},
                       {"predicted", c.predicted},
                       {"precision", NumberOrNull(c.precision)},
                       {"recall", NumberOrNull(c.recall)}});
  }
  return {{"rows", m.rows},
          {"accuracy", NumberOrNull(m.accuracy)},
          {"classes", classes},
          {"confusion", m.confusion}};
}

}  // namespace edgeloop::train
