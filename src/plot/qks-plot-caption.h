/* qks-plot-caption.h: a caption under a figure: a note, or a warning that
 * what the figure shows is not a finding
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-plot-theme.h"

G_BEGIN_DECLS

typedef enum
{
  QKS_PLOT_CAPTION_NOTE,     /* small, muted: how to read the figure */
  QKS_PLOT_CAPTION_WARNING,  /* body text in a box with an info mark: the
                              * figure shows something fixed by construction,
                              * or a value that must not be read as a result */
} QksPlotCaptionStyle;

double qks_plot_caption_height (const QksPlotTheme  *theme,
                                cairo_t             *cr,
                                QksPlotCaptionStyle  style,
                                const char          *text,
                                double               width);
void   qks_plot_caption_draw   (const QksPlotTheme  *theme,
                                cairo_t             *cr,
                                QksPlotCaptionStyle  style,
                                const char          *text,
                                double               x,
                                double               y,
                                double               width);

G_END_DECLS
