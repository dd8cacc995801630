/* qks-session.h: one run in the app, live or loaded, and its history
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qks-checkpoint-watch.h"
#include "qks-diag.h"
#include "qks-history.h"
#include "qks-trainer.h"

G_BEGIN_DECLS

#define QKS_TYPE_SESSION (qks_session_get_type ())

G_DECLARE_FINAL_TYPE (QksSession, qks_session, QKS, SESSION, GObject)

typedef enum
{
  QKS_SESSION_EMPTY,      /* nothing yet */
  QKS_SESSION_LOADED,     /* a run read from a file */
  QKS_SESSION_RUNNING,
  QKS_SESSION_PAUSED,
  QKS_SESSION_FINISHED,
  QKS_SESSION_STOPPED,
  QKS_SESSION_FAILED,
} QksSessionState;

QksSession      *qks_session_new                (void);
QksSession      *qks_session_new_for_file       (const char           *path,
                                                 GError              **error);
QksSession      *qks_session_new_for_checkpoints (const char          *path,
                                                 const QksDiagOptions *options,
                                                 GError              **error);
QksCheckpointWatch *qks_session_get_checkpoints (QksSession           *self);
gboolean         qks_session_start              (QksSession           *self,
                                                 const QksTrainConfig *config,
                                                 const QksDiagOptions *options,
                                                 const char           *run_path,
                                                 GError              **error);
gboolean         qks_session_resume_run         (QksSession           *self,
                                                 const char           *run_path,
                                                 guint                 steps,
                                                 const QksDiagOptions *options,
                                                 GError              **error);
void             qks_session_pause              (QksSession           *self);
void             qks_session_resume             (QksSession           *self);
void             qks_session_stop               (QksSession           *self);

QksSessionState  qks_session_get_state          (QksSession           *self);
QksHistory      *qks_session_get_history        (QksSession           *self);
const char      *qks_session_get_title          (QksSession           *self);
const char      *qks_session_get_run_path       (QksSession           *self);
QksTrainer      *qks_session_get_trainer        (QksSession           *self);
const QksTrainProgress *qks_session_get_progress (QksSession          *self);
const GError    *qks_session_get_error          (QksSession           *self);
double           qks_session_get_longest_stall  (QksSession           *self);

G_END_DECLS
