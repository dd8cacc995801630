/* test-ranks.c: effective, stable and numerical ranks (SCIENCE.md b.6, b.8 item 6)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>

#include "qks-matrix.h"
#include "qks-ranks.h"

/* The singular values of an N × M matrix of i.i.d. N(0, 1) entries. */
static double *
gaussian_singular_values (gsize   n_rows,
                          gsize   n_cols,
                          guint64 seed)
{
  g_autoptr(QksMatrix) w = NULL;
  g_autofree double *s = g_new (double, n_cols);
  QksRng rng;

  qks_rng_init (&rng, seed);
  w = qks_matrix_new_gaussian (n_rows, n_cols, 1.0, &rng);
  g_assert_true (qks_matrix_svd (w, s, NULL, NULL, NULL));
  return g_steal_pointer (&s);
}

/* E f(λ) under Marchenko–Pastur with ratio c ≤ 1 and mean 1. With
 * λ = λ₋ + (λ₊ − λ₋)(1 − cos θ)/2 the density times dλ is smooth in θ, even
 * at c = 1 where it has a 1/√λ singularity, so the midpoint rule converges
 * fast. */
static double
mp_expectation (double   c,
                double (*f) (double))
{
  const guint n_nodes = 20000;
  double lambda_plus = (1.0 + sqrt (c)) * (1.0 + sqrt (c));
  double lambda_minus = (1.0 - sqrt (c)) * (1.0 - sqrt (c));
  double half_width = (lambda_plus - lambda_minus) / 2.0;
  double sum = 0.0;

  for (guint k = 0; k < n_nodes; k++)
    {
      double theta = (k + 0.5) * G_PI / n_nodes;
      double lambda = lambda_minus + half_width * (1.0 - cos (theta));
      double weight = half_width * half_width * sin (theta) * sin (theta) /
                      (2.0 * G_PI * c * lambda) * (G_PI / n_nodes);

      sum += weight * f (lambda);
    }
  return sum;
}

static double
unit (double lambda)
{
  return 1.0;
}

static double
singular_value (double lambda)
{
  return sqrt (lambda);
}

static double
s_log_s (double lambda)
{
  return sqrt (lambda) * 0.5 * log (lambda);
}

static void
test_ranks_effective_by_hand (void)
{
  const double s[] = { 3.0, 1.0 };
  const double zero[] = { 0.0, 0.0 };
  double expected = exp (-(0.75 * log (0.75) + 0.25 * log (0.25)));

  g_assert_cmpfloat_with_epsilon (qks_ranks_effective (s, 2), expected, 1e-14);
  /* Singular values, not their squares: (9, 1) would give another value. */
  g_assert_cmpfloat (fabs (qks_ranks_effective (s, 2) -
                           exp (-(0.9 * log (0.9) + 0.1 * log (0.1)))), >, 0.1);
  g_assert_cmpfloat (qks_ranks_effective (zero, 2), ==, 0.0);
}

/* b.8 item 6: the erank of a rank-r matrix with equal singular values is
 * exactly r. */
static void
test_ranks_effective_of_equal_values_is_r (void)
{
  const double s[] = { 2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0 };
  g_autoptr(QksMatrix) a = NULL;
  g_autoptr(QksMatrix) b = NULL;
  g_autoptr(QksMatrix) qa = NULL;
  g_autoptr(QksMatrix) qb = NULL;
  g_autoptr(QksMatrix) w = NULL;
  double singular_values[40];
  QksRng rng;

  g_assert_cmpfloat_with_epsilon (qks_ranks_effective (s, G_N_ELEMENTS (s)), 5.0, 1e-14);

  /* W = 3 Q_a Q_bᵀ with orthonormal 64 × 7 and 40 × 7 factors: seven equal
   * singular values and 33 rounding-level ones. */
  qks_rng_init (&rng, 3);
  a = qks_matrix_new_gaussian (64, 7, 1.0, &rng);
  b = qks_matrix_new_gaussian (40, 7, 1.0, &rng);
  g_assert_true (qks_matrix_qr (a, &qa, NULL, NULL));
  g_assert_true (qks_matrix_qr (b, &qb, NULL, NULL));
  w = qks_matrix_multiply (qa, QKS_NO_TRANSPOSE, qb, QKS_TRANSPOSE, NULL);
  for (gsize i = 0; i < 64 * 40; i++)
    w->data[i] *= 3.0;
  g_assert_true (qks_matrix_svd (w, singular_values, NULL, NULL, NULL));
  g_assert_cmpfloat_with_epsilon (qks_ranks_effective (singular_values, 40), 7.0, 1e-9);
  g_assert_cmpuint (qks_ranks_numerical (singular_values, 40, 64, 40), ==, 7);
}

