/* qks-law-chain.c: the spectral law of a product of rectangular Gaussian matrices
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <complex.h>
#include <math.h>

#include <lapacke.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_poly.h>

#include "qks-law-chain.h"

/* Everything below works in u = 1 + ψ = x G(x) rather than in ψ: with
 * F(u) = u Π_i (r_i u + 1 − r_i) the chain equation x ψ = (1 + ψ) Π (1 + r_i ψ)
 * becomes the polynomial F(u) − x u + x = 0 (b.4's cubic for two factors),
 * whose coefficients are exact when r_i = 1 and whose small roots near a hard
 * edge at 0 stay accurate. The density is ρ(x) = |Im u|/(πx).
 *
 * "Full" quantities refer to the law of all N_0 eigenvalues (mean 1, atom
 * 1 − k/N_0 at 0) in the variable X; the public API speaks of the normalised
 * law of the non-zero ones, x = X/α with α = N_0/k, whose density is
 * α² ρ_full(α x). */

#define MAX_DEGREE       QKS_CHAIN_LAW_MAX_DIMS
#define TABLE_PANELS     2048
/* b.4's continuation: y falls geometrically from Y to η, 12 steps a decade
 * (tests/test-laws.c checks the result against the closed-form cubic and the
 * law's moments against Lagrange inversion). */
#define STEPS_PER_DECADE 12
#define ETA              1e-6
#define ABERTH_TOLERANCE 1e-13
#define ABERTH_MAX_ITER  60

struct _QksChainLaw
{
  guint   n_dims;
  guint   dims[QKS_CHAIN_LAW_MAX_DIMS];
  guint   rank;                 /* k = min N_i */
  guint   multiplicity;         /* #{i : N_i = k}; ≥ 2 means a hard edge at 0 */
  double  alpha;                /* N_0/k */
  guint   degree;               /* of F, = n_dims */
  double  f[MAX_DEGREE + 1];    /* F's coefficients, ascending powers */
  double  r_sum;                /* Σ r_i */

  /* The normalised law. */
  double  x_minus;
  double  x_plus;
  double  edge_coefficient;     /* ρ(x) ≈ C √(x₊ − x) just below x₊ */

  /* Nodes t_j = j/P map to x(t) = x₋ + (x₊ − x₋) sin^q(πt/2); h_j is
   * ρ(x(t_j)) x'(t_j), smooth in t at both edges for the q chosen, and cum_j
   * its integral from 0 to t_j. */
  double  power;
  double  h[TABLE_PANELS + 1];
  double  cum[TABLE_PANELS + 1];
  double  mass;                 /* cum_P before renormalising: 1 up to the quadrature */
  double  median;
};

G_DEFINE_QUARK (qks-law-error-quark, qks_law_error)

/* Polynomial helpers ------------------------------------------------------ */

static double
real_poly_eval (const double *c,
                guint         degree,
                double        u,
                guint         derivative)
{
  double value = 0.0;

  for (guint j = degree + 1; j-- > derivative;)
    {
      double coefficient = c[j];

      for (guint d = 0; d < derivative; d++)
        coefficient *= (double) (j - d);
      value = value * u + coefficient;
    }
  return value;
}

static void
complex_poly_eval (const double complex *c,
                   guint                 degree,
                   double complex        u,
                   double complex       *value,
                   double complex       *derivative)
{
  double complex p = c[degree], dp = 0.0;

  for (guint j = degree; j-- > 0;)
    {
      dp = dp * u + p;
      p = p * u + c[j];
    }
  *value = p;
  *derivative = dp;
}

/* All roots as the eigenvalues of the companion matrix (LAPACK zgeev, which
 * balances it first): numpy.roots does the same. */
static gboolean
companion_roots (const double complex *c,
                 guint                 degree,
                 double complex       *roots)
{
  lapack_complex_double a[MAX_DEGREE * MAX_DEGREE] = { 0 };
  lapack_complex_double w[MAX_DEGREE], work[4 * MAX_DEGREE];
  double rwork[2 * MAX_DEGREE];
  int n = (int) degree;
  lapack_int info;

  for (guint j = 0; j < degree; j++)
    a[j] = -c[degree - 1 - j] / c[degree];
  for (guint i = 1; i < degree; i++)
    a[i * degree + i - 1] = 1.0;

  info = LAPACKE_zgeev_work (LAPACK_ROW_MAJOR, 'N', 'N', n, a, n, w,
                             NULL, 1, NULL, 1, work, 4 * MAX_DEGREE, rwork);
  if (info != 0)
    return FALSE;
  for (guint i = 0; i < degree; i++)
    roots[i] = w[i];
  return TRUE;
}

