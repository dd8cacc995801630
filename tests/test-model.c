/* test-model.c: the variants' equivalences, the KV-cache calculator, and configurations
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-model.h"
#include "qks-rng.h"

#define BATCH 3
#define SEQ_LEN 16

static QksModel *
new_model (const QksModelConfig *config,
           guint64               seed)
{
  g_autoptr(GError) error = NULL;
  QksModel *model = qks_model_new (config, &error);

  g_assert_no_error (error);
  qks_model_init_weights (model, seed);
  g_assert_true (qks_model_reserve (model, BATCH, SEQ_LEN, &error));
  g_assert_no_error (error);
  return model;
}

static void
random_tokens (int     *inputs,
               int     *targets,
               guint64  seed)
{
  QksRng rng;

  qks_rng_init (&rng, seed);
  for (guint i = 0; i < BATCH * SEQ_LEN; i++)
    {
      inputs[i] = (int) qks_rng_uniform_int (&rng, 256);
      targets[i] = (int) qks_rng_uniform_int (&rng, 256);
    }
}

static void
small_config (QksModelConfig *config,
              QksAttnKind     kind)
{
  g_assert_true (qks_model_config_init_sizes (config, 64, 2, 4, SEQ_LEN, NULL));
  qks_model_config_set_attention (config, kind);
}

/* Copies tensor @from of @source into tensor @to of @target, same size. */
static void
copy_tensor (QksModel   *target,
             const char *to,
             QksModel   *source,
             const char *from,
             double      scale)
{
  gsize n_to, n_from;
  qks_real *dst = qks_model_get_tensor (target, to, &n_to);
  const qks_real *src = qks_model_get_tensor (source, from, &n_from);

  g_assert_nonnull (dst);
  g_assert_nonnull (src);
  g_assert_cmpuint (n_to, ==, n_from);
  for (gsize i = 0; i < n_to; i++)
    dst[i] = (qks_real) (src[i] * scale);
}

/* Copies every tensor of @source whose name exists in @target. */
static guint
copy_same_names (QksModel *target,
                 QksModel *source)
{
  const QksParamLayout *layout = qks_model_get_layout (source);
  guint copied = 0;

  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);

      if (qks_model_get_tensor (target, tensor->name, NULL) != NULL)
        {
          copy_tensor (target, tensor->name, source, tensor->name, 1.0);
          copied++;
        }
    }
  return copied;
}

static void
assert_same_outputs (QksModel *a,
                     QksModel *b,
                     double    tolerance)
{
  int inputs[BATCH * SEQ_LEN], targets[BATCH * SEQ_LEN];
  double loss_a, loss_b, max_difference = 0.0;
  g_autofree qks_real *probs_a = NULL;
  const qks_real *probs_b;

  random_tokens (inputs, targets, 5);
  loss_a = qks_model_forward (a, inputs, targets, BATCH, SEQ_LEN);
  probs_a = g_memdup2 (qks_model_get_probs (a), BATCH * SEQ_LEN * 256 * sizeof (qks_real));
  loss_b = qks_model_forward (b, inputs, targets, BATCH, SEQ_LEN);
  probs_b = qks_model_get_probs (b);

  for (gsize i = 0; i < BATCH * SEQ_LEN * 256; i++)
    max_difference = MAX (max_difference, fabs (probs_a[i] - probs_b[i]));
  g_test_message ("losses %.9f and %.9f, probabilities within %.2e", loss_a, loss_b, max_difference);
  g_assert_cmpfloat (fabs (loss_a - loss_b), <, tolerance);
  g_assert_cmpfloat (max_difference, <, tolerance);
}

/* Scales up every matrix so that attention is far from uniform: equal
 * outputs of near-uniform attention would prove little. */
static void
sharpen (QksModel *model)
{
  const QksParamLayout *layout = qks_model_get_layout (model);
  qks_real *params = qks_model_get_params (model);

  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);

      if (tensor->init == QKS_INIT_NORMAL && strstr (tensor->name, ".attn.") != NULL)
        for (gsize j = 0; j < tensor->size; j++)
          params[tensor->offset + j] *= 8;
    }
}

