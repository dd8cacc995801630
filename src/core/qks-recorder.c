/* qks-recorder.c: a training run's history, written to its .qkrun as it goes
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "qks-checkpoint.h"
#include "qks-json.h"
#include "qks-parallel.h"
#include "qks-recorder.h"

struct _QksRecorder
{
  QksRunWriter            *writer;
  QksDiagContext          *context;
  GThreadPool             *pool;         /* one thread: snapshots in step order */
  QksRecorderSnapshotFunc  snapshot_func;
  gpointer                 snapshot_data;

  GMutex                   mutex;        /* guards what the worker reports back */
  GError                  *error;        /* the first failure of a snapshot */
  double                   diag_seconds;
  guint                    n_snapshots;
};

/* The worker yields to training: it only takes what the trainer leaves. */
static void
lower_priority (void)
{
#ifdef __linux__
  /* On Linux a thread's nice value is its own (man 7 sched). */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 19);
#endif
  qks_parallel_run_serially_here ();
}

static void
compute_snapshot (gpointer data,
                  gpointer user_data)
{
  QksRecorder *self = user_data;
  static GPrivate lowered;

  if (g_private_get (&lowered) == NULL)
    {
      lower_priority ();
      g_private_set (&lowered, GINT_TO_POINTER (1));
    }
  g_autoptr(QksDiagInput) input = data;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  QksSnapshot *snapshot = qks_diag_run (self->context, input, &error);
  double seconds = (g_get_monotonic_time () - start) / 1e6;

  g_mutex_lock (&self->mutex);
  self->diag_seconds += seconds;
  if (snapshot == NULL && self->error == NULL)
    self->error = g_steal_pointer (&error);
  if (snapshot != NULL)
    self->n_snapshots++;
  g_mutex_unlock (&self->mutex);

  if (snapshot == NULL)
    return;
  if (self->snapshot_func != NULL)
    self->snapshot_func (snapshot, self->snapshot_data);
  qks_run_writer_append_snapshot (self->writer, snapshot);
}

static QksRecorder *
recorder_new (const QksDiagOptions *options)
{
  QksRecorder *self = g_new0 (QksRecorder, 1);
  QksDiagOptions background = *options;

  g_mutex_init (&self->mutex);
  background.background = TRUE;
  self->context = qks_diag_context_new (&background);
  return self;
}

static char *
config_to_text (const QksTrainConfig *config)
{
  g_autoptr(JsonNode) node = qks_train_config_to_json (config);

  return qks_json_to_string (node, FALSE);
}

/**
 * qks_recorder_new:
 * @run_path: the .qkrun file to create
 * @config: the run's configuration, stored in the file
 *
 * Returns: (transfer full): a recorder, or %NULL with @error set (the file
 *   exists and @overwrite is not set, the folder cannot be written, …).
 */
