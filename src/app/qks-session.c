/* qks-session.c: one run in the app, live or loaded, and its history
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qks-recorder.h"
#include "qks-session.h"

/* A live run, shared by the session, the trainer's thread, the diagnostics
 * worker and the thread that ends it: refcounted, so that closing the
 * window frees nothing a thread still uses. The threads never touch the
 * session: they post what they produce into the inbox, under its lock, and
 * the main thread takes everything in at most once per main-loop turn
 * (DESIGN.md, Threads), however fast training goes. */
typedef struct
{
  gatomicrefcount   ref_count;
  QksTrainer       *trainer;
  QksRecorder      *recorder;
  double            flops_per_step;

  GMutex            mutex;        /* guards the inbox below */
  GArray           *steps;        /* QksStepRecord */
  GPtrArray        *snapshots;    /* QksSnapshot */
  QksTrainProgress  progress;
  gboolean          has_progress;
  gboolean          scheduled;
  GWeakRef          session;
} Inbox;

struct _QksSession
{
  GObject           parent_instance;

  QksSessionState   state;
  QksHistory       *history;
  char             *title;
  char             *run_path;
  QksTrainProgress  progress;
  GError           *error;

  Inbox            *run;          /* the live run, NULL once it ended */
  QksCheckpointWatch *checkpoints; /* other programs' checkpoints, or NULL */
  guint             watch_id;

  gint64            last_tick;
  double            longest_stall;
  guint             stall_id;
};

G_DEFINE_FINAL_TYPE (QksSession, qks_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_TITLE,
  N_PROPS
};

enum {
  STEPS_ADDED,
  SNAPSHOT_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static Inbox *
inbox_new (QksSession *session)
{
  Inbox *inbox = g_new0 (Inbox, 1);

  g_atomic_ref_count_init (&inbox->ref_count);
  g_mutex_init (&inbox->mutex);
  inbox->steps = g_array_new (FALSE, FALSE, sizeof (QksStepRecord));
  inbox->snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_snapshot_free);
  g_weak_ref_init (&inbox->session, session);
  return inbox;
}

static Inbox *
inbox_ref (Inbox *inbox)
{
  g_atomic_ref_count_inc (&inbox->ref_count);
  return inbox;
}

static void
inbox_unref (Inbox *inbox)
{
  if (!g_atomic_ref_count_dec (&inbox->ref_count))
    return;
  g_clear_pointer (&inbox->trainer, qks_trainer_free);
  g_clear_pointer (&inbox->recorder, qks_recorder_free);
  g_weak_ref_clear (&inbox->session);
  g_array_unref (inbox->steps);
  g_ptr_array_unref (inbox->snapshots);
  g_mutex_clear (&inbox->mutex);
  g_free (inbox);
}

static void
set_state (QksSession      *self,
           QksSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* On the main thread: take in what the threads posted. */
static gboolean
dispatch_inbox (gpointer data)
{
  Inbox *inbox = data;
  g_autoptr(QksSession) self = g_weak_ref_get (&inbox->session);
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GPtrArray) snapshots = NULL;
  QksTrainProgress progress;
  gboolean has_progress;

  g_mutex_lock (&inbox->mutex);
  steps = g_steal_pointer (&inbox->steps);
  inbox->steps = g_array_new (FALSE, FALSE, sizeof (QksStepRecord));
  snapshots = g_steal_pointer (&inbox->snapshots);
  inbox->snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_snapshot_free);
  progress = inbox->progress;
  has_progress = inbox->has_progress;
  inbox->scheduled = FALSE;
  g_mutex_unlock (&inbox->mutex);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < steps->len; i++)
    qks_history_add_step (self->history, &g_array_index (steps, QksStepRecord, i));
  if (has_progress)
    self->progress = progress;
  if (steps->len > 0)
    g_signal_emit (self, signals[STEPS_ADDED], 0);

  for (guint i = 0; i < snapshots->len; i++)
    {
      QksSnapshot *snapshot = g_ptr_array_steal_index (snapshots, i--);
      guint step = snapshot->step;

      qks_history_add_snapshot (self->history, snapshot);
      g_signal_emit (self, signals[SNAPSHOT_ADDED], 0, step);
    }
  return G_SOURCE_REMOVE;
}

