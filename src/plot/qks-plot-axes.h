/* qks-plot-axes.h: the frame of a figure: margins, ticks, grid, labels,
 * title, legend and colour bar, and the data → device transform
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-colormap.h"
#include "qks-plot-theme.h"
#include "qks-plot-ticks.h"

G_BEGIN_DECLS

#define QKS_PLOT_AXES_ERROR (qks_plot_axes_error_quark ())

typedef enum
{
  QKS_PLOT_AXES_ERROR_NO_RANGE,   /* no finite value to span, or none > 0 on a log axis */
  QKS_PLOT_AXES_ERROR_TOO_SMALL,  /* the labels leave no room for the data */
} QksPlotAxesError;

typedef enum
{
  QKS_PLOT_SCALE_LINEAR,
  QKS_PLOT_SCALE_LOG,
  QKS_PLOT_SCALE_LOG1P,  /* log(1 + x): logarithmic, yet holds 0 (training step 0) */
} QksPlotScale;

typedef enum
{
  QKS_PLOT_LEGEND_TOP_RIGHT,
  QKS_PLOT_LEGEND_TOP_LEFT,
  QKS_PLOT_LEGEND_BOTTOM_RIGHT,
  QKS_PLOT_LEGEND_BOTTOM_LEFT,
  QKS_PLOT_LEGEND_OUTSIDE_RIGHT,  /* beside the frame: layout makes room */
  QKS_PLOT_LEGEND_BEST,           /* the inside corner over the fewest points */
} QksPlotLegendPlacement;

typedef enum
{
  QKS_PLOT_SWATCH_LINE,
  QKS_PLOT_SWATCH_MARKER,
  QKS_PLOT_SWATCH_PATCH,
} QksPlotSwatch;

typedef struct
{
  const char    *label;
  QksPlotColor   color;
  QksPlotSwatch  swatch;
  gboolean       dashed;  /* for QKS_PLOT_SWATCH_LINE */
} QksPlotLegendEntry;

typedef struct
{
  double x;
  double y;
  double width;
  double height;
} QksPlotRect;

/* A tick the figure places itself: a recorded step under a column, a layer
 * beside a row. */
typedef struct
{
  double      value;
  const char *label;     /* plain text; NULL for a minor tick */
  int         priority;  /* labels are shown a priority at a time, highest
                          * first, while all of one priority fit */
} QksPlotTick;

typedef struct _QksPlotAxes QksPlotAxes;

GQuark          qks_plot_axes_error_quark    (void);

QksPlotAxes    *qks_plot_axes_new            (const QksPlotTheme        *theme,
                                              double                     width,
                                              double                     height);
void            qks_plot_axes_free           (QksPlotAxes               *axes);

void            qks_plot_axes_set_title      (QksPlotAxes               *axes,
                                              const char                *title);
void            qks_plot_axes_set_x          (QksPlotAxes               *axes,
                                              double                     min,
                                              double                     max,
                                              QksPlotScale               scale,
                                              const char                *label);
void            qks_plot_axes_set_y          (QksPlotAxes               *axes,
                                              double                     min,
                                              double                     max,
                                              QksPlotScale               scale,
                                              const char                *label);
void            qks_plot_axes_set_x_categories (QksPlotAxes             *axes,
                                                const char *const       *categories,
                                                guint                    n_categories,
                                                const char              *label);
void            qks_plot_axes_set_y_categories (QksPlotAxes             *axes,
                                                const char *const       *categories,
                                                guint                    n_categories,
                                                const char              *label);
void            qks_plot_axes_set_x_tick_unit  (QksPlotAxes             *axes,
                                                double                   unit);
void            qks_plot_axes_set_y_tick_unit  (QksPlotAxes             *axes,
                                                double                   unit);
void            qks_plot_axes_set_colorbar_tick_unit (QksPlotAxes       *axes,
                                                      double             unit);
void            qks_plot_axes_set_x_ticks    (QksPlotAxes               *axes,
                                              const QksPlotTick         *ticks,
                                              guint                      n_ticks);
