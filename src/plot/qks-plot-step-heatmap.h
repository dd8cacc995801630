/* qks-plot-step-heatmap.h: a metric per layer and training step, as a heatmap
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-axes.h"
#include "qks-plot-colormap.h"
#include "qks-plot-theme.h"

G_BEGIN_DECLS

typedef enum
{
  /* One equal column per recorded step, ticks labelled with the steps:
   * every snapshot is visible, the early log-spaced ones as much as the
   * later ones (the default). */
  QKS_STEP_COLUMNS_UNIFORM,
  /* Each column spans from its step to the next recorded one on the x
   * scale (the last as wide as the gap before it): the axis is to scale,
   * and columns narrower than a pixel are not drawn. */
  QKS_STEP_COLUMNS_SPAN,
} QksStepColumns;

/* SCIENCE.md (c) 2: n_spikes, spike mass η or λ_max/λ₊ per layer (y, the
 * first layer at the bottom) and recorded step (x). A zero-filled struct
 * asks for the defaults: colour range from the data, viridis, uniform
 * columns, no current step. */
typedef struct
{
  const char          *title;           /* nullable: "Spikes above the product-law edge · MHA" */
  const char          *value_label;     /* nullable: the colour bar's label, with its unit */

  guint                n_layers;
  const double        *steps;           /* n_steps recorded steps: finite, ≥ 0, increasing */
  guint                n_steps;
  const double        *values;          /* n_values = n_layers × n_steps, layer by layer:
                                         * values[layer * n_steps + column]; NaN = not
                                         * computed, drawn in the missing grey */
  gsize                n_values;
  const char * const  *layer_labels;    /* nullable: n_layer_labels = n_layers names,
                                         * first layer first; else 0, 1, 2 … */
  guint                n_layer_labels;

  gboolean             shared_scale;    /* colour from color_min to color_max, so that
                                         * heatmaps of several runs compare */
  double               color_min;
  double               color_max;
  QksPlotScale         color_scale;     /* linear (default) or log */
  QksPlotColormap      colormap;

  QksStepColumns       columns;
  QksPlotScale         x_scale;         /* span columns: linear or log(1 + step) */

  gboolean             has_current_step;
  double               current_step;    /* outlined: the column of the last step ≤ it */
} QksStepHeatmapData;

void qks_plot_step_heatmap_draw (cairo_t                  *cr,
                                 double                    width,
                                 double                    height,
                                 const QksPlotTheme       *theme,
                                 const QksStepHeatmapData *data);
char *qks_plot_step_heatmap_query (cairo_t                  *cr,
                                   double                    width,
                                   double                    height,
                                   const QksPlotTheme       *theme,
                                   const QksStepHeatmapData *data,
                                   double                    x,
                                   double                    y);

G_END_DECLS
