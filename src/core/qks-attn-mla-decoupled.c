/* qks-attn-mla-decoupled.c: DeepSeek-V2 multi-head latent attention (SCIENCE.md a.3)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn-mla-latent.h"

/* The content path of qks-attn-mla-latent.c, unrotated, plus a decoupled
 * RoPE path: q^R_h = R_t W^QR_h c^Q per head, and one rotated key
 * k^R = R_t W^KR x shared by all heads. Each head attends with
 * q_h = [q^C_h; q^R_h], k_h = [k^C_h; k^R], scale 1/sqrt(d_h + d_h^R).
 * d_h^R = 0 leaves MLA without a RoPE path. */

typedef struct
{
  QksMlaLatentParams latent;
  const qks_real    *q_rope, *k_rope, *wo;   /* H·d_h^R × d_c', d_h^R × d, d × H·d_h */
} DecoupledParams;

typedef struct
{
  QksMlaLatentSaved  latent;
  qks_real          *q, *k, *v, *o, *probs;  /* q, k: n × H·(d_h + d_h^R) */
} DecoupledSaved;

static guint
d_qk (const QksModelConfig *config)
{
  return config->d_head + config->d_rope;
}

static void
decoupled_declare_params (const QksModelConfig *config,
                          QksParamLayout       *layout,
                          const char           *prefix,
                          double                init_std,
                          double                residual_std)
{
  g_autofree char *q_rope = g_strdup_printf ("%s.q_rope.weight", prefix);
  g_autofree char *k_rope = g_strdup_printf ("%s.k_rope.weight", prefix);
  g_autofree char *wo = g_strdup_printf ("%s.wo.weight", prefix);

  qks_mla_latent_declare (config, layout, prefix, init_std);
  if (config->d_rope > 0)
    {
      qks_param_layout_add_matrix (layout, q_rope, (gsize) config->n_heads * config->d_rope,
                                   config->d_latent_q, init_std);
      qks_param_layout_add_matrix (layout, k_rope, config->d_rope, config->d_model, init_std);
    }
  qks_param_layout_add_matrix (layout, wo, config->d_model,
                               (gsize) config->n_heads * config->d_head, residual_std);
}

static DecoupledParams
locate_params (const QksModelConfig *config,
               const qks_real       *base)
{
  DecoupledParams p;

  p.latent = qks_mla_latent_locate (config, base);
  p.q_rope = p.latent.end;
  p.k_rope = p.q_rope + (gsize) config->n_heads * config->d_rope * config->d_latent_q;
  p.wo = p.k_rope + (gsize) config->d_rope * config->d_model;
  return p;
}

static DecoupledSaved
locate_saved (const QksModelConfig *config,
              qks_real             *base,
              guint                 batch,
              guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize qk = n * config->n_heads * d_qk (config), heads = n * config->n_heads * config->d_head;
  DecoupledSaved s;

  s.latent = qks_mla_latent_locate_saved (config, base, n);
  s.q = s.latent.end;
  s.k = s.q + qk;
  s.v = s.k + qk;
  s.o = s.v + heads;
  s.probs = s.o + heads;
  return s;
}

static gsize
decoupled_saved_size (const QksModelConfig *config,
                      guint                 batch,
                      guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;

  return qks_mla_latent_saved_size (config, n) +
         2 * n * config->n_heads * d_qk (config) +
         2 * n * config->n_heads * config->d_head +
         (gsize) batch * config->n_heads * seq_len * seq_len;
}

static gsize
decoupled_scratch_size (const QksModelConfig *config,
                        guint                 batch,
                        guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize qk = n * config->n_heads * d_qk (config), heads = n * config->n_heads * config->d_head;
  gsize rope_q = n * config->n_heads * config->d_rope, rope_k = n * config->d_rope;

  /* backward: d_q, d_k (full), d_v; the mix scratch; d_q^C, d_k^C, d_q^R,
   * d_k^R, d_c^Q; the latents' scratch. The forward uses less. */
  return 2 * qk + heads + qks_attn_mix_scratch_size (config, batch, seq_len, config->d_head) +
         2 * heads + rope_q + rope_k + n * config->d_latent_q +
         qks_mla_latent_scratch_size (config, n);
}

