/* qks-ranks-view.c: the Ranks view: rank curves and spike heatmaps over steps
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-ranks-view.h"

struct _QksRanksView
{
  QksFigurePage  parent_instance;

  GtkDropDown   *rank_choice;
  GtkDropDown   *spike_choice;
  guint          lines_slot;
  guint          heatmap_slot;
};

G_DEFINE_FINAL_TYPE (QksRanksView, qks_ranks_view, QKS_TYPE_FIGURE_PAGE)

/* In the order of the choices; the names the diagnostics record. */
static const char * const rank_metrics[] = {
  "erank", "mp_soft_rank", "stable_rank", "participation_ratio",
};
static const char * const spike_metrics[] = {
  "n_spikes", "spike_mass", "lambda_max_over_plus",
};

GtkWidget *
qks_ranks_view_new (void)
{
  return g_object_new (QKS_TYPE_RANKS_VIEW, NULL);
}

static void
qks_ranks_view_select (QksFigurePage      *page,
                       guint               slot,
                       QksFigureSelection *selection)
{
  QksRanksView *self = QKS_RANKS_VIEW (page);
  guint rank = gtk_drop_down_get_selected (self->rank_choice);
  guint spike = gtk_drop_down_get_selected (self->spike_choice);

  if (slot == self->lines_slot)
    selection->metric = rank_metrics[MIN (rank, G_N_ELEMENTS (rank_metrics) - 1)];
  else if (slot == self->heatmap_slot)
    selection->metric = spike_metrics[MIN (spike, G_N_ELEMENTS (spike_metrics) - 1)];
}

static void
qks_ranks_view_class_init (QksRanksViewClass *klass)
{
  QksFigurePageClass *page_class = QKS_FIGURE_PAGE_CLASS (klass);

  page_class->select = qks_ranks_view_select;
}

static void
qks_ranks_view_init (QksRanksView *self)
{
  QksFigurePage *page = QKS_FIGURE_PAGE (self);
  const char * const rank_names[] = {
    _("Effective Rank"), _("Soft Rank"), _("Stable Rank"), _("Participation Ratio"), NULL,
  };
  const char * const spike_names[] = {
    _("Spike Count"), _("Spike Mass"), _("λmax / λ₊"), NULL,
  };

  self->rank_choice = qks_figure_page_add_choice (page, _("_Rank"),
                                                  _("The rank measure drawn per layer"), rank_names);
  self->spike_choice = qks_figure_page_add_choice (page, _("S_pikes"),
                                                   _("The outlier measure of the heatmap"), spike_names);
  qks_figure_page_add_info (page, _("Ranks and Spikes"),
    _("Effective rank is exp of the entropy of the normalised singular values: how many "
      "directions a layer's attention form uses. Soft rank compares the bulk edge with the "
      "largest eigenvalue, stable rank is ‖B‖²_F / ‖B‖²₂. A marked drop of the effective rank "
      "is flagged as a rank-collapse event. The heatmap counts, for every layer and step, "
      "the eigenvalues above the null's threshold, or their share of the total, or how far "
      "the largest lies beyond the bulk edge; the current step is outlined."));

  self->lines_slot = qks_figure_page_add_slot (page, "rank-lines", 0, 0, 1, 1);
  self->heatmap_slot = qks_figure_page_add_slot (page, "spike-heatmap", 0, 1, 1, 1);
}
