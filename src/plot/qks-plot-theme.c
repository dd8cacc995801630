/* qks-plot-theme.c: the colours, fonts and line widths every figure shares
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-theme.h"

/* The GNOME UI font, then whatever sans-serif fontconfig has: Pango takes a
 * comma-separated list and uses the first family that is installed. */
#define DEFAULT_FONT_FAMILY "Cantarell, Sans"

/* Colours derived from the foreground by opacity, as libadwaita 1.2 derives
 * borders and dim labels from currentColor, so that a figure follows
 * whatever foreground the widget hands in. Muted text is darker than
 * Adwaita's .dim-label (0.55): tick labels are small and must stay legible. */
#define MUTED_OPACITY   0.70
#define AXIS_OPACITY    0.40
#define GRID_OPACITY    0.10
#define BORDER_OPACITY  0.15   /* borders: alpha(currentColor, .15) */

static void
theme_init_common (QksPlotTheme *theme)
{
  g_strlcpy (theme->font_family, DEFAULT_FONT_FAMILY, sizeof theme->font_family);

  /* Adwaita's type scale at 96 dpi: .caption is 9 pt, the body 11 pt,
   * .heading 11 pt bold; one point is 4/3 units. Axis labels sit between. */
  theme->small_font_size = 9.0 * 4.0 / 3.0;
  theme->body_font_size = 10.0 * 4.0 / 3.0;
  theme->title_font_size = 11.0 * 4.0 / 3.0;

  theme->line_width = 2.0;
  theme->axis_line_width = 1.0;
  theme->grid_line_width = 1.0;
  theme->tick_length = 5.0;
  theme->padding = 12.0;
  theme->spacing = 6.0;
  theme->scale = 0.0;
}

/**
 * qks_plot_theme_init_light:
 *
 * Fills @theme with libadwaita 1.2's light style (defaults-light.css).
 */
void
qks_plot_theme_init_light (QksPlotTheme *theme)
{
  QksPlotColor foreground = { 0.0, 0.0, 0.0, 0.8 };  /* window_fg_color */

  theme_init_common (theme);
  theme->dark = FALSE;
  theme->background = qks_plot_color_from_rgb (0xfafafa);  /* window_bg_color */
  theme->accent = qks_plot_color_from_rgb (0x1c71d8);      /* accent_color, @blue_4 */
  theme->card = qks_plot_color_from_rgb (0xffffff);        /* card_bg_color */
  qks_plot_theme_set_foreground (theme, &foreground);
}

/**
 * qks_plot_theme_init_dark:
 *
 * Fills @theme with libadwaita 1.2's dark style (defaults-dark.css).
 */
void
qks_plot_theme_init_dark (QksPlotTheme *theme)
{
  QksPlotColor foreground = { 1.0, 1.0, 1.0, 1.0 };  /* window_fg_color */

  theme_init_common (theme);
  theme->dark = TRUE;
  theme->background = qks_plot_color_from_rgb (0x242424);
  theme->accent = qks_plot_color_from_rgb (0x78aeed);
  /* card_bg_color is white at 8 % over the window; flattened here so that a
   * legend box hides the grid lines behind it. */
  theme->card = qks_plot_color_from_rgb (0x363636);
  qks_plot_theme_set_foreground (theme, &foreground);
}

/**
 * qks_plot_theme_set_foreground:
 *
 * Sets the text colour and derives the muted text, axis, grid and border
 * colours from it, so that a theme filled from a widget's CSS colour stays
 * consistent.
 */
void
qks_plot_theme_set_foreground (QksPlotTheme       *theme,
                               const QksPlotColor *foreground)
{
  theme->foreground = *foreground;
  theme->muted = qks_plot_color_with_alpha (foreground, foreground->alpha * MUTED_OPACITY);
  theme->axis = qks_plot_color_with_alpha (foreground, foreground->alpha * AXIS_OPACITY);
  theme->grid = qks_plot_color_with_alpha (foreground, foreground->alpha * GRID_OPACITY);
  theme->border = qks_plot_color_with_alpha (foreground, foreground->alpha * BORDER_OPACITY);
}

void
qks_plot_theme_set_font_family (QksPlotTheme *theme,
                                const char   *family)
{
  g_return_if_fail (family != NULL);

  g_strlcpy (theme->font_family, family, sizeof theme->font_family);
}