/* Aberth–Ehrlich iteration from the previous step's roots: it refines all
 * roots at once, so each step still sees every root (the continuation picks
 * the nearest one), at a tenth of the cost of an eigenvalue solve. */
static gboolean
aberth_refine (const double complex *c,
               guint                 degree,
               double complex       *roots)
{
  for (guint iter = 0; iter < ABERTH_MAX_ITER; iter++)
    {
      double worst = 0.0;

      for (guint i = 0; i < degree; i++)
        {
          double complex p, dp, ratio, sum = 0.0, step;

          complex_poly_eval (c, degree, roots[i], &p, &dp);
          if (p == 0.0)
            continue;
          ratio = p / dp;
          for (guint j = 0; j < degree; j++)
            if (j != i)
              sum += 1.0 / (roots[i] - roots[j]);
          step = ratio / (1.0 - ratio * sum);
          if (!isfinite (creal (step)) || !isfinite (cimag (step)))
            return FALSE;
          roots[i] -= step;
          worst = MAX (worst, cabs (step) / MAX (cabs (roots[i]), 1e-300));
        }
      if (worst < ABERTH_TOLERANCE)
        return TRUE;
    }
  return FALSE;
}

static guint
nearest_root (const double complex *roots,
              guint                 degree,
              double complex        target)
{
  guint best = 0;

  for (guint i = 1; i < degree; i++)
    if (cabs (roots[i] - target) < cabs (roots[best] - target))
      best = i;
  return best;
}

/* The coefficients of F(u) − z u + z. */
static void
set_coefficients (const QksChainLaw *law,
                  double complex     z,
                  double complex    *c)
{
  for (guint j = 0; j <= law->degree; j++)
    c[j] = law->f[j];
  c[0] += z;
  c[1] -= z;
}

/* The full density ------------------------------------------------------- */

/* b.4's algorithm: walk z = X + iy from y = Y = 10(1 + Σr)² + 10X down to η,
 * starting from ψ ≈ 1/z and taking at each step the root nearest the
 * previous one. Two refinements: η shrinks with X near a hard edge at 0
 * (where the density varies on the scale X, a fixed η = 10⁻⁶ would smear
 * away mass of order η^{1/3}), and a last step goes to y = 0 itself, so the
 * density is |Im u|/(πX) exactly and the atom needs no subtracting. */
static double
full_density_continuation (const QksChainLaw *law,
                           double             x_full,
                           double             x_plus_full)
{
  double complex c[MAX_DEGREE + 1], roots[MAX_DEGREE], u;
  double y = 10.0 * (1.0 + law->r_sum) * (1.0 + law->r_sum) + 10.0 * x_full;
  double eta = ETA * MIN (1.0, x_full / x_plus_full);
  double beta = pow (10.0, -1.0 / STEPS_PER_DECADE);

  set_coefficients (law, x_full + I * y, c);
  if (!companion_roots (c, law->degree, roots))
    return NAN;
  u = roots[nearest_root (roots, law->degree, 1.0 + 1.0 / (x_full + I * y))];

  while (y > 0.0)
    {
      y = y > eta ? MAX (y * beta, eta) : 0.0;
      set_coefficients (law, x_full + I * y, c);
      if (!aberth_refine (c, law->degree, roots) &&
          !companion_roots (c, law->degree, roots))
        return NAN;
      u = roots[nearest_root (roots, law->degree, u)];
    }

  return fabs (cimag (u)) / (G_PI * x_full);
}

/* Two or three dims: a real quadratic or cubic at real X has at most one
 * complex-conjugate pair, present exactly inside the support, so the closed
 * form needs no continuation (b.4: "the max-|Im| rule works for k = 2"). */
