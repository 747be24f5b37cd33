// Helpers that fill the feature part of ModelMetadata from a training Dataset, shared by the
// trainers so every exported model describes its inputs the same way.
#pragma once

#include <vector>

#include "model/model_metadata.h"
#include "train/dataset.h"

namespace edgeloop::train {

// Default number of bins of the reference histograms the drift monitor compares against.
inline constexpr int kReferenceHistogramBins = 20;

// One FeatureSpec per column, in order; units are unknown here ("") and may be set by callers.
std::vector<model::FeatureSpec> FeatureSpecs(const Dataset& data);
// One equal-width histogram per feature column over the finite values of `data`.
std::vector<model::Histogram> ReferenceHistograms(const Dataset& data,
                                                  int bins = kReferenceHistogramBins);

}  // namespace edgeloop::train
