/* qks-params.h: the named tensors inside a model's one flat parameter buffer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QKS_PARAM_MAX_DIMS 3

typedef enum
{
  QKS_INIT_NORMAL,  /* N(0, init_std²) */
  QKS_INIT_ONES,    /* RMSNorm gains */
  QKS_INIT_ZEROS,
} QksInitKind;

typedef struct
{
  char        *name;          /* as written to safetensors, e.g. "layers.0.attn.wq.weight" */
  guint        n_dims;
  gsize        shape[QKS_PARAM_MAX_DIMS];
  gsize        offset;        /* in elements, from the start of the buffer */
  gsize        size;          /* in elements */
  QksInitKind  init;
  double       init_std;
  gboolean     weight_decay;  /* AdamW decays matrices only, never gains */
} QksParamTensor;

typedef struct
{
  GArray *tensors;            /* of QksParamTensor */
  gsize   total;              /* elements in all */
} QksParamLayout;

void                  qks_param_layout_init    (QksParamLayout       *layout);
void                  qks_param_layout_clear   (QksParamLayout       *layout);
gsize                 qks_param_layout_add     (QksParamLayout       *layout,
                                                const char           *name,
                                                guint                 n_dims,
                                                const gsize          *shape,
                                                QksInitKind           init,
                                                double                init_std);
gsize                 qks_param_layout_add_matrix (QksParamLayout    *layout,
                                                   const char        *name,
                                                   gsize              rows,
                                                   gsize              cols,
                                                   double             init_std);
gsize                 qks_param_layout_add_gain (QksParamLayout      *layout,
                                                 const char          *name,
                                                 gsize                size);
guint                 qks_param_layout_get_n_tensors (const QksParamLayout *layout);
const QksParamTensor *qks_param_layout_get_tensor    (const QksParamLayout *layout,
                                                      guint                 index);
const QksParamTensor *qks_param_layout_lookup        (const QksParamLayout *layout,
                                                      const char           *name);

G_END_DECLS
