/* qks-checkpoint-watch.c: other programs' checkpoints, analysed in the background
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A checkpoint (a .safetensors file or a model folder) or a folder of
 * checkpoints named by step becomes a history: each checkpoint is
 * analysed on a worker thread, one at a time, and its snapshot added.
 * A folder is watched: the checkpoints that a training job writes into it
 * later are added as they appear. A checkpoint may be caught half
 * written; it is tried again a few times before it is reported.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-checkpoint-series.h"
#include "qks-checkpoint-watch.h"

#define RESCAN_DELAY_MS  500   /* after the last change in the folder */
#define RETRY_DELAY_MS   1000
#define MAX_ATTEMPTS     4

struct _QksCheckpointWatch
{
  GObject          parent_instance;

  char            *path;
  gboolean         series;
  QksHistory      *history;
  QksDiagContext  *context;
  GCancellable    *cancellable;
  GFileMonitor    *monitor;

  GHashTable      *known;         /* path → attempts so far */
  GQueue           pending;       /* QksCheckpointEntry * */
  QksCheckpointEntry *current;    /* being analysed */
  gboolean         busy;
  gboolean         stopped;
  guint            rescan_id;
  guint            n_done;
  guint            n_total;
  double           current_fraction; /* of the checkpoint being analysed */
};

G_DEFINE_FINAL_TYPE (QksCheckpointWatch, qks_checkpoint_watch, G_TYPE_OBJECT)

enum {
  SNAPSHOT_ADDED,
  CHECKPOINT_FAILED,
  PROGRESS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void process_next (QksCheckpointWatch *self);
static void schedule_rescan (QksCheckpointWatch *self,
                             guint               delay_ms);

static QksCheckpointEntry *
entry_new (guint       step,
           const char *path)
{
  QksCheckpointEntry *entry = g_new0 (QksCheckpointEntry, 1);

  entry->step = step;
  entry->path = g_strdup (path);
  return entry;
}

static void
entry_free (QksCheckpointEntry *entry)
{
  g_free (entry->path);
  g_free (entry);
}

/**
 * qks_checkpoint_watch_can_open:
 *
 * Whether @path looks like what a watch opens: a folder (of checkpoints,
 * or a model's), a .safetensors file or a sharded model's index.
 */
gboolean
qks_checkpoint_watch_can_open (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_DIR) ||
         g_str_has_suffix (path, ".safetensors") ||
         g_str_has_suffix (path, ".safetensors.index.json");
}

static void
on_analysed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QksCheckpointWatch) self = user_data;
  g_autoptr(GError) error = NULL;
  QksSnapshot *snapshot = qks_checkpoint_analyze_finish (result, &error);
  QksCheckpointEntry *current = g_steal_pointer (&self->current);

  self->busy = FALSE;
  self->current_fraction = 0.0;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || current == NULL)
    {
      g_clear_pointer (&current, entry_free);
      g_signal_emit (self, signals[PROGRESS_CHANGED], 0);
      return;
    }

  if (snapshot != NULL)
    {
      guint step = snapshot->step;

      qks_history_add_snapshot (self->history, snapshot);
      self->n_done++;
      g_signal_emit (self, signals[SNAPSHOT_ADDED], 0, step);
    }
  else
    {
      guint attempts = GPOINTER_TO_UINT (g_hash_table_lookup (self->known, current->path));

      /* In a watched folder a checkpoint may still be being written: it is
       * forgotten, and the next look at the folder tries it again. */
      if (self->series && attempts < MAX_ATTEMPTS)
        {
          g_debug ("%s: attempt %u failed (%s); trying again", current->path, attempts, error->message);
          g_hash_table_insert (self->known, g_strdup (current->path), GUINT_TO_POINTER (attempts + 1));
          g_queue_push_tail (&self->pending, g_steal_pointer (&current));
          schedule_rescan (self, RETRY_DELAY_MS);
        }
      else
        {
          self->n_done++;
          g_signal_emit (self, signals[CHECKPOINT_FAILED], 0, current->path, error->message);
        }
    }
  g_clear_pointer (&current, entry_free);
  g_signal_emit (self, signals[PROGRESS_CHANGED], 0);
  process_next (self);
}

/* A checkpoint's layers, as they are analysed. */
static void
on_checkpoint_progress (double      fraction,
                        const char *message,
                        gpointer    user_data)
{
  QksCheckpointWatch *self = user_data;

  self->current_fraction = fraction;
  g_signal_emit (self, signals[PROGRESS_CHANGED], 0);
}

static void
process_next (QksCheckpointWatch *self)
{
  QksCheckpointEntry *entry;

  if (self->busy || self->rescan_id != 0 || g_cancellable_is_cancelled (self->cancellable))
    return;
  if ((entry = g_queue_pop_head (&self->pending)) == NULL)
    return;
  self->busy = TRUE;
  self->current = entry;
  qks_checkpoint_analyze_async (self->context, entry->path, entry->step,
                                on_checkpoint_progress, g_object_ref (self), g_object_unref,
                                self->cancellable, on_analysed, g_object_ref (self));
  g_signal_emit (self, signals[PROGRESS_CHANGED], 0);
}

/* Queues the checkpoints of the folder not seen yet, in step order. */
static void
rescan (QksCheckpointWatch *self)
{
  g_autoptr(GArray) entries = qks_checkpoint_series_list (self->path, NULL);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const QksCheckpointEntry *entry = &g_array_index (entries, QksCheckpointEntry, i);

      if (g_hash_table_contains (self->known, entry->path))
        continue;
      g_hash_table_insert (self->known, g_strdup (entry->path), GUINT_TO_POINTER (1));
      g_queue_push_tail (&self->pending, entry_new (entry->step, entry->path));
      self->n_total++;
    }
  g_signal_emit (self, signals[PROGRESS_CHANGED], 0);
}

