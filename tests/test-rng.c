/* test-rng.c: the seeded random numbers
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

#include "qks-rng.h"

static void
test_rng_same_seed_same_stream (void)
{
  QksRng a, b;

  qks_rng_init (&a, 1234);
  qks_rng_init (&b, 1234);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (qks_rng_next_u64 (&a), ==, qks_rng_next_u64 (&b));
}

static void
test_rng_seeds_and_streams_differ (void)
{
  QksRng a, b, c;
  guint same_ab = 0, same_ac = 0;

  qks_rng_init (&a, 1);
  qks_rng_init (&b, 2);
  qks_rng_init_stream (&c, 1, 1);
  for (guint i = 0; i < 1000; i++)
    {
      guint64 x = qks_rng_next_u64 (&a);

      same_ab += x == qks_rng_next_u64 (&b);
      same_ac += x == qks_rng_next_u64 (&c);
    }
  g_assert_cmpuint (same_ab, ==, 0);
  g_assert_cmpuint (same_ac, ==, 0);
}

/* The first outputs of xoshiro256** from a known state, from the reference
 * implementation at https://prng.di.unimi.it/xoshiro256starstar.c with
 * s = {1, 2, 3, 4}. */
static void
test_rng_matches_reference_xoshiro (void)
{
  QksRng rng = { .s = { 1, 2, 3, 4 } };
  const guint64 expected[] = {
    G_GUINT64_CONSTANT (11520),
    G_GUINT64_CONSTANT (0),
    G_GUINT64_CONSTANT (1509978240),
    G_GUINT64_CONSTANT (1215971899390074240),
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpuint (qks_rng_next_u64 (&rng), ==, expected[i]);
}

static void
test_rng_uniform_moments (void)
{
  QksRng rng;
  const guint n = 200000;
  double sum = 0.0, sum_sq = 0.0;

  qks_rng_init (&rng, 42);
  for (guint i = 0; i < n; i++)
    {
      double u = qks_rng_uniform (&rng);

      g_assert_cmpfloat (u, >=, 0.0);
      g_assert_cmpfloat (u, <, 1.0);
      sum += u;
      sum_sq += u * u;
    }

  /* Mean 1/2 and variance 1/12; the bounds are 5 standard errors. */
  g_assert_cmpfloat (fabs (sum / n - 0.5), <, 5.0 * sqrt (1.0 / 12.0 / n));
  g_assert_cmpfloat (fabs (sum_sq / n - sum * sum / n / n - 1.0 / 12.0), <, 5.0 * sqrt (1.0 / 180.0 / n));
}

static void
test_rng_uniform_int_is_unbiased (void)
{
  QksRng rng;
  const guint bound = 7, n = 70000;
  guint counts[7] = { 0 };
  double chi_squared = 0.0, expected = (double) n / bound;

  qks_rng_init (&rng, 7);
  for (guint i = 0; i < n; i++)
    {
      guint64 k = qks_rng_uniform_int (&rng, bound);

      g_assert_cmpuint (k, <, bound);
      counts[k]++;
    }
  for (guint k = 0; k < bound; k++)
    chi_squared += (counts[k] - expected) * (counts[k] - expected) / expected;

  /* χ² with 6 degrees of freedom: P(χ² > x) must not be tiny. */
  g_assert_cmpfloat (gsl_cdf_chisq_Q (chi_squared, bound - 1), >, 1e-4);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Kolmogorov–Smirnov against GSL's normal CDF, an independent computation. */
static void
test_rng_normal_matches_gaussian_cdf (void)
{
  QksRng rng;
  const gsize n = 20000;
  g_autofree double *x = g_new (double, n);
  double d = 0.0;

  qks_rng_init (&rng, 2026);
  qks_rng_fill_normal (&rng, x, n, 0.0, 1.0);
  qsort (x, n, sizeof (double), compare_doubles);
  for (gsize i = 0; i < n; i++)
    {
      double cdf = gsl_cdf_ugaussian_P (x[i]);

      d = MAX (d, MAX (fabs (cdf - (double) i / n), fabs ((double) (i + 1) / n - cdf)));
    }

  /* The 99.9 % critical value of the KS statistic is 1.95/sqrt(n). */
  g_assert_cmpfloat (d, <, 1.95 / sqrt ((double) n));
}

static void
test_rng_normal_f32_scales (void)
{
  QksRng rng;
  const gsize n = 100000;
  g_autofree float *x = g_new (float, n);
  double sum = 0.0, sum_sq = 0.0;

  qks_rng_init (&rng, 5);
  qks_rng_fill_normal_f32 (&rng, x, n, 1.0f, 0.02f);
  for (gsize i = 0; i < n; i++)
    {
      sum += x[i];
      sum_sq += (x[i] - 1.0) * (x[i] - 1.0);
    }
  g_assert_cmpfloat (fabs (sum / n - 1.0), <, 5.0 * 0.02 / sqrt ((double) n));
  g_assert_cmpfloat (fabs (sqrt (sum_sq / n) / 0.02 - 1.0), <, 0.02);
}

static void
test_rng_shuffle_is_a_permutation (void)
{
  QksRng rng;
  guint indices[100];
  gboolean seen[100] = { FALSE };
  guint fixed_points = 0;

  for (guint i = 0; i < 100; i++)
    indices[i] = i;
  qks_rng_init (&rng, 3);
  qks_rng_shuffle_indices (&rng, indices, 100);
  for (guint i = 0; i < 100; i++)
    {
      g_assert_cmpuint (indices[i], <, 100);
      g_assert_false (seen[indices[i]]);
      seen[indices[i]] = TRUE;
      fixed_points += indices[i] == i;
    }
  /* A uniform permutation of 100 has about one fixed point; the identity has 100. */
  g_assert_cmpuint (fixed_points, <, 10);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rng/same-seed-same-stream", test_rng_same_seed_same_stream);
  g_test_add_func ("/rng/seeds-and-streams-differ", test_rng_seeds_and_streams_differ);
  g_test_add_func ("/rng/matches-reference-xoshiro", test_rng_matches_reference_xoshiro);
  g_test_add_func ("/rng/uniform-moments", test_rng_uniform_moments);
  g_test_add_func ("/rng/uniform-int-is-unbiased", test_rng_uniform_int_is_unbiased);
  g_test_add_func ("/rng/normal-matches-gaussian-cdf", test_rng_normal_matches_gaussian_cdf);
  g_test_add_func ("/rng/normal-f32-scales", test_rng_normal_f32_scales);
  g_test_add_func ("/rng/shuffle-is-a-permutation", test_rng_shuffle_is_a_permutation);

  return g_test_run ();
}
