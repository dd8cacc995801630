/* qks-spectra-view.c: the Spectra view: every layer's ESD, or one layer's heads
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-spectra-view.h"

struct _QksSpectraView
{
  QksFigurePage    parent_instance;

  GtkDropDown     *form_choice;
  GtkToggleButton *log_toggle;
  guint            esd_slot;
  guint            tail_slot;
};

G_DEFINE_FINAL_TYPE (QksSpectraView, qks_spectra_view, QKS_TYPE_FIGURE_PAGE)

/* In the order of the form choice. */
static const QksFormKind forms[] = {
  QKS_FORM_QK, QKS_FORM_OV, QKS_FORM_CROSS_GRAM, QKS_FORM_QK_ROPE, QKS_FORM_QK_SUM,
};

GtkWidget *
qks_spectra_view_new (void)
{
  return g_object_new (QKS_TYPE_SPECTRA_VIEW, NULL);
}

static void
qks_spectra_view_select (QksFigurePage      *page,
                         guint               slot,
                         QksFigureSelection *selection)
{
  QksSpectraView *self = QKS_SPECTRA_VIEW (page);
  guint form = gtk_drop_down_get_selected (self->form_choice);
  int layer = qks_figure_page_get_layer (page);

  selection->form = form < G_N_ELEMENTS (forms) ? forms[form] : QKS_FORM_QK;
  selection->x_scale = gtk_toggle_button_get_active (self->log_toggle) ?
                       QKS_PLOT_SCALE_LOG : QKS_PLOT_SCALE_LINEAR;
  selection->layer = layer == QKS_FIGURE_PAGE_ALL_LAYERS ? -1 : layer;
  if (slot == self->esd_slot)
    {
      /* All layers as small multiples; one layer opens its heads. */
      qks_figure_page_set_slot_figure (page, slot,
                                       layer == QKS_FIGURE_PAGE_ALL_LAYERS ? "esd-grid" : "esd-heads");
    }
}

/* A layer's panel in the grid opens that layer: its heads' spectra. */
static void
qks_spectra_view_panel_activated (QksFigurePage *page,
                                  guint          slot,
                                  int            panel)
{
  QksSpectraView *self = QKS_SPECTRA_VIEW (page);

  if (slot == self->esd_slot && qks_figure_page_get_layer (page) == QKS_FIGURE_PAGE_ALL_LAYERS)
    qks_figure_page_set_layer (page, panel);
}

static void
qks_spectra_view_class_init (QksSpectraViewClass *klass)
{
  QksFigurePageClass *page_class = QKS_FIGURE_PAGE_CLASS (klass);

  page_class->select = qks_spectra_view_select;
  page_class->panel_activated = qks_spectra_view_panel_activated;
}

static void
qks_spectra_view_init (QksSpectraView *self)
{
  QksFigurePage *page = QKS_FIGURE_PAGE (self);
  const char * const form_names[] = {
    _("QK Form"), _("OV Circuit"), _("Cross Gram"), _("QK RoPE Part"), _("QK Content + RoPE"), NULL,
  };

  qks_figure_page_add_layer_choice (page, TRUE);
  self->form_choice = qks_figure_page_add_choice (page, _("_Matrix"),
                                                  _("Whose eigenvalues are shown"), form_names);
  self->log_toggle = qks_figure_page_add_toggle (page, _("Lo_g Scale"),
                                                 _("Eigenvalues on a logarithmic axis"));
  /* Trained spectra span decades: on a linear axis the bulk is a sliver at 0. */
  gtk_toggle_button_set_active (self->log_toggle, TRUE);
  qks_figure_page_add_info (page, _("Eigenvalue Spectra"),
    _("Each histogram is the empirical spectral density of a layer's attention form: "
      "the eigenvalues of BᵀB/N, scaled to mean 1. The solid curve is the Marchenko–Pastur "
      "law fitted to the bulk, the dashed one the null that the spikes are counted against: "
      "what the same layer would show with random weights of the same shapes. Eigenvalues "
      "beyond the threshold line are outliers (spikes): structure that random weights "
      "would rarely produce. The right-hand panel shows the tail on log-log axes with the "
      "power law fitted as WeightWatcher does. Click a layer's panel, or choose it above, to see "
      "its heads one by one."));

  self->esd_slot = qks_figure_page_add_slot (page, "esd-grid", 0, 0, 2, 1);
  self->tail_slot = qks_figure_page_add_slot (page, "ww-tail", 2, 0, 1, 1);
}
