/* qks-ww.h: weightwatcher-compatible spectral metrics (SCIENCE.md b.5)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-matrix.h"
#include "qks-rng.h"

G_BEGIN_DECLS

/* weightwatcher's own constants (constants.py, RMT_Util.py). */
#define QKS_WW_EVALS_THRESHOLD   1e-5   /* eigenvalues ≤ this are not fitted */
#define QKS_WW_KDE_BANDWIDTH     0.1
#define QKS_WW_KDE_POINTS        1000
#define QKS_WW_KDE_MIN_DENSITY   0.01   /* grid points below are left out */

/* QK Scope's choices around them. */
#define QKS_WW_ALPHA_UNRELIABLE  8.0    /* α above this: random-like (b.5) */
#define QKS_WW_MIN_EVALS         50     /* fewer fitted eigenvalues: pool the heads */
#define QKS_WW_HISTOGRAM_BINS    64

#define QKS_WW_ERROR (qks_ww_error_quark ())

typedef enum
{
  QKS_WW_ERROR_INPUT,
  QKS_WW_ERROR_TOO_FEW,
} QksWwError;

typedef struct
{
  /* The shape, ordered so that N ≥ M; Q = N/M. */
  gsize     n_rows;
  gsize     n_cols;
  gsize     n_evals;            /* eigenvalues given */
  gsize     n_fitted;           /* of them > QKS_WW_EVALS_THRESHOLD */

  /* Power law on the tail (WW_powerlaw.WWFit), on the raw λ = s². */
  double    alpha;
  double    xmin;
  double    xmax;               /* λ_max */
  double    ks_distance;        /* D at the chosen xmin */
  double    alpha_sigma;        /* (α − 1)/√m, weightwatcher's "sigma" */
  gsize     num_pl_spikes;      /* #{λ ≥ xmin} */
  gboolean  alpha_unreliable;   /* α > QKS_WW_ALPHA_UNRELIABLE */
  gboolean  too_few_evals;      /* n_fitted < QKS_WW_MIN_EVALS */

  /* Norm metrics (apply_norm_metrics), on the raw λ. */
  double    alpha_weighted;     /* α · log10 λ_max */
  double    log_alpha_norm;     /* log10 Σ λ^α */
  double    log_norm;           /* log10 Σ λ */
  double    log_spectral_norm;  /* log10 λ_max */
  double    stable_rank;        /* Σ λ / λ_max */
  gsize     matrix_rank;        /* #{s > s_max · N · ε} */
  double    matrix_entropy;     /* −Σ p ln p / ln(matrix_rank), p = λ/Σλ */

  /* MP fit (mp_fit), on λ̃ = scale · λ. */
  double    scale;              /* n_evals / Σλ: mean λ̃ = 1 */
  double    mp_sigma;           /* weightwatcher's sigma_mp (grid, then Nelder–Mead) */
  double    mp_sigma_grid;      /* the best σ of the grid alone */
  double    bulk_min;           /* (σ(1 − 1/√Q))², λ̃ units */
  double    bulk_max;           /* (σ(1 + 1/√Q))², λ̃ units */
  double    bulk_max_tw;        /* bulk_max + √(Q^{−1/2} bulk_max^{2/3} M^{−2/3}) */
  gsize     num_spikes;         /* #{λ̃ > bulk_max_tw} */
  double    mp_softrank;        /* bulk_max / λ̃_max */
  gboolean  mp_fit_failed;      /* no σ passed the rejection rules, or no KDE point was kept */
} QksWwMetrics;

typedef struct
{
  double    rand_distance;       /* JS distance of the sorted eval vectors (the quirk) */
  double    rand_distance_hist;  /* JS distance of log-spaced eval histograms */
  double    ww_softrank;         /* max rand λ / λ_max */
  double    lambda_max;
  double    rand_lambda_max;
} QksWwRandom;

GQuark    qks_ww_error_quark               (void);

gboolean  qks_ww_fit                       (const double         *evals,
                                            gsize                 n,
                                            gsize                 n_rows,
                                            gsize                 n_cols,
                                            QksWwMetrics         *out,
                                            GError              **error);
gboolean  qks_ww_esd_too_small             (const double         *evals,
                                            gsize                 n);
gboolean  qks_ww_fit_pooled                (const double * const *evals,
                                            const gsize          *n_evals,
                                            gsize                 n_matrices,
                                            gsize                 n_rows,
                                            gsize                 n_cols,
                                            QksWwMetrics         *out,
                                            GError              **error);

gboolean  qks_ww_rand_distance             (const QksMatrix      *w,
                                            const double         *evals,
                                            QksRng               *rng,
                                            QksWwRandom          *out,
                                            GError              **error);
void      qks_ww_compare_random            (const double         *evals,
                                            const double         *rand_evals,
                                            gsize                 n,
                                            QksWwRandom          *out);
double    qks_ww_js_distance               (const double         *p,
                                            const double         *q,
                                            gsize                 n);
double    qks_ww_histogram_js_distance     (const double         *a,
                                            gsize                 n_a,
                                            const double         *b,
                                            gsize                 n_b,
                                            guint                 n_bins);

double    qks_ww_mp_density                (double                x,
                                            double                q,
                                            double                sigma);
double    qks_ww_quarter_circle_density    (double                x,
                                            double                sigma);
void      qks_ww_kde_linear                (const double         *sorted_x,
                                            gsize                 n,
                                            double                bandwidth,
                                            const double         *grid,
                                            gsize                 n_grid,
                                            double               *density);

G_END_DECLS
