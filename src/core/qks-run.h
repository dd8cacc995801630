/* qks-run.h: the run history and its .qkrun file (SQLite)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-snapshot.h"

G_BEGIN_DECLS

/* A .qkrun file is an SQLite database in WAL mode: one writer (a thread
 * that the QksRunWriter owns, so appending never blocks the trainer) and
 * any number of readers, in this process or others (the app, sqlite3,
 * pandas), while it is written. Every step record, snapshot and checkpoint
 * is one transaction: a run killed at any moment reopens with everything
 * committed before. The tables are documented in qks-run.c and in the
 * README.
 *
 * Records are written in the order appended. The queue is not bounded: if
 * the disk is slower than the trainer, snapshots wait in memory, and
 * qks_run_writer_flush() is how a caller waits for them. */

/* The layout this code writes; it reads this one and older ones. */
#define QKS_RUN_SCHEMA_VERSION 1
/* PRAGMA application_id of every .qkrun file: "QKSR". */
#define QKS_RUN_APPLICATION_ID 0x514b5352

#define QKS_RUN_ERROR (qks_run_error_quark ())

typedef enum
{
  QKS_RUN_ERROR_OPEN,         /* the file is missing or cannot be opened */
  QKS_RUN_ERROR_EXISTS,       /* creating a run over an existing file without overwrite */
  QKS_RUN_ERROR_NOT_A_RUN,    /* not SQLite, or SQLite that holds no QK Scope run */
  QKS_RUN_ERROR_VERSION,      /* written by a newer QK Scope */
  QKS_RUN_ERROR_CORRUPT,      /* damaged or truncated, or records that contradict each other */
  QKS_RUN_ERROR_NO_SPACE,     /* the disk, or the size limit set on the writer, is full */
  QKS_RUN_ERROR_NOT_FOUND,    /* no record at that step */
  QKS_RUN_ERROR_INVALID,      /* an argument that cannot be stored (the configuration) */
  QKS_RUN_ERROR_FAILED,       /* any other failure of SQLite or of the file system */
} QksRunError;

/* One training step. NAN stands for “not measured” and is NULL in the file. */
typedef struct
{
  guint  step;
  double wall_time;           /* seconds since the Unix epoch, when the step ended */
  double train_loss;          /* nats per token */
  double val_loss;            /* NAN unless measured at this step */
  double learning_rate;
  double grad_norm;           /* before clipping */
  double tokens_per_second;
  double flops;               /* cumulative matrix-product FLOPs since step 0 */
} QksStepRecord;

/* One value of a metric's series over training. */
typedef struct
{
  guint           step;
  double          value;
  QksMetricFlags  flags;
} QksMetricPoint;

typedef struct _QksRunWriter QksRunWriter;
typedef struct _QksRunReader QksRunReader;

GQuark        qks_run_error_quark                  (void);

/* Writing (qks-run-writer.c) */
QksRunWriter *qks_run_writer_create                (const char           *path,
                                                    const char           *config_json,
                                                    gboolean              overwrite,
                                                    GError              **error);
QksRunWriter *qks_run_writer_open_append           (const char           *path,
                                                    GError              **error);
void          qks_run_writer_free                  (QksRunWriter         *self);
const char   *qks_run_writer_get_path              (QksRunWriter         *self);

void          qks_run_writer_append_step           (QksRunWriter         *self,
                                                    const QksStepRecord  *record);
void          qks_run_writer_append_snapshot       (QksRunWriter         *self,
                                                    QksSnapshot          *snapshot);
void          qks_run_writer_append_checkpoint     (QksRunWriter         *self,
                                                    guint                 step,
                                                    GBytes               *weights,
                                                    GBytes               *optimizer);
gboolean      qks_run_writer_replace_config        (QksRunWriter         *self,
                                                    const char           *config_json,
                                                    GError              **error);
void          qks_run_writer_discard_after         (QksRunWriter         *self,
                                                    guint                 step);
void          qks_run_writer_set_size_limit        (QksRunWriter         *self,
                                                    guint64               max_bytes);

gboolean      qks_run_writer_flush                 (QksRunWriter         *self,
                                                    GError              **error);
gboolean      qks_run_writer_close                 (QksRunWriter         *self,
                                                    GError              **error);
const GError *qks_run_writer_get_error             (QksRunWriter         *self);

/* Reading (qks-run-reader.c) */
QksRunReader *qks_run_reader_open                  (const char           *path,
                                                    GError              **error);
void          qks_run_reader_free                  (QksRunReader         *self);
const char   *qks_run_reader_get_path              (QksRunReader         *self);
const char   *qks_run_reader_get_config_json       (QksRunReader         *self);
const char   *qks_run_reader_get_meta              (QksRunReader         *self,
                                                    const char           *key);
int           qks_run_reader_get_schema_version    (QksRunReader         *self);
gboolean      qks_run_reader_refresh               (QksRunReader         *self,
                                                    gboolean             *changed,
                                                    GError              **error);
gboolean      qks_run_reader_check_integrity       (QksRunReader         *self,
                                                    GError              **error);

GArray       *qks_run_reader_list_steps            (QksRunReader         *self,
                                                    GError              **error);
gboolean      qks_run_reader_get_step_record       (QksRunReader         *self,
                                                    guint                 step,
                                                    QksStepRecord        *record,
                                                    GError              **error);
GArray       *qks_run_reader_load_step_records     (QksRunReader         *self,
                                                    guint                 first_step,
                                                    GError              **error);

GArray       *qks_run_reader_list_snapshot_steps   (QksRunReader         *self,
                                                    GError              **error);
QksSnapshot  *qks_run_reader_load_snapshot         (QksRunReader         *self,
                                                    guint                 step,
                                                    GError              **error);
GArray       *qks_run_reader_load_metric_series    (QksRunReader         *self,
                                                    guint                 layer,
                                                    int                   head,
                                                    QksFormKind           form,
                                                    const char           *name,
                                                    GError              **error);

GArray       *qks_run_reader_list_checkpoint_steps (QksRunReader         *self,
                                                    GError              **error);
GBytes       *qks_run_reader_load_checkpoint       (QksRunReader         *self,
                                                    guint                 step,
                                                    GError              **error);
GArray       *qks_run_reader_list_resumable_steps  (QksRunReader         *self,
                                                    GError              **error);
gboolean      qks_run_reader_load_training_state   (QksRunReader         *self,
                                                    guint                 step,
                                                    GBytes              **weights,
                                                    GBytes              **optimizer,
                                                    GError              **error);

/* Copying, also while a writer appends (qks-run-copy.c) */
gboolean      qks_run_copy                         (const char           *source,
                                                    const char           *dest,
                                                    GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksRunWriter, qks_run_writer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksRunReader, qks_run_reader_free)

G_END_DECLS
