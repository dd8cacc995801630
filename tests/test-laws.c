/* test-laws.c: the Marchenko–Pastur, Tracy–Widom, product and chain laws
 *
 * SCIENCE.md b.3, b.4 and b.8 item 4, checked against independent
 * quadratures, closed forms, Lagrange inversion and simulation.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qks-blas.h"
#include "qks-law-chain.h"
#include "qks-law-mp.h"
#include "qks-law-product.h"
#include "qks-spectrum.h"

/* The MLA-like chain of b.8 item 4, built once (its continuation takes a
 * few tenths of a second). */
static const guint mla_dims[] = { 256, 96, 256, 64, 256 };
static QksChainLaw *mla_law;

static const QksChainLaw *
get_mla_law (void)
{
  if (mla_law == NULL)
    {
      g_autoptr(GError) error = NULL;

      mla_law = qks_chain_law_new (mla_dims, G_N_ELEMENTS (mla_dims), &error);
      g_assert_no_error (error);
    }
  return mla_law;
}

static QksChainLaw *
new_law (const guint *dims,
         guint        n_dims)
{
  g_autoptr(GError) error = NULL;
  QksChainLaw *law = qks_chain_law_new (dims, n_dims, &error);

  g_assert_no_error (error);
  g_assert_nonnull (law);
  return law;
}

/* An independent quadrature: ∫ x^power ρ(x) dx over [lo, hi] by the midpoint
 * rule in t with x = lo + (hi − lo) sin^q(πt/2), which tames both a square-
 * root edge (q = 2) and an x^{−2/3} one at 0 (q = 3). */
typedef double (*DensityFunc) (double x, gconstpointer data);

static double
integrate (DensityFunc   density,
           gconstpointer data,
           double        lo,
           double        hi,
           double        q,
           guint         power,
           guint         nodes)
{
  double sum = 0.0, dt = 1.0 / nodes;

  for (guint i = 0; i < nodes; i++)
    {
      double t = (i + 0.5) * dt;
      double s = sin (0.5 * G_PI * t);
      double x = lo + (hi - lo) * pow (s, q);
      double dx = (hi - lo) * q * pow (s, q - 1.0) * cos (0.5 * G_PI * t) * 0.5 * G_PI;

      sum += pow (x, power) * density (x, data) * dx;
    }
  return sum * dt;
}

typedef struct
{
  double c;
  double sigma2;
} MpParams;

static double
mp_density_func (double        x,
                 gconstpointer data)
{
  const MpParams *p = data;

  return qks_mp_density (p->c, p->sigma2, x);
}

static double
product_density_func (double        x,
                      gconstpointer data)
{
  return qks_product_law_density (*(const double *) data, x);
}

static double
chain_density_func (double        x,
                    gconstpointer data)
{
  return qks_chain_law_density_continuation (data, x);
}

/* b.3's numerical CDF: the trapezoid rule in t with λ = λ₋ + t², 10⁴ nodes. */
static double
mp_cdf_trapezoid (double c,
                  double sigma2,
                  double x)
{
  const guint nodes = 10000;
  double lo, hi, t_end, dt, sum = 0.0;

  qks_mp_edges (c, sigma2, &lo, &hi);
  if (x <= lo)
    return 0.0;
  x = MIN (x, hi);
  t_end = sqrt (x - lo);
  dt = t_end / nodes;
  for (guint i = 0; i <= nodes; i++)
    {
      /* At t = 0 the integrand has a finite limit (c = 1): approach it. */
      double t = MAX (i * dt, 1e-9 * dt);
      double weight = (i == 0 || i == nodes) ? 0.5 : 1.0;

      sum += weight * 2.0 * t * qks_mp_density (c, sigma2, lo + t * t);
    }
  return sum * dt;
}

/* Kolmogorov–Smirnov distance of a sample against a CDF. */
typedef double (*CdfFunc) (double x, gconstpointer data);

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
ks_distance (double       *values,
             gsize         n,
             CdfFunc       cdf,
             gconstpointer data)
{
  double d = 0.0;

  qsort (values, n, sizeof (double), compare_doubles);
  for (gsize i = 0; i < n; i++)
    {
      double f = cdf (values[i], data);

      d = MAX (d, MAX ((i + 1.0) / n - f, f - (double) i / n));
    }
  return d;
}

