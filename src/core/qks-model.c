/* qks-model.c: a decoder-only byte-level transformer, forward and backward
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-attn.h"
#include "qks-model.h"
#include "qks-ops.h"
#include "qks-rng.h"

/* SCIENCE.md a.0, in the style of llm.c: parameters, gradients and saved
 * activations each live in one flat allocation; every layer is a
 * forward/backward pair; every matrix product goes through BLAS.
 *
 *   x_0 = E[tokens]
 *   x_mid = x_l + Attn(RMSNorm(x_l))
 *   x_l+1 = x_mid + W2 GELU(W1 RMSNorm(x_mid))
 *   logits = E · RMSNorm(x_L)            (LM head tied to the embedding) */

#define INIT_STD 0.02

typedef struct
{
  gsize attn_norm, attn, mlp_norm, w1, w2;   /* parameter offsets */
} LayerParams;

typedef struct
{
  qks_real *x_in, *a, *rstd_a, *attn, *x_mid, *m, *rstd_m, *h, *g;
} LayerActs;

struct _QksModel
{
  QksModelConfig         config;
  const QksAttnVariant  *attn;
  QksParamLayout         layout;
  qks_real              *params;
  qks_real              *grads;
  gsize                  embed, final_norm;
  LayerParams           *layers;

  QksRope                rope_head;
  QksRope                rope_extra;

  /* Activations, sized for (batch, seq_len) by qks_model_reserve(). */
  guint                  batch;
  guint                  seq_len;
  guint                  reserved_batch;
  guint                  reserved_seq_len;
  qks_real              *acts;
  gsize                  acts_size;
  LayerActs             *layer_acts;
  qks_real              *x_final, *f, *rstd_f, *probs;
  qks_real              *work;      /* forward temporaries and backward gradients */
  gsize                  work_size;
  const int             *inputs;
  const int             *targets;
};

static char *
layer_name (guint       layer,
            const char *suffix)
{
  return g_strdup_printf ("layers.%u.%s", layer, suffix);
}

/**
 * qks_model_new:
 *
 * Returns: (transfer full): a model with zeroed weights, or %NULL with
 *   @error naming what is impossible about @config.
 */
QksModel *
qks_model_new (const QksModelConfig  *config,
               GError               **error)
{
  g_autoptr(QksModel) self = NULL;
  guint d, L;
  double residual_std;

  if (!qks_model_config_validate (config, error))
    return NULL;

  self = g_new0 (QksModel, 1);
  self->config = *config;
  self->attn = qks_attn_variant_get (config->attention);
  d = config->d_model;
  L = config->n_layers;
  residual_std = INIT_STD / sqrt (2.0 * L);

  qks_param_layout_init (&self->layout);
  self->embed = qks_param_layout_add_matrix (&self->layout, "embed.weight",
                                             config->vocab_size, d, INIT_STD);
  self->layers = g_new0 (LayerParams, L);
  for (guint l = 0; l < L; l++)
    {
      g_autofree char *attn_norm = layer_name (l, "attn_norm.weight");
      g_autofree char *attn = layer_name (l, "attn");
      g_autofree char *mlp_norm = layer_name (l, "mlp_norm.weight");
      g_autofree char *w1 = layer_name (l, "mlp.w1.weight");
      g_autofree char *w2 = layer_name (l, "mlp.w2.weight");

      self->layers[l].attn_norm = qks_param_layout_add_gain (&self->layout, attn_norm, d);
      self->layers[l].attn = self->layout.total;
      self->attn->declare_params (config, &self->layout, attn, INIT_STD, residual_std);
      self->layers[l].mlp_norm = qks_param_layout_add_gain (&self->layout, mlp_norm, d);
      self->layers[l].w1 = qks_param_layout_add_matrix (&self->layout, w1, config->d_mlp, d, INIT_STD);
      self->layers[l].w2 = qks_param_layout_add_matrix (&self->layout, w2, d, config->d_mlp, residual_std);
    }
  self->final_norm = qks_param_layout_add_gain (&self->layout, "norm.weight", d);

  self->params = g_try_new0 (qks_real, self->layout.total);
  self->grads = g_try_new0 (qks_real, self->layout.total);
  if (self->params == NULL || self->grads == NULL)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "Not enough memory for %zu parameters", self->layout.total);
      return NULL;
    }

  qks_rope_init (&self->rope_head, config->d_head, config->seq_len, config->rope_base);
  if (config->attention == QKS_ATTN_MLA_DECOUPLED && config->d_rope > 0)
    qks_rope_init (&self->rope_extra, config->d_rope, config->seq_len, config->rope_base);
  else if (config->attention == QKS_ATTN_MLA_PREROPE &&
           config->mla_rope_mode == QKS_MLA_ROPE_ROTATE_THEN_COMPRESS)
    qks_rope_init (&self->rope_extra, config->d_model, config->seq_len, config->rope_base);

  return g_steal_pointer (&self);
}

