/* qks-plot-ticks.h: where the tick marks of an axis go, and how they read
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QKS_PLOT_MAX_TICKS 32

typedef struct
{
  guint  count;
  double values[QKS_PLOT_MAX_TICKS];
  double step;        /* linear: the spacing; log: the decades between ticks */
  int    decimals;    /* linear: digits after the point that tell ticks apart */
  gboolean logarithmic;
} QksTicks;

gboolean qks_plot_linear_ticks (double    low,
                                double    high,
                                guint     max_ticks,
                                QksTicks *ticks);
gboolean qks_plot_log_ticks    (double    low,
                                double    high,
                                guint     max_ticks,
                                QksTicks *ticks);
gboolean qks_plot_log1p_ticks  (double    low,
                                double    high,
                                guint     max_ticks,
                                QksTicks *ticks);
char    *qks_plot_format_tick  (const QksTicks *ticks,
                                double          value);
char    *qks_plot_format_power_of_ten (double   value);

G_END_DECLS