double
qks_plot_theme_font_size (const QksPlotTheme *theme,
                          QksPlotFont         font)
{
  switch (font)
    {
    case QKS_PLOT_FONT_SMALL:
      return theme->small_font_size;
    case QKS_PLOT_FONT_TITLE:
      return theme->title_font_size;
    case QKS_PLOT_FONT_BODY:
    default:
      return theme->body_font_size;
    }
}

/**
 * qks_plot_theme_create_layout:
 * @text: (nullable): plain text, not markup
 *
 * A layout in the theme's font at the size for @font. Font sizes are
 * absolute (units, not points), so the text measures the same on a screen
 * at any resolution and in a file. Metric hinting is off: it snaps advances
 * to whole device pixels, so a figure at 2× would lay out differently from
 * the same figure at 1×. Glyph positions are still rounded, but to whole
 * units, which keeps the spacing even at 1× and the same at 2×.
 *
 * Returns: (transfer full): a new layout
 */
PangoLayout *
qks_plot_theme_create_layout (const QksPlotTheme *theme,
                              cairo_t            *cr,
                              QksPlotFont         font,
                              const char         *text)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoContext *context = pango_layout_get_context (layout);
  PangoFontDescription *description = pango_font_description_from_string (theme->font_family);
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);

  pango_font_description_set_absolute_size (description,
                                            qks_plot_theme_font_size (theme, font) * PANGO_SCALE);
  pango_font_description_set_weight (description,
                                     font == QKS_PLOT_FONT_TITLE ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, description);
  pango_font_description_free (description);
  pango_layout_context_changed (layout);

  if (text != NULL)
    pango_layout_set_text (layout, text, -1);
  return layout;
}

/**
 * qks_plot_theme_device_scale:
 *
 * Returns: device pixels per unit: @theme's scale when it is set, else the
 *   scale of @cr's transformation times its target's device scale (2 on a
 *   HiDPI surface or for a PNG exported at 2×).
 */
double
qks_plot_theme_device_scale (const QksPlotTheme *theme,
                             cairo_t            *cr)
{
  cairo_matrix_t matrix;
  double x_scale = 1.0, y_scale = 1.0, scale;

  if (theme->scale > 0.0)
    return theme->scale;

  cairo_get_matrix (cr, &matrix);
  cairo_surface_get_device_scale (cairo_get_target (cr), &x_scale, &y_scale);
  scale = sqrt (fabs (matrix.xx * matrix.yy - matrix.xy * matrix.yx)) * x_scale;
  return scale > 0.0 && isfinite (scale) ? scale : 1.0;
}

/**
 * qks_plot_theme_snap:
 * @coordinate: an x or y position, in units
 * @line_width: the width of the line to be drawn there
 *
 * Moves a horizontal or vertical line to where it covers whole device
 * pixels, so that a one-pixel line is crisp instead of a two-pixel smear.
 *
 * Returns: the snapped coordinate
 */
double
qks_plot_theme_snap (const QksPlotTheme *theme,
                     cairo_t            *cr,
                     double              coordinate,
                     double              line_width)
{
  double scale = qks_plot_theme_device_scale (theme, cr);
  double pixels = MAX (1.0, round (line_width * scale));

  /* An odd number of pixels is centred on a pixel, an even one on an edge. */
  if (fmod (pixels, 2.0) == 1.0)
    return (floor (coordinate * scale) + 0.5) / scale;
  return round (coordinate * scale) / scale;
}

/**
 * qks_plot_color_from_rgb:
 * @rgb: 0xRRGGBB
 *
 * Returns: the opaque colour
 */
QksPlotColor
qks_plot_color_from_rgb (guint32 rgb)
{
  QksPlotColor color = {
    ((rgb >> 16) & 0xff) / 255.0,
    ((rgb >> 8) & 0xff) / 255.0,
    (rgb & 0xff) / 255.0,
    1.0,
  };

  return color;
}

QksPlotColor
qks_plot_color_with_alpha (const QksPlotColor *color,
                           double              alpha)
{
  QksPlotColor result = *color;

  result.alpha = CLAMP (alpha, 0.0, 1.0);
  return result;
}

gboolean
qks_plot_color_equal (const QksPlotColor *a,
                      const QksPlotColor *b,
                      double              tolerance)
{
  return fabs (a->red - b->red) <= tolerance &&
         fabs (a->green - b->green) <= tolerance &&
         fabs (a->blue - b->blue) <= tolerance &&
         fabs (a->alpha - b->alpha) <= tolerance;
}

void
qks_plot_set_source_color (cairo_t            *cr,
                           const QksPlotColor *color)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
}
