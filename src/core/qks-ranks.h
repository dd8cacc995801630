/* qks-ranks.h: effective, stable and numerical ranks of a spectrum (SCIENCE.md b.6)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The rank-collapse event rule of SCIENCE.md b.6 [R]. */
#define QKS_RANKS_COLLAPSE_ERANK_DROP   0.20  /* relative drop of erank/k from step 0 */
#define QKS_RANKS_COLLAPSE_SPIKE_MASS   0.50  /* η above this */

#define QKS_RANKS_ERROR (qks_ranks_error_quark ())

typedef enum
{
  QKS_RANKS_ERROR_INPUT,
} QksRanksError;

/* Which parts of the rule fired; both may. */
typedef enum
{
  QKS_RANK_COLLAPSE_NONE = 0,
  QKS_RANK_COLLAPSE_ERANK_DROP = 1 << 0,
  QKS_RANK_COLLAPSE_SPIKE_MASS = 1 << 1,
} QksRankCollapse;

typedef struct
{
  gsize   rank;                 /* k: how many singular values were given */
  double  effective_rank;       /* Roy–Vetterli, in [1, k] */
  double  effective_rank_pct;   /* 100 · effective_rank / k */
  double  participation_ratio;  /* (Σλ)² / Σλ², λ = s² */
  double  stable_rank;          /* Σλ / λ_max */
  gsize   numerical_rank;       /* #{s > s_max · max(N, M) · ε} */
} QksRanks;

GQuark          qks_ranks_error_quark          (void);

double          qks_ranks_effective            (const double  *singular_values,
                                                gsize          n);
double          qks_ranks_participation_ratio  (const double  *eigenvalues,
                                                gsize          n);
double          qks_ranks_stable               (const double  *eigenvalues,
                                                gsize          n);
gsize           qks_ranks_numerical            (const double  *singular_values,
                                                gsize          n,
                                                gsize          n_rows,
                                                gsize          n_cols);
gboolean        qks_ranks_compute              (const double  *singular_values,
                                                gsize          n,
                                                gsize          n_rows,
                                                gsize          n_cols,
                                                QksRanks      *out,
                                                GError       **error);

QksRankCollapse qks_ranks_collapse_event       (double         step0_effective_rank_pct,
                                                double         effective_rank_pct,
                                                double         spike_mass);

G_END_DECLS
