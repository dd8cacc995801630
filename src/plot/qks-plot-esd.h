/* qks-plot-esd.h: the eigenvalue histogram of a form against Marchenko–Pastur
 * and its null, one panel or one small panel per layer (SCIENCE.md c.1)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-law-chain.h"
#include "qks-plot-axes.h"
#include "qks-plot-theme.h"
#include "qks-snapshot.h"

G_BEGIN_DECLS

#define QKS_PLOT_ESD_MIN_BINS     10
#define QKS_PLOT_ESD_MAX_BINS     80
#define QKS_PLOT_ESD_NULL_NODES  512   /* what qks_plot_esd_tabulate_law() fills */

/* A linear x axis starts at 0 and shows every value up to 2.5 times the
 * largest of the bulk's top, λ₊ and λ_thr; when spikes lie beyond, it ends
 * there (at least 1.3 times that largest) and they are drawn as arrows at
 * the frame's right edge with their values, so that one far spike cannot
 * squash the bulk. A log axis shows everything. */
#define QKS_PLOT_ESD_SQUASH_RATIO 2.5

/* Everything one ESD panel shows: plain values, borrowed for the call. */
typedef struct
{
  /* The figure's title ("Layer 2 · QK form · step 400"); in a grid, the
   * panel's own short label ("Layer 2"). */
  const char    *title;

  /* The k analysed eigenvalues, raw λ = s²/N in any order, as a
   * QksSpectrumRecord holds them; drawn as λ̃ = λ/mean λ (values already
   * of mean 1 are unchanged). */
  const double  *eigenvalues;
  gsize          n_eigenvalues;

  /* The plain Marchenko–Pastur fit (b.3, the paper-compatible curve; the
   * diagnostics' "mp_sigma2" metric) with c = k/N. Not drawn unless
   * mp_sigma2 > 0 and 0 < mp_c ≤ 1. */
  double         mp_sigma2;
  double         mp_c;

  /* The null the spikes are counted against (b.4), in mean-1 units, as in
   * QksSpectrumRecord. A value that is NaN or ≤ 0 leaves its mark out. */
  const char    *null_law;          /* "mp", "product", "chain", "monte-carlo"; NULL: none */
  const char    *threshold;         /* "tw-edge-99", "tw-j-99", "tw-ww", "mc", … */
  double         sigma2;            /* the null's fitted scale */
  double         lambda_plus;       /* the null's bulk edge λ₊ */
  double         lambda_threshold;  /* λ_thr: values above it are spikes */

  /* The null's density at σ² = 1 on ascending x (qks_plot_esd_tabulate_law()),
   * drawn as ρ(x/σ²)/σ². Without it an "mp" null is drawn as MP(mp_c, σ²)
   * and any other null as no curve. */
  const double  *null_x;
  const double  *null_density;
  gsize          n_null;

  QksPlotScale   x_scale;           /* ignored in a grid: the grid's applies */
  const char    *x_label;           /* NULL: "Normalised eigenvalue λ/mean λ" */
  const char    *y_label;           /* NULL: "Density" (log x: "Density per decade") */
} QksPlotEsdData;

/* Per-layer small multiples for the Spectra view: one small ESD per layer,
 * shared x and y axes, one legend. */
typedef struct
{
  const char           *title;      /* "QK forms · MHA · step 400" */
  const QksPlotEsdData *panels;     /* each panel's title is its short label */
  guint                 n_panels;
  guint                 n_columns;  /* 0: chosen so that panels are about 4:3 */
  QksPlotScale          x_scale;
  const char           *x_label;    /* NULL: as a single panel's */
  const char           *y_label;
} QksPlotEsdGridData;

/* The colours of an ESD's marks in a theme. */
typedef struct
{
  QksPlotColor bulk;       /* histogram bars of the bulk: a neutral tint */
  QksPlotColor spike_bar;  /* bars of bins above λ_thr: a tint of the accent */
  QksPlotColor spike;      /* one rug tick or arrow per spike: the accent */
  QksPlotColor mp;         /* the MP fit: solid, Okabe–Ito vermillion */
  QksPlotColor null_law;   /* the null: dashed, Okabe–Ito bluish green */
  QksPlotColor edge;       /* λ₊: a thin solid line in the null's colour */
  QksPlotColor threshold;  /* λ_thr: a thin dashed line in the foreground */
} QksPlotEsdStyle;

/* Where the bins fall and what they hold, as drawn. */
typedef struct
{
  QksPlotScale x_scale;
  double       x_min;                  /* the frame's x range, in λ̃ */
  double       x_max;
  double       y_max;                  /* density (per decade on a log axis) */
  double       mean;                   /* of the raw values: λ̃ = λ/mean */
  guint        n_bins;
  double       edges[QKS_PLOT_ESD_MAX_BINS + 1];  /* λ̃; bins are (edges[i], edges[i + 1]] */
  guint        counts[QKS_PLOT_ESD_MAX_BINS];
  guint        first_spike_bin;        /* bins from here on lie above λ_thr; n_bins if none */
  gsize        n_values;
  gsize        n_spikes;               /* #{λ̃ > λ_thr}: one rug tick or arrow each */
  gsize        n_beyond;               /* of them, right of x_max: drawn as arrows */
} QksPlotEsdView;

void         qks_plot_esd_draw                (cairo_t                    *cr,
                                               double                      width,
                                               double                      height,
                                               const QksPlotTheme         *theme,
                                               const QksPlotEsdData       *data);
void         qks_plot_esd_grid_draw           (cairo_t                    *cr,
                                               double                      width,
                                               double                      height,
                                               const QksPlotTheme         *theme,
                                               const QksPlotEsdGridData   *data);
char        *qks_plot_esd_grid_query          (cairo_t                    *cr,
                                               double                      width,
                                               double                      height,
                                               const QksPlotTheme         *theme,
                                               const QksPlotEsdGridData   *data,
                                               double                      x,
                                               double                      y,
                                               int                        *panel_index);

gboolean     qks_plot_esd_compute_view        (const QksPlotEsdData       *data,
                                               QksPlotEsdView             *view,
                                               const char                **message);
void         qks_plot_esd_get_style           (const QksPlotTheme         *theme,
                                               QksPlotEsdStyle            *style);

void         qks_plot_esd_data_init_from_record (QksPlotEsdData          *data,
                                                 const QksSpectrumRecord *record);
void         qks_plot_esd_tabulate_law        (const QksChainLaw          *law,
                                               double                     *x,
                                               double                     *density,
                                               gsize                       n_nodes);

G_END_DECLS
