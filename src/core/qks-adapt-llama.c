/* qks-adapt-llama.c: the LLaMA / Mistral / Qwen2 layout (separate q, k, v, o projections)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-adapt-private.h"

/* Hugging Face transformers' LlamaAttention and the many models that copy
 * it (Mistral, Qwen2, Qwen3, Gemma, …):
 *   PREFIX layers.N.self_attn.q_proj.weight  [H·d_h, d]   torch Linear: (out, in)
 *                             k_proj.weight  [G·d_h, d]   G = num_key_value_heads
 *                             v_proj.weight  [G·d_h, d]
 *                             o_proj.weight  [d, H·d_h]
 *                             q_norm.weight, k_norm.weight  [d_h]  (Qwen3 only)
 * Head h reads key/value head ⌊h·G/H⌋ (SCIENCE.md a.2; transformers'
 * repeat_kv gives the same). Biases (Qwen2's q/k/v) are not part of the
 * bilinear forms of b.1 and are left out, as are the input norm's gains,
 * which QK Scope's own models leave out too. Qwen3's per-head q/k RMSNorm
 * gains sit between the projection and the score, so they are folded in:
 * W_Q,h ← diag(γ_q) W_Q,h (the data-dependent 1/rms is ignored, as for
 * MLA's latents, e.5).
 *
 * RoPE permutation: the conversion script from Meta's weights permutes the
 * rows of each head's q and k so that the interleaved rotation becomes
 * rotate_half. It is one fixed permutation P applied to both W_Q,h and
 * W_K,h, so B_h = W_Q,hᵀ PᵀP W_K,h is unchanged, the row spaces (HDI,
 * principal angles) are unchanged, and the cross-Gram only changes by the
 * similarity P C Pᵀ (same singular values). Every metric of b.1–b.7 is
 * computed at RoPE offset 0, so none depends on the pairing convention, and
 * nothing is undone here. */

#define LAYER "layers.%u."
#define Q "self_attn.q_proj.weight"
#define K "self_attn.k_proj.weight"
#define V "self_attn.v_proj.weight"
#define O "self_attn.o_proj.weight"
#define Q_NORM "self_attn.q_norm.weight"
#define K_NORM "self_attn.k_norm.weight"

static gboolean
llama_recognise (QksModelFiles  *files,
                 char          **prefix)
{
  return qks_adapt_find_prefix (files, "layers.0." Q, prefix);
}

static gboolean
llama_configure (QksAdapter  *self,
                 GError     **error)
{
  QksAdaptSizes *s = &self->sizes;
  const QksHfConfig *config = qks_adapt_require_config (self, "the number of heads", error);
  const char *display = qks_model_files_get_display_name (self->files);
  g_autofree char *heads_why = NULL;
  g_autofree char *kv_why = NULL;
  g_autofree char *q_norm_0 = NULL;

  if (config == NULL)
    return FALSE;
  if (config->d_model == 0 || config->n_heads == 0)
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_NO_CONFIG,
                   "“%s”: %s does not give “hidden_size” and “num_attention_heads”",
                   display, QKS_MODEL_FILES_CONFIG);
      return FALSE;
    }
  s->d_model = config->d_model;
  s->n_heads = config->n_heads;
  s->n_kv_heads = config->n_kv_heads > 0 ? config->n_kv_heads : config->n_heads;
  if (config->head_dim > 0)
    s->d_head = config->head_dim;
  else if (config->d_model % config->n_heads == 0)
    s->d_head = config->d_model / config->n_heads;
  else
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                   "“%s”: %s gives no “head_dim”, and its hidden_size %u does not split into %u heads",
                   display, QKS_MODEL_FILES_CONFIG, config->d_model, config->n_heads);
      return FALSE;
    }
  s->d_v = s->d_head;

  if (!qks_adapt_count_layers (self, LAYER, Q, error))
    return FALSE;
  q_norm_0 = qks_adapt_name (self, LAYER, 0, Q_NORM);
  s->qk_norm = qks_model_files_lookup (self->files, q_norm_0, NULL) != NULL;

  heads_why = g_strdup_printf ("%s's %u heads of %u dims and hidden_size %u", QKS_MODEL_FILES_CONFIG,
                               s->n_heads, s->d_head, s->d_model);
  kv_why = g_strdup_printf ("%s's %u key/value heads of %u dims and hidden_size %u",
                            QKS_MODEL_FILES_CONFIG, s->n_kv_heads, s->d_head, s->d_model);
  for (guint l = 0; l < s->n_layers; l++)
    {
      g_autofree char *q = qks_adapt_name (self, LAYER, l, Q);
      g_autofree char *k = qks_adapt_name (self, LAYER, l, K);
      g_autofree char *v = qks_adapt_name (self, LAYER, l, V);
      g_autofree char *o = qks_adapt_name (self, LAYER, l, O);

      if (!qks_adapt_check_shape (self, q, 2, (gsize) s->n_heads * s->d_head, s->d_model, heads_why, error) ||
          !qks_adapt_check_shape (self, k, 2, (gsize) s->n_kv_heads * s->d_head, s->d_model, kv_why, error) ||
          !qks_adapt_check_shape (self, v, 2, (gsize) s->n_kv_heads * s->d_head, s->d_model, kv_why, error) ||
          !qks_adapt_check_shape (self, o, 2, s->d_model, (gsize) s->n_heads * s->d_head, heads_why, error))
        return FALSE;
      if (s->qk_norm)
        {
          g_autofree char *qn = qks_adapt_name (self, LAYER, l, Q_NORM);
          g_autofree char *kn = qks_adapt_name (self, LAYER, l, K_NORM);

          if (!qks_adapt_check_shape (self, qn, 1, s->d_head, 0, heads_why, error) ||
              !qks_adapt_check_shape (self, kn, 1, s->d_head, 0, heads_why, error))
            return FALSE;
        }
    }
  return TRUE;
}

