/* qks-data.h: byte-level corpora with a train/validation split, sampled into windows
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "qks-rng.h"

G_BEGIN_DECLS

/* Tokens are bytes: a model over a dataset has a vocabulary of 256. */
#define QKS_DATASET_VOCAB_SIZE 256

/* Modular addition is taken modulo this prime. */
#define QKS_DATASET_MODULUS 97

/* Bounds on the size of a built-in corpus. */
#define QKS_DATASET_MIN_BYTES ((gsize) 4096)
#define QKS_DATASET_MAX_BYTES ((gsize) 1 << 30)

typedef enum
{
  QKS_DATASET_GRAMMAR,    /* English-like prose from the project's grammar */
  QKS_DATASET_INDUCTION,  /* random words in which earlier segments recur */
  QKS_DATASET_RECALL,     /* key=value pairs, then a query for one key */
  QKS_DATASET_MODULAR,    /* "a+b=c" modulo QKS_DATASET_MODULUS */
  QKS_DATASET_FILE,       /* the bytes of a file the user names */
} QksDatasetKind;

typedef enum
{
  QKS_SPLIT_TRAIN,
  QKS_SPLIT_VALIDATION,
} QksSplit;

#define QKS_DATASET_ERROR (qks_dataset_error_quark ())

typedef enum
{
  QKS_DATASET_ERROR_INVALID_ARGUMENT,
  QKS_DATASET_ERROR_EMPTY,
  QKS_DATASET_ERROR_TOO_SMALL,
} QksDatasetError;

/* Immutable once made, so a trainer thread and the UI may share one. */
typedef struct _QksDataset QksDataset;

#define QKS_TYPE_DATASET (qks_dataset_get_type ())

GType          qks_dataset_get_type                 (void) G_GNUC_CONST;
GQuark         qks_dataset_error_quark              (void);

const char    *qks_dataset_kind_to_string           (QksDatasetKind   kind);
gboolean       qks_dataset_kind_from_string         (const char      *name,
                                                     QksDatasetKind  *kind);
const char    *qks_dataset_kind_get_label           (QksDatasetKind   kind);
const char    *qks_dataset_kind_get_summary         (QksDatasetKind   kind);

QksDataset    *qks_dataset_new_builtin              (QksDatasetKind   kind,
                                                     guint64          seed,
                                                     gsize            n_bytes,
                                                     double           validation_fraction,
                                                     GError         **error);
QksDataset    *qks_dataset_new_from_file            (const char      *path,
                                                     double           validation_fraction,
                                                     GError         **error);
QksDataset    *qks_dataset_ref                      (QksDataset      *self);
void           qks_dataset_unref                    (QksDataset      *self);

QksDatasetKind qks_dataset_get_kind                 (QksDataset      *self);
const char    *qks_dataset_get_description          (QksDataset      *self);
gsize          qks_dataset_get_split_size           (QksDataset      *self,
                                                     QksSplit         split);
const guint8  *qks_dataset_get_bytes                (QksDataset      *self,
                                                     QksSplit         split,
                                                     gsize           *n_bytes);

gboolean       qks_dataset_check_window             (QksDataset      *self,
                                                     guint            seq_len,
                                                     GError         **error);
void           qks_dataset_sample_batch             (QksDataset      *self,
                                                     QksRng          *rng,
                                                     guint            batch,
                                                     guint            seq_len,
                                                     int             *inputs,
                                                     int             *targets);
guint          qks_dataset_count_validation_batches (QksDataset      *self,
                                                     guint            batch,
                                                     guint            seq_len);
void           qks_dataset_get_validation_batch     (QksDataset      *self,
                                                     guint            index,
                                                     guint            batch,
                                                     guint            seq_len,
                                                     int             *inputs,
                                                     int             *targets);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksDataset, qks_dataset_unref)

G_END_DECLS
