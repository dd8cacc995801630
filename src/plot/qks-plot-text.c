/* qks-plot-text.c: drawing text, and the text layer that makes exported SVGs searchable
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-text.h"

static const cairo_user_data_key_t text_layer_key;

static void
free_item (gpointer data)
{
  QksPlotTextItem *item = data;

  g_free (item->text);
  g_free (item);
}

/**
 * qks_plot_text_layer_attach:
 *
 * Starts recording the text drawn on @surface (freed with it).
 */
void
qks_plot_text_layer_attach (cairo_surface_t *surface)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (free_item);

  cairo_surface_set_user_data (surface, &text_layer_key, items, (cairo_destroy_func_t) g_ptr_array_unref);
}

/**
 * qks_plot_text_layer_get:
 *
 * Returns: (transfer none) (nullable) (element-type QksPlotTextItem): the
 *   text drawn on @surface since qks_plot_text_layer_attach().
 */
GPtrArray *
qks_plot_text_layer_get (cairo_surface_t *surface)
{
  return cairo_surface_get_user_data (surface, &text_layer_key);
}

static void
record (cairo_t     *cr,
        PangoLayout *layout)
{
  GPtrArray *items = qks_plot_text_layer_get (cairo_get_target (cr));
  const PangoFontDescription *font = pango_layout_get_font_description (layout);
  QksPlotTextItem *item;
  double x = 0, y = pango_layout_get_baseline (layout) / (double) PANGO_SCALE;
  double dx = 1, dy = 0, size = 0;

  if (items == NULL)
    return;

  /* The baseline of the first line, and the text direction, in device space. */
  cairo_user_to_device (cr, &x, &y);
  cairo_user_to_device_distance (cr, &dx, &dy);
  if (font != NULL)
    size = pango_font_description_get_size (font) / (double) PANGO_SCALE;
  {
    double sx = 0, sy = size;

    cairo_user_to_device_distance (cr, &sx, &sy);
    size = hypot (sx, sy);
  }

  item = g_new0 (QksPlotTextItem, 1);
  item->text = g_strdup (pango_layout_get_text (layout));
  item->x = x;
  item->y = y;
  item->size = size;
  item->angle = atan2 (dy, dx) * 180.0 / G_PI;
  g_ptr_array_add (items, item);
}

/**
 * qks_plot_show_layout:
 *
 * Draws @layout with the point (@xalign, @yalign) of its logical box, each
 * 0 to 1, at (@x, @y). The origin goes on a whole device pixel: glyphs are
 * positioned in whole units, and cairo's image surfaces draw each glyph at
 * a whole pixel, so a fractional origin would make the spacing uneven.
 */
void
qks_plot_show_layout (const QksPlotTheme *theme,
                      cairo_t            *cr,
                      PangoLayout        *layout,
                      const QksPlotColor *color,
                      double              x,
                      double              y,
                      double              xalign,
                      double              yalign)
{
  double scale = qks_plot_theme_device_scale (theme, cr);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  x -= xalign * logical.width / (double) PANGO_SCALE + logical.x / (double) PANGO_SCALE;
  y -= yalign * logical.height / (double) PANGO_SCALE + logical.y / (double) PANGO_SCALE;
  qks_plot_set_source_color (cr, color);
  cairo_move_to (cr, round (x * scale) / scale, round (y * scale) / scale);
  cairo_save (cr);
  cairo_translate (cr, round (x * scale) / scale, round (y * scale) / scale);
  record (cr, layout);
  cairo_restore (cr);
  pango_cairo_show_layout (cr, layout);
}
