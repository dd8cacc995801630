/* qks-law-product.c: the law MP_λ ⊠ MP_λ of a product of two Gaussian factors
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <gsl/gsl_complex.h>
#include <gsl/gsl_poly.h>

#include "qks-law-product.h"

/* b.3 asks for 10⁴ nodes; the substitution below makes the integrand smooth,
 * so the midpoint rule is then accurate to ~1e-8. */
#define CDF_NODES 10000

/**
 * qks_product_law_edges:
 * @lambda: k/d, in (0, 1]
 * @x_minus: (out) (optional): the lower edge (0 for λ = 1)
 * @x_plus: (out) (optional): the upper edge (27/4 for λ = 1)
 *
 * u± = (3λ ± √(λ² + 8λ))/(4λ), x± = u(1 − λ + λu)²/(u − 1): the critical
 * values of x(u) from the cubic below.
 */
void
qks_product_law_edges (double  lambda,
                       double *x_minus,
                       double *x_plus)
{
  double root = sqrt (lambda * lambda + 8.0 * lambda);
  double u_minus = (3.0 * lambda - root) / (4.0 * lambda);
  double u_plus = (3.0 * lambda + root) / (4.0 * lambda);
  double a;

  g_return_if_fail (lambda > 0.0 && lambda <= 1.0);

  if (x_minus != NULL)
    {
      double x;

      a = 1.0 - lambda + lambda * u_minus;
      x = u_minus * a * a / (u_minus - 1.0);
      /* u₋ = 0 at λ = 1: no rounding to a tiny (or signed) nonzero edge. */
      *x_minus = x > 1e-15 ? x : 0.0;
    }
  if (x_plus != NULL)
    {
      a = 1.0 - lambda + lambda * u_plus;
      *x_plus = u_plus * a * a / (u_plus - 1.0);
    }
}

/**
 * qks_product_law_density:
 *
 * u = x G(x) solves λ²u³ + 2λ(1 − λ)u² + ((1 − λ)² − x)u + x = 0. A real
 * cubic has at most one complex-conjugate pair, which exists exactly inside
 * the support, so ρ(x) = |Im u|/(πx) needs no choice of branch.
 *
 * Returns: the density at @x (0 outside the support).
 */
double
qks_product_law_density (double lambda,
                         double x)
{
  double x_minus, x_plus, l2, im;
  gsl_complex z[3];

  g_return_val_if_fail (lambda > 0.0 && lambda <= 1.0, NAN);

  qks_product_law_edges (lambda, &x_minus, &x_plus);
  if (!(x > x_minus && x < x_plus))
    return 0.0;

  l2 = lambda * lambda;
  gsl_poly_complex_solve_cubic (2.0 * (1.0 - lambda) / lambda,
                                ((1.0 - lambda) * (1.0 - lambda) - x) / l2,
                                x / l2,
                                &z[0], &z[1], &z[2]);
  im = MAX (fabs (GSL_IMAG (z[0])), MAX (fabs (GSL_IMAG (z[1])), fabs (GSL_IMAG (z[2]))));
  return im / (G_PI * x);
}

/**
 * qks_product_law_cdf:
 *
 * ∫ρ from the lower edge, by the midpoint rule in t with
 * x = x₋ + (x₊ − x₋) sin^q(πt/2): q = 2 removes the square-root behaviour at
 * soft edges, q = 3 the x^{−2/3} divergence at 0 when λ = 1 (SCIENCE.md b.4,
 * "integrate with x = t³"), and near both edges the integrand is then smooth.
 *
 * Returns: P(x' ≤ @x). Costs 10⁴ density evaluations.
 */
double
qks_product_law_cdf (double lambda,
                     double x)
{
  double x_minus, x_plus, width, q, t_end, dt, sum = 0.0;

  g_return_val_if_fail (lambda > 0.0 && lambda <= 1.0, NAN);

  if (isnan (x))
    return NAN;
  qks_product_law_edges (lambda, &x_minus, &x_plus);
  if (x <= x_minus)
    return 0.0;
  if (x >= x_plus)
    return 1.0;

  width = x_plus - x_minus;
  q = x_minus < 0.01 * x_plus ? 3.0 : 2.0;
  t_end = 2.0 / G_PI * asin (pow ((x - x_minus) / width, 1.0 / q));
  dt = t_end / CDF_NODES;

  for (guint i = 0; i < CDF_NODES; i++)
    {
      double t = (i + 0.5) * dt;
      double s = sin (0.5 * G_PI * t);
      double xt = x_minus + width * pow (s, q);
      double dx_dt = width * q * pow (s, q - 1.0) * cos (0.5 * G_PI * t) * 0.5 * G_PI;

      sum += qks_product_law_density (lambda, xt) * dx_dt;
    }
  return CLAMP (sum * dt, 0.0, 1.0);
}
