/* qks-history.h: a run's history as the figures read it
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-run.h"
#include "qks-snapshot.h"
#include "qks-trainer.h"

G_BEGIN_DECLS

/* DESIGN.md: history is the single source of truth for the views. A live
 * run, a loaded .qkrun and a folder of checkpoints are the same thing to a
 * figure: a history that may still be growing. The history lives on one
 * thread (the main thread in the app); a training run's records are
 * appended to it there. */
typedef struct _QksHistory QksHistory;

QksHistory        *qks_history_new                 (const char         *name);
QksHistory        *qks_history_open                (const char         *path,
                                                    GError            **error);
QksHistory        *qks_history_ref                 (QksHistory         *self);
void               qks_history_unref               (QksHistory         *self);

const char        *qks_history_get_name            (QksHistory         *self);
void               qks_history_set_config          (QksHistory         *self,
                                                    const QksTrainConfig *config);
const QksTrainConfig *qks_history_get_config       (QksHistory         *self);
gboolean           qks_history_has_config          (QksHistory         *self);

void               qks_history_add_step            (QksHistory         *self,
                                                    const QksStepRecord *record);
void               qks_history_add_snapshot        (QksHistory         *self,
                                                    QksSnapshot        *snapshot);
gboolean           qks_history_refresh             (QksHistory         *self,
                                                    gboolean           *changed,
                                                    GError            **error);

guint              qks_history_get_n_steps         (QksHistory         *self);
const QksStepRecord *qks_history_get_steps         (QksHistory         *self);
GArray            *qks_history_get_snapshot_steps  (QksHistory         *self);
QksSnapshot       *qks_history_get_snapshot        (QksHistory         *self,
                                                    guint               step,
                                                    GError            **error);
guint              qks_history_find_snapshot_step  (QksHistory         *self,
                                                    guint               step);
GArray            *qks_history_get_metric_series   (QksHistory         *self,
                                                    guint               layer,
                                                    int                 head,
                                                    QksFormKind         form,
                                                    const char         *name,
                                                    GError            **error);
guint              qks_history_get_n_layers        (QksHistory         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksHistory, qks_history_unref)

G_END_DECLS
