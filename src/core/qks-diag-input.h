/* qks-diag-input.h: what a diagnostic snapshot is computed from, and when
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-config.h"
#include "qks-matrix.h"

G_BEGIN_DECLS

/* A copy of what the diagnostics need, taken on the training thread and
 * handed to the diagnostics worker, so that training goes on meanwhile
 * (DESIGN.md, Threads): the layers' effective per-head matrices and a batch
 * of each layer's own attention inputs for calibration (KQ-SVD, a.6). */
typedef struct
{
  guint            step;
  QksModelConfig   config;           /* valid when from_model is set */
  gboolean         from_model;       /* a QK Scope model: its variant's Monte-Carlo null applies */
  guint            n_layers;
  QksAttnHeads   **layers;           /* n_layers */
  QksMatrix      **calibration;      /* n_layers of rows × d, or NULL */
} QksDiagInput;

QksDiagInput *qks_diag_input_new          (guint         step,
                                           guint         n_layers);
void          qks_diag_input_free         (QksDiagInput *input);
gboolean      qks_diag_schedule_is_due    (guint         step,
                                           guint         every);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksDiagInput, qks_diag_input_free)

G_END_DECLS
