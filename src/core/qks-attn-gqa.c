/* qks-attn-gqa.c: grouped-query attention, and MQA as its one-group case (SCIENCE.md a.2)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn.h"

/* Head h reads the keys and values of group g(h) = ⌊h·G/H⌋; queries stay
 * per head. The group keys are computed and rotated once, then copied to
 * every head of the group so that the shared attention core applies. */

typedef struct
{
  const qks_real *wq, *wk, *wv, *wo;   /* H·d_h × d; G·d_h × d twice; d × H·d_h */
} GqaParams;

typedef struct
{
  qks_real *q, *k, *v, *o, *probs;     /* k and v expanded to H heads */
} GqaSaved;

static guint
group_of_head (const QksModelConfig *config,
               guint                 head)
{
  return head * config->n_kv_groups / config->n_heads;
}

static void
gqa_declare_params (const QksModelConfig *config,
                    QksParamLayout       *layout,
                    const char           *prefix,
                    double                init_std,
                    double                residual_std)
{
  gsize d = config->d_model;
  gsize q_width = (gsize) config->n_heads * config->d_head;
  gsize kv_width = (gsize) config->n_kv_groups * config->d_head;
  g_autofree char *wq = g_strdup_printf ("%s.wq.weight", prefix);
  g_autofree char *wk = g_strdup_printf ("%s.wk.weight", prefix);
  g_autofree char *wv = g_strdup_printf ("%s.wv.weight", prefix);
  g_autofree char *wo = g_strdup_printf ("%s.wo.weight", prefix);

  qks_param_layout_add_matrix (layout, wq, q_width, d, init_std);
  qks_param_layout_add_matrix (layout, wk, kv_width, d, init_std);
  qks_param_layout_add_matrix (layout, wv, kv_width, d, init_std);
  qks_param_layout_add_matrix (layout, wo, d, q_width, residual_std);
}

static GqaParams
locate_params (const QksModelConfig *config,
               const qks_real       *base)
{
  gsize d = config->d_model;
  gsize q_block = (gsize) config->n_heads * config->d_head * d;
  gsize kv_block = (gsize) config->n_kv_groups * config->d_head * d;
  GqaParams p;

  p.wq = base;
  p.wk = p.wq + q_block;
  p.wv = p.wk + kv_block;
  p.wo = p.wv + kv_block;
  return p;
}

static GqaSaved
locate_saved (const QksModelConfig *config,
              qks_real             *base,
              guint                 batch,
              guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len * config->n_heads * config->d_head;
  GqaSaved s;

  s.q = base;
  s.k = s.q + n;
  s.v = s.k + n;
  s.o = s.v + n;
  s.probs = s.o + n;
  return s;
}

static gsize
gqa_saved_size (const QksModelConfig *config,
                guint                 batch,
                guint                 seq_len)
{
  return 4 * (gsize) batch * seq_len * config->n_heads * config->d_head +
         (gsize) batch * config->n_heads * seq_len * seq_len;
}

static gsize
gqa_scratch_size (const QksModelConfig *config,
                  guint                 batch,
                  guint                 seq_len)
{
  gsize n = (gsize) batch * seq_len;
  gsize heads = n * config->n_heads * config->d_head;
  gsize groups = n * config->n_kv_groups * config->d_head;

  /* forward: the group k, v; backward: d_q, d_k, d_v per head, the mix
   * scratch, and d_k, d_v per group. */
  return 3 * heads + qks_attn_mix_scratch_size (config, batch, seq_len, config->d_head) + 2 * groups;
}

/* Copies each group's vectors to the heads that read them. */
static void
expand_groups (const QksModelConfig *config,
               qks_real             *per_head,
               const qks_real       *per_group,
               gsize                 n_rows)
{
  guint H = config->n_heads, G = config->n_kv_groups, d_h = config->d_head;

  for (gsize r = 0; r < n_rows; r++)
    for (guint h = 0; h < H; h++)
      memcpy (per_head + (r * H + h) * d_h,
              per_group + (r * G + group_of_head (config, h)) * d_h,
              d_h * sizeof (qks_real));
}

/* The transpose of expand_groups(): sums each group's heads. */
static void
reduce_groups (const QksModelConfig *config,
               qks_real             *per_group,
               const qks_real       *per_head,
               gsize                 n_rows)
{
  guint H = config->n_heads, G = config->n_kv_groups, d_h = config->d_head;

  memset (per_group, 0, n_rows * G * d_h * sizeof (qks_real));
  for (gsize r = 0; r < n_rows; r++)
    for (guint h = 0; h < H; h++)
      {
        qks_real *dst = per_group + (r * G + group_of_head (config, h)) * d_h;
        const qks_real *src = per_head + (r * H + h) * d_h;

        for (guint i = 0; i < d_h; i++)
          dst[i] += src[i];
      }
}

