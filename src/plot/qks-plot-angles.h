/* qks-plot-angles.h: principal angles between the heads' subspaces: the
 * H × H heatmap and one pair's histogram (SCIENCE.md b.7, c.8)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* Whose column spaces are compared: W_Q,hᵀ, W_K,hᵀ or W_V,hᵀ. */
typedef enum
{
  QKS_PLOT_SUBSPACE_Q,
  QKS_PLOT_SUBSPACE_K,
  QKS_PLOT_SUBSPACE_V,
} QksPlotSubspace;

/* What the matrix holds, as the snapshot stores it. */
typedef enum
{
  QKS_PLOT_ANGLES_MEAN_ANGLE,  /* "angles-q/k/v": the mean principal angle, in
                                * radians; drawn in degrees on a fixed 0–90 scale */
  QKS_PLOT_ANGLES_OVERLAP,     /* "overlap-q/k/v": ω_ij = mean cos², on a fixed 0–1 scale */
} QksPlotAnglesQuantity;

/* One layer's heads, compared pairwise. Heads are numbered from 0, as the
 * snapshot and the command line number them; row i is drawn at the top
 * for i = 0, as a matrix is written. */
typedef struct
{
  guint                  n_heads;
  const double          *values;        /* n_heads × n_heads, row-major */
  gsize                  n_values;      /* must be n_heads²: a check on the caller */
  QksPlotAnglesQuantity  quantity;
  QksPlotSubspace        subspace;

  double                 hdi;           /* "hdi_q/k/v", in the title; NaN leaves it out */
  gboolean               shared_by_construction;  /* the metric's flag (SCIENCE.md f.6) */
  const char            *shared_reason; /* (nullable) why, e.g. "MQA" or "MLA: one latent
                                         * of width 32"; goes into the caption */
  const char            *title;         /* (nullable) a default names the subspace */

  /* A pair (i, j), i ≠ j, outlined on the heatmap and shown as a histogram
   * of its principal angles beside it; -1 (or i = j) for none. */
  int                    selected_i;
  int                    selected_j;
  const double          *pair_angles;   /* (nullable) the pair's principal angles, radians:
                                         * the "angles-q/k/v" curve of head index i·H + j */
  guint                  n_pair_angles;
} QksPlotAnglesData;

/* The histogram of one pair's principal angles, in degrees. */
typedef struct
{
  const double    *angles;      /* radians, in any order */
  guint            n_angles;
  guint            head_i;
  guint            head_j;
  QksPlotSubspace  subspace;
  const char      *title;       /* (nullable) a default names the pair */
} QksPlotAngleHistogramData;

void qks_plot_angles_draw          (cairo_t                         *cr,
                                    double                           width,
                                    double                           height,
                                    const QksPlotTheme              *theme,
                                    const QksPlotAnglesData         *data);
char *qks_plot_angles_query        (cairo_t                         *cr,
                                    double                           width,
                                    double                           height,
                                    const QksPlotTheme              *theme,
                                    const QksPlotAnglesData         *data,
                                    double                           x,
                                    double                           y);
void qks_plot_angle_histogram_draw (cairo_t                         *cr,
                                    double                           width,
                                    double                           height,
                                    const QksPlotTheme              *theme,
                                    const QksPlotAngleHistogramData *data);

G_END_DECLS
