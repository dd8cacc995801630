/* qks-figure-page.h: a view of figures that follow the runs and the step
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qks-figure.h"
#include "qks-figure-view.h"

G_BEGIN_DECLS

#define QKS_TYPE_FIGURE_PAGE (qks_figure_page_get_type ())

G_DECLARE_DERIVABLE_TYPE (QksFigurePage, qks_figure_page, QKS, FIGURE_PAGE, GtkWidget)

/* Up to this many runs are compared side by side. */
#define QKS_MAX_RUNS 4

struct _QksFigurePageClass
{
  GtkWidgetClass parent_class;

  /* TRUE for a page whose figures change with every training step (the
   * losses), not only with each diagnostic snapshot. */
  gboolean follows_steps;

  /* Adjusts a slot's selection from the page's controls before its figure
   * is made, e.g. the chosen layer. */
  void (*select) (QksFigurePage      *self,
                  guint               slot,
                  QksFigureSelection *selection);

  /* (optional) A click on a panel of a slot's small multiples. */
  void (*panel_activated) (QksFigurePage *self,
                           guint          slot,
                           int            panel);
};

/* The value of a layer choice that stands for every layer. */
#define QKS_FIGURE_PAGE_ALL_LAYERS (-1)

guint          qks_figure_page_add_slot        (QksFigurePage     *self,
                                                const char        *figure_name,
                                                int                column,
                                                int                row,
                                                int                width,
                                                int                height);
void           qks_figure_page_set_slot_figure (QksFigurePage     *self,
                                                guint              slot,
                                                const char        *figure_name);
GtkBox        *qks_figure_page_get_controls    (QksFigurePage     *self);
GtkDropDown   *qks_figure_page_add_choice      (QksFigurePage     *self,
                                                const char        *label,
                                                const char        *tooltip,
                                                const char * const *items);
GtkDropDown   *qks_figure_page_add_layer_choice (QksFigurePage    *self,
                                                gboolean           with_all_layers);
int            qks_figure_page_get_layer       (QksFigurePage     *self);
void           qks_figure_page_set_layer       (QksFigurePage     *self,
                                                int                layer);
GtkToggleButton *qks_figure_page_add_toggle    (QksFigurePage     *self,
                                                const char        *label,
                                                const char        *tooltip);
void           qks_figure_page_add_info        (QksFigurePage     *self,
                                                const char        *title,
                                                const char        *text);
void           qks_figure_page_set_runs        (QksFigurePage     *self,
                                                QksHistory * const *histories,
                                                guint              n_histories);
guint          qks_figure_page_get_n_runs      (QksFigurePage     *self);
QksHistory    *qks_figure_page_get_run         (QksFigurePage     *self,
                                                guint              index);
void           qks_figure_page_set_step        (QksFigurePage     *self,
                                                guint              step);
guint          qks_figure_page_get_step        (QksFigurePage     *self);
void           qks_figure_page_invalidate      (QksFigurePage     *self);
void           qks_figure_page_rebuild_now     (QksFigurePage     *self);
guint          qks_figure_page_get_n_rebuilds  (QksFigurePage     *self);
GPtrArray     *qks_figure_page_list_views      (QksFigurePage     *self);
QksFigureView *qks_figure_page_get_focus_view  (QksFigurePage     *self);

G_END_DECLS
