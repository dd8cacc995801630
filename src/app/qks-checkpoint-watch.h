/* qks-checkpoint-watch.h: other programs' checkpoints, analysed in the background
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qks-diag.h"
#include "qks-history.h"

G_BEGIN_DECLS

#define QKS_TYPE_CHECKPOINT_WATCH (qks_checkpoint_watch_get_type ())

G_DECLARE_FINAL_TYPE (QksCheckpointWatch, qks_checkpoint_watch, QKS, CHECKPOINT_WATCH, GObject)

gboolean            qks_checkpoint_watch_can_open      (const char           *path);
QksCheckpointWatch *qks_checkpoint_watch_new           (const char           *path,
                                                        QksHistory           *history,
                                                        const QksDiagOptions *options,
                                                        GError              **error);
gboolean            qks_checkpoint_watch_is_series     (QksCheckpointWatch   *self);
gboolean            qks_checkpoint_watch_is_busy       (QksCheckpointWatch   *self);
double              qks_checkpoint_watch_get_progress  (QksCheckpointWatch   *self,
                                                        guint                *done,
                                                        guint                *total);
gboolean            qks_checkpoint_watch_is_stopped    (QksCheckpointWatch   *self);
void                qks_checkpoint_watch_cancel        (QksCheckpointWatch   *self);

G_END_DECLS