void            qks_plot_axes_set_y_ticks    (QksPlotAxes               *axes,
                                              const QksPlotTick         *ticks,
                                              guint                      n_ticks);
void            qks_plot_axes_set_legend     (QksPlotAxes               *axes,
                                              const QksPlotLegendEntry  *entries,
                                              guint                      n_entries,
                                              QksPlotLegendPlacement     placement);
void            qks_plot_axes_set_colorbar   (QksPlotAxes               *axes,
                                              QksPlotColormap            colormap,
                                              double                     min,
                                              double                     max,
                                              QksPlotScale               scale,
                                              const char                *label);

gboolean        qks_plot_axes_layout         (QksPlotAxes               *axes,
                                              cairo_t                   *cr,
                                              GError                   **error);
void            qks_plot_axes_get_frame      (const QksPlotAxes         *axes,
                                              QksPlotRect               *frame);
gboolean      qks_plot_axes_frame_contains (const QksPlotAxes *axes,
                                            double             x,
                                            double             y);
guint         qks_plot_axes_nearest_x     (const QksPlotAxes *axes,
                                            const double      *values,
                                            const double      *also_finite,
                                            guint              n,
                                            double             x);
guint         qks_plot_axes_nearest_category (const QksPlotAxes *axes,
                                              double             first,
                                              guint              n,
                                              double             x);
void            qks_plot_axes_get_x_range    (const QksPlotAxes         *axes,
                                              double                    *min,
                                              double                    *max);
void            qks_plot_axes_get_y_range    (const QksPlotAxes         *axes,
                                              double                    *min,
                                              double                    *max);
const QksTicks *qks_plot_axes_get_x_ticks    (const QksPlotAxes         *axes);
const QksTicks *qks_plot_axes_get_y_ticks    (const QksPlotAxes         *axes);
double          qks_plot_axes_x_to_device    (const QksPlotAxes         *axes,
                                              double                     x);
double          qks_plot_axes_y_to_device    (const QksPlotAxes         *axes,
                                              double                     y);
QksPlotColor    qks_plot_axes_colorbar_color (const QksPlotAxes         *axes,
                                              double                     value);
gboolean        qks_plot_axes_get_legend_box_at (const QksPlotAxes      *axes,
                                                 QksPlotLegendPlacement  placement,
                                                 QksPlotRect            *box);

void            qks_plot_axes_clip           (const QksPlotAxes         *axes,
                                              cairo_t                   *cr);
void            qks_plot_axes_draw_grid      (const QksPlotAxes         *axes,
                                              cairo_t                   *cr);
void            qks_plot_axes_draw_frame     (const QksPlotAxes         *axes,
                                              cairo_t                   *cr);
void            qks_plot_axes_draw_colorbar  (const QksPlotAxes         *axes,
                                              cairo_t                   *cr);
gboolean        qks_plot_axes_legend_fits_inside (const QksPlotAxes     *axes,
                                                  const double          *xs,
                                                  const double          *ys,
                                                  gsize                  n);
void            qks_plot_axes_draw_legend    (const QksPlotAxes         *axes,
                                              cairo_t                   *cr,
                                              const double              *avoid_x,
                                              const double              *avoid_y,
                                              gsize                      n_avoid);
gboolean        qks_plot_axes_get_legend_box (const QksPlotAxes         *axes,
                                              const double              *avoid_x,
                                              const double              *avoid_y,
                                              gsize                      n_avoid,
                                              QksPlotRect               *box);
void            qks_plot_axes_draw           (const QksPlotAxes         *axes,
                                              cairo_t                   *cr);

void            qks_plot_draw_background     (cairo_t                   *cr,
                                              double                     width,
                                              double                     height,
                                              const QksPlotTheme        *theme);
void            qks_plot_draw_empty_state    (cairo_t                   *cr,
                                              double                     width,
                                              double                     height,
                                              const QksPlotTheme        *theme,
                                              const char                *title,
                                              const char                *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksPlotAxes, qks_plot_axes_free)

G_END_DECLS
