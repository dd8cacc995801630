/* qks-plot-colormap.h: colour maps for heatmaps and the palette for lines
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

#define QKS_PLOT_COLORMAP_SIZE 256
#define QKS_PLOT_PALETTE_SIZE  8

/* Perceptually uniform sequential maps: equal steps in value look like
 * equal steps in colour, and both read in grey and with the common colour
 * vision deficiencies. */
typedef enum
{
  QKS_PLOT_COLORMAP_VIRIDIS,  /* the default: dark blue → green → yellow */
  QKS_PLOT_COLORMAP_MAGMA,    /* black → purple → cream: a second quantity */
} QksPlotColormap;

#define QKS_PLOT_N_COLORMAPS (QKS_PLOT_COLORMAP_MAGMA + 1)

const char   *qks_plot_colormap_name      (QksPlotColormap  map);
gboolean      qks_plot_colormap_from_name (const char      *name,
                                           QksPlotColormap *map);
const double *qks_plot_colormap_entry     (QksPlotColormap  map,
                                           guint            index);
QksPlotColor  qks_plot_colormap_lookup    (QksPlotColormap  map,
                                           double           t);
QksPlotColor  qks_plot_colormap_missing   (void);

QksPlotColor  qks_plot_palette_color      (guint            index,
                                           gboolean         dark);

G_END_DECLS
