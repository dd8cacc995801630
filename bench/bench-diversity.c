/* bench-diversity.c: the head-diversity analysis of one GPT-2-small layer
 *
 * SCIENCE.md b.7 on H = 12, d = 768, d_h = 64: the centred Gram of the QK
 * and OV forms (66 pairs each) and the principal angles of the Q, K and V
 * subspaces (66 pairs each), on 1 and 2 threads.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-runtime.h"

#include <stdio.h>
#include <time.h>

#include "qks-blas.h"
#include "qks-diversity.h"
#include "qks-parallel.h"

#define N_REPEATS 10

static QksAttnHeads *
random_layer (guint n_heads,
              guint d,
              guint d_h)
{
  QksAttnHeads *heads = qks_attn_heads_new (n_heads, d, d_h, d_h);
  QksRng rng;

  qks_rng_init (&rng, 1);
  for (guint h = 0; h < n_heads; h++)
    {
      qks_rng_fill_normal (&rng, heads->w_q[h]->data, (gsize) d_h * d, 0.0, 0.02);
      qks_rng_fill_normal (&rng, heads->w_k[h]->data, (gsize) d_h * d, 0.0, 0.02);
      qks_rng_fill_normal (&rng, heads->w_v[h]->data, (gsize) d_h * d, 0.0, 0.02);
      qks_rng_fill_normal (&rng, heads->w_o[h]->data, (gsize) d_h * d, 0.0, 0.02);
    }
  return heads;
}

static double
cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

/* Wall time is what a user waits; CPU time (all threads) is what the
 * analysis costs, and it does not depend on what else the machine runs. */
static gboolean
measure (const QksAttnHeads *heads,
         guint               threads,
         const char         *heap)
{
  double best = G_MAXDOUBLE, wall = 0.0, cpu = 0.0;

  qks_blas_set_num_threads ((int) threads);
  qks_parallel_set_threads (threads);
  for (guint rep = 0; rep <= N_REPEATS; rep++)
    {
      g_autoptr(QksHeadDiversity) diversity = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds (), ms;

      diversity = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, &error);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      if (diversity == NULL)
        {
          fprintf (stderr, "bench-diversity: %s\n", error->message);
          return FALSE;
        }
      if (rep == 0)
        continue;   /* warm-up */
      best = MIN (best, ms);
      wall += ms;
      cpu += (cpu_seconds () - cpu_start) * 1000.0;
    }
  printf ("diversity H=12 d=768 d_h=64, %u thread%s, %s: wall best %.1f ms, mean %.1f ms; "
          "CPU %.1f ms per layer\n", threads, threads > 1 ? "s" : "", heap, best,
          wall / N_REPEATS, cpu / N_REPEATS);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(QksAttnHeads) heads = random_layer (12, 768, 64);

  qks_runtime_init ();
  /* A fresh process runs with glibc's initial heap settings, under which
   * it returns memory to the kernel after every pair of heads (in a VM
   * each return costs a TLB shoot-down). glibc raises those thresholds
   * itself once a process frees any block of 128 KiB or more, as the app
   * does all the time (snapshots, checkpoints): measure both. */
  for (guint threads = 1; threads <= 2; threads++)
    if (!measure (heads, threads, "fresh heap"))
      return 1;
  g_free (g_malloc (4 << 20));
  for (guint threads = 1; threads <= 2; threads++)
    if (!measure (heads, threads, "settled heap"))
      return 1;
  return 0;
}
