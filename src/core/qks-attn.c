/* qks-attn.c: the attention variants, and what they share
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn.h"

/**
 * qks_attn_variant_get:
 *
 * Returns: the implementation of @kind. MQA is GQA with one group.
 */
const QksAttnVariant *
qks_attn_variant_get (QksAttnKind kind)
{
  switch (kind)
    {
    case QKS_ATTN_MHA:
      return &qks_attn_variant_mha;
    case QKS_ATTN_GQA:
    case QKS_ATTN_MQA:
      return &qks_attn_variant_gqa;
    case QKS_ATTN_MLA_PREROPE:
      return &qks_attn_variant_mla_prerope;
    case QKS_ATTN_MLA_DECOUPLED:
      return &qks_attn_variant_mla_decoupled;
    case QKS_ATTN_LRKV:
      return &qks_attn_variant_lrkv;
    case QKS_ATTN_N_KINDS:
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * qks_attn_mix_forward:
 * @q: (batch·seq_len) × (H·d_qk), already rotated
 * @k: same layout as @q, already rotated
 * @v: (batch·seq_len) × (H·d_v)
 * @probs: (out): the attention weights, kept for backward
 * @o: (out): the heads' outputs before W^O, kept for backward
 * @w_o: d × (H·d_v)
 * @out: (out): o·W^Oᵀ, (batch·seq_len) × d
 *
 * Scores are scaled by 1/sqrt(d_qk), the full q·k dimension (SCIENCE.md a.0).
 */
void
qks_attn_mix_forward (const QksAttnContext *ctx,
                      guint                 d_qk,
                      guint                 d_v,
                      const qks_real       *q,
                      const qks_real       *k,
                      const qks_real       *v,
                      qks_real             *probs,
                      qks_real             *o,
                      const qks_real       *w_o,
                      qks_real             *out)
{
  const QksModelConfig *config = ctx->config;
  gsize n = (gsize) ctx->batch * ctx->seq_len;
  guint H = config->n_heads;

  qks_attention_forward (o, probs, q, k, v, ctx->batch, ctx->seq_len, H, d_qk, d_v,
                         1.0 / sqrt ((double) d_qk));
  qks_linear_forward (out, config->d_model, o, (gsize) H * d_v, w_o, n, (gsize) H * d_v,
                      config->d_model, FALSE);
}

/**
 * qks_attn_mix_scratch_size:
 *
 * Returns: the scratch elements of qks_attn_mix_backward(): the gradient of
 *   the heads' outputs and the attention core's blocks.
 */
gsize
qks_attn_mix_scratch_size (const QksModelConfig *config,
                           guint                 batch,
                           guint                 seq_len,
                           guint                 d_v)
{
  return (gsize) batch * seq_len * config->n_heads * d_v + qks_attention_scratch_size (seq_len);
}

/**
 * qks_attn_mix_backward:
 * @scratch: qks_attn_mix_scratch_size() elements
 * @d_q: (out): overwritten, gradient with respect to the rotated @q
 * @d_k: (out): overwritten
 * @d_v: (out): overwritten
 */
void
qks_attn_mix_backward (const QksAttnContext *ctx,
                       guint                 d_qk,
                       guint                 d_v,
                       const qks_real       *q,
                       const qks_real       *k,
                       const qks_real       *v,
                       const qks_real       *probs,
                       const qks_real       *o,
                       const qks_real       *w_o,
                       qks_real             *d_w_o,
                       const qks_real       *d_out,
                       qks_real             *scratch,
                       qks_real             *d_q,
                       qks_real             *d_k,
                       qks_real             *d_v_out)
{
  const QksModelConfig *config = ctx->config;
  gsize n = (gsize) ctx->batch * ctx->seq_len;
  guint H = config->n_heads;
  qks_real *d_o = scratch;
  qks_real *d_scores = scratch + n * H * d_v;

  memset (d_o, 0, n * H * d_v * sizeof (qks_real));
  qks_linear_backward (d_o, (gsize) H * d_v, d_w_o, d_out, config->d_model, o, (gsize) H * d_v,
                       w_o, n, (gsize) H * d_v, config->d_model);
  qks_attention_backward (d_q, d_k, d_v_out, d_scores, d_o, probs, q, k, v,
                          ctx->batch, ctx->seq_len, H, d_qk, d_v, 1.0 / sqrt ((double) d_qk));
}

/**
 * qks_attn_mix_flops:
 *
 * Returns: the FLOPs of the scores, the weighted sum and W^O over one
 *   sequence. Only the T(T+1)/2 causal (query, key) pairs are counted: the
 *   masked ones are not model work (and the engine skips most of them).
 */
double
qks_attn_mix_flops (guint seq_len,
                    guint n_heads,
                    guint d_qk,
                    guint d_v,
                    guint d_model)
{
  double T = seq_len, pairs = T * (T + 1) / 2;

  return 2.0 * pairs * n_heads * (d_qk + d_v) + 2.0 * T * n_heads * d_v * d_model;
}

/**
 * qks_attn_copy_block:
 * @data: the top-left element of a rows × cols block in a row-major array
 *   with leading dimension @ld
 *
 * Copies the block into @matrix (in double), whose shape gives rows × cols.
 */
void
qks_attn_copy_block (QksMatrix      *matrix,
                     const qks_real *data,
                     gsize           ld)
{
  for (gsize i = 0; i < matrix->rows; i++)
    for (gsize j = 0; j < matrix->cols; j++)
      qks_matrix_set (matrix, i, j, (double) data[i * ld + j]);
}
