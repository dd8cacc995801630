/* qks-plot-ticks.c: where the tick marks of an axis go, and how they read
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-ticks.h"

/* Ticks at multiples of 1, 2 or 5 × 10^k read at a glance (Heckbert,
 * "Nice numbers for graph labels", Graphics Gems, 1990). Of the steps that
 * keep the count within max_ticks, take the smallest. */
static const double nice_mantissas[] = { 1.0, 2.0, 5.0, 10.0 };

/**
 * qks_plot_linear_ticks:
 * @low: the lower end of the axis
 * @high: the upper end of the axis, > @low
 * @max_ticks: at most this many ticks (2 to %QKS_PLOT_MAX_TICKS)
 * @ticks: (out): the tick values, all within [@low, @high]
 *
 * Returns: %FALSE when the range is empty or not finite.
 */
gboolean
qks_plot_linear_ticks (double    low,
                       double    high,
                       guint     max_ticks,
                       QksTicks *ticks)
{
  double span, magnitude;

  ticks->count = 0;
  ticks->logarithmic = FALSE;
  if (!isfinite (low) || !isfinite (high) || !(high > low))
    return FALSE;

  max_ticks = CLAMP (max_ticks, 2, QKS_PLOT_MAX_TICKS);
  span = high - low;
  magnitude = pow (10.0, floor (log10 (span / (double) max_ticks)));

  for (guint attempt = 0; attempt < 3; attempt++, magnitude *= 10.0)
    for (guint i = 0; i < G_N_ELEMENTS (nice_mantissas); i++)
      {
        double step = nice_mantissas[i] * magnitude;
        double first = ceil (low / step - 1e-9) * step;
        guint count = (guint) floor ((high - first) / step + 1e-9) + 1;

        if (count > max_ticks)
          continue;

        ticks->step = step;
        ticks->count = count;
        for (guint t = 0; t < count; t++)
          {
            double value = first + step * t;

            /* Keep an exact zero from printing as "-0" or "1e-17". */
            ticks->values[t] = fabs (value) < step * 1e-9 ? 0.0 : value;
          }
        ticks->decimals = MAX (0, (int) -floor (log10 (step) + 1e-9));
        return TRUE;
      }

  return FALSE;
}

/**
 * qks_plot_log_ticks:
 * @low: the lower end of the axis, > 0
 * @high: the upper end of the axis, > @low
 * @max_ticks: at most this many ticks
 * @ticks: (out): ticks at powers of ten, every @ticks->step decades
 *
 * Returns: %FALSE when the range is not positive and finite, or holds no
 *   power of ten.
 */
gboolean
qks_plot_log_ticks (double    low,
                    double    high,
                    guint     max_ticks,
                    QksTicks *ticks)
{
  int first_decade, last_decade, stride;

  ticks->count = 0;
  ticks->logarithmic = TRUE;
  if (!isfinite (low) || !isfinite (high) || !(low > 0.0) || !(high > low))
    return FALSE;

  max_ticks = CLAMP (max_ticks, 2, QKS_PLOT_MAX_TICKS);
  first_decade = (int) ceil (log10 (low) - 1e-9);
  last_decade = (int) floor (log10 (high) + 1e-9);
  if (last_decade < first_decade)
    return FALSE;

  stride = 1;
  while ((last_decade - first_decade) / stride + 1 > (int) max_ticks)
    stride++;

  for (int decade = first_decade; decade <= last_decade; decade += stride)
    ticks->values[ticks->count++] = pow (10.0, decade);
  ticks->step = stride;
  ticks->decimals = MAX (0, -first_decade);
  return TRUE;
}

/**
 * qks_plot_format_tick:
 *
 * Returns: (transfer full): @value with just enough decimals to tell the
 *   ticks apart ("0.25", "100"), or in scientific form for very large or
 *   small values ("1e-06").
 */
char *
qks_plot_format_tick (const QksTicks *ticks,
                      double          value)
{
  double magnitude = fabs (value);

  if (ticks->logarithmic)
    return g_strdup_printf ("%g", value);
  if (magnitude != 0.0 && (magnitude >= 1e6 || magnitude < 1e-4))
    {
      /* As many significant digits as the step needs: 1.5e-05, not 2e-05. */
      int digits = (int) floor (log10 (magnitude)) - (int) floor (log10 (ticks->step) + 1e-9);

      return g_strdup_printf ("%.*e", CLAMP (digits, 0, 6), value);
    }
  return g_strdup_printf ("%.*f", MIN (ticks->decimals, 6), value);
}