static void
test_ranks_participation_and_stable_by_hand (void)
{
  const double l[] = { 3.0, 1.0 };
  const double flat[] = { 5.0, 5.0, 5.0, 5.0 };
  const double l3[] = { 2.0, 4.0, 2.0 };

  g_assert_cmpfloat_with_epsilon (qks_ranks_participation_ratio (l, 2), 16.0 / 10.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_ranks_participation_ratio (flat, 4), 4.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_ranks_stable (l3, 3), 2.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_ranks_stable (flat, 4), 4.0, 1e-15);

  /* Scale-free, and safe where a naive Σλ² would overflow. */
  {
    const double huge[] = { 3e200, 1e200 };

    g_assert_cmpfloat_with_epsilon (qks_ranks_participation_ratio (huge, 2), 1.6, 1e-14);
  }
}

static void
test_ranks_numerical_tolerance (void)
{
  const double s[] = { 1.0, 1e-10, 1e-17 };
  double at_tolerance[] = { 1.0, 0.0 };

  /* tolerance = 1 · 100 · ε ≈ 2.2e-14. */
  g_assert_cmpuint (qks_ranks_numerical (s, 3, 100, 7), ==, 2);
  g_assert_cmpuint (qks_ranks_numerical (s, 3, 7, 100), ==, 2);
  /* Strictly above the tolerance. */
  at_tolerance[1] = 100.0 * DBL_EPSILON;
  g_assert_cmpuint (qks_ranks_numerical (at_tolerance, 2, 100, 7), ==, 1);
  at_tolerance[1] = 101.0 * DBL_EPSILON;
  g_assert_cmpuint (qks_ranks_numerical (at_tolerance, 2, 100, 7), ==, 2);
}

