/* qks-diag.h: every diagnostic of SCIENCE.md §b for one step
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-diag-input.h"
#include "qks-snapshot.h"
#include "qks-spectrum.h"

G_BEGIN_DECLS

typedef enum
{
  /* The null matched to the variant's whole chain (f.1): for a QK Scope
   * model, the Monte-Carlo null of freshly initialised layers of the same
   * variant and shapes; for other weights, the analytic chain law. */
  QKS_DIAG_NULL_MATCHED,
  QKS_DIAG_NULL_CHAIN,          /* the analytic chain (product) law, b.4 */
  QKS_DIAG_NULL_MP,             /* plain Marchenko–Pastur: the paper-compatible mode */
  QKS_DIAG_N_NULLS,
} QksDiagNull;

typedef struct
{
  QksDiagNull        null_law;
  QksSigmaEstimator  estimator;       /* σ² for the MP fit (E2 by default) */
  double             quantile;        /* of the spike thresholds: 0.99 */
  guint              mc_draws;        /* surrogate layers of the Monte-Carlo null: 200 */
  gboolean           cross_gram;      /* the secondary views of b.1 */
  gboolean           ov;
  gboolean           weightwatcher;   /* b.5 */
  gboolean           rand_distance;   /* b.5: needs the dense layer form, the costliest part */
  guint64            seed;            /* for the nulls and rand_distance */
  gboolean           background;      /* beside training: one thread, at low priority */
} QksDiagOptions;

typedef struct _QksDiagContext QksDiagContext;

void            qks_diag_options_init      (QksDiagOptions        *options);
const char     *qks_diag_null_to_string    (QksDiagNull            null_law);
gboolean        qks_diag_null_from_string  (const char            *name,
                                            QksDiagNull           *null_law);

QksDiagContext *qks_diag_context_new       (const QksDiagOptions  *options);
void            qks_diag_context_free      (QksDiagContext        *self);
const QksDiagOptions *qks_diag_context_get_options (QksDiagContext *self);
void            qks_diag_context_set_reference_erank (QksDiagContext *self,
                                                      guint           layer,
                                                      double          erank_pct);
QksSnapshot    *qks_diag_run               (QksDiagContext        *self,
                                            const QksDiagInput    *input,
                                            GError               **error);
gboolean        qks_diag_run_layer         (QksDiagContext        *self,
                                            const QksDiagInput    *input,
                                            guint                  layer,
                                            QksSnapshot           *snapshot,
                                            GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksDiagContext, qks_diag_context_free)

G_END_DECLS
