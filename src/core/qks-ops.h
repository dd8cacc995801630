/* qks-ops.h: the layers a transformer is built from, each a forward/backward pair
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-real.h"

G_BEGIN_DECLS

/* Conventions, as in llm.c: activations are row-major (rows = batch × time);
 * a weight is stored out × in, as a PyTorch Linear's .weight; a backward
 * pass adds into the gradients it is given (so shared inputs sum up) unless
 * it says it overwrites. */

#define QKS_RMSNORM_EPS 1e-5

/* Matrix products --------------------------------------------------------- */

void   qks_linear_forward        (qks_real       *out,
                                  gsize           ld_out,
                                  const qks_real *in,
                                  gsize           ld_in,
                                  const qks_real *weight,
                                  gsize           n_rows,
                                  gsize           n_in,
                                  gsize           n_out,
                                  gboolean        accumulate);
void   qks_linear_backward       (qks_real       *d_in,
                                  gsize           ld_d_in,
                                  qks_real       *d_weight,
                                  const qks_real *d_out,
                                  gsize           ld_d_out,
                                  const qks_real *in,
                                  gsize           ld_in,
                                  const qks_real *weight,
                                  gsize           n_rows,
                                  gsize           n_in,
                                  gsize           n_out);

/* Normalisation and nonlinearity ------------------------------------------ */

void   qks_rmsnorm_forward       (qks_real       *out,
                                  qks_real       *rstd,
                                  const qks_real *in,
                                  const qks_real *gain,
                                  gsize           n_rows,
                                  gsize           dim);
void   qks_rmsnorm_backward      (qks_real       *d_in,
                                  qks_real       *d_gain,
                                  const qks_real *d_out,
                                  const qks_real *in,
                                  const qks_real *gain,
                                  const qks_real *rstd,
                                  gsize           n_rows,
                                  gsize           dim);
void   qks_gelu_forward          (qks_real       *out,
                                  const qks_real *in,
                                  gsize           n);
void   qks_gelu_backward         (qks_real       *d_in,
                                  const qks_real *d_out,
                                  const qks_real *in,
                                  gsize           n);

/* Rotary position embedding ----------------------------------------------- */

/* cos/sin of t·θ_i for t < max_len and i < dim/2, θ_i = base^(−2i/dim). */
typedef struct
{
  guint     dim;
  guint     max_len;
  qks_real *cos;
  qks_real *sin;
} QksRope;

void   qks_rope_init             (QksRope        *rope,
                                  guint           dim,
                                  guint           max_len,
                                  double          base);
void   qks_rope_clear            (QksRope        *rope);
void   qks_rope_rotate           (const QksRope  *rope,
                                  qks_real       *x,
                                  gsize           ld,
                                  gsize           n_rows,
                                  guint           seq_len,
                                  guint           n_vectors,
                                  gsize           vector_stride,
                                  gboolean        inverse);

/* Causal attention --------------------------------------------------------- */

void   qks_attention_forward     (qks_real       *out,
                                  qks_real       *probs,
                                  const qks_real *q,
                                  const qks_real *k,
                                  const qks_real *v,
                                  guint           batch,
                                  guint           seq_len,
                                  guint           n_heads,
                                  guint           d_qk,
                                  guint           d_v,
                                  double          scale);
void   qks_attention_backward    (qks_real       *grad_q,
                                  qks_real       *grad_k,
                                  qks_real       *grad_v,
                                  qks_real       *scratch,
                                  const qks_real *d_out,
                                  const qks_real *probs,
                                  const qks_real *q,
                                  const qks_real *k,
                                  const qks_real *v,
                                  guint           batch,
                                  guint           seq_len,
                                  guint           n_heads,
                                  guint           d_qk,
                                  guint           d_v,
                                  double          scale);

gsize  qks_attention_scratch_size (guint         seq_len);

/* Embedding and loss ------------------------------------------------------- */

void   qks_embedding_forward     (qks_real       *out,
                                  const int      *tokens,
                                  const qks_real *table,
                                  gsize           n,
                                  gsize           dim);
void   qks_embedding_backward    (qks_real       *d_table,
                                  const int      *tokens,
                                  const qks_real *d_out,
                                  gsize           n,
                                  gsize           dim);
double qks_cross_entropy_forward (qks_real       *probs,
                                  const int      *targets,
                                  gsize           n,
                                  gsize           vocab);
void   qks_cross_entropy_backward (qks_real      *d_logits,
                                   const qks_real *probs,
                                   const int     *targets,
                                   gsize          n,
                                   gsize          vocab);

G_END_DECLS