static void
test_model_gqa_with_g_equal_h_is_mha (void)
{
  QksModelConfig mha_config, gqa_config;
  g_autoptr(QksModel) mha = NULL;
  g_autoptr(QksModel) gqa = NULL;

  small_config (&mha_config, QKS_ATTN_MHA);
  small_config (&gqa_config, QKS_ATTN_GQA);
  gqa_config.n_kv_groups = gqa_config.n_heads;
  mha = new_model (&mha_config, 1);
  sharpen (mha);
  gqa = new_model (&gqa_config, 2);

  g_assert_cmpuint (copy_same_names (gqa, mha), ==, qks_param_layout_get_n_tensors (qks_model_get_layout (gqa)));
  assert_same_outputs (mha, gqa, 1e-6);
}

static void
test_model_lrkv_rank_zero_is_mqa (void)
{
  QksModelConfig mqa_config, lrkv_config;
  g_autoptr(QksModel) mqa = NULL;
  g_autoptr(QksModel) lrkv = NULL;

  small_config (&mqa_config, QKS_ATTN_MQA);
  small_config (&lrkv_config, QKS_ATTN_LRKV);
  lrkv_config.lrkv_rank = 0;
  mqa = new_model (&mqa_config, 3);
  sharpen (mqa);
  lrkv = new_model (&lrkv_config, 4);

  copy_same_names (lrkv, mqa);
  for (guint l = 0; l < 2; l++)
    {
      g_autofree char *wk = g_strdup_printf ("layers.%u.attn.wk.weight", l);
      g_autofree char *wv = g_strdup_printf ("layers.%u.attn.wv.weight", l);
      g_autofree char *wk_shared = g_strdup_printf ("layers.%u.attn.wk_shared.weight", l);
      g_autofree char *wv_shared = g_strdup_printf ("layers.%u.attn.wv_shared.weight", l);

      copy_tensor (lrkv, wk_shared, mqa, wk, 1.0);
      copy_tensor (lrkv, wv_shared, mqa, wv, 1.0);
    }
  assert_same_outputs (mqa, lrkv, 1e-6);
}

/* And a residual of rank r ≥ 1 does change the output: the previous test
 * is not passing because the residual path is dead. */
static void
test_model_lrkv_residual_matters (void)
{
  QksModelConfig config;
  g_autoptr(QksModel) a = NULL;
  g_autoptr(QksModel) b = NULL;
  int inputs[BATCH * SEQ_LEN], targets[BATCH * SEQ_LEN];
  gsize n;
  qks_real *up;
  double loss_a, loss_b;

  small_config (&config, QKS_ATTN_LRKV);
  a = new_model (&config, 6);
  sharpen (a);
  b = new_model (&config, 7);
  copy_same_names (b, a);
  up = qks_model_get_tensor (b, "layers.0.attn.k_up.weight", &n);
  for (gsize i = 0; i < n; i++)
    up[i] = 0;

  random_tokens (inputs, targets, 8);
  loss_a = qks_model_forward (a, inputs, targets, BATCH, SEQ_LEN);
  loss_b = qks_model_forward (b, inputs, targets, BATCH, SEQ_LEN);
  g_assert_cmpfloat (fabs (loss_a - loss_b), >, 1e-4);
}

static void
test_model_mla_decoupled_zero_rope_is_mla_without_rope_path (void)
{
  QksModelConfig with_config, without_config;
  g_autoptr(QksModel) with_rope = NULL;
  g_autoptr(QksModel) without_rope = NULL;
  double scale;

  small_config (&with_config, QKS_ATTN_MLA_DECOUPLED);
  without_config = with_config;
  without_config.d_rope = 0;
  with_rope = new_model (&with_config, 9);
  sharpen (with_rope);
  without_rope = new_model (&without_config, 10);

  copy_same_names (without_rope, with_rope);
  for (guint l = 0; l < 2; l++)
    {
      g_autofree char *q_rope = g_strdup_printf ("layers.%u.attn.q_rope.weight", l);
      g_autofree char *k_rope = g_strdup_printf ("layers.%u.attn.k_rope.weight", l);
      g_autofree char *q_up = g_strdup_printf ("layers.%u.attn.q_up.weight", l);
      gsize n;
      qks_real *w;

      w = qks_model_get_tensor (with_rope, q_rope, &n);
      memset (w, 0, n * sizeof (qks_real));
      w = qks_model_get_tensor (with_rope, k_rope, &n);
      memset (w, 0, n * sizeof (qks_real));

      /* The mapping: with the RoPE path the scores are divided by
       * sqrt(d_h + d_h^R), without it by sqrt(d_h). */
      scale = sqrt ((double) with_config.d_head / (with_config.d_head + with_config.d_rope));
      copy_tensor (without_rope, q_up, with_rope, q_up, scale);
    }
  assert_same_outputs (with_rope, without_rope, 1e-6);
}