static double
chain_cdf_func (double        x,
                gconstpointer data)
{
  return qks_chain_law_cdf (data, x);
}

/* Moments of the full chain law by Lagrange inversion: with w = 1/x the
 * chain equation is ψ = w φ(ψ), φ(t) = (1 + t) Π (1 + r_i t), so
 * m_p = [w^p] ψ = (1/p) [t^{p−1}] φ(t)^p. The normalised law of the non-zero
 * eigenvalues then has moments m_p (k/N_0)^{p−1}. */
static double
lagrange_moment (const guint *dims,
                 guint        n_dims,
                 guint        p)
{
  double phi[QKS_CHAIN_LAW_MAX_DIMS + 1] = { 1.0, 1.0 };
  double power[64] = { 1.0 };
  guint degree = 1, power_degree = 0, k = G_MAXUINT;

  for (guint i = 0; i < n_dims; i++)
    k = MIN (k, dims[i]);
  for (guint i = 1; i < n_dims; i++)
    {
      double r = (double) dims[0] / dims[i];

      for (guint j = degree + 1; j >= 1; j--)
        phi[j] += r * phi[j - 1];
      degree++;
    }
  for (guint step = 0; step < p; step++)
    {
      double next[64] = { 0.0 };

      for (guint a = 0; a <= power_degree; a++)
        for (guint b = 0; b <= degree; b++)
          next[a + b] += power[a] * phi[b];
      power_degree += degree;
      g_assert_cmpuint (power_degree, <, G_N_ELEMENTS (next));
      for (guint a = 0; a <= power_degree; a++)
        power[a] = next[a];
    }
  return power[p - 1] / p * pow ((double) k / dims[0], p - 1.0);
}

/* Marchenko–Pastur ---------------------------------------------------------- */

static void
test_mp_density_mass_and_moments (void)
{
  static const double cs[] = { 1.0 / 16, 0.25, 0.5, 1.0 };
  static const double sigma2s[] = { 1.0, 2.5 };

  for (guint i = 0; i < G_N_ELEMENTS (cs); i++)
    for (guint j = 0; j < G_N_ELEMENTS (sigma2s); j++)
      {
        MpParams p = { cs[i], sigma2s[j] };
        double lo, hi;

        qks_mp_edges (p.c, p.sigma2, &lo, &hi);
        g_assert_cmpfloat_with_epsilon (lo, p.sigma2 * pow (1 - sqrt (p.c), 2), 1e-14);
        g_assert_cmpfloat_with_epsilon (hi, p.sigma2 * pow (1 + sqrt (p.c), 2), 1e-14);
        g_assert_cmpfloat_with_epsilon (integrate (mp_density_func, &p, lo, hi, 2, 0, 20000),
                                        1.0, 1e-6);
        /* Mean σ², second moment σ⁴(1 + c). */
        g_assert_cmpfloat_with_epsilon (integrate (mp_density_func, &p, lo, hi, 2, 1, 20000),
                                        p.sigma2, 1e-6);
        g_assert_cmpfloat_with_epsilon (integrate (mp_density_func, &p, lo, hi, 2, 2, 20000),
                                        p.sigma2 * p.sigma2 * (1 + p.c), 1e-5);
        g_assert_cmpfloat (qks_mp_density (p.c, p.sigma2, hi + 0.1), ==, 0.0);
        g_assert_cmpfloat (qks_mp_density (p.c, p.sigma2, -1.0), ==, 0.0);
      }
}

