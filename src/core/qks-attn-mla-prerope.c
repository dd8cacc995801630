/* qks-attn-mla-prerope.c: MLA with the rotation before compression (SCIENCE.md a.4)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn-mla-latent.h"

/* MLA with no separate RoPE path [R]. Coupled mode (default): the per-head
 * content q and k rebuilt from the latents are rotated, q_h = R_t W^UQ_h c^Q,
 * k_h = R_t W^UK_h c^KV, scale 1/sqrt(d_h) — the "RoPE-coupled" MLA that
 * DeepSeek-V2 rejects because the rotation blocks absorption. Rotate-then-
 * compress mode: the layer input is rotated, c = W^D (R_t x), and q, k are
 * not rotated again; it has no relative-position property. Both keep the
 * latent RMSNorms of a.3. */

typedef struct
{
  QksMlaLatentParams latent;
  const qks_real    *wo;
} PreRopeParams;

typedef struct
{
  qks_real          *x_rotated;   /* rotate-then-compress only */
  QksMlaLatentSaved  latent;
  qks_real          *q, *k, *v, *o, *probs;
} PreRopeSaved;

static gboolean
rotates_input (const QksModelConfig *config)
{
  return config->mla_rope_mode == QKS_MLA_ROPE_ROTATE_THEN_COMPRESS;
}

static void
prerope_declare_params (const QksModelConfig *config,
                        QksParamLayout       *layout,
                        const char           *prefix,
                        double                init_std,
                        double                residual_std)
{
  g_autofree char *wo = g_strdup_printf ("%s.wo.weight", prefix);

  qks_mla_latent_declare (config, layout, prefix, init_std);
  qks_param_layout_add_matrix (layout, wo, config->d_model,
                               (gsize) config->n_heads * config->d_head, residual_std);
}

static PreRopeParams
locate_params (const QksModelConfig *config,
               const qks_real       *base)
{
  PreRopeParams p;

  p.latent = qks_mla_latent_locate (config, base);
  p.wo = p.latent.end;
  return p;
}

static PreRopeSaved
locate_saved (const QksModelConfig *config,
              qks_real             *base,
              guint                 batch,
              guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize heads = n * config->n_heads * config->d_head;
  PreRopeSaved s;

  s.x_rotated = base;
  s.latent = qks_mla_latent_locate_saved (config, base + (rotates_input (config) ? n * config->d_model : 0), n);
  s.q = s.latent.end;
  s.k = s.q + heads;
  s.v = s.k + heads;
  s.o = s.v + heads;
  s.probs = s.o + heads;
  return s;
}

static gsize
prerope_saved_size (const QksModelConfig *config,
                    guint                 batch,
                    guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;

  return (rotates_input (config) ? n * config->d_model : 0) +
         qks_mla_latent_saved_size (config, n) +
         4 * n * config->n_heads * config->d_head +
         (gsize) batch * config->n_heads * seq_len * seq_len;
}

static gsize
prerope_scratch_size (const QksModelConfig *config,
                      guint                 batch,
                      guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize heads = n * config->n_heads * config->d_head;

  /* d_q, d_k, d_v; the mix scratch; the latents' scratch; d of the rotated input. */
  return 3 * heads + qks_attn_mix_scratch_size (config, batch, seq_len, config->d_head) +
         qks_mla_latent_scratch_size (config, n) + n * config->d_model;
}

static void
prerope_forward (const QksAttnContext *ctx,
                 const qks_real       *in,
                 qks_real             *out)
{
  const QksModelConfig *config = ctx->config;
  PreRopeParams p = locate_params (config, ctx->params);
  PreRopeSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len, width = (gsize) config->n_heads * config->d_head;
  const qks_real *latent_in = in;

  if (rotates_input (config))
    {
      memcpy (s.x_rotated, in, n * config->d_model * sizeof (qks_real));
      qks_rope_rotate (ctx->rope_extra, s.x_rotated, config->d_model, n, ctx->seq_len, 1, 0, FALSE);
      latent_in = s.x_rotated;
    }

  qks_mla_latent_forward (config, &p.latent, &s.latent, latent_in, n, s.q, s.k, s.v);
  if (!rotates_input (config))
    {
      qks_rope_rotate (ctx->rope_head, s.q, width, n, ctx->seq_len, config->n_heads, config->d_head, FALSE);
      qks_rope_rotate (ctx->rope_head, s.k, width, n, ctx->seq_len, config->n_heads, config->d_head, FALSE);
    }
  qks_attn_mix_forward (ctx, config->d_head, config->d_head, s.q, s.k, s.v, s.probs, s.o, p.wo, out);
}