void
qks_model_free (QksModel *self)
{
  if (self == NULL)
    return;
  qks_param_layout_clear (&self->layout);
  qks_rope_clear (&self->rope_head);
  qks_rope_clear (&self->rope_extra);
  g_free (self->params);
  g_free (self->grads);
  g_free (self->layers);
  g_free (self->acts);
  g_free (self->layer_acts);
  g_free (self->work);
  g_free (self);
}

/**
 * qks_model_init_weights:
 *
 * N(0, 0.02²) for every matrix, W^O and W_2 scaled by 1/sqrt(2L), gains 1
 * (SCIENCE.md a.0), drawn in layout order from the seed's init stream.
 */
void
qks_model_init_weights (QksModel *self,
                        guint64   seed)
{
  QksRng rng;

  qks_rng_init_stream (&rng, seed, QKS_RNG_STREAM_INIT);
  for (guint i = 0; i < qks_param_layout_get_n_tensors (&self->layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (&self->layout, i);
      qks_real *data = self->params + tensor->offset;

      switch (tensor->init)
        {
        case QKS_INIT_NORMAL:
          for (gsize j = 0; j < tensor->size; j++)
            data[j] = (qks_real) (tensor->init_std * qks_rng_normal (&rng));
          break;
        case QKS_INIT_ONES:
          for (gsize j = 0; j < tensor->size; j++)
            data[j] = 1;
          break;
        case QKS_INIT_ZEROS:
        default:
          memset (data, 0, tensor->size * sizeof (qks_real));
          break;
        }
    }
}

const QksModelConfig *
qks_model_get_config (QksModel *self)
{
  return &self->config;
}

const QksParamLayout *
qks_model_get_layout (QksModel *self)
{
  return &self->layout;
}

gsize
qks_model_get_n_params (QksModel *self)
{
  return self->layout.total;
}

qks_real *
qks_model_get_params (QksModel *self)
{
  return self->params;
}

qks_real *
qks_model_get_grads (QksModel *self)
{
  return self->grads;
}

/**
 * qks_model_get_tensor:
 *
 * Returns: (nullable): the parameters of the tensor called @name.
 */
qks_real *
qks_model_get_tensor (QksModel   *self,
                      const char *name,
                      gsize      *n_elements)
{
  const QksParamTensor *tensor = qks_param_layout_lookup (&self->layout, name);

  if (tensor == NULL)
    return NULL;
  if (n_elements != NULL)
    *n_elements = tensor->size;
  return self->params + tensor->offset;
}

static gsize
layer_acts_size (const QksModel *self,
                 guint           batch,
                 guint           seq_len)
{
  const QksModelConfig *c = &self->config;
  gsize n = (gsize) batch * seq_len;

  return n * c->d_model * 4 + 2 * n + 2 * n * c->d_mlp +
         self->attn->saved_size (c, batch, seq_len);
}

/**
 * qks_model_reserve:
 *
 * Allocates the activations for batches of @batch sequences of @seq_len
 * tokens, once: later calls with sizes that fit reuse them.
 */
gboolean
qks_model_reserve (QksModel  *self,
                   guint      batch,
                   guint      seq_len,
                   GError   **error)
{
  const QksModelConfig *c = &self->config;
  gsize n = (gsize) batch * seq_len, per_layer, total, work, attn_scratch;
  qks_real *at;

  if (batch == 0 || seq_len == 0 || seq_len > c->seq_len)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "Cannot run %u sequences of %u tokens on a model of context %u",
                   batch, seq_len, c->seq_len);
      return FALSE;
    }

  self->batch = batch;
  self->seq_len = seq_len;
  if (batch == self->reserved_batch && seq_len == self->reserved_seq_len)
    return TRUE;

  per_layer = layer_acts_size (self, batch, seq_len);
  total = per_layer * c->n_layers + 3 * n * c->d_model + n + n * c->vocab_size;
  attn_scratch = self->attn->scratch_size (c, batch, seq_len);
  /* forward: one n × d temporary; backward: d_x, d_a, d_m, d_f (n × d),
   * d_h, d_g (n × d_mlp), and the variant's scratch. */
  work = 4 * n * c->d_model + 2 * n * c->d_mlp + attn_scratch;

  g_clear_pointer (&self->acts, g_free);
  g_clear_pointer (&self->work, g_free);
  self->acts = g_try_new (qks_real, total);
  self->work = g_try_new (qks_real, work);
  if (self->acts == NULL || self->work == NULL)
    {
      g_clear_pointer (&self->acts, g_free);
      g_clear_pointer (&self->work, g_free);
      self->reserved_batch = self->reserved_seq_len = 0;
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "Not enough memory for the activations (%.0f MB)",
                   (double) (total + work) * sizeof (qks_real) / 1e6);
      return FALSE;
    }
  self->acts_size = total;
  self->work_size = work;

  g_free (self->layer_acts);
  self->layer_acts = g_new0 (LayerActs, c->n_layers);
  at = self->acts;
  for (guint l = 0; l < c->n_layers; l++)
    {
      LayerActs *a = &self->layer_acts[l];

      a->x_in = at;   at += n * c->d_model;
      a->a = at;      at += n * c->d_model;
      a->rstd_a = at; at += n;
      a->x_mid = at;  at += n * c->d_model;
      a->m = at;      at += n * c->d_model;
      a->rstd_m = at; at += n;
      a->h = at;      at += n * c->d_mlp;
      a->g = at;      at += n * c->d_mlp;
      a->attn = at;   at += self->attn->saved_size (c, batch, seq_len);
    }
  self->x_final = at; at += n * c->d_model;
  self->f = at;       at += n * c->d_model;
  self->rstd_f = at;  at += n;
  self->probs = at;   at += n * c->vocab_size;
  g_assert (at <= self->acts + total);

  self->reserved_batch = batch;
  self->reserved_seq_len = seq_len;
  return TRUE;
}