QksRecorder *
qks_recorder_new (const char            *run_path,
                  const QksTrainConfig  *config,
                  const QksDiagOptions  *options,
                  gboolean               overwrite,
                  GError               **error)
{
  g_autoptr(QksRecorder) self = recorder_new (options);
  g_autofree char *config_text = config_to_text (config);

  self->writer = qks_run_writer_create (run_path, config_text, overwrite, error);
  if (self->writer == NULL)
    return NULL;
  self->pool = g_thread_pool_new (compute_snapshot, self, 1, TRUE, error);
  if (self->pool == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

/* A resumed run's rank-collapse events compare with the run's first
 * snapshot, as they did before it was stopped: the diagnostics context
 * takes each layer's reference from the file. */
static gboolean
restore_rank_references (QksRecorder           *self,
                         const char            *run_path,
                         const QksTrainConfig  *config,
                         guint                  resume_step,
                         GError               **error)
{
  g_autoptr(QksRunReader) reader = qks_run_reader_open (run_path, error);

  if (reader == NULL)
    return FALSE;
  for (guint layer = 0; layer < config->model.n_layers; layer++)
    {
      g_autoptr(GArray) series = qks_run_reader_load_metric_series (reader, layer, QKS_WHOLE_LAYER,
                                                                    QKS_FORM_QK, "erank_pct", error);
      const QksMetricPoint *first;

      if (series == NULL)
        return FALSE;
      if (series->len == 0)
        continue;
      first = &g_array_index (series, QksMetricPoint, 0);
      if (first->step <= resume_step)
        qks_diag_context_set_reference_erank (self->context, layer, first->value);
    }
  return TRUE;
}

/**
 * qks_recorder_new_append:
 * @run_path: the .qkrun file of the run that @config continues
 * @config: the resumed run's configuration; it replaces the file's
 * @resume_step: the step of the checkpoint the run resumes from
 *
 * Reopens a run to continue it (qks_trainer_new_from_run()): every record
 * of a step after @resume_step is dropped before this returns, so that the
 * file holds one history, and the resumed run's records follow.
 *
 * Returns: (transfer full): a recorder, or %NULL with @error naming the
 *   file and what is wrong with it (it cannot be written, it is damaged).
 */
QksRecorder *
qks_recorder_new_append (const char            *run_path,
                         const QksTrainConfig  *config,
                         guint                  resume_step,
                         const QksDiagOptions  *options,
                         GError               **error)
{
  g_autoptr(QksRecorder) self = recorder_new (options);
  g_autofree char *config_text = config_to_text (config);

  if (!restore_rank_references (self, run_path, config, resume_step, error))
    return NULL;
  if ((self->writer = qks_run_writer_open_append (run_path, error)) == NULL)
    return NULL;
  qks_run_writer_discard_after (self->writer, resume_step);
  /* Waiting here lets a file that cannot be written fail now, with the
   * file as it was, and lets the caller read the history it continues. */
  if (!qks_run_writer_replace_config (self->writer, config_text, error) ||
      !qks_run_writer_flush (self->writer, error))
    return NULL;
  self->pool = g_thread_pool_new (compute_snapshot, self, 1, TRUE, error);
  if (self->pool == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
qks_recorder_free (QksRecorder *self)
{
  if (self == NULL)
    return;
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  g_clear_pointer (&self->writer, qks_run_writer_free);
  g_clear_pointer (&self->context, qks_diag_context_free);
  g_clear_error (&self->error);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

static void
on_snapshot_due (QksDiagInput *input,
                 gpointer      user_data)
{
  qks_recorder_add_input (user_data, input);
}

static void
on_checkpoint_due (QksTrainer *trainer,
                   gpointer    user_data)
{
  qks_recorder_add_checkpoint (user_data, trainer);
}

/**
 * qks_recorder_attach:
 *
 * Takes @trainer's diagnostic snapshots and checkpoints (its snapshot and
 * checkpoint functions).
 */
void
qks_recorder_attach (QksRecorder *self,
                     QksTrainer  *trainer)
{
  qks_trainer_set_snapshot_func (trainer, on_snapshot_due, self);
  qks_trainer_set_checkpoint_func (trainer, on_checkpoint_due, self);
}

void
qks_recorder_set_snapshot_func (QksRecorder             *self,
                                QksRecorderSnapshotFunc  func,
                                gpointer                 user_data)
{
  self->snapshot_func = func;
  self->snapshot_data = user_data;
}

/**
 * qks_recorder_add_step:
 * @flops_per_step: matrix-product FLOPs of one step, for the cumulative count
 */
void
qks_recorder_add_step (QksRecorder            *self,
                       const QksTrainProgress *progress,
                       double                  flops_per_step)
{
  QksStepRecord record = {
    .step = progress->step,
    .wall_time = g_get_real_time () / 1e6,
    .train_loss = progress->loss,
    .val_loss = progress->val_loss,
    .learning_rate = progress->learning_rate,
    .grad_norm = progress->grad_norm,
    .tokens_per_second = progress->tokens_per_second,
    .flops = flops_per_step * progress->step,
  };

  qks_run_writer_append_step (self->writer, &record);
}

/**
 * qks_recorder_add_input:
 * @input: (transfer full): what a snapshot is computed from
 *
 * Queues a snapshot for the diagnostics worker and returns at once.
 */
void
qks_recorder_add_input (QksRecorder  *self,
                        QksDiagInput *input)
{
  g_thread_pool_push (self->pool, input, NULL);
}

/**
 * qks_recorder_add_checkpoint:
 *
 * Copies @trainer's state at its current step into the run: the weights
 * and the optimizer state (moments, step, data stream, configuration), as
 * a checkpoint folder's model.safetensors and optimizer.safetensors hold
 * them, so that the run can resume from it. Call it from the thread that
 * owns the trainer (its checkpoint function does).
 */
void
qks_recorder_add_checkpoint (QksRecorder *self,
                             QksTrainer  *trainer)
{
  guint step = qks_trainer_get_step (trainer);
  QksModel *model = qks_trainer_get_model (trainer);
  g_autoptr(GBytes) weights = qks_checkpoint_model_to_bytes (model, step);
  g_autoptr(GBytes) optimizer = qks_checkpoint_optimizer_to_bytes (model,
                                                                   qks_trainer_get_optimizer (trainer),
                                                                   qks_trainer_get_config (trainer),
                                                                   qks_trainer_get_data_rng (trainer),
                                                                   step);

  qks_run_writer_append_checkpoint (self->writer, step, weights, optimizer);
}

/**
 * qks_recorder_has_failed:
 *
 * Whether a snapshot or a write has failed (a full disk, say). Training
 * should then stop: nothing after the failure reaches the file, so going
 * on would only lose the user's time. Safe to call from any thread.
 */
gboolean
qks_recorder_has_failed (QksRecorder *self)
{
  gboolean failed;

  g_mutex_lock (&self->mutex);
  failed = self->error != NULL;
  g_mutex_unlock (&self->mutex);
  return failed || qks_run_writer_get_error (self->writer) != NULL;
}

/**
 * qks_recorder_finish:
 *
 * Waits until every queued snapshot is computed and everything is written,
 * then closes the file.
 *
 * Returns: %FALSE with the first error of a snapshot or of the file.
 */
gboolean
qks_recorder_finish (QksRecorder  *self,
                     GError      **error)
{
  g_autoptr(GError) write_error = NULL;
  gboolean closed;

  g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
  closed = qks_run_writer_close (self->writer, &write_error);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return FALSE;
    }
  if (!closed)
    {
      g_propagate_error (error, g_steal_pointer (&write_error));
      return FALSE;
    }
  return TRUE;
}

double
qks_recorder_get_diag_seconds (QksRecorder *self)
{
  double seconds;

  g_mutex_lock (&self->mutex);
  seconds = self->diag_seconds;
  g_mutex_unlock (&self->mutex);
  return seconds;
}

guint
qks_recorder_get_n_snapshots (QksRecorder *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_snapshots;
  g_mutex_unlock (&self->mutex);
  return n;
}
