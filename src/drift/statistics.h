// Distances between a reference distribution (recorded at training time) and live data.
//
// Live values are binned on the reference histogram's edges, so both sides share one grid:
// bin i holds values in [edges[i], edges[i+1]); values below edges[0] go to the first bin and
// values at or above edges.back() go to the last one (an out-of-range value is exactly what
// drift looks like, so it must count, and the outer bins are where it is nearest). Non-finite
// values are skipped (the quality gate flags them; they say nothing about the distribution).
//
// All functions are pure and thread-safe. Inputs may come from an untrusted model file, so
// malformed histograms (edges not strictly increasing, negative counts, shape mismatch, nothing
// counted) are InvalidArgument, never a crash.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "model/model_metadata.h"

namespace edgeloop::drift {

// PSI floors every bin proportion at this value before taking logs: an empty bin on either side
// would otherwise make PSI infinite. 1e-4 is the value common PSI tooling uses (e.g.
// Evidently); it caps one empty bin's contribution at about p·ln(p/1e-4), so a single stray
// bin cannot dominate while a real new mode still counts. No renormalisation after flooring.
inline constexpr double kPsiEpsilon = 1e-4;

// Counts of the finite `values` on `edges` (outer values into the outer bins, see above).
// `edges` must hold at least 2 strictly increasing finite values.
Result<std::vector<double>> BinOnEdges(std::span<const double> edges,
                                       std::span<const double> values);

// Population stability index Σ (a_i − e_i)·ln(a_i / e_i) of proportions a (actual/live) against
// e (expected/reference), each floored at kPsiEpsilon. Both count vectors must have the same
// length, non-negative finite entries and a positive total.
Result<double> PsiFromCounts(std::span<const double> expected, std::span<const double> actual);

// Jensen–Shannon divergence in bits (base-2 logs), in [0, 1]: ½·KL(P‖M) + ½·KL(Q‖M) with
// M = (P + Q)/2 of the normalised vectors. Needs no smoothing: M > 0 wherever P or Q is, so
// empty bins contribute 0·log 0 = 0. Same input rules as PsiFromCounts.
Result<double> JsFromCounts(std::span<const double> p, std::span<const double> q);

// PSI / JS of live values against a reference histogram (live binned on its edges).
// FailedPrecondition when no live value is finite.
Result<double> Psi(const model::Histogram& reference, std::span<const double> live_values);
Result<double> JsDivergence(const model::Histogram& reference, std::span<const double> live_values);

// Checks a reference histogram's shape and values.
Status ValidateHistogram(const model::Histogram& h);

// Resamples a one-sided spectrum whose bin k is centred at k·from_bin_hz (covering
// [(k−½)·w, (k+½)·w)) onto a grid of `to_bins` bins to_bin_hz wide, by the overlap of the bin
// intervals with the power spread evenly inside each source bin. Total power in the common band
// is kept (a tone stays a tone of the same power, smeared over at most two target bins). Target
// bins beyond the source band receive nothing.
Result<std::vector<double>> ResampleSpectrum(std::span<const double> spectrum, double from_bin_hz,
                                             size_t to_bins, double to_bin_hz);

// JS divergence (bits) between two power spectra, each normalised to sum 1. When the bin widths
// differ (relative difference > 1e-9) the live spectrum is resampled onto the reference grid.
// Only the common band is compared (both truncated to the shorter one), since power outside the
// other side's band cannot be located on its grid. Entries must be finite and >= 0;
// FailedPrecondition when either side has no power in the common band.
Result<double> SpectrumJsDivergence(std::span<const double> reference, double reference_bin_hz,
                                    std::span<const double> live, double live_bin_hz);

}  // namespace edgeloop::drift