/* full[r, h·d_qk + offset + i] = part[r, h·part_dim + i]; head_stride 0 for a shared part. */
static void
scatter_heads (const QksModelConfig *config,
               qks_real             *full,
               const qks_real       *part,
               guint                 part_dim,
               gsize                 part_ld,
               gsize                 head_stride,
               guint                 offset,
               gsize                 n)
{
  guint H = config->n_heads, dqk = d_qk (config);

  for (gsize r = 0; r < n; r++)
    for (guint h = 0; h < H; h++)
      memcpy (full + (r * H + h) * dqk + offset, part + r * part_ld + h * head_stride,
              part_dim * sizeof (qks_real));
}

/* The transpose of scatter_heads(): a shared part sums over the heads. */
static void
gather_heads (const QksModelConfig *config,
              qks_real             *part,
              const qks_real       *full,
              guint                 part_dim,
              gsize                 part_ld,
              gsize                 head_stride,
              guint                 offset,
              gsize                 n)
{
  guint H = config->n_heads, dqk = d_qk (config);

  memset (part, 0, n * part_ld * sizeof (qks_real));
  for (gsize r = 0; r < n; r++)
    for (guint h = 0; h < H; h++)
      {
        qks_real *dst = part + r * part_ld + h * head_stride;
        const qks_real *src = full + (r * H + h) * dqk + offset;

        for (guint i = 0; i < part_dim; i++)
          dst[i] += src[i];
      }
}

static void
decoupled_forward (const QksAttnContext *ctx,
                   const qks_real       *in,
                   qks_real             *out)
{
  const QksModelConfig *config = ctx->config;
  DecoupledParams p = locate_params (config, ctx->params);
  DecoupledSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len, d = config->d_model;
  guint H = config->n_heads, d_h = config->d_head, d_r = config->d_rope;
  gsize width = (gsize) H * d_h;
  qks_real *q_content = ctx->scratch;
  qks_real *k_content = q_content + n * width;
  qks_real *q_rope = k_content + n * width;
  qks_real *k_rope = q_rope + n * H * d_r;

  qks_mla_latent_forward (config, &p.latent, &s.latent, in, n, q_content, k_content, s.v);
  scatter_heads (config, s.q, q_content, d_h, width, d_h, 0, n);
  scatter_heads (config, s.k, k_content, d_h, width, d_h, 0, n);

  if (d_r > 0)
    {
      qks_linear_forward (q_rope, (gsize) H * d_r, s.latent.cq, config->d_latent_q, p.q_rope,
                          n, config->d_latent_q, (gsize) H * d_r, FALSE);
      qks_linear_forward (k_rope, d_r, in, d, p.k_rope, n, d, d_r, FALSE);
      qks_rope_rotate (ctx->rope_extra, q_rope, (gsize) H * d_r, n, ctx->seq_len, H, d_r, FALSE);
      qks_rope_rotate (ctx->rope_extra, k_rope, d_r, n, ctx->seq_len, 1, 0, FALSE);
      scatter_heads (config, s.q, q_rope, d_r, (gsize) H * d_r, d_r, d_h, n);
      scatter_heads (config, s.k, k_rope, d_r, d_r, 0, d_h, n);
    }

  qks_attn_mix_forward (ctx, d_qk (config), d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, out);
}

