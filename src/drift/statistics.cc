#include "drift/statistics.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace edgeloop::drift {
namespace {

Status ValidateEdges(std::span<const double> edges) {
  if (edges.size() < 2) return InvalidArgument("histogram needs at least 2 edges");
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!std::isfinite(edges[i])) {
      return InvalidArgument("histogram edge " + std::to_string(i) + " is not finite");
    }
    if (i > 0 && !(edges[i] > edges[i - 1])) {
      return InvalidArgument("histogram edges are not strictly increasing at " + std::to_string(i));
    }
  }
  return Status::Ok();
}

// Validates a count / power vector and returns its total.
Result<double> CheckedTotal(std::span<const double> v, const char* what) {
  double total = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || v[i] < 0) {
      return InvalidArgument(std::string(what) + " entry " + std::to_string(i) +
                             " is negative or not finite");
    }
    total += v[i];
  }
  if (!std::isfinite(total)) return InvalidArgument(std::string(what) + " total overflows");
  return total;
}

Status CheckPair(std::span<const double> a, std::span<const double> b) {
  if (a.empty()) return InvalidArgument("empty distribution");
  if (a.size() != b.size()) {
    return InvalidArgument("distributions have " + std::to_string(a.size()) + " and " +
                           std::to_string(b.size()) + " bins");
  }
  return Status::Ok();
}

double JsOfNormalised(std::span<const double> p, double p_total, std::span<const double> q,
                      double q_total) {
  double js = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    double pi = p[i] / p_total, qi = q[i] / q_total;
    double m = 0.5 * (pi + qi);
    if (pi > 0) js += 0.5 * pi * std::log2(pi / m);
    if (qi > 0) js += 0.5 * qi * std::log2(qi / m);
  }
  // Rounding can push the sum a hair outside [0, 1].
  return std::clamp(js, 0.0, 1.0);
}

Result<std::vector<double>> LiveCounts(const model::Histogram& reference,
                                       std::span<const double> live_values) {
  EL_RETURN_IF_ERROR(ValidateHistogram(reference));
  EL_ASSIGN_OR_RETURN(auto counts, BinOnEdges(reference.edges, live_values));
  double total = 0;
  for (double c : counts) total += c;
  if (total == 0) return FailedPrecondition("no finite live values to compare");
  return counts;
}

}  // namespace

Status ValidateHistogram(const model::Histogram& h) {
  EL_RETURN_IF_ERROR(ValidateEdges(h.edges));
  if (h.counts.size() + 1 != h.edges.size()) {
    return InvalidArgument("histogram has " + std::to_string(h.edges.size()) + " edges for " +
                           std::to_string(h.counts.size()) + " counts");
  }
  EL_ASSIGN_OR_RETURN(double total, CheckedTotal(h.counts, "histogram count"));
  if (total <= 0) return InvalidArgument("histogram counts sum to 0");
  return Status::Ok();
}

Result<std::vector<double>> BinOnEdges(std::span<const double> edges,
                                       std::span<const double> values) {
  EL_RETURN_IF_ERROR(ValidateEdges(edges));
  const size_t bins = edges.size() - 1;
  std::vector<double> counts(bins, 0.0);
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    // First edge > v, minus one, is the bin holding v; clamping sends outliers to outer bins.
    auto it = std::upper_bound(edges.begin(), edges.end(), v);
    size_t idx = static_cast<size_t>(it - edges.begin());
    size_t bin = idx == 0 ? 0 : std::min(idx - 1, bins - 1);
    counts[bin] += 1;
  }
  return counts;
}

