// Quantiles of the normal, F and chi-square distributions, for the control limits of the PCA
// trainer (T² by the F distribution, Q by Jackson–Mudholkar's normal approximation or Box's
// scaled chi-square).
//
// Pure functions of their arguments, safe from any thread. Arguments outside the domain (p not in
// (0, 1), non-positive degrees of freedom, x outside [0, 1] for the beta) return NaN, like the
// <cmath> functions; the trainers validate user options before calling these.
// Accuracy: about 1e-10 relative for degrees of freedom up to ~1e6 (the lgamma differences lose a
// few digits for large ones), better for small ones.
#pragma once

namespace edgeloop::train {

// Standard normal CDF Φ(x).
double NormalCdf(double x);
// Φ⁻¹(p): Acklam's rational approximation refined by Halley steps on erfc (full double
// precision). NormalQuantile(0.99) = 2.326347874...
double NormalQuantile(double p);

// Regularized incomplete beta I_x(a, b) (the CDF of Beta(a, b)), by the continued fraction of
// Numerical Recipes §6.4 evaluated with the modified Lentz method.
double RegularizedBeta(double a, double b, double x);
// Regularized lower incomplete gamma P(a, x) (series for x < a + 1, continued fraction above).
double RegularizedGammaP(double a, double x);

// CDF and quantile of Fisher's F(d1, d2). FQuantile(0.99, 3, 100) = 3.984...
double FCdf(double x, double d1, double d2);
double FQuantile(double p, double d1, double d2);

// CDF and quantile of the chi-square distribution with k degrees of freedom (k need not be an
// integer: Box's approximation of Q uses fractional degrees of freedom).
double ChiSquareCdf(double x, double k);
double ChiSquareQuantile(double p, double k);

}  // namespace edgeloop::train
