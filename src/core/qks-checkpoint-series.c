/* qks-checkpoint-series.c: a folder of checkpoints by step, analysed into a run history
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-checkpoint-series.h"
#include "qks-parallel.h"

G_DEFINE_QUARK (qks-checkpoint-series-error-quark, qks_checkpoint_series_error)

/* The words training programs put before a step number. */
static const char *step_words[] = { "checkpoint", "global_step", "step", "iteration", "iter", "ckpt" };

/**
 * qks_checkpoint_step_from_name:
 * @name: a file or folder name (not a path)
 * @step: (out): the step it names
 *
 * Reads the step of “checkpoint-100”, “step-100.safetensors”, “step_100”,
 * “global_step100”, “gpt2-small-step-100”, “iter-100”. A name whose number
 * follows no such word (“model-00001-of-00002.safetensors”) names no step.
 *
 * Returns: whether @name names a step
 */
gboolean
qks_checkpoint_step_from_name (const char *name,
                               guint      *step)
{
  g_autofree char *stem = NULL;
  gsize end, digits;
  guint64 value;

  g_return_val_if_fail (name != NULL, FALSE);

  stem = g_ascii_strdown (name, -1);
  if (g_str_has_suffix (stem, ".safetensors"))
    stem[strlen (stem) - strlen (".safetensors")] = '\0';
  end = strlen (stem);
  digits = end;
  while (digits > 0 && g_ascii_isdigit (stem[digits - 1]))
    digits--;
  if (digits == end || end - digits > 9 ||
      !g_ascii_string_to_unsigned (stem + digits, 10, 0, G_MAXUINT, &value, NULL))
    return FALSE;

  /* One separator between the word and the number, or none. */
  if (digits > 0 && (stem[digits - 1] == '-' || stem[digits - 1] == '_'))
    digits--;
  stem[digits] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (step_words); i++)
    {
      gsize word = strlen (step_words[i]);

      if (digits >= word && strcmp (stem + digits - word, step_words[i]) == 0 &&
          (digits == word || strchr ("-_.", stem[digits - word - 1]) != NULL))
        {
          *step = (guint) value;
          return TRUE;
        }
    }
  return FALSE;
}

static void
clear_entry (gpointer data)
{
  QksCheckpointEntry *entry = data;

  g_free (entry->path);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const QksCheckpointEntry *x = a, *y = b;

  return x->step < y->step ? -1 : x->step > y->step;
}

static gboolean
holds_weights (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".safetensors") || g_str_has_suffix (name, ".index.json"))
      return TRUE;
  return FALSE;
}

/**
 * qks_checkpoint_series_list:
 * @folder: a folder of checkpoints
 *
 * Lists the checkpoints in @folder named by a step: sub-folders that hold
 * safetensors weights, and .safetensors files. Anything else (logs, a
 * config.json, a tokenizer) is left alone.
 *
 * Returns: (transfer full) (element-type QksCheckpointEntry): the
 *   checkpoints sorted by step, or %NULL with @error set
 *   (%QKS_CHECKPOINT_SERIES_ERROR_EMPTY when there is none, _DUPLICATE
 *   when two name the same step, or a %G_FILE_ERROR)
 */