gsize
qks_model_get_activation_bytes (QksModel *self)
{
  return (self->acts_size + self->work_size) * sizeof (qks_real);
}

static QksAttnContext
attn_context (QksModel *self,
              guint     layer,
              qks_real *scratch)
{
  QksAttnContext ctx = {
    .config = &self->config,
    .batch = self->batch,
    .seq_len = self->seq_len,
    .rope_head = &self->rope_head,
    .rope_extra = self->rope_extra.cos != NULL ? &self->rope_extra : NULL,
    .params = self->params + self->layers[layer].attn,
    .grads = self->grads + self->layers[layer].attn,
    .saved = self->layer_acts[layer].attn,
    .scratch = scratch,
  };

  return ctx;
}

static void
add_into (qks_real       *out,
          const qks_real *a,
          const qks_real *b,
          gsize           n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = a[i] + b[i];
}

/**
 * qks_model_forward:
 * @inputs: batch × seq_len token ids
 * @targets: (nullable): the next tokens; without them only the probabilities
 *   are computed
 *
 * Must follow qks_model_reserve() for these sizes.
 *
 * Returns: the mean cross-entropy in nats per token, or NAN without @targets.
 */
double
qks_model_forward (QksModel  *self,
                   const int *inputs,
                   const int *targets,
                   guint      batch,
                   guint      seq_len)
{
  const QksModelConfig *c = &self->config;
  gsize n = (gsize) batch * seq_len, d = c->d_model;
  qks_real *tmp = self->work;

  g_return_val_if_fail (batch == self->batch && seq_len == self->seq_len, NAN);
  self->inputs = inputs;
  self->targets = targets;

  qks_embedding_forward (self->layer_acts[0].x_in, inputs, self->params + self->embed, n, d);
  for (guint l = 0; l < c->n_layers; l++)
    {
      const LayerParams *p = &self->layers[l];
      LayerActs *a = &self->layer_acts[l];
      qks_real *x_out = l + 1 < c->n_layers ? self->layer_acts[l + 1].x_in : self->x_final;
      QksAttnContext ctx = attn_context (self, l, self->work + n * d);

      qks_rmsnorm_forward (a->a, a->rstd_a, a->x_in, self->params + p->attn_norm, n, d);
      self->attn->forward (&ctx, a->a, tmp);
      add_into (a->x_mid, a->x_in, tmp, n * d);

      qks_rmsnorm_forward (a->m, a->rstd_m, a->x_mid, self->params + p->mlp_norm, n, d);
      qks_linear_forward (a->h, c->d_mlp, a->m, d, self->params + p->w1, n, d, c->d_mlp, FALSE);
      qks_gelu_forward (a->g, a->h, n * c->d_mlp);
      qks_linear_forward (tmp, d, a->g, c->d_mlp, self->params + p->w2, n, c->d_mlp, d, FALSE);
      add_into (x_out, a->x_mid, tmp, n * d);
    }

  qks_rmsnorm_forward (self->f, self->rstd_f, self->x_final, self->params + self->final_norm, n, d);
  qks_linear_forward (self->probs, c->vocab_size, self->f, d, self->params + self->embed,
                      n, d, c->vocab_size, FALSE);

  if (targets == NULL)
    {
      /* Softmax without a loss: a dummy target per row is harmless. */
      g_autofree int *zeros = g_new0 (int, n);

      qks_cross_entropy_forward (self->probs, zeros, n, c->vocab_size);
      return NAN;
    }
  return qks_cross_entropy_forward (self->probs, targets, n, c->vocab_size);
}

