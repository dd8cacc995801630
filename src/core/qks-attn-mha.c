/* qks-attn-mha.c: multi-head attention (SCIENCE.md a.1)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn.h"

/* q_h = R_t W^Q_h x, k_h = R_t W^K_h x, v_h = W^V_h x; out = W^O [o_1; …; o_H]. */

typedef struct
{
  const qks_real *wq, *wk, *wv, *wo;   /* H·d_h × d, three times; d × H·d_h */
} MhaParams;

typedef struct
{
  qks_real *q, *k, *v, *probs, *o;
} MhaSaved;

static gsize
width (const QksModelConfig *config)
{
  return (gsize) config->n_heads * config->d_head;
}

static void
mha_declare_params (const QksModelConfig *config,
                    QksParamLayout       *layout,
                    const char           *prefix,
                    double                init_std,
                    double                residual_std)
{
  const char *names[] = { "wq", "wk", "wv" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s.weight", prefix, names[i]);

      qks_param_layout_add_matrix (layout, name, width (config), config->d_model, init_std);
    }
  {
    g_autofree char *name = g_strdup_printf ("%s.wo.weight", prefix);

    qks_param_layout_add_matrix (layout, name, config->d_model, width (config), residual_std);
  }
}

/* The same order as mha_declare_params(), for parameters and gradients alike. */
static MhaParams
locate_params (const QksModelConfig *config,
               const qks_real       *base)
{
  gsize block = width (config) * config->d_model;
  MhaParams p = { base, base + block, base + 2 * block, base + 3 * block };

  return p;
}

static MhaSaved
locate_saved (const QksModelConfig *config,
              qks_real             *base,
              guint                 batch,
              guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len * width (config);
  MhaSaved s;

  s.q = base;
  s.k = s.q + n;
  s.v = s.k + n;
  s.o = s.v + n;
  s.probs = s.o + n;
  return s;
}

static gsize
mha_saved_size (const QksModelConfig *config,
                guint                 batch,
                guint                 seq_len)
{
  return 4 * (gsize) batch * seq_len * width (config) +
         (gsize) batch * config->n_heads * seq_len * seq_len;
}

static gsize
mha_scratch_size (const QksModelConfig *config,
                  guint                 batch,
                  guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len * width (config);

  /* d_q, d_k, d_v, then what qks_attn_mix_backward() needs. */
  return 3 * n + qks_attn_mix_scratch_size (config, batch, seq_len, config->d_head);
}

static void
mha_forward (const QksAttnContext *ctx,
             const qks_real       *in,
             qks_real             *out)
{
  const QksModelConfig *config = ctx->config;
  MhaParams p = locate_params (config, ctx->params);
  MhaSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len, w = width (config);
  guint d = config->d_model, H = config->n_heads, d_h = config->d_head;

  qks_linear_forward (s.q, w, in, d, p.wq, n, d, w, FALSE);
  qks_linear_forward (s.k, w, in, d, p.wk, n, d, w, FALSE);
  qks_linear_forward (s.v, w, in, d, p.wv, n, d, w, FALSE);
  qks_rope_rotate (ctx->rope_head, s.q, w, n, ctx->seq_len, H, d_h, FALSE);
  qks_rope_rotate (ctx->rope_head, s.k, w, n, ctx->seq_len, H, d_h, FALSE);
  qks_attn_mix_forward (ctx, d_h, d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, out);
}

static void
mha_backward (const QksAttnContext *ctx,
              const qks_real       *in,
              const qks_real       *d_out,
              qks_real             *d_in)
{
  const QksModelConfig *config = ctx->config;
  MhaParams p = locate_params (config, ctx->params);
  MhaParams g = locate_params (config, ctx->grads);
  MhaSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len, w = width (config);
  guint d = config->d_model, H = config->n_heads, d_h = config->d_head;
  qks_real *d_q = ctx->scratch, *d_k = d_q + n * w, *d_v = d_k + n * w;

  qks_attn_mix_backward (ctx, d_h, d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, (qks_real *) g.wo,
                         d_out, d_v + n * w, d_q, d_k, d_v);
  /* Rᵀ = R(−tθ) takes the gradient back through the rotation. */
  qks_rope_rotate (ctx->rope_head, d_q, w, n, ctx->seq_len, H, d_h, TRUE);
  qks_rope_rotate (ctx->rope_head, d_k, w, n, ctx->seq_len, H, d_h, TRUE);
  qks_linear_backward (d_in, d, (qks_real *) g.wq, d_q, w, in, d, p.wq, n, d, w);
  qks_linear_backward (d_in, d, (qks_real *) g.wk, d_k, w, in, d, p.wk, n, d, w);
  qks_linear_backward (d_in, d, (qks_real *) g.wv, d_v, w, in, d, p.wv, n, d, w);
}

static double
mha_kv_cache_elements (const QksModelConfig *config)
{
  return 2.0 * config->n_heads * config->d_head;
}

static double
mha_forward_flops (const QksModelConfig *config,
                   guint                 seq_len)
{
  return 3 * 2.0 * seq_len * config->d_model * width (config) +
         qks_attn_mix_flops (seq_len, config->n_heads, config->d_head, config->d_head,
                             config->d_model);
}

static QksAttnHeads *
mha_export_heads (const QksModelConfig *config,
                  const qks_real       *params)
{
  MhaParams p = locate_params (config, params);
  guint d = config->d_model, H = config->n_heads, d_h = config->d_head;
  QksAttnHeads *heads = qks_attn_heads_new (H, d, d_h, d_h);

  for (guint h = 0; h < H; h++)
    {
      gsize rows = (gsize) h * d_h * d;

      qks_attn_copy_block (heads->w_q[h], p.wq + rows, d);
      qks_attn_copy_block (heads->w_k[h], p.wk + rows, d);
      qks_attn_copy_block (heads->w_v[h], p.wv + rows, d);
      qks_attn_copy_block (heads->w_o[h], p.wo + (gsize) h * d_h, width (config));
    }

  qks_attn_heads_set_product_chains (heads, d_h, H * d_h);
  heads->shared_key_width = 0;
  return heads;
}

const QksAttnVariant qks_attn_variant_mha = {
  .kind = QKS_ATTN_MHA,
  .declare_params = mha_declare_params,
  .saved_size = mha_saved_size,
  .scratch_size = mha_scratch_size,
  .forward = mha_forward,
  .backward = mha_backward,
  .kv_cache_elements = mha_kv_cache_elements,
  .forward_flops = mha_forward_flops,
  .export_heads = mha_export_heads,
};