GArray *
qks_checkpoint_series_list (const char  *folder,
                            GError     **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (QksCheckpointEntry));
  g_autofree char *display = g_filename_display_name (folder);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_array_set_clear_func (entries, clear_entry);
  if ((dir = g_dir_open (folder, 0, error)) == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      QksCheckpointEntry entry;

      if (!qks_checkpoint_step_from_name (name, &entry.step))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR) ? !holds_weights (path)
                                                 : !g_str_has_suffix (name, ".safetensors"))
        continue;
      entry.path = g_steal_pointer (&path);
      g_array_append_val (entries, entry);
    }

  if (entries->len == 0)
    {
      g_set_error (error, QKS_CHECKPOINT_SERIES_ERROR, QKS_CHECKPOINT_SERIES_ERROR_EMPTY,
                   "“%s” holds no checkpoints named by their step (checkpoint-N/, step-N.safetensors, "
                   "NAME-step-N)", display);
      return NULL;
    }
  g_array_sort (entries, compare_entries);
  for (guint i = 1; i < entries->len; i++)
    {
      const QksCheckpointEntry *a = &g_array_index (entries, QksCheckpointEntry, i - 1);
      const QksCheckpointEntry *b = &g_array_index (entries, QksCheckpointEntry, i);

      if (a->step == b->step)
        {
          g_autofree char *a_name = g_path_get_basename (a->path);
          g_autofree char *b_name = g_path_get_basename (b->path);

          g_set_error (error, QKS_CHECKPOINT_SERIES_ERROR, QKS_CHECKPOINT_SERIES_ERROR_DUPLICATE,
                       "“%s” holds two checkpoints of step %u: “%s” and “%s”", display, a->step,
                       a_name, b_name);
          return NULL;
        }
    }
  return g_steal_pointer (&entries);
}

/**
 * qks_checkpoint_series_is_series:
 *
 * Returns: whether @folder is a folder of checkpoints rather than one
 *   model: it has no model.safetensors (or shard index) of its own and
 *   holds checkpoints named by a step
 */
gboolean
qks_checkpoint_series_is_series (const char *folder)
{
  g_autofree char *single = g_build_filename (folder, QKS_MODEL_FILES_WEIGHTS, NULL);
  g_autofree char *index = g_build_filename (folder, QKS_MODEL_FILES_INDEX, NULL);
  g_autoptr(GArray) entries = NULL;

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR) || g_file_test (single, G_FILE_TEST_EXISTS) ||
      g_file_test (index, G_FILE_TEST_EXISTS))
    return FALSE;
  entries = qks_checkpoint_series_list (folder, NULL);
  return entries != NULL;
}

/* Layers are analysed on every core at once, each with single-threaded
 * BLAS, when that many layers fit in memory: OpenBLAS's own threads gain
 * little on one layer's products, most of which are small. Analysing a
 * layer takes about this many times its matrices. */
#define LAYER_WORK_FACTOR 4
#define LAYERS_IN_FLIGHT_BUDGET ((gsize) 1 << 30)

typedef struct
{
  QksDiagContext        *context;
  QksAdapter            *adapter;
  QksDiagInput          *input;
  QksCheckpointProgress  progress;
  gpointer               user_data;
  GCancellable          *cancellable;
  guint                  n_layers;

  GMutex                 mutex;       /* guards what follows, and the adapter */
  guint                  next;
  guint                  end;         /* of this round's layers */
  guint                  done;
  gboolean               failed;
  QksSnapshot          **parts;
  GError               **errors;
} LayerWork;

static void
report_progress (LayerWork *work)
{
  g_autofree char *message = NULL;

  if (work->progress == NULL)
    return;
  message = g_strdup_printf ("Layer %u of %u", MIN (work->done + 1, work->n_layers), work->n_layers);
  work->progress ((double) work->done / work->n_layers, message, work->user_data);
}

/* One thread's share: it takes the next layer of the round until none is
 * left. */
static void
analyze_layers (gsize    begin,
                gsize    end,
                guint    thread,
                gpointer data)
{
  LayerWork *work = data;

  for (;;)
    {
      GError *error = NULL;
      QksSnapshot *part;
      guint l;
      gboolean ok;

      g_mutex_lock (&work->mutex);
      if (work->failed || work->next >= work->end)
        {
          g_mutex_unlock (&work->mutex);
          return;
        }
      l = work->next++;
      /* The adapter's files are read by one thread at a time. */
      if (!g_cancellable_set_error_if_cancelled (work->cancellable, &error))
        work->input->layers[l] = qks_adapter_load_layer (work->adapter, l, &error);
      g_mutex_unlock (&work->mutex);

      part = qks_snapshot_new (work->input->step);
      ok = error == NULL && qks_diag_run_layer (work->context, work->input, l, part, &error);
      g_clear_pointer (&work->input->layers[l], qks_attn_heads_free);

      g_mutex_lock (&work->mutex);
      work->parts[l] = part;
      work->errors[l] = error;
      work->failed |= !ok;
      work->done++;
      if (ok)
        report_progress (work);
      g_mutex_unlock (&work->mutex);
    }
}

