/* qks-dtype.h: element types of stored tensors and their conversions to float
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The element types of the safetensors format. Every one is recognised so
 * that a file holding, say, token ids (I64) or FP8 weights still opens; only
 * F32, F16, BF16 and F64 convert to float32. The sub-byte types of newer
 * files (F4, F6_*) are not recognised: such a file is refused by name. */
typedef enum
{
  QKS_DTYPE_F32,
  QKS_DTYPE_F16,
  QKS_DTYPE_BF16,
  QKS_DTYPE_F64,
  QKS_DTYPE_F8_E5M2,
  QKS_DTYPE_F8_E4M3,
  QKS_DTYPE_I64,
  QKS_DTYPE_I32,
  QKS_DTYPE_I16,
  QKS_DTYPE_I8,
  QKS_DTYPE_U64,
  QKS_DTYPE_U32,
  QKS_DTYPE_U16,
  QKS_DTYPE_U8,
  QKS_DTYPE_BOOL,
} QksDtype;

#define QKS_DTYPE_N_TYPES (QKS_DTYPE_BOOL + 1)

const char *qks_dtype_to_string        (QksDtype       dtype);
gboolean    qks_dtype_from_string      (const char    *string,
                                        QksDtype      *dtype);
gsize       qks_dtype_size             (QksDtype       dtype);
gboolean    qks_dtype_converts_to_f32  (QksDtype       dtype);

float       qks_f16_to_f32             (guint16        bits);
guint16     qks_f32_to_f16             (float          value);
float       qks_bf16_to_f32            (guint16        bits);
guint16     qks_f32_to_bf16            (float          value);

void        qks_dtype_convert_to_f32   (QksDtype       dtype,
                                        const guint8  *src,
                                        gsize          n_elements,
                                        float         *out);

G_END_DECLS
