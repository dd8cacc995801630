/* qks-forms.h: the spectra of a layer's bilinear forms, from thin factors
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-snapshot.h"

G_BEGIN_DECLS

/* A thin factor of a form: either U itself (n × w) or its transpose Uᵀ
 * (w × n), whichever the weights already hold, so that building a form
 * copies or transposes nothing; per-head factors are borrowed from the
 * QksAttnHeads, stacked ones are owned. */
typedef struct
{
  QksMatrix *matrix;
  gboolean   transposed;   /* matrix is Uᵀ */
  gboolean   owned;
} QksFactor;

/* One form of one head (or of the whole layer, head = QKS_WHOLE_LAYER) as
 * SCIENCE.md b.1 defines it, held as thin factors: B = U Vᵀ, n_u × n_v,
 * with U and V w columns wide; no d × d matrix is formed for a head. */
typedef struct
{
  QksFormKind  form;
  int          head;
  QksFactor    u;
  QksFactor    v;
  guint        rank;             /* structural rank: the values analysed */
  /* GQA's cross-Gram: V's rows stand for v_copies repeats each, in blocks
   * (block b of B's columns is V's block b / v_copies, of v_block rows):
   * the same non-zero singular values times √v_copies. 0: none. */
  guint        v_copies;
  guint        v_block;
  guint        chain_length;     /* the chain of random factors of its null (b.4) */
  guint        chain[QKS_MAX_CHAIN];
} QksForm;

/* Its spectrum, b.2: the k = rank largest squared singular values. */
typedef struct
{
  guint   n_rows;                /* N ≥ M of the form */
  guint   n_cols;
  guint   rank;
  double *singular_values;       /* rank values, descending */
  double *lambda;                /* s²/N, descending */
} QksFormSpectrum;

void       qks_form_clear            (QksForm              *form);
GPtrArray *qks_forms_from_heads      (const QksAttnHeads   *heads,
                                      gboolean              with_cross_gram,
                                      gboolean              with_ov);
gboolean   qks_form_spectrum         (const QksForm        *form,
                                      QksFormSpectrum      *spectrum,
                                      QksMatrix           **dense,
                                      GError              **error);
void       qks_form_spectrum_clear   (QksFormSpectrum      *spectrum);
QksMatrix *qks_form_dense            (const QksForm        *form);

G_END_DECLS
