/* test-session.c: a live run in the app: threads, inbox, history, ending
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "qks-session.h"

static void
small_config (QksTrainConfig *config,
              guint           steps)
{
  qks_train_config_init_defaults (config);
  g_assert_true (qks_model_config_init_sizes (&config->model, 32, 2, 2, 32, NULL));
  config->corpus_bytes = 128 * 1024;
  config->steps = steps;
  config->optim.total_steps = steps;
  config->optim.warmup_steps = 5;
  config->eval_every = 10;
  config->diag_every = 10;
}

static void
small_options (QksDiagOptions *options)
{
  qks_diag_options_init (options);
  options->mc_draws = 20;
}

static gboolean
ended (QksSessionState state)
{
  return state == QKS_SESSION_FINISHED || state == QKS_SESSION_STOPPED || state == QKS_SESSION_FAILED;
}

static void
run_until (QksSession *session,
           gboolean  (*done) (QksSession *))
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!done (session))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("the run did not end within a minute");
    }
}

static gboolean
has_ended (QksSession *session)
{
  return ended (qks_session_get_state (session));
}

static char *
temp_run_path (char **dir)
{
  *dir = g_dir_make_tmp ("qks-session-XXXXXX", NULL);
  return g_build_filename (*dir, "run.qkrun", NULL);
}

static void
remove_run (const char *dir,
            const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_remove (wal);
  g_remove (shm);
  g_remove (path);
  g_rmdir (dir);
}

static void
on_snapshot_added (QksSession *session,
                   guint       step,
                   gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* A run reaches its history through the main loop only, all of it. */
static void
test_session_runs_to_the_end (void)
{
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  g_autoptr(QksSession) session = qks_session_new ();
  g_autoptr(QksSession) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_run_path (&dir);
  QksHistory *history;
  guint snapshots_seen = 0;

  small_config (&config, 60);
  small_options (&options);
  g_signal_connect (session, "snapshot-added", G_CALLBACK (on_snapshot_added), &snapshots_seen);
  g_assert_true (qks_session_start (session, &config, &options, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_RUNNING);

  run_until (session, has_ended);
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_FINISHED);
  history = qks_session_get_history (session);
  g_assert_cmpuint (qks_history_get_n_steps (history), ==, 60);
  /* 0, 1, 2, 4, 8, then 10, 20, …, 60 */
  g_assert_cmpuint (qks_history_get_snapshot_steps (history)->len, ==, 11);
  g_assert_cmpuint (snapshots_seen, ==, 11);
  g_assert_cmpuint (qks_session_get_progress (session)->step, ==, 60);
  g_test_message ("longest main-loop stall during the run: %.1f ms", qks_session_get_longest_stall (session));

  /* And the file holds the same. */
  loaded = qks_session_new_for_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qks_session_get_state (loaded), ==, QKS_SESSION_LOADED);
  g_assert_cmpuint (qks_history_get_n_steps (qks_session_get_history (loaded)), ==, 60);
  g_assert_cmpuint (qks_history_get_snapshot_steps (qks_session_get_history (loaded))->len, ==, 11);
  g_clear_object (&loaded);
  remove_run (dir, path);
}

static gboolean
past_step_5 (QksSession *session)
{
  return qks_session_get_progress (session)->step >= 5;
}

static void
test_session_stop_keeps_the_file (void)
{
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  g_autoptr(QksSession) session = qks_session_new ();
  g_autoptr(QksSession) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_run_path (&dir);
  guint stopped_at;

  small_config (&config, 100000);
  small_options (&options);
  g_assert_true (qks_session_start (session, &config, &options, path, &error));
  run_until (session, past_step_5);
  qks_session_pause (session);
  qks_session_stop (session);
  run_until (session, has_ended);
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_STOPPED);
  stopped_at = qks_history_get_n_steps (qks_session_get_history (session));
  g_assert_cmpuint (stopped_at, <, 100000);

  loaded = qks_session_new_for_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qks_history_get_n_steps (qks_session_get_history (loaded)), ==, stopped_at);
  g_clear_object (&loaded);
  remove_run (dir, path);
}

/* Closing the window drops the session mid-run: the run is cancelled and
 * its file finished in the background, consistent. */
static void
test_session_dropped_mid_run (void)
{
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  QksSession *session = qks_session_new ();
  g_autoptr(QksSession) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_run_path (&dir);
  gint64 deadline;

  small_config (&config, 100000);
  small_options (&options);
  g_assert_true (qks_session_start (session, &config, &options, path, &error));
  run_until (session, past_step_5);
  g_object_unref (session);

  /* The ending runs in a thread and reports on the main loop. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (loaded == NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
      {
        g_autofree char *wal = g_strconcat (path, "-wal", NULL);

        /* The writer folds its log back and removes it when it closes. */
        if (!g_file_test (wal, G_FILE_TEST_EXISTS))
          loaded = qks_session_new_for_file (path, NULL);
      }
    }
  g_assert_nonnull (loaded);
  g_assert_cmpuint (qks_history_get_n_steps (qks_session_get_history (loaded)), >=, 5);
  g_clear_object (&loaded);
  remove_run (dir, path);
}