/* The RoPE path carries position: with it, MLA-Decoupled's output depends on
 * the order of tokens beyond what the causal mask gives. A model whose
 * attention ignores position predicts the last token from the multiset of
 * earlier tokens; permuting them changes nothing. */
static gboolean
last_prediction_depends_on_order (QksAttnKind kind,
                                  guint       d_rope)
{
  QksModelConfig config;
  g_autoptr(QksModel) model = NULL;
  int inputs[BATCH * SEQ_LEN], targets[BATCH * SEQ_LEN], swapped[BATCH * SEQ_LEN];
  g_autofree qks_real *before = NULL;
  const qks_real *after;
  gsize last = (SEQ_LEN - 1) * 256;
  double max_difference = 0.0;

  small_config (&config, kind);
  config.d_rope = d_rope;
  /* One layer: with two, earlier positions' states already differ. */
  config.n_layers = 1;
  model = new_model (&config, 11);
  sharpen (model);
  random_tokens (inputs, targets, 12);
  memcpy (swapped, inputs, sizeof inputs);
  swapped[2] = inputs[5];
  swapped[5] = inputs[2];

  qks_model_forward (model, inputs, NULL, BATCH, SEQ_LEN);
  before = g_memdup2 (qks_model_get_probs (model), BATCH * SEQ_LEN * 256 * sizeof (qks_real));
  qks_model_forward (model, swapped, NULL, BATCH, SEQ_LEN);
  after = qks_model_get_probs (model);
  for (gsize i = 0; i < 256; i++)
    max_difference = MAX (max_difference, fabs (before[last + i] - after[last + i]));
  return max_difference > 1e-6;
}

static void
test_model_position_enters_through_rope (void)
{
  g_assert_false (last_prediction_depends_on_order (QKS_ATTN_MLA_DECOUPLED, 0));
  g_assert_true (last_prediction_depends_on_order (QKS_ATTN_MLA_DECOUPLED, 8));
  g_assert_true (last_prediction_depends_on_order (QKS_ATTN_MHA, 8));
  g_assert_true (last_prediction_depends_on_order (QKS_ATTN_MLA_PREROPE, 8));
}

