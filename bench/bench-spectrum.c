/* bench-spectrum.c: how long the random-matrix laws take to build and a
 * spectrum fit takes to run
 *
 * The app fits hundreds of spectra per snapshot against laws it builds once
 * per configuration, so the fit must cost well under a millisecond.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-runtime.h"

#include <math.h>
#include <stdio.h>

#include "qks-law-chain.h"
#include "qks-spectrum.h"

#define FIT_REPEATS 2000

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static QksChainLaw *
build_law (const guint *dims,
           guint        n_dims,
           const char  *name)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  QksChainLaw *law = qks_chain_law_new (dims, n_dims, &error);

  g_assert_no_error (error);
  printf ("{\"what\": \"chain-law-build\", \"chain\": \"%s\", \"ms\": %.2f}\n",
          name, 1e3 * seconds_since (start));
  return law;
}

static void
time_fit (const double             *lambda,
          gsize                     k,
          gsize                     n_rows,
          const QksSpectrumOptions *options,
          const char               *name)
{
  g_autoptr(GError) error = NULL;
  QksSpectrumFit fit;
  gint64 start;
  double elapsed;

  /* Warm up, then the mean over many fits. */
  qks_spectrum_fit (lambda, k, n_rows, k, options, &fit, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < FIT_REPEATS; i++)
    qks_spectrum_fit (lambda, k, n_rows, k, options, &fit, NULL);
  elapsed = seconds_since (start);
  printf ("{\"what\": \"fit\", \"fit\": \"%s\", \"k\": %zu, \"us_per_fit\": %.1f, "
          "\"n_spikes\": %u, \"ks\": %.4f}\n",
          name, k, 1e6 * elapsed / FIT_REPEATS, fit.n_spikes, fit.ks);
}

int
main (int    argc,
      char **argv)
{
  static const guint square[] = { 768, 768, 768 };
  static const guint head[] = { 768, 64, 768 };
  static const guint mla[] = { 768, 288, 64, 192, 768 };
  static const guint gaussian[] = { 3072, 768 };
  g_autoptr(QksChainLaw) square_law = NULL;
  g_autoptr(QksChainLaw) head_law = NULL;
  g_autoptr(QksChainLaw) mla_law = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *lambda = g_new (double, 768);
  QksSpectrumOptions options;
  QksRng rng;

  qks_runtime_init ();
  square_law = build_law (square, G_N_ELEMENTS (square), "768,768,768");
  head_law = build_law (head, G_N_ELEMENTS (head), "768,64,768");
  mla_law = build_law (mla, G_N_ELEMENTS (mla), "768,288,64,192,768");

  qks_rng_init (&rng, 1);

  qks_spectrum_sample_chain (gaussian, G_N_ELEMENTS (gaussian), &rng, lambda, &error);
  g_assert_no_error (error);
  qks_spectrum_options_init (&options);
  time_fit (lambda, 768, 3072, &options, "mp-E2-tw-j (3072x768 Gaussian)");
  options.estimator = QKS_SIGMA_E3_TRIMMED;
  time_fit (lambda, 768, 3072, &options, "mp-E3-tw-j (3072x768 Gaussian)");

  qks_spectrum_sample_chain (square, G_N_ELEMENTS (square), &rng, lambda, &error);
  g_assert_no_error (error);
  options.null_law = QKS_NULL_CHAIN;
  options.chain = square_law;
  options.estimator = QKS_SIGMA_E1_TRACE;
  time_fit (lambda, 768, 768, &options, "product-E1-tw-edge (768,768,768)");
  options.estimator = QKS_SIGMA_E2_MEDIAN;
  time_fit (lambda, 768, 768, &options, "product-E2-tw-edge (768,768,768)");

  qks_spectrum_sample_chain (mla, G_N_ELEMENTS (mla), &rng, lambda, &error);
  g_assert_no_error (error);
  options.chain = mla_law;
  options.estimator = QKS_SIGMA_E1_TRACE;
  time_fit (lambda, 64, 768, &options, "chain-E1-tw-edge (768,288,64,192,768)");

  return 0;
}
