/* qks-adapt-mla.c: the DeepSeek-V2/V3 layout (multi-head latent attention)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-adapt-private.h"

/* DeepSeek's modeling_deepseek.py (V2, V2-Lite, V3), torch Linear weights:
 *   PREFIX layers.N.self_attn.q_a_proj.weight          [d_c', d]          W^DQ
 *                            q_a_layernorm.weight     [d_c']             γ_Q
 *                            q_b_proj.weight          [H(d_h + d_h^R), d_c']
 *          or, without query compression (V2-Lite):
 *                            q_proj.weight            [H(d_h + d_h^R), d]
 *                            kv_a_proj_with_mqa.weight [d_c + d_h^R, d]   [W^DKV; W^KR]
 *                            kv_a_layernorm.weight    [d_c]              γ_KV
 *                            kv_b_proj.weight         [H(d_h + d_v), d_c] per head [W^UK_h; W^UV_h]
 *                            o_proj.weight            [d, H d_v]
 * with d_c' = q_lora_rank, d_c = kv_lora_rank, d_h = qk_nope_head_dim,
 * d_h^R = qk_rope_head_dim, d_v = v_head_dim. Each head's rows of q_b_proj
 * are its content rows then its RoPE rows, and so are kv_b_proj's (keys
 * then values). These are SCIENCE.md a.3's matrices, and b.1's effective
 * maps follow, with the norm gains and without the data-dependent 1/rms:
 *   W_Q,h  = W^UQ_h diag(γ_Q) W^DQ     (or q_proj's content rows)
 *   W_QR,h = W^QR_h diag(γ_Q) W^DQ     (or q_proj's RoPE rows)
 *   W_K,h  = W^UK_h diag(γ_KV) W^DKV,  W_V,h = W^UV_h diag(γ_KV) W^DKV
 *   W_KR   = the last d_h^R rows of kv_a_proj_with_mqa, shared by every
 *            head, outside the norm as in the model.
 * DeepSeek's code permutes q_pe and k_pe from interleaved to half-split
 * pairs before the rotation; the same permutation on both leaves the RoPE
 * form at offset 0 unchanged (see qks-adapt-llama.c). V3's FP8 weights
 * must be converted to BF16 first (its own fp8_cast_bf16.py does). */

#define LAYER "layers.%u."
#define Q_A "self_attn.q_a_proj.weight"
#define Q_A_NORM "self_attn.q_a_layernorm.weight"
#define Q_B "self_attn.q_b_proj.weight"
#define Q "self_attn.q_proj.weight"
#define KV_A "self_attn.kv_a_proj_with_mqa.weight"
#define KV_A_NORM "self_attn.kv_a_layernorm.weight"
#define KV_B "self_attn.kv_b_proj.weight"
#define O "self_attn.o_proj.weight"

static gboolean
mla_recognise (QksModelFiles  *files,
               char          **prefix)
{
  return qks_adapt_find_prefix (files, "layers.0." KV_A, prefix);
}

static gboolean
need (QksAdapter   *self,
      guint         value,
      const char   *key,
      GError      **error)
{
  if (value > 0)
    return TRUE;
  g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_NO_CONFIG,
               "“%s”: %s does not give “%s”, which the multi-head latent attention layout needs",
               qks_model_files_get_display_name (self->files), QKS_MODEL_FILES_CONFIG, key);
  return FALSE;
}

