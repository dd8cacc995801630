/* qks-plot-bulk-mass.c: how a form's spectral mass divides between its bulk
 * and its spikes over training (SCIENCE.md c.4)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <stdlib.h>

#include "qks-plot-bulk-mass.h"
#include "qks-plot-marks.h"

#define POINT_RADIUS     2.75
#define MASS_TOLERANCE   1e-9  /* rounding past 0 or 1 is clamped, more is an error */

#define DEFAULT_X_LABEL  _("Training step")
#define Y_LABEL          _("Spectral mass Σλ (%)")

typedef struct
{
  double step;
  double mass;
} Row;

static int
compare_rows (const void *a,
              const void *b)
{
  const Row *x = a, *y = b;

  return (x->step > y->step) - (x->step < y->step);
}

/**
 * qks_plot_bulk_mass_get_style:
 *
 * The colours of the figure in @theme, those of the ESD's bulk and spikes.
 */
void
qks_plot_bulk_mass_get_style (const QksPlotTheme   *theme,
                              QksPlotBulkMassStyle *style)
{
  style->bulk = qks_plot_color_mix (&theme->background, &theme->foreground, theme->dark ? 0.2 : 0.14);
  style->spike_area = qks_plot_color_mix (&theme->background, &theme->accent, theme->dark ? 0.5 : 0.4);
  style->spike = theme->accent;
}

static const char *
check_data (const QksPlotBulkMassData *data)
{
  if (data == NULL || data->steps == NULL || data->spike_mass == NULL || data->n_steps == 0)
    return _("No steps recorded yet");
  if (data->n_steps == 1)
    return _("One step recorded: the balance over training needs at least two");
  switch (qks_plot_check_values (data->steps, data->n_steps,
                                 data->x_scale == QKS_PLOT_SCALE_LOG ? QKS_PLOT_CHECK_POSITIVE
                                                                     : QKS_PLOT_CHECK_FINITE))
    {
    case QKS_PLOT_VALUES_OK:
      break;
    case QKS_PLOT_VALUES_NOT_POSITIVE:
    case QKS_PLOT_VALUES_NEGATIVE:
      return _("Step 0 or a negative step cannot sit on a logarithmic axis: use a linear one");
    case QKS_PLOT_VALUES_OUT_OF_RANGE:
      return _("The steps lie beyond the range a figure can show");
    case QKS_PLOT_VALUES_NOT_FINITE:
    case QKS_PLOT_VALUES_MISSING:
    default:
      return _("The steps hold NaN or infinite values");
    }
  if (qks_plot_check_values (data->spike_mass, data->n_steps, QKS_PLOT_CHECK_FINITE) != QKS_PLOT_VALUES_OK)
    return _("The spike mass holds NaN or infinite values");
  for (gsize i = 0; i < data->n_steps; i++)
    if (data->spike_mass[i] < -MASS_TOLERANCE || data->spike_mass[i] > 1.0 + MASS_TOLERANCE)
      return _("A spike mass lies outside 0 … 1, so it is no share of the spectrum");
  return NULL;
}

/**
 * qks_plot_bulk_mass_draw:
 * @data: (nullable): %NULL draws the empty state
 *
 * The balance between bulk and outliers over training (SCIENCE.md c.4): a
 * stacked area of the spike mass η (below, in the accent colour, so that
 * its top reads as η on the axis) and the bulk mass 1 − η (above, neutral)
 * against the step, with a point at each recorded step while there are at
 * most %QKS_PLOT_BULK_MASS_MAX_POINTS. Data that cannot be drawn give the
 * empty state with the reason.
 */