/**
 * qks_checkpoint_analyze:
 * @context: the diagnostics' context; use one per series, in step order,
 *   so that the rank-collapse events compare with the first step
 * @step: the step to file the snapshot under
 * @progress: (nullable) (scope call): told after each layer, from the
 *   thread that analysed it
 * @cancellable: (nullable): checked between layers
 *
 * Every diagnostic of qks_diag_run(), a layer at a time: each layer's
 * matrices are read, analysed and freed before that thread reads another,
 * so the memory needed is that of a layer per core (of one layer, when a
 * layer is large) whatever the model's depth.
 *
 * Returns: (transfer full): the snapshot, or %NULL with @error set
 *   (%G_IO_ERROR_CANCELLED when cancelled)
 */
QksSnapshot *
qks_checkpoint_analyze (QksDiagContext         *context,
                        QksAdapter             *adapter,
                        guint                   step,
                        QksCheckpointProgress   progress,
                        gpointer                user_data,
                        GCancellable           *cancellable,
                        GError                **error)
{
  guint n_layers = qks_adapter_get_n_layers (adapter);
  const QksModelConfig *config = qks_adapter_get_model_config (adapter);
  g_autoptr(QksDiagInput) input = qks_diag_input_new (step, n_layers);
  g_autoptr(QksSnapshot) snapshot = qks_snapshot_new (step);
  gsize layer_bytes = MAX (qks_adapter_get_layer_bytes (adapter), 1) * LAYER_WORK_FACTOR;
  guint threads = (guint) MIN (qks_parallel_get_threads (), MAX (LAYERS_IN_FLIGHT_BUDGET / layer_bytes, 1));
  LayerWork work = { context, adapter, input, progress, user_data, cancellable, n_layers };
  gboolean failed = FALSE;

  /* A QK Scope model's own variant gives its Monte-Carlo null (f.1);
   * other programs' weights get the analytic chain law of their shapes. */
  if (config != NULL)
    {
      input->config = *config;
      input->from_model = TRUE;
    }

  g_mutex_init (&work.mutex);
  work.parts = g_new0 (QksSnapshot *, MAX (n_layers, 1));
  work.errors = g_new0 (GError *, MAX (n_layers, 1));
  report_progress (&work);
  /* A round of one layer per thread at a time: between rounds the loop
   * lock is free, so that training in the same process (the app) is held
   * up for a round at most, not for the whole checkpoint. */
  if (threads > 1 && n_layers > 1)
    for (work.end = 0; work.end < n_layers && !work.failed;)
      {
        work.end = MIN (work.end + threads, n_layers);
        qks_parallel_for (threads, analyze_layers, &work);
      }
  else
    {
      work.end = n_layers;
      analyze_layers (0, 1, 0, &work);
    }
  g_mutex_clear (&work.mutex);

  /* In layer order, whatever order the threads finished in; the first
   * layer that failed names the error. */
  for (guint l = 0; l < n_layers; l++)
    {
      if (work.errors[l] != NULL && !failed)
        {
          g_propagate_error (error, g_steal_pointer (&work.errors[l]));
          failed = TRUE;
        }
      g_clear_error (&work.errors[l]);
      if (work.parts[l] != NULL && !failed)
        qks_snapshot_merge (snapshot, work.parts[l]);
      g_clear_pointer (&work.parts[l], qks_snapshot_free);
    }
  g_free (work.parts);
  g_free (work.errors);
  if (failed)
    return NULL;
  if (progress != NULL)
    progress (1.0, "Done", user_data);
  return g_steal_pointer (&snapshot);
}