Result<double> PsiFromCounts(std::span<const double> expected, std::span<const double> actual) {
  EL_RETURN_IF_ERROR(CheckPair(expected, actual));
  EL_ASSIGN_OR_RETURN(double e_total, CheckedTotal(expected, "expected"));
  EL_ASSIGN_OR_RETURN(double a_total, CheckedTotal(actual, "actual"));
  if (e_total <= 0 || a_total <= 0) return InvalidArgument("a distribution sums to 0");
  double psi = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    double e = std::max(expected[i] / e_total, kPsiEpsilon);
    double a = std::max(actual[i] / a_total, kPsiEpsilon);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

Result<double> JsFromCounts(std::span<const double> p, std::span<const double> q) {
  EL_RETURN_IF_ERROR(CheckPair(p, q));
  EL_ASSIGN_OR_RETURN(double p_total, CheckedTotal(p, "p"));
  EL_ASSIGN_OR_RETURN(double q_total, CheckedTotal(q, "q"));
  if (p_total <= 0 || q_total <= 0) return InvalidArgument("a distribution sums to 0");
  return JsOfNormalised(p, p_total, q, q_total);
}

Result<double> Psi(const model::Histogram& reference, std::span<const double> live_values) {
  EL_ASSIGN_OR_RETURN(auto live, LiveCounts(reference, live_values));
  return PsiFromCounts(reference.counts, live);
}

Result<double> JsDivergence(const model::Histogram& reference,
                            std::span<const double> live_values) {
  EL_ASSIGN_OR_RETURN(auto live, LiveCounts(reference, live_values));
  return JsFromCounts(reference.counts, live);
}

Result<std::vector<double>> ResampleSpectrum(std::span<const double> spectrum, double from_bin_hz,
                                             size_t to_bins, double to_bin_hz) {
  if (!(from_bin_hz > 0) || !std::isfinite(from_bin_hz) || !(to_bin_hz > 0) ||
      !std::isfinite(to_bin_hz)) {
    return InvalidArgument("spectrum bin widths must be positive and finite");
  }
  EL_RETURN_IF_ERROR(CheckedTotal(spectrum, "spectrum").status());
  std::vector<double> out(to_bins, 0.0);
  // Two-pointer sweep over the interval boundaries: O(source + target bins).
  size_t j = 0;
  for (size_t k = 0; k < spectrum.size() && j < to_bins; ++k) {
    double lo = (static_cast<double>(k) - 0.5) * from_bin_hz;
    double hi = (static_cast<double>(k) + 0.5) * from_bin_hz;
    double density = spectrum[k] / from_bin_hz;
    while (j < to_bins) {
      double t_lo = (static_cast<double>(j) - 0.5) * to_bin_hz;
      double t_hi = (static_cast<double>(j) + 0.5) * to_bin_hz;
      double overlap = std::min(hi, t_hi) - std::max(lo, t_lo);
      if (overlap > 0) out[j] += density * overlap;
      if (t_hi > hi) break;  // the target bin continues into the next source bin
      ++j;
    }
  }
  return out;
}

Result<double> SpectrumJsDivergence(std::span<const double> reference, double reference_bin_hz,
                                    std::span<const double> live, double live_bin_hz) {
  if (reference.empty() || live.empty()) return InvalidArgument("empty spectrum");
  if (!(reference_bin_hz > 0) || !std::isfinite(reference_bin_hz) || !(live_bin_hz > 0) ||
      !std::isfinite(live_bin_hz)) {
    return InvalidArgument("spectrum bin widths must be positive and finite");
  }
  EL_RETURN_IF_ERROR(CheckedTotal(reference, "reference spectrum").status());
  EL_RETURN_IF_ERROR(CheckedTotal(live, "live spectrum").status());
  std::vector<double> live_on_ref;
  std::span<const double> ref = reference;
  if (std::abs(live_bin_hz - reference_bin_hz) > 1e-9 * reference_bin_hz) {
    // Reference bins whose whole interval lies inside the live band.
    double live_top = (static_cast<double>(live.size()) - 0.5) * live_bin_hz;
    double n = std::floor(live_top / reference_bin_hz + 0.5);
    size_t common = static_cast<size_t>(std::clamp(n, 0.0, static_cast<double>(ref.size())));
    if (common == 0) return InvalidArgument("spectra share no frequency band");
    ref = ref.first(common);
    EL_ASSIGN_OR_RETURN(live_on_ref, ResampleSpectrum(live, live_bin_hz, common, reference_bin_hz));
  } else {
    size_t common = std::min(ref.size(), live.size());
    ref = ref.first(common);
    live_on_ref.assign(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(common));
  }
  double r_total = 0, l_total = 0;
  for (double v : ref) r_total += v;
  for (double v : live_on_ref) l_total += v;
  if (!(r_total > 0)) return FailedPrecondition("reference spectrum has no power");
  if (!(l_total > 0)) return FailedPrecondition("live spectrum has no power");
  return JsOfNormalised(ref, r_total, live_on_ref, l_total);
}

}  // namespace edgeloop::drift
