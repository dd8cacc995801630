/* qks-model-files.h: another program's checkpoint: one safetensors file or a folder of shards
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-hf-config.h"
#include "qks-matrix.h"
#include "qks-safetensors.h"

G_BEGIN_DECLS

/* What Hugging Face and PyTorch programs save, seen as one set of named
 * tensors whatever the files:
 *   a file     NAME.safetensors, with a config.json beside it if there is one
 *   a folder   config.json and model.safetensors, or the shards that
 *              model.safetensors.index.json lists
 * Every file is memory-mapped and validated when opened; tensors are read
 * block by block, converted to double only when asked for, so a model far
 * larger than memory can be analysed a head at a time. */

#define QKS_MODEL_FILES_WEIGHTS "model.safetensors"
#define QKS_MODEL_FILES_INDEX   "model.safetensors.index.json"
#define QKS_MODEL_FILES_CONFIG  "config.json"

#define QKS_MODEL_FILES_ERROR (qks_model_files_error_quark ())

typedef enum
{
  QKS_MODEL_FILES_ERROR_NO_WEIGHTS,     /* a folder with no safetensors weights */
  QKS_MODEL_FILES_ERROR_INDEX,          /* a malformed model.safetensors.index.json */
  QKS_MODEL_FILES_ERROR_MISSING_SHARD,  /* a shard that the index names is not there */
  QKS_MODEL_FILES_ERROR_MISSING_TENSOR, /* a tensor that is not where the index says */
  QKS_MODEL_FILES_ERROR_SHAPE,          /* a block outside a tensor, or not a matrix */
  QKS_MODEL_FILES_ERROR_DTYPE,          /* a dtype that does not convert to float */
} QksModelFilesError;

typedef struct _QksModelFiles QksModelFiles;

GQuark               qks_model_files_error_quark    (void);

QksModelFiles       *qks_model_files_open           (const char       *path,
                                                     GError          **error);
QksModelFiles       *qks_model_files_ref            (QksModelFiles    *self);
void                 qks_model_files_unref          (QksModelFiles    *self);

const char          *qks_model_files_get_path       (QksModelFiles    *self);
const char          *qks_model_files_get_display_name (QksModelFiles  *self);
const QksHfConfig   *qks_model_files_get_config     (QksModelFiles    *self);
const char          *qks_model_files_get_config_path (QksModelFiles   *self);
guint                qks_model_files_get_n_shards   (QksModelFiles    *self);
QksSafetensors      *qks_model_files_get_shard      (QksModelFiles    *self,
                                                     guint             index);
const char          *qks_model_files_get_metadata   (QksModelFiles    *self,
                                                     const char       *key);
GPtrArray           *qks_model_files_list_names     (QksModelFiles    *self);
const QksTensorInfo *qks_model_files_lookup         (QksModelFiles    *self,
                                                     const char       *name,
                                                     QksSafetensors  **shard);
gboolean             qks_model_files_read_block     (QksModelFiles    *self,
                                                     const char       *name,
                                                     gsize             row,
                                                     gsize             col,
                                                     QksTranspose      transpose,
                                                     QksMatrix        *out,
                                                     GError          **error);
gboolean             qks_model_files_read_vector    (QksModelFiles    *self,
                                                     const char       *name,
                                                     double           *out,
                                                     gsize             length,
                                                     GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksModelFiles, qks_model_files_unref)

G_END_DECLS
