/* qks-attn-lrkv.c: low-rank key-value attention (SCIENCE.md a.5)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn.h"

/* Each layer has one shared full-rank key and value map plus a low-rank
 * residual per head. In column convention, with a_h = A_h x (r values):
 *
 *   k_h = R_t (W^K_sh x + B^K_h a^K_h),   v_h = W^V_sh x + B^V_h a^V_h
 *
 * W_sh is d_h × d, A_h is r × d (stacked: H·r × d), B_h is d_h × r (stored
 * H × d_h × r). Queries are per head, as in MHA. r = 0 is MQA. The key is
 * rebuilt before it is rotated (a.5), so B_h is not folded into the query. */

typedef struct
{
  const qks_real *wq, *wk_shared, *wv_shared, *k_down, *k_up, *v_down, *v_up, *wo;
} LrkvParams;

typedef struct
{
  qks_real *q, *k, *v, *o, *probs, *a_k, *a_v;
} LrkvSaved;

static void
lrkv_declare_params (const QksModelConfig *config,
                     QksParamLayout       *layout,
                     const char           *prefix,
                     double                init_std,
                     double                residual_std)
{
  gsize d = config->d_model, H = config->n_heads, d_h = config->d_head, r = config->lrkv_rank;
  double shared_std = init_std, down_std = 0.0, up_std = 0.0;
  const char *kinds[] = { "k", "v" };
  g_autofree char *wq = g_strdup_printf ("%s.wq.weight", prefix);
  g_autofree char *wo = g_strdup_printf ("%s.wo.weight", prefix);

  /* [R] Random init: the shared map and the product B_h A_h each carry half
   * the MHA variance σ², so each head's W_sh + B_h A_h has variance σ².
   * Zero-B init (LoRA-style): B_h = 0, A_h ~ N(0, 1/d), W_sh ~ N(0, σ²). */
  if (r > 0 && config->lrkv_init == QKS_LRKV_INIT_RANDOM)
    {
      shared_std = init_std / sqrt (2.0);
      down_std = up_std = pow (init_std * init_std / (2.0 * r), 0.25);
    }
  else if (r > 0)
    down_std = 1.0 / sqrt ((double) d);

  qks_param_layout_add_matrix (layout, wq, H * d_h, d, init_std);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *shared = g_strdup_printf ("%s.w%s_shared.weight", prefix, kinds[i]);

      qks_param_layout_add_matrix (layout, shared, d_h, d, shared_std);
    }
  for (guint i = 0; r > 0 && i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *down = g_strdup_printf ("%s.%s_down.weight", prefix, kinds[i]);
      g_autofree char *up = g_strdup_printf ("%s.%s_up.weight", prefix, kinds[i]);
      const gsize up_shape[3] = { H, d_h, r };

      qks_param_layout_add_matrix (layout, down, H * r, d, down_std);
      if (config->lrkv_init == QKS_LRKV_INIT_RANDOM)
        qks_param_layout_add (layout, up, 3, up_shape, QKS_INIT_NORMAL, up_std);
      else
        qks_param_layout_add (layout, up, 3, up_shape, QKS_INIT_ZEROS, 0.0);
    }
  qks_param_layout_add_matrix (layout, wo, d, H * d_h, residual_std);
}

static LrkvParams
locate_params (const QksModelConfig *config,
               const qks_real       *base)
{
  gsize d = config->d_model, H = config->n_heads, d_h = config->d_head, r = config->lrkv_rank;
  LrkvParams p;

  p.wq = base;
  p.wk_shared = p.wq + H * d_h * d;
  p.wv_shared = p.wk_shared + d_h * d;
  p.k_down = p.wv_shared + d_h * d;
  p.k_up = p.k_down + H * r * d;
  p.v_down = p.k_up + H * d_h * r;
  p.v_up = p.v_down + H * r * d;
  p.wo = p.v_up + H * d_h * r;
  return p;
}

static LrkvSaved
locate_saved (const QksModelConfig *config,
              qks_real             *base,
              guint                 batch,
              guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize heads = n * config->n_heads * config->d_head;
  LrkvSaved s;

  s.q = base;
  s.k = s.q + heads;
  s.v = s.k + heads;
  s.o = s.v + heads;
  s.a_k = s.o + heads;
  s.a_v = s.a_k + n * config->n_heads * config->lrkv_rank;
  s.probs = s.a_v + n * config->n_heads * config->lrkv_rank;
  return s;
}

static gsize
lrkv_saved_size (const QksModelConfig *config,
                 guint                 batch,
                 guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;

  return 4 * n * config->n_heads * config->d_head +
         2 * n * config->n_heads * config->lrkv_rank +
         (gsize) batch * config->n_heads * seq_len * seq_len;
}

