/* qks-adapt-private.h: what the layout adapters (qks-adapt-*.c) share
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "qks-adapt.h"
#include "qks-model.h"

G_BEGIN_DECLS

/* The sizes of a layout's attention, from config.json, checked against
 * every layer's tensors by the layout's configure(). */
typedef struct
{
  char     *prefix;        /* what comes before the per-layer names ("model.", "transformer.") */
  guint     n_layers;
  guint     d_model;
  guint     n_heads;
  guint     n_kv_heads;    /* GQA groups; n_heads for MHA */
  guint     d_head;        /* rows of a head's content W_Q and W_K */
  guint     d_v;
  guint     d_latent_q;    /* MLA d_c' (0: queries straight from h) */
  guint     d_latent_kv;   /* MLA d_c */
  guint     d_rope;        /* MLA d_h^R */
  gboolean  qk_norm;       /* per-head RMSNorm gains on q and k (Qwen3) */
  QksDtype  dtype;         /* of the first attention weight, for the description */
} QksAdaptSizes;

typedef struct
{
  const char    *name;
  /* For the unknown-layout message: the names a layer 0 of this layout has. */
  const char    *expects;
  /* Whether @files hold this layout's names; sets @prefix if so. */
  gboolean      (*recognise)   (QksModelFiles *files,
                                char         **prefix);
  /* Reads the sizes and checks every layer's shapes against them. */
  gboolean      (*configure)   (QksAdapter    *self,
                                GError       **error);
  QksAttnHeads *(*load_layer)  (QksAdapter    *self,
                                guint          layer,
                                GError       **error);
} QksAdaptLayout;

struct _QksAdapter
{
  QksModelFiles        *files;
  const QksAdaptLayout *layout;
  QksAdaptSizes         sizes;
  gboolean              has_step;
  guint                 step;
  /* QK Scope's own checkpoints: the model, small enough to hold. */
  QksModel             *model;
};

extern const QksAdaptLayout qks_adapt_layout_qkscope;
extern const QksAdaptLayout qks_adapt_layout_gpt2;
extern const QksAdaptLayout qks_adapt_layout_llama;
extern const QksAdaptLayout qks_adapt_layout_mla;

gboolean  qks_adapt_find_prefix      (QksModelFiles    *files,
                                      const char       *layer0_suffix,
                                      char            **prefix);
char     *qks_adapt_name             (QksAdapter       *self,
                                      const char       *layer_format,
                                      guint             layer,
                                      const char       *suffix);
const QksHfConfig *qks_adapt_require_config (QksAdapter *self,
                                      const char       *what,
                                      GError          **error);
gboolean  qks_adapt_count_layers     (QksAdapter       *self,
                                      const char       *layer_format,
                                      const char       *probe_suffix,
                                      GError          **error);
gboolean  qks_adapt_check_shape      (QksAdapter       *self,
                                      const char       *name,
                                      guint             n_dims,
                                      gsize             rows,
                                      gsize             cols,
                                      const char       *because,
                                      GError          **error);
gboolean  qks_adapt_read             (QksAdapter       *self,
                                      const char       *name,
                                      gsize             row,
                                      gsize             col,
                                      QksTranspose      transpose,
                                      QksMatrix        *out,
                                      GError          **error);
void      qks_adapt_scale_rows       (QksMatrix        *matrix,
                                      const double     *gains);
void      qks_adapt_set_gqa_chains   (QksAttnHeads     *heads,
                                      guint             n_kv_heads);

G_END_DECLS