static void
test_mp_cdf_matches_trapezoid (void)
{
  static const double cs[] = { 1.0 / 16, 0.25, 0.5, 0.9, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (cs); i++)
    {
      double c = cs[i], sigma2 = 1.7, lo, hi, previous = 0.0;

      qks_mp_edges (c, sigma2, &lo, &hi);
      g_assert_cmpfloat (qks_mp_cdf (c, sigma2, lo - 0.01), ==, 0.0);
      g_assert_cmpfloat (qks_mp_cdf (c, sigma2, hi + 0.01), ==, 1.0);
      g_assert_cmpfloat_with_epsilon (qks_mp_cdf (c, sigma2, hi), 1.0, 1e-12);

      for (guint j = 1; j < 40; j++)
        {
          double x = lo + (hi - lo) * j / 40.0;
          double f = qks_mp_cdf (c, sigma2, x);

          g_assert_cmpfloat_with_epsilon (f, mp_cdf_trapezoid (c, sigma2, x), 2e-5);
          g_assert_cmpfloat (f, >, previous);
          previous = f;
        }
    }
}

static void
test_mp_median (void)
{
  static const double cs[] = { 1.0 / 64, 1.0 / 16, 0.25, 0.5, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (cs); i++)
    {
      double c = cs[i], m = qks_mp_median (c), lo, hi;

      g_assert_cmpfloat_with_epsilon (qks_mp_cdf (c, 1.0, m), 0.5, 1e-12);
      g_assert_cmpfloat_with_epsilon (mp_cdf_trapezoid (c, 1.0, m), 0.5, 2e-5);
      /* MP is skewed to the right: its median lies below its mean. */
      qks_mp_edges (c, 1.0, &lo, &hi);
      g_assert_cmpfloat (m, >, lo);
      g_assert_cmpfloat (m, <, 1.0);
    }

  /* c = 1: F = (θ + sin θ)/π with λ = 2 − 2 cos θ, so θ + sin θ = π/2. */
  {
    double lo = 0.0, hi = G_PI;

    for (guint i = 0; i < 100; i++)
      {
        double mid = 0.5 * (lo + hi);

        if (mid + sin (mid) < 0.5 * G_PI)
          lo = mid;
        else
          hi = mid;
      }
    g_assert_cmpfloat_with_epsilon (qks_mp_median (1.0), 2.0 - 2.0 * cos (lo), 1e-12);
  }
}

/* Tracy–Widom ---------------------------------------------------------------- */

static void
test_tw_constants (void)
{
  double mu, scale, tw_j, tw_ww, lambda_plus;

  g_assert_cmpfloat (qks_tw1_quantile (0.90), ==, 0.4501);
  g_assert_cmpfloat (qks_tw1_quantile (0.95), ==, 0.9793);
  g_assert_cmpfloat (qks_tw1_quantile (0.99), ==, 2.0234);
  g_assert_true (isnan (qks_tw1_quantile (0.5)));
  g_assert_true (isnan (qks_tw_johnstone_threshold (1024, 256, 0.999, 1.0)));

  /* Values from the formulas of b.3, evaluated separately. */
  qks_tw_johnstone_centre_scale (1024, 256, &mu, &scale);
  g_assert_cmpfloat_with_epsilon (mu, 2302.4998778700465, 1e-9);
  g_assert_cmpfloat_with_epsilon (scale, 21.799530691552793, 1e-11);
  tw_j = qks_tw_johnstone_threshold (1024, 256, 0.99, 1.0);
  g_assert_cmpfloat_with_epsilon (tw_j, 2.291610398702475, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_tw_johnstone_threshold (1024, 256, 0.95, 1.0),
                                  2.269382967066684, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_tw_johnstone_threshold (512, 512, 0.99, 1.0),
                                  4.075733236765707, 1e-12);
  /* Linear in σ̂²: the same call gives λ units or mean-1 units. */
  g_assert_cmpfloat_with_epsilon (qks_tw_johnstone_threshold (1024, 256, 0.99, 0.37),
                                  0.37 * tw_j, 1e-14);

  tw_ww = qks_tw_ww_threshold (0.25, 1.0, 256);
  g_assert_cmpfloat_with_epsilon (tw_ww, 2.395925946792377, 1e-12);
  /* "≈ 3× wider than TW-J 99 % for 1024 × 256". */
  qks_mp_edges (0.25, 1.0, NULL, &lambda_plus);
  g_assert_cmpfloat ((tw_ww - lambda_plus) / (tw_j - lambda_plus), >, 2.5);
  g_assert_cmpfloat ((tw_ww - lambda_plus) / (tw_j - lambda_plus), <, 4.0);
}