static void
decoupled_backward (const QksAttnContext *ctx,
                    const qks_real       *in,
                    const qks_real       *d_out,
                    qks_real             *d_in)
{
  const QksModelConfig *config = ctx->config;
  DecoupledParams p = locate_params (config, ctx->params);
  DecoupledParams g = locate_params (config, ctx->grads);
  DecoupledSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len, d = config->d_model;
  guint H = config->n_heads, d_h = config->d_head, d_r = config->d_rope, d_cq = config->d_latent_q;
  gsize width = (gsize) H * d_h, qk = n * H * d_qk (config);
  qks_real *d_q = ctx->scratch;
  qks_real *d_k = d_q + qk;
  qks_real *d_v = d_k + qk;
  qks_real *mix_scratch = d_v + n * width;
  qks_real *d_q_content = mix_scratch + qks_attn_mix_scratch_size (config, ctx->batch, ctx->seq_len, d_h);
  qks_real *d_k_content = d_q_content + n * width;
  qks_real *d_q_rope = d_k_content + n * width;
  qks_real *d_k_rope = d_q_rope + n * H * d_r;
  qks_real *d_cq_from_rope = d_k_rope + n * d_r;
  qks_real *latent_scratch = d_cq_from_rope + n * d_cq;

  qks_attn_mix_backward (ctx, d_qk (config), d_h, s.q, s.k, s.v, s.probs, s.o, p.wo,
                         (qks_real *) g.wo, d_out, mix_scratch, d_q, d_k, d_v);
  gather_heads (config, d_q_content, d_q, d_h, width, d_h, 0, n);
  gather_heads (config, d_k_content, d_k, d_h, width, d_h, 0, n);

  memset (d_cq_from_rope, 0, n * d_cq * sizeof (qks_real));
  if (d_r > 0)
    {
      gather_heads (config, d_q_rope, d_q, d_r, (gsize) H * d_r, d_r, d_h, n);
      gather_heads (config, d_k_rope, d_k, d_r, d_r, 0, d_h, n);
      qks_rope_rotate (ctx->rope_extra, d_q_rope, (gsize) H * d_r, n, ctx->seq_len, H, d_r, TRUE);
      qks_rope_rotate (ctx->rope_extra, d_k_rope, d_r, n, ctx->seq_len, 1, 0, TRUE);
      qks_linear_backward (d_cq_from_rope, d_cq, (qks_real *) g.q_rope, d_q_rope, (gsize) H * d_r,
                           s.latent.cq, d_cq, p.q_rope, n, d_cq, (gsize) H * d_r);
      qks_linear_backward (d_in, d, (qks_real *) g.k_rope, d_k_rope, d_r, in, d, p.k_rope, n, d, d_r);
    }

  qks_mla_latent_backward (config, &p.latent, &g.latent, &s.latent, in, n,
                           d_q_content, d_k_content, d_v, d_cq_from_rope, d_in, latent_scratch);
}

static double
decoupled_kv_cache_elements (const QksModelConfig *config)
{
  return (double) config->d_latent_kv + config->d_rope;
}

static double
decoupled_forward_flops (const QksModelConfig *config,
                         guint                 seq_len)
{
  double T = seq_len, H = config->n_heads, d_r = config->d_rope;

  return qks_mla_latent_flops (config, seq_len) +
         2.0 * T * (config->d_latent_q * H * d_r + config->d_model * d_r) +
         qks_attn_mix_flops (seq_len, config->n_heads, d_qk (config), config->d_head, config->d_model);
}

static QksAttnHeads *
decoupled_export_heads (const QksModelConfig *config,
                        const qks_real       *params)
{
  DecoupledParams p = locate_params (config, params);
  guint H = config->n_heads, d_h = config->d_head, d_r = config->d_rope;
  QksAttnHeads *heads = qks_attn_heads_new (H, config->d_model, d_h, d_h);

  qks_mla_latent_export (config, &p.latent, heads);
  for (guint h = 0; h < H; h++)
    qks_attn_copy_block (heads->w_o[h], p.wo + (gsize) h * d_h, (gsize) H * d_h);

  /* B^R_h = W^DQᵀ diag(γ_Q) W^QRᵀ_h W^KR at offset 0 (SCIENCE.md b.1). */
  if (d_r > 0)
    {
      g_autoptr(QksMatrix) q_down = qks_mla_latent_query_down (config, &p.latent);

      heads->d_rope = d_r;
      heads->w_q_rope = g_new0 (QksMatrix *, H);
      for (guint h = 0; h < H; h++)
        {
          g_autoptr(QksMatrix) q_rope = qks_matrix_new (d_r, config->d_latent_q);

          qks_attn_copy_block (q_rope, p.q_rope + (gsize) h * d_r * config->d_latent_q,
                               config->d_latent_q);
          heads->w_q_rope[h] = qks_matrix_multiply (q_rope, QKS_NO_TRANSPOSE, q_down,
                                                    QKS_NO_TRANSPOSE, NULL);
        }
      heads->w_k_rope = qks_matrix_new (d_r, config->d_model);
      qks_attn_copy_block (heads->w_k_rope, p.k_rope, config->d_model);
    }
  return heads;
}

const QksAttnVariant qks_attn_variant_mla_decoupled = {
  .kind = QKS_ATTN_MLA_DECOUPLED,
  .declare_params = decoupled_declare_params,
  .saved_size = decoupled_saved_size,
  .scratch_size = decoupled_scratch_size,
  .forward = decoupled_forward,
  .backward = decoupled_backward,
  .kv_cache_elements = decoupled_kv_cache_elements,
  .forward_flops = decoupled_forward_flops,
  .export_heads = decoupled_export_heads,
};