/* The window's "resume training" on an opened run: a run stopped at some
 * step is continued in its own file, and ends where a run that was never
 * stopped ends, bit for bit; the session shows the whole history. */
static void
test_session_resumes_a_run (void)
{
  g_auto(QksTrainConfig) config = { 0 };
  QksDiagOptions options;
  g_autoptr(QksSession) session = qks_session_new ();
  g_autoptr(QksSession) straight = qks_session_new ();
  g_autoptr(QksSession) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = temp_run_path (&dir);
  g_autofree char *straight_path = g_build_filename (dir, "straight.qkrun", NULL);
  QksHistory *history;
  const QksStepRecord *steps, *expected;
  guint stopped_at, total;

  small_config (&config, 100000);
  small_options (&options);
  g_assert_true (qks_session_start (session, &config, &options, path, &error));
  g_assert_no_error (error);
  run_until (session, past_step_5);
  qks_session_stop (session);
  run_until (session, has_ended);
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_STOPPED);
  stopped_at = qks_session_get_progress (session)->step;
  g_clear_object (&session);

  /* Opened, as the window opens it, then resumed for 12 more steps. */
  total = stopped_at + 12;
  g_test_message ("stopped at step %u, resumed to step %u", stopped_at, total);
  session = qks_session_new_for_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_session_resume_run (session, path, total, &options, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_RUNNING);
  g_assert_cmpstr (qks_session_get_run_path (session), ==, path);
  run_until (session, has_ended);
  g_assert_cmpint (qks_session_get_state (session), ==, QKS_SESSION_FINISHED);
  g_assert_cmpuint (qks_session_get_progress (session)->step, ==, total);
  history = qks_session_get_history (session);
  g_assert_cmpuint (qks_history_get_n_steps (history), ==, total);
  g_assert_cmpuint (qks_history_get_config (history)->steps, ==, total);

  /* The same schedule (its learning rate decays over 100000 steps), never
   * stopped. */
  config.steps = total;
  g_assert_true (qks_session_start (straight, &config, &options, straight_path, &error));
  run_until (straight, has_ended);
  g_assert_cmpint (qks_session_get_state (straight), ==, QKS_SESSION_FINISHED);

  loaded = qks_session_new_for_file (path, &error);
  g_assert_no_error (error);
  history = qks_session_get_history (loaded);
  g_assert_cmpuint (qks_history_get_n_steps (history), ==, total);
  steps = qks_history_get_steps (history);
  expected = qks_history_get_steps (qks_session_get_history (straight));
  for (guint i = 0; i < total; i++)
    {
      g_assert_cmpuint (steps[i].step, ==, i + 1);
      g_assert_cmpuint (expected[i].step, ==, i + 1);
      g_assert_cmpmem (&steps[i].train_loss, sizeof (double), &expected[i].train_loss, sizeof (double));
      g_assert_cmpmem (&steps[i].grad_norm, sizeof (double), &expected[i].grad_norm, sizeof (double));
    }
  g_assert_cmpuint (qks_history_get_snapshot_steps (history)->len, ==,
                    qks_history_get_snapshot_steps (qks_session_get_history (straight))->len);

  /* Finished: it cannot be resumed without more steps, and the session and
   * the file stay as they were. */
  g_clear_object (&loaded);
  loaded = qks_session_new_for_file (path, &error);
  g_assert_false (qks_session_resume_run (loaded, path, 0, &options, &error));
  g_assert_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_RESUME);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpint (qks_session_get_state (loaded), ==, QKS_SESSION_LOADED);
  g_assert_cmpuint (qks_history_get_n_steps (qks_session_get_history (loaded)), ==, total);
  g_clear_error (&error);

  g_clear_object (&loaded);
  g_clear_object (&session);
  g_clear_object (&straight);
  /* Both runs ended (their files are closed then): only readers had them. */
  {
    g_autofree char *wal = g_strconcat (straight_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (straight_path, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
    g_remove (straight_path);
  }
  remove_run (dir, path);
}

static void
test_session_refuses_a_bad_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksSession) session = qks_session_new_for_file ("/nonexistent/run.qkrun", &error);

  g_assert_null (session);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "run.qkrun"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/runs-to-the-end", test_session_runs_to_the_end);
  g_test_add_func ("/session/stop-keeps-the-file", test_session_stop_keeps_the_file);
  g_test_add_func ("/session/dropped-mid-run", test_session_dropped_mid_run);
  g_test_add_func ("/session/resumes-a-run", test_session_resumes_a_run);
  g_test_add_func ("/session/refuses-a-bad-file", test_session_refuses_a_bad_file);

  return g_test_run ();
}