static gsize
lrkv_scratch_size (const QksModelConfig *config,
                   guint                 batch,
                   guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize heads = n * config->n_heads * config->d_head;

  /* forward: the shared k, v; backward: d_q, d_k, d_v, the mix scratch,
   * d of the shared k, v, and d of the latents. */
  return 2 * n * config->d_head + 3 * heads + qks_attn_mix_scratch_size (config, batch, seq_len, config->d_head) +
         2 * n * config->d_head + 2 * n * config->n_heads * config->lrkv_rank;
}

/* per_head_h = shared + B_h a_h for every head: k or v before rotation. */
static void
build_heads (const QksModelConfig *config,
             qks_real             *per_head,
             const qks_real       *shared,
             const qks_real       *latents,
             const qks_real       *up,
             gsize                 n)
{
  guint H = config->n_heads, d_h = config->d_head, r = config->lrkv_rank;
  gsize width = (gsize) H * d_h;

  for (gsize row = 0; row < n; row++)
    for (guint h = 0; h < H; h++)
      memcpy (per_head + row * width + (gsize) h * d_h, shared + row * d_h, d_h * sizeof (qks_real));
  for (guint h = 0; r > 0 && h < H; h++)
    qks_linear_forward (per_head + (gsize) h * d_h, width, latents + (gsize) h * r, (gsize) H * r,
                        up + (gsize) h * d_h * r, n, r, d_h, TRUE);
}

/* The transpose of build_heads(): gradients of the shared part, the latents
 * and B_h from the gradient of the per-head k or v. */
static void
backward_heads (const QksModelConfig *config,
                qks_real             *d_shared,
                qks_real             *d_latents,
                qks_real             *d_up,
                const qks_real       *d_per_head,
                const qks_real       *latents,
                const qks_real       *up,
                gsize                 n)
{
  guint H = config->n_heads, d_h = config->d_head, r = config->lrkv_rank;
  gsize width = (gsize) H * d_h;

  memset (d_shared, 0, n * d_h * sizeof (qks_real));
  for (gsize row = 0; row < n; row++)
    for (guint h = 0; h < H; h++)
      {
        const qks_real *src = d_per_head + row * width + (gsize) h * d_h;
        qks_real *dst = d_shared + row * d_h;

        for (guint i = 0; i < d_h; i++)
          dst[i] += src[i];
      }

  if (r == 0)
    return;
  memset (d_latents, 0, n * H * r * sizeof (qks_real));
  for (guint h = 0; h < H; h++)
    qks_linear_backward (d_latents + (gsize) h * r, (gsize) H * r, d_up + (gsize) h * d_h * r,
                         d_per_head + (gsize) h * d_h, width, latents + (gsize) h * r, (gsize) H * r,
                         up + (gsize) h * d_h * r, n, r, d_h);
}

static void
lrkv_forward (const QksAttnContext *ctx,
              const qks_real       *in,
              qks_real             *out)
{
  const QksModelConfig *config = ctx->config;
  LrkvParams p = locate_params (config, ctx->params);
  LrkvSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len;
  guint d = config->d_model, H = config->n_heads, d_h = config->d_head, r = config->lrkv_rank;
  gsize width = (gsize) H * d_h;
  qks_real *k_shared = ctx->scratch, *v_shared = k_shared + n * d_h;

  qks_linear_forward (s.q, width, in, d, p.wq, n, d, width, FALSE);
  qks_linear_forward (k_shared, d_h, in, d, p.wk_shared, n, d, d_h, FALSE);
  qks_linear_forward (v_shared, d_h, in, d, p.wv_shared, n, d, d_h, FALSE);
  qks_linear_forward (s.a_k, (gsize) H * r, in, d, p.k_down, n, d, (gsize) H * r, FALSE);
  qks_linear_forward (s.a_v, (gsize) H * r, in, d, p.v_down, n, d, (gsize) H * r, FALSE);
  build_heads (config, s.k, k_shared, s.a_k, p.k_up, n);
  build_heads (config, s.v, v_shared, s.a_v, p.v_up, n);
  qks_rope_rotate (ctx->rope_head, s.q, width, n, ctx->seq_len, H, d_h, FALSE);
  qks_rope_rotate (ctx->rope_head, s.k, width, n, ctx->seq_len, H, d_h, FALSE);
  qks_attn_mix_forward (ctx, d_h, d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, out);
}

