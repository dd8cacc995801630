/* qks-figure.h: a named figure of a run's history, ready to draw or export
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "qks-history.h"
#include "qks-plot-axes.h"
#include "qks-plot-export.h"
#include "qks-plot-theme.h"

G_BEGIN_DECLS

/* The draw functions of src/plot take plain data; a figure is one of them
 * bound to the data it reads from histories at a selection (a step, a
 * layer, a head). The CLI's `plot`, the app's views and the exports all go
 * through here, so a figure is named, chosen and described one way. */

#define QKS_FIGURE_ERROR (qks_figure_error_quark ())

/* A figure of several runs (the app compares up to four) draws this many. */
#define QKS_MAX_FIGURE_RUNS 4

typedef enum
{
  QKS_FIGURE_ERROR_UNKNOWN,    /* no figure has that name */
  QKS_FIGURE_ERROR_SELECTION,  /* the layer, head or step is not in the run */
  QKS_FIGURE_ERROR_READ,       /* the history could not be read */
} QksFigureError;

/* What a figure reads from the selection, for the CLI's checks and the
 * app's controls. */
typedef enum
{
  QKS_FIGURE_USES_STEP     = 1 << 0,  /* one snapshot */
  QKS_FIGURE_USES_LAYER    = 1 << 1,
  QKS_FIGURE_USES_HEAD     = 1 << 2,
  QKS_FIGURE_USES_SUBSPACE = 1 << 3,  /* Q, K or V */
  QKS_FIGURE_USES_PAIR     = 1 << 4,  /* two heads */
  QKS_FIGURE_MANY_RUNS     = 1 << 5,  /* draws several runs in one frame */
} QksFigureUses;

typedef struct
{
  const char    *name;          /* "esd-grid", as the CLI takes it */
  const char    *title;         /* untranslated (N_()): pass through _() to show */
  const char    *summary;       /* one sentence: what it measures; as title */
  QksFigureUses  uses;
  double         width;         /* its natural size, in units */
  double         height;
} QksFigureInfo;

typedef struct
{
  guint         step;          /* the snapshot shown: the latest at or before it;
                                * G_MAXUINT for the latest */
  int           layer;         /* -1: the figure's default (layer 0, or all layers) */
  int           head;          /* -1: the whole layer, or head 0 */
  QksFormKind   form;          /* QKS_FORM_QK unless chosen */
  char          subspace;      /* 'q', 'k' or 'v' */
  int           pair_i;        /* a pair of heads; -1: none */
  int           pair_j;
  QksPlotScale  x_scale;       /* ESDs: linear or log */
  const char   *metric;        /* the heatmap's or the lines' metric; NULL: the default */
} QksFigureSelection;

/* Immutable once made, so that a thread may export it while the window
 * shows it. */
typedef struct _QksFigure QksFigure;

GQuark               qks_figure_error_quark       (void);
void                 qks_figure_set_background_laws (GMainContext          *context,
                                                     GSourceFunc            ready,
                                                     gpointer               user_data);
void                 qks_figure_selection_init    (QksFigureSelection        *selection);

const QksFigureInfo *qks_figure_list              (guint                     *n_figures);
const QksFigureInfo *qks_figure_lookup            (const char                *name);

QksFigure           *qks_figure_new               (const char                *name,
                                                   QksHistory * const        *histories,
                                                   guint                      n_histories,
                                                   const QksFigureSelection  *selection,
                                                   GError                   **error);
QksFigure           *qks_figure_ref               (QksFigure                 *self);
void                 qks_figure_unref             (QksFigure                 *self);

const QksFigureInfo *qks_figure_get_info          (QksFigure                 *self);
guint                qks_figure_get_step          (QksFigure                 *self);
const char          *qks_figure_get_title         (QksFigure                 *self);
const char          *qks_figure_get_description   (QksFigure                 *self);
void                 qks_figure_draw              (QksFigure                 *self,
                                                   cairo_t                   *cr,
                                                   double                     width,
                                                   double                     height,
                                                   const QksPlotTheme        *theme);
char                *qks_figure_query             (QksFigure                 *self,
                                                   cairo_t                   *cr,
                                                   double                     width,
                                                   double                     height,
                                                   const QksPlotTheme        *theme,
                                                   double                     x,
                                                   double                     y);
int                  qks_figure_pick_panel        (QksFigure                 *self,
                                                   cairo_t                   *cr,
                                                   double                     width,
                                                   double                     height,
                                                   const QksPlotTheme        *theme,
                                                   double                     x,
                                                   double                     y);
gboolean             qks_figure_export            (QksFigure                 *self,
                                                   const char                *path,
                                                   double                     width,
                                                   double                     height,
                                                   double                     scale,
                                                   GError                   **error);
GBytes              *qks_figure_export_to_bytes   (QksFigure                 *self,
                                                   QksPlotFormat              format,
                                                   double                     width,
                                                   double                     height,
                                                   double                     scale,
                                                   GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksFigure, qks_figure_unref)

G_END_DECLS
