/* qks-head-factors.h: the thin factors of each head's bilinear form
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-matrix.h"
#include "qks-snapshot.h"

G_BEGIN_DECLS

/* SCIENCE.md b.1: a head's d × d form is B_h = L_h R_hᵀ with thin d × k
 * factors L_h = op(left[h]) and R_h = op(right[h]). Diagnostics work on the
 * factors, whose k × k products carry everything they need, and never
 * form B_h itself. */
typedef struct
{
  QksFormKind    form;
  guint          n_heads;
  guint          d_model;
  guint          width;            /* k, the inner dimension of every B_h */
  QksMatrix    **left;             /* n_heads, borrowed from the heads or owned below */
  QksTranspose   transpose_left;
  QksMatrix    **right;
  QksTranspose   transpose_right;
  GPtrArray     *owned;            /* the stacked factors made for QKS_FORM_QK_SUM */
} QksHeadFactors;

QksHeadFactors *qks_head_factors_new  (const QksAttnHeads  *heads,
                                       QksFormKind          form,
                                       GError             **error);
void            qks_head_factors_free (QksHeadFactors      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksHeadFactors, qks_head_factors_free)

G_END_DECLS