static void
lrkv_backward (const QksAttnContext *ctx,
               const qks_real       *in,
               const qks_real       *d_out,
               qks_real             *d_in)
{
  const QksModelConfig *config = ctx->config;
  LrkvParams p = locate_params (config, ctx->params);
  LrkvParams g = locate_params (config, ctx->grads);
  LrkvSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len;
  guint d = config->d_model, H = config->n_heads, d_h = config->d_head, r = config->lrkv_rank;
  gsize width = (gsize) H * d_h;
  qks_real *d_q = ctx->scratch + 2 * n * d_h;
  qks_real *d_k = d_q + n * width;
  qks_real *d_v = d_k + n * width;
  qks_real *mix_scratch = d_v + n * width;
  qks_real *d_k_shared = mix_scratch + qks_attn_mix_scratch_size (config, ctx->batch, ctx->seq_len, d_h);
  qks_real *d_v_shared = d_k_shared + n * d_h;
  qks_real *d_a_k = d_v_shared + n * d_h;
  qks_real *d_a_v = d_a_k + n * H * r;

  qks_attn_mix_backward (ctx, d_h, d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, (qks_real *) g.wo,
                         d_out, mix_scratch, d_q, d_k, d_v);
  qks_rope_rotate (ctx->rope_head, d_q, width, n, ctx->seq_len, H, d_h, TRUE);
  qks_rope_rotate (ctx->rope_head, d_k, width, n, ctx->seq_len, H, d_h, TRUE);
  backward_heads (config, d_k_shared, d_a_k, (qks_real *) g.k_up, d_k, s.a_k, p.k_up, n);
  backward_heads (config, d_v_shared, d_a_v, (qks_real *) g.v_up, d_v, s.a_v, p.v_up, n);

  qks_linear_backward (d_in, d, (qks_real *) g.wq, d_q, width, in, d, p.wq, n, d, width);
  qks_linear_backward (d_in, d, (qks_real *) g.wk_shared, d_k_shared, d_h, in, d, p.wk_shared, n, d, d_h);
  qks_linear_backward (d_in, d, (qks_real *) g.wv_shared, d_v_shared, d_h, in, d, p.wv_shared, n, d, d_h);
  qks_linear_backward (d_in, d, (qks_real *) g.k_down, d_a_k, (gsize) H * r, in, d, p.k_down, n, d, (gsize) H * r);
  qks_linear_backward (d_in, d, (qks_real *) g.v_down, d_a_v, (gsize) H * r, in, d, p.v_down, n, d, (gsize) H * r);
}

static double
lrkv_kv_cache_elements (const QksModelConfig *config)
{
  /* The shared k, v and the per-head latents a^K, a^V: 2(d_h + H r) [R]. */
  return 2.0 * (config->d_head + (double) config->n_heads * config->lrkv_rank);
}

static double
lrkv_forward_flops (const QksModelConfig *config,
                    guint                 seq_len)
{
  double T = seq_len, d = config->d_model, H = config->n_heads, d_h = config->d_head;
  double r = config->lrkv_rank;

  return 2.0 * T * d * H * d_h                 /* queries */
         + 2 * 2.0 * T * d * d_h               /* shared k, v */
         + 2 * 2.0 * T * d * H * r             /* latents */
         + 2 * 2.0 * T * H * r * d_h           /* B_h a_h */
         + qks_attn_mix_flops (seq_len, config->n_heads, config->d_head, config->d_head,
                               config->d_model);
}

/* W_sh + B_h A_h in double: the effective per-head map. */
static void
effective_map (const QksModelConfig *config,
               QksMatrix            *out,
               const qks_real       *shared,
               const qks_real       *down,
               const qks_real       *up,
               guint                 head)
{
  guint d = config->d_model, d_h = config->d_head, r = config->lrkv_rank;

  qks_attn_copy_block (out, shared, d);
  for (guint i = 0; i < d_h; i++)
    for (guint j = 0; j < d; j++)
      {
        double sum = 0.0;

        for (guint k = 0; k < r; k++)
          sum += (double) up[((gsize) head * d_h + i) * r + k] * down[((gsize) head * r + k) * d + j];
        out->data[(gsize) i * d + j] += sum;
      }
}

static QksAttnHeads *
lrkv_export_heads (const QksModelConfig *config,
                   const qks_real       *params)
{
  LrkvParams p = locate_params (config, params);
  guint d = config->d_model, H = config->n_heads, d_h = config->d_head;
  QksAttnHeads *heads = qks_attn_heads_new (H, d, d_h, d_h);

  for (guint h = 0; h < H; h++)
    {
      qks_attn_copy_block (heads->w_q[h], p.wq + (gsize) h * d_h * d, d);
      effective_map (config, heads->w_k[h], p.wk_shared, p.k_down, p.k_up, h);
      effective_map (config, heads->w_v[h], p.wv_shared, p.v_down, p.v_up, h);
      qks_attn_copy_block (heads->w_o[h], p.wo + (gsize) h * d_h, (gsize) H * d_h);
    }

  qks_attn_heads_set_product_chains (heads, d_h, H * d_h);
  heads->shared_key_width = config->lrkv_rank == 0 ? d_h : 0;
  return heads;
}

const QksAttnVariant qks_attn_variant_lrkv = {
  .kind = QKS_ATTN_LRKV,
  .declare_params = lrkv_declare_params,
  .saved_size = lrkv_saved_size,
  .scratch_size = lrkv_scratch_size,
  .forward = lrkv_forward,
  .backward = lrkv_backward,
  .kv_cache_elements = lrkv_kv_cache_elements,
  .forward_flops = lrkv_forward_flops,
  .export_heads = lrkv_export_heads,
};
