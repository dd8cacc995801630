/* qks-plot-caption.c: a caption under a figure: a note, or a warning that
 * what the figure shows is not a finding
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-caption.h"
#include "qks-plot-text.h"

#define BOX_PADDING    8.0   /* warning box edge → its text */
#define MARK_SIZE     14.0   /* the info mark's diameter */
#define CORNER_RADIUS  6.0   /* as the legend box */

static PangoLayout *
create_caption_layout (const QksPlotTheme  *theme,
                       cairo_t             *cr,
                       QksPlotCaptionStyle  style,
                       const char          *text,
                       double               text_width)
{
  PangoLayout *layout = qks_plot_theme_create_layout (theme, cr,
                                                      style == QKS_PLOT_CAPTION_WARNING ? QKS_PLOT_FONT_BODY
                                                                                        : QKS_PLOT_FONT_SMALL,
                                                      text);

  pango_layout_set_width (layout, (int) (MAX (text_width, 1.0) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  return layout;
}

/* Where the text goes inside a caption @width wide. */
static double
text_inset (QksPlotCaptionStyle style)
{
  return style == QKS_PLOT_CAPTION_WARNING ? BOX_PADDING + MARK_SIZE + BOX_PADDING : 0.0;
}

/**
 * qks_plot_caption_height:
 * @width: the room across, in units
 *
 * Returns: the height @text takes when wrapped to @width in @style; 0 for
 *   %NULL or empty text
 */
double
qks_plot_caption_height (const QksPlotTheme  *theme,
                         cairo_t             *cr,
                         QksPlotCaptionStyle  style,
                         const char          *text,
                         double               width)
{
  g_autoptr(PangoLayout) layout = NULL;
  double inset = text_inset (style);
  PangoRectangle logical;

  if (text == NULL || *text == '\0')
    return 0.0;

  layout = create_caption_layout (theme, cr, style, text,
                                  width - inset - (style == QKS_PLOT_CAPTION_WARNING ? BOX_PADDING : 0.0));
  pango_layout_get_extents (layout, NULL, &logical);
  if (style == QKS_PLOT_CAPTION_WARNING)
    return ceil (MAX (logical.height / (double) PANGO_SCALE, MARK_SIZE) + 2.0 * BOX_PADDING);
  return ceil (logical.height / (double) PANGO_SCALE);
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   w,
                   double   h,
                   double   radius)
{
  radius = MIN (radius, MIN (w, h) / 2.0);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - radius, y + radius, radius, -G_PI / 2.0, 0.0);
  cairo_arc (cr, x + w - radius, y + h - radius, radius, 0.0, G_PI / 2.0);
  cairo_arc (cr, x + radius, y + h - radius, radius, G_PI / 2.0, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3.0 * G_PI / 2.0);
  cairo_close_path (cr);
}

/* A circled "i", drawn as shapes so that no font need have the glyph. */
static void
draw_info_mark (const QksPlotTheme *theme,
                cairo_t            *cr,
                double              x,
                double              y)
{
  double r = MARK_SIZE / 2.0;

  cairo_save (cr);
  qks_plot_set_source_color (cr, &theme->accent);
  cairo_arc (cr, x + r, y + r, r, 0.0, 2.0 * G_PI);
  cairo_fill (cr);
  qks_plot_set_source_color (cr, &theme->card);
  cairo_arc (cr, x + r, y + r * 0.5, r * 0.16, 0.0, 2.0 * G_PI);
  cairo_fill (cr);
  cairo_rectangle (cr, x + r - r * 0.13, y + r * 0.8, r * 0.26, r * 0.85);
  cairo_fill (cr);
  cairo_restore (cr);
}

/**
 * qks_plot_caption_draw:
 * @x: the left edge
 * @y: the top edge
 * @width: the room across; qks_plot_caption_height() says how tall
 *
 * A note is small muted text; a warning is body text in a box with an
 * info mark, so that it is read before the figure is.
 */
void
qks_plot_caption_draw (const QksPlotTheme  *theme,
                       cairo_t             *cr,
                       QksPlotCaptionStyle  style,
                       const char          *text,
                       double               x,
                       double               y,
                       double               width)
{
  double inset = text_inset (style);
  double text_width = width - inset - (style == QKS_PLOT_CAPTION_WARNING ? BOX_PADDING : 0.0);
  g_autoptr(PangoLayout) layout = NULL;

  if (text == NULL || *text == '\0')
    return;

  layout = create_caption_layout (theme, cr, style, text, text_width);
  cairo_save (cr);
  if (style == QKS_PLOT_CAPTION_WARNING)
    {
      double height = qks_plot_caption_height (theme, cr, style, text, width);
      double line = theme->axis_line_width;

      rounded_rectangle (cr, x, y, width, height, CORNER_RADIUS);
      qks_plot_set_source_color (cr, &theme->card);
      cairo_fill (cr);
      rounded_rectangle (cr, x + line / 2.0, y + line / 2.0, width - line, height - line, CORNER_RADIUS);
      qks_plot_set_source_color (cr, &theme->border);
      cairo_set_line_width (cr, line);
      cairo_stroke (cr);
      draw_info_mark (theme, cr, x + BOX_PADDING, y + (height - MARK_SIZE) / 2.0);
      qks_plot_show_layout (theme, cr, layout, &theme->foreground, x + inset, y + height / 2.0, 0.0, 0.5);
    }
  else
    qks_plot_show_layout (theme, cr, layout, &theme->muted, x, y, 0.0, 0.0);
  cairo_restore (cr);
}