/**
 * qks_checkpoint_analyze_path:
 * @path: a .safetensors file, a shard index or a model folder
 *
 * qks_adapter_open() then qks_checkpoint_analyze(). This is what a watch
 * of a growing folder calls for each new checkpoint, on a worker thread;
 * the snapshot then goes to the history on the main thread
 * (qks_history_add_snapshot()).
 */
QksSnapshot *
qks_checkpoint_analyze_path (QksDiagContext         *context,
                             const char             *path,
                             guint                   step,
                             QksCheckpointProgress   progress,
                             gpointer                user_data,
                             GCancellable           *cancellable,
                             GError                **error)
{
  g_autoptr(QksAdapter) adapter = qks_adapter_open (path, error);

  if (adapter == NULL)
    return NULL;
  return qks_checkpoint_analyze (context, adapter, step, progress, user_data, cancellable, error);
}

/* Progress told on the analysis thread and delivered in the caller's main
 * context, as GIO's copy progress is: one idle at a time carries the
 * latest value, and none is delivered once the analysis has returned. */
typedef struct
{
  GMutex                 mutex;
  QksCheckpointProgress  progress;
  gpointer               user_data;
  GDestroyNotify         destroy;
  GMainContext          *context;
  double                 fraction;
  char                  *message;
  gboolean               scheduled;
  gboolean               finished;
} ProgressRelay;

static void
relay_clear (gpointer data)
{
  ProgressRelay *relay = data;

  if (relay->destroy != NULL)
    relay->destroy (relay->user_data);
  g_main_context_unref (relay->context);
  g_free (relay->message);
  g_mutex_clear (&relay->mutex);
}

static void
relay_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, relay_clear);
}

static gboolean
relay_dispatch (gpointer data)
{
  ProgressRelay *relay = data;
  g_autofree char *message = NULL;
  double fraction;
  gboolean finished;

  g_mutex_lock (&relay->mutex);
  relay->scheduled = FALSE;
  finished = relay->finished;
  fraction = relay->fraction;
  message = g_steal_pointer (&relay->message);
  g_mutex_unlock (&relay->mutex);

  if (!finished)
    relay->progress (fraction, message != NULL ? message : "", relay->user_data);
  return G_SOURCE_REMOVE;
}

/* A QksCheckpointProgress, on the analysis thread. */
static void
relay_post (double      fraction,
            const char *message,
            gpointer    data)
{
  ProgressRelay *relay = data;
  gboolean schedule;

  g_mutex_lock (&relay->mutex);
  relay->fraction = fraction;
  g_free (relay->message);
  relay->message = g_strdup (message);
  schedule = !relay->scheduled && !relay->finished;
  relay->scheduled = TRUE;
  g_mutex_unlock (&relay->mutex);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, relay_dispatch, g_atomic_rc_box_acquire (relay), relay_release);
      g_source_set_static_name (source, "[qkscope] checkpoint progress");
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}

typedef struct
{
  QksDiagContext *context;
  char           *path;
  guint           step;
  ProgressRelay  *relay;          /* NULL without a progress callback */
} AnalyzeData;

static gboolean
release_in_context (gpointer data)
{
  relay_release (data);
  return G_SOURCE_REMOVE;
}

static void
analyze_data_free (gpointer data)
{
  AnalyzeData *job = data;

  g_free (job->path);
  /* The task may end on the worker thread; the progress data, which may
   * hold objects of the caller's (the app's), is freed in its context. */
  if (job->relay != NULL)
    {
      ProgressRelay *relay = g_steal_pointer (&job->relay);

      g_main_context_invoke_full (relay->context, G_PRIORITY_DEFAULT, release_in_context, relay, NULL);
    }
  g_free (job);
}

static void
analyze_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  AnalyzeData *job = task_data;
  GError *error = NULL;
  QksSnapshot *snapshot = qks_checkpoint_analyze_path (job->context, job->path, job->step,
                                                       job->relay != NULL ? relay_post : NULL, job->relay,
                                                       cancellable, &error);

  /* Nothing is told after the result. */
  if (job->relay != NULL)
    {
      g_mutex_lock (&job->relay->mutex);
      job->relay->finished = TRUE;
      g_mutex_unlock (&job->relay->mutex);
    }
  if (snapshot == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, snapshot, (GDestroyNotify) qks_snapshot_free);
}

