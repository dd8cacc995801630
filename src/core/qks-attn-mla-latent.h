/* qks-attn-mla-latent.h: the compressed latents shared by the MLA variants
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-attn.h"

G_BEGIN_DECLS

/* SCIENCE.md a.3, content path:
 *   c^KV = RMSNorm(W^DKV x)   k^C = W^UK c^KV   v = W^UV c^KV
 *   c^Q  = RMSNorm(W^DQ x)    q^C = W^UQ c^Q
 * with W^DKV d_c × d, W^UK and W^UV H·d_h × d_c, W^DQ d_c' × d, W^UQ H·d_h × d_c'. */

typedef struct
{
  const qks_real *kv_down, *kv_norm, *k_up, *v_up, *q_down, *q_norm, *q_up;
  const qks_real *end;   /* where the variant's own tensors start */
} QksMlaLatentParams;

typedef struct
{
  qks_real *kv_pre, *kv, *kv_rstd, *q_pre, *cq, *q_rstd;
  qks_real *end;
} QksMlaLatentSaved;

void               qks_mla_latent_declare      (const QksModelConfig     *config,
                                                QksParamLayout           *layout,
                                                const char               *prefix,
                                                double                    init_std);
QksMlaLatentParams qks_mla_latent_locate       (const QksModelConfig     *config,
                                                const qks_real           *base);
gsize              qks_mla_latent_saved_size   (const QksModelConfig     *config,
                                                gsize                     n_rows);
QksMlaLatentSaved  qks_mla_latent_locate_saved (const QksModelConfig     *config,
                                                qks_real                 *base,
                                                gsize                     n_rows);
gsize              qks_mla_latent_scratch_size (const QksModelConfig     *config,
                                                gsize                     n_rows);
void               qks_mla_latent_forward      (const QksModelConfig     *config,
                                                const QksMlaLatentParams *p,
                                                const QksMlaLatentSaved  *s,
                                                const qks_real           *in,
                                                gsize                     n_rows,
                                                qks_real                 *q,
                                                qks_real                 *k,
                                                qks_real                 *v);
void               qks_mla_latent_backward     (const QksModelConfig     *config,
                                                const QksMlaLatentParams *p,
                                                const QksMlaLatentParams *g,
                                                const QksMlaLatentSaved  *s,
                                                const qks_real           *in,
                                                gsize                     n_rows,
                                                const qks_real           *d_q,
                                                const qks_real           *d_k,
                                                const qks_real           *d_v,
                                                const qks_real           *d_cq_extra,
                                                qks_real                 *d_in,
                                                qks_real                 *scratch);
double             qks_mla_latent_flops        (const QksModelConfig     *config,
                                                guint                     seq_len);
void               qks_mla_latent_export       (const QksModelConfig     *config,
                                                const QksMlaLatentParams *p,
                                                QksAttnHeads             *heads);
QksMatrix         *qks_mla_latent_query_down   (const QksModelConfig     *config,
                                                const QksMlaLatentParams *p);

G_END_DECLS
