/* qks-attn-mla-latent.c: the compressed latents shared by the MLA variants
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn-mla-latent.h"

void
qks_mla_latent_declare (const QksModelConfig *config,
                        QksParamLayout       *layout,
                        const char           *prefix,
                        double                init_std)
{
  gsize d = config->d_model, d_c = config->d_latent_kv, d_cq = config->d_latent_q;
  gsize width = (gsize) config->n_heads * config->d_head;
  g_autofree char *kv_down = g_strdup_printf ("%s.kv_down.weight", prefix);
  g_autofree char *kv_norm = g_strdup_printf ("%s.kv_norm.weight", prefix);
  g_autofree char *k_up = g_strdup_printf ("%s.k_up.weight", prefix);
  g_autofree char *v_up = g_strdup_printf ("%s.v_up.weight", prefix);
  g_autofree char *q_down = g_strdup_printf ("%s.q_down.weight", prefix);
  g_autofree char *q_norm = g_strdup_printf ("%s.q_norm.weight", prefix);
  g_autofree char *q_up = g_strdup_printf ("%s.q_up.weight", prefix);

  qks_param_layout_add_matrix (layout, kv_down, d_c, d, init_std);
  qks_param_layout_add_gain (layout, kv_norm, d_c);
  qks_param_layout_add_matrix (layout, k_up, width, d_c, init_std);
  qks_param_layout_add_matrix (layout, v_up, width, d_c, init_std);
  qks_param_layout_add_matrix (layout, q_down, d_cq, d, init_std);
  qks_param_layout_add_gain (layout, q_norm, d_cq);
  qks_param_layout_add_matrix (layout, q_up, width, d_cq, init_std);
}

QksMlaLatentParams
qks_mla_latent_locate (const QksModelConfig *config,
                       const qks_real       *base)
{
  gsize d = config->d_model, d_c = config->d_latent_kv, d_cq = config->d_latent_q;
  gsize width = (gsize) config->n_heads * config->d_head;
  QksMlaLatentParams p;

  p.kv_down = base;
  p.kv_norm = p.kv_down + d_c * d;
  p.k_up = p.kv_norm + d_c;
  p.v_up = p.k_up + width * d_c;
  p.q_down = p.v_up + width * d_c;
  p.q_norm = p.q_down + d_cq * d;
  p.q_up = p.q_norm + d_cq;
  p.end = p.q_up + width * d_cq;
  return p;
}

gsize
qks_mla_latent_saved_size (const QksModelConfig *config,
                           gsize                 n_rows)
{
  return n_rows * (2 * (gsize) config->d_latent_kv + 1 + 2 * (gsize) config->d_latent_q + 1);
}

QksMlaLatentSaved
qks_mla_latent_locate_saved (const QksModelConfig *config,
                             qks_real             *base,
                             gsize                 n_rows)
{
  QksMlaLatentSaved s;

  s.kv_pre = base;
  s.kv = s.kv_pre + n_rows * config->d_latent_kv;
  s.kv_rstd = s.kv + n_rows * config->d_latent_kv;
  s.q_pre = s.kv_rstd + n_rows;
  s.cq = s.q_pre + n_rows * config->d_latent_q;
  s.q_rstd = s.cq + n_rows * config->d_latent_q;
  s.end = s.q_rstd + n_rows;
  return s;
}

gsize
qks_mla_latent_scratch_size (const QksModelConfig *config,
                             gsize                 n_rows)
{
  return 2 * n_rows * ((gsize) config->d_latent_kv + config->d_latent_q);
}

/**
 * qks_mla_latent_forward:
 * @q: (out): n_rows × H·d_h content queries, not rotated
 * @k: (out): n_rows × H·d_h content keys, not rotated
 * @v: (out): n_rows × H·d_h values
 */
