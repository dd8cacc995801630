/* qks-law-mp.c: the Marchenko–Pastur law and its Tracy–Widom edge
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>

#include "qks-law-mp.h"

/**
 * qks_mp_edges:
 * @c: the aspect ratio M/N, in (0, 1]
 * @sigma2: the entry variance σ² (the law's mean)
 * @lambda_minus: (out) (optional): σ²(1 − √c)²
 * @lambda_plus: (out) (optional): σ²(1 + √c)²
 */
void
qks_mp_edges (double  c,
              double  sigma2,
              double *lambda_minus,
              double *lambda_plus)
{
  double root_c = sqrt (c);

  if (lambda_minus != NULL)
    *lambda_minus = sigma2 * (1.0 - root_c) * (1.0 - root_c);
  if (lambda_plus != NULL)
    *lambda_plus = sigma2 * (1.0 + root_c) * (1.0 + root_c);
}

/**
 * qks_mp_density:
 *
 * Returns: ρ(λ) = √((λ₊ − λ)(λ − λ₋)) / (2π σ² c λ) inside the support, 0
 *   outside it (and at λ = 0, where for c = 1 the density diverges).
 */
double
qks_mp_density (double c,
                double sigma2,
                double lambda)
{
  double lo, hi;

  g_return_val_if_fail (c > 0.0 && c <= 1.0 && sigma2 > 0.0, NAN);

  qks_mp_edges (c, sigma2, &lo, &hi);
  if (lambda <= lo || lambda >= hi || lambda <= 0.0)
    return 0.0;
  return sqrt ((hi - lambda) * (lambda - lo)) / (2.0 * G_PI * sigma2 * c * lambda);
}

/**
 * qks_mp_cdf:
 *
 * The integral of qks_mp_density() in closed form, which is both exact and
 * fast enough for a KS statistic per fit. With t = λ/σ² = (1 + c) − 2√c cos θ,
 * θ ∈ [0, π], the density times dt is 2c sin²θ / (π (1 + c − 2√c cos θ)) dθ,
 * whose primitive is
 *   F = [(1 + c)θ + 2√c sin θ − 2(1 − c) atan(((1 + √c)/(1 − √c)) tan(θ/2))] / (2πc).
 * The arctangent is written as atan2 so that θ = π and c = 1 need no special
 * case (tests/test-laws.c checks it against b.3's trapezoid rule).
 *
 * Returns: P(λ' ≤ @lambda) under MP(@c, @sigma2).
 */
double
qks_mp_cdf (double c,
            double sigma2,
            double lambda)
{
  double root_c, t, cos_theta, theta, half, value;

  g_return_val_if_fail (c > 0.0 && c <= 1.0 && sigma2 > 0.0, NAN);

  if (isnan (lambda))
    return NAN;

  root_c = sqrt (c);
  t = lambda / sigma2;
  cos_theta = ((1.0 + c) - t) / (2.0 * root_c);
  if (cos_theta >= 1.0)
    return 0.0;
  if (cos_theta <= -1.0)
    return 1.0;

  theta = acos (cos_theta);
  half = 0.5 * theta;
  value = (1.0 + c) * theta + 2.0 * root_c * sin (theta) -
          2.0 * (1.0 - c) * atan2 ((1.0 + root_c) * sin (half), (1.0 - root_c) * cos (half));
  return CLAMP (value / (2.0 * G_PI * c), 0.0, 1.0);
}

/**
 * qks_mp_median:
 * @c: the aspect ratio, in (0, 1]
 *
 * Bisection on qks_mp_cdf() (SCIENCE.md b.3, estimator E2).
 *
 * Returns: the median m_c of MP(@c, σ² = 1).
 */