const qks_real *
qks_model_get_probs (QksModel *self)
{
  return self->probs;
}

void
qks_model_zero_grad (QksModel *self)
{
  memset (self->grads, 0, self->layout.total * sizeof (qks_real));
}

/**
 * qks_model_backward:
 *
 * Adds the gradient of the last forward pass's loss into the gradients.
 * The probabilities are overwritten.
 */
void
qks_model_backward (QksModel *self)
{
  const QksModelConfig *c = &self->config;
  gsize n = (gsize) self->batch * self->seq_len, d = c->d_model, V = c->vocab_size;
  qks_real *d_x = self->work;
  qks_real *d_a = d_x + n * d;
  qks_real *d_m = d_a + n * d;
  qks_real *d_f = d_m + n * d;
  qks_real *d_h = d_f + n * d;
  qks_real *d_g = d_h + n * c->d_mlp;
  qks_real *attn_scratch = d_g + n * c->d_mlp;
  qks_real *d_logits = self->probs;

  g_return_if_fail (self->targets != NULL);

  qks_cross_entropy_backward (d_logits, self->probs, self->targets, n, V);
  memset (d_f, 0, n * d * sizeof (qks_real));
  qks_linear_backward (d_f, d, self->grads + self->embed, d_logits, V, self->f, d,
                       self->params + self->embed, n, d, V);
  memset (d_x, 0, n * d * sizeof (qks_real));
  qks_rmsnorm_backward (d_x, self->grads + self->final_norm, d_f, self->x_final,
                        self->params + self->final_norm, self->rstd_f, n, d);

  for (guint l = c->n_layers; l-- > 0;)
    {
      const LayerParams *p = &self->layers[l];
      LayerActs *a = &self->layer_acts[l];
      QksAttnContext ctx = attn_context (self, l, attn_scratch);

      /* d_x holds ∂loss/∂x_l+1; x_l+1 = x_mid + W2 GELU(W1 m). */
      memset (d_g, 0, n * c->d_mlp * sizeof (qks_real));
      qks_linear_backward (d_g, c->d_mlp, self->grads + p->w2, d_x, d, a->g, c->d_mlp,
                           self->params + p->w2, n, c->d_mlp, d);
      memset (d_h, 0, n * c->d_mlp * sizeof (qks_real));
      qks_gelu_backward (d_h, d_g, a->h, n * c->d_mlp);
      memset (d_m, 0, n * d * sizeof (qks_real));
      qks_linear_backward (d_m, d, self->grads + p->w1, d_h, c->d_mlp, a->m, d,
                           self->params + p->w1, n, d, c->d_mlp);
      qks_rmsnorm_backward (d_x, self->grads + p->mlp_norm, d_m, a->x_mid,
                            self->params + p->mlp_norm, a->rstd_m, n, d);

      /* d_x now holds ∂loss/∂x_mid; x_mid = x_l + Attn(RMSNorm(x_l)). */
      memset (d_a, 0, n * d * sizeof (qks_real));
      self->attn->backward (&ctx, a->a, d_x, d_a);
      qks_rmsnorm_backward (d_x, self->grads + p->attn_norm, d_a, a->x_in,
                            self->params + p->attn_norm, a->rstd_a, n, d);
    }

  qks_embedding_backward (self->grads + self->embed, self->inputs, d_x, n, d);
}