void
qks_mla_latent_forward (const QksModelConfig     *config,
                        const QksMlaLatentParams *p,
                        const QksMlaLatentSaved  *s,
                        const qks_real           *in,
                        gsize                     n,
                        qks_real                 *q,
                        qks_real                 *k,
                        qks_real                 *v)
{
  gsize d = config->d_model, d_c = config->d_latent_kv, d_cq = config->d_latent_q;
  gsize width = (gsize) config->n_heads * config->d_head;

  qks_linear_forward (s->kv_pre, d_c, in, d, p->kv_down, n, d, d_c, FALSE);
  qks_rmsnorm_forward (s->kv, s->kv_rstd, s->kv_pre, p->kv_norm, n, d_c);
  qks_linear_forward (k, width, s->kv, d_c, p->k_up, n, d_c, width, FALSE);
  qks_linear_forward (v, width, s->kv, d_c, p->v_up, n, d_c, width, FALSE);

  qks_linear_forward (s->q_pre, d_cq, in, d, p->q_down, n, d, d_cq, FALSE);
  qks_rmsnorm_forward (s->cq, s->q_rstd, s->q_pre, p->q_norm, n, d_cq);
  qks_linear_forward (q, width, s->cq, d_cq, p->q_up, n, d_cq, width, FALSE);
}

/**
 * qks_mla_latent_backward:
 * @d_cq_extra: (nullable): a gradient with respect to c^Q from another path
 *   (MLA-Decoupled's RoPE queries), added in
 * @d_in: += the gradient with respect to @in
 * @scratch: qks_mla_latent_scratch_size() elements
 */
void
qks_mla_latent_backward (const QksModelConfig     *config,
                         const QksMlaLatentParams *p,
                         const QksMlaLatentParams *g,
                         const QksMlaLatentSaved  *s,
                         const qks_real           *in,
                         gsize                     n,
                         const qks_real           *d_q,
                         const qks_real           *d_k,
                         const qks_real           *d_v,
                         const qks_real           *d_cq_extra,
                         qks_real                 *d_in,
                         qks_real                 *scratch)
{
  gsize d = config->d_model, d_c = config->d_latent_kv, d_cq = config->d_latent_q;
  gsize width = (gsize) config->n_heads * config->d_head;
  qks_real *d_kv = scratch;
  qks_real *d_kv_pre = d_kv + n * d_c;
  qks_real *d_cq_buf = d_kv_pre + n * d_c;
  qks_real *d_q_pre = d_cq_buf + n * d_cq;

  memset (d_kv, 0, n * d_c * sizeof (qks_real));
  qks_linear_backward (d_kv, d_c, (qks_real *) g->k_up, d_k, width, s->kv, d_c, p->k_up, n, d_c, width);
  qks_linear_backward (d_kv, d_c, (qks_real *) g->v_up, d_v, width, s->kv, d_c, p->v_up, n, d_c, width);
  memset (d_kv_pre, 0, n * d_c * sizeof (qks_real));
  qks_rmsnorm_backward (d_kv_pre, (qks_real *) g->kv_norm, d_kv, s->kv_pre, p->kv_norm, s->kv_rstd, n, d_c);
  qks_linear_backward (d_in, d, (qks_real *) g->kv_down, d_kv_pre, d_c, in, d, p->kv_down, n, d, d_c);

  if (d_cq_extra != NULL)
    memcpy (d_cq_buf, d_cq_extra, n * d_cq * sizeof (qks_real));
  else
    memset (d_cq_buf, 0, n * d_cq * sizeof (qks_real));
  qks_linear_backward (d_cq_buf, d_cq, (qks_real *) g->q_up, d_q, width, s->cq, d_cq, p->q_up, n, d_cq, width);
  memset (d_q_pre, 0, n * d_cq * sizeof (qks_real));
  qks_rmsnorm_backward (d_q_pre, (qks_real *) g->q_norm, d_cq_buf, s->q_pre, p->q_norm, s->q_rstd, n, d_cq);
  qks_linear_backward (d_in, d, (qks_real *) g->q_down, d_q_pre, d_cq, in, d, p->q_down, n, d, d_cq);
}

double
qks_mla_latent_flops (const QksModelConfig *config,
                      guint                 seq_len)
{
  double T = seq_len, d = config->d_model, d_c = config->d_latent_kv, d_cq = config->d_latent_q;
  double width = (double) config->n_heads * config->d_head;

  return 2.0 * T * (d * d_c + 2 * d_c * width + d * d_cq + d_cq * width);
}

