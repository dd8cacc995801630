/* qks-attn-heads.c: a layer's effective per-head matrices, whatever the variant
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-attn-heads.h"

/**
 * qks_attn_heads_new:
 *
 * Returns: (transfer full): zeroed per-head matrices of the given sizes;
 *   the RoPE path is left empty.
 */
QksAttnHeads *
qks_attn_heads_new (guint n_heads,
                    guint d_model,
                    guint d_qk,
                    guint d_v)
{
  QksAttnHeads *heads = g_new0 (QksAttnHeads, 1);

  heads->n_heads = n_heads;
  heads->d_model = d_model;
  heads->d_qk = d_qk;
  heads->d_v = d_v;
  heads->w_q = g_new0 (QksMatrix *, n_heads);
  heads->w_k = g_new0 (QksMatrix *, n_heads);
  heads->w_v = g_new0 (QksMatrix *, n_heads);
  heads->w_o = g_new0 (QksMatrix *, n_heads);
  for (guint h = 0; h < n_heads; h++)
    {
      heads->w_q[h] = qks_matrix_new (d_qk, d_model);
      heads->w_k[h] = qks_matrix_new (d_qk, d_model);
      heads->w_v[h] = qks_matrix_new (d_v, d_model);
      heads->w_o[h] = qks_matrix_new (d_model, d_v);
    }
  return heads;
}

void
qks_attn_heads_free (QksAttnHeads *heads)
{
  if (heads == NULL)
    return;
  qks_matrix_free_array (heads->w_q, heads->n_heads);
  qks_matrix_free_array (heads->w_k, heads->n_heads);
  qks_matrix_free_array (heads->w_v, heads->n_heads);
  qks_matrix_free_array (heads->w_o, heads->n_heads);
  qks_matrix_free_array (heads->w_q_rope, heads->n_heads);
  qks_matrix_free (heads->w_k_rope);
  g_free (heads);
}

/**
 * qks_attn_heads_set_product_chains:
 * @head_width: the rank of one head's form (d_h)
 * @layer_width: the rank of the layer's (H·d_h, or G·d_h when keys are shared)
 *
 * Sets the two-factor chains of a form W_Qᵀ W_K of random factors:
 * [d, head_width, d] per head and [d, layer_width, d] per layer (b.4).
 */
void
qks_attn_heads_set_product_chains (QksAttnHeads *heads,
                                   guint         head_width,
                                   guint         layer_width)
{
  heads->head_chain_length = 3;
  heads->head_chain[0] = heads->d_model;
  heads->head_chain[1] = head_width;
  heads->head_chain[2] = heads->d_model;
  heads->layer_chain_length = 3;
  heads->layer_chain[0] = heads->d_model;
  heads->layer_chain[1] = layer_width;
  heads->layer_chain[2] = heads->d_model;
}

/**
 * qks_attn_heads_set_kv_groups:
 * @n_kv_groups: G, the key/value heads of GQA (1: MQA)
 *
 * Declares that head h reads the keys and values of group h·G/H, as
 * GQA's repeat of its key/value heads does, and sets the chains that
 * follow: the layer's form Σ_h W_Q,hᵀ W_K,g(h) = Σ_g (Σ_{h∈g} W_Q,h)ᵀ W_K,g
 * has rank G·d_h, and with one group every head's keys are one map, so
 * their subspaces coincide by construction (f.6).
 */
void
qks_attn_heads_set_kv_groups (QksAttnHeads *heads,
                              guint         n_kv_groups)
{
  g_return_if_fail (n_kv_groups >= 1 && n_kv_groups <= heads->n_heads);

  qks_attn_heads_set_product_chains (heads, heads->d_qk, n_kv_groups * heads->d_qk);
  heads->shared_key_width = n_kv_groups == 1 ? heads->d_qk : 0;
  heads->n_kv_groups = n_kv_groups < heads->n_heads ? n_kv_groups : 0;
}

/**
 * qks_attn_heads_get_kv_group:
 *
 * Returns: the key/value group @head reads (@head itself when the heads
 *   share none)
 */
guint
qks_attn_heads_get_kv_group (const QksAttnHeads *heads,
                             guint               head)
{
  if (heads->n_kv_groups == 0)
    return head;
  return (guint) ((guint64) head * heads->n_kv_groups / heads->n_heads);
}