/* Called with the lock held. */
static void
schedule_dispatch (Inbox *inbox)
{
  if (inbox->scheduled)
    return;
  inbox->scheduled = TRUE;
  /* Above the frame clock's priority: when frames take long (software
   * rendering on a loaded machine) an idle below it would starve, and the
   * views would never see a snapshot. One dispatch takes all that waits. */
  g_idle_add_full (G_PRIORITY_DEFAULT, dispatch_inbox, inbox_ref (inbox),
                   (GDestroyNotify) inbox_unref);
}

/* On the training thread. */
static void
on_progress (const QksTrainProgress *progress,
             gpointer                user_data)
{
  Inbox *inbox = user_data;
  QksStepRecord record = {
    .step = progress->step,
    .wall_time = g_get_real_time () / 1e6,
    .train_loss = progress->loss,
    .val_loss = progress->val_loss,
    .learning_rate = progress->learning_rate,
    .grad_norm = progress->grad_norm,
    .tokens_per_second = progress->tokens_per_second,
    .flops = inbox->flops_per_step * progress->step,
  };

  /* The recorder takes the checkpoints from the trainer itself. */
  qks_recorder_add_step (inbox->recorder, progress, inbox->flops_per_step);
  /* Nothing reaches the file after a failed write (a full disk): stop, so
   * that the user hears of it now, not at the end of the run. */
  if (qks_recorder_has_failed (inbox->recorder))
    qks_trainer_stop (inbox->trainer);

  g_mutex_lock (&inbox->mutex);
  g_array_append_val (inbox->steps, record);
  inbox->progress = *progress;
  inbox->has_progress = TRUE;
  schedule_dispatch (inbox);
  g_mutex_unlock (&inbox->mutex);
}

/* On the diagnostics worker: the writer keeps @snapshot, the history gets
 * a copy. */
static void
on_snapshot (const QksSnapshot *snapshot,
             gpointer           user_data)
{
  Inbox *inbox = user_data;

  g_mutex_lock (&inbox->mutex);
  g_ptr_array_add (inbox->snapshots, qks_snapshot_copy (snapshot));
  schedule_dispatch (inbox);
  g_mutex_unlock (&inbox->mutex);
}

/* The end of a run: join the trainer and let the recorder finish writing,
 * in a thread, so that the main loop never waits for them. */
static void
end_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Inbox *run = task_data;
  GError *error = NULL;
  GError *record_error = NULL;

  qks_trainer_stop (run->trainer);
  qks_trainer_join (run->trainer, &error);
  if (!qks_recorder_finish (run->recorder, &record_error) && error == NULL)
    error = record_error;
  else
    g_clear_error (&record_error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
end_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Inbox *run = g_task_get_task_data (G_TASK (result));
  g_autoptr(QksSession) self = g_weak_ref_get (&run->session);
  g_autoptr(GError) error = NULL;
  QksTrainerState trainer_state = qks_trainer_get_state (run->trainer);

  g_task_propagate_boolean (G_TASK (result), &error);
  if (g_application_get_default () != NULL)
    g_application_release (g_application_get_default ());
  /* Whatever the threads posted last reaches the history first. */
  dispatch_inbox (run);
  if (self == NULL)
    return;

  if (error != NULL)
    {
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      set_state (self, QKS_SESSION_FAILED);
    }
  else
    set_state (self, trainer_state == QKS_TRAINER_FINISHED ? QKS_SESSION_FINISHED : QKS_SESSION_STOPPED);
}

static void
end_run (QksSession *self)
{
  g_autoptr(GTask) task = NULL;
  Inbox *run = g_steal_pointer (&self->run);

  if (run == NULL)
    return;
  g_clear_handle_id (&self->watch_id, g_source_remove);

  /* The task holds the run (our reference) until its threads are done, and
   * the application stays up until the file is finished. */
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());
  task = g_task_new (NULL, NULL, end_done, NULL);
  g_task_set_task_data (task, run, (GDestroyNotify) inbox_unref);
  g_task_run_in_thread (task, end_in_thread);
}

