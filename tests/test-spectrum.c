/* test-spectrum.c: fitting null laws to spectra
 *
 * SCIENCE.md b.8 items 1, 2, 3 and 5 with their thresholds, and f.2, f.3.
 * Seeds are fixed; "in ≥ 95 % of seeds" runs 20–40 of them.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-blas.h"
#include "qks-law-chain.h"
#include "qks-law-mp.h"
#include "qks-law-product.h"
#include "qks-matrix.h"
#include "qks-spectrum.h"

static QksChainLaw *
new_law (const guint *dims,
         guint        n_dims)
{
  g_autoptr(GError) error = NULL;
  QksChainLaw *law = qks_chain_law_new (dims, n_dims, &error);

  g_assert_no_error (error);
  return law;
}

/* The k = min N_i values λ = s²/N of a random chain (a Gaussian matrix for
 * two dims), descending. */
static double *
sample (const guint *dims,
        guint        n_dims,
        guint64      seed)
{
  g_autoptr(GError) error = NULL;
  guint k = G_MAXUINT;
  double *lambda;
  QksRng rng;

  for (guint i = 0; i < n_dims; i++)
    k = MIN (k, dims[i]);
  lambda = g_new (double, k);
  qks_rng_init (&rng, seed);
  qks_spectrum_sample_chain (dims, n_dims, &rng, lambda, &error);
  g_assert_no_error (error);
  return lambda;
}

static void
fit_or_fail (const double             *lambda,
             gsize                     k,
             gsize                     n_rows,
             const QksSpectrumOptions *options,
             QksSpectrumFit           *fit)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qks_spectrum_fit (lambda, k, n_rows, k, options, fit, &error));
  g_assert_no_error (error);
}

static QksSpectrumOptions
chain_options (const QksChainLaw *law)
{
  QksSpectrumOptions options;

  qks_spectrum_options_init (&options);
  options.null_law = QKS_NULL_CHAIN;
  options.chain = law;
  options.estimator = QKS_SIGMA_E1_TRACE;
  return options;
}

/* "In ≥ 95 % of seeds" (or another fraction). */
static void
assert_fraction (guint        good,
                 guint        total,
                 double       fraction,
                 const char  *what)
{
  g_test_message ("%s: %u of %u seeds", what, good, total);
  if (good < fraction * total - 1e-9)
    g_error ("%s holds in only %u of %u seeds", what, good, total);
}

static void
assert_most (guint        good,
             guint        total,
             const char  *what)
{
  assert_fraction (good, total, 0.95, what);
}

/* b.8 item 1 ---------------------------------------------------------------- */

