/* qks-snapshot.h: the diagnostics of one step, as plain records
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the diagnostics produce at one step and the run history keeps
 * (DESIGN.md: history is the single source of truth for the views). */

typedef enum
{
  QKS_FORM_QK,          /* B = W_Qᵀ W_K, the QK bilinear form (MLA: its content part) */
  QKS_FORM_QK_ROPE,     /* MLA-Decoupled's RoPE part at offset 0 */
  QKS_FORM_QK_SUM,      /* MLA-Decoupled's content + RoPE */
  QKS_FORM_CROSS_GRAM,  /* C = W^Q W^Kᵀ, PyTorch's Wq @ Wk.T */
  QKS_FORM_OV,          /* W_O,h W_V,h */
  QKS_FORM_N_KINDS,
} QksFormKind;

/* head = QKS_WHOLE_LAYER for a per-layer value. */
#define QKS_WHOLE_LAYER (-1)

typedef enum
{
  QKS_METRIC_FLAG_NONE = 0,
  QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION = 1 << 0,  /* fixed by the variant's structure (f.6) */
  QKS_METRIC_FLAG_UNRELIABLE = 1 << 1,              /* the fit kept too little as bulk (f.2) */
} QksMetricFlags;

typedef struct
{
  guint           layer;
  int             head;
  QksFormKind     form;
  const char     *name;      /* interned, e.g. "n_spikes" */
  double          value;
  QksMetricFlags  flags;
} QksMetricRow;

typedef struct
{
  guint        layer;
  int          head;
  QksFormKind  form;
  guint        n_rows;        /* N ≥ M: the shape whose ESD this is */
  guint        n_cols;
  guint        rank;          /* structural rank k: how many values are analysed */
  double      *eigenvalues;   /* k raw λ = s²/N, descending */
  /* The fit drawn over the histogram, in mean-1 units (λ̃ = λ / mean λ). */
  double       sigma2;
  double       lambda_minus;
  double       lambda_plus;
  double       lambda_threshold;
  char        *null_law;      /* "mp", "product", "chain", "monte-carlo" */
  char        *estimator;     /* "E1" … "E4" */
  char        *threshold;     /* "tw-j-99", "tw-ww", "mc-99" */
  guint        chain_length;  /* the null's chain N_0 … N_k, for redrawing it */
  guint        chain[8];
} QksSpectrumRecord;

/* A small dense matrix per layer: principal-angle heatmaps, Gram matrices. */
typedef struct
{
  guint   layer;
  char   *kind;               /* "angles-q", "angles-k", "angles-v", "gram-qk", … */
  guint   rows;
  guint   cols;
  double *data;               /* row-major */
} QksMatrixRecord;

/* A curve per layer or head: KQ-SVD error against rank, variance explained. */
typedef struct
{
  guint   layer;
  int     head;
  char   *kind;               /* "kqsvd", "keys-only", "variance-explained", … */
  guint   length;
  double *values;             /* values[i] at i + 1 (rank, component) */
} QksCurveRecord;

typedef struct
{
  guint  layer;
  char  *kind;                /* "rank-collapse" */
  char  *detail;
} QksEventRecord;

typedef struct
{
  guint      step;
  GArray    *metrics;         /* of QksMetricRow */
  GPtrArray *spectra;         /* of QksSpectrumRecord * */
  GPtrArray *matrices;        /* of QksMatrixRecord * */
  GPtrArray *curves;          /* of QksCurveRecord * */
  GPtrArray *events;          /* of QksEventRecord * */
} QksSnapshot;

const char  *qks_form_kind_to_string     (QksFormKind        form);
gboolean     qks_form_kind_from_string   (const char        *name,
                                          QksFormKind       *form);

QksSnapshot *qks_snapshot_new            (guint              step);
void         qks_snapshot_free           (QksSnapshot       *self);
QksSnapshot *qks_snapshot_copy           (const QksSnapshot *self);
void         qks_snapshot_add_metric     (QksSnapshot       *self,
                                          guint              layer,
                                          int                head,
                                          QksFormKind        form,
                                          const char        *name,
                                          double             value,
                                          QksMetricFlags     flags);
const QksMetricRow *qks_snapshot_find_metric (QksSnapshot   *self,
                                              guint          layer,
                                              int            head,
                                              QksFormKind    form,
                                              const char    *name);
QksSpectrumRecord *qks_snapshot_add_spectrum (QksSnapshot   *self,
                                              guint          layer,
                                              int            head,
                                              QksFormKind    form,
                                              guint          n_rows,
                                              guint          n_cols,
                                              const double  *eigenvalues,
                                              guint          rank);
QksMatrixRecord   *qks_snapshot_add_matrix   (QksSnapshot   *self,
                                              guint          layer,
                                              const char    *kind,
                                              guint          rows,
                                              guint          cols,
                                              const double  *data);
QksCurveRecord    *qks_snapshot_add_curve    (QksSnapshot   *self,
                                              guint          layer,
                                              int            head,
                                              const char    *kind,
                                              guint          length,
                                              const double  *values);
void               qks_snapshot_merge        (QksSnapshot   *self,
                                              QksSnapshot   *src);
void               qks_snapshot_add_event    (QksSnapshot   *self,
                                              guint          layer,
                                              const char    *kind,
                                              const char    *detail);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksSnapshot, qks_snapshot_free)

G_END_DECLS
