/* test-optim.c: AdamW, the learning-rate schedule and gradient clipping
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-optim.h"

static void
small_layout (QksParamLayout *layout)
{
  const gsize matrix[2] = { 2, 3 };
  const gsize vector[1] = { 2 };

  qks_param_layout_init (layout);
  qks_param_layout_add (layout, "w", 2, matrix, QKS_INIT_NORMAL, 0.02);
  qks_param_layout_add (layout, "gain", 1, vector, QKS_INIT_ONES, 0.0);
}

static void
test_optim_schedule (void)
{
  QksOptimConfig config;

  qks_optim_config_init_defaults (&config, 1100);
  /* Linear warm-up from lr/100 ... */
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 0), 3e-6, 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 49), 1.5e-4, 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 99), 3e-4, 1e-15);
  /* ... then a cosine to 10 % of the peak, halfway at the midpoint ... */
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 100), 3e-4, 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 600), 3e-5 + 2.7e-4 / 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 1100), 3e-5, 1e-15);
  /* ... and flat after the end. */
  g_assert_cmpfloat_with_epsilon (qks_optim_config_get_lr (&config, 5000), 3e-5, 1e-15);
  for (guint s = 100; s < 1100; s++)
    g_assert_cmpfloat (qks_optim_config_get_lr (&config, s + 1), <=, qks_optim_config_get_lr (&config, s));
}

/* The reference: torch.optim.AdamW's documented algorithm, in double. */
static void
reference_adamw (double       *theta,
                 double       *m,
                 double       *v,
                 const double *g,
                 const gboolean *decay,
                 guint         n,
                 guint         t,
                 double        lr,
                 const QksOptimConfig *c)
{
  for (guint i = 0; i < n; i++)
    {
      if (decay[i])
        theta[i] -= lr * c->weight_decay * theta[i];
      m[i] = c->beta1 * m[i] + (1 - c->beta1) * g[i];
      v[i] = c->beta2 * v[i] + (1 - c->beta2) * g[i] * g[i];
      theta[i] -= lr * (m[i] / (1 - pow (c->beta1, t))) / (sqrt (v[i] / (1 - pow (c->beta2, t))) + c->epsilon);
    }
}

static void
test_optim_matches_reference_adamw (void)
{
  QksParamLayout layout;
  QksOptimConfig config;
  g_autoptr(QksOptimizer) optimizer = NULL;
  qks_real params[8], grads[8];
  double theta[8], m[8] = { 0 }, v[8] = { 0 }, g[8];
  const gboolean decay[8] = { TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, FALSE };

  small_layout (&layout);
  qks_optim_config_init_defaults (&config, 20);
  config.warmup_steps = 3;
  config.learning_rate = 1e-2;
  config.grad_clip = 0;
  optimizer = qks_optimizer_new (&config, &layout);

  for (guint i = 0; i < 8; i++)
    params[i] = (qks_real) (theta[i] = 0.5 - 0.1 * i);

  for (guint t = 1; t <= 10; t++)
    {
      double norm;

      for (guint i = 0; i < 8; i++)
        grads[i] = (qks_real) (g[i] = sin (t * 1.3 + i) * 0.1);
      g_assert_true (qks_optimizer_update (optimizer, params, grads, &norm));
      reference_adamw (theta, m, v, g, decay, 8, t, qks_optim_config_get_lr (&config, t - 1), &config);
    }

  g_assert_cmpuint (qks_optimizer_get_step (optimizer), ==, 10);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (params[i], theta[i], 1e-5);
  qks_param_layout_clear (&layout);
}

static void
test_optim_clips_global_norm (void)
{
  QksParamLayout layout;
  QksOptimConfig config;
  g_autoptr(QksOptimizer) optimizer = NULL;
  qks_real params[8] = { 0 }, grads[8];
  double norm, clipped = 0.0;

  small_layout (&layout);
  qks_optim_config_init_defaults (&config, 10);
  optimizer = qks_optimizer_new (&config, &layout);
  for (guint i = 0; i < 8; i++)
    grads[i] = 3.0f;

  g_assert_true (qks_optimizer_update (optimizer, params, grads, &norm));
  g_assert_cmpfloat_with_epsilon (norm, sqrt (8 * 9.0), 1e-5);
  for (guint i = 0; i < 8; i++)
    clipped += (double) grads[i] * grads[i];
  g_assert_cmpfloat_with_epsilon (sqrt (clipped), 1.0, 1e-5);
  qks_param_layout_clear (&layout);
}

static void
test_optim_refuses_non_finite_gradients (void)
{
  QksParamLayout layout;
  QksOptimConfig config;
  g_autoptr(QksOptimizer) optimizer = NULL;
  qks_real params[8], grads[8] = { 0 }, before[8];
  double norm;

  small_layout (&layout);
  qks_optim_config_init_defaults (&config, 10);
  optimizer = qks_optimizer_new (&config, &layout);
  for (guint i = 0; i < 8; i++)
    params[i] = before[i] = (qks_real) i;
  grads[5] = NAN;

  g_assert_false (qks_optimizer_update (optimizer, params, grads, &norm));
  g_assert_false (isfinite (norm));
  g_assert_cmpmem (params, sizeof params, before, sizeof before);
  g_assert_cmpuint (qks_optimizer_get_step (optimizer), ==, 0);
  qks_param_layout_clear (&layout);
}

static void
test_optim_decays_matrices_only (void)
{
  QksParamLayout layout;
  QksOptimConfig config;
  g_autoptr(QksOptimizer) optimizer = NULL;
  qks_real params[8], grads[8] = { 0 };

  small_layout (&layout);
  qks_optim_config_init_defaults (&config, 10);
  config.warmup_steps = 0;
  config.weight_decay = 0.5;
  config.learning_rate = 0.1;
  optimizer = qks_optimizer_new (&config, &layout);
  for (guint i = 0; i < 8; i++)
    params[i] = 1.0f;

  g_assert_true (qks_optimizer_update (optimizer, params, grads, NULL));
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (params[i], 1.0 - 0.1 * 0.5, 1e-6);
  for (guint i = 6; i < 8; i++)
    g_assert_cmpfloat (params[i], ==, 1.0f);
  qks_param_layout_clear (&layout);
}

static void
test_optim_validates (void)
{
  QksOptimConfig config;
  g_autoptr(GError) error = NULL;

  qks_optim_config_init_defaults (&config, 10);
  g_assert_true (qks_optim_config_validate (&config, NULL));
  config.learning_rate = -1;
  g_assert_false (qks_optim_config_validate (&config, &error));
  g_assert_nonnull (strstr (error->message, "learning rate"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/optim/schedule", test_optim_schedule);
  g_test_add_func ("/optim/matches-reference-adamw", test_optim_matches_reference_adamw);
  g_test_add_func ("/optim/clips-global-norm", test_optim_clips_global_norm);
  g_test_add_func ("/optim/refuses-non-finite-gradients", test_optim_refuses_non_finite_gradients);
  g_test_add_func ("/optim/decays-matrices-only", test_optim_decays_matrices_only);
  g_test_add_func ("/optim/validates", test_optim_validates);

  return g_test_run ();
}