/* A · diag(gain) · B in double, for A rows × inner (ld_a) and B inner × cols. */
static QksMatrix *
product_with_gain (const qks_real *a,
                   gsize           ld_a,
                   gsize           rows,
                   const qks_real *gain,
                   const qks_real *b,
                   gsize           inner,
                   gsize           cols)
{
  g_autoptr(QksMatrix) left = qks_matrix_new (rows, inner);
  g_autoptr(QksMatrix) right = qks_matrix_new (inner, cols);

  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < inner; j++)
      qks_matrix_set (left, i, j, (double) a[i * ld_a + j] * gain[j]);
  qks_attn_copy_block (right, b, cols);
  return qks_matrix_multiply (left, QKS_NO_TRANSPOSE, right, QKS_NO_TRANSPOSE, NULL);
}

static void
copy_matrix (QksMatrix       *dst,
             const QksMatrix *src)
{
  memcpy (dst->data, src->data, src->rows * src->cols * sizeof (double));
}

/**
 * qks_mla_latent_export:
 *
 * Fills the content maps of SCIENCE.md b.1, with the RMSNorm gains and
 * without the data-dependent 1/rms [R]:
 *   W_Q,h = W^UQ_h diag(γ_Q) W^DQ,  W_K,h = W^UK_h diag(γ_KV) W^DKV,
 *   W_V,h = W^UV_h diag(γ_KV) W^DKV,  and the layer's chains.
 */
void
qks_mla_latent_export (const QksModelConfig     *config,
                       const QksMlaLatentParams *p,
                       QksAttnHeads             *heads)
{
  gsize d = config->d_model, d_c = config->d_latent_kv, d_cq = config->d_latent_q, d_h = config->d_head;

  for (guint h = 0; h < config->n_heads; h++)
    {
      g_autoptr(QksMatrix) w_q = product_with_gain (p->q_up + h * d_h * d_cq, d_cq, d_h, p->q_norm,
                                                    p->q_down, d_cq, d);
      g_autoptr(QksMatrix) w_k = product_with_gain (p->k_up + h * d_h * d_c, d_c, d_h, p->kv_norm,
                                                    p->kv_down, d_c, d);
      g_autoptr(QksMatrix) w_v = product_with_gain (p->v_up + h * d_h * d_c, d_c, d_h, p->kv_norm,
                                                    p->kv_down, d_c, d);

      copy_matrix (heads->w_q[h], w_q);
      copy_matrix (heads->w_k[h], w_k);
      copy_matrix (heads->w_v[h], w_v);
    }

  heads->head_chain_length = 5;
  heads->head_chain[0] = (guint) d;
  heads->head_chain[1] = (guint) d_cq;
  heads->head_chain[2] = (guint) d_h;
  heads->head_chain[3] = (guint) d_c;
  heads->head_chain[4] = (guint) d;
  heads->layer_chain_length = 5;
  heads->layer_chain[0] = (guint) d;
  heads->layer_chain[1] = (guint) d_cq;
  heads->layer_chain[2] = config->n_heads * config->d_head;
  heads->layer_chain[3] = (guint) d_c;
  heads->layer_chain[4] = (guint) d;
  heads->shared_key_width = (guint) d_c;
}

/**
 * qks_mla_latent_query_down:
 *
 * Returns: (transfer full): diag(γ_Q) W^DQ, d_c' × d, in double.
 */
QksMatrix *
qks_mla_latent_query_down (const QksModelConfig     *config,
                           const QksMlaLatentParams *p)
{
  gsize d = config->d_model, d_cq = config->d_latent_q;
  QksMatrix *m = qks_matrix_new (d_cq, d);

  for (gsize i = 0; i < d_cq; i++)
    for (gsize j = 0; j < d; j++)
      qks_matrix_set (m, i, j, (double) p->q_norm[i] * p->q_down[i * d + j]);
  return m;
}