double
qks_mp_median (double c)
{
  double lo, hi;

  g_return_val_if_fail (c > 0.0 && c <= 1.0, NAN);

  qks_mp_edges (c, 1.0, &lo, &hi);
  for (guint i = 0; i < 200 && hi - lo > 4 * DBL_EPSILON * hi; i++)
    {
      double mid = 0.5 * (lo + hi);

      if (qks_mp_cdf (c, 1.0, mid) < 0.5)
        lo = mid;
      else
        hi = mid;
    }
  return 0.5 * (lo + hi);
}

/**
 * qks_tw1_quantile:
 * @probability: 0.90, 0.95 or 0.99
 *
 * The β = 1 Tracy–Widom quantiles that SCIENCE.md b.3 tabulates. Others
 * would need the Painlevé II solution, which nothing here requires.
 *
 * Returns: the quantile, or NAN for a probability not in the table.
 */
double
qks_tw1_quantile (double probability)
{
  static const struct { double p, q; } table[] = {
    { 0.90, 0.4501 },
    { 0.95, 0.9793 },
    { 0.99, 2.0234 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (fabs (probability - table[i].p) < 1e-9)
      return table[i].q;
  return NAN;
}

/**
 * qks_tw_johnstone_centre_scale:
 * @n_rows: N, the longer side
 * @n_cols: M ≤ N
 * @mu: (out): (√(N−1) + √M)²
 * @scale: (out): (√(N−1) + √M)(1/√(N−1) + 1/√M)^{1/3}
 *
 * Johnstone (2001): the largest eigenvalue of XᵀX for X with i.i.d. N(0, 1)
 * entries is ≈ μ + s·TW₁, in the units of s², not of λ = s²/N.
 */
void
qks_tw_johnstone_centre_scale (gsize   n_rows,
                               gsize   n_cols,
                               double *mu,
                               double *scale)
{
  double a, b;

  g_return_if_fail (n_rows >= 2 && n_cols >= 1 && n_cols <= n_rows);

  a = sqrt ((double) n_rows - 1.0);
  b = sqrt ((double) n_cols);
  *mu = (a + b) * (a + b);
  *scale = (a + b) * cbrt (1.0 / a + 1.0 / b);
}

/**
 * qks_tw_johnstone_threshold:
 * @sigma2: the fitted σ̂², in the units the threshold is wanted in
 *
 * TW-J (SCIENCE.md b.3): σ̂² (μ + q s)/N. With σ̂² fitted on λ = s²/N the
 * result is in λ units; with σ̂² fitted on the mean-1 values λ̃ = λ/mean λ it
 * is in mean-1 units (the threshold is linear in σ̂²).
 *
 * Returns: the threshold, or NAN for a @probability qks_tw1_quantile() lacks.
 */
double
qks_tw_johnstone_threshold (gsize  n_rows,
                            gsize  n_cols,
                            double probability,
                            double sigma2)
{
  double q = qks_tw1_quantile (probability);
  double mu, scale;

  if (isnan (q))
    return NAN;
  qks_tw_johnstone_centre_scale (n_rows, n_cols, &mu, &scale);
  return sigma2 * (mu + q * scale) / (double) n_rows;
}

/**
 * qks_tw_ww_threshold:
 * @c: M/N
 * @sigma2: σ̂² of the mean-1 values
 * @n_cols: M
 *
 * weightwatcher's bulk_max_TW = λ₊ + √(√c λ₊^{2/3} M^{−2/3}) (SCIENCE.md b.5).
 * The square root makes it depend on the units, so it is meant for mean-1
 * values only; it is ≈ 3× wider than TW-J at 99 % for 1024 × 256.
 */
double
qks_tw_ww_threshold (double c,
                     double sigma2,
                     gsize  n_cols)
{
  double lambda_plus;

  g_return_val_if_fail (c > 0.0 && c <= 1.0 && n_cols > 0, NAN);

  qks_mp_edges (c, sigma2, NULL, &lambda_plus);
  return lambda_plus + sqrt (sqrt (c) * cbrt (lambda_plus * lambda_plus) /
                             cbrt ((double) n_cols * (double) n_cols));
}