static void
test_mp_on_gaussian (void)
{
  static const struct { guint n, m, seeds; } shapes[] = {
    { 256, 64, 40 },
    { 512, 128, 20 },
    { 1024, 256, 20 },
    { 768, 768, 2 },
    { 3072, 768, 1 },
  };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      guint dims[2] = { shapes[s].n, shapes[s].m }, m = shapes[s].m;
      double ks_bound = 3.0 / m + 0.005;
      guint no_spikes[3] = { 0 }, ks_ok[3] = { 0 }, sigma_ok[3] = { 0 };

      for (guint seed = 0; seed < shapes[s].seeds; seed++)
        {
          g_autofree double *lambda = sample (dims, 2, 1000 * s + seed);

          for (guint e = QKS_SIGMA_E1_TRACE; e <= QKS_SIGMA_E3_TRIMMED; e++)
            {
              QksSpectrumOptions options;
              QksSpectrumFit fit;

              qks_spectrum_options_init (&options);
              options.estimator = e;
              fit_or_fail (lambda, m, dims[0], &options, &fit);

              g_assert_cmpstr (fit.null_name, ==, "mp");
              g_assert_cmpstr (fit.threshold_name, ==, "tw-j-99");
              g_assert_false (fit.unreliable);
              sigma_ok[e] += fit.sigma2 >= 0.97 && fit.sigma2 <= 1.03;
              no_spikes[e] += fit.n_spikes == 0;
              ks_ok[e] += fit.ks < ks_bound;
              /* σ̂² = the mean, as b.8's reference KS values were measured:
               * every seed. E2 and E3 add the noise of their own σ̂², which
               * at M = 64 leaves [0.97, 1.03] in 1 seed of 40 (E2 0.947; E3,
               * trimming a λ_max that fluctuated past λ₊, 0.960). */
              if (e == QKS_SIGMA_E1_TRACE)
                {
                  g_assert_cmpfloat_with_epsilon (fit.sigma2, 1.0, 1e-12);
                  g_assert_cmpfloat (fit.ks, <, ks_bound);
                }
              else if (m >= 128)
                {
                  g_assert_cmpfloat (fit.sigma2, >=, 0.97);
                  g_assert_cmpfloat (fit.sigma2, <=, 1.03);
                }
            }
        }

      for (guint e = QKS_SIGMA_E1_TRACE; e <= QKS_SIGMA_E3_TRIMMED; e++)
        {
          g_autofree char *spikes = g_strdup_printf ("%ux%u E%u: no TW-J spike", dims[0], m, e + 1);
          g_autofree char *ks = g_strdup_printf ("%ux%u E%u: KS < 3/M + 0.005", dims[0], m, e + 1);

          g_autofree char *sigma = g_strdup_printf ("%ux%u E%u: sigma2 in [0.97, 1.03]", dims[0], m, e + 1);

          assert_most (sigma_ok[e], shapes[s].seeds, sigma);
          assert_most (no_spikes[e], shapes[s].seeds, spikes);
          assert_most (ks_ok[e], shapes[s].seeds, ks);
        }
    }
}

/* b.8 item 2 ---------------------------------------------------------------- */

/* X = G/√N + θ u vᵀ with random unit u, v; X is already scaled, so λ = s². */
static double *
bbp_spectrum (double  theta,
              guint64 seed)
{
  const gsize n = 1024, m = 256;
  g_autoptr(QksMatrix) x = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *u = g_new (double, n);
  g_autofree double *v = g_new (double, m);
  double *lambda = g_new (double, m);
  double norm_u = 0.0, norm_v = 0.0;
  QksRng rng;

  qks_rng_init (&rng, seed);
  x = qks_matrix_new_gaussian (n, m, 1.0 / sqrt ((double) n), &rng);
  qks_rng_fill_normal (&rng, u, n, 0.0, 1.0);
  qks_rng_fill_normal (&rng, v, m, 0.0, 1.0);
  for (gsize i = 0; i < n; i++)
    norm_u += u[i] * u[i];
  for (gsize j = 0; j < m; j++)
    norm_v += v[j] * v[j];
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < m; j++)
      x->data[i * m + j] += theta * u[i] * v[j] / sqrt (norm_u * norm_v);

  g_assert_true (qks_matrix_svd (x, lambda, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gsize j = 0; j < m; j++)
    lambda[j] *= lambda[j];
  return lambda;
}

static void
test_bbp (void)
{
  const double c = 0.25, quarter = pow (c, 0.25);
  /* θ / c^{1/4}, the expected spike count and λ̃ of b.8 (0 = no check). */
  static const struct { double multiple; guint spikes; double expected; } cases[] = {
    { 2.0, 1, 3.38 },
    { 4.0, 1, 9.28 },
    { 0.5, 0, 0.0 },
  };
  const guint seeds = 6;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double theta = cases[i].multiple * quarter, sum = 0.0;

      /* The BBP location (1 + θ²)(c + θ²)/θ² that b.8 rounds. */
      if (cases[i].spikes > 0)
        g_assert_cmpfloat_with_epsilon ((1 + theta * theta) * (c + theta * theta) / (theta * theta),
                                        cases[i].expected, 0.005);

      for (guint seed = 0; seed < seeds; seed++)
        {
          g_autofree double *lambda = bbp_spectrum (theta, 2000 + 10 * i + seed);
          QksSpectrumFit fit;

          fit_or_fail (lambda, 256, 1024, NULL, &fit);
          g_assert_cmpuint (fit.n_spikes, ==, cases[i].spikes);
          sum += fit.lambda_max;
        }
      /* ± 5 % on the mean over seeds: a single seed's outlier fluctuates by
       * ~4 % (s.d.) at N = 1024, so ±5 % per seed fails 10–15 % of seeds
       * even for exact code. */
      if (cases[i].spikes > 0)
        {
          g_test_message ("theta = %g c^(1/4): mean lambda_max %.4f, expected %.2f",
                          cases[i].multiple, sum / seeds, cases[i].expected);
          g_assert_cmpfloat (fabs (sum / seeds / cases[i].expected - 1.0), <, 0.05);
        }
    }
}

