/* qks-plot-text.h: drawing text, and the text layer that makes exported SVGs searchable
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* cairo's SVG surface writes text as glyph outlines: it looks right, but
 * no one can search, select or read it aloud. While a figure is exported
 * to SVG, every label drawn through qks_plot_show_layout() is also
 * recorded, and the export adds it as real, transparent <text> over its
 * outline, as a PDF's text layer sits over a scan. */
typedef struct
{
  char   *text;
  double  x;          /* device units, the baseline's start */
  double  y;
  double  size;       /* font size in device units */
  double  angle;      /* rotation in degrees, clockwise */
} QksPlotTextItem;

void       qks_plot_show_layout          (const QksPlotTheme *theme,
                                          cairo_t            *cr,
                                          PangoLayout        *layout,
                                          const QksPlotColor *color,
                                          double              x,
                                          double              y,
                                          double              xalign,
                                          double              yalign);
void       qks_plot_text_layer_attach    (cairo_surface_t    *surface);
GPtrArray *qks_plot_text_layer_get       (cairo_surface_t    *surface);

G_END_DECLS
