#include "train/feature_metadata.h"

namespace edgeloop::train {

std::vector<model::FeatureSpec> FeatureSpecs(const Dataset& data) {
  std::vector<model::FeatureSpec> specs;
  specs.reserve(data.cols());
  for (const std::string& name : data.features) specs.push_back({name, ""});
  return specs;
}

std::vector<model::Histogram> ReferenceHistograms(const Dataset& data, int bins) {
  std::vector<model::Histogram> out;
  out.reserve(data.cols());
  std::vector<double> column(data.rows());
  for (size_t j = 0; j < data.cols(); ++j) {
    for (size_t i = 0; i < data.rows(); ++i) column[i] = data.at(i, j);
    model::Histogram h = model::MakeHistogram(column, bins);
    // A column without finite values (possible for XGBoost's missing values) still gets a
    // well-formed, empty histogram so the metadata keeps one per feature.
    if (h.counts.empty()) h = {{0.0, 1.0}, {0.0}};
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace edgeloop::train
