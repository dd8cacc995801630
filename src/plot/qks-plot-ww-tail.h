/* qks-plot-ww-tail.h: the log–log tail of a spectrum with weightwatcher's
 * power-law fit (SCIENCE.md b.5, c.11)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

typedef enum
{
  QKS_PLOT_WW_TAIL_CCDF,     /* the empirical P(Λ ≥ λ): every eigenvalue a point */
  QKS_PLOT_WW_TAIL_DENSITY,  /* the density in log-spaced bins, 10 per decade */
} QksPlotWwTailMode;

/* Everything the figure shows: plain values, borrowed for the call. */
typedef struct
{
  const char        *title;          /* "Layer 2 · QK form · step 400" */

  /* The eigenvalues as weightwatcher fits them (raw λ = s², any order);
   * the axes are logarithmic, so every value must be > 0. */
  const double      *eigenvalues;
  gsize              n_eigenvalues;

  /* The fit (QksWwMetrics alpha, xmin, alpha_sigma, ks_distance): the
   * continuous power law p(λ) ∝ λ^−α for λ ≥ xmin. Not drawn unless
   * α > 1 and xmin > 0 are finite; sigma and ks_distance may be NaN. */
  double             alpha;
  double             xmin;
  double             sigma;
  double             ks_distance;

  QksPlotWwTailMode  mode;
  const char        *x_label;        /* NULL: "Eigenvalue λ" */
} QksPlotWwTailData;

typedef struct
{
  QksPlotColor body;  /* eigenvalues below xmin: the bulk's neutral tint */
  QksPlotColor tail;  /* those the power law is fitted to: the accent */
  QksPlotColor fit;   /* the power law: solid, Okabe–Ito vermillion */
  QksPlotColor xmin;  /* the thin dashed line at xmin: the foreground */
} QksPlotWwTailStyle;

/* α above this reads as random-like (SCIENCE.md b.5): the legend says so. */
#define QKS_PLOT_WW_TAIL_ALPHA_UNRELIABLE 8.0

void qks_plot_ww_tail_draw      (cairo_t                 *cr,
                                 double                   width,
                                 double                   height,
                                 const QksPlotTheme      *theme,
                                 const QksPlotWwTailData *data);
char *qks_plot_ww_tail_query     (cairo_t                 *cr,
                                 double                   width,
                                 double                   height,
                                 const QksPlotTheme      *theme,
                                 const QksPlotWwTailData *data,
                                 double                   x,
                                 double                   y);
void qks_plot_ww_tail_get_style (const QksPlotTheme      *theme,
                                 QksPlotWwTailStyle      *style);

G_END_DECLS
