/* qks-plot-step-heatmap.c: a metric per layer and training step, as a heatmap
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "qks-plot-step-heatmap.h"
#include "qks-plot-steps.h"

/* Layer rows labelled where there is room: the first and last layer, then
 * multiples of 10, 5 and 2. */
static int
layer_priority (guint layer,
                guint n_layers)
{
  if (layer == 0 || layer + 1 == n_layers)
    return 100;
  if (layer % 10 == 0)
    return 30;
  if (layer % 5 == 0)
    return 20;
  if (layer % 2 == 0)
    return 10;
  return 0;
}

/* Why @data cannot be drawn, or NULL. */
static char *
find_problem (const QksStepHeatmapData *data)
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
  if (data->colormap >= QKS_PLOT_N_COLORMAPS)
    return g_strdup (_("Unknown colour map."));
  for (gsize i = 0; i < data->n_values && !any; i++)
    any = isfinite (data->values[i]);
  if (!any)
    return g_strdup (_("No values computed yet."));
  if (data->shared_scale && (!isfinite (data->color_min) || !isfinite (data->color_max) ||
                             data->color_min > data->color_max))
    return g_strdup_printf (_("The shared colour scale, %g to %g, is not a range."),
                            data->color_min, data->color_max);
  return NULL;
}

static void
color_range (const QksStepHeatmapData *data,
             double                   *min,
             double                   *max)
{
  gboolean log_scale = data->color_scale == QKS_PLOT_SCALE_LOG;

  if (data->shared_scale)
    {
      *min = data->color_min;
      *max = data->color_max;
      return;
    }
  *min = INFINITY;
  *max = -INFINITY;
  for (gsize i = 0; i < data->n_values; i++)
    if (isfinite (data->values[i]) && (!log_scale || data->values[i] > 0.0))
      {
        *min = MIN (*min, data->values[i]);
        *max = MAX (*max, data->values[i]);
      }
}

/* The left and right edges of column @i in data x. */
static void
column_edges (const QksStepHeatmapData *data,
              guint                     i,
              double                   *left,
              double                   *right)
{
  const double *steps = data->steps;
  guint n = data->n_steps;

  if (data->columns == QKS_STEP_COLUMNS_SPAN)
    {
      *left = steps[i];
      *right = i + 1 < n ? steps[i + 1] : steps[n - 1] + (steps[n - 1] - steps[n - 2]);
    }
  else
    {
      *left = i;
      *right = i + 1.0;
    }
}

static double
to_pixel (double value,
          double scale)
{
  return round (value * scale) / scale;
}

/* What the drawing and the tooltips share: the axes laid out for @data.
 * @labels keeps the tick labels alive; @x_ticks and @y_ticks too. NULL
 * with @error set when the figure leaves no room. */
static QksPlotAxes *
lay_out (cairo_t                  *cr,
         double                    width,
         double                    height,
         const QksPlotTheme       *theme,
         const QksStepHeatmapData *data,
         GPtrArray                *labels,
         QksPlotTick             **x_ticks,
         QksPlotTick             **y_ticks,
         GError                  **error)
{
  guint n_layers = data->n_layers, n_steps = data->n_steps;
  double cmin, cmax, xmin;

  QksPlotAxes *axes = qks_plot_axes_new (theme, width, height);
  if (data->title != NULL)
    qks_plot_axes_set_title (axes, data->title);

  if (data->columns == QKS_STEP_COLUMNS_SPAN)
    {
      double right;

      column_edges (data, n_steps - 1, &xmin, &right);
      qks_plot_axes_set_x (axes, data->steps[0], right, qks_plot_step_scale (data->x_scale),
                           _("Training step"));
    }
  else
    {
      *x_ticks = g_new0 (QksPlotTick, n_steps);
      for (guint i = 0; i < n_steps; i++)
        {
          char *label = qks_plot_format_step (data->steps[i]);

          g_ptr_array_add (labels, label);
          (*x_ticks)[i] = (QksPlotTick) { i + 0.5, label, qks_plot_step_tick_priority (data->steps[i]) };
        }
      qks_plot_axes_set_x (axes, 0.0, n_steps, QKS_PLOT_SCALE_LINEAR,
                           _("Training step (a column per recorded step)"));
      qks_plot_axes_set_x_ticks (axes, *x_ticks, n_steps);
    }

  *y_ticks = g_new0 (QksPlotTick, n_layers);
  for (guint l = 0; l < n_layers; l++)
    {
      char *label = data->layer_labels != NULL ? g_strdup (data->layer_labels[l]) : g_strdup_printf ("%u", l);

      g_ptr_array_add (labels, label);
      (*y_ticks)[l] = (QksPlotTick) { l, label, layer_priority (l, n_layers) };
    }
  qks_plot_axes_set_y (axes, -0.5, n_layers - 0.5, QKS_PLOT_SCALE_LINEAR, _("Layer"));
  qks_plot_axes_set_y_ticks (axes, *y_ticks, n_layers);

  color_range (data, &cmin, &cmax);
  qks_plot_axes_set_colorbar (axes, data->colormap, cmin, cmax,
                              data->color_scale == QKS_PLOT_SCALE_LOG ? QKS_PLOT_SCALE_LOG : QKS_PLOT_SCALE_LINEAR,
                              data->value_label);

  if (!qks_plot_axes_layout (axes, cr, error))
    {
      qks_plot_axes_free (axes);
      return NULL;
    }
  return axes;
}