/* The trainer says when it is done only through its state: look often. */
static gboolean
watch_trainer (gpointer user_data)
{
  QksSession *self = user_data;
  QksTrainerState state;

  if (self->run == NULL)
    {
      self->watch_id = 0;
      return G_SOURCE_REMOVE;
    }
  state = qks_trainer_get_state (self->run->trainer);
  if (state == QKS_TRAINER_PAUSED)
    set_state (self, QKS_SESSION_PAUSED);
  else if (state == QKS_TRAINER_RUNNING)
    set_state (self, QKS_SESSION_RUNNING);
  else if (state == QKS_TRAINER_FINISHED || state == QKS_TRAINER_STOPPED || state == QKS_TRAINER_FAILED)
    {
      self->watch_id = 0;
      end_run (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The longest the main loop went without running: a 10 ms timer that
 * notes how late it fires. */
static gboolean
measure_stall (gpointer user_data)
{
  QksSession *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->last_tick != 0)
    {
      double stall = (now - self->last_tick) / 1e3 - 10.0;

      if (stall > 20.0)
        g_debug ("main loop stalled for %.1f ms", stall);
      self->longest_stall = MAX (self->longest_stall, stall);
    }
  self->last_tick = now;
  return G_SOURCE_CONTINUE;
}

QksSession *
qks_session_new (void)
{
  return g_object_new (QKS_TYPE_SESSION, NULL);
}

/**
 * qks_session_new_for_file:
 * @path: a .qkrun file
 *
 * Returns: (transfer full): a session showing the run in @path, or %NULL
 *   with @error saying what is wrong with the file.
 */
QksSession *
qks_session_new_for_file (const char  *path,
                          GError     **error)
{
  g_autoptr(QksSession) self = qks_session_new ();
  QksHistory *history = qks_history_open (path, error);

  if (history == NULL)
    return NULL;
  g_clear_pointer (&self->history, qks_history_unref);
  self->history = history;
  self->run_path = g_strdup (path);
  g_free (self->title);
  self->title = g_filename_display_basename (path);
  self->state = QKS_SESSION_LOADED;
  return g_steal_pointer (&self);
}

static void
on_checkpoint_snapshot (QksSession *self,
                        guint       step)
{
  g_signal_emit (self, signals[SNAPSHOT_ADDED], 0, step);
}

/**
 * qks_session_new_for_checkpoints:
 * @path: a checkpoint written by another program (a .safetensors file, a
 *   model folder) or a folder of checkpoints named by step
 *
 * The checkpoints are analysed in the background: the session's history
 * grows by a snapshot per checkpoint ("snapshot-added"), and a folder is
 * watched for new ones; see qks_session_get_checkpoints().
 *
 * Returns: (transfer full): the session, or %NULL with @error set.
 */
QksSession *
qks_session_new_for_checkpoints (const char           *path,
                                 const QksDiagOptions *options,
                                 GError              **error)
{
  g_autoptr(QksSession) self = qks_session_new ();
  g_autofree char *name = g_filename_display_basename (path);

  g_clear_pointer (&self->history, qks_history_unref);
  self->history = qks_history_new (name);
  self->checkpoints = qks_checkpoint_watch_new (path, self->history, options, error);
  if (self->checkpoints == NULL)
    return NULL;
  g_signal_connect_swapped (self->checkpoints, "snapshot-added", G_CALLBACK (on_checkpoint_snapshot), self);
  g_free (self->title);
  self->title = g_steal_pointer (&name);
  self->state = QKS_SESSION_LOADED;
  return g_steal_pointer (&self);
}

/**
 * qks_session_get_checkpoints:
 *
 * Returns: (nullable) (transfer none): what analyses the checkpoints of
 *   a session made by qks_session_new_for_checkpoints()
 */
QksCheckpointWatch *
qks_session_get_checkpoints (QksSession *self)
{
  return self->checkpoints;
}

/* Hands @trainer and @recorder to a new live run and starts it; the
 * session shows @history, which the run extends. */
static gboolean
start_run (QksSession   *self,
           QksTrainer   *trainer,
           QksRecorder  *recorder,
           QksHistory   *history,
           const char   *title,
           const char   *run_path,
           GError      **error)
{
  const QksTrainConfig *config = qks_trainer_get_config (trainer);

  g_clear_pointer (&self->history, qks_history_unref);
  self->history = history;
  qks_history_set_config (self->history, config);
  g_free (self->title);
  self->title = g_strdup (title);
  if (run_path != self->run_path)
    {
      g_free (self->run_path);
      self->run_path = g_strdup (run_path);
    }
  g_clear_error (&self->error);
  memset (&self->progress, 0, sizeof self->progress);
  self->progress.step = qks_trainer_get_step (trainer);
  self->progress.total_steps = config->steps;

  self->run = inbox_new (self);
  self->run->flops_per_step = 3.0 * qks_model_forward_flops (&config->model, config->model.seq_len) *
                              config->batch_size;
  qks_recorder_attach (recorder, trainer);
  qks_recorder_set_snapshot_func (recorder, on_snapshot, self->run);
  qks_trainer_set_progress_func (trainer, on_progress, self->run);
  self->run->trainer = trainer;
  self->run->recorder = recorder;
  if (!qks_trainer_start (self->run->trainer, error))
    {
      g_clear_pointer (&self->run, inbox_unref);
      return FALSE;
    }

  self->watch_id = g_timeout_add (100, watch_trainer, self);
  set_state (self, QKS_SESSION_RUNNING);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  return TRUE;
}

/**
 * qks_session_start:
 * @run_path: the .qkrun file the run is written to as it goes
 *
 * Starts training on its own thread, with diagnostics on another.
 */
gboolean
qks_session_start (QksSession           *self,
                   const QksTrainConfig *config,
                   const QksDiagOptions *options,
                   const char           *run_path,
                   GError              **error)
{
  g_autoptr(QksTrainer) trainer = NULL;
  g_autoptr(QksRecorder) recorder = NULL;
  g_autofree char *description = NULL;

  g_return_val_if_fail (self->run == NULL, FALSE);

  if ((trainer = qks_trainer_new (config, error)) == NULL ||
      (recorder = qks_recorder_new (run_path, config, options, TRUE, error)) == NULL)
    return FALSE;

  description = qks_model_config_describe (&config->model);
  return start_run (self, g_steal_pointer (&trainer), g_steal_pointer (&recorder),
                    qks_history_new (description), qks_attn_kind_get_label (config->model.attention),
                    run_path, error);
}

/**
 * qks_session_resume_run:
 * @run_path: a .qkrun file, e.g. the one the session shows
 * @steps: the new total number of steps, or 0 to keep the run's
 *
 * Continues the run in @run_path from its latest checkpoint
 * (qks_trainer_new_from_run()), writing to the same file: its records
 * after that checkpoint are dropped, and the session shows the run's
 * history up to there, growing as the run goes.
 *
 * Returns: %FALSE with @error naming the file and why the run cannot be
 *   resumed (no checkpoint, a checkpoint without optimizer state from an
 *   older QK Scope, already at @steps, damaged); the file is then left as
 *   it was and the session unchanged.
 */
gboolean
qks_session_resume_run (QksSession           *self,
                        const char           *run_path,
                        guint                 steps,
                        const QksDiagOptions *options,
                        GError              **error)
{
  g_autoptr(QksTrainer) trainer = NULL;
  g_autoptr(QksRecorder) recorder = NULL;
  g_autoptr(QksHistory) history = NULL;
  g_autofree char *title = NULL;

  g_return_val_if_fail (self->run == NULL, FALSE);
  g_return_val_if_fail (run_path != NULL, FALSE);

  /* The trainer only reads the file: it refuses a run that cannot be
   * resumed before anything is changed. */
  if ((trainer = qks_trainer_new_from_run (run_path, steps, error)) == NULL ||
      (recorder = qks_recorder_new_append (run_path, qks_trainer_get_config (trainer),
                                           qks_trainer_get_step (trainer), options, error)) == NULL ||
      (history = qks_history_open (run_path, error)) == NULL)
    return FALSE;

  title = g_filename_display_basename (run_path);
  return start_run (self, g_steal_pointer (&trainer), g_steal_pointer (&recorder),
                    g_steal_pointer (&history), title, run_path, error);
}

void
qks_session_pause (QksSession *self)
{
  if (self->run != NULL)
    qks_trainer_pause (self->run->trainer);
}

void
qks_session_resume (QksSession *self)
{
  if (self->run != NULL)
    qks_trainer_resume (self->run->trainer);
}

/**
 * qks_session_stop:
 *
 * Stops after the current step; the run file is finished and closed in the
 * background, and the state becomes STOPPED then.
 */
void
qks_session_stop (QksSession *self)
{
  if (self->run != NULL)
    qks_trainer_stop (self->run->trainer);
}

QksSessionState
qks_session_get_state (QksSession *self)
{
  return self->state;
}

QksHistory *
qks_session_get_history (QksSession *self)
{
  return self->history;
}

const char *
qks_session_get_title (QksSession *self)
{
  return self->title;
}

/**
 * qks_session_get_run_path:
 *
 * Returns: (nullable): the .qkrun file of the session.
 */
const char *
qks_session_get_run_path (QksSession *self)
{
  return self->run_path;
}

/**
 * qks_session_get_trainer:
 *
 * Returns: (nullable) (transfer none): the trainer of a live run, which
 *   its own thread owns: only its thread-safe calls (state, pause, stop)
 *   may be used, or any call while it is paused.
 */
QksTrainer *
qks_session_get_trainer (QksSession *self)
{
  return self->run != NULL ? self->run->trainer : NULL;
}

const QksTrainProgress *
qks_session_get_progress (QksSession *self)
{
  return &self->progress;
}

/**
 * qks_session_get_error:
 *
 * Returns: (nullable): why the run failed.
 */
const GError *
qks_session_get_error (QksSession *self)
{
  return self->error;
}

/**
 * qks_session_get_longest_stall:
 *
 * Returns: the longest the main loop was late, in ms, while this session
 *   was alive (DESIGN.md: the UI never waits on work).
 */
double
qks_session_get_longest_stall (QksSession *self)
{
  return self->longest_stall;
}

static void
qks_session_dispose (GObject *object)
{
  QksSession *self = QKS_SESSION (object);

  /* Closing cancels the run; the file is finished in the background. */
  end_run (self);
  g_clear_handle_id (&self->watch_id, g_source_remove);
  g_clear_handle_id (&self->stall_id, g_source_remove);
  if (self->checkpoints != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->checkpoints, self);
      qks_checkpoint_watch_cancel (self->checkpoints);
      g_clear_object (&self->checkpoints);
    }

  G_OBJECT_CLASS (qks_session_parent_class)->dispose (object);
}

static void
qks_session_finalize (GObject *object)
{
  QksSession *self = QKS_SESSION (object);

  g_clear_pointer (&self->history, qks_history_unref);
  g_free (self->title);
  g_free (self->run_path);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (qks_session_parent_class)->finalize (object);
}

static void
qks_session_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QksSession *self = QKS_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qks_session_class_init (QksSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qks_session_dispose;
  object_class->finalize = qks_session_finalize;
  object_class->get_property = qks_session_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, QKS_SESSION_EMPTY, QKS_SESSION_FAILED, QKS_SESSION_EMPTY,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STEPS_ADDED] = g_signal_new ("steps-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SNAPSHOT_ADDED] = g_signal_new ("snapshot-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
qks_session_init (QksSession *self)
{
  self->history = qks_history_new (_("New run"));
  self->title = g_strdup (_("New run"));
  self->stall_id = g_timeout_add (10, measure_stall, self);
}
