// Time-domain condition indicators of one block of accelerometer samples (in g).
//
// ComputeTimeFeatures() is a pure function: it allocates nothing, holds no state and may be called
// from any thread. The per-window edge path gets the same numbers from VibrationFeatureExtractor
// (with extended_time_features on); this header serves whole recordings and the diagnosis.
#pragma once

#include <span>

#include "common/status.h"

namespace edgeloop::dsp {

struct TimeFeatures {
  double mean = 0.0;          // g
  double rms = 0.0;           // sqrt(mean(x²)), DC included, g
  double peak = 0.0;          // max |x|, g
  double peak_to_peak = 0.0;  // max(x) - min(x), g
  double crest = 0.0;         // peak / rms
  double kurtosis = 0.0;      // m4 / m2² about the mean (Gaussian 3, sine 1.5)
  double skewness = 0.0;      // m3 / m2^1.5 about the mean (symmetric signals 0)
  double shape_factor = 0.0;  // rms / mean(|x|) (sine π/(2√2) ≈ 1.111, Gaussian √(π/2) ≈ 1.253)
  double impulse_factor = 0.0;  // peak / mean(|x|) (sine π/2)
};

// x must be non-empty and finite, else InvalidArgument. Ratios whose denominator is 0 (a constant
// or all-zero block) are 0, so the result is always finite.
Result<TimeFeatures> ComputeTimeFeatures(std::span<const float> x);
Result<TimeFeatures> ComputeTimeFeatures(std::span<const double> x);

}  // namespace edgeloop::dsp