/* The two-factor product law ----------------------------------------------- */

static void
test_product_edges_table (void)
{
  /* SCIENCE.md b.4's table, to its 3 decimals. */
  static const struct { double lambda, lo, hi, mp_lo, mp_hi; } table[] = {
    { 1.0 / 16, 0.440, 1.871, 0.563, 1.563 },
    { 1.0 / 12, 0.378, 2.037, 0.506, 1.661 },
    { 1.0 / 8,  0.287, 2.334, 0.418, 1.832 },
    { 1.0 / 4,  0.136, 3.098, 0.250, 2.250 },
    { 1.0 / 2,  0.028, 4.409, 0.086, 2.914 },
    { 1.0,      0.000, 6.750, 0.000, 4.000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      double lo, hi, mp_lo, mp_hi;

      qks_product_law_edges (table[i].lambda, &lo, &hi);
      qks_mp_edges (table[i].lambda, 1.0, &mp_lo, &mp_hi);
      g_assert_cmpfloat_with_epsilon (lo, table[i].lo, 5e-4);
      g_assert_cmpfloat_with_epsilon (hi, table[i].hi, 5e-4);
      g_assert_cmpfloat_with_epsilon (mp_lo, table[i].mp_lo, 5e-4);
      g_assert_cmpfloat_with_epsilon (mp_hi, table[i].mp_hi, 5e-4);
      g_assert_cmpfloat (lo, >=, 0.0);
    }
}

static void
test_product_moments (void)
{
  static const double lambdas[] = { 1.0 / 16, 1.0 / 12, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (lambdas); i++)
    {
      double lambda = lambdas[i], lo, hi, q;

      qks_product_law_edges (lambda, &lo, &hi);
      q = lambda == 1.0 ? 3.0 : 2.0;
      /* Mass 1, mean 1, second moment 1 + 2λ (b.4 and b.8 item 3: to 10⁻³). */
      g_assert_cmpfloat_with_epsilon (integrate (product_density_func, &lambda, lo, hi, q, 0, 20000),
                                      1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (integrate (product_density_func, &lambda, lo, hi, q, 1, 20000),
                                      1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (integrate (product_density_func, &lambda, lo, hi, q, 2, 20000),
                                      1.0 + 2.0 * lambda, 1e-6);
    }

  /* λ = 1 is Fuss–Catalan with s = 2: moments 1, 3, 12, 55. */
  {
    double lambda = 1.0;

    g_assert_cmpfloat_with_epsilon (integrate (product_density_func, &lambda, 0, 6.75, 3, 3, 20000),
                                    12.0, 1e-5);
    g_assert_cmpfloat_with_epsilon (integrate (product_density_func, &lambda, 0, 6.75, 3, 4, 20000),
                                    55.0, 1e-4);
  }
}

static void
test_product_cdf (void)
{
  static const guint dims[] = { 512, 64, 512 };
  g_autoptr(QksChainLaw) law = new_law (dims, G_N_ELEMENTS (dims));
  double lo, hi, previous = 0.0;

  qks_product_law_edges (1.0 / 8, &lo, &hi);
  g_assert_cmpfloat (qks_product_law_cdf (1.0 / 8, lo), ==, 0.0);
  g_assert_cmpfloat (qks_product_law_cdf (1.0 / 8, hi), ==, 1.0);
  for (guint j = 1; j < 20; j++)
    {
      double x = lo + (hi - lo) * j / 20.0;
      double f = qks_product_law_cdf (1.0 / 8, x);

      g_assert_cmpfloat (f, >, previous);
      g_assert_cmpfloat_with_epsilon (f, qks_chain_law_cdf (law, x), 1e-6);
      previous = f;
    }

  /* λ = 1: the x = t³ substitution copes with the x^{−2/3} divergence. */
  g_assert_cmpfloat_with_epsilon (qks_product_law_cdf (1.0, 6.7499), 1.0, 1e-6);
  for (guint j = 1; j < 10; j++)
    {
      double lambda = 1.0, x = 6.75 * pow (j / 10.0, 3);

      g_assert_cmpfloat_with_epsilon (qks_product_law_cdf (1.0, x),
                                      integrate (product_density_func, &lambda, 0, x, 3, 0, 20000),
                                      1e-6);
    }
}

/* The chain law ------------------------------------------------------------- */

static void
test_chain_two_factors_match_cubic (void)
{
  static const guint dims_head[] = { 512, 64, 512 };      /* λ = 1/8 */
  static const guint dims_square[] = { 256, 256, 256 };   /* λ = 1 */
  static const guint dims_gram[] = { 64, 512, 64 };       /* cross-Gram: N_1 > N_0 */
  g_autoptr(QksChainLaw) head = new_law (dims_head, 3);
  g_autoptr(QksChainLaw) square = new_law (dims_square, 3);
  g_autoptr(QksChainLaw) gram = new_law (dims_gram, 3);
  double lo, hi;

  qks_product_law_edges (1.0 / 8, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_lower_edge (head), lo, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_upper_edge (head), hi, 1e-12);
  g_assert_cmpfloat (qks_chain_law_lower_edge (square), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_upper_edge (square), 6.75, 1e-12);

  for (guint j = 1; j < 25; j++)
    {
      double x = lo + (hi - lo) * j / 25.0;
      double cubic = qks_product_law_density (1.0 / 8, x);

      /* The table, b.4's continuation and b.4's cubic agree. */
      g_assert_cmpfloat (fabs (qks_chain_law_density (head, x) - cubic), <, 1e-5 * cubic);
      g_assert_cmpfloat (fabs (qks_chain_law_density_continuation (head, x) - cubic), <,
                         1e-8 * cubic);

      x = 6.75 * pow (j / 25.0, 3);
      cubic = qks_product_law_density (1.0, x);
      g_assert_cmpfloat (fabs (qks_chain_law_density (square, x) - cubic), <, 1e-5 * cubic);
      g_assert_cmpfloat (fabs (qks_chain_law_density_continuation (square, x) - cubic), <,
                         1e-8 * cubic);

      /* No closed form of b.4 for [64, 512, 64]; its own cubic against the continuation. */
      x = qks_chain_law_upper_edge (gram) * pow (j / 25.0, 2);
      g_assert_cmpfloat (fabs (qks_chain_law_density_continuation (gram, x) -
                               qks_chain_law_density (gram, x)), <,
                         1e-5 * qks_chain_law_density (gram, x));
    }

  /* Outside the support the continuation finds real roots only. */
  g_assert_cmpfloat (qks_chain_law_density_continuation (head, 0.5 * lo), <, 1e-9);
  g_assert_cmpfloat (qks_chain_law_density_continuation (head, 1.1 * hi), <, 1e-9);
}

static void
test_chain_matches_mp (void)
{
  static const guint dims[] = { 1024, 256 };
  g_autoptr(QksChainLaw) law = new_law (dims, 2);
  double lo, hi, mu, scale;

  qks_mp_edges (0.25, 1.0, &lo, &hi);
  g_assert_cmpuint (qks_chain_law_get_rank (law), ==, 256);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_lower_edge (law), lo, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_upper_edge (law), hi, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_median (law), qks_mp_median (0.25), 1e-7);
  for (guint j = 0; j <= 30; j++)
    {
      double x = lo + (hi - lo) * j / 30.0;

      g_assert_cmpfloat_with_epsilon (qks_chain_law_cdf (law, x), qks_mp_cdf (0.25, 1.0, x), 1e-7);
      g_assert_cmpfloat_with_epsilon (qks_chain_law_density (law, x),
                                      qks_mp_density (0.25, 1.0, x), 1e-4);
    }

  /* The TW scale of the edge is Johnstone's s/N to leading order. */
  qks_tw_johnstone_centre_scale (1024, 256, &mu, &scale);
  g_assert_cmpfloat (fabs (qks_chain_law_edge_scale (law, 256) / (scale / 1024) - 1.0), <, 0.01);
}

static void
test_chain_moments (void)
{
  static const guint chains[][QKS_CHAIN_LAW_MAX_DIMS] = {
    { 512, 64, 512 },
    { 64, 512, 64 },
    { 300, 100, 200 },
    { 128, 48, 32, 32, 128 },   /* MLA content per head: a hard edge with m = 2 */
    { 64, 64, 64, 64 },         /* Fuss–Catalan, s = 3 */
  };
  static const guint lengths[] = { 3, 3, 3, 5, 4 };

  for (guint c = 0; c < G_N_ELEMENTS (chains); c++)
    {
      g_autoptr(QksChainLaw) law = new_law (chains[c], lengths[c]);

      g_assert_cmpfloat_with_epsilon (qks_chain_law_moment (law, 0), 1.0, 1e-5);
      for (guint p = 1; p <= 4; p++)
        {
          double expected = lagrange_moment (chains[c], lengths[c], p);

          g_assert_cmpfloat (fabs (qks_chain_law_moment (law, p) / expected - 1.0), <, 1e-6);
        }
    }

  /* Lagrange inversion itself: Fuss–Catalan numbers 1, 4, 22, 140. */
  g_assert_cmpfloat_with_epsilon (lagrange_moment (chains[4], 4, 2), 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (lagrange_moment (chains[4], 4, 3), 22.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (lagrange_moment (chains[4], 4, 4), 140.0, 1e-12);
}

/* b.8 item 4: total mass 1 ± 10⁻³, non-zero mass k/N_0; and the mean-1
 * normalisation of the non-zero part. */
static void
test_chain_mass (void)
{
  const QksChainLaw *law = get_mla_law ();
  double k_over_n0 = 64.0 / 256.0;
  double r_sum = 256.0 / 96 + 1.0 + 256.0 / 64 + 1.0;
  double nonzero = qks_chain_law_nonzero_mass (law);
  double lo = qks_chain_law_lower_edge (law), hi = qks_chain_law_upper_edge (law);

  g_assert_cmpuint (qks_chain_law_get_rank (law), ==, 64);
  g_assert_cmpfloat_with_epsilon (nonzero, k_over_n0, 1e-3 * k_over_n0);
  g_assert_cmpfloat_with_epsilon ((1.0 - k_over_n0) + nonzero, 1.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_moment (law, 0), 1.0, 1e-3);
  /* Mean 1, and the second moment of the full law (1 + Σr) rescaled. */
  g_assert_cmpfloat_with_epsilon (qks_chain_law_moment (law, 1), 1.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_moment (law, 2), (1.0 + r_sum) * k_over_n0, 1e-3);

  /* The same mass straight from the continuation, not from the table. */
  g_assert_cmpfloat_with_epsilon (integrate (chain_density_func, law, lo, hi, 2, 0, 400), 1.0, 1e-3);

  g_assert_cmpfloat (qks_chain_law_cdf (law, lo), ==, 0.0);
  g_assert_cmpfloat (qks_chain_law_cdf (law, hi), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_cdf (law, qks_chain_law_median (law)), 0.5, 1e-9);
}

/* b.8 item 4: 20 draws pooled against the continuation law's CDF. */
static void
test_chain_simulation_ks (void)
{
  static const guint head_dims[] = { 512, 64, 512 };
  g_autoptr(QksChainLaw) head = new_law (head_dims, 3);
  const struct { const guint *dims; guint n_dims; const QksChainLaw *law; } cases[] = {
    { head_dims, 3, head },
    { mla_dims, G_N_ELEMENTS (mla_dims), get_mla_law () },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree double *pooled = g_new (double, 20 * 64);
      double lambda[64];
      QksRng rng;

      qks_rng_init (&rng, 4004 + c);
      for (guint draw = 0; draw < 20; draw++)
        {
          g_autoptr(GError) error = NULL;
          double mean = 0.0;

          qks_spectrum_sample_chain (cases[c].dims, cases[c].n_dims, &rng, lambda, &error);
          g_assert_no_error (error);
          for (guint i = 0; i < 64; i++)
            mean += lambda[i] / 64;
          for (guint i = 0; i < 64; i++)
            pooled[draw * 64 + i] = lambda[i] / mean;
        }
      g_test_message ("chain %u: pooled KS %.4f", c,
                      ks_distance (pooled, 20 * 64, chain_cdf_func, cases[c].law));
      g_assert_cmpfloat (ks_distance (pooled, 20 * 64, chain_cdf_func, cases[c].law), <, 0.03);
    }
}

static void
test_chain_orientation (void)
{
  static const guint forward[] = { 300, 100, 200 };
  static const guint backward[] = { 200, 100, 300 };
  static const guint mla_backward[] = { 256, 64, 256, 96, 256 };
  g_autoptr(QksChainLaw) a = new_law (forward, 3);
  g_autoptr(QksChainLaw) b = new_law (backward, 3);
  g_autoptr(QksChainLaw) c = new_law (mla_backward, 5);
  const QksChainLaw *d = get_mla_law ();

  /* PPᵀ and PᵀP share their non-zero eigenvalues. */
  g_assert_cmpfloat_with_epsilon (qks_chain_law_upper_edge (a), qks_chain_law_upper_edge (b), 1e-10);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_lower_edge (a), qks_chain_law_lower_edge (b), 1e-10);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_upper_edge (c), qks_chain_law_upper_edge (d), 1e-10);
  for (guint j = 1; j < 20; j++)
    {
      double x = j * 0.25;

      g_assert_cmpfloat_with_epsilon (qks_chain_law_cdf (a, x), qks_chain_law_cdf (b, x), 1e-7);
      g_assert_cmpfloat_with_epsilon (qks_chain_law_cdf (c, x), qks_chain_law_cdf (d, x), 1e-7);
    }
}

static void
test_chain_rejects_bad_dims (void)
{
  static const guint zero[] = { 64, 0, 64 };
  static const guint many[QKS_CHAIN_LAW_MAX_DIMS + 1] = { 8, 8, 8, 8, 8, 8, 8, 8, 8 };
  g_autoptr(GError) error = NULL;
  QksChainLaw *law;

  law = qks_chain_law_new (zero, 1, &error);
  g_assert_null (law);
  g_assert_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_INVALID);
  g_clear_error (&error);

  law = qks_chain_law_new (zero, 3, &error);
  g_assert_null (law);
  g_assert_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_INVALID);
  g_clear_error (&error);

  law = qks_chain_law_new (many, G_N_ELEMENTS (many), &error);
  g_assert_null (law);
  g_assert_error (error, QKS_LAW_ERROR, QKS_LAW_ERROR_INVALID);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Small matrices, and meson runs two tests at once on two cores: one BLAS
   * thread each is faster than two oversubscribed ones (SCIENCE.md f.7). */
  qks_blas_set_num_threads (1);

  g_test_add_func ("/laws/mp/density-mass-and-moments", test_mp_density_mass_and_moments);
  g_test_add_func ("/laws/mp/cdf-matches-trapezoid", test_mp_cdf_matches_trapezoid);
  g_test_add_func ("/laws/mp/median", test_mp_median);
  g_test_add_func ("/laws/tw/constants", test_tw_constants);
  g_test_add_func ("/laws/product/edges-table", test_product_edges_table);
  g_test_add_func ("/laws/product/moments", test_product_moments);
  g_test_add_func ("/laws/product/cdf", test_product_cdf);
  g_test_add_func ("/laws/chain/two-factors-match-cubic", test_chain_two_factors_match_cubic);
  g_test_add_func ("/laws/chain/matches-mp", test_chain_matches_mp);
  g_test_add_func ("/laws/chain/moments", test_chain_moments);
  g_test_add_func ("/laws/chain/mass", test_chain_mass);
  g_test_add_func ("/laws/chain/simulation-ks", test_chain_simulation_ks);
  g_test_add_func ("/laws/chain/orientation", test_chain_orientation);
  g_test_add_func ("/laws/chain/rejects-bad-dims", test_chain_rejects_bad_dims);

  status = g_test_run ();
  g_clear_pointer (&mla_law, qks_chain_law_free);
  return status;
}