/**
 * qks_model_forward_flops:
 *
 * Returns: the FLOPs of the matrix products of one forward pass over one
 *   sequence of @seq_len tokens (a backward pass costs twice as much).
 */
double
qks_model_forward_flops (const QksModelConfig *config,
                         guint                 seq_len)
{
  const QksAttnVariant *attn = qks_attn_variant_get (config->attention);
  double T = seq_len, d = config->d_model;
  double per_layer = attn->forward_flops (config, seq_len) + 2 * 2.0 * T * d * config->d_mlp;

  return config->n_layers * per_layer + 2.0 * T * d * config->vocab_size;
}

/**
 * qks_model_kv_cache_bytes:
 * @bytes_per_element: 2 for bf16, 4 for fp32
 *
 * Returns: the KV-cache bytes per token over all layers (SCIENCE.md a.7).
 */
double
qks_model_kv_cache_bytes (const QksModelConfig *config,
                          guint                 bytes_per_element)
{
  const QksAttnVariant *attn = qks_attn_variant_get (config->attention);

  return (double) config->n_layers * attn->kv_cache_elements (config) * bytes_per_element;
}

/**
 * qks_model_export_heads:
 *
 * Returns: (transfer full): the effective per-head matrices of @layer
 *   (SCIENCE.md b.1), in double precision.
 */
QksAttnHeads *
qks_model_export_heads (QksModel *self,
                        guint     layer)
{
  g_return_val_if_fail (layer < self->config.n_layers, NULL);

  return self->attn->export_heads (&self->config, self->params + self->layers[layer].attn);
}

/**
 * qks_model_sample_heads:
 * @rng: where the weights are drawn from
 *
 * Draws one freshly initialised attention layer of @config's variant and
 * shapes, as qks_model_init_weights() would, and exports its heads: the
 * surrogates of the Monte-Carlo null (SCIENCE.md f.1).
 *
 * Returns: (transfer full): the layer's effective per-head matrices.
 */
QksAttnHeads *
qks_model_sample_heads (const QksModelConfig *config,
                        QksRng               *rng)
{
  const QksAttnVariant *attn = qks_attn_variant_get (config->attention);
  g_autofree qks_real *params = NULL;
  QksParamLayout layout;
  QksAttnHeads *heads;

  qks_param_layout_init (&layout);
  attn->declare_params (config, &layout, "sample", INIT_STD, INIT_STD / sqrt (2.0 * config->n_layers));
  params = g_new0 (qks_real, MAX (layout.total, 1));
  for (guint i = 0; i < qks_param_layout_get_n_tensors (&layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (&layout, i);

      for (gsize j = 0; j < tensor->size; j++)
        params[tensor->offset + j] = tensor->init == QKS_INIT_NORMAL ? (qks_real) (tensor->init_std * qks_rng_normal (rng))
                                   : tensor->init == QKS_INIT_ONES ? 1 : 0;
    }
  heads = attn->export_heads (config, params);
  qks_param_layout_clear (&layout);
  return heads;
}

/**
 * qks_model_get_attention_input:
 *
 * Returns: (transfer none): the input of @layer's attention in the last
 *   forward pass, RMSNorm(x_l): batch·seq_len rows of d.
 */
const qks_real *
qks_model_get_attention_input (QksModel *self,
                               guint     layer)
{
  g_return_val_if_fail (layer < self->config.n_layers && self->layer_acts != NULL, NULL);

  return self->layer_acts[layer].a;
}
