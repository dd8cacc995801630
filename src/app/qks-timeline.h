/* qks-timeline.h: the scrubber over a run's recorded steps
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QKS_TYPE_TIMELINE (qks_timeline_get_type ())

G_DECLARE_FINAL_TYPE (QksTimeline, qks_timeline, QKS, TIMELINE, GtkWidget)

GtkWidget *qks_timeline_new             (void);
void       qks_timeline_set_steps       (QksTimeline *self,
                                         const guint *steps,
                                         guint        n_steps);
guint      qks_timeline_get_n_steps     (QksTimeline *self);
guint      qks_timeline_get_step        (QksTimeline *self);
void       qks_timeline_set_step        (QksTimeline *self,
                                         guint        step);
gboolean   qks_timeline_get_follow_live (QksTimeline *self);
void       qks_timeline_set_follow_live (QksTimeline *self,
                                         gboolean     follow_live);
gboolean   qks_timeline_move            (QksTimeline *self,
                                         int          delta);

G_END_DECLS