static double
full_density_closed_form (const QksChainLaw *law,
                          double             x_full)
{
  double c[MAX_DEGREE + 1];
  gsl_complex z[3];
  double im = 0.0;

  for (guint j = 0; j <= law->degree; j++)
    c[j] = law->f[j];
  c[0] += x_full;
  c[1] -= x_full;

  if (law->degree == 2)
    {
      gsl_poly_complex_solve_quadratic (c[2], c[1], c[0], &z[0], &z[1]);
      im = MAX (fabs (GSL_IMAG (z[0])), fabs (GSL_IMAG (z[1])));
    }
  else
    {
      gsl_poly_complex_solve_cubic (c[2] / c[3], c[1] / c[3], c[0] / c[3],
                                    &z[0], &z[1], &z[2]);
      for (guint i = 0; i < 3; i++)
        im = MAX (im, fabs (GSL_IMAG (z[i])));
    }
  return im / (G_PI * x_full);
}

/* The normalised density α² ρ_full(αx), from the closed form when there is one. */
static double
normalised_density (const QksChainLaw *law,
                    double             x,
                    gboolean           force_continuation)
{
  double x_full = law->alpha * x;

  if (x <= 0.0)
    return 0.0;
  if (law->degree <= 3 && !force_continuation)
    return law->alpha * law->alpha * full_density_closed_form (law, x_full);
  return law->alpha * law->alpha *
         full_density_continuation (law, x_full, law->alpha * law->x_plus);
}

/* Edges ------------------------------------------------------------------ */

static double
x_of_u (const QksChainLaw *law,
        double             u)
{
  return real_poly_eval (law->f, law->degree, u, 0) / (u - 1.0);
}

/* The edges are the critical values of X(u) = F(u)/(u − 1): the real roots of
 * F'(u)(u − 1) − F(u), a polynomial of degree n_dims (b.4's u± for two
 * factors). As X falls from +∞ to the upper edge, u rises from 1 to the first
 * critical point above 1. As X rises from 0, u leaves u₀ = 1 − k/N_0 (the
 * largest zero of F) downwards; with a simple zero there the lower edge is
 * the largest critical value between u₀ and the next zero below it, with a
 * multiple zero (several N_i = k) it is 0. */
static gboolean
find_edges (QksChainLaw  *law,
            GError      **error)
{
  double d[MAX_DEGREE + 1];
  double complex d_complex[MAX_DEGREE + 1], roots[MAX_DEGREE];
  double u_plus = INFINITY, x_minus_full = -1.0, x_plus_full;
  double u0 = 1.0 - (double) law->rank / law->dims[0];
  double u_next = -INFINITY;

  for (guint j = 0; j <= law->degree; j++)
    {
      d[j] = ((double) j - 1.0) * law->f[j] -
             (j < law->degree ? ((double) j + 1.0) * law->f[j + 1] : 0.0);
      d_complex[j] = d[j];
    }

  /* The same companion-matrix solver as the continuation (GSL's would call
   * its abort-by-default error handler if it ever failed). */
  if (!companion_roots (d_complex, law->degree, roots))
    {
      g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_NO_CONVERGENCE,
                   "The edges of the chain law: the root finder failed");
      return FALSE;
    }

  for (guint i = 0; i < law->n_dims; i++)
    if (law->dims[i] > law->rank)
      u_next = MAX (u_next, 1.0 - (double) law->dims[i] / law->dims[0]);

  for (guint i = 0; i < law->degree; i++)
    {
      double u = creal (roots[i]);

      if (fabs (cimag (roots[i])) > 1e-7 * MAX (1.0, fabs (u)))
        continue;
      /* Polish the real root with Newton on the critical polynomial. */
      for (guint iter = 0; iter < 8; iter++)
        {
          double slope = real_poly_eval (d, law->degree, u, 1);

          if (slope == 0.0)
            break;
          u -= real_poly_eval (d, law->degree, u, 0) / slope;
        }
      if (u > 1.0 + 1e-12)
        u_plus = MIN (u_plus, u);
      else if (law->multiplicity == 1 && u > u_next && u < u0)
        x_minus_full = MAX (x_minus_full, x_of_u (law, u));
    }

  if (!isfinite (u_plus) || (law->multiplicity == 1 && !(x_minus_full > 0.0)))
    {
      g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_NO_CONVERGENCE,
                   "The edges of the chain law were not found");
      return FALSE;
    }

  x_plus_full = x_of_u (law, u_plus);
  law->x_plus = x_plus_full / law->alpha;
  law->x_minus = law->multiplicity == 1 ? x_minus_full / law->alpha : 0.0;

  /* Near u₊, X − X₊ ≈ X''(u₊)(u − u₊)²/2 with X'' = F''(u₊)/(u₊ − 1), so
   * Im u ≈ √(2(X₊ − X)/X'') and ρ_full ≈ √(2/X'') √(X₊ − X)/(π X₊); the
   * normalisation multiplies the coefficient by α^{5/2}. */
  {
    double x_second = real_poly_eval (law->f, law->degree, u_plus, 2) / (u_plus - 1.0);

    if (!(x_second > 0.0))
      {
        g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_NO_CONVERGENCE,
                     "The upper edge of the chain law is not a soft edge");
        return FALSE;
      }
    law->edge_coefficient = pow (law->alpha, 2.5) * sqrt (2.0 / x_second) /
                            (G_PI * x_plus_full);
  }

  if (!(law->x_plus > law->x_minus))
    {
      g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_NO_CONVERGENCE,
                   "The chain law's support [%g, %g] is empty", law->x_minus, law->x_plus);
      return FALSE;
    }
  return TRUE;
}

