/* qks-plot-export.h: a figure's drawing as an SVG, PDF or PNG file
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

G_BEGIN_DECLS

#define QKS_PLOT_EXPORT_ERROR (qks_plot_export_error_quark ())

typedef enum
{
  QKS_PLOT_EXPORT_ERROR_UNKNOWN_FORMAT,  /* the file name ends in no known extension */
  QKS_PLOT_EXPORT_ERROR_SIZE,            /* the width, height or scale is unusable */
  QKS_PLOT_EXPORT_ERROR_DRAWING,         /* cairo reported an error while drawing */
} QksPlotExportError;

typedef enum
{
  QKS_PLOT_FORMAT_SVG,
  QKS_PLOT_FORMAT_PDF,
  QKS_PLOT_FORMAT_PNG,
} QksPlotFormat;

/* Draws a figure of @width × @height device-independent units: the same
 * function the widget calls, so the file shows what the screen shows. */
typedef void (*QksPlotDrawFunc) (cairo_t *cr,
                                 double   width,
                                 double   height,
                                 gpointer user_data);

typedef struct
{
  const char *title;        /* SVG <title>, PDF Title; NULL for "QK Scope figure" */
  const char *description;  /* SVG <desc>, PDF Subject: the run, variant, step and
                             * the conventions (null, estimator, threshold) */
  double      scale;        /* PNG pixels per unit (96 dpi × scale); 0 means 1 */
} QksPlotExportOptions;

GQuark   qks_plot_export_error_quark (void);

gboolean qks_plot_format_from_path   (const char                  *path,
                                      QksPlotFormat               *format,
                                      GError                     **error);
GBytes  *qks_plot_export_to_bytes    (QksPlotFormat                format,
                                      double                       width,
                                      double                       height,
                                      QksPlotDrawFunc              draw,
                                      gpointer                     user_data,
                                      const QksPlotExportOptions  *options,
                                      GError                     **error);
gboolean qks_plot_export             (const char                  *path,
                                      double                       width,
                                      double                       height,
                                      QksPlotDrawFunc              draw,
                                      gpointer                     user_data,
                                      const QksPlotExportOptions  *options,
                                      GError                     **error);

G_END_DECLS
