/* qks-plot-symmetry.c: the symmetric share of the QK forms' energy per
 * layer (SCIENCE.md a.6 HKT, c.9)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>

#include "qks-plot-axes.h"
#include "qks-plot-colormap.h"
#include "qks-plot-symmetry.h"
#include "qks-plot-text.h"

#define FRACTION_SLACK 1e-9
#define BAR_WIDTH      0.6   /* of a layer's band */
#define SPREAD         0.5   /* the heads' dots across this much of it */
#define BAR_TINT       0.45  /* the bar: this much of the dots' colour */
#define DOT_RADIUS     3.5   /* at most; smaller when the heads crowd */
#define GUIDE_GAP      4.0   /* frame → the reference's label */
#define RANDOM_LEVEL   0.5
#define REFERENCE_LABEL "random ≈ 0.5"

static const double guide_dashes[] = { 4.0, 3.0 };

static QksPlotColor
tint (const QksPlotColor *background,
      const QksPlotColor *color,
      double              amount)
{
  double a = amount * color->alpha;
  QksPlotColor result = {
    background->red * (1.0 - a) + color->red * a,
    background->green * (1.0 - a) + color->green * a,
    background->blue * (1.0 - a) + color->blue * a,
    1.0,
  };

  return result;
}

static char *
check_fractions (const double *values,
                 gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (values[i]))
        return g_strdup (_("The symmetric energies include values that are not numbers (NaN or infinite)."));
      if (values[i] < -FRACTION_SLACK || values[i] > 1.0 + FRACTION_SLACK)
        return g_strdup_printf (_("A symmetric energy of %.4g lies outside 0 to 1."), values[i]);
    }
  return NULL;
}

static char *
check_symmetry (const QksPlotSymmetryData *data)
{
  char *problem;

  if (data == NULL || data->n_layers == 0 || data->layer_fraction == NULL)
    return g_strdup (_("No symmetric-energy values yet."));
  if (data->head_fraction != NULL &&
      (data->n_heads == 0 || data->n_head_values != (gsize) data->n_layers * data->n_heads))
    return g_strdup_printf ("%" G_GSIZE_FORMAT " per-head values for %u layers of %u heads: the data do not match.",
                            data->n_head_values, data->n_layers, data->n_heads);
  if ((problem = check_fractions (data->layer_fraction, data->n_layers)) != NULL)
    return problem;
  if (data->head_fraction != NULL)
    return check_fractions (data->head_fraction, data->n_head_values);
  return NULL;
}

static double
head_offset (guint head,
             guint n_heads)
{
  return n_heads > 1 ? (head / (n_heads - 1.0) - 0.5) * SPREAD : 0.0;
}

/**
 * qks_plot_symmetry_draw:
 * @width: the allocation, in device-independent units
 * @height: the allocation
 * @data: (nullable): per layer, and optionally per head
 *
 * The symmetric share ‖S‖_F² / ‖M‖_F² of each layer's QK form (SCIENCE.md
 * c.9) as bars on a 0–1 scale, each head's share a dot over its layer's
 * bar (heads left to right in order), and 0.5, what random weights give,
 * marked as the reference: above it the layer's attention leans
 * reciprocal, below it directional.
 */