/* The table -------------------------------------------------------------- */

static double
node_x (const QksChainLaw *law,
        double             t,
        double            *dx_dt)
{
  double width = law->x_plus - law->x_minus;
  double s = sin (0.5 * G_PI * t);

  if (dx_dt != NULL)
    *dx_dt = width * law->power * pow (s, law->power - 1.0) *
             cos (0.5 * G_PI * t) * 0.5 * G_PI;
  return law->x_minus + width * pow (s, law->power);
}

static double
x_to_t (const QksChainLaw *law,
        double             x)
{
  double w = CLAMP ((x - law->x_minus) / (law->x_plus - law->x_minus), 0.0, 1.0);

  return 2.0 / G_PI * asin (pow (w, 1.0 / law->power));
}

/* ∫₀ᵗ h: cubic Hermite on the panel, from the integrals and their slopes h. */
static double
cumulative_at_t (const QksChainLaw *law,
                 double             t)
{
  double position = CLAMP (t, 0.0, 1.0) * TABLE_PANELS;
  guint j = MIN ((guint) position, TABLE_PANELS - 1);
  double s = position - j, dt = 1.0 / TABLE_PANELS;
  double s2 = s * s, s3 = s2 * s;

  return (2 * s3 - 3 * s2 + 1) * law->cum[j] + (s3 - 2 * s2 + s) * dt * law->h[j] +
         (-2 * s3 + 3 * s2) * law->cum[j + 1] + (s3 - s2) * dt * law->h[j + 1];
}

/* h'(t_j) by second-order differences. */
static double
slope_at (const double *h,
          guint         j,
          double        dt)
{
  if (j == 0)
    return (-3.0 * h[0] + 4.0 * h[1] - h[2]) / (2.0 * dt);
  if (j == TABLE_PANELS)
    return (3.0 * h[j] - 4.0 * h[j - 1] + h[j - 2]) / (2.0 * dt);
  return (h[j + 1] - h[j - 1]) / (2.0 * dt);
}