void
qks_plot_bulk_mass_draw (cairo_t                   *cr,
                         double                     width,
                         double                     height,
                         const QksPlotTheme        *theme,
                         const QksPlotBulkMassData *data)
{
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree Row *rows = NULL;
  QksPlotBulkMassStyle style;
  QksPlotLegendEntry entries[2];
  const char *problem;
  gsize n;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (theme != NULL);

  qks_plot_draw_background (cr, width, height, theme);
  problem = check_data (data);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data != NULL ? data->title : NULL, problem);
      return;
    }

  qks_plot_bulk_mass_get_style (theme, &style);
  n = data->n_steps;
  rows = g_new (Row, n);
  for (gsize i = 0; i < n; i++)
    rows[i] = (Row) { data->steps[i], CLAMP (data->spike_mass[i], 0.0, 1.0) };
  qsort (rows, n, sizeof (Row), compare_rows);

  /* The areas fill the frame: the legend goes beside it. */
  entries[0] = (QksPlotLegendEntry) { _("Bulk mass 1 − η"), style.bulk, QKS_PLOT_SWATCH_PATCH, FALSE };
  entries[1] = (QksPlotLegendEntry) { _("Spike mass η"), style.spike_area, QKS_PLOT_SWATCH_PATCH, FALSE };

  axes = qks_plot_axes_new (theme, width, height);
  if (data->title != NULL)
    qks_plot_axes_set_title (axes, data->title);
  qks_plot_axes_set_x (axes, rows[0].step, rows[n - 1].step, data->x_scale,
                       data->x_label != NULL ? data->x_label : DEFAULT_X_LABEL);
  qks_plot_axes_set_y (axes, 0.0, 100.0, QKS_PLOT_SCALE_LINEAR, Y_LABEL);
  qks_plot_axes_set_legend (axes, entries, G_N_ELEMENTS (entries), QKS_PLOT_LEGEND_OUTSIDE_RIGHT);
  if (!qks_plot_axes_layout (axes, cr, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data->title, error->message);
      return;
    }

  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);

  /* η from 0 up, then 1 − η from η up to 100 %. */
  cairo_move_to (cr, qks_plot_axes_x_to_device (axes, rows[0].step), qks_plot_axes_y_to_device (axes, 0.0));
  for (gsize i = 0; i < n; i++)
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, rows[i].step),
                   qks_plot_axes_y_to_device (axes, 100.0 * rows[i].mass));
  cairo_line_to (cr, qks_plot_axes_x_to_device (axes, rows[n - 1].step), qks_plot_axes_y_to_device (axes, 0.0));
  cairo_close_path (cr);
  qks_plot_set_source_color (cr, &style.spike_area);
  cairo_fill (cr);

  for (gsize i = 0; i < n; i++)
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, rows[i].step),
                   qks_plot_axes_y_to_device (axes, 100.0 * rows[i].mass));
  cairo_line_to (cr, qks_plot_axes_x_to_device (axes, rows[n - 1].step), qks_plot_axes_y_to_device (axes, 100.0));
  cairo_line_to (cr, qks_plot_axes_x_to_device (axes, rows[0].step), qks_plot_axes_y_to_device (axes, 100.0));
  cairo_close_path (cr);
  qks_plot_set_source_color (cr, &style.bulk);
  cairo_fill (cr);

  /* The grid over the areas, faint, so that η can be read off; the line
   * and the points unclipped, whole at the first and last steps. */
  cairo_restore (cr);
  qks_plot_axes_draw_grid (axes, cr);
  cairo_save (cr);

  for (gsize i = 0; i < n; i++)
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, rows[i].step),
                   qks_plot_axes_y_to_device (axes, 100.0 * rows[i].mass));
  qks_plot_set_line_style (cr, QKS_PLOT_LINE_SOLID, theme->line_width);
  qks_plot_set_source_color (cr, &style.spike);
  cairo_stroke (cr);

  if (n <= QKS_PLOT_BULK_MASS_MAX_POINTS)
    {
      cairo_new_path (cr);
      for (gsize i = 0; i < n; i++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, qks_plot_axes_x_to_device (axes, rows[i].step),
                     qks_plot_axes_y_to_device (axes, 100.0 * rows[i].mass), POINT_RADIUS, 0.0, 2.0 * G_PI);
        }
      cairo_fill (cr);
    }
  cairo_restore (cr);

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, NULL, NULL, 0);
}
