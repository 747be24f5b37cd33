#include "train/distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace edgeloop::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEps = 1e-15;
constexpr double kTiny = 1e-300;  // keeps Lentz's method away from division by zero
// The continued fractions need O(sqrt(max(a, b))) terms; this covers a, b up to ~1e7.
constexpr int kMaxIterations = 20000;

// Continued fraction of I_x(a, b) (Numerical Recipes §6.4), modified Lentz. NaN when it does not
// converge.
double BetaContinuedFraction(double a, double b, double x) {
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1;
  double d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) return h;
  }
  return kNaN;
}

// I_x(a, b) with y = 1 - x passed separately, so callers that know 1 - x more precisely than
// the subtraction would give (the F CDF far in its upper tail) keep that precision.
double BetaInc(double a, double b, double x, double y) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(y >= 0)) return kNaN;
  if (x == 0) return 0;
  if (y == 0) return 1;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(y);
  const double front = std::exp(log_front);
  // The fraction converges fast on the side of the mean; use the symmetry on the other side.
  if (x < (a + 1) / (a + b + 2)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1 - front * BetaContinuedFraction(b, a, y) / b;
}

// Solves cdf(v) = p for v > 0 by bisection on log(v); `cdf` must be non-decreasing. Bisection
// rather than Newton because it cannot diverge, and the limits are computed once per training.
template <typename Cdf>
double InvertPositiveCdf(double p, Cdf cdf) {
  if (!(p > 0 && p < 1)) return kNaN;
  constexpr double kMaxLog = 700;  // exp(±700) stays finite
  double lo = 0, hi = 0;
  if (cdf(1.0) < p) {
    hi = 1;
    while (cdf(std::exp(hi)) < p) {
      lo = hi;
      hi *= 2;
      if (hi > kMaxLog) return std::numeric_limits<double>::infinity();
    }
  } else {
    lo = -1;
    while (cdf(std::exp(lo)) >= p) {
      hi = lo;
      lo *= 2;
      if (lo < -kMaxLog) return 0;
    }
  }
  // Invariant: cdf(exp(lo)) < p <= cdf(exp(hi)).
  for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, std::fabs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (cdf(std::exp(mid)) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  // A continued fraction that did not converge shows up as NaN here rather than as a wrong value.
  if (std::isnan(cdf(std::exp(hi)))) return kNaN;
  return std::exp(0.5 * (lo + hi));
}

}  // namespace

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double NormalQuantile(double p) {
  if (!(p > 0 && p < 1)) return kNaN;
  // Acklam's coefficients (relative error < 1.15e-9 before refinement).
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  double x = 0;
  if (p < kLow) {
    x = tail(std::sqrt(-2 * std::log(p)));
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    x = -tail(std::sqrt(-2 * std::log1p(-p)));
  }
  // Halley steps on Φ(x) - p; each roughly cubes the relative error, two reach double precision.
  const double sqrt_2pi = std::sqrt(2 * std::numbers::pi);
  for (int i = 0; i < 2; ++i) {
    // In the upper tail the error of Φ(x) - p is computed from the complement to keep precision.
    const double e = p > 0.5 ? (1 - p) - 0.5 * std::erfc(x / std::sqrt(2.0)) : NormalCdf(x) - p;
    const double u = e * sqrt_2pi * std::exp(0.5 * x * x);
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}

double RegularizedBeta(double a, double b, double x) {
  if (!(x >= 0 && x <= 1)) return kNaN;
  return BetaInc(a, b, x, 1 - x);
}

double RegularizedGammaP(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return kNaN;
  if (x == 0) return 0;
  if (std::isinf(x)) return 1;
  const double log_front = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    // Series: P = e^{-x} x^a / Γ(a) · Σ x^n / (a (a+1) ... (a+n)).
    double ap = a, del = 1 / a, sum = del;
    for (int n = 0; n < kMaxIterations; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * kEps) return sum * std::exp(log_front);
    }
    return kNaN;
  }
  // Continued fraction for Q = 1 - P (Numerical Recipes §6.2), modified Lentz.
  double bb = x + 1 - a, c = 1 / kTiny, d = 1 / bb, h = d;
  for (int i = 1; i <= kMaxIterations; ++i) {
    const double an = -i * (i - a);
    bb += 2;
    d = an * d + bb;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = bb + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) return 1 - std::exp(log_front) * h;
  }
  return kNaN;
}

double FCdf(double x, double d1, double d2) {
  if (!(d1 > 0) || !(d2 > 0) || std::isnan(x)) return kNaN;
  if (x <= 0) return 0;
  if (std::isinf(x)) return 1;
  const double den = d1 * x + d2;
  return BetaInc(d1 / 2, d2 / 2, d1 * x / den, d2 / den);
}

double FQuantile(double p, double d1, double d2) {
  if (!(d1 > 0) || !(d2 > 0)) return kNaN;
  return InvertPositiveCdf(p, [&](double v) { return FCdf(v, d1, d2); });
}

double ChiSquareCdf(double x, double k) {
  if (!(k > 0) || std::isnan(x)) return kNaN;
  if (x <= 0) return 0;
  return RegularizedGammaP(k / 2, x / 2);
}

double ChiSquareQuantile(double p, double k) {
  if (!(k > 0)) return kNaN;
  return InvertPositiveCdf(p, [&](double v) { return ChiSquareCdf(v, k); });
}

}  // namespace edgeloop::train
