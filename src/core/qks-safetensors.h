/* qks-safetensors.h: read and write safetensors files (PyTorch, Hugging Face)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-dtype.h"

G_BEGIN_DECLS

/* https://huggingface.co/docs/safetensors: an 8-byte little-endian header
 * length N, N bytes of JSON, then the byte buffer that the JSON indexes. */

#define QKS_SAFETENSORS_MAX_DIMS 8
/* The reference implementation's limit: a real header is a few MB at most. */
#define QKS_SAFETENSORS_MAX_HEADER_SIZE 100000000

typedef struct
{
  const char *name;
  QksDtype    dtype;
  guint       n_dims;
  gsize       shape[QKS_SAFETENSORS_MAX_DIMS];   /* row-major, outermost first */
  gsize       n_elements;                        /* 1 for a 0-D tensor */
  gsize       offset;                            /* in the byte buffer, not the file */
  gsize       n_bytes;
} QksTensorInfo;

typedef struct _QksSafetensors QksSafetensors;
typedef struct _QksSafetensorsWriter QksSafetensorsWriter;

#define QKS_SAFETENSORS_ERROR (qks_safetensors_error_quark ())

typedef enum
{
  QKS_SAFETENSORS_ERROR_TRUNCATED,    /* the file ends before its header or its data */
  QKS_SAFETENSORS_ERROR_HEADER,       /* header length, UTF-8, the leading “{” */
  QKS_SAFETENSORS_ERROR_JSON,         /* not JSON, or not the structure the format asks */
  QKS_SAFETENSORS_ERROR_DTYPE,        /* unknown dtype */
  QKS_SAFETENSORS_ERROR_SHAPE,        /* bad shape, overflow, or a read of the wrong size */
  QKS_SAFETENSORS_ERROR_OFFSETS,      /* bad, overlapping or non-contiguous data_offsets */
  QKS_SAFETENSORS_ERROR_DUPLICATE,    /* a key (tensor name or other) appears twice */
  QKS_SAFETENSORS_ERROR_NOT_FOUND,    /* no tensor of that name */
  QKS_SAFETENSORS_ERROR_CONVERSION,   /* the dtype cannot be read as float */
} QksSafetensorsError;

GQuark                qks_safetensors_error_quark         (void);

/* Reading (qks-safetensors.c) */
QksSafetensors       *qks_safetensors_open                (const char            *path,
                                                           GError               **error);
QksSafetensors       *qks_safetensors_new_from_bytes      (GBytes                *bytes,
                                                           GError               **error);
QksSafetensors       *qks_safetensors_new_from_named_bytes (GBytes               *bytes,
                                                           const char           *display_name,
                                                           GError              **error);
QksSafetensors       *qks_safetensors_ref                 (QksSafetensors        *self);
void                  qks_safetensors_unref               (QksSafetensors        *self);

guint                 qks_safetensors_get_n_tensors       (QksSafetensors        *self);
const QksTensorInfo  *qks_safetensors_get_tensor          (QksSafetensors        *self,
                                                           guint                  index);
const QksTensorInfo  *qks_safetensors_lookup              (QksSafetensors        *self,
                                                           const char            *name);
const char           *qks_safetensors_get_metadata        (QksSafetensors        *self,
                                                           const char            *key);
GHashTable           *qks_safetensors_get_metadata_table  (QksSafetensors        *self);
const guint8         *qks_safetensors_get_tensor_data     (QksSafetensors        *self,
                                                           const QksTensorInfo   *info);
void                  qks_safetensors_release_pages       (QksSafetensors        *self,
                                                           const guint8          *start,
                                                           gsize                  length);
gboolean              qks_safetensors_read_f32            (QksSafetensors        *self,
                                                           const char            *name,
                                                           float                 *out,
                                                           gsize                  n_elements,
                                                           GError               **error);
gboolean              qks_safetensors_read_rows_f32       (QksSafetensors        *self,
                                                           const char            *name,
                                                           gsize                  row_begin,
                                                           gsize                  n_rows,
                                                           float                 *out,
                                                           GError               **error);

/* Writing (qks-safetensors-writer.c) */
QksSafetensorsWriter *qks_safetensors_writer_new          (void);
void                  qks_safetensors_writer_free         (QksSafetensorsWriter  *self);
void                  qks_safetensors_writer_add_metadata (QksSafetensorsWriter  *self,
                                                           const char            *key,
                                                           const char            *value);
void                  qks_safetensors_writer_add_tensor   (QksSafetensorsWriter  *self,
                                                           const char            *name,
                                                           QksDtype               dtype,
                                                           guint                  n_dims,
                                                           const gsize           *shape,
                                                           const float           *data);
gboolean              qks_safetensors_writer_write        (QksSafetensorsWriter  *self,
                                                           const char            *path,
                                                           GError               **error);
GBytes               *qks_safetensors_writer_to_bytes     (QksSafetensorsWriter  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksSafetensors, qks_safetensors_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksSafetensorsWriter, qks_safetensors_writer_free)

G_END_DECLS