/* b.8 item 3 ---------------------------------------------------------------- */

static void
test_product_law (void)
{
  static const guint head[] = { 512, 64, 512 };
  static const guint square[] = { 256, 256, 256 };
  g_autoptr(QksChainLaw) head_law = new_law (head, 3);
  g_autoptr(QksChainLaw) square_law = new_law (square, 3);
  QksSpectrumOptions options;
  guint top_ok = 0, bottom_ok = 0, ks_ok = 0;
  double lo, hi;

  /* d = 512, k = 64: values in [0.287, 2.334], overshoot ≤ 4 %, KS < 3/k + 0.005. */
  qks_product_law_edges (64.0 / 512, &lo, &hi);
  options = chain_options (head_law);
  for (guint seed = 0; seed < 40; seed++)
    {
      g_autofree double *lambda = sample (head, 3, 3000 + seed);
      QksSpectrumFit fit;

      fit_or_fail (lambda, 64, 512, &options, &fit);
      g_assert_cmpstr (fit.null_name, ==, "product");
      g_assert_cmpfloat_with_epsilon (fit.lambda_plus, hi, 1e-12);
      g_assert_cmpfloat_with_epsilon (fit.lambda_minus, lo, 1e-12);
      top_ok += fit.lambda_max <= 1.04 * hi;
      bottom_ok += lambda[63] / fit.mean_lambda >= 0.96 * lo;
      ks_ok += fit.ks < 3.0 / 64 + 0.005;
    }
  assert_most (top_ok, 40, "d = 512, k = 64: lambda_max <= 1.04 x 2.334");
  /* b.8 gives the upper edge's tolerance only. The lower edge fluctuates
   * more in relative terms (2.5 % of 200 seeds undershoot it by > 4 %):
   * the same 4 %, in ≥ 90 % of seeds. */
  assert_fraction (bottom_ok, 40, 0.90, "d = 512, k = 64: lambda_min >= 0.96 x 0.287");
  assert_most (ks_ok, 40, "d = 512, k = 64: KS < 3/k + 0.005");

  /* d = k = 256: support (0, 6.75], ∫xρ = 1, ∫x²ρ = 1 + 2λ = 3 to 10⁻³. */
  g_assert_cmpfloat (qks_chain_law_lower_edge (square_law), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_upper_edge (square_law), 6.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_moment (square_law, 1), 1.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (qks_chain_law_moment (square_law, 2), 3.0, 1e-3);
  options = chain_options (square_law);
  ks_ok = 0;
  for (guint seed = 0; seed < 10; seed++)
    {
      g_autofree double *lambda = sample (square, 3, 3100 + seed);
      QksSpectrumFit fit;

      fit_or_fail (lambda, 256, 256, &options, &fit);
      g_assert_cmpfloat (lambda[255], >, 0.0);
      ks_ok += fit.ks < 3.0 / 256 + 0.005;
    }
  assert_most (ks_ok, 10, "d = k = 256: KS < 3/k + 0.005");
}

/* b.8 item 5 ---------------------------------------------------------------- */

static void
test_spurious_spikes (void)
{
  static const guint square[] = { 512, 512, 512 };
  static const guint small[] = { 256, 256, 256 };
  static const guint head[] = { 512, 64, 512 };
  static const guint mla[] = { 256, 96, 256, 64, 256 };
  static const guint mla_head[] = { 128, 48, 32, 32, 128 };
  static const struct { const guint *dims; guint n_dims, seeds; } nulls[] = {
    { small, 3, 20 },
    { head, 3, 40 },
    { mla, 5, 20 },
    { mla_head, 5, 40 },
  };
  g_autoptr(GError) error = NULL;
  QksSpectrumOptions options;
  guint plain_total = 0, quiet = 0;
  double mc_threshold;
  QksRng rng;

  /* Plain MP with c fixed cries wolf on a random 512² product (b.4: 22). */
  {
    g_autofree double *lambda = sample (square, 3, 5000);
    QksSpectrumFit fit;

    fit_or_fail (lambda, 512, 512, NULL, &fit);
    g_test_message ("plain MP on a random 512x512 product: %u spikes", fit.n_spikes);
    g_assert_cmpuint (fit.n_spikes, >, 0);
    options = chain_options (NULL);
    options.null_law = QKS_NULL_MP;
    fit_or_fail (lambda, 512, 512, &options, &fit);
    g_assert_cmpuint (fit.n_spikes, >, 0);
  }

  /* The matched chain null: 0 spikes in ≥ 95 % of seeds, where plain MP
   * finds some in every seed. */
  for (guint c = 0; c < G_N_ELEMENTS (nulls); c++)
    {
      g_autoptr(QksChainLaw) law = new_law (nulls[c].dims, nulls[c].n_dims);
      guint k = qks_chain_law_get_rank (law);
      guint n = MAX (nulls[c].dims[0], nulls[c].dims[nulls[c].n_dims - 1]);
      g_autofree char *what = g_strdup_printf ("chain null %u: no spike", c);

      quiet = plain_total = 0;
      options = chain_options (law);
      for (guint seed = 0; seed < nulls[c].seeds; seed++)
        {
          g_autofree double *lambda = sample (nulls[c].dims, nulls[c].n_dims, 5100 + 100 * c + seed);
          QksSpectrumFit fit;

          fit_or_fail (lambda, k, n, &options, &fit);
          quiet += fit.n_spikes == 0;
          fit_or_fail (lambda, k, n, NULL, &fit);
          plain_total += fit.n_spikes;
        }
      assert_most (quiet, nulls[c].seeds, what);
      g_test_message ("chain null %u: plain MP finds %.1f spikes a seed", c,
                      (double) plain_total / nulls[c].seeds);
      g_assert_cmpuint (plain_total, >, nulls[c].seeds);
    }

  /* The Monte-Carlo null (f.1): 50 surrogates, then fresh draws. */
  qks_rng_init (&rng, 5900);
  mc_threshold = qks_spectrum_mc_threshold_chain (head, 3, 50, 0.99, &rng, &error);
  g_assert_no_error (error);
  /* Past the product law's edge 2.334, within the finite-size overshoot. */
  g_assert_cmpfloat (mc_threshold, >, 2.334);
  g_assert_cmpfloat (mc_threshold, <, 1.1 * 2.334);
  qks_spectrum_options_init (&options);
  options.null_law = QKS_NULL_MONTE_CARLO;
  options.mc_threshold = mc_threshold;
  quiet = 0;
  for (guint seed = 0; seed < 40; seed++)
    {
      g_autofree double *lambda = sample (head, 3, 5950 + seed);
      QksSpectrumFit fit;

      fit_or_fail (lambda, 64, 512, &options, &fit);
      g_assert_cmpstr (fit.null_name, ==, "monte-carlo");
      g_assert_cmpstr (fit.threshold_name, ==, "mc");
      g_assert_cmpfloat (fit.lambda_threshold, ==, mc_threshold);
      quiet += fit.n_spikes == 0;
    }
  assert_most (quiet, 40, "Monte-Carlo null: no spike");
}

/* f.2, f.3 ------------------------------------------------------------------ */

/* f.3: one outlier holding most of Σλ hides the other spikes from the mean-1
 * count; the bulk-trimmed scale finds them again. */
static void
test_trimmed_count (void)
{
  const gsize n = 1024, m = 256;
  static const double thetas[] = { 40.0, 2.2, 2.4, 2.6, 2.8, 3.0 };

  for (guint seed = 0; seed < 3; seed++)
    {
      g_autoptr(QksMatrix) x = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree double *u = g_new (double, n);
      g_autofree double *v = g_new (double, m);
      double lambda[256];
      QksSpectrumOptions options;
      QksSpectrumFit fit;
      QksRng rng;

      qks_rng_init (&rng, 6000 + seed);
      x = qks_matrix_new_gaussian (n, m, 1.0 / sqrt ((double) n), &rng);
      for (guint s = 0; s < G_N_ELEMENTS (thetas); s++)
        {
          double norm_u = 0.0, norm_v = 0.0;

          qks_rng_fill_normal (&rng, u, n, 0.0, 1.0);
          qks_rng_fill_normal (&rng, v, m, 0.0, 1.0);
          for (gsize i = 0; i < n; i++)
            norm_u += u[i] * u[i];
          for (gsize j = 0; j < m; j++)
            norm_v += v[j] * v[j];
          for (gsize i = 0; i < n; i++)
            for (gsize j = 0; j < m; j++)
              x->data[i * m + j] += thetas[s] * u[i] * v[j] / sqrt (norm_u * norm_v);
        }
      g_assert_true (qks_matrix_svd (x, lambda, NULL, NULL, &error));
      for (gsize j = 0; j < m; j++)
        lambda[j] *= lambda[j];

      qks_spectrum_options_init (&options);
      options.estimator = QKS_SIGMA_E1_TRACE;
      fit_or_fail (lambda, m, n, &options, &fit);
      /* The outlier holds ~85 % of the energy. */
      g_assert_cmpfloat (fit.spike_mass, >, 0.8);
      g_assert_cmpuint (fit.n_spikes, ==, 1);
      g_assert_cmpuint (fit.n_spikes_trimmed, ==, G_N_ELEMENTS (thetas));
      g_assert_cmpfloat (fit.trimmed_scale, <, 0.2);
    }
}

/* f.2: E3 collapses on a heavy-tailed spectrum and says so. */
static void
test_unreliable (void)
{
  static const guint gaussian[] = { 1024, 256 };
  g_autofree double *noise = sample (gaussian, 2, 7000);
  double heavy[256];
  QksSpectrumOptions options;
  QksSpectrumFit fit;

  /* Six decades, log-uniform: no bulk to speak of. */
  for (guint i = 0; i < 256; i++)
    heavy[i] = pow (10.0, -6.0 * i / 256);

  qks_spectrum_options_init (&options);
  options.estimator = QKS_SIGMA_E3_TRIMMED;
  fit_or_fail (heavy, 256, 1024, &options, &fit);
  g_assert_cmpstr (fit.estimator_name, ==, "E3");
  g_assert_cmpfloat (fit.bulk_fraction, <, 0.5);
  g_assert_true (fit.unreliable);
  g_assert_cmpuint (fit.sigma_iterations, >, 1);
  g_assert_cmpuint (fit.sigma_iterations, <=, 20);

  options.estimator = QKS_SIGMA_E1_TRACE;
  fit_or_fail (heavy, 256, 1024, &options, &fit);
  g_assert_cmpfloat (fit.bulk_fraction, >=, 0.5);
  g_assert_false (fit.unreliable);

  for (guint e = QKS_SIGMA_E1_TRACE; e <= QKS_SIGMA_E3_TRIMMED; e++)
    {
      options.estimator = e;
      fit_or_fail (noise, 256, 1024, &options, &fit);
      g_assert_cmpfloat (fit.bulk_fraction, ==, 1.0);
      g_assert_false (fit.unreliable);
    }
}

/* The fit sees only the mean-1 values: order and scale do not matter. */
static void
test_order_and_scale (void)
{
  static const guint dims[] = { 512, 128 };
  g_autofree double *lambda = sample (dims, 2, 8000);
  double ascending[128], scaled[128], shuffled[128];
  guint order[128];
  QksSpectrumFit reference, fit;
  QksRng rng;

  qks_rng_init (&rng, 8001);
  for (guint i = 0; i < 128; i++)
    order[i] = i;
  qks_rng_shuffle_indices (&rng, order, 128);
  for (guint i = 0; i < 128; i++)
    {
      ascending[i] = lambda[127 - i];
      scaled[i] = 7.25 * lambda[i];
      shuffled[i] = lambda[order[i]];
    }
  /* A spike, so that every field has something to say. */
  lambda[0] *= 3.0;
  ascending[127] *= 3.0;
  scaled[0] *= 3.0;
  for (guint i = 0; i < 128; i++)
    if (order[i] == 0)
      shuffled[i] *= 3.0;

  fit_or_fail (lambda, 128, 512, NULL, &reference);
  g_assert_cmpuint (reference.n_spikes, ==, 1);
  for (guint variant = 0; variant < 3; variant++)
    {
      const double *values = variant == 0 ? ascending : variant == 1 ? scaled : shuffled;

      fit_or_fail (values, 128, 512, NULL, &fit);
      g_assert_cmpfloat_with_epsilon (fit.sigma2, reference.sigma2, 1e-12);
      g_assert_cmpfloat_with_epsilon (fit.lambda_threshold, reference.lambda_threshold, 1e-12);
      g_assert_cmpfloat_with_epsilon (fit.ks, reference.ks, 1e-12);
      g_assert_cmpfloat_with_epsilon (fit.spike_mass, reference.spike_mass, 1e-12);
      g_assert_cmpuint (fit.n_spikes, ==, reference.n_spikes);
      g_assert_cmpuint (fit.n_spikes_trimmed, ==, reference.n_spikes_trimmed);
    }
  g_assert_cmpfloat_with_epsilon (fit.mean_lambda, reference.mean_lambda, 1e-12);
  fit_or_fail (scaled, 128, 512, NULL, &fit);
  g_assert_cmpfloat_with_epsilon (fit.mean_lambda, 7.25 * reference.mean_lambda, 1e-12);
}

/* The derived quantities of b.3, and TW-J as the chain rule's MP case. */
static void
test_fit_outputs (void)
{
  static const guint dims[] = { 1024, 256 };
  g_autoptr(QksChainLaw) law = new_law (dims, 2);
  g_autofree double *lambda = sample (dims, 2, 9000);
  QksSpectrumOptions options;
  QksSpectrumFit mp, chain;
  double sum = 0.0, spikes = 0.0;

  lambda[0] *= 4.0;
  lambda[1] *= 3.0;
  qks_spectrum_options_init (&options);
  fit_or_fail (lambda, 256, 1024, &options, &mp);
  g_assert_cmpstr (mp.estimator_name, ==, "E2");
  g_assert_cmpfloat_with_epsilon (mp.c, 0.25, 1e-15);
  g_assert_cmpfloat_with_epsilon (mp.sigma2,
                                  0.5 * (lambda[127] + lambda[128]) / mp.mean_lambda /
                                  qks_mp_median (0.25), 1e-12);
  g_assert_cmpfloat_with_epsilon (mp.lambda_plus, 2.25 * mp.sigma2, 1e-12);
  g_assert_cmpfloat_with_epsilon (mp.lambda_minus, 0.25 * mp.sigma2, 1e-12);
  g_assert_cmpfloat_with_epsilon (mp.lambda_threshold,
                                  qks_tw_johnstone_threshold (1024, 256, 0.99, mp.sigma2), 1e-12);
  g_assert_cmpuint (mp.n_spikes, ==, 2);
  g_assert_cmpuint (mp.n_bulk, ==, 254);
  for (guint i = 0; i < 256; i++)
    sum += lambda[i];
  spikes = lambda[0] + lambda[1];
  g_assert_cmpfloat_with_epsilon (mp.spike_mass, spikes / sum, 1e-12);
  g_assert_cmpfloat_with_epsilon (mp.lambda_max, lambda[0] / (sum / 256), 1e-12);
  g_assert_cmpfloat_with_epsilon (mp.mp_soft_rank, mp.lambda_plus / mp.lambda_max, 1e-12);
  g_assert_cmpfloat_with_epsilon (mp.lambda_max_over_plus, mp.lambda_max / mp.lambda_plus, 1e-12);

  /* The chain rule σ̂²(x₊ + q s_k) on the chain [N, M] is TW-J to leading order. */
  options.null_law = QKS_NULL_CHAIN;
  options.chain = law;
  fit_or_fail (lambda, 256, 1024, &options, &chain);
  g_assert_cmpstr (chain.null_name, ==, "chain");
  g_assert_cmpstr (chain.threshold_name, ==, "tw-edge-99");
  g_assert_cmpfloat_with_epsilon (chain.sigma2, mp.sigma2, 1e-6);
  g_assert_cmpfloat (fabs (chain.lambda_threshold / mp.lambda_threshold - 1.0), <, 2e-3);
  g_assert_cmpfloat_with_epsilon (chain.ks, mp.ks, 1e-5);

  options.null_law = QKS_NULL_MP;
  options.threshold = QKS_THRESHOLD_TW_WW;
  fit_or_fail (lambda, 256, 1024, &options, &mp);
  g_assert_cmpstr (mp.threshold_name, ==, "tw-ww");
  g_assert_cmpfloat_with_epsilon (mp.lambda_threshold, qks_tw_ww_threshold (0.25, mp.sigma2, 256), 1e-12);
}

static void
test_sample_chain (void)
{
  static const guint chains[][5] = {
    { 40, 12, 30, 8, 50 },
    { 8, 30, 20 },
    { 30, 20, 8 },
    { 20, 20 },
    { 50, 12 },
  };
  static const guint lengths[] = { 5, 3, 3, 2, 2 };

  for (guint c = 0; c < G_N_ELEMENTS (chains); c++)
    {
      const guint *dims = chains[c];
      guint n_dims = lengths[c], k = G_MAXUINT;
      g_autoptr(QksMatrix) product = NULL;
      g_autoptr(GError) error = NULL;
      double lambda[64], singular[64], n_rows;
      QksRng rng;

      for (guint i = 0; i < n_dims; i++)
        k = MIN (k, dims[i]);
      n_rows = MAX (dims[0], dims[n_dims - 1]);

      qks_rng_init (&rng, 9100 + c);
      g_assert_true (qks_spectrum_sample_chain (dims, n_dims, &rng, lambda, &error));
      g_assert_no_error (error);

      /* The same factors, multiplied out in full. */
      qks_rng_init (&rng, 9100 + c);
      for (guint i = 1; i < n_dims; i++)
        {
          g_autoptr(QksMatrix) factor = qks_matrix_new_gaussian (dims[i - 1], dims[i], 1.0, &rng);

          if (product == NULL)
            product = g_steal_pointer (&factor);
          else
            {
              QksMatrix *next = qks_matrix_multiply (product, QKS_NO_TRANSPOSE, factor,
                                                     QKS_NO_TRANSPOSE, &error);
              g_assert_no_error (error);
              qks_matrix_free (product);
              product = next;
            }
        }
      g_assert_true (qks_matrix_svd (product, singular, NULL, NULL, &error));
      for (guint i = 0; i < k; i++)
        {
          double expected = singular[i] * singular[i] / n_rows;

          g_assert_cmpfloat (fabs (lambda[i] - expected), <, 1e-10 * singular[0] * singular[0]);
          if (i > 0)
            g_assert_cmpfloat (lambda[i], <=, lambda[i - 1]);
        }
    }
}

static void
test_rejects_bad_input (void)
{
  static const guint dims[] = { 64, 16, 64 };
  g_autoptr(QksChainLaw) law = new_law (dims, 3);
  double lambda[16];
  QksSpectrumOptions options;
  QksSpectrumFit fit;
  QksRng rng;
  struct {
    gsize k, n_rows, n_cols;
    double bad_value;
    int setting;
    int code;
  } cases[] = {
    { 1, 64, 16, 1.0, 0, QKS_SPECTRUM_ERROR_SHAPE },      /* k < 2 */
    { 16, 64, 8, 1.0, 0, QKS_SPECTRUM_ERROR_SHAPE },      /* k > M */
    { 16, 8, 16, 1.0, 0, QKS_SPECTRUM_ERROR_SHAPE },      /* N < M */
    { 16, 64, 16, NAN, 0, QKS_SPECTRUM_ERROR_INVALID },
    { 16, 64, 16, -1.0, 0, QKS_SPECTRUM_ERROR_INVALID },
    { 16, 64, 16, 1.0, 1, QKS_SPECTRUM_ERROR_INVALID },   /* chain null, no chain */
    { 15, 64, 16, 1.0, 2, QKS_SPECTRUM_ERROR_SHAPE },     /* chain of rank 16 */
    { 16, 64, 16, 1.0, 3, QKS_SPECTRUM_ERROR_INVALID },   /* MC without threshold */
    { 16, 64, 16, 1.0, 4, QKS_SPECTRUM_ERROR_INVALID },   /* no TW quantile */
    { 16, 64, 16, 0.0, 5, QKS_SPECTRUM_ERROR_INVALID },   /* all zero */
  };

  qks_rng_init (&rng, 9200);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < 16; i++)
        lambda[i] = cases[c].setting == 5 ? 0.0 : 1.0 + qks_rng_uniform (&rng);
      if (cases[c].setting == 0 || cases[c].setting == 5)
        lambda[3] = cases[c].bad_value;

      qks_spectrum_options_init (&options);
      if (cases[c].setting == 1)
        options.null_law = QKS_NULL_CHAIN;
      else if (cases[c].setting == 2)
        options = chain_options (law);
      else if (cases[c].setting == 3)
        options.threshold = QKS_THRESHOLD_MC;
      else if (cases[c].setting == 4)
        options.tw_quantile = 0.5;

      g_assert_false (qks_spectrum_fit (lambda, cases[c].k, cases[c].n_rows, cases[c].n_cols,
                                        &options, &fit, &error));
      g_assert_error (error, QKS_SPECTRUM_ERROR, cases[c].code);
    }

  /* The Monte-Carlo helper wants R ≥ 50 (b.3). */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (isnan (qks_spectrum_mc_threshold_chain (dims, 3, 10, 0.99, &rng, &error)));
    g_assert_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Small matrices, and meson runs two tests at once on two cores: one BLAS
   * thread each is faster than two oversubscribed ones (SCIENCE.md f.7). */
  qks_blas_set_num_threads (1);

  g_test_add_func ("/spectrum/mp-on-gaussian", test_mp_on_gaussian);
  g_test_add_func ("/spectrum/bbp", test_bbp);
  g_test_add_func ("/spectrum/product-law", test_product_law);
  g_test_add_func ("/spectrum/spurious-spikes", test_spurious_spikes);
  g_test_add_func ("/spectrum/trimmed-count", test_trimmed_count);
  g_test_add_func ("/spectrum/unreliable", test_unreliable);
  g_test_add_func ("/spectrum/order-and-scale", test_order_and_scale);
  g_test_add_func ("/spectrum/fit-outputs", test_fit_outputs);
  g_test_add_func ("/spectrum/sample-chain", test_sample_chain);
  g_test_add_func ("/spectrum/rejects-bad-input", test_rejects_bad_input);

  return g_test_run ();
}
