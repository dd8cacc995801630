/* qks-plot-bulk-mass.h: how a form's spectral mass divides between its bulk
 * and its spikes over training (SCIENCE.md c.4)
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

/* Everything the figure shows: plain values, borrowed for the call. */
typedef struct
{
  const char    *title;       /* "Layer 3 · QK form" */

  /* One row per recorded step, in any order (drawn sorted by step). Steps
   * may be irregular, e.g. log-spaced early in training. */
  const double  *steps;
  const double  *spike_mass;  /* η = Σ_spikes λ / Σ λ at each step, in [0, 1] */
  gsize          n_steps;

  /* LINEAR, or LOG for log-spaced snapshots: every step must then be > 0
   * (step 0, the initialisation, cannot sit on a log axis). */
  QksPlotScale   x_scale;
  const char    *x_label;     /* NULL: "Training step" */
} QksPlotBulkMassData;

typedef struct
{
  QksPlotColor bulk;        /* the area of 1 − η: the ESD's bulk tint */
  QksPlotColor spike_area;  /* the area of η: a tint of the accent */
  QksPlotColor spike;       /* the line at η and the points at the steps: the accent */
} QksPlotBulkMassStyle;

/* Up to this many steps the recorded ones are marked with a point. */
#define QKS_PLOT_BULK_MASS_MAX_POINTS 80

void qks_plot_bulk_mass_draw      (cairo_t                   *cr,
                                   double                     width,
                                   double                     height,
                                   const QksPlotTheme        *theme,
                                   const QksPlotBulkMassData *data);
void qks_plot_bulk_mass_get_style (const QksPlotTheme        *theme,
                                   QksPlotBulkMassStyle      *style);

G_END_DECLS