static gboolean
mla_configure (QksAdapter  *self,
               GError     **error)
{
  QksAdaptSizes *s = &self->sizes;
  const QksHfConfig *config = qks_adapt_require_config (self, "the latent and head sizes", error);
  g_autofree char *why = NULL;
  gsize q_rows, kv_rows;

  if (config == NULL ||
      !need (self, config->d_model, "hidden_size", error) ||
      !need (self, config->n_heads, "num_attention_heads", error) ||
      !need (self, config->kv_lora_rank, "kv_lora_rank", error) ||
      !need (self, config->qk_nope_head_dim, "qk_nope_head_dim", error) ||
      !need (self, config->v_head_dim, "v_head_dim", error))
    return FALSE;

  s->d_model = config->d_model;
  s->n_heads = s->n_kv_heads = config->n_heads;
  s->d_head = config->qk_nope_head_dim;
  s->d_v = config->v_head_dim;
  s->d_rope = config->qk_rope_head_dim;
  s->d_latent_kv = config->kv_lora_rank;
  s->d_latent_q = config->q_lora_rank;
  q_rows = (gsize) s->n_heads * (s->d_head + s->d_rope);
  kv_rows = (gsize) s->n_heads * (s->d_head + s->d_v);

  if (!qks_adapt_count_layers (self, LAYER, KV_A, error))
    return FALSE;

  why = g_strdup_printf ("%s's sizes (d=%u, H=%u, q_lora_rank %u, kv_lora_rank %u, qk_nope_head_dim %u, "
                         "qk_rope_head_dim %u, v_head_dim %u)", QKS_MODEL_FILES_CONFIG, s->d_model,
                         s->n_heads, s->d_latent_q, s->d_latent_kv, s->d_head, s->d_rope, s->d_v);
  for (guint l = 0; l < s->n_layers; l++)
    {
      g_autofree char *q_a = qks_adapt_name (self, LAYER, l, Q_A);
      g_autofree char *q_a_norm = qks_adapt_name (self, LAYER, l, Q_A_NORM);
      g_autofree char *q_b = qks_adapt_name (self, LAYER, l, Q_B);
      g_autofree char *q = qks_adapt_name (self, LAYER, l, Q);
      g_autofree char *kv_a = qks_adapt_name (self, LAYER, l, KV_A);
      g_autofree char *kv_a_norm = qks_adapt_name (self, LAYER, l, KV_A_NORM);
      g_autofree char *kv_b = qks_adapt_name (self, LAYER, l, KV_B);
      g_autofree char *o = qks_adapt_name (self, LAYER, l, O);

      if (s->d_latent_q > 0)
        {
          if (!qks_adapt_check_shape (self, q_a, 2, s->d_latent_q, s->d_model, why, error) ||
              !qks_adapt_check_shape (self, q_a_norm, 1, s->d_latent_q, 0, why, error) ||
              !qks_adapt_check_shape (self, q_b, 2, q_rows, s->d_latent_q, why, error))
            return FALSE;
        }
      else if (!qks_adapt_check_shape (self, q, 2, q_rows, s->d_model, why, error))
        return FALSE;

      if (!qks_adapt_check_shape (self, kv_a, 2, (gsize) s->d_latent_kv + s->d_rope, s->d_model, why, error) ||
          !qks_adapt_check_shape (self, kv_a_norm, 1, s->d_latent_kv, 0, why, error) ||
          !qks_adapt_check_shape (self, kv_b, 2, kv_rows, s->d_latent_kv, why, error) ||
          !qks_adapt_check_shape (self, o, 2, s->d_model, (gsize) s->n_heads * s->d_v, why, error))
        return FALSE;
    }
  return TRUE;
}

/* diag(gains) · rows [@row, @row + @n) of @name: a down-projection with
 * the norm after it folded in. */
static QksMatrix *
read_down (QksAdapter  *self,
           guint        layer,
           const char  *weight,
           const char  *norm,
           gsize        n,
           GError     **error)
{
  g_autofree char *weight_name = qks_adapt_name (self, LAYER, layer, weight);
  g_autofree char *norm_name = qks_adapt_name (self, LAYER, layer, norm);
  g_autoptr(QksMatrix) down = qks_matrix_new (n, self->sizes.d_model);
  g_autofree double *gains = g_new (double, n);

  if (!qks_adapt_read (self, weight_name, 0, 0, QKS_NO_TRANSPOSE, down, error) ||
      !qks_model_files_read_vector (self->files, norm_name, gains, n, error))
    return NULL;
  qks_adapt_scale_rows (down, gains);
  return g_steal_pointer (&down);
}

/* @up's rows [@row, @row + @out->rows) times @down (NULL: the rows are the map). */
static gboolean
read_up (QksAdapter       *self,
         const char       *up,
         gsize             row,
         const QksMatrix  *down,
         QksMatrix        *out,
         GError          **error)
{
  g_autoptr(QksMatrix) block = NULL;
  g_autoptr(QksMatrix) product = NULL;

  if (down == NULL)
    return qks_adapt_read (self, up, row, 0, QKS_NO_TRANSPOSE, out, error);

  block = qks_matrix_new (out->rows, down->rows);
  if (!qks_adapt_read (self, up, row, 0, QKS_NO_TRANSPOSE, block, error) ||
      (product = qks_matrix_multiply (block, QKS_NO_TRANSPOSE, down, QKS_NO_TRANSPOSE, error)) == NULL)
    return FALSE;
  memcpy (out->data, product->data, out->rows * out->cols * sizeof (double));
  return TRUE;
}

