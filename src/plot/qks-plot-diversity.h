/* qks-plot-diversity.h: head diversity: the scree and cumulative variance
 * explained of the centred Gram, and effective rank per layer (SCIENCE.md
 * b.7, c.7)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

#define QKS_PLOT_DIVERSITY_MAX_SERIES 4

/* One run or variant's heads, as the snapshot keeps them. */
typedef struct
{
  const char   *label;                   /* (nullable) in the legend: "MHA", "step 1200" */
  const double *cumulative;              /* "variance-explained-qk/ov": [k − 1] = Σ_{i≤k} μ_i / Σ μ,
                                          * k = 1 … n_components, non-decreasing to 1 */
  guint         n_components;            /* H. The centring leaves H − 1 components
                                          * (μ_H = 0): those are drawn */
  double        effective_rank_percent;  /* "diversity_erank_pct"; NaN leaves it out; 0 with
                                          * Σ μ = 0 means identical heads */
} QksPlotDiversitySeries;

/* One series: bars of each component's share μ_k / Σ μ under the
 * cumulative line. Two to four: their cumulative lines overlaid. */
typedef struct
{
  const QksPlotDiversitySeries *series;
  guint                         n_series;  /* 1 … QKS_PLOT_DIVERSITY_MAX_SERIES */
  const char                   *form;      /* (nullable) "QK" or "OV", for the default title */
  const char                   *title;     /* (nullable) */
} QksPlotDiversityData;

/* The effective-rank % of the QK and OV forms' centred Gram, per layer. */
typedef struct
{
  guint         n_layers;
  const double *qk;        /* "diversity_erank_pct" of the QK forms, per layer */
  gsize         n_qk;      /* must be n_layers */
  const double *ov;        /* (nullable) of the OV forms */
  gsize         n_ov;      /* n_layers, or 0 without OV */
  guint         n_heads;   /* H, named in the axis label; 0 leaves it out */
  const char   *title;     /* (nullable) */
} QksPlotDiversityRanksData;

void qks_plot_diversity_draw       (cairo_t                         *cr,
                                    double                           width,
                                    double                           height,
                                    const QksPlotTheme              *theme,
                                    const QksPlotDiversityData      *data);
char *qks_plot_diversity_query       (cairo_t                         *cr,
                                     double                           width,
                                     double                           height,
                                     const QksPlotTheme              *theme,
                                     const QksPlotDiversityData      *data,
                                     double                           x,
                                     double                           y);
void qks_plot_diversity_ranks_draw (cairo_t                         *cr,
                                    double                           width,
                                    double                           height,
                                    const QksPlotTheme              *theme,
                                    const QksPlotDiversityRanksData *data);

G_END_DECLS