static void
gqa_forward (const QksAttnContext *ctx,
             const qks_real       *in,
             qks_real             *out)
{
  const QksModelConfig *config = ctx->config;
  GqaParams p = locate_params (config, ctx->params);
  GqaSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len;
  guint d = config->d_model, H = config->n_heads, G = config->n_kv_groups, d_h = config->d_head;
  gsize q_width = (gsize) H * d_h, kv_width = (gsize) G * d_h;
  qks_real *k_group = ctx->scratch, *v_group = k_group + n * kv_width;

  qks_linear_forward (s.q, q_width, in, d, p.wq, n, d, q_width, FALSE);
  qks_linear_forward (k_group, kv_width, in, d, p.wk, n, d, kv_width, FALSE);
  qks_linear_forward (v_group, kv_width, in, d, p.wv, n, d, kv_width, FALSE);
  qks_rope_rotate (ctx->rope_head, s.q, q_width, n, ctx->seq_len, H, d_h, FALSE);
  qks_rope_rotate (ctx->rope_head, k_group, kv_width, n, ctx->seq_len, G, d_h, FALSE);
  expand_groups (config, s.k, k_group, n);
  expand_groups (config, s.v, v_group, n);
  qks_attn_mix_forward (ctx, d_h, d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, out);
}

static void
gqa_backward (const QksAttnContext *ctx,
              const qks_real       *in,
              const qks_real       *d_out,
              qks_real             *d_in)
{
  const QksModelConfig *config = ctx->config;
  GqaParams p = locate_params (config, ctx->params);
  GqaParams g = locate_params (config, ctx->grads);
  GqaSaved s = locate_saved (config, ctx->saved, ctx->batch, ctx->seq_len);
  gsize n = (gsize) ctx->batch * ctx->seq_len;
  guint d = config->d_model, H = config->n_heads, G = config->n_kv_groups, d_h = config->d_head;
  gsize q_width = (gsize) H * d_h, kv_width = (gsize) G * d_h;
  qks_real *d_q = ctx->scratch;
  qks_real *d_k = d_q + n * q_width;
  qks_real *d_v = d_k + n * q_width;
  qks_real *mix_scratch = d_v + n * q_width;
  qks_real *d_k_group = mix_scratch + qks_attn_mix_scratch_size (config, ctx->batch, ctx->seq_len, d_h);
  qks_real *d_v_group = d_k_group + n * kv_width;

  qks_attn_mix_backward (ctx, d_h, d_h, s.q, s.k, s.v, s.probs, s.o, p.wo, (qks_real *) g.wo,
                         d_out, mix_scratch, d_q, d_k, d_v);
  reduce_groups (config, d_k_group, d_k, n);
  reduce_groups (config, d_v_group, d_v, n);
  qks_rope_rotate (ctx->rope_head, d_q, q_width, n, ctx->seq_len, H, d_h, TRUE);
  qks_rope_rotate (ctx->rope_head, d_k_group, kv_width, n, ctx->seq_len, G, d_h, TRUE);
  qks_linear_backward (d_in, d, (qks_real *) g.wq, d_q, q_width, in, d, p.wq, n, d, q_width);
  qks_linear_backward (d_in, d, (qks_real *) g.wk, d_k_group, kv_width, in, d, p.wk, n, d, kv_width);
  qks_linear_backward (d_in, d, (qks_real *) g.wv, d_v_group, kv_width, in, d, p.wv, n, d, kv_width);
}

static double
gqa_kv_cache_elements (const QksModelConfig *config)
{
  return 2.0 * config->n_kv_groups * config->d_head;
}

static double
gqa_forward_flops (const QksModelConfig *config,
                   guint                 seq_len)
{
  double T = seq_len, d = config->d_model, d_h = config->d_head;

  return 2.0 * T * d * d_h * (config->n_heads + 2.0 * config->n_kv_groups) +
         qks_attn_mix_flops (seq_len, config->n_heads, config->d_head, config->d_head,
                             config->d_model);
}

static QksAttnHeads *
gqa_export_heads (const QksModelConfig *config,
                  const qks_real       *params)
{
  GqaParams p = locate_params (config, params);
  guint d = config->d_model, H = config->n_heads, G = config->n_kv_groups, d_h = config->d_head;
  QksAttnHeads *heads = qks_attn_heads_new (H, d, d_h, d_h);

  for (guint h = 0; h < H; h++)
    {
      gsize group_rows = (gsize) group_of_head (config, h) * d_h * d;

      qks_attn_copy_block (heads->w_q[h], p.wq + (gsize) h * d_h * d, d);
      qks_attn_copy_block (heads->w_k[h], p.wk + group_rows, d);
      qks_attn_copy_block (heads->w_v[h], p.wv + group_rows, d);
      qks_attn_copy_block (heads->w_o[h], p.wo + (gsize) h * d_h, (gsize) H * d_h);
    }

  qks_attn_heads_set_kv_groups (heads, G);
  return heads;
}

const QksAttnVariant qks_attn_variant_gqa = {
  .kind = QKS_ATTN_GQA,
  .declare_params = gqa_declare_params,
  .saved_size = gqa_saved_size,
  .scratch_size = gqa_scratch_size,
  .forward = gqa_forward,
  .backward = gqa_backward,
  .kv_cache_elements = gqa_kv_cache_elements,
  .forward_flops = gqa_forward_flops,
  .export_heads = gqa_export_heads,
};
