/* qks-plot-theme.h: the colours, fonts and line widths every figure shares
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

/* Non-premultiplied sRGB, each channel in [0, 1]. */
typedef struct
{
  double red;
  double green;
  double blue;
  double alpha;
} QksPlotColor;

typedef enum
{
  QKS_PLOT_FONT_SMALL,  /* tick labels, colour bar ticks */
  QKS_PLOT_FONT_BODY,   /* axis labels, legend entries, messages */
  QKS_PLOT_FONT_TITLE,  /* figure titles */
} QksPlotFont;

#define QKS_PLOT_THEME_FONT_FAMILY_SIZE 64

/* Every length is in device-independent units (pixels at scale 1, CSS px in
 * an SVG): a figure drawn at 2× is the same picture with twice the pixels.
 * A plain struct so the widget can fill it from GTK's style and pass it by
 * value; src/plot never looks at GTK. */
typedef struct
{
  gboolean     dark;

  QksPlotColor background;   /* Adwaita window_bg_color */
  QksPlotColor foreground;   /* window_fg_color: titles, labels */
  QksPlotColor muted;        /* dimmed foreground: tick labels, messages */
  QksPlotColor axis;         /* the frame and the tick marks */
  QksPlotColor grid;         /* grid lines, faint */
  QksPlotColor accent;       /* accent_color: a single highlighted series */
  QksPlotColor card;         /* legend box fill (card_bg_color) */
  QksPlotColor border;       /* legend box and colour bar outline */

  char         font_family[QKS_PLOT_THEME_FONT_FAMILY_SIZE];  /* a Pango family list */
  double       small_font_size;
  double       body_font_size;
  double       title_font_size;

  double       line_width;       /* data lines */
  double       axis_line_width;  /* frame and ticks */
  double       grid_line_width;
  double       tick_length;      /* major ticks; minor ones are 60 % of it */
  double       padding;          /* free space around the whole figure */
  double       spacing;          /* between a label and what it names */

  double       scale;  /* device pixels per unit for snapping lines to the
                        * pixel grid; 0 reads it from the cairo target */
} QksPlotTheme;

void         qks_plot_theme_init_light      (QksPlotTheme       *theme);
void         qks_plot_theme_init_dark       (QksPlotTheme       *theme);
void         qks_plot_theme_set_foreground  (QksPlotTheme       *theme,
                                             const QksPlotColor *foreground);
void         qks_plot_theme_set_font_family (QksPlotTheme       *theme,
                                             const char         *family);
double       qks_plot_theme_font_size       (const QksPlotTheme *theme,
                                             QksPlotFont         font);
PangoLayout *qks_plot_theme_create_layout   (const QksPlotTheme *theme,
                                             cairo_t            *cr,
                                             QksPlotFont         font,
                                             const char         *text);
double       qks_plot_theme_device_scale    (const QksPlotTheme *theme,
                                             cairo_t            *cr);
double       qks_plot_theme_snap            (const QksPlotTheme *theme,
                                             cairo_t            *cr,
                                             double              coordinate,
                                             double              line_width);

QksPlotColor qks_plot_color_from_rgb        (guint32             rgb);
QksPlotColor qks_plot_color_with_alpha      (const QksPlotColor *color,
                                             double              alpha);
gboolean     qks_plot_color_equal           (const QksPlotColor *a,
                                             const QksPlotColor *b,
                                             double              tolerance);
void         qks_plot_set_source_color      (cairo_t            *cr,
                                             const QksPlotColor *color);

G_END_DECLS
