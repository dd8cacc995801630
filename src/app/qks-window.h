/* qks-window.h: the main window: a run, its views and the timeline
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qks-application.h"
#include "qks-session.h"
#include "qks-timeline.h"

G_BEGIN_DECLS

#define QKS_TYPE_WINDOW (qks_window_get_type ())

G_DECLARE_FINAL_TYPE (QksWindow, qks_window, QKS, WINDOW, AdwApplicationWindow)

QksWindow   *qks_window_new          (QksApplication *application);
gboolean     qks_window_start_run    (QksWindow      *self,
                                      const QksTrainConfig *config,
                                      const QksDiagOptions *options);
gboolean     qks_window_open_file    (QksWindow      *self,
                                      GFile          *file,
                                      gboolean        compare);
guint        qks_window_export_view  (QksWindow      *self,
                                      const char     *directory,
                                      gboolean        all_formats,
                                      GError        **error);
void         qks_window_show_toast   (QksWindow      *self,
                                      const char     *message);
void         qks_window_show_error   (QksWindow      *self,
                                      const char     *heading,
                                      const char     *message);
void         qks_window_show_page    (QksWindow      *self,
                                      const char     *name);
QksSession  *qks_window_get_session  (QksWindow      *self);
QksTimeline *qks_window_get_timeline (QksWindow      *self);
GPtrArray   *qks_window_get_pages    (QksWindow      *self);
void         qks_window_invalidate_figures (QksWindow *self);

G_END_DECLS
