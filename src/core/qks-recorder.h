/* qks-recorder.h: a training run's history, written to its .qkrun as it goes
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-diag.h"
#include "qks-run.h"
#include "qks-trainer.h"

G_BEGIN_DECLS

/* Takes what the training thread hands over (step records, snapshot
 * inputs, checkpoints) without ever making it wait: the diagnostics run on
 * the recorder's own worker thread, the file is written by the run
 * writer's thread (DESIGN.md, Threads). */
typedef struct _QksRecorder QksRecorder;

/* Called on the diagnostics worker after a snapshot was computed and
 * queued for writing; it must be quick (the app re-posts it to the main
 * thread). */
typedef void (*QksRecorderSnapshotFunc) (const QksSnapshot *snapshot,
                                         gpointer           user_data);

QksRecorder *qks_recorder_new                (const char             *run_path,
                                              const QksTrainConfig   *config,
                                              const QksDiagOptions   *options,
                                              gboolean                overwrite,
                                              GError                **error);
QksRecorder *qks_recorder_new_append         (const char             *run_path,
                                              const QksTrainConfig   *config,
                                              guint                   resume_step,
                                              const QksDiagOptions   *options,
                                              GError                **error);
void         qks_recorder_free               (QksRecorder            *self);
void         qks_recorder_attach             (QksRecorder            *self,
                                              QksTrainer             *trainer);
void         qks_recorder_set_snapshot_func  (QksRecorder            *self,
                                              QksRecorderSnapshotFunc func,
                                              gpointer                user_data);
void         qks_recorder_add_step           (QksRecorder            *self,
                                              const QksTrainProgress *progress,
                                              double                  flops_per_step);
void         qks_recorder_add_input          (QksRecorder            *self,
                                              QksDiagInput           *input);
void         qks_recorder_add_checkpoint     (QksRecorder            *self,
                                              QksTrainer             *trainer);
gboolean     qks_recorder_has_failed         (QksRecorder            *self);
gboolean     qks_recorder_finish             (QksRecorder            *self,
                                              GError                **error);
double       qks_recorder_get_diag_seconds   (QksRecorder            *self);
guint        qks_recorder_get_n_snapshots    (QksRecorder            *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksRecorder, qks_recorder_free)

G_END_DECLS
