/* qks-attn.h: the interface every attention variant implements
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-config.h"
#include "qks-ops.h"
#include "qks-params.h"
#include "qks-rng.h"

G_BEGIN_DECLS

/* Everything a variant's forward and backward pass may touch for one layer. */
typedef struct
{
  const QksModelConfig *config;
  guint                 batch;
  guint                 seq_len;
  const QksRope        *rope_head;    /* dim d_h */
  const QksRope        *rope_extra;   /* dim d_h^R (MLA-Decoupled) or d (rotate-then-compress); else NULL */
  const qks_real       *params;       /* this layer's attention tensors, in declaration order */
  qks_real             *grads;        /* their gradients, same layout */
  qks_real             *saved;        /* saved_size() elements kept from forward to backward */
  qks_real             *scratch;      /* scratch_size() elements, free between calls */
} QksAttnContext;

typedef struct
{
  QksAttnKind kind;

  /* Appends this layer's tensors, named PREFIX.NAME, to the layout, each
   * with its initialisation (init_std for most matrices, residual_std for
   * the output projection that writes into the residual stream). */
  void          (*declare_params)    (const QksModelConfig *config,
                                      QksParamLayout       *layout,
                                      const char           *prefix,
                                      double                init_std,
                                      double                residual_std);
  gsize         (*saved_size)        (const QksModelConfig *config,
                                      guint                 batch,
                                      guint                 seq_len);
  gsize         (*scratch_size)      (const QksModelConfig *config,
                                      guint                 batch,
                                      guint                 seq_len);
  /* out = Attn(in), both (batch·seq_len) × d; out is overwritten. */
  void          (*forward)           (const QksAttnContext *ctx,
                                      const qks_real       *in,
                                      qks_real             *out);
  /* d_in += ∂/∂in; the parameter gradients are added into ctx->grads. */
  void          (*backward)          (const QksAttnContext *ctx,
                                      const qks_real       *in,
                                      const qks_real       *d_out,
                                      qks_real             *d_in);
  /* Cached elements per token per layer (SCIENCE.md a.7). */
  double        (*kv_cache_elements) (const QksModelConfig *config);
  /* Matrix-product FLOPs of one layer's forward pass over one sequence. */
  double        (*forward_flops)     (const QksModelConfig *config,
                                      guint                 seq_len);
  QksAttnHeads *(*export_heads)      (const QksModelConfig *config,
                                      const qks_real       *params);
} QksAttnVariant;

const QksAttnVariant *qks_attn_variant_get (QksAttnKind kind);

/* Shared by the variants: causal softmax attention over per-head q, k, v
 * (each head's rows materialised), then the output projection W^O. */
void   qks_attn_mix_forward    (const QksAttnContext *ctx,
                                guint                 d_qk,
                                guint                 d_v,
                                const qks_real       *q,
                                const qks_real       *k,
                                const qks_real       *v,
                                qks_real             *probs,
                                qks_real             *o,
                                const qks_real       *w_o,
                                qks_real             *out);
void   qks_attn_mix_backward   (const QksAttnContext *ctx,
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
                                qks_real             *d_v_out);
gsize  qks_attn_mix_scratch_size (const QksModelConfig *config,
                                  guint                 batch,
                                  guint                 seq_len,
                                  guint                 d_v);
double qks_attn_mix_flops      (guint                 seq_len,
                                guint                 n_heads,
                                guint                 d_qk,
                                guint                 d_v,
                                guint                 d_model);
void   qks_attn_copy_block     (QksMatrix            *matrix,
                                const qks_real       *data,
                                gsize                 ld);

extern const QksAttnVariant qks_attn_variant_mha;
extern const QksAttnVariant qks_attn_variant_gqa;
extern const QksAttnVariant qks_attn_variant_mla_prerope;
extern const QksAttnVariant qks_attn_variant_mla_decoupled;
extern const QksAttnVariant qks_attn_variant_lrkv;

G_END_DECLS
