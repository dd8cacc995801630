/* bench-sgemm.c: this machine's cblas_sgemm peak, with 1 and 2 threads
 *
 * The yardstick for the engine's FLOP/s: a training step cannot run its
 * matrix products faster than OpenBLAS runs one large product.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-runtime.h"

#include <stdio.h>

#include <cblas.h>

#include "qks-blas.h"
#include "qks-rng.h"

#define MIN_SECONDS 0.5

/* Best GFLOP/s over repeated n × n × n products: the best, not the mean,
 * because the peak is what the hardware can do when nothing interferes. */
static double
measure_sgemm (int n)
{
  QksRng rng;
  gsize size = (gsize) n * n;
  g_autofree float *a = g_new (float, size);
  g_autofree float *b = g_new (float, size);
  g_autofree float *c = g_new0 (float, size);
  double best = 0.0, elapsed_total = 0.0;
  double flops = 2.0 * n * (double) n * n;

  qks_rng_init (&rng, 1);
  qks_rng_fill_normal_f32 (&rng, a, size, 0.0f, 1.0f);
  qks_rng_fill_normal_f32 (&rng, b, size, 0.0f, 1.0f);

  /* Warm up: page in the buffers and let OpenBLAS start its threads. */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
               1.0f, a, n, b, n, 0.0f, c, n);

  for (guint rep = 0; rep < 3 || elapsed_total < MIN_SECONDS; rep++)
    {
      gint64 start = g_get_monotonic_time ();
      double seconds;

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
                   1.0f, a, n, b, n, 0.0f, c, n);
      seconds = (g_get_monotonic_time () - start) / 1e6;
      elapsed_total += seconds;
      best = MAX (best, flops / seconds / 1e9);
    }

  return best;
}

int
main (int    argc,
      char **argv)
{
  const int sizes[] = { 256, 512, 1024, 2048 };
  double peak[3] = { 0.0, 0.0, 0.0 };

  qks_runtime_init ();
  g_print ("cblas_sgemm on %s (%s)\n", qks_blas_get_core_name (), qks_blas_get_config ());
  g_print ("%8s %14s %14s\n", "n", "1 thread", "2 threads");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      double gflops[3];

      for (int threads = 1; threads <= 2; threads++)
        {
          qks_blas_set_num_threads (threads);
          gflops[threads] = measure_sgemm (sizes[i]);
          peak[threads] = MAX (peak[threads], gflops[threads]);
        }
      g_print ("%8d %9.1f GF/s %9.1f GF/s\n", sizes[i], gflops[1], gflops[2]);
    }

  g_print ("peak: 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s (ratio %.2f)\n",
           peak[1], peak[2], peak[2] / peak[1]);
  g_print ("{\"bench\": \"sgemm-peak\", \"gflops_1_thread\": %.2f, \"gflops_2_threads\": %.2f}\n",
           peak[1], peak[2]);
  return 0;
}
