/* qks-kqsvd.h: how well a low-rank cache keeps a head's attention scores
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-matrix.h"

G_BEGIN_DECLS

/* SCIENCE.md a.6 (KQ-SVD, Lesens et al.): relative errors of rank-r
 * approximations of one head's T × T score matrix K Qᵀ. */
typedef struct
{
  guint   length;            /* d_qk: the ranks r = 1 … length */
  double *singular_values;   /* of K Qᵀ, descending; 0 past its rank */
  double *kq;                /* [r − 1] = ‖KQᵀ − (KQᵀ)_r‖_F / ‖KQᵀ‖_F, the best rank r */
  double *keys_only;         /* [r − 1] = ‖KQᵀ − K_r Qᵀ‖_F / ‖KQᵀ‖_F */
} QksKqsvdCurves;

QksKqsvdCurves *qks_kqsvd_curves_new           (const QksMatrix     *queries,
                                                const QksMatrix     *keys,
                                                GError             **error);
QksKqsvdCurves *qks_kqsvd_curves_new_for_head  (const QksMatrix     *x,
                                                const QksMatrix     *w_q,
                                                const QksMatrix     *w_k,
                                                GError             **error);
GPtrArray      *qks_kqsvd_curves_new_for_heads (const QksMatrix     *x,
                                                const QksAttnHeads  *heads,
                                                GError             **error);
void            qks_kqsvd_curves_free          (QksKqsvdCurves      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksKqsvdCurves, qks_kqsvd_curves_free)

G_END_DECLS