/* Causality: changing a later token never changes an earlier prediction. */
static void
test_model_is_causal (void)
{
  for (QksAttnKind kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
    {
      QksModelConfig config;
      g_autoptr(QksModel) model = NULL;
      int inputs[BATCH * SEQ_LEN], targets[BATCH * SEQ_LEN];
      g_autofree qks_real *before = NULL;
      const qks_real *after;

      small_config (&config, kind);
      model = new_model (&config, 13);
      sharpen (model);
      random_tokens (inputs, targets, 14);
      qks_model_forward (model, inputs, NULL, BATCH, SEQ_LEN);
      before = g_memdup2 (qks_model_get_probs (model), BATCH * SEQ_LEN * 256 * sizeof (qks_real));
      inputs[9] = (inputs[9] + 1) % 256;
      qks_model_forward (model, inputs, NULL, BATCH, SEQ_LEN);
      after = qks_model_get_probs (model);

      g_assert_cmpmem (before, 9 * 256 * sizeof (qks_real), after, 9 * 256 * sizeof (qks_real));
      g_assert_true (memcmp (before + 9 * 256, after + 9 * 256, 256 * sizeof (qks_real)) != 0);
    }
}

/* The loss of an untrained model is close to ln 256: the init is small. */
static void
test_model_initial_loss_is_uniform (void)
{
  for (QksAttnKind kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
    {
      QksModelConfig config;
      g_autoptr(QksModel) model = NULL;
      int inputs[BATCH * SEQ_LEN], targets[BATCH * SEQ_LEN];
      double loss;

      small_config (&config, kind);
      model = new_model (&config, 15);
      random_tokens (inputs, targets, 16);
      loss = qks_model_forward (model, inputs, targets, BATCH, SEQ_LEN);
      g_assert_cmpfloat (fabs (loss - log (256.0)), <, 0.05);
    }
}

/* SCIENCE.md a.7 ------------------------------------------------------------ */

static void
test_model_kv_cache_deepseek_v2 (void)
{
  QksModelConfig config = { 0 };

  /* DeepSeek-V2: d = 5120, H = 128, d_h = 128, d_c = 512, d_c' = 1536,
   * d_h^R = 64, 60 layers: 576 elements per layer, 34 560 per token. */
  config.vocab_size = 102400;
  config.d_model = 5120;
  config.n_layers = 60;
  config.n_heads = 128;
  config.d_head = 128;
  config.d_mlp = 12288;
  config.seq_len = 4096;
  config.rope_base = 10000;
  qks_model_config_set_attention (&config, QKS_ATTN_MLA_DECOUPLED);
  config.d_latent_kv = 512;
  config.d_latent_q = 1536;
  config.d_rope = 64;
  g_assert_true (qks_model_config_validate (&config, NULL));
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 1), ==, 34560.0);

  /* MHA of the same shape: 2 H d_h = 32 768 per layer. */
  qks_model_config_set_attention (&config, QKS_ATTN_MHA);
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 1), ==, 60.0 * 32768);

  /* Their ratio per layer is (9/2) d_h against 2 H d_h (a.3). */
  g_assert_cmpfloat (576.0, ==, 4.5 * 128);
}

static void
test_model_kv_cache_lrkv_example (void)
{
  QksModelConfig config;

  /* LRKV v2's example: 18 layers, 18 heads, d_h = 128, 8192 tokens, bf16
   * evaluates to 1 358 954 496 bytes (the paper prints 648 MB, see e.9). */
  g_assert_true (qks_model_config_init_sizes (&config, 18 * 128, 18, 18, 8192, NULL));
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 2) * 8192, ==, 1358954496.0);

  /* LRKV against MHA: 1/H + r/d_h; r = 64 gives 1/18 + 1/2. */
  qks_model_config_set_attention (&config, QKS_ATTN_LRKV);
  config.lrkv_rank = 64;
  g_assert_cmpfloat_with_epsilon (qks_model_kv_cache_bytes (&config, 2) * 8192 / 1358954496.0,
                                  1.0 / 18 + 64.0 / 128, 1e-12);
}

static void
test_model_kv_cache_other_variants (void)
{
  QksModelConfig config;

  g_assert_true (qks_model_config_init_preset (&config, "small", NULL));
  /* d = 256, H = 8, d_h = 32, L = 6 */
  qks_model_config_set_attention (&config, QKS_ATTN_GQA);
  g_assert_cmpuint (config.n_kv_groups, ==, 2);
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 1), ==, 6.0 * 2 * 2 * 32);
  qks_model_config_set_attention (&config, QKS_ATTN_MQA);
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 1), ==, 6.0 * 2 * 32);
  qks_model_config_set_attention (&config, QKS_ATTN_MLA_PREROPE);
  g_assert_cmpuint (config.d_latent_kv, ==, 64);
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 1), ==, 6.0 * 64);
  qks_model_config_set_attention (&config, QKS_ATTN_MLA_DECOUPLED);
  g_assert_cmpuint (config.d_rope, ==, 16);
  g_assert_cmpuint (config.d_latent_q, ==, 96);
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 4), ==, 6.0 * (64 + 16) * 4);
  qks_model_config_set_attention (&config, QKS_ATTN_LRKV);
  g_assert_cmpuint (config.lrkv_rank, ==, 8);
  g_assert_cmpfloat (qks_model_kv_cache_bytes (&config, 1), ==, 6.0 * 2 * (32 + 8 * 8));
}

