/* qks-plot-kqsvd.h: how well a rank-r cache keeps the attention scores:
 * KQ-SVD against keys-only SVD (SCIENCE.md a.6, c.10)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

#define QKS_PLOT_KQSVD_ALL_HEADS (-1)

/* One layer's curves, as the snapshot keeps them per head. */
typedef struct
{
  guint         n_heads;
  guint         length;     /* d_qk: the ranks r = 1 … length */
  const double *kqsvd;      /* n_heads × length, row-major: the "kqsvd" curves,
                             * ‖KQᵀ − (KQᵀ)_r‖_F / ‖KQᵀ‖_F */
  const double *keys_only;  /* n_heads × length: the "keys-only" curves,
                             * ‖KQᵀ − K_r Qᵀ‖_F / ‖KQᵀ‖_F */
  gsize         n_values;   /* of each array: must be n_heads × length */
  int           head;       /* one head, or QKS_PLOT_KQSVD_ALL_HEADS: the mean
                             * over heads with a band from the least to the most */
  gboolean      log_y;      /* a log error axis; exact (zero) errors end the lines */
  const char   *title;      /* (nullable) */
} QksPlotKqsvdData;

void qks_plot_kqsvd_draw (cairo_t                *cr,
                          double                  width,
                          double                  height,
                          const QksPlotTheme     *theme,
                          const QksPlotKqsvdData *data);
char *qks_plot_kqsvd_query (cairo_t                *cr,
                            double                  width,
                            double                  height,
                            const QksPlotTheme     *theme,
                            const QksPlotKqsvdData *data,
                            double                  x,
                            double                  y);

G_END_DECLS
