/* bench-ww.c: how long the weightwatcher-compatible fit takes
 *
 * qks_ww_fit() on 768 eigenvalues (a d = 768 layer) for spectra whose
 * power-law scan and MP fit behave differently, and qks_ww_rand_distance()
 * on a 768 × 768 matrix, whose two SVDs are most of its cost.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-runtime.h"

#include <math.h>
#include <stdlib.h>

#include "qks-blas.h"
#include "qks-matrix.h"
#include "qks-ww.h"

#define N_REPEATS 200

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static QksMatrix *
make_matrix (gsize        n_rows,
             gsize        n_cols,
             gboolean     heavy_tailed,
             QksRng      *rng)
{
  QksMatrix *w = qks_matrix_new_gaussian (n_rows, n_cols, 1.0, rng);

  /* Student-t(2): Z / √(V/2), V ~ χ²₂. */
  if (heavy_tailed)
    for (gsize i = 0; i < n_rows * n_cols; i++)
      w->data[i] /= sqrt (-log1p (-qks_rng_uniform (rng)) + 1e-300);
  return w;
}

/* Median and best of N_REPEATS fits, in milliseconds. */
static void
time_fit (const char   *name,
          const double *evals,
          gsize         n,
          gsize         n_rows,
          gsize         n_cols)
{
  double times[N_REPEATS];
  QksWwMetrics m;

  g_assert_true (qks_ww_fit (evals, n, n_rows, n_cols, &m, NULL));
  for (guint r = 0; r < N_REPEATS; r++)
    {
      gint64 start = g_get_monotonic_time ();

      qks_ww_fit (evals, n, n_rows, n_cols, &m, NULL);
      times[r] = (g_get_monotonic_time () - start) / 1e3;
    }
  qsort (times, N_REPEATS, sizeof (double), compare_doubles);

  g_print ("%-28s %8.3f ms %8.3f ms   alpha %6.2f  sigma_mp %.4f  spikes %3zu\n",
           name, times[N_REPEATS / 2], times[0], m.alpha, m.mp_sigma, m.num_spikes);
  g_print ("{\"bench\": \"ww-fit\", \"case\": \"%s\", \"median_ms\": %.4f, \"best_ms\": %.4f}\n",
           name, times[N_REPEATS / 2], times[0]);
}

int
main (int    argc,
      char **argv)
{
  const struct { const char *name; gsize n_rows; gboolean heavy; } cases[] = {
    { "gaussian 768x768 (Q = 1)", 768, FALSE },
    { "gaussian 3072x768", 3072, FALSE },
    { "student-t(2) 768x768", 768, TRUE },
    { "student-t(2) 3072x768", 3072, TRUE },
  };
  g_autofree double *pareto = g_new (double, 768);
  g_autoptr(QksMatrix) square = NULL;
  QksRng rng;

  qks_runtime_init ();
  /* One BLAS thread: no OpenBLAS worker left spinning beside the fit. */
  qks_blas_set_num_threads (1);
  qks_rng_init (&rng, 1);

  g_print ("qks_ww_fit on 768 eigenvalues, %d repeats\n", N_REPEATS);
  g_print ("%-28s %11s %11s\n", "spectrum", "median", "best");
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(QksMatrix) w = make_matrix (cases[c].n_rows, 768, cases[c].heavy, &rng);
      g_autofree double *evals = g_new (double, 768);

      g_assert_true (qks_matrix_svd (w, evals, NULL, NULL, NULL));
      for (gsize i = 0; i < 768; i++)
        evals[i] *= evals[i];
      time_fit (cases[c].name, evals, 768, cases[c].n_rows, 768);
    }

  for (gsize i = 0; i < 768; i++)
    pareto[i] = pow (1.0 - qks_rng_uniform (&rng), -1.0 / 1.5);
  time_fit ("pareto alpha 2.5 (768 values)", pareto, 768, 3072, 768);

  square = make_matrix (768, 768, FALSE, &rng);
  for (int threads = 1; threads <= 2; threads++)
    {
      QksWwRandom r;
      gint64 start;
      double ms;

      qks_blas_set_num_threads (threads);
      g_assert_true (qks_ww_rand_distance (square, NULL, &rng, &r, NULL));
      start = g_get_monotonic_time ();
      g_assert_true (qks_ww_rand_distance (square, NULL, &rng, &r, NULL));
      ms = (g_get_monotonic_time () - start) / 1e3;
      g_print ("qks_ww_rand_distance 768x768, %d BLAS thread%s: %.1f ms (rand_distance %.4f)\n",
               threads, threads == 1 ? "" : "s", ms, r.rand_distance);
    }

  return 0;
}
