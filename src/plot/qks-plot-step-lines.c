/* qks-plot-step-lines.c: a metric over training steps, one line per layer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "qks-plot-step-lines.h"
#include "qks-plot-steps.h"

#define EVENT_RADIUS 4.5
#define Y_MARGIN     0.06  /* of the data's span, above and below */

static char *
find_problem (const QksStepLinesData *data)
{
  char *problem;
  gboolean any = FALSE;

  if (data == NULL)
    return g_strdup (_("No data."));
  if ((problem = qks_plot_steps_problem (data->steps, data->n_steps, 2)) != NULL)
    return problem;
  if (data->n_layers == 0)
    return g_strdup (_("The run has no layers to show."));
  if (data->values == NULL || data->n_values != (gsize) data->n_layers * data->n_steps)
    return g_strdup_printf (_("The values do not match the steps: %zu values for %u layers × %u steps."),
                            data->values != NULL ? data->n_values : 0, data->n_layers, data->n_steps);
  if (data->layer_labels != NULL && data->n_layer_labels != data->n_layers)
    return g_strdup_printf (_("%u layer names for %u layers."), data->n_layer_labels, data->n_layers);
  if ((data->events == NULL) != (data->n_events == NULL))
    return g_strdup (_("The events come without their counts, or the counts without the events."));
  for (guint l = 0; data->events != NULL && l < data->n_layers; l++)
    {
      if (data->n_events[l] > 0 && data->events[l] == NULL)
        return g_strdup_printf (_("Layer %u has %u events but no steps for them."), l, data->n_events[l]);
      for (guint e = 0; e < data->n_events[l]; e++)
        if (!isfinite (data->events[l][e]) || data->events[l][e] < 0.0)
          return g_strdup_printf (_("An event of layer %u is not at a step (%g)."), l, data->events[l][e]);
    }
  for (gsize i = 0; i < data->n_values && !any; i++)
    any = isfinite (data->values[i]);
  if (!any)
    return g_strdup (_("No values computed yet."));
  if (data->fixed_y && (!isfinite (data->y_min) || !isfinite (data->y_max) || !(data->y_max > data->y_min)))
    return g_strdup_printf (_("The y range, %g to %g, is not a range."), data->y_min, data->y_max);
  return NULL;
}

/* Where the line of @layer passes at @step, in device units: at a
 * recorded step its value, between two the straight segment the line
 * draws there. FALSE where the line has a gap or @step is outside. */
static gboolean
point_on_line (const QksStepLinesData *data,
               const QksPlotAxes      *axes,
               guint                   layer,
               double                  step,
               double                 *x,
               double                 *y)
{
  const double *values = data->values + (gsize) layer * data->n_steps;
  guint hi = 0;

  while (hi < data->n_steps && data->steps[hi] < step)
    hi++;
  if (hi == data->n_steps)
    return FALSE;
  *x = qks_plot_axes_x_to_device (axes, step);
  if (data->steps[hi] == step)
    *y = qks_plot_axes_y_to_device (axes, values[hi]);
  else if (hi == 0)
    return FALSE;
  else
    {
      double x0 = qks_plot_axes_x_to_device (axes, data->steps[hi - 1]);
      double x1 = qks_plot_axes_x_to_device (axes, data->steps[hi]);
      double y0 = qks_plot_axes_y_to_device (axes, values[hi - 1]);
      double y1 = qks_plot_axes_y_to_device (axes, values[hi]);

      *y = y0 + (y1 - y0) * (*x - x0) / (x1 - x0);
    }
  return isfinite (*x) && isfinite (*y);
}

/* What the drawing and the tooltips share: the axes laid out for @data,
 * with the legend (one line per layer, then the events' marker). NULL with
 * @error set when the figure leaves no room. */
static QksPlotAxes *
lay_out (cairo_t                *cr,
         double                  width,
         double                  height,
         const QksPlotTheme     *theme,
         const QksStepLinesData *data,
         GPtrArray              *labels,
         GArray                 *legend,
         GError                **error)
{
  g_autofree char *y_label = NULL;
  QksPlotAxes *axes;
  double ymin = INFINITY, ymax = -INFINITY;
  guint n_layers = data->n_layers, n_events = 0;

  if (data->fixed_y)
    {
      ymin = data->y_min;
      ymax = data->y_max;
    }
  else
    {
      for (gsize i = 0; i < data->n_values; i++)
        if (isfinite (data->values[i]))
          {
            ymin = MIN (ymin, data->values[i]);
            ymax = MAX (ymax, data->values[i]);
          }
      if (ymax > ymin)
        {
          double margin = Y_MARGIN * (ymax - ymin);

          ymin -= margin;
          ymax += margin;
        }
    }

  for (guint l = 0; l < n_layers; l++)
    {
      char *label = data->layer_labels != NULL ? g_strdup (data->layer_labels[l])
                                               : g_strdup_printf (_("Layer %u"), l);
      QksPlotLegendEntry entry = { label, qks_plot_series_color (l, n_layers, theme->dark),
                                   QKS_PLOT_SWATCH_LINE, FALSE };

      g_ptr_array_add (labels, label);
      g_array_append_val (legend, entry);
      if (data->events != NULL)
        n_events += data->n_events[l];
    }
  if (n_events > 0)
    {
      /* Events in the foreground colour, ringed by the background: one
       * mark that reads on every line, its layer told by the line it sits on. */
      QksPlotLegendEntry entry = { data->event_label != NULL ? data->event_label : _("Rank collapse"),
                                   qks_plot_color_with_alpha (&theme->foreground, 1.0),
                                   QKS_PLOT_SWATCH_MARKER, FALSE };

      g_array_append_val (legend, entry);
    }

  if (data->unit != NULL && data->unit[0] != '\0')
    y_label = g_strdup_printf ("%s (%s)", data->metric != NULL ? data->metric : "", data->unit);
  else
    y_label = g_strdup (data->metric);

  axes = qks_plot_axes_new (theme, width, height);
  if (data->title != NULL)
    qks_plot_axes_set_title (axes, data->title);
  qks_plot_axes_set_x (axes, data->steps[0], data->steps[data->n_steps - 1], qks_plot_step_scale (data->x_scale),
                       _("Training step"));
  qks_plot_axes_set_y (axes, ymin, ymax, QKS_PLOT_SCALE_LINEAR, y_label);
  /* Beside the frame: lines per layer fill every corner of it. */
  qks_plot_axes_set_legend (axes, (const QksPlotLegendEntry *) legend->data, legend->len,
                            QKS_PLOT_LEGEND_OUTSIDE_RIGHT);
  if (!qks_plot_axes_layout (axes, cr, error))
    {
      qks_plot_axes_free (axes);
      return NULL;
    }
  return axes;
}