static QksAttnHeads *
mla_load_layer (QksAdapter  *self,
                guint        layer,
                GError     **error)
{
  const QksAdaptSizes *s = &self->sizes;
  guint H = s->n_heads, d = s->d_model, d_h = s->d_head, d_r = s->d_rope, d_v = s->d_v;
  guint d_c = s->d_latent_kv, d_cq = s->d_latent_q;
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (H, d, d_h, d_v);
  g_autofree char *q_up = qks_adapt_name (self, LAYER, layer, d_cq > 0 ? Q_B : Q);
  g_autofree char *kv_a = qks_adapt_name (self, LAYER, layer, KV_A);
  g_autofree char *kv_b = qks_adapt_name (self, LAYER, layer, KV_B);
  g_autofree char *o = qks_adapt_name (self, LAYER, layer, O);
  g_autoptr(QksMatrix) q_down = NULL;
  g_autoptr(QksMatrix) kv_down = NULL;
  guint c = 0;

  if ((d_cq > 0 && (q_down = read_down (self, layer, Q_A, Q_A_NORM, d_cq, error)) == NULL) ||
      (kv_down = read_down (self, layer, KV_A, KV_A_NORM, d_c, error)) == NULL)
    return NULL;

  if (d_r > 0)
    {
      heads->d_rope = d_r;
      heads->w_q_rope = g_new0 (QksMatrix *, H);
      heads->w_k_rope = qks_matrix_new (d_r, d);
      if (!qks_adapt_read (self, kv_a, d_c, 0, QKS_NO_TRANSPOSE, heads->w_k_rope, error))
        return NULL;
    }

  for (guint h = 0; h < H; h++)
    {
      gsize q_row = (gsize) h * (d_h + d_r);
      gsize kv_row = (gsize) h * (d_h + d_v);

      if (!read_up (self, q_up, q_row, q_down, heads->w_q[h], error) ||
          !read_up (self, kv_b, kv_row, kv_down, heads->w_k[h], error) ||
          !read_up (self, kv_b, kv_row + d_h, kv_down, heads->w_v[h], error) ||
          !qks_adapt_read (self, o, 0, (gsize) h * d_v, QKS_NO_TRANSPOSE, heads->w_o[h], error))
        return NULL;
      if (d_r > 0)
        {
          heads->w_q_rope[h] = qks_matrix_new (d_r, d);
          if (!read_up (self, q_up, q_row + d_h, q_down, heads->w_q_rope[h], error))
            return NULL;
        }
    }

  /* The chains of random factors behind the content forms (b.4):
   * [d, d_c', d_h, d_c, d], or [d, d_h, d_c, d] without query compression. */
  heads->head_chain[c] = d;
  heads->layer_chain[c++] = d;
  if (d_cq > 0)
    {
      heads->head_chain[c] = d_cq;
      heads->layer_chain[c++] = d_cq;
    }
  heads->head_chain[c] = d_h;
  heads->layer_chain[c++] = H * d_h;
  heads->head_chain[c] = d_c;
  heads->layer_chain[c++] = d_c;
  heads->head_chain[c] = d;
  heads->layer_chain[c++] = d;
  heads->head_chain_length = heads->layer_chain_length = c;
  heads->shared_key_width = d_c;
  return g_steal_pointer (&heads);
}

const QksAdaptLayout qks_adapt_layout_mla = {
  .name = "DeepSeek-V2/V3 MLA",
  .expects = "“model.layers.0.self_attn.kv_a_proj_with_mqa.weight” [d_c + d_h^R, d], "
             "“…kv_a_layernorm.weight”, “…kv_b_proj.weight” [H(d_h + d_v), d_c], "
             "“…q_a_proj.weight”, “…q_a_layernorm.weight” and “…q_b_proj.weight” "
             "(or “…q_proj.weight”), “…o_proj.weight”",
  .recognise = mla_recognise,
  .configure = mla_configure,
  .load_layer = mla_load_layer,
};
