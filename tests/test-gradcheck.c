/* test-gradcheck.c: every backward pass against finite differences
 *
 * This file is built against the engine compiled in double precision
 * (QKS_REAL_DOUBLE), so central differences are accurate to ~1e-9 and the
 * check can be tight. It checks every parameter tensor of every variant.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-model.h"
#include "qks-rng.h"

#define BATCH 2
#define SEQ_LEN 6
#define STEP 1e-5
#define SAMPLES_PER_TENSOR 24

G_STATIC_ASSERT (sizeof (qks_real) == sizeof (double));

typedef struct
{
  const char  *name;
  QksAttnKind  kind;
  void       (*tweak) (QksModelConfig *config);
} GradCase;

static void
base_config (QksModelConfig *config,
             QksAttnKind     kind)
{
  g_assert_true (qks_model_config_init_sizes (config, 16, 2, 4, SEQ_LEN, NULL));
  config->d_mlp = 24;
  qks_model_config_set_attention (config, kind);
  config->n_kv_groups = kind == QKS_ATTN_GQA ? 2 : config->n_kv_groups;
  config->d_latent_kv = 6;
  config->d_latent_q = 5;
  config->d_rope = 2;
  config->lrkv_rank = 2;
}

static void tweak_none (QksModelConfig *config) { }
static void tweak_rotate_then_compress (QksModelConfig *config) { config->mla_rope_mode = QKS_MLA_ROPE_ROTATE_THEN_COMPRESS; }
static void tweak_no_rope_path (QksModelConfig *config) { config->d_rope = 0; }
static void tweak_zero_b (QksModelConfig *config) { config->lrkv_init = QKS_LRKV_INIT_ZERO_B; }
static void tweak_rank_zero (QksModelConfig *config) { config->lrkv_rank = 0; }

static const GradCase cases[] = {
  { "mha", QKS_ATTN_MHA, tweak_none },
  { "gqa", QKS_ATTN_GQA, tweak_none },
  { "mqa", QKS_ATTN_MQA, tweak_none },
  { "mla-prerope", QKS_ATTN_MLA_PREROPE, tweak_none },
  { "mla-prerope-rotate-then-compress", QKS_ATTN_MLA_PREROPE, tweak_rotate_then_compress },
  { "mla-decoupled", QKS_ATTN_MLA_DECOUPLED, tweak_none },
  { "mla-decoupled-no-rope-path", QKS_ATTN_MLA_DECOUPLED, tweak_no_rope_path },
  { "lrkv", QKS_ATTN_LRKV, tweak_none },
  { "lrkv-zero-b", QKS_ATTN_LRKV, tweak_zero_b },
  { "lrkv-rank-zero", QKS_ATTN_LRKV, tweak_rank_zero },
};

static double
loss_at (QksModel  *model,
         const int *inputs,
         const int *targets)
{
  return qks_model_forward (model, inputs, targets, BATCH, SEQ_LEN);
}

static void
check_gradients (gconstpointer data)
{
  const GradCase *grad_case = data;
  QksModelConfig config;
  g_autoptr(QksModel) model = NULL;
  g_autoptr(GError) error = NULL;
  const QksParamLayout *layout;
  g_autofree double *analytic = NULL;
  int inputs[BATCH * SEQ_LEN], targets[BATCH * SEQ_LEN];
  qks_real *params;
  QksRng rng;

  base_config (&config, grad_case->kind);
  grad_case->tweak (&config);
  model = qks_model_new (&config, &error);
  g_assert_no_error (error);
  qks_model_init_weights (model, 17);
  g_assert_true (qks_model_reserve (model, BATCH, SEQ_LEN, &error));

  /* Gains of exactly 1 would leave some mistakes unseen: spread them. */
  qks_rng_init (&rng, 99);
  layout = qks_model_get_layout (model);
  params = qks_model_get_params (model);
  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);

      if (tensor->init == QKS_INIT_ONES)
        for (gsize j = 0; j < tensor->size; j++)
          params[tensor->offset + j] = 1.0 + 0.3 * qks_rng_normal (&rng);
      /* Scale matrices up so that attention is far from uniform. */
      else if (tensor->init == QKS_INIT_NORMAL)
        for (gsize j = 0; j < tensor->size; j++)
          params[tensor->offset + j] *= 10.0;
    }

  for (guint i = 0; i < BATCH * SEQ_LEN; i++)
    {
      inputs[i] = (int) qks_rng_uniform_int (&rng, config.vocab_size);
      targets[i] = (int) qks_rng_uniform_int (&rng, config.vocab_size);
    }

  qks_model_zero_grad (model);
  loss_at (model, inputs, targets);
  qks_model_backward (model);
  analytic = g_memdup2 (qks_model_get_grads (model), qks_model_get_n_params (model) * sizeof (double));

  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);
      gboolean all = tensor->size <= SAMPLES_PER_TENSOR * 2;
      guint n_checks = all ? (guint) tensor->size : SAMPLES_PER_TENSOR;
      double max_difference = 0.0, max_numeric = 0.0, max_error;
      gboolean may_be_zero;

      for (guint c = 0; c < n_checks; c++)
        {
          gsize j = tensor->offset + (all ? c : qks_rng_uniform_int (&rng, tensor->size));
          double saved = params[j], plus, minus, numeric;

          params[j] = saved + STEP;
          plus = loss_at (model, inputs, targets);
          params[j] = saved - STEP;
          minus = loss_at (model, inputs, targets);
          params[j] = saved;
          numeric = (plus - minus) / (2 * STEP);

          max_difference = MAX (max_difference, fabs (numeric - analytic[j]));
          max_numeric = MAX (max_numeric, fabs (numeric));
        }

      /* Relative to the tensor's largest gradient: an element whose gradient
       * is near zero only measures the rounding of the differences. */
      max_error = max_difference / (max_numeric + 1e-12);

      g_test_message ("%s: %s max relative error %.2e (|grad| up to %.2e)",
                      grad_case->name, tensor->name, max_error, max_numeric);
      if (max_error > 1e-6)
        g_error ("%s: the gradient of %s is wrong: relative error %.2e",
                 grad_case->name, tensor->name, max_error);

      /* A tensor whose gradient is zero everywhere would pass for free;
       * only LRKV's down-projections may be, when B starts at zero. */
      may_be_zero = config.lrkv_init == QKS_LRKV_INIT_ZERO_B && g_str_has_suffix (tensor->name, "_down.weight");
      if (!may_be_zero && max_numeric < 1e-9)
        g_error ("%s: %s has no gradient at all", grad_case->name, tensor->name);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gradcheck/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], check_gradients);
    }

  return g_test_run ();
}