/**
 * qks_plot_step_heatmap_draw:
 * @data: (nullable): what to draw; malformed data draws an empty state
 *   that says what is missing
 *
 * Draws the background, the cells (each its own fill, in the colour bar's
 * map; NaN in the missing grey), the outline of the current step's column,
 * the frame with layer and step ticks, and the colour bar.
 */
void
qks_plot_step_heatmap_draw (cairo_t                  *cr,
                            double                    width,
                            double                    height,
                            const QksPlotTheme       *theme,
                            const QksStepHeatmapData *data)
{
  g_autofree char *problem = NULL;
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree QksPlotTick *x_ticks = NULL;
  g_autofree QksPlotTick *y_ticks = NULL;
  const char *title = data != NULL ? data->title : NULL;
  double scale;
  guint n_layers, n_steps;

  qks_plot_draw_background (cr, width, height, theme);
  if ((problem = find_problem (data)) != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  n_layers = data->n_layers;
  n_steps = data->n_steps;
  if ((axes = lay_out (cr, width, height, theme, data, labels, &x_ticks, &y_ticks, &error)) == NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      return;
    }

  /* Cells on whole device pixels, so that neighbours meet without a seam. */
  scale = qks_plot_theme_device_scale (theme, cr);
  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  for (guint i = 0; i < n_steps; i++)
    {
      double left, right, x0, x1;

      column_edges (data, i, &left, &right);
      x0 = to_pixel (qks_plot_axes_x_to_device (axes, left), scale);
      x1 = to_pixel (qks_plot_axes_x_to_device (axes, right), scale);
      if (!(x1 > x0))
        continue;
      for (guint l = 0; l < n_layers; l++)
        {
          double y0 = to_pixel (qks_plot_axes_y_to_device (axes, l + 0.5), scale);
          double y1 = to_pixel (qks_plot_axes_y_to_device (axes, l - 0.5), scale);
          QksPlotColor color = qks_plot_axes_colorbar_color (axes, data->values[(gsize) l * n_steps + i]);

          qks_plot_set_source_color (cr, &color);
          cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);

  /* The current step: its column outlined, dark over a light halo (light
   * over dark in the dark theme), which reads over any colour of the map. */
  if (data->has_current_step && data->current_step >= data->steps[0])
    {
      QksPlotRect frame;
      guint column = 0;
      double left, right, x0, x1;

      while (column + 1 < n_steps && data->steps[column + 1] <= data->current_step)
        column++;
      column_edges (data, column, &left, &right);
      x0 = to_pixel (qks_plot_axes_x_to_device (axes, left), scale);
      x1 = to_pixel (qks_plot_axes_x_to_device (axes, right), scale);
      qks_plot_axes_get_frame (axes, &frame);
      if (x1 - x0 < 3.0)
        {
          double middle = (x0 + x1) / 2.0;

          x0 = middle - 1.5;
          x1 = middle + 1.5;
        }
      cairo_save (cr);
      cairo_rectangle (cr, x0, frame.y, x1 - x0, frame.height);
      cairo_set_line_width (cr, 3.0);
      qks_plot_set_source_color (cr, &theme->background);
      cairo_stroke_preserve (cr);
      cairo_set_line_width (cr, 1.5);
      qks_plot_set_source_color (cr, &theme->foreground);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_colorbar (axes, cr);
}

/**
 * qks_plot_step_heatmap_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the layer, the step
 *   and the value of the cell under (@x, @y); NULL outside the cells.
 */
char *
qks_plot_step_heatmap_query (cairo_t                  *cr,
                             double                    width,
                             double                    height,
                             const QksPlotTheme       *theme,
                             const QksStepHeatmapData *data,
                             double                    x,
                             double                    y)
{
  g_autofree char *problem = find_problem (data);
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree QksPlotTick *x_ticks = NULL;
  g_autofree QksPlotTick *y_ticks = NULL;
  g_autofree char *layer_name = NULL;
  double value;

  if (problem != NULL ||
      (axes = lay_out (cr, width, height, theme, data, labels, &x_ticks, &y_ticks, NULL)) == NULL)
    return NULL;
  if (!qks_plot_axes_frame_contains (axes, x, y))
    return NULL;

  for (guint i = 0; i < data->n_steps; i++)
    {
      double left, right;

      column_edges (data, i, &left, &right);
      if (x < qks_plot_axes_x_to_device (axes, left) || x >= qks_plot_axes_x_to_device (axes, right))
        continue;
      for (guint l = 0; l < data->n_layers; l++)
        {
          /* Layer l spans l − ½ to l + ½; y grows downwards on the device. */
          if (y < qks_plot_axes_y_to_device (axes, l + 0.5) || y >= qks_plot_axes_y_to_device (axes, l - 0.5))
            continue;
          value = data->values[(gsize) l * data->n_steps + i];
          layer_name = data->layer_labels != NULL ? g_strdup (data->layer_labels[l])
                                                  : g_strdup_printf (_("Layer %u"), l);
          if (!isfinite (value))
            /* Translators: a layer and a training step with no value */
            return g_strdup_printf (_("%s · step %.0f\nNo value"), layer_name, data->steps[i]);
          /* Translators: a layer, a training step, then what the colour shows and its value */
          return g_strdup_printf (_("%s · step %.0f\n%s %.4g"), layer_name, data->steps[i],
                                  data->value_label != NULL ? data->value_label : "", value);
        }
    }
  return NULL;
}
