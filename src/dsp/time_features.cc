#include "dsp/time_features.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace edgeloop::dsp {
namespace {

template <typename T>
Result<TimeFeatures> Compute(std::span<const T> x) {
  if (x.empty()) return InvalidArgument("time features: empty block");
  // Pass 1: mean and extremes. Pass 2 works about the mean, because raw third and fourth moments
  // cancel catastrophically when the sensor has a DC offset.
  double sum = 0.0;
  double sum_abs = 0.0;
  double sum_sq = 0.0;
  double lo = x[0];
  double hi = x[0];
  for (const T v : x) {
    const double d = v;
    sum += d;
    sum_abs += std::fabs(d);
    sum_sq += d * d;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  if (!std::isfinite(sum_sq)) {
    const auto bad = std::find_if(x.begin(), x.end(), [](T v) { return !std::isfinite(v); });
    return InvalidArgument("time features: sample " + std::to_string(bad - x.begin()) +
                           " is not finite");
  }
  const double inv_n = 1.0 / static_cast<double>(x.size());
  TimeFeatures f;
  f.mean = sum * inv_n;
  f.rms = std::sqrt(sum_sq * inv_n);
  f.peak = std::max(std::fabs(lo), std::fabs(hi));
  f.peak_to_peak = hi - lo;
  const double mean_abs = sum_abs * inv_n;
  f.crest = f.rms > 0.0 ? f.peak / f.rms : 0.0;
  f.shape_factor = mean_abs > 0.0 ? f.rms / mean_abs : 0.0;
  f.impulse_factor = mean_abs > 0.0 ? f.peak / mean_abs : 0.0;
  if (lo == hi) return f;  // constant: no central moments (see VibrationFeatureExtractor)
  double m2 = 0.0;
  double m3 = 0.0;
  double m4 = 0.0;
  for (const T v : x) {
    const double d = static_cast<double>(v) - f.mean;
    const double d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 *= inv_n;
  m3 *= inv_n;
  m4 *= inv_n;
  if (m2 > 0.0) {
    f.kurtosis = m4 / (m2 * m2);
    f.skewness = m3 / (m2 * std::sqrt(m2));
  }
  return f;
}

}  // namespace

Result<TimeFeatures> ComputeTimeFeatures(std::span<const float> x) { return Compute(x); }
Result<TimeFeatures> ComputeTimeFeatures(std::span<const double> x) { return Compute(x); }

}  // namespace edgeloop::dsp
