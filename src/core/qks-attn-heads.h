/* qks-attn-heads.h: a layer's effective per-head matrices, whatever the variant
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-matrix.h"

G_BEGIN_DECLS

#define QKS_MAX_CHAIN 8

/* SCIENCE.md b.1: every source of weights (any variant, any checkpoint
 * layout) becomes this, in column convention (q = W_Q h), so that the
 * diagnostics never look at a variant or a file layout. */
typedef struct
{
  guint       n_heads;
  guint       d_model;
  guint       d_qk;          /* rows of each head's content W_Q and W_K */
  guint       d_v;
  QksMatrix **w_q;           /* n_heads of d_qk × d */
  QksMatrix **w_k;           /* n_heads of d_qk × d (shared maps are repeated per head) */
  QksMatrix **w_v;           /* n_heads of d_v × d */
  QksMatrix **w_o;           /* n_heads of d × d_v */

  /* MLA-Decoupled's RoPE path (NULL elsewhere): B^R_h = W_QR,hᵀ W_KR at offset 0. */
  guint       d_rope;
  QksMatrix **w_q_rope;      /* n_heads of d_rope × d */
  QksMatrix  *w_k_rope;      /* d_rope × d, shared by every head */

  /* The dimensions N_0 … N_k of the chain of random factors whose product
   * is the content form of one head, and of the layer (SCIENCE.md b.4):
   * MHA [d, d_h, d] and [d, H d_h, d]; MLA [d, d_c', d_h, d_c, d]. */
  guint       head_chain_length;
  guint       head_chain[QKS_MAX_CHAIN];
  guint       layer_chain_length;
  guint       layer_chain[QKS_MAX_CHAIN];

  /* Every head's keys come from one shared map or latent of this width (0
   * when they do not): their K subspaces overlap by construction (f.6). */
  guint       shared_key_width;

  /* GQA and MQA: head h reads the keys and values of group h·G/H, G of
   * this many (0 when every head has its own): its w_k and w_v are that
   * group's, repeated. */
  guint       n_kv_groups;
} QksAttnHeads;

QksAttnHeads *qks_attn_heads_new  (guint         n_heads,
                                   guint         d_model,
                                   guint         d_qk,
                                   guint         d_v);
void          qks_attn_heads_free (QksAttnHeads *heads);
void          qks_attn_heads_set_product_chains (QksAttnHeads *heads,
                                                 guint         head_width,
                                                 guint         layer_width);
void          qks_attn_heads_set_kv_groups      (QksAttnHeads *heads,
                                                 guint         n_kv_groups);
guint         qks_attn_heads_get_kv_group       (const QksAttnHeads *heads,
                                                 guint         head);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksAttnHeads, qks_attn_heads_free)

G_END_DECLS
