/* test-history.c: a run's history, live or read from its file
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "qks-history.h"
#include "qks-json.h"

static QksSnapshot *
snapshot_at (guint step)
{
  QksSnapshot *snapshot = qks_snapshot_new (step);

  for (guint layer = 0; layer < 3; layer++)
    qks_snapshot_add_metric (snapshot, layer, QKS_WHOLE_LAYER, QKS_FORM_QK, "n_spikes",
                             step * 10.0 + layer, QKS_METRIC_FLAG_NONE);
  return snapshot;
}

static void
check_history (QksHistory *history,
               gboolean    from_file)
{
  g_autoptr(GArray) series = NULL;
  g_autoptr(GError) error = NULL;
  GArray *steps = qks_history_get_snapshot_steps (history);
  QksSnapshot *snapshot;

  g_assert_cmpuint (qks_history_get_n_steps (history), ==, 40);
  g_assert_cmpuint (qks_history_get_steps (history)[39].step, ==, 40);
  g_assert_cmpuint (steps->len, ==, 5);
  g_assert_cmpuint (g_array_index (steps, guint, 4), ==, 40);

  /* The snapshot shown at a step is the last one at or before it. */
  g_assert_cmpuint (qks_history_find_snapshot_step (history, 0), ==, 0);
  g_assert_cmpuint (qks_history_find_snapshot_step (history, 25), ==, 20);
  g_assert_cmpuint (qks_history_find_snapshot_step (history, 1000), ==, 40);

  snapshot = qks_history_get_snapshot (history, 30, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (qks_snapshot_find_metric (snapshot, 2, QKS_WHOLE_LAYER, QKS_FORM_QK, "n_spikes")->value, ==, 302.0);
  g_assert_null (qks_history_get_snapshot (history, 31, &error));
  g_assert_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  series = qks_history_get_metric_series (history, 1, QKS_WHOLE_LAYER, QKS_FORM_QK, "n_spikes", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 5);
  for (guint i = 0; i < series->len; i++)
    g_assert_cmpfloat (g_array_index (series, QksMetricPoint, i).value, ==, g_array_index (series, QksMetricPoint, i).step * 10.0 + 1);
  g_assert_cmpuint (qks_history_get_n_layers (history), ==, from_file ? 4 : 3);
}

static void
fill (QksHistory   *history,
      QksRunWriter *writer)
{
  for (guint step = 1; step <= 40; step++)
    {
      QksStepRecord record = { step, 0.0, 5.0 - step * 0.05, step % 10 ? NAN : 4.0, 3e-4, 1.0, 1000.0, step * 1e9 };

      if (history != NULL)
        qks_history_add_step (history, &record);
      if (writer != NULL)
        qks_run_writer_append_step (writer, &record);
    }
  for (guint step = 0; step <= 40; step += 10)
    {
      if (history != NULL)
        qks_history_add_snapshot (history, snapshot_at (step));
      if (writer != NULL)
        qks_run_writer_append_snapshot (writer, snapshot_at (step));
    }
}

static void
test_history_live (void)
{
  g_autoptr(QksHistory) history = qks_history_new ("live");

  fill (history, NULL);
  check_history (history, FALSE);
  g_assert_false (qks_history_has_config (history));
}

static void
test_history_from_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qks-history-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(QksHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  gboolean changed = TRUE;

  qks_train_config_init_defaults (&config);
  node = qks_train_config_to_json (&config);
  text = qks_json_to_string (node, FALSE);
  writer = qks_run_writer_create (path, text, FALSE, &error);
  g_assert_no_error (error);
  fill (NULL, writer);
  g_assert_true (qks_run_writer_flush (writer, &error));

  history = qks_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_history_has_config (history));
  g_assert_cmpuint (qks_history_get_config (history)->model.n_layers, ==, 4);
  check_history (history, TRUE);

  /* Another process goes on writing: a refresh takes it in. */
  g_assert_true (qks_history_refresh (history, &changed, &error));
  g_assert_false (changed);
  {
    QksStepRecord record = { 41, 0.0, 2.0, NAN, 3e-4, 1.0, 1000.0, 41e9 };

    qks_run_writer_append_step (writer, &record);
    qks_run_writer_append_snapshot (writer, snapshot_at (41));
    g_assert_true (qks_run_writer_flush (writer, &error));
  }
  g_assert_true (qks_history_refresh (history, &changed, &error));
  g_assert_true (changed);
  g_assert_cmpuint (qks_history_get_n_steps (history), ==, 41);
  g_assert_cmpuint (qks_history_find_snapshot_step (history, 1000), ==, 41);

  g_assert_true (qks_run_writer_close (writer, NULL));
  g_clear_pointer (&history, qks_history_unref);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
  }
  g_remove (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/history/live", test_history_live);
  g_test_add_func ("/history/from-file", test_history_from_file);

  return g_test_run ();
}