static void
prerope_backward (const QksAttnContext *ctx,
                  const qks_real       *in,
                  const qks_real       *d_out,
                  qks_real             *d_in)
{
  const QksModelConfig *config = ctx->config;
  PreRopeParams p = locate_params (config, ctx->params);
  PreRopeParams g = locate_params (config, ctx->grads);
  PreRopeSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len, d = config->d_model;
  gsize width = (gsize) config->n_heads * config->d_head;
  qks_real *d_q = ctx->scratch;
  qks_real *d_k = d_q + n * width;
  qks_real *d_v = d_k + n * width;
  qks_real *mix_scratch = d_v + n * width;
  qks_real *latent_scratch = mix_scratch + qks_attn_mix_scratch_size (config, ctx->batch, ctx->seq_len, config->d_head);
  qks_real *d_rotated = latent_scratch + qks_mla_latent_scratch_size (config, n);

  qks_attn_mix_backward (ctx, config->d_head, config->d_head, s.q, s.k, s.v, s.probs, s.o, p.wo,
                         (qks_real *) g.wo, d_out, mix_scratch, d_q, d_k, d_v);

  if (!rotates_input (config))
    {
      qks_rope_rotate (ctx->rope_head, d_q, width, n, ctx->seq_len, config->n_heads, config->d_head, TRUE);
      qks_rope_rotate (ctx->rope_head, d_k, width, n, ctx->seq_len, config->n_heads, config->d_head, TRUE);
      qks_mla_latent_backward (config, &p.latent, &g.latent, &s.latent, in, n, d_q, d_k, d_v, NULL,
                               d_in, latent_scratch);
      return;
    }

  memset (d_rotated, 0, n * d * sizeof (qks_real));
  qks_mla_latent_backward (config, &p.latent, &g.latent, &s.latent, s.x_rotated, n, d_q, d_k, d_v,
                           NULL, d_rotated, latent_scratch);
  qks_rope_rotate (ctx->rope_extra, d_rotated, d, n, ctx->seq_len, 1, 0, TRUE);
  for (gsize i = 0; i < n * d; i++)
    d_in[i] += d_rotated[i];
}

static double
prerope_kv_cache_elements (const QksModelConfig *config)
{
  /* Past keys rebuilt from the cached latent at each step (a.4: the
   * recompute mode; caching rotated keys would take H·d_h + d_c). */
  return config->d_latent_kv;
}

static double
prerope_forward_flops (const QksModelConfig *config,
                       guint                 seq_len)
{
  return qks_mla_latent_flops (config, seq_len) +
         qks_attn_mix_flops (seq_len, config->n_heads, config->d_head, config->d_head, config->d_model);
}

static QksAttnHeads *
prerope_export_heads (const QksModelConfig *config,
                      const qks_real       *params)
{
  PreRopeParams p = locate_params (config, params);
  guint H = config->n_heads, d_h = config->d_head;
  QksAttnHeads *heads = qks_attn_heads_new (H, config->d_model, d_h, d_h);

  qks_mla_latent_export (config, &p.latent, heads);
  for (guint h = 0; h < H; h++)
    qks_attn_copy_block (heads->w_o[h], p.wo + (gsize) h * d_h, (gsize) H * d_h);
  return heads;
}

const QksAttnVariant qks_attn_variant_mla_prerope = {
  .kind = QKS_ATTN_MLA_PREROPE,
  .declare_params = prerope_declare_params,
  .saved_size = prerope_saved_size,
  .scratch_size = prerope_scratch_size,
  .forward = prerope_forward,
  .backward = prerope_backward,
  .kv_cache_elements = prerope_kv_cache_elements,
  .forward_flops = prerope_forward_flops,
  .export_heads = prerope_export_heads,
};
