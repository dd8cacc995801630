/* qks-figure-private.h: what a kind of figure provides to qks-figure.c
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-figure.h"

G_BEGIN_DECLS

/* What a kind's prepare() gets: the histories and the selection, with the
 * snapshot of the first history at the selected step already read (NULL if
 * the run has none yet: the figure then draws its empty state). */
typedef struct
{
  QksHistory * const       *histories;
  guint                     n_histories;
  const QksFigureSelection *selection;
  QksSnapshot              *snapshot;   /* borrowed from histories[0] */
  guint                     step;       /* the snapshot's step, or the last training step */
} QksFigureSource;

typedef struct
{
  QksFigureInfo info;
  /* Copies what the figure draws out of the source (the history may change
   * or go before the figure is drawn) and sets *title; NULL with an error
   * only for a selection the run cannot have, never for missing data. */
  gpointer (*prepare)  (const QksFigureSource *source,
                        char                 **title,
                        GError               **error);
  void     (*draw)     (cairo_t               *cr,
                        double                 width,
                        double                 height,
                        const QksPlotTheme    *theme,
                        gpointer               data);
  void     (*free)     (gpointer               data);
  /* (optional) The exact values under (x, y) in a drawing of that size,
   * for a tooltip; NULL where there is nothing. */
  char    *(*query)    (gpointer               data,
                        cairo_t               *cr,
                        double                 width,
                        double                 height,
                        const QksPlotTheme    *theme,
                        double                 x,
                        double                 y);
  /* (optional) Which of the figure's panels (a layer's, a head's) is
   * under (x, y), or -1. */
  int      (*pick_panel) (gpointer             data,
                          cairo_t             *cr,
                          double               width,
                          double               height,
                          const QksPlotTheme  *theme,
                          double               x,
                          double               y);
} QksFigureKind;

/* The kinds, by family (one file each). */
extern const QksFigureKind * const qks_figure_kinds_spectra[];
extern const QksFigureKind * const qks_figure_kinds_series[];
extern const QksFigureKind * const qks_figure_kinds_heads[];

/* Helpers the families share. */
gboolean qks_figure_source_check_layer (const QksFigureSource *source,
                                        guint                 *layer,
                                        GError               **error);
char    *qks_figure_source_describe_run (const QksFigureSource *source);

G_END_DECLS