static gboolean
build_table (QksChainLaw  *law,
             GError      **error)
{
  double dt = 1.0 / TABLE_PANELS;
  double lo = 0.0, hi = 1.0;

  /* A hard edge at 0 with m factors of size k behaves as x^{−(m−1)/m}, a soft
   * one as √(x − x₋); with q = 2 max(m, 2) the integrand h is then smooth in
   * t and vanishes at both ends (b.4's "x = t³" is the q = m of the square
   * two-factor law; twice that also copes with a soft edge that is nearly
   * hard, like [500, 499, 500], where q = 2 loses 0.7 % of the mass). */
  law->power = 2.0 * MAX (law->multiplicity, 2);

  law->h[0] = law->h[TABLE_PANELS] = 0.0;
  for (guint j = 1; j < TABLE_PANELS; j++)
    {
      double dx_dt, x = node_x (law, j * dt, &dx_dt);
      double rho = normalised_density (law, x, FALSE);

      if (!isfinite (rho))
        {
          g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_NO_CONVERGENCE,
                       "The chain law's density did not converge at x = %g", x);
          return FALSE;
        }
      law->h[j] = rho * dx_dt;
    }

  /* Partial integrals by the trapezoid rule with each panel's Euler–Maclaurin
   * correction Δt²(h'_j − h'_{j+1})/12 (h' by differences): O(Δt⁴) at every
   * node rather than only at the end, for the CDF between the edges. */
  law->cum[0] = 0.0;
  for (guint j = 0; j < TABLE_PANELS; j++)
    {
      double slope_left = slope_at (law->h, j, dt);
      double slope_right = slope_at (law->h, j + 1, dt);

      law->cum[j + 1] = law->cum[j] + 0.5 * dt * (law->h[j] + law->h[j + 1]) +
                        dt * dt * (slope_left - slope_right) / 12.0;
    }
  law->mass = law->cum[TABLE_PANELS];

  /* A wrong branch in the continuation shows as a wrong mass: refuse to
   * draw such a law rather than draw it wrong. */
  if (!(fabs (law->mass - 1.0) < 1e-2))
    {
      g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_NO_CONVERGENCE,
                   "The chain law's density integrates to %g, not 1", law->mass);
      return FALSE;
    }

  for (guint i = 0; i < 64; i++)
    {
      double mid = 0.5 * (lo + hi);

      if (cumulative_at_t (law, mid) < 0.5 * law->mass)
        lo = mid;
      else
        hi = mid;
    }
  law->median = node_x (law, 0.5 * (lo + hi), NULL);
  return TRUE;
}

/* Public API ------------------------------------------------------------- */

/**
 * qks_chain_law_new:
 * @dims: (array length=n_dims): N_0 … N_n, each > 0
 * @n_dims: 2 … %QKS_CHAIN_LAW_MAX_DIMS
 *
 * Finds the edges and tabulates the density (closed form for two or three
 * dims, continuation otherwise: a few tenths of a second for five dims).
 *
 * Returns: (transfer full): the law, or %NULL with @error set.
 */
QksChainLaw *
qks_chain_law_new (const guint  *dims,
                   guint         n_dims,
                   GError      **error)
{
  g_autoptr(QksChainLaw) law = NULL;

  if (n_dims < 2 || n_dims > QKS_CHAIN_LAW_MAX_DIMS)
    {
      g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_INVALID,
                   "A chain needs 2 to %d dimensions, not %u",
                   QKS_CHAIN_LAW_MAX_DIMS, n_dims);
      return NULL;
    }

  law = g_new0 (QksChainLaw, 1);
  law->n_dims = n_dims;
  law->rank = G_MAXUINT;
  for (guint i = 0; i < n_dims; i++)
    {
      if (dims[i] == 0)
        {
          g_set_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_INVALID,
                       "Dimension %u of the chain is zero", i);
          return NULL;
        }
      law->dims[i] = dims[i];
      law->rank = MIN (law->rank, dims[i]);
    }
  for (guint i = 0; i < n_dims; i++)
    if (dims[i] == law->rank)
      law->multiplicity++;
  law->alpha = (double) dims[0] / law->rank;

  /* F(u) = u Π_{i ≥ 1} (r_i u + 1 − r_i), r_i = N_0/N_i. */
  law->degree = n_dims;
  law->f[1] = 1.0;
  for (guint i = 1; i < n_dims; i++)
    {
      double r = (double) dims[0] / dims[i];

      law->r_sum += r;
      for (guint j = i + 1; j >= 1; j--)
        law->f[j] = r * law->f[j - 1] + (1.0 - r) * law->f[j];
      law->f[0] = 0.0;
    }

  if (!find_edges (law, error) || !build_table (law, error))
    return NULL;

  return g_steal_pointer (&law);
}

void
qks_chain_law_free (QksChainLaw *law)
{
  g_free (law);
}

/**
 * qks_chain_law_get_dims:
 * @n_dims: (out) (optional): how many
 *
 * Returns: (transfer none): the chain's dimensions N_0 … N_n.
 */
const guint *
qks_chain_law_get_dims (const QksChainLaw *law,
                        guint             *n_dims)
{
  if (n_dims != NULL)
    *n_dims = law->n_dims;
  return law->dims;
}

/**
 * qks_chain_law_get_rank:
 *
 * Returns: k = min N_i, the number of non-zero eigenvalues of PPᵀ.
 */
