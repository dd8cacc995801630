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
 * qks_plot_log1p_ticks:
 * @low: the lower end of the axis, > −1
 * @high: the upper end of the axis, > @low
 * @max_ticks: at most this many ticks
 * @ticks: (out): 0 if in range, then powers of ten every @ticks->step decades
 *
 * The ticks of a log(1 + x) axis, which holds 0 (training step 0) and reads
 * as a log axis further out: 0, 1, 10, 100, 1000.
 *
 * Returns: %FALSE when the range is not finite or holds neither 0 nor a
 *   power of ten ≥ 1.
 */
gboolean
qks_plot_log1p_ticks (double    low,
                      double    high,
                      guint     max_ticks,
                      QksTicks *ticks)
{
  gboolean zero;
  int first_decade, last_decade, stride, n_decades;

  ticks->count = 0;
  ticks->logarithmic = TRUE;
  ticks->step = 1.0;
  ticks->decimals = 0;
  if (!isfinite (low) || !isfinite (high) || !(low > -1.0) || !(high > low))
    return FALSE;

  max_ticks = CLAMP (max_ticks, 2, QKS_PLOT_MAX_TICKS);
  zero = low <= 0.0 && high >= 0.0;
  first_decade = (int) ceil (log10 (MAX (low, 1.0)) - 1e-9);
  last_decade = high >= 1.0 ? (int) floor (log10 (high) + 1e-9) : first_decade - 1;
  n_decades = last_decade >= first_decade ? last_decade - first_decade + 1 : 0;
  if (!zero && n_decades == 0)
    return FALSE;

  stride = 1;
  while ((n_decades > 0 ? (n_decades - 1) / stride + 1 : 0) + (zero ? 1 : 0) > (int) max_ticks)
    stride++;

  if (zero)
    ticks->values[ticks->count++] = 0.0;
  /* With a stride, keep the largest decade and count down from it, so that
   * the far end, where the data of a long run lies, is labelled. */
  for (int decade = last_decade - ((n_decades - 1) / stride) * stride;
       n_decades > 0 && decade <= last_decade && ticks->count < QKS_PLOT_MAX_TICKS;
       decade += stride)
    ticks->values[ticks->count++] = pow (10.0, decade);
  ticks->step = stride;
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

/**
 * qks_plot_format_power_of_ten:
 *
 * Returns: (transfer full): @value, a power of ten, as "10⁻¹¹" in plain
 *   text (superscript digits, a true minus), for log axes drawn without
 *   markup.
 */
char *
qks_plot_format_power_of_ten (double value)
{
  static const char * const superscripts[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  int exponent = (int) lround (log10 (value));
  g_autofree char *digits = g_strdup_printf ("%d", abs (exponent));
  GString *text = g_string_new ("10");

  if (exponent < 0)
    g_string_append (text, "⁻");
  for (const char *c = digits; *c != '\0'; c++)
    g_string_append (text, superscripts[*c - '0']);
  return g_string_free (text, FALSE);
}