static QksAttnHeads *
llama_load_layer (QksAdapter  *self,
                  guint        layer,
                  GError     **error)
{
  const QksAdaptSizes *s = &self->sizes;
  guint H = s->n_heads, G = s->n_kv_heads, d_h = s->d_head;
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (H, s->d_model, d_h, d_h);
  g_autofree char *q = qks_adapt_name (self, LAYER, layer, Q);
  g_autofree char *k = qks_adapt_name (self, LAYER, layer, K);
  g_autofree char *v = qks_adapt_name (self, LAYER, layer, V);
  g_autofree char *o = qks_adapt_name (self, LAYER, layer, O);
  g_autofree double *q_gains = NULL;
  g_autofree double *k_gains = NULL;

  if (s->qk_norm)
    {
      g_autofree char *qn = qks_adapt_name (self, LAYER, layer, Q_NORM);
      g_autofree char *kn = qks_adapt_name (self, LAYER, layer, K_NORM);

      q_gains = g_new (double, d_h);
      k_gains = g_new (double, d_h);
      if (!qks_model_files_read_vector (self->files, qn, q_gains, d_h, error) ||
          !qks_model_files_read_vector (self->files, kn, k_gains, d_h, error))
        return NULL;
    }

  for (guint h = 0; h < H; h++)
    {
      gsize group_row = (gsize) (h * G / H) * d_h;
      /* The group's keys and values were read for the head before. */
      gboolean repeat = h > 0 && h * G / H == (h - 1) * G / H;

      if (!qks_adapt_read (self, q, (gsize) h * d_h, 0, QKS_NO_TRANSPOSE, heads->w_q[h], error) ||
          !qks_adapt_read (self, o, 0, (gsize) h * d_h, QKS_NO_TRANSPOSE, heads->w_o[h], error))
        return NULL;
      if (s->qk_norm)
        qks_adapt_scale_rows (heads->w_q[h], q_gains);
      if (repeat)
        {
          qks_matrix_copy_into (heads->w_k[h], heads->w_k[h - 1]);
          qks_matrix_copy_into (heads->w_v[h], heads->w_v[h - 1]);
          continue;
        }
      if (!qks_adapt_read (self, k, group_row, 0, QKS_NO_TRANSPOSE, heads->w_k[h], error) ||
          !qks_adapt_read (self, v, group_row, 0, QKS_NO_TRANSPOSE, heads->w_v[h], error))
        return NULL;
      if (s->qk_norm)
        qks_adapt_scale_rows (heads->w_k[h], k_gains);
    }

  qks_adapt_set_gqa_chains (heads, G);
  return g_steal_pointer (&heads);
}

const QksAdaptLayout qks_adapt_layout_llama = {
  .name = "LLaMA/Mistral/Qwen2",
  .expects = "“model.layers.0.self_attn.q_proj.weight” [H·d_h, d], “…k_proj.weight” and "
             "“…v_proj.weight” [G·d_h, d], “…o_proj.weight” [d, H·d_h]",
  .recognise = llama_recognise,
  .configure = llama_configure,
  .load_layer = llama_load_layer,
};
