/* qks-diversity.h: how different a layer's heads are (HDI, centred Gram)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-head-factors.h"
#include "qks-matrix.h"

G_BEGIN_DECLS

/* Whose column spaces the HDI compares: those of W_Q,hᵀ, W_K,hᵀ, W_V,hᵀ. */
typedef enum
{
  QKS_HEAD_SUBSPACE_Q,
  QKS_HEAD_SUBSPACE_K,
  QKS_HEAD_SUBSPACE_V,
  QKS_HEAD_SUBSPACE_N_KINDS,
} QksHeadSubspace;

/* SCIENCE.md b.7, HDI [R]: principal angles between every pair of heads'
 * subspaces. */
typedef struct
{
  guint       n_heads;
  guint       width;                  /* k: the nominal dimension of each subspace (d_h) */
  guint      *ranks;                  /* per head, after dropping s < 1e-6 s_max */
  QksMatrix  *overlap;                /* H × H: ω_ij, the mean cos² of the pair's angles; ω_ii = 1 */
  QksMatrix  *mean_angle;             /* H × H: the mean angle in radians; 0 on the diagonal */
  double     *angles;                 /* the pairs i < j in turn, each ascending */
  gsize      *pair_offsets;           /* n_pairs + 1, see qks_head_angles_get_pair() */
  double      hdi;                    /* 1 − mean over i ≠ j of ω_ij */
  double      hdi_spectral;           /* 1 − ‖𝒢 − I‖_F² / (H (H − 1) k), 𝒢 = [U_1 … U_H]ᵀ[U_1 … U_H] */
  gboolean    shared_by_construction; /* fixed by the variant, not a finding (f.6) */
} QksHeadAngles;

typedef enum
{
  QKS_HEAD_GRAM_NORMALISED,           /* B̂_h = B_h / ‖B_h‖_F, the default */
  QKS_HEAD_GRAM_UNNORMALISED,
} QksHeadGramScaling;

/* SCIENCE.md b.7, the gauge-invariant centred Gram of the heads' forms [R]. */
typedef struct
{
  guint               n_heads;
  QksHeadGramScaling  scaling;
  double             *norms;                  /* ‖B_h‖_F, before normalising */
  QksMatrix          *gram;                   /* H × H: G_ij = ⟨B̂_i, B̂_j⟩_F */
  QksMatrix          *centred;                /* J G J, J = I − 11ᵀ/H */
  double             *eigenvalues;            /* of J G J: μ_1 ≥ … ≥ μ_H = 0 */
  double             *variance_explained;     /* [k − 1] = Σ_{i ≤ k} μ_i / Σ μ, k = 1 … H */
  double              total_variance;         /* Σ μ */
  double              effective_rank_percent; /* 100 exp(−Σ p ln p) / (H − 1), p = μ / Σ μ */
  guint               k90;                    /* components for 90 % of Σ μ */
  guint               k95;
  double              k90_percent;            /* 100 k90 / (H − 1) */
  double              k95_percent;
  double              shared_fraction;        /* φ = ‖mean of B̂_h‖_F² */
} QksHeadGram;

/* Everything b.7 asks of one layer, from one set of cross products. */
typedef struct
{
  QksHeadGram   *qk;
  QksHeadGram   *ov;
  QksHeadAngles *subspaces[QKS_HEAD_SUBSPACE_N_KINDS];
} QksHeadDiversity;

QksHeadAngles    *qks_head_angles_new           (guint                 n_heads,
                                                 QksMatrix *const     *spans,
                                                 QksTranspose          transpose,
                                                 GError              **error);
QksHeadAngles    *qks_head_angles_new_for_heads (const QksAttnHeads   *heads,
                                                 QksHeadSubspace       subspace,
                                                 GError              **error);
const double     *qks_head_angles_get_pair      (const QksHeadAngles  *self,
                                                 guint                 i,
                                                 guint                 j,
                                                 guint                *n_angles);
void              qks_head_angles_free          (QksHeadAngles        *self);

QksHeadGram      *qks_head_gram_new             (const QksHeadFactors *factors,
                                                 QksHeadGramScaling    scaling,
                                                 GError              **error);
QksHeadGram      *qks_head_gram_new_from_gram   (const QksMatrix      *gram,
                                                 QksHeadGramScaling    scaling,
                                                 GError              **error);
void              qks_head_gram_free            (QksHeadGram          *self);

QksHeadDiversity *qks_head_diversity_new        (const QksAttnHeads   *heads,
                                                 QksHeadGramScaling    scaling,
                                                 GError              **error);
void              qks_head_diversity_free       (QksHeadDiversity     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksHeadAngles, qks_head_angles_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksHeadGram, qks_head_gram_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksHeadDiversity, qks_head_diversity_free)

G_END_DECLS