static gboolean
rescan_now (gpointer user_data)
{
  QksCheckpointWatch *self = user_data;

  self->rescan_id = 0;
  rescan (self);
  process_next (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_rescan (QksCheckpointWatch *self,
                 guint               delay_ms)
{
  g_clear_handle_id (&self->rescan_id, g_source_remove);
  self->rescan_id = g_timeout_add (delay_ms, rescan_now, self);
}

/* Writers make a checkpoint in many steps (a folder, files, a rename):
 * look once things have been quiet for a moment. */
static void
on_folder_changed (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event,
                   gpointer           user_data)
{
  QksCheckpointWatch *self = user_data;

  if (event == G_FILE_MONITOR_EVENT_CHANGED)
    return;   /* CHANGES_DONE_HINT follows */
  schedule_rescan (self, RESCAN_DELAY_MS);
}

/**
 * qks_checkpoint_watch_new:
 * @path: a folder of checkpoints named by step, a model folder, a
 *   .safetensors file or a sharded model's index
 * @history: where the snapshots go
 *
 * Starts analysing at once, in the background; a folder of checkpoints
 * is then watched for new ones.
 *
 * Returns: (transfer full): the watch, or %NULL with @error saying why
 *   @path cannot be read as checkpoints.
 */
QksCheckpointWatch *
qks_checkpoint_watch_new (const char           *path,
                          QksHistory           *history,
                          const QksDiagOptions *options,
                          GError              **error)
{
  g_autoptr(QksCheckpointWatch) self = g_object_new (QKS_TYPE_CHECKPOINT_WATCH, NULL);
  g_autofree char *display = g_filename_display_name (path);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("“%s” does not exist"), display);
      return NULL;
    }
  self->path = g_strdup (path);
  self->history = qks_history_ref (history);
  self->context = qks_diag_context_new (options);
  self->series = g_file_test (path, G_FILE_TEST_IS_DIR) && qks_checkpoint_series_is_series (path);

  if (self->series)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (path);
      g_autoptr(GArray) entries = qks_checkpoint_series_list (path, error);

      if (entries == NULL)
        return NULL;
      rescan (self);
      self->monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, self->cancellable, NULL);
      if (self->monitor != NULL)
        g_signal_connect_object (self->monitor, "changed", G_CALLBACK (on_folder_changed), self, 0);
    }
  else
    {
      g_autofree char *name = g_path_get_basename (path);
      guint step = 0;

      qks_checkpoint_step_from_name (name, &step);
      g_hash_table_insert (self->known, g_strdup (path), GUINT_TO_POINTER (1));
      g_queue_push_tail (&self->pending, entry_new (step, path));
      self->n_total = 1;
    }
  process_next (self);
  return g_steal_pointer (&self);
}

/**
 * qks_checkpoint_watch_is_series:
 *
 * Whether the watch shows a folder of checkpoints, which it watches.
 */
gboolean
qks_checkpoint_watch_is_series (QksCheckpointWatch *self)
{
  return self->series;
}

gboolean
qks_checkpoint_watch_is_busy (QksCheckpointWatch *self)
{
  return self->busy || !g_queue_is_empty (&self->pending);
}

/**
 * qks_checkpoint_watch_get_progress:
 * @done: (out): the checkpoints analysed
 * @total: (out): the checkpoints found
 *
 * Returns: how far the analysis is in all, from 0 to 1, counting the
 *   layers of the checkpoint under way
 */
double
qks_checkpoint_watch_get_progress (QksCheckpointWatch *self,
                                   guint              *done,
                                   guint              *total)
{
  *done = self->n_done;
  *total = self->n_total;
  if (self->n_total == 0)
    return 0.0;
  return MIN ((self->n_done + (self->busy ? self->current_fraction : 0.0)) / self->n_total, 1.0);
}

/**
 * qks_checkpoint_watch_is_stopped:
 *
 * Returns: whether qks_checkpoint_watch_cancel() stopped the analysis
 */
gboolean
qks_checkpoint_watch_is_stopped (QksCheckpointWatch *self)
{
  return self->stopped;
}

/**
 * qks_checkpoint_watch_cancel:
 *
 * Stops the analysis under way and the watching; nothing is added after.
 */
void
qks_checkpoint_watch_cancel (QksCheckpointWatch *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rescan_id, g_source_remove);
  if (self->monitor != NULL)
    g_file_monitor_cancel (self->monitor);
  g_queue_clear_full (&self->pending, (GDestroyNotify) entry_free);
}

static void
qks_checkpoint_watch_dispose (GObject *object)
{
  QksCheckpointWatch *self = QKS_CHECKPOINT_WATCH (object);

  qks_checkpoint_watch_cancel (self);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (qks_checkpoint_watch_parent_class)->dispose (object);
}

static void
qks_checkpoint_watch_finalize (GObject *object)
{
  QksCheckpointWatch *self = QKS_CHECKPOINT_WATCH (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->history, qks_history_unref);
  g_clear_pointer (&self->context, qks_diag_context_free);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_free (self->path);
  G_OBJECT_CLASS (qks_checkpoint_watch_parent_class)->finalize (object);
}

static void
qks_checkpoint_watch_class_init (QksCheckpointWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qks_checkpoint_watch_dispose;
  object_class->finalize = qks_checkpoint_watch_finalize;

  signals[SNAPSHOT_ADDED] = g_signal_new ("snapshot-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[CHECKPOINT_FAILED] = g_signal_new ("checkpoint-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[PROGRESS_CHANGED] = g_signal_new ("progress-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
qks_checkpoint_watch_init (QksCheckpointWatch *self)
{
  self->cancellable = g_cancellable_new ();
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->pending);
}