/**
 * qks_checkpoint_analyze_async:
 * @context: used on a worker thread until @callback runs: keep it alive and
 *   do not use it elsewhere meanwhile
 * @progress: (nullable) (scope notified): told how far the analysis is, in
 *   the thread-default main context of the caller, never after @callback
 * @progress_data: (closure progress): for @progress
 * @progress_destroy: (nullable): frees @progress_data once neither @progress
 *   nor the analysis will use it
 *
 * qks_checkpoint_analyze_path() on a worker thread; @callback runs in the
 * thread-default main context of the caller.
 */
void
qks_checkpoint_analyze_async (QksDiagContext        *context,
                              const char            *path,
                              guint                  step,
                              QksCheckpointProgress  progress,
                              gpointer               progress_data,
                              GDestroyNotify         progress_destroy,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  AnalyzeData *job = g_new0 (AnalyzeData, 1);

  job->context = context;
  job->path = g_strdup (path);
  job->step = step;
  if (progress != NULL)
    {
      job->relay = g_atomic_rc_box_new0 (ProgressRelay);
      g_mutex_init (&job->relay->mutex);
      job->relay->progress = progress;
      job->relay->user_data = progress_data;
      job->relay->destroy = progress_destroy;
      job->relay->context = g_main_context_ref_thread_default ();
    }
  else if (progress_destroy != NULL)
    progress_destroy (progress_data);
  g_task_set_source_tag (task, qks_checkpoint_analyze_async);
  g_task_set_task_data (task, job, analyze_data_free);
  g_task_run_in_thread (task, analyze_thread);
}

/**
 * qks_checkpoint_analyze_finish:
 *
 * Returns: (transfer full): the snapshot, or %NULL with @error set
 */
QksSnapshot *
qks_checkpoint_analyze_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  QksCheckpointProgress  progress;
  gpointer               user_data;
  guint                  index;
  guint                  count;
  guint                  step;
} SeriesProgress;

static void
series_progress (double      fraction,
                 const char *message,
                 gpointer    user_data)
{
  SeriesProgress *p = user_data;
  g_autofree char *text = g_strdup_printf ("Step %u (%u of %u): %s", p->step, p->index + 1, p->count, message);

  p->progress ((p->index + fraction) / p->count, text, p->user_data);
}

/**
 * qks_checkpoint_series_analyze:
 * @folder: a folder of checkpoints (qks_checkpoint_series_list())
 * @progress: (nullable) (scope call): told after each layer of each step
 *
 * Analyses every checkpoint of @folder in step order into one history,
 * named after the folder.
 *
 * Returns: (transfer full): the history, or %NULL with @error naming the
 *   checkpoint that failed and why
 */
QksHistory *
qks_checkpoint_series_analyze (QksDiagContext         *context,
                               const char             *folder,
                               QksCheckpointProgress   progress,
                               gpointer                user_data,
                               GCancellable           *cancellable,
                               GError                **error)
{
  g_autoptr(GArray) entries = qks_checkpoint_series_list (folder, error);
  g_autofree char *name = g_path_get_basename (folder);
  g_autoptr(QksHistory) history = NULL;

  if (entries == NULL)
    return NULL;
  history = qks_history_new (name);
  for (guint i = 0; i < entries->len; i++)
    {
      const QksCheckpointEntry *entry = &g_array_index (entries, QksCheckpointEntry, i);
      SeriesProgress p = { progress, user_data, i, entries->len, entry->step };
      QksSnapshot *snapshot;

      snapshot = qks_checkpoint_analyze_path (context, entry->path, entry->step,
                                              progress != NULL ? series_progress : NULL, &p,
                                              cancellable, error);
      if (snapshot == NULL)
        return NULL;
      qks_history_add_snapshot (history, snapshot);
    }
  return g_steal_pointer (&history);
}