/* Configurations ------------------------------------------------------------ */

static void
assert_invalid (const QksModelConfig *config,
                const char           *expected)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (qks_model_config_validate (config, &error));
  g_assert_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID);
  if (strstr (error->message, expected) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, expected);
}

static void
test_model_impossible_configurations (void)
{
  QksModelConfig config;
  g_autoptr(GError) error = NULL;

  g_assert_false (qks_model_config_init_sizes (&config, 130, 2, 4, 16, &error));
  g_assert_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not divisible"));

  small_config (&config, QKS_ATTN_GQA);
  config.n_kv_groups = 3;
  assert_invalid (&config, "divide");

  small_config (&config, QKS_ATTN_LRKV);
  config.lrkv_rank = config.d_head + 1;
  assert_invalid (&config, "exceeds");

  small_config (&config, QKS_ATTN_MLA_DECOUPLED);
  config.d_rope = 3;
  assert_invalid (&config, "odd");

  small_config (&config, QKS_ATTN_MLA_PREROPE);
  config.d_latent_kv = 0;
  assert_invalid (&config, "d_c");

  small_config (&config, QKS_ATTN_MHA);
  config.n_layers = 0;
  assert_invalid (&config, "layers");

  small_config (&config, QKS_ATTN_MQA);
  config.n_kv_groups = 2;
  assert_invalid (&config, "MQA");
}

static void
test_model_config_json_round_trip (void)
{
  for (QksAttnKind kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
    {
      QksModelConfig config, back;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;

      small_config (&config, kind);
      config.mla_rope_mode = QKS_MLA_ROPE_ROTATE_THEN_COMPRESS;
      config.lrkv_init = QKS_LRKV_INIT_ZERO_B;
      node = qks_model_config_to_json (&config);
      g_assert_true (qks_model_config_from_json (&back, node, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (&config, sizeof config, &back, sizeof back);
    }
}

static void
test_model_config_json_rejects_bad_input (void)
{
  QksModelConfig config;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  small_config (&config, QKS_ATTN_MHA);
  node = qks_model_config_to_json (&config);
  object = json_node_get_object (node);
  json_object_set_string_member (object, "attention", "sparse");
  g_assert_false (qks_model_config_from_json (&config, node, &error));
  g_assert_nonnull (strstr (error->message, "sparse"));
  g_clear_error (&error);

  json_object_set_string_member (object, "attention", "mha");
  json_object_remove_member (object, "d_model");
  g_assert_false (qks_model_config_from_json (&config, node, &error));
  g_assert_nonnull (strstr (error->message, "d_model"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/gqa-with-g-equal-h-is-mha", test_model_gqa_with_g_equal_h_is_mha);
  g_test_add_func ("/model/lrkv-rank-zero-is-mqa", test_model_lrkv_rank_zero_is_mqa);
  g_test_add_func ("/model/lrkv-residual-matters", test_model_lrkv_residual_matters);
  g_test_add_func ("/model/mla-decoupled-zero-rope-is-mla-without-rope-path",
                   test_model_mla_decoupled_zero_rope_is_mla_without_rope_path);
  g_test_add_func ("/model/position-enters-through-rope", test_model_position_enters_through_rope);
  g_test_add_func ("/model/is-causal", test_model_is_causal);
  g_test_add_func ("/model/initial-loss-is-uniform", test_model_initial_loss_is_uniform);
  g_test_add_func ("/model/kv-cache-deepseek-v2", test_model_kv_cache_deepseek_v2);
  g_test_add_func ("/model/kv-cache-lrkv-example", test_model_kv_cache_lrkv_example);
  g_test_add_func ("/model/kv-cache-other-variants", test_model_kv_cache_other_variants);
  g_test_add_func ("/model/impossible-configurations", test_model_impossible_configurations);
  g_test_add_func ("/model/config-json-round-trip", test_model_config_json_round_trip);
  g_test_add_func ("/model/config-json-rejects-bad-input", test_model_config_json_rejects_bad_input);

  return g_test_run ();
}