/**
 * qks_plot_step_lines_draw:
 * @data: (nullable): what to draw; malformed data draws an empty state
 *   that says what is wrong
 *
 * Draws the background, grid, a line per layer (Okabe–Ito colours for up
 * to eight layers, viridis by depth beyond), a marker on a layer's line at
 * each of its events, the current step, the frame and the legend.
 */
void
qks_plot_step_lines_draw (cairo_t                *cr,
                          double                  width,
                          double                  height,
                          const QksPlotTheme     *theme,
                          const QksStepLinesData *data)
{
  g_autofree char *problem = NULL;
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) legend = g_array_new (FALSE, TRUE, sizeof (QksPlotLegendEntry));
  const char *title = data != NULL ? data->title : NULL;
  QksPlotColor event_color, event_ring;
  guint n_layers, n_steps;

  qks_plot_draw_background (cr, width, height, theme);
  if ((problem = find_problem (data)) != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  if ((axes = lay_out (cr, width, height, theme, data, labels, legend, &error)) == NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      return;
    }
  n_layers = data->n_layers;
  n_steps = data->n_steps;
  event_color = qks_plot_color_with_alpha (&theme->foreground, 1.0);
  event_ring = theme->background;

  qks_plot_axes_draw_grid (axes, cr);

  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  cairo_set_line_width (cr, theme->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint l = 0; l < n_layers; l++)
    {
      const double *values = data->values + (gsize) l * n_steps;

      cairo_new_path (cr);
      qks_plot_path_series (axes, cr, theme, data->steps, values, n_steps);
      qks_plot_set_source_color (cr, &g_array_index (legend, QksPlotLegendEntry, l).color);
      cairo_stroke (cr);
    }
  for (guint l = 0; l < n_layers && data->events != NULL; l++)
    for (guint e = 0; e < data->n_events[l]; e++)
      {
        double x, y;

        if (point_on_line (data, axes, l, data->events[l][e], &x, &y))
          qks_plot_draw_marker (cr, x, y, EVENT_RADIUS, &event_color, &event_ring, 1.5);
      }
  cairo_restore (cr);

  if (data->has_current_step)
    qks_plot_draw_step_cursor (axes, cr, theme, data->current_step, NULL);
  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, NULL, NULL, 0);
}

/**
 * qks_plot_step_lines_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the layer whose line
 *   passes nearest (@x, @y) at the recorded step nearest @x, and its value
 *   there; NULL outside the plot or where the figure has no data.
 */
char *
qks_plot_step_lines_query (cairo_t                *cr,
                           double                  width,
                           double                  height,
                           const QksPlotTheme     *theme,
                           const QksStepLinesData *data,
                           double                  x,
                           double                  y)
{
  g_autofree char *problem = find_problem (data);
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) legend = g_array_new (FALSE, TRUE, sizeof (QksPlotLegendEntry));
  double best_dy = INFINITY;
  guint step_index, layer = G_MAXUINT;

  if (problem != NULL || (axes = lay_out (cr, width, height, theme, data, labels, legend, NULL)) == NULL)
    return NULL;
  if (!qks_plot_axes_frame_contains (axes, x, y))
    return NULL;

  /* The steps are finite and there are two or more (find_problem). */
  step_index = qks_plot_axes_nearest_x (axes, data->steps, NULL, data->n_steps, x);
  for (guint l = 0; l < data->n_layers; l++)
    {
      double value = data->values[(gsize) l * data->n_steps + step_index];
      double dy = fabs (qks_plot_axes_y_to_device (axes, value) - y);

      if (isfinite (value) && dy < best_dy)
        {
          best_dy = dy;
          layer = l;
        }
    }
  if (layer == G_MAXUINT)
    return NULL;

  /* Translators: a layer, a training step, then a metric's name, value and unit */
  return g_strdup_printf (_("%s · step %.0f\n%s %.4g%s%s"), (const char *) labels->pdata[layer],
                          data->steps[step_index], data->metric != NULL ? data->metric : "",
                          data->values[(gsize) layer * data->n_steps + step_index],
                          data->unit != NULL && data->unit[0] != '\0' ? " " : "",
                          data->unit != NULL ? data->unit : "");
}
