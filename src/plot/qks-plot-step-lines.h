/* qks-plot-step-lines.h: a metric over training steps, one line per layer
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

/* SCIENCE.md (c) 3 and 8: effective rank %, MP soft rank, stable rank or
 * HDI over the recorded steps, a line per layer, with the rank-collapse
 * events of b.6 marked on the lines. A zero-filled struct asks for the
 * defaults: linear x, y range from the data, no events, no current step. */
typedef struct
{
  const char           *title;           /* nullable: "Effective rank per layer · MHA" */
  const char           *metric;          /* the y label: "Effective rank" */
  const char           *unit;            /* nullable: "%", appended as "(%)" */

  guint                 n_layers;
  const double         *steps;           /* n_steps recorded steps: finite, ≥ 0, increasing */
  guint                 n_steps;
  const double         *values;          /* n_values = n_layers × n_steps, layer by layer:
                                          * values[layer * n_steps + i]; NaN breaks the line */
  gsize                 n_values;
  const char * const   *layer_labels;    /* nullable: n_layer_labels legend names, first
                                          * layer first; else "Layer 0", "Layer 1" … */
  guint                 n_layer_labels;

  /* Rank-collapse events (or any other): per layer, the steps at which a
   * marker sits on that layer's line. Both NULL, or both n_layers long. */
  const double * const *events;          /* events[layer]: n_events[layer] steps */
  const guint          *n_events;
  const char           *event_label;     /* nullable: the legend's name for the marker,
                                          * by default "Rank collapse" */

  QksPlotScale          x_scale;         /* linear, or log(1 + step) (log means it too) */
  gboolean              fixed_y;         /* y from y_min to y_max, e.g. 0 to 100 % */
  double                y_min;
  double                y_max;

  gboolean              has_current_step;
  double                current_step;
} QksStepLinesData;

void qks_plot_step_lines_draw (cairo_t                *cr,
                               double                  width,
                               double                  height,
                               const QksPlotTheme     *theme,
                               const QksStepLinesData *data);
char *qks_plot_step_lines_query (cairo_t                *cr,
                                 double                  width,
                                 double                  height,
                                 const QksPlotTheme     *theme,
                                 const QksStepLinesData *data,
                                 double                  x,
                                 double                  y);

G_END_DECLS
