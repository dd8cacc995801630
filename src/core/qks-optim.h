/* qks-optim.h: AdamW with warm-up, cosine decay and gradient clipping
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-params.h"
#include "qks-real.h"

G_BEGIN_DECLS

typedef struct
{
  double learning_rate;   /* peak, after warm-up: 3e-4 */
  double beta1;           /* 0.9 */
  double beta2;           /* 0.95 */
  double epsilon;         /* 1e-8 */
  double weight_decay;    /* 0.1, on matrices only */
  guint  warmup_steps;    /* 100, linear from lr/warmup */
  guint  total_steps;     /* where the cosine reaches its floor */
  double min_lr_ratio;    /* the floor, as a fraction of the peak: 0.1 */
  double grad_clip;       /* global-norm clipping threshold: 1.0; 0 turns it off */
} QksOptimConfig;

typedef struct _QksOptimizer QksOptimizer;

void          qks_optim_config_init_defaults (QksOptimConfig       *config,
                                              guint                 total_steps);
gboolean      qks_optim_config_validate      (const QksOptimConfig *config,
                                              GError              **error);
double        qks_optim_config_get_lr        (const QksOptimConfig *config,
                                              guint                 step);

QksOptimizer *qks_optimizer_new              (const QksOptimConfig *config,
                                              const QksParamLayout *layout);
void          qks_optimizer_free             (QksOptimizer         *self);
const QksOptimConfig *qks_optimizer_get_config (QksOptimizer       *self);
guint         qks_optimizer_get_step         (QksOptimizer         *self);
void          qks_optimizer_set_step         (QksOptimizer         *self,
                                              guint                 step);
qks_real     *qks_optimizer_get_m            (QksOptimizer         *self);
qks_real     *qks_optimizer_get_v            (QksOptimizer         *self);
double        qks_optimizer_grad_norm        (QksOptimizer         *self,
                                              const qks_real       *grads);
gboolean      qks_optimizer_update           (QksOptimizer         *self,
                                              qks_real             *params,
                                              qks_real             *grads,
                                              double               *grad_norm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksOptimizer, qks_optimizer_free)

G_END_DECLS
