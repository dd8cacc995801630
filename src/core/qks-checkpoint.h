/* qks-checkpoint.h: a model and its training state as safetensors files
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-model.h"
#include "qks-optim.h"
#include "qks-rng.h"
#include "qks-safetensors.h"
#include "qks-trainer.h"

G_BEGIN_DECLS

/* A checkpoint is a directory, as Hugging Face's are:
 *   model.safetensors      the weights, F32, with the configuration in __metadata__
 *   config.json            the same configuration, for people and other programs
 *   optimizer.safetensors  AdamW's moments m.NAME and v.NAME, the step, the
 *                          data stream and the training configuration
 * The README documents every tensor name and shape. */

#define QKS_CHECKPOINT_MODEL_FILE     "model.safetensors"
#define QKS_CHECKPOINT_CONFIG_FILE    "config.json"
#define QKS_CHECKPOINT_OPTIMIZER_FILE "optimizer.safetensors"

#define QKS_CHECKPOINT_ERROR (qks_checkpoint_error_quark ())

typedef enum
{
  QKS_CHECKPOINT_ERROR_NOT_QKSCOPE,   /* no QK Scope configuration in the file */
  QKS_CHECKPOINT_ERROR_MISMATCH,      /* tensors missing, extra or of the wrong shape */
  QKS_CHECKPOINT_ERROR_INCONSISTENT,  /* weights and optimizer state from different steps */
} QksCheckpointError;

GQuark    qks_checkpoint_error_quark            (void);

gboolean  qks_checkpoint_save                   (const char            *directory,
                                                 QksModel              *model,
                                                 QksOptimizer          *optimizer,
                                                 const QksTrainConfig  *train_config,
                                                 const QksRng          *data_rng,
                                                 guint                  step,
                                                 GError               **error);
GBytes   *qks_checkpoint_model_to_bytes         (QksModel              *model,
                                                 guint                  step);
GBytes   *qks_checkpoint_optimizer_to_bytes     (QksModel              *model,
                                                 QksOptimizer          *optimizer,
                                                 const QksTrainConfig  *train_config,
                                                 const QksRng          *data_rng,
                                                 guint                  step);
QksModel *qks_checkpoint_load_model             (const char            *path,
                                                 guint                 *step,
                                                 GError               **error);
QksModel *qks_checkpoint_model_from_safetensors (QksSafetensors        *file,
                                                 const char            *origin,
                                                 JsonNode              *fallback_config,
                                                 guint                 *step,
                                                 GError               **error);
gboolean  qks_checkpoint_read_train_config      (const char            *directory,
                                                 QksTrainConfig        *config,
                                                 GError               **error);
gboolean  qks_checkpoint_read_training_state    (const char            *directory,
                                                 QksModel              *model,
                                                 QksOptimizer          *optimizer,
                                                 guint                 *step,
                                                 QksRng                *data_rng,
                                                 GError               **error);

/* The same from files already open (the blobs of a .qkrun checkpoint). */
gboolean  qks_checkpoint_train_config_from_safetensors   (QksSafetensors  *state,
                                                          const char      *origin,
                                                          QksTrainConfig  *config,
                                                          GError         **error);
gboolean  qks_checkpoint_training_state_from_safetensors (const char      *checkpoint,
                                                          QksSafetensors  *weights,
                                                          const char      *weights_origin,
                                                          QksSafetensors  *state,
                                                          const char      *state_origin,
                                                          QksModel        *model,
                                                          QksOptimizer    *optimizer,
                                                          guint           *step,
                                                          QksRng          *data_rng,
                                                          GError         **error);

G_END_DECLS