void
qks_plot_symmetry_draw (cairo_t                   *cr,
                        double                     width,
                        double                     height,
                        const QksPlotTheme        *theme,
                        const QksPlotSymmetryData *data)
{
  const char *title = data != NULL && data->title != NULL ? data->title : _("Symmetric energy of the QK forms");
  g_autofree char *problem = check_symmetry (data);
  g_autofree char *heads_label = NULL;
  g_autofree double *avoid_x = NULL;
  g_autofree double *avoid_y = NULL;
  g_autoptr(GPtrArray) categories = NULL;
  g_autoptr(QksPlotAxes) axes = NULL;
  g_autoptr(PangoLayout) reference = NULL;
  g_autoptr(GError) error = NULL;
  QksPlotLegendEntry entries[3];
  QksPlotColor dot_color, bar_color;
  QksPlotRect frame;
  gboolean with_heads, outside;
  guint n_entries = 1, n_avoid = 0, n_heads;
  double reference_width, y, radius;

  qks_plot_draw_background (cr, width, height, theme);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  with_heads = data->head_fraction != NULL;
  n_heads = with_heads ? data->n_heads : 0;

  dot_color = qks_plot_palette_color (0, theme->dark);
  bar_color = tint (&theme->background, &dot_color, BAR_TINT);
  entries[0] = (QksPlotLegendEntry) { "layer", bar_color, QKS_PLOT_SWATCH_PATCH, FALSE };
  if (with_heads)
    {
      heads_label = n_heads > 1 ? g_strdup_printf (_("heads 0–%u, left to right"), n_heads - 1) : g_strdup (_("head"));
      entries[n_entries++] = (QksPlotLegendEntry) { heads_label, dot_color, QKS_PLOT_SWATCH_MARKER, FALSE };
    }

  categories = g_ptr_array_new_with_free_func (g_free);
  for (guint l = 0; l < data->n_layers; l++)
    g_ptr_array_add (categories, g_strdup_printf ("%u", l));

  /* The reference's label sits right of the frame. */
  reference = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, REFERENCE_LABEL);
  {
    PangoRectangle logical;

    pango_layout_get_extents (reference, NULL, &logical);
    reference_width = ceil (logical.width / (double) PANGO_SCALE + GUIDE_GAP);
  }

  /* What the legend must not cover: the bars, all of them, and the dots. */
  avoid_x = g_new (double, (gsize) data->n_layers * (21 + n_heads));
  avoid_y = g_new (double, (gsize) data->n_layers * (21 + n_heads));
  for (guint l = 0; l < data->n_layers; l++)
    {
      double value = CLAMP (data->layer_fraction[l], 0.0, 1.0);

      for (guint q = 0; q <= 6; q++)
        for (guint side = 0; side < 3; side++)
          {
            avoid_x[n_avoid] = l + (side - 1.0) * BAR_WIDTH / 2.0;
            avoid_y[n_avoid++] = value * q / 6.0;
          }
      for (guint h = 0; h < n_heads; h++)
        {
          avoid_x[n_avoid] = l + head_offset (h, n_heads);
          avoid_y[n_avoid++] = CLAMP (data->head_fraction[(gsize) l * n_heads + h], 0.0, 1.0);
        }
    }

  /* The legend inside the frame if there is room clear of the data; else
   * beside it, naming the reference, which leaves it its label's room. */
  for (outside = FALSE; ; outside = TRUE)
    {
      if (outside)
        {
          QksPlotColor muted = theme->muted;

          entries[n_entries++] = (QksPlotLegendEntry) { REFERENCE_LABEL, muted, QKS_PLOT_SWATCH_LINE, TRUE };
          reference_width = 0.0;
        }
      g_clear_pointer (&axes, qks_plot_axes_free);
      axes = qks_plot_axes_new (theme, width - reference_width, height);
      qks_plot_axes_set_title (axes, title);
      qks_plot_axes_set_x_categories (axes, (const char *const *) categories->pdata, data->n_layers, _("Layer"));
      qks_plot_axes_set_y (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, _("Symmetric share ‖S‖² / ‖M‖²"));
      qks_plot_axes_set_legend (axes, entries, n_entries,
                                outside ? QKS_PLOT_LEGEND_OUTSIDE_RIGHT : QKS_PLOT_LEGEND_BEST);
      if (!qks_plot_axes_layout (axes, cr, &error))
        {
          qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
          return;
        }
      if (outside || qks_plot_axes_legend_fits_inside (axes, avoid_x, avoid_y, n_avoid))
        break;
    }
  qks_plot_axes_get_frame (axes, &frame);
  qks_plot_axes_draw_grid (axes, cr);

  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  qks_plot_set_source_color (cr, &bar_color);
  for (guint l = 0; l < data->n_layers; l++)
    {
      double value = CLAMP (data->layer_fraction[l], 0.0, 1.0);
      double x0 = round (qks_plot_axes_x_to_device (axes, l - BAR_WIDTH / 2.0));
      double x1 = round (qks_plot_axes_x_to_device (axes, l + BAR_WIDTH / 2.0));
      double y0 = round (qks_plot_axes_y_to_device (axes, value));
      double y1 = round (qks_plot_axes_y_to_device (axes, 0.0));

      cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  /* The reference under the dots, over the bars. */
  y = qks_plot_theme_snap (theme, cr, qks_plot_axes_y_to_device (axes, RANDOM_LEVEL), theme->axis_line_width);
  cairo_save (cr);
  qks_plot_set_source_color (cr, &theme->muted);
  cairo_set_line_width (cr, theme->axis_line_width);
  cairo_set_dash (cr, guide_dashes, G_N_ELEMENTS (guide_dashes), 0.0);
  cairo_move_to (cr, frame.x, y);
  cairo_line_to (cr, frame.x + frame.width, y);
  cairo_stroke (cr);
  cairo_restore (cr);
  if (!outside)
    qks_plot_show_layout (theme, cr, reference, &theme->muted, frame.x + frame.width + GUIDE_GAP, y, 0.0, 0.5);

  /* Dots no wider than the gap between neighbours, within reason. */
  radius = DOT_RADIUS;
  if (n_heads > 1)
    {
      double gap = qks_plot_axes_x_to_device (axes, head_offset (1, n_heads)) -
                   qks_plot_axes_x_to_device (axes, head_offset (0, n_heads));

      radius = CLAMP (0.6 * gap, 2.0, DOT_RADIUS);
    }

  cairo_save (cr);
  for (guint l = 0; l < data->n_layers; l++)
    for (guint h = 0; h < n_heads; h++)
      {
        double value = CLAMP (data->head_fraction[(gsize) l * n_heads + h], 0.0, 1.0);
        double x = l + head_offset (h, n_heads);

        /* One path per dot: a ring of background, then the dot. */
        cairo_new_path (cr);
        cairo_arc (cr, qks_plot_axes_x_to_device (axes, x), qks_plot_axes_y_to_device (axes, value),
                   radius, 0.0, 2.0 * G_PI);
        qks_plot_set_source_color (cr, &theme->background);
        cairo_set_line_width (cr, 1.5);
        cairo_stroke_preserve (cr);
        qks_plot_set_source_color (cr, &dot_color);
        cairo_fill (cr);
      }
  cairo_restore (cr);

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, avoid_x, avoid_y, n_avoid);
}
