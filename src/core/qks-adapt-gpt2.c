/* qks-adapt-gpt2.c: the GPT-2 layout (one fused c_attn, Conv1D weights)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-adapt-private.h"

/* OpenAI's GPT-2 as Hugging Face stores it (GPT2Model, with or without the
 * “transformer.” of GPT2LMHeadModel):
 *   PREFIX h.N.attn.c_attn.weight  [d, 3d]   Conv1D: y = x W + b, so (in, out)
 *                 attn.c_proj.weight  [d, d]
 * The columns of c_attn are [q | k | v], each d wide and split into H heads
 * of d_h = d / H columns. In the column convention of SCIENCE.md (a weight
 * is out × in) a head's W_Q,h is the transpose of its column block:
 * W_Q,h = c_attn[:, h·d_h : (h+1)·d_h]ᵀ (k at column d, v at 2d), and its
 * W_O,h = c_proj[h·d_h : (h+1)·d_h, :]ᵀ. The biases and ln_1's gains are
 * not part of the forms (as for the other layouts). */

#define LAYER "h.%u."
#define QKV "attn.c_attn.weight"
#define PROJ "attn.c_proj.weight"

static gboolean
gpt2_recognise (QksModelFiles  *files,
                char          **prefix)
{
  return qks_adapt_find_prefix (files, "h.0." QKV, prefix);
}

static gboolean
gpt2_configure (QksAdapter  *self,
                GError     **error)
{
  QksAdaptSizes *s = &self->sizes;
  const QksHfConfig *config = qks_adapt_require_config (self, "the number of heads", error);
  const char *display = qks_model_files_get_display_name (self->files);
  g_autofree char *why = NULL;

  if (config == NULL)
    return FALSE;
  if (config->d_model == 0 || config->n_heads == 0)
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_NO_CONFIG,
                   "“%s”: %s does not give “n_embd” and “n_head”", display, QKS_MODEL_FILES_CONFIG);
      return FALSE;
    }
  if (config->d_model % config->n_heads != 0)
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                   "“%s”: %s's n_embd %u does not split into %u heads", display,
                   QKS_MODEL_FILES_CONFIG, config->d_model, config->n_heads);
      return FALSE;
    }
  s->d_model = config->d_model;
  s->n_heads = s->n_kv_heads = config->n_heads;
  s->d_head = s->d_v = config->d_model / config->n_heads;

  if (!qks_adapt_count_layers (self, LAYER, QKV, error))
    return FALSE;

  why = g_strdup_printf ("%s's n_embd %u (Conv1D weights are [in, out])", QKS_MODEL_FILES_CONFIG, s->d_model);
  for (guint l = 0; l < s->n_layers; l++)
    {
      g_autofree char *qkv = qks_adapt_name (self, LAYER, l, QKV);
      g_autofree char *proj = qks_adapt_name (self, LAYER, l, PROJ);

      if (!qks_adapt_check_shape (self, qkv, 2, s->d_model, 3 * (gsize) s->d_model, why, error) ||
          !qks_adapt_check_shape (self, proj, 2, s->d_model, s->d_model, why, error))
        return FALSE;
    }
  return TRUE;
}

static QksAttnHeads *
gpt2_load_layer (QksAdapter  *self,
                 guint        layer,
                 GError     **error)
{
  const QksAdaptSizes *s = &self->sizes;
  guint H = s->n_heads, d = s->d_model, d_h = s->d_head;
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (H, d, d_h, d_h);
  g_autofree char *qkv = qks_adapt_name (self, LAYER, layer, QKV);
  g_autofree char *proj = qks_adapt_name (self, LAYER, layer, PROJ);

  for (guint h = 0; h < H; h++)
    {
      gsize col = (gsize) h * d_h;

      if (!qks_adapt_read (self, qkv, 0, col, QKS_TRANSPOSE, heads->w_q[h], error) ||
          !qks_adapt_read (self, qkv, 0, d + col, QKS_TRANSPOSE, heads->w_k[h], error) ||
          !qks_adapt_read (self, qkv, 0, 2 * (gsize) d + col, QKS_TRANSPOSE, heads->w_v[h], error) ||
          !qks_adapt_read (self, proj, col, 0, QKS_TRANSPOSE, heads->w_o[h], error))
        return NULL;
    }

  qks_adapt_set_gqa_chains (heads, H);
  return g_steal_pointer (&heads);
}

const QksAdaptLayout qks_adapt_layout_gpt2 = {
  .name = "GPT-2",
  .expects = "“h.0.attn.c_attn.weight” [d, 3d] and “h.0.attn.c_proj.weight” [d, d] (Conv1D, "
             "optionally after “transformer.”)",
  .recognise = gpt2_recognise,
  .configure = gpt2_configure,
  .load_layer = gpt2_load_layer,
};
