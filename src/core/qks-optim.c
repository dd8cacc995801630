/* qks-optim.c: AdamW with warm-up, cosine decay and gradient clipping
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-config.h"
#include "qks-optim.h"

struct _QksOptimizer
{
  QksOptimConfig  config;
  gsize           n_params;
  guint8         *decay;     /* per element: does weight decay apply? */
  qks_real       *m;         /* first moments, in one allocation with v */
  qks_real       *v;
  guint           step;      /* updates done so far */
};

/**
 * qks_optim_config_init_defaults:
 *
 * DESIGN.md: AdamW, lr 3e-4, β = (0.9, 0.95), weight decay 0.1, 100
 * warm-up steps then cosine, gradient clipping at 1.0.
 */
void
qks_optim_config_init_defaults (QksOptimConfig *config,
                                guint           total_steps)
{
  config->learning_rate = 3e-4;
  config->beta1 = 0.9;
  config->beta2 = 0.95;
  config->epsilon = 1e-8;
  config->weight_decay = 0.1;
  config->warmup_steps = 100;
  config->total_steps = total_steps;
  config->min_lr_ratio = 0.1;
  config->grad_clip = 1.0;
}

gboolean
qks_optim_config_validate (const QksOptimConfig  *config,
                           GError               **error)
{
  const char *problem = NULL;

  if (!(config->learning_rate > 0 && config->learning_rate < 10))
    problem = "the learning rate must be greater than 0 and below 10";
  else if (!(config->beta1 >= 0 && config->beta1 < 1) || !(config->beta2 >= 0 && config->beta2 < 1))
    problem = "β1 and β2 must lie in [0, 1)";
  else if (!(config->epsilon > 0))
    problem = "ε must be positive";
  else if (!(config->weight_decay >= 0 && config->weight_decay < 1))
    problem = "the weight decay must lie in [0, 1)";
  else if (!(config->min_lr_ratio >= 0 && config->min_lr_ratio <= 1))
    problem = "the final learning-rate ratio must lie in [0, 1]";
  else if (!(config->grad_clip >= 0))
    problem = "the gradient clipping threshold must not be negative";

  if (problem != NULL)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "Impossible optimizer setting: %s", problem);
      return FALSE;
    }
  return TRUE;
}

/**
 * qks_optim_config_get_lr:
 * @step: the update about to be made, from 0
 *
 * Returns: lr·(step+1)/warm-up during the warm-up, then a cosine from lr
 *   down to lr·min_lr_ratio at total_steps, and flat after it.
 */
double
qks_optim_config_get_lr (const QksOptimConfig *config,
                         guint                 step)
{
  double floor_lr = config->learning_rate * config->min_lr_ratio;
  double progress;

  if (step < config->warmup_steps)
    return config->learning_rate * (step + 1) / (double) config->warmup_steps;
  if (config->total_steps <= config->warmup_steps)
    return config->learning_rate;

  progress = (step - config->warmup_steps) / (double) (config->total_steps - config->warmup_steps);
  progress = CLAMP (progress, 0.0, 1.0);
  return floor_lr + (config->learning_rate - floor_lr) * 0.5 * (1.0 + cos (G_PI * progress));
}

QksOptimizer *
qks_optimizer_new (const QksOptimConfig *config,
                   const QksParamLayout *layout)
{
  QksOptimizer *self = g_new0 (QksOptimizer, 1);

  self->config = *config;
  self->n_params = layout->total;
  self->m = g_new0 (qks_real, 2 * MAX (layout->total, 1));
  self->v = self->m + layout->total;
  self->decay = g_new0 (guint8, MAX (layout->total, 1));
  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);

      memset (self->decay + tensor->offset, tensor->weight_decay ? 1 : 0, tensor->size);
    }
  return self;
}

void
qks_optimizer_free (QksOptimizer *self)
{
  if (self == NULL)
    return;
  g_free (self->m);
  g_free (self->decay);
  g_free (self);
}

const QksOptimConfig *
qks_optimizer_get_config (QksOptimizer *self)
{
  return &self->config;
}

guint
qks_optimizer_get_step (QksOptimizer *self)
{
  return self->step;
}

void
qks_optimizer_set_step (QksOptimizer *self,
                        guint         step)
{
  self->step = step;
}

qks_real *
qks_optimizer_get_m (QksOptimizer *self)
{
  return self->m;
}

qks_real *
qks_optimizer_get_v (QksOptimizer *self)
{
  return self->v;
}

double
qks_optimizer_grad_norm (QksOptimizer   *self,
                         const qks_real *grads)
{
  double sum_sq = 0.0;

  for (gsize i = 0; i < self->n_params; i++)
    sum_sq += (double) grads[i] * grads[i];
  return sqrt (sum_sq);
}

/**
 * qks_optimizer_update:
 * @grads: clipped in place
 * @grad_norm: (out) (optional): the global norm before clipping
 *
 * One AdamW step (decoupled weight decay, as torch.optim.AdamW), after
 * clipping the gradients to the global norm threshold.
 *
 * Returns: %FALSE, changing nothing, when the gradient holds a NaN or an
 *   infinity.
 */
gboolean
qks_optimizer_update (QksOptimizer *self,
                      qks_real     *params,
                      qks_real     *grads,
                      double       *grad_norm)
{
  const QksOptimConfig *c = &self->config;
  double norm = qks_optimizer_grad_norm (self, grads);
  double lr = qks_optim_config_get_lr (c, self->step);
  double t = self->step + 1.0;
  qks_real beta1 = (qks_real) c->beta1, beta2 = (qks_real) c->beta2;
  qks_real m_scale = (qks_real) (1.0 / (1.0 - pow (c->beta1, t)));
  qks_real v_scale = (qks_real) (1.0 / (1.0 - pow (c->beta2, t)));
  qks_real decay = (qks_real) (1.0 - lr * c->weight_decay);
  qks_real step_size = (qks_real) lr, epsilon = (qks_real) c->epsilon;
  qks_real clip = 1;

  if (grad_norm != NULL)
    *grad_norm = norm;
  if (!isfinite (norm))
    return FALSE;
  if (c->grad_clip > 0 && norm > c->grad_clip)
    clip = (qks_real) (c->grad_clip / (norm + 1e-6));

  for (gsize i = 0; i < self->n_params; i++)
    {
      qks_real g = grads[i] * clip;
      qks_real m = self->m[i] = beta1 * self->m[i] + (1 - beta1) * g;
      qks_real v = self->v[i] = beta2 * self->v[i] + (1 - beta2) * g * g;

      grads[i] = g;
      if (self->decay[i])
        params[i] *= decay;
      params[i] -= step_size * (m * m_scale) / (qks_sqrt (v * v_scale) + epsilon);
    }

  self->step++;
  return TRUE;
}
