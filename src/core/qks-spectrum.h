/* qks-spectrum.h: fitting a null law to an empirical spectral density
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-law-chain.h"
#include "qks-rng.h"

G_BEGIN_DECLS

/* SCIENCE.md b.2–b.4 and f.1–f.3. Every fitted quantity is in mean-1 units:
 * the k analysed values λ = s²/N are rescaled to λ̃ = λ/mean(λ) first.
 *
 * The null is a scale family ρ_σ²(x) = ρ(x/σ²)/σ² of a mean-1 law: MP(c) with
 * c = k/N (e.2: the shape of the non-zero part), or a chain law (b.4). The
 * estimators fit σ² the same way for both: E1 σ̂² = mean λ̃ = 1, E2
 * σ̂² = median(λ̃)/median(law), E3 σ̂² ← mean{λ̃ ≤ x₊σ̂²} from E2 on. For a
 * chain null σ² = 1 holds by construction, so E1 is its natural estimator;
 * E2 and E3 fit the scale of the same family, for comparing a trained bulk
 * with the null's shape at the bulk's own scale. */

typedef enum
{
  QKS_NULL_MP,            /* Marchenko–Pastur, c = k/N: the paper-compatible mode */
  QKS_NULL_CHAIN,         /* options->chain; a 3-element chain is the product law */
  QKS_NULL_MONTE_CARLO,   /* threshold options->mc_threshold whatever options->threshold
                           * says; curve and KS from options->chain if set, else MP */
} QksNullLaw;

typedef enum
{
  QKS_SIGMA_E1_TRACE,
  QKS_SIGMA_E2_MEDIAN,
  QKS_SIGMA_E3_TRIMMED,
  QKS_SIGMA_N_ESTIMATORS,
} QksSigmaEstimator;

typedef enum
{
  /* MP: Johnstone's σ̂²(μ + q s)/N with (N, k). Chain: σ̂²(x₊ + q s_k), s_k
   * the Tracy–Widom scale of the chain law's upper edge for k values
   * (qks_chain_law_edge_scale(), which is Johnstone's s/N for MP). */
  QKS_THRESHOLD_TW_J,
  /* weightwatcher's λ₊ + √(√c λ₊^{2/3} k^{−2/3}), with the null's λ₊. */
  QKS_THRESHOLD_TW_WW,
  /* options->mc_threshold, used as given (mean-1 units, not scaled by σ̂²). */
  QKS_THRESHOLD_MC,
} QksThresholdRule;

typedef struct
{
  QksNullLaw          null_law;
  QksSigmaEstimator   estimator;
  QksThresholdRule    threshold;
  double              tw_quantile;    /* 0.90, 0.95 or 0.99 */
  const QksChainLaw  *chain;          /* for QKS_NULL_CHAIN; its rank must be k */
  double              mc_threshold;   /* mean-1 units, e.g. qks_spectrum_mc_threshold_chain() */
} QksSpectrumOptions;

typedef struct
{
  gsize        k;                     /* values analysed */
  gsize        n_rows;                /* N ≥ M */
  gsize        n_cols;
  double       c;                     /* k/N */
  double       mean_lambda;           /* mean of the raw λ: multiply by it to go back */
  double       lambda_max;            /* λ̃_max */
  double       sigma2;                /* σ̂² */
  guint        sigma_iterations;      /* E3's iterations (0 for E1, E2) */
  double       lambda_minus;          /* σ̂² x₋ */
  double       lambda_plus;           /* σ̂² x₊ */
  double       lambda_threshold;      /* λ_thr */
  guint        n_spikes;              /* #{λ̃ > λ_thr} */
  double       spike_mass;            /* η = Σ_spikes λ / Σ λ */
  double       mp_soft_rank;          /* λ₊/λ̃_max */
  double       lambda_max_over_plus;  /* λ̃_max/λ₊ */
  double       ks;                    /* sup |F_n − F| on the bulk, 1 if there is none */
  gsize        n_bulk;                /* #{λ̃ ≤ λ_thr} */
  double       bulk_fraction;         /* n_bulk/k */
  gboolean     unreliable;            /* bulk_fraction < 1/2 (f.2) */
  guint        n_spikes_trimmed;      /* f.3: spikes on the bulk-trimmed scale */
  double       trimmed_scale;         /* its s */
  const char  *null_name;             /* "mp", "product", "chain", "monte-carlo" */
  const char  *estimator_name;        /* "E1", "E2", "E3" */
  const char  *threshold_name;        /* "tw-j-99", "tw-edge-99", "tw-ww", "mc", … */
} QksSpectrumFit;

#define QKS_SPECTRUM_ERROR (qks_spectrum_error_quark ())

typedef enum
{
  QKS_SPECTRUM_ERROR_INVALID,
  QKS_SPECTRUM_ERROR_SHAPE,
} QksSpectrumError;

GQuark    qks_spectrum_error_quark         (void);

void      qks_spectrum_options_init        (QksSpectrumOptions        *options);
gboolean  qks_spectrum_fit                 (const double              *lambda,
                                            gsize                      k,
                                            gsize                      n_rows,
                                            gsize                      n_cols,
                                            const QksSpectrumOptions  *options,
                                            QksSpectrumFit            *fit,
                                            GError                   **error);

gboolean  qks_spectrum_sample_chain        (const guint               *dims,
                                            guint                      n_dims,
                                            QksRng                    *rng,
                                            double                    *lambda,
                                            GError                   **error);
double    qks_spectrum_mc_threshold_chain  (const guint               *dims,
                                            guint                      n_dims,
                                            guint                      n_draws,
                                            double                     quantile,
                                            QksRng                    *rng,
                                            GError                   **error);

const char *qks_sigma_estimator_to_string   (QksSigmaEstimator  estimator);
gboolean    qks_sigma_estimator_from_string (const char        *name,
                                             QksSigmaEstimator *estimator);

G_END_DECLS
