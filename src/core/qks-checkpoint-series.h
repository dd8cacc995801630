/* qks-checkpoint-series.h: a folder of checkpoints by step, analysed into a run history
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qks-adapt.h"
#include "qks-diag.h"
#include "qks-history.h"

G_BEGIN_DECLS

/* DESIGN.md: "a researcher opens a folder of checkpoints from a real
 * training job and scrubs through steps". The folder's checkpoints are
 * named by their step, as training programs name them:
 *   checkpoint-100/ …          (Hugging Face Trainer: a model folder each)
 *   step-100.safetensors …     (one file each, config.json beside them)
 *   NAME-step-100[.safetensors], step_100, global_step100, iter-100
 * Each becomes one snapshot of a QksHistory at its step, analysed a layer
 * at a time, so the app shows the folder as a run. */

typedef struct
{
  guint  step;
  char  *path;
} QksCheckpointEntry;

#define QKS_CHECKPOINT_SERIES_ERROR (qks_checkpoint_series_error_quark ())

typedef enum
{
  QKS_CHECKPOINT_SERIES_ERROR_EMPTY,       /* no checkpoint named by a step */
  QKS_CHECKPOINT_SERIES_ERROR_DUPLICATE,   /* two checkpoints of one step */
} QksCheckpointSeriesError;

/* Called on the thread that analyses, between layers: @fraction of the
 * whole work is done; @message says what comes next. */
typedef void (*QksCheckpointProgress) (double      fraction,
                                       const char *message,
                                       gpointer    user_data);

GQuark       qks_checkpoint_series_error_quark (void);

gboolean     qks_checkpoint_step_from_name      (const char             *name,
                                                 guint                  *step);
GArray      *qks_checkpoint_series_list         (const char             *folder,
                                                 GError                **error);
gboolean     qks_checkpoint_series_is_series    (const char             *folder);

QksSnapshot *qks_checkpoint_analyze             (QksDiagContext         *context,
                                                 QksAdapter             *adapter,
                                                 guint                   step,
                                                 QksCheckpointProgress   progress,
                                                 gpointer                user_data,
                                                 GCancellable           *cancellable,
                                                 GError                **error);
QksSnapshot *qks_checkpoint_analyze_path        (QksDiagContext         *context,
                                                 const char             *path,
                                                 guint                   step,
                                                 QksCheckpointProgress   progress,
                                                 gpointer                user_data,
                                                 GCancellable           *cancellable,
                                                 GError                **error);
void         qks_checkpoint_analyze_async       (QksDiagContext         *context,
                                                 const char             *path,
                                                 guint                   step,
                                                 QksCheckpointProgress   progress,
                                                 gpointer                progress_data,
                                                 GDestroyNotify          progress_destroy,
                                                 GCancellable           *cancellable,
                                                 GAsyncReadyCallback     callback,
                                                 gpointer                user_data);
QksSnapshot *qks_checkpoint_analyze_finish      (GAsyncResult           *result,
                                                 GError                **error);
QksHistory  *qks_checkpoint_series_analyze      (QksDiagContext         *context,
                                                 const char             *folder,
                                                 QksCheckpointProgress   progress,
                                                 gpointer                user_data,
                                                 GCancellable           *cancellable,
                                                 GError                **error);

G_END_DECLS
