/* qks-figure-view.h: a widget that shows one figure, exports and copies it
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qks-figure.h"

G_BEGIN_DECLS

#define QKS_TYPE_FIGURE_VIEW (qks_figure_view_get_type ())

G_DECLARE_FINAL_TYPE (QksFigureView, qks_figure_view, QKS, FIGURE_VIEW, GtkWidget)

GtkWidget   *qks_figure_view_new             (void);
void         qks_figure_view_set_figure      (QksFigureView  *self,
                                              QksFigure      *figure);
QksFigure   *qks_figure_view_get_figure      (QksFigureView  *self);
void         qks_figure_view_export_to       (QksFigureView  *self,
                                              const char     *path);
void         qks_figure_view_set_message     (QksFigureView  *self,
                                              const char     *title,
                                              const char     *detail);
void         qks_figure_view_fill_theme      (GtkWidget      *widget,
                                              QksPlotTheme   *theme);
guint        qks_figure_view_get_n_draws     (QksFigureView  *self);

G_END_DECLS
