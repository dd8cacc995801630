/* qks-heads-view.c: the Heads view: angles between heads and their diversity
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-heads-view.h"

struct _QksHeadsView
{
  QksFigurePage  parent_instance;

  GtkDropDown   *subspace_choice;
};

G_DEFINE_FINAL_TYPE (QksHeadsView, qks_heads_view, QKS_TYPE_FIGURE_PAGE)

GtkWidget *
qks_heads_view_new (void)
{
  return g_object_new (QKS_TYPE_HEADS_VIEW, NULL);
}

static void
qks_heads_view_select (QksFigurePage      *page,
                       guint               slot,
                       QksFigureSelection *selection)
{
  QksHeadsView *self = QKS_HEADS_VIEW (page);
  static const char subspaces[] = { 'q', 'k', 'v' };
  guint chosen = gtk_drop_down_get_selected (self->subspace_choice);

  selection->layer = MAX (qks_figure_page_get_layer (page), 0);
  selection->subspace = chosen < G_N_ELEMENTS (subspaces) ? subspaces[chosen] : 'q';
  /* The first pair, until a cell is chosen on the heatmap. */
  selection->pair_i = 0;
  selection->pair_j = 1;
}

static void
qks_heads_view_class_init (QksHeadsViewClass *klass)
{
  QksFigurePageClass *page_class = QKS_FIGURE_PAGE_CLASS (klass);

  page_class->select = qks_heads_view_select;
}

static void
qks_heads_view_init (QksHeadsView *self)
{
  QksFigurePage *page = QKS_FIGURE_PAGE (self);
  const char * const subspace_names[] = { _("Queries"), _("Keys"), _("Values"), NULL };

  qks_figure_page_add_layer_choice (page, FALSE);
  self->subspace_choice = qks_figure_page_add_choice (page, _("_Subspace"),
                                                      _("Whose column spaces are compared between heads"),
                                                      subspace_names);
  qks_figure_page_add_info (page, _("Head Diversity"),
    _("The heatmap shows, for every pair of heads, the mean principal angle between the "
      "subspaces their query, key or value projections span: 90° means the two heads read "
      "orthogonal directions of the residual stream, 0° the same ones. HDI is the mean over "
      "pairs, scaled to 1 for orthogonal heads. The scree plot shows how much of the heads' "
      "joint variance the first components explain; the KQ-SVD curve, how well a rank-r "
      "key cache reproduces the attention scores. Heads that share a projection by "
      "construction (MQA's one key head, an MLA latent) are marked as such."));

  qks_figure_page_add_slot (page, "angles", 0, 0, 2, 1);
  qks_figure_page_add_slot (page, "diversity", 0, 1, 1, 1);
  qks_figure_page_add_slot (page, "kqsvd", 1, 1, 1, 1);
}
