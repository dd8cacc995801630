/* qks-plot-steps.h: what the figures over training steps share
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-axes.h"
#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* Diagnostics are recorded at irregular steps (0, 1, 2, 4, … then every
 * N), so a step axis is linear or QKS_PLOT_SCALE_LOG1P, which holds step 0;
 * these helpers check a history, label its steps and draw the marks the
 * step figures have in common. */

char        *qks_plot_steps_problem        (const double       *steps,
                                            guint               n_steps,
                                            guint               min_steps);
char        *qks_plot_format_step          (double              step);
int          qks_plot_step_tick_priority   (double              step);
QksPlotScale qks_plot_step_scale           (QksPlotScale        requested);

QksPlotColor qks_plot_series_color         (guint               index,
                                            guint               count,
                                            gboolean            dark);

void         qks_plot_path_series          (const QksPlotAxes  *axes,
                                            cairo_t            *cr,
                                            const QksPlotTheme *theme,
                                            const double       *xs,
                                            const double       *ys,
                                            gsize               n);
void         qks_plot_draw_dense_series    (const QksPlotAxes  *axes,
                                            cairo_t            *cr,
                                            const QksPlotTheme *theme,
                                            const double       *xs,
                                            const double       *ys,
                                            gsize               n,
                                            const QksPlotColor *color,
                                            double              width);
void         qks_plot_sample_series        (const QksPlotAxes  *axes,
                                            const double       *xs,
                                            const double       *ys,
                                            gsize               n,
                                            QksPlotScale        x_scale,
                                            QksPlotScale        y_scale,
                                            GArray             *out_x,
                                            GArray             *out_y);
guint        qks_plot_count_points_in_rect (const QksPlotAxes  *axes,
                                            const double       *xs,
                                            const double       *ys,
                                            gsize               n,
                                            const QksPlotRect  *rect);
void         qks_plot_draw_marker          (cairo_t            *cr,
                                            double              x,
                                            double              y,
                                            double              radius,
                                            const QksPlotColor *fill,
                                            const QksPlotColor *ring,
                                            double              ring_width);
void         qks_plot_draw_step_cursor     (const QksPlotAxes  *axes,
                                            cairo_t            *cr,
                                            const QksPlotTheme *theme,
                                            double              step,
                                            const QksPlotRect  *keep_clear);
void         qks_plot_draw_tag             (cairo_t            *cr,
                                            const QksPlotTheme *theme,
                                            const char         *text,
                                            const QksPlotColor *color,
                                            double              x,
                                            double              y,
                                            double              xalign,
                                            double              yalign);

G_END_DECLS
