/* qks-training-view.c: the Training view: losses, throughput, KV cache
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-training-view.h"

struct _QksTrainingView
{
  QksFigurePage  parent_instance;
};

G_DEFINE_FINAL_TYPE (QksTrainingView, qks_training_view, QKS_TYPE_FIGURE_PAGE)

GtkWidget *
qks_training_view_new (void)
{
  return g_object_new (QKS_TYPE_TRAINING_VIEW, NULL);
}

static void
qks_training_view_class_init (QksTrainingViewClass *klass)
{
  QKS_FIGURE_PAGE_CLASS (klass)->follows_steps = TRUE;
}

static void
qks_training_view_init (QksTrainingView *self)
{
  QksFigurePage *page = QKS_FIGURE_PAGE (self);

  qks_figure_page_add_info (page, _("Training"),
    _("Training and validation loss in nats per byte, against steps and against the "
      "matrix-product FLOPs spent; the training speed in tokens per second; and, for the "
      "runs shown, the bytes of key-value cache each token needs against the final "
      "validation loss, the trade-off the attention variants make."));

  qks_figure_page_add_slot (page, "loss", 0, 0, 1, 1);
  qks_figure_page_add_slot (page, "loss-flops", 1, 0, 1, 1);
  qks_figure_page_add_slot (page, "throughput", 0, 1, 1, 1);
  qks_figure_page_add_slot (page, "pareto", 1, 1, 1, 1);
}
