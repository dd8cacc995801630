/* qks-adapt.h: another program's checkpoint as effective per-head matrices, layer by layer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-attn-heads.h"
#include "qks-config.h"
#include "qks-model-files.h"

G_BEGIN_DECLS

/* DESIGN.md, "one adapter, many sources": a checkpoint's tensors, in
 * whatever layout the program that wrote them chose, become the per-layer
 * QksAttnHeads of SCIENCE.md b.1, so the diagnostics never see a layout.
 * The layout is recognised from the tensor names (and config.json's
 * model_type); every layer's shapes are checked against the sizes when the
 * adapter is made, and a layer's matrices are read only when asked for, so
 * a model is analysed in the memory of one layer. Known layouts, one file
 * each (qks-adapt-*.c): QK Scope's own, GPT-2, LLaMA/Mistral/Qwen2 (also
 * Qwen3's q/k norms), DeepSeek-V2/V3 MLA. */

#define QKS_ADAPT_ERROR (qks_adapt_error_quark ())

typedef enum
{
  QKS_ADAPT_ERROR_UNKNOWN_LAYOUT,  /* no known layout's tensor names */
  QKS_ADAPT_ERROR_NO_CONFIG,       /* the layout needs sizes that only config.json gives */
  QKS_ADAPT_ERROR_INCONSISTENT,    /* sizes and tensor shapes contradict each other */
  QKS_ADAPT_ERROR_MISSING_TENSOR,  /* a layer lacks one of its layout's tensors */
} QksAdaptError;

typedef struct _QksAdapter QksAdapter;

GQuark        qks_adapt_error_quark          (void);

QksAdapter   *qks_adapter_new                (QksModelFiles   *files,
                                              GError         **error);
QksAdapter   *qks_adapter_open               (const char      *path,
                                              GError         **error);
QksAdapter   *qks_adapter_ref                (QksAdapter      *self);
void          qks_adapter_unref              (QksAdapter      *self);

QksModelFiles *qks_adapter_get_files         (QksAdapter      *self);
const char   *qks_adapter_get_layout_name    (QksAdapter      *self);
guint         qks_adapter_get_n_layers       (QksAdapter      *self);
gsize         qks_adapter_get_layer_bytes    (QksAdapter      *self);
char         *qks_adapter_describe           (QksAdapter      *self);
gboolean      qks_adapter_get_step           (QksAdapter      *self,
                                              guint           *step);
const QksModelConfig *qks_adapter_get_model_config (QksAdapter *self);
QksAttnHeads *qks_adapter_load_layer         (QksAdapter      *self,
                                              guint            layer,
                                              GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksAdapter, qks_adapter_unref)

G_END_DECLS
