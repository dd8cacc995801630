/* qks-model.h: a decoder-only byte-level transformer, forward and backward
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-config.h"
#include "qks-params.h"
#include "qks-real.h"
#include "qks-rng.h"

G_BEGIN_DECLS

typedef struct _QksModel QksModel;

/* The random streams of a run's seed (qks_rng_init_stream). */
enum
{
  QKS_RNG_STREAM_INIT = 1,
  QKS_RNG_STREAM_DATA = 2,
};

QksModel             *qks_model_new                   (const QksModelConfig *config,
                                                       GError              **error);
void                  qks_model_free                  (QksModel             *self);
void                  qks_model_init_weights          (QksModel             *self,
                                                       guint64               seed);

const QksModelConfig *qks_model_get_config            (QksModel             *self);
const QksParamLayout *qks_model_get_layout            (QksModel             *self);
gsize                 qks_model_get_n_params          (QksModel             *self);
qks_real             *qks_model_get_params            (QksModel             *self);
qks_real             *qks_model_get_grads             (QksModel             *self);
qks_real             *qks_model_get_tensor            (QksModel             *self,
                                                       const char           *name,
                                                       gsize                *n_elements);

gboolean              qks_model_reserve               (QksModel             *self,
                                                       guint                 batch,
                                                       guint                 seq_len,
                                                       GError              **error);
gsize                 qks_model_get_activation_bytes  (QksModel             *self);
double                qks_model_forward               (QksModel             *self,
                                                       const int            *inputs,
                                                       const int            *targets,
                                                       guint                 batch,
                                                       guint                 seq_len);
const qks_real       *qks_model_get_probs             (QksModel             *self);
const qks_real       *qks_model_get_attention_input   (QksModel             *self,
                                                       guint                 layer);
void                  qks_model_zero_grad             (QksModel             *self);
void                  qks_model_backward              (QksModel             *self);

double                qks_model_forward_flops         (const QksModelConfig *config,
                                                       guint                 seq_len);
double                qks_model_kv_cache_bytes        (const QksModelConfig *config,
                                                       guint                 bytes_per_element);
QksAttnHeads         *qks_model_export_heads          (QksModel             *self,
                                                       guint                 layer);
QksAttnHeads         *qks_model_sample_heads          (const QksModelConfig *config,
                                                       QksRng               *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksModel, qks_model_free)

G_END_DECLS
