/* qks-plot-pareto.h: KV-cache bytes against final loss, and the Pareto front
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;                /* drawn beside the point: "MLA-Decoupled" */
  double      kv_bytes_per_token;  /* all layers, SCIENCE.md a.7; > 0 */
  double      loss;                /* final validation loss; NaN: not finished */
} QksParetoPoint;

/* SCIENCE.md (c) 6: each run a labelled point (colours in order, as the
 * loss figure's), the front of the runs no other beats on both bytes and
 * loss drawn as a step line. A point without a finite loss or a positive
 * size (a run still training) is left out; with none left the figure says
 * so. */
typedef struct
{
  const char           *title;        /* nullable */
  const QksParetoPoint *points;
  guint                 n_points;
  const char           *loss_label;   /* nullable: the y label, by default
                                       * "Final loss (nats per token)" */
} QksParetoData;

void qks_plot_pareto_draw (cairo_t             *cr,
                           double               width,
                           double               height,
                           const QksPlotTheme  *theme,
                           const QksParetoData *data);
char *qks_plot_pareto_query (cairo_t             *cr,
                             double               width,
                             double               height,
                             const QksPlotTheme  *theme,
                             const QksParetoData *data,
                             double               x,
                             double               y);

G_END_DECLS
