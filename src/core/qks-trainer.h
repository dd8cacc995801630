/* qks-trainer.h: a training run on its own thread
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qks-config.h"
#include "qks-data.h"
#include "qks-diag-input.h"
#include "qks-model.h"
#include "qks-optim.h"

G_BEGIN_DECLS

typedef struct
{
  QksModelConfig  model;
  QksOptimConfig  optim;
  QksDatasetKind  dataset;
  char           *text_path;          /* the file of a QKS_DATASET_FILE run */
  gsize           corpus_bytes;       /* size of a built-in corpus */
  double          validation_fraction;
  guint           batch_size;
  guint           steps;              /* the run ends after this many updates */
  guint64         seed;
  guint           eval_every;         /* validation loss every N steps (0: never) */
  guint           eval_batches;       /* validation batches averaged each time */
  guint           checkpoint_every;   /* 0: only at the end */
  char           *output_dir;         /* where checkpoints go; NULL: nowhere */
  int             threads;            /* BLAS threads; 0: OpenBLAS's default */
  guint           diag_every;         /* diagnostic snapshots: log-spaced early, then every N (0: none) */
} QksTrainConfig;

typedef enum
{
  QKS_TRAINER_IDLE,
  QKS_TRAINER_RUNNING,
  QKS_TRAINER_PAUSED,
  QKS_TRAINER_FINISHED,
  QKS_TRAINER_STOPPED,
  QKS_TRAINER_FAILED,
} QksTrainerState;

typedef struct
{
  guint  step;                /* updates done */
  guint  total_steps;
  double loss;                /* training loss of the last batch, nats per byte */
  double val_loss;            /* NAN unless measured at this step */
  double learning_rate;
  double grad_norm;
  double tokens_per_second;
  double flops_per_second;    /* matrix-product FLOPs, forward + backward */
  double elapsed_seconds;
  double eta_seconds;
} QksTrainProgress;

#define QKS_TRAINER_ERROR (qks_trainer_error_quark ())

typedef enum
{
  QKS_TRAINER_ERROR_NOT_FINITE,
  QKS_TRAINER_ERROR_STATE,
  QKS_TRAINER_ERROR_RESUME,
} QksTrainerError;

/* Called on the training thread after every step; it must be quick. */
typedef void (*QksTrainProgressFunc) (const QksTrainProgress *progress,
                                      gpointer                user_data);

/* Called on the training thread when a diagnostic snapshot is due, with
 * the copy it is computed from (transfer full); it must only hand it on. */
typedef void (*QksTrainSnapshotFunc) (QksDiagInput           *input,
                                      gpointer                user_data);

typedef struct _QksTrainer QksTrainer;

/* Called on the training thread when a checkpoint is due; the trainer is
 * at the checkpoint's step. It must copy what it keeps (model, optimizer,
 * data stream: qks_recorder_add_checkpoint()) and not train. */
typedef void (*QksTrainCheckpointFunc) (QksTrainer             *trainer,
                                        gpointer                user_data);

GQuark           qks_trainer_error_quark        (void);

void             qks_train_config_init_defaults (QksTrainConfig        *config);
void             qks_train_config_set_steps     (QksTrainConfig        *config,
                                                 guint                  steps);
void             qks_train_config_copy          (QksTrainConfig        *dest,
                                                 const QksTrainConfig  *src);
void             qks_train_config_clear         (QksTrainConfig        *config);
gboolean         qks_train_config_validate      (const QksTrainConfig  *config,
                                                 GError               **error);
JsonNode        *qks_train_config_to_json       (const QksTrainConfig  *config);
gboolean         qks_train_config_from_json     (QksTrainConfig        *config,
                                                 JsonNode              *node,
                                                 GError               **error);

QksTrainer      *qks_trainer_new                (const QksTrainConfig  *config,
                                                 GError               **error);
QksTrainer      *qks_trainer_new_from_checkpoint (const char           *directory,
                                                  guint                 steps,
                                                  const char           *output_dir,
                                                  GError              **error);
QksTrainer      *qks_trainer_new_from_run       (const char            *run_path,
                                                 guint                  steps,
                                                 GError               **error);
void             qks_trainer_free               (QksTrainer            *self);
void             qks_trainer_set_progress_func  (QksTrainer            *self,
                                                 QksTrainProgressFunc   func,
                                                 gpointer               user_data);
void             qks_trainer_set_snapshot_func  (QksTrainer            *self,
                                                 QksTrainSnapshotFunc   func,
                                                 gpointer               user_data);
void             qks_trainer_set_checkpoint_func (QksTrainer           *self,
                                                  QksTrainCheckpointFunc func,
                                                  gpointer              user_data);
QksDiagInput    *qks_trainer_capture            (QksTrainer            *self);

const QksTrainConfig *qks_trainer_get_config    (QksTrainer            *self);
QksModel        *qks_trainer_get_model          (QksTrainer            *self);
QksOptimizer    *qks_trainer_get_optimizer      (QksTrainer            *self);
QksDataset      *qks_trainer_get_dataset        (QksTrainer            *self);
guint            qks_trainer_get_step           (QksTrainer            *self);
QksTrainerState  qks_trainer_get_state          (QksTrainer            *self);
const QksRng    *qks_trainer_get_data_rng       (QksTrainer            *self);
void             qks_trainer_set_data_rng       (QksTrainer            *self,
                                                 const QksRng          *rng);

gboolean         qks_trainer_step               (QksTrainer            *self,
                                                 QksTrainProgress      *progress,
                                                 GError               **error);
double           qks_trainer_evaluate           (QksTrainer            *self);
gboolean         qks_trainer_save_checkpoint    (QksTrainer            *self,
                                                 const char            *directory,
                                                 GError               **error);
gboolean         qks_trainer_run                (QksTrainer            *self,
                                                 GError               **error);

gboolean         qks_trainer_start              (QksTrainer            *self,
                                                 GError               **error);
void             qks_trainer_pause              (QksTrainer            *self);
void             qks_trainer_resume             (QksTrainer            *self);
void             qks_trainer_stop               (QksTrainer            *self);
gboolean         qks_trainer_join               (QksTrainer            *self,
                                                 GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksTrainer, qks_trainer_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QksTrainConfig, qks_train_config_clear)

G_END_DECLS
