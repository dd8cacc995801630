/* qks-plot-symmetry.h: the symmetric share of the QK forms' energy per
 * layer (SCIENCE.md a.6 HKT, c.9)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* ‖S‖_F² / ‖M‖_F², S = (M + Mᵀ)/2, for each layer's form and, optionally,
 * each head's. Layers are numbered from 0, as the snapshot numbers them. */
typedef struct
{
  guint         n_layers;
  const double *layer_fraction;  /* n_layers: the "symmetric_energy" of each layer */
  guint         n_heads;         /* 0 without per-head values */
  const double *head_fraction;   /* (nullable) n_layers × n_heads, row-major */
  gsize         n_head_values;   /* must be n_layers × n_heads when head_fraction is given */
  const char   *title;           /* (nullable) */
} QksPlotSymmetryData;

void qks_plot_symmetry_draw (cairo_t                   *cr,
                             double                     width,
                             double                     height,
                             const QksPlotTheme        *theme,
                             const QksPlotSymmetryData *data);

G_END_DECLS