guint
qks_chain_law_get_rank (const QksChainLaw *law)
{
  return law->rank;
}

/**
 * qks_chain_law_density:
 *
 * Returns: the density of the mean-1 law of the non-zero eigenvalues at @x,
 *   interpolated from the table (0 outside the support).
 */
double
qks_chain_law_density (const QksChainLaw *law,
                       double             x)
{
  double t, position, s, dx_dt;
  guint j;

  if (!(x > law->x_minus && x < law->x_plus))
    return 0.0;

  t = x_to_t (law, x);
  position = t * TABLE_PANELS;
  j = MIN ((guint) position, TABLE_PANELS - 1);
  s = position - j;
  node_x (law, t, &dx_dt);
  if (!(dx_dt > 0.0))
    return 0.0;
  return ((1.0 - s) * law->h[j] + s * law->h[j + 1]) / dx_dt;
}

/**
 * qks_chain_law_cdf:
 *
 * Returns: P(x' ≤ @x), from the table (cubic Hermite in t), renormalised so
 *   that it reaches exactly 1 at the upper edge.
 */
double
qks_chain_law_cdf (const QksChainLaw *law,
                   double             x)
{
  if (isnan (x))
    return NAN;
  if (x <= law->x_minus)
    return 0.0;
  if (x >= law->x_plus)
    return 1.0;
  return CLAMP (cumulative_at_t (law, x_to_t (law, x)) / law->mass, 0.0, 1.0);
}

double
qks_chain_law_lower_edge (const QksChainLaw *law)
{
  return law->x_minus;
}

double
qks_chain_law_upper_edge (const QksChainLaw *law)
{
  return law->x_plus;
}

double
qks_chain_law_median (const QksChainLaw *law)
{
  return law->median;
}

/**
 * qks_chain_law_edge_scale:
 * @n_values: how many eigenvalues the sample has (k for one matrix)
 *
 * The Tracy–Widom scale of the largest of @n_values eigenvalues at the soft
 * upper edge: with ρ(x) ≈ C √(x₊ − x), the local density n ρ matches the GOE
 * edge (ρ = √(2 − x)/π, scale n^{−2/3}) when s = (π C n)^{−2/3}. For MP this
 * is Johnstone's s/N to leading order, so x₊ + q s generalises TW-J.
 *
 * Returns: s, in the units of x.
 */
double
qks_chain_law_edge_scale (const QksChainLaw *law,
                          gsize              n_values)
{
  g_return_val_if_fail (n_values > 0, NAN);

  return pow (G_PI * law->edge_coefficient * (double) n_values, -2.0 / 3.0);
}

/**
 * qks_chain_law_moment:
 * @power: p
 *
 * Returns: ∫ x^p ρ(x) dx by the table's quadrature, NOT renormalised: p = 0
 *   gives the mass the quadrature found (1 up to its error), p = 1 the mean
 *   (1), p = 2 the second moment, (1 + Σ r_i) k/N_0.
 */
double
qks_chain_law_moment (const QksChainLaw *law,
                      guint              power)
{
  double dt = 1.0 / TABLE_PANELS, sum = 0.0;

  for (guint j = 0; j <= TABLE_PANELS; j++)
    {
      double weight = (j == 0 || j == TABLE_PANELS) ? 0.5 : 1.0;

      sum += weight * pow (node_x (law, j * dt, NULL), power) * law->h[j];
    }
  return sum * dt;
}

/**
 * qks_chain_law_nonzero_mass:
 *
 * Returns: the mass of the full law (all N_0 eigenvalues, mean 1) away from
 *   zero, by the quadrature: k/N_0 up to its error. The atom at 0 holds the
 *   rest, 1 − k/N_0.
 */
double
qks_chain_law_nonzero_mass (const QksChainLaw *law)
{
  return law->mass / law->alpha;
}

/**
 * qks_chain_law_density_continuation:
 *
 * The normalised density at @x computed afresh by b.4's continuation, even
 * where a closed form exists: slow, for checking the table.
 *
 * Returns: the density, or NAN if the root finder failed.
 */
double
qks_chain_law_density_continuation (const QksChainLaw *law,
                                    double             x)
{
  return normalised_density (law, x, TRUE);
}