static void
test_ranks_compute_checks_input (void)
{
  const double s[] = { 2.0, 1.0, 1.0 };
  const double negative[] = { 2.0, -1.0 };
  const double nan_value[] = { 2.0, NAN };
  QksRanks ranks;
  g_autoptr(GError) error = NULL;

  g_assert_true (qks_ranks_compute (s, 3, 5, 3, &ranks, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ranks.rank, ==, 3);
  g_assert_cmpuint (ranks.numerical_rank, ==, 3);
  g_assert_cmpfloat_with_epsilon (ranks.effective_rank_pct,
                                  100.0 * qks_ranks_effective (s, 3) / 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ranks.stable_rank, 6.0 / 4.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (ranks.participation_ratio, 36.0 / 18.0, 1e-15);

  g_assert_false (qks_ranks_compute (s, 3, 5, 2, &ranks, &error));
  g_assert_error (error, QKS_RANKS_ERROR, QKS_RANKS_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (qks_ranks_compute (s, 0, 5, 3, &ranks, &error));
  g_assert_error (error, QKS_RANKS_ERROR, QKS_RANKS_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (qks_ranks_compute (negative, 2, 5, 3, &ranks, &error));
  g_assert_error (error, QKS_RANKS_ERROR, QKS_RANKS_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (qks_ranks_compute (nan_value, 2, 5, 3, &ranks, &error));
  g_assert_error (error, QKS_RANKS_ERROR, QKS_RANKS_ERROR_INPUT);
}

/* b.8 item 6: Roy–Vetterli erank/M on Gaussian matrices is 0.966 at
 * c = 1/4 and 0.805 at c = 1. These are the large-M limits
 * E s · exp(−E[s ln s] / E s) (the erank of n values s_k is
 * n E s · exp(−E[s ln s]/E s) to leading order); the erank is
 * self-averaging (seed-to-seed spread 2e-4 at these sizes), so ±0.002
 * covers the rounding to three digits and the finite-size bias. */
static void
test_ranks_effective_on_gaussian (void)
{
  const struct { gsize n_rows, n_cols; double expected; guint64 seed; } cases[] = {
    { 1024, 256, 0.966, 11 },
    { 1024, 256, 0.966, 12 },
    { 768, 768, 0.805, 13 },
  };
  const double ratios[] = { 0.25, 1.0 }, limits[] = { 0.966, 0.805 };

  for (guint i = 0; i < G_N_ELEMENTS (ratios); i++)
    {
      double mean_s = mp_expectation (ratios[i], singular_value);
      double limit = mean_s * exp (-mp_expectation (ratios[i], s_log_s) / mean_s);

      g_assert_cmpfloat_with_epsilon (mp_expectation (ratios[i], unit), 1.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (limit, limits[i], 0.0005);
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree double *s = gaussian_singular_values (cases[i].n_rows, cases[i].n_cols,
                                                       cases[i].seed);
      QksRanks ranks;
      double c = (double) cases[i].n_cols / (double) cases[i].n_rows;

      g_assert_true (qks_ranks_compute (s, cases[i].n_cols, cases[i].n_rows, cases[i].n_cols,
                                        &ranks, NULL));
      g_test_message ("%zu × %zu: erank/M %.4f, PR/M %.4f, stable/M %.4f",
                      cases[i].n_rows, cases[i].n_cols,
                      ranks.effective_rank / cases[i].n_cols,
                      ranks.participation_ratio / cases[i].n_cols,
                      ranks.stable_rank / cases[i].n_cols);
      g_assert_cmpfloat_with_epsilon (ranks.effective_rank / cases[i].n_cols,
                                      cases[i].expected, 0.002);
      g_assert_cmpfloat_with_epsilon (ranks.effective_rank_pct, 100.0 * cases[i].expected, 0.2);
      /* PR/M → 1 / E λ² = 1/(1 + c), with a spread of a few 1e-3. */
      g_assert_cmpfloat_with_epsilon (ranks.participation_ratio / cases[i].n_cols,
                                      1.0 / (1.0 + c), 0.006);
      g_assert_cmpuint (ranks.numerical_rank, ==, cases[i].n_cols);
    }
}

/* b.8 item 6: stable rank / M → 1/(1 + √c)², and at 1024 × 256 it is 0.448
 * rather than the limit 0.444. Both the offset and the spread come from
 * λ_max, whose fluctuations are Tracy–Widom (Johnstone 2001): in units of
 * mean λ, λ_max = μ + s·TW₁ with μ = (√(N−1) + √M)²/N and
 * s = (√(N−1) + √M)(1/√(N−1) + 1/√M)^{1/3}/N. TW₁ has mean −1.21 and
 * standard deviation 1.27, so stable/M ≈ 1/(μ − 1.21 s) = 0.450 with a
 * spread of 0.45 · 1.27 s/μ = 0.0054 per seed. The mean of n seeds is
 * tested against 0.448 within 4 standard errors, 4 · 0.0054/√n. */
static void
test_ranks_stable_on_gaussian (void)
{
  const gsize n_rows = 1024, n_cols = 256;
  const guint n_seeds = 8;
  double root_n = sqrt (n_rows - 1.0), root_m = sqrt ((double) n_cols);
  double mu = (root_n + root_m) * (root_n + root_m) / n_rows;
  double scale = (root_n + root_m) * cbrt (1.0 / root_n + 1.0 / root_m) / n_rows;
  double predicted = 1.0 / (mu - 1.2065 * scale);
  double spread = predicted * 1.2680 * scale / mu;
  double tolerance = 4.0 * spread / sqrt ((double) n_seeds);
  double limit = 1.0 / ((1.0 + sqrt (0.25)) * (1.0 + sqrt (0.25)));
  double mean = 0.0;

  for (guint seed = 0; seed < n_seeds; seed++)
    {
      g_autofree double *s = gaussian_singular_values (n_rows, n_cols, 100 + seed);
      g_autofree double *l = g_new (double, n_cols);
      double ratio;

      for (gsize i = 0; i < n_cols; i++)
        l[i] = s[i] * s[i];
      ratio = qks_ranks_stable (l, n_cols) / n_cols;
      g_assert_cmpfloat_with_epsilon (ratio, 0.448, 5.0 * spread);
      mean += ratio / n_seeds;
    }

  g_test_message ("stable/M %.4f (predicted %.4f ± %.4f per seed, limit %.4f)",
                  mean, predicted, spread, limit);
  g_assert_cmpfloat_with_epsilon (limit, 0.4444, 1e-4);
  g_assert_cmpfloat_with_epsilon (mean, 0.448, tolerance);
  g_assert_cmpfloat_with_epsilon (mean, predicted, tolerance);
  /* Finite size puts it above the limit: λ_max sits below λ₊ on average. */
  g_assert_cmpfloat (mean, >, limit);
}

static void
test_ranks_collapse_event (void)
{
  /* A drop of more than 20 % relative to step 0, or η > 0.5. */
  g_assert_cmpint (qks_ranks_collapse_event (80.0, 70.0, 0.1), ==, QKS_RANK_COLLAPSE_NONE);
  g_assert_cmpint (qks_ranks_collapse_event (80.0, 63.9, 0.1), ==, QKS_RANK_COLLAPSE_ERANK_DROP);
  g_assert_cmpint (qks_ranks_collapse_event (100.0, 80.0, 0.1), ==, QKS_RANK_COLLAPSE_NONE);
  g_assert_cmpint (qks_ranks_collapse_event (100.0, 79.9, 0.1), ==, QKS_RANK_COLLAPSE_ERANK_DROP);
  /* Relative, not in percentage points: 30 % → 23 % is a 23 % drop. */
  g_assert_cmpint (qks_ranks_collapse_event (30.0, 23.0, 0.0), ==, QKS_RANK_COLLAPSE_ERANK_DROP);
  g_assert_cmpint (qks_ranks_collapse_event (0.30, 0.23, 0.0), ==, QKS_RANK_COLLAPSE_ERANK_DROP);
  g_assert_cmpint (qks_ranks_collapse_event (80.0, 90.0, 0.1), ==, QKS_RANK_COLLAPSE_NONE);

  g_assert_cmpint (qks_ranks_collapse_event (80.0, 79.0, 0.5), ==, QKS_RANK_COLLAPSE_NONE);
  g_assert_cmpint (qks_ranks_collapse_event (80.0, 79.0, 0.51), ==, QKS_RANK_COLLAPSE_SPIKE_MASS);
  g_assert_cmpint (qks_ranks_collapse_event (80.0, 20.0, 0.9), ==,
                   QKS_RANK_COLLAPSE_ERANK_DROP | QKS_RANK_COLLAPSE_SPIKE_MASS);

  /* No usable step-0 value: only η can fire. NaN never does. */
  g_assert_cmpint (qks_ranks_collapse_event (NAN, 10.0, 0.2), ==, QKS_RANK_COLLAPSE_NONE);
  g_assert_cmpint (qks_ranks_collapse_event (0.0, 10.0, 0.2), ==, QKS_RANK_COLLAPSE_NONE);
  g_assert_cmpint (qks_ranks_collapse_event (0.0, 10.0, 0.7), ==, QKS_RANK_COLLAPSE_SPIKE_MASS);
  g_assert_cmpint (qks_ranks_collapse_event (80.0, NAN, NAN), ==, QKS_RANK_COLLAPSE_NONE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ranks/effective-by-hand", test_ranks_effective_by_hand);
  g_test_add_func ("/ranks/effective-of-equal-values-is-r", test_ranks_effective_of_equal_values_is_r);
  g_test_add_func ("/ranks/participation-and-stable-by-hand", test_ranks_participation_and_stable_by_hand);
  g_test_add_func ("/ranks/numerical-tolerance", test_ranks_numerical_tolerance);
  g_test_add_func ("/ranks/compute-checks-input", test_ranks_compute_checks_input);
  g_test_add_func ("/ranks/effective-on-gaussian", test_ranks_effective_on_gaussian);
  g_test_add_func ("/ranks/stable-on-gaussian", test_ranks_stable_on_gaussian);
  g_test_add_func ("/ranks/collapse-event", test_ranks_collapse_event);

  return g_test_run ();
}
