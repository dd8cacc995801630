/* qks-plot-marks.h: small pieces the spectral figures share: line styles,
 * colour mixing, checking data, short labels and legend rows
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

typedef enum
{
  QKS_PLOT_LINE_SOLID,
  QKS_PLOT_LINE_DASHED,  /* the pattern of a dashed legend swatch */
} QksPlotLineStyle;

/* What a series must hold to be drawn. */
typedef enum
{
  QKS_PLOT_CHECK_FINITE,
  QKS_PLOT_CHECK_NONNEGATIVE,
  QKS_PLOT_CHECK_POSITIVE,  /* for a logarithmic axis */
} QksPlotCheck;

/* Why it cannot, for the figure to say in its empty state. */
typedef enum
{
  QKS_PLOT_VALUES_OK,
  QKS_PLOT_VALUES_MISSING,       /* NULL with a length */
  QKS_PLOT_VALUES_NOT_FINITE,
  QKS_PLOT_VALUES_NEGATIVE,
  QKS_PLOT_VALUES_NOT_POSITIVE,  /* zero or negative, under QKS_PLOT_CHECK_POSITIVE */
  QKS_PLOT_VALUES_OUT_OF_RANGE,  /* beyond ±QKS_PLOT_VALUE_LIMIT, or a positive value
                                  * below 1/QKS_PLOT_VALUE_LIMIT on a log axis */
} QksPlotValuesProblem;

/* Values a figure can place: the axes' transforms and their margins stay
 * finite, and a log axis' decades stay countable. */
#define QKS_PLOT_VALUE_LIMIT 1e300

QksPlotColor qks_plot_color_mix        (const QksPlotColor      *base,
                                        const QksPlotColor      *over,
                                        double                   weight);
void         qks_plot_set_line_style   (cairo_t                 *cr,
                                        QksPlotLineStyle         style,
                                        double                   line_width);
void         qks_plot_stroke_vertical  (const QksPlotTheme      *theme,
                                        cairo_t                 *cr,
                                        double                   x,
                                        double                   y0,
                                        double                   y1,
                                        double                   line_width);

void         qks_plot_draw_label       (const QksPlotTheme      *theme,
                                        cairo_t                 *cr,
                                        QksPlotFont              font,
                                        const char              *text,
                                        const QksPlotColor      *color,
                                        double                   x,
                                        double                   y,
                                        double                   xalign,
                                        double                   yalign,
                                        double                   max_width,
                                        QksPlotRect             *extents);
void         qks_plot_measure_label    (const QksPlotTheme      *theme,
                                        cairo_t                 *cr,
                                        QksPlotFont              font,
                                        const char              *text,
                                        double                  *width,
                                        double                  *height);

double       qks_plot_legend_row_height (const QksPlotTheme     *theme,
                                         cairo_t                *cr);
double       qks_plot_legend_row_draw   (const QksPlotTheme     *theme,
                                         cairo_t                *cr,
                                         const QksPlotLegendEntry *entries,
                                         guint                   n_entries,
                                         double                  x,
                                         double                  y,
                                         double                  width,
                                         gboolean                draw);

QksPlotValuesProblem
             qks_plot_check_values     (const double            *values,
                                        gsize                    n_values,
                                        QksPlotCheck             check);
double      *qks_plot_sorted_copy      (const double            *values,
                                        gsize                    n_values);
double       qks_plot_quantile_sorted  (const double            *sorted,
                                        gsize                    n_values,
                                        double                   probability);

G_END_DECLS
