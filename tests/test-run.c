/* test-run.c: the .qkrun file: round trips, concurrent reading, crashes, failures
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "qks-json.h"
#include "qks-run.h"
#include "qks-trainer.h"

/* The test binary, run again as the child that the SIGKILL test kills. */
static char *test_binary;

/* Files ------------------------------------------------------------------------ */

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("qks-run-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_remove (file);
    }
  g_rmdir (path);
}

static char *
config_json (guint steps)
{
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(JsonNode) node = NULL;

  qks_train_config_init_defaults (&config);
  config.steps = steps;
  node = qks_train_config_to_json (&config);
  return qks_json_to_string (node, FALSE);
}

/* Snapshots made by hand ----------------------------------------------------- */

static const char *const metric_names[] = {
  "effective_rank", "n_spikes", "stable_rank", "top_eigenvalue", "alpha", "kl_to_null",
  "bulk_fraction", "spike_mass", "hdi", "gram_diversity", "participation", "entropy_rank",
  "mp_ks", "tw_statistic", "norm_frobenius",
};

/* A value with every kind of double in it, from (step, i). */
static double
metric_value (guint step,
              guint i)
{
  switch (i % 29)
    {
    case 3:
      return NAN;
    case 7:
      return -INFINITY;
    case 11:
      return INFINITY;
    case 13:
      return -0.0;
    case 17:
      return (double) (step * 1000 + i);  /* integral: SQLite stores it as an integer */
    case 19:
      return DBL_MIN / 4;                 /* subnormal */
    default:
      return sin (step * 0.37 + i) * pow (10.0, (double) (i % 21) - 10.0);
    }
}

/* Metric rows (the first is a known series), spectra with fits and chains,
 * matrices, curves and events: a deterministic function of the step. */
static QksSnapshot *
make_snapshot (guint step,
               guint n_metrics,
               guint n_spectra,
               guint spectrum_length)
{
  QksSnapshot *snapshot = qks_snapshot_new (step);
  g_autofree double *values = g_new (double, MAX (spectrum_length, 16));

  qks_snapshot_add_metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "effective_rank",
                           step * 0.5, step % 3 == 0 ? QKS_METRIC_FLAG_UNRELIABLE : 0);
  for (guint i = 1; i < n_metrics; i++)
    qks_snapshot_add_metric (snapshot, i % 8, (int) ((i / 8) % 9) - 1,
                             (QksFormKind) ((i / 72) % QKS_FORM_N_KINDS),
                             metric_names[(i / 360) % G_N_ELEMENTS (metric_names)],
                             metric_value (step, i), (QksMetricFlags) (i % 4));

  for (guint i = 0; i < n_spectra; i++)
    {
      QksSpectrumRecord *record;

      for (guint k = 0; k < spectrum_length; k++)
        values[k] = (spectrum_length - k) * (1.0 + 0.001 * step) / (1.0 + i);
      record = qks_snapshot_add_spectrum (snapshot, i % 4, (int) (i / 4) % 8, (QksFormKind) (i % 2),
                                          2 * spectrum_length, spectrum_length, values,
                                          spectrum_length);
      record->sigma2 = 1.0 + 0.01 * i;
      record->lambda_minus = 0.1 * step;
      record->lambda_plus = 2.5 + 1e-3 * i;
      record->lambda_threshold = i % 5 == 0 ? NAN : 2.75 + 1e-3 * i;
      record->null_law = g_strdup (i % 2 ? "product" : "mp");
      record->estimator = g_strdup ("E2");
      record->threshold = i % 7 == 0 ? NULL : g_strdup ("tw-j-99");
      record->chain_length = i % 4;
      for (guint c = 0; c < record->chain_length; c++)
        record->chain[c] = 128 >> c;
    }

  for (guint k = 0; k < 16; k++)
    values[k] = cos (step + k);
  qks_snapshot_add_matrix (snapshot, 0, "angles-q", 4, 4, values);
  qks_snapshot_add_matrix (snapshot, 1, "gram-qk", 2, 3, values);
  qks_snapshot_add_curve (snapshot, 0, 2, "kqsvd", 16, values);
  qks_snapshot_add_curve (snapshot, 1, QKS_WHOLE_LAYER, "variance-explained", 7, values);
  qks_snapshot_add_event (snapshot, 1, "rank-collapse", "layer 1 fell to rank 3");
  return snapshot;
}

/* What a snapshot can hold at its edges: no rows, NULL strings, rank 0,
 * and metric values of every bit pattern. */
static void
add_edge_cases (QksSnapshot *snapshot)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const guint64 patterns[] = {
    G_GUINT64_CONSTANT (0x7ff8000000000123),  /* quiet NaN with a payload */
    G_GUINT64_CONSTANT (0xfff8000000000000),  /* negative NaN */
    G_GUINT64_CONSTANT (0x7ff0000000000001),  /* signalling NaN */
    G_GUINT64_CONSTANT (0x8000000000000000),  /* −0.0 */
    G_GUINT64_CONSTANT (0x0000000000000001),  /* smallest subnormal */
    G_GUINT64_CONSTANT (0x7fefffffffffffff),  /* DBL_MAX */
    G_GUINT64_CONSTANT (0x43e0000000000000),  /* 2⁶³: integral, outside int64 */
    G_GUINT64_CONSTANT (0xc3e0000000000000),  /* −2⁶³: integral, inside */
    G_GUINT64_CONSTANT (0x4340000000000001),  /* 2⁵³ + 2 */
  };
  double one = 1.0, value;
  QksSpectrumRecord *record;

  for (guint i = 0; i < G_N_ELEMENTS (patterns) + 1000; i++)
    {
      guint64 bits = i < G_N_ELEMENTS (patterns)
        ? patterns[i]
        : ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);

      memcpy (&value, &bits, sizeof value);
      qks_snapshot_add_metric (snapshot, 7, 3, QKS_FORM_OV, "bits", value, 0);
    }
  /* The same key twice: both rows come back, in order. */
  qks_snapshot_add_metric (snapshot, 0, QKS_WHOLE_LAYER, QKS_FORM_QK, "effective_rank", -1.0,
                           QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION | 0x100);

  record = qks_snapshot_add_spectrum (snapshot, 3, QKS_WHOLE_LAYER, QKS_FORM_CROSS_GRAM, 0, 0,
                                      &one, 0);
  record->sigma2 = NAN;
  record->lambda_minus = NAN;
  record->lambda_plus = INFINITY;
  record->lambda_threshold = -INFINITY;
  record->chain_length = 8;
  for (guint c = 0; c < 8; c++)
    record->chain[c] = G_MAXUINT - c;

  qks_snapshot_add_matrix (snapshot, 2, NULL, 0, 5, &one);
  qks_snapshot_add_curve (snapshot, 2, 0, "empty", 0, &one);
  qks_snapshot_add_event (snapshot, 0, "note", NULL);
  qks_snapshot_add_event (snapshot, 0, NULL, "é ünïcode ✓");
}

static void
assert_same_double (double a,
                    double b)
{
  if (isnan (a))
    g_assert_true (isnan (b));
  else
    g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
}

static void
assert_snapshots_equal (const QksSnapshot *a,
                        const QksSnapshot *b)
{
  g_assert_cmpuint (a->step, ==, b->step);

  g_assert_cmpuint (a->metrics->len, ==, b->metrics->len);
  for (guint i = 0; i < a->metrics->len; i++)
    {
      const QksMetricRow *x = &g_array_index (a->metrics, QksMetricRow, i);
      const QksMetricRow *y = &g_array_index (b->metrics, QksMetricRow, i);

      g_assert_cmpuint (x->layer, ==, y->layer);
      g_assert_cmpint (x->head, ==, y->head);
      g_assert_cmpint (x->form, ==, y->form);
      g_assert_true (x->name == y->name);  /* both interned */
      g_assert_cmpmem (&x->value, sizeof (double), &y->value, sizeof (double));
      g_assert_cmpuint (x->flags, ==, y->flags);
    }

  g_assert_cmpuint (a->spectra->len, ==, b->spectra->len);
  for (guint i = 0; i < a->spectra->len; i++)
    {
      const QksSpectrumRecord *x = g_ptr_array_index (a->spectra, i);
      const QksSpectrumRecord *y = g_ptr_array_index (b->spectra, i);

      g_assert_cmpuint (x->layer, ==, y->layer);
      g_assert_cmpint (x->head, ==, y->head);
      g_assert_cmpint (x->form, ==, y->form);
      g_assert_cmpuint (x->n_rows, ==, y->n_rows);
      g_assert_cmpuint (x->n_cols, ==, y->n_cols);
      g_assert_cmpuint (x->rank, ==, y->rank);
      g_assert_cmpmem (x->eigenvalues, x->rank * sizeof (double),
                       y->eigenvalues, y->rank * sizeof (double));
      assert_same_double (x->sigma2, y->sigma2);
      assert_same_double (x->lambda_minus, y->lambda_minus);
      assert_same_double (x->lambda_plus, y->lambda_plus);
      assert_same_double (x->lambda_threshold, y->lambda_threshold);
      g_assert_cmpstr (x->null_law, ==, y->null_law);
      g_assert_cmpstr (x->estimator, ==, y->estimator);
      g_assert_cmpstr (x->threshold, ==, y->threshold);
      g_assert_cmpmem (x->chain, x->chain_length * sizeof (guint),
                       y->chain, y->chain_length * sizeof (guint));
    }

  g_assert_cmpuint (a->matrices->len, ==, b->matrices->len);
  for (guint i = 0; i < a->matrices->len; i++)
    {
      const QksMatrixRecord *x = g_ptr_array_index (a->matrices, i);
      const QksMatrixRecord *y = g_ptr_array_index (b->matrices, i);

      g_assert_cmpuint (x->layer, ==, y->layer);
      g_assert_cmpstr (x->kind, ==, y->kind);
      g_assert_cmpuint (x->rows, ==, y->rows);
      g_assert_cmpuint (x->cols, ==, y->cols);
      g_assert_cmpmem (x->data, x->rows * x->cols * sizeof (double),
                       y->data, y->rows * y->cols * sizeof (double));
    }

  g_assert_cmpuint (a->curves->len, ==, b->curves->len);
  for (guint i = 0; i < a->curves->len; i++)
    {
      const QksCurveRecord *x = g_ptr_array_index (a->curves, i);
      const QksCurveRecord *y = g_ptr_array_index (b->curves, i);

      g_assert_cmpuint (x->layer, ==, y->layer);
      g_assert_cmpint (x->head, ==, y->head);
      g_assert_cmpstr (x->kind, ==, y->kind);
      g_assert_cmpmem (x->values, x->length * sizeof (double),
                       y->values, y->length * sizeof (double));
    }

  g_assert_cmpuint (a->events->len, ==, b->events->len);
  for (guint i = 0; i < a->events->len; i++)
    {
      const QksEventRecord *x = g_ptr_array_index (a->events, i);
      const QksEventRecord *y = g_ptr_array_index (b->events, i);

      g_assert_cmpuint (x->layer, ==, y->layer);
      g_assert_cmpstr (x->kind, ==, y->kind);
      g_assert_cmpstr (x->detail, ==, y->detail);
    }
}

static QksStepRecord
make_step_record (guint step)
{
  QksStepRecord record = {
    .step = step,
    .wall_time = 1.7e9 + step * 0.25,
    .train_loss = 5.5 / (1.0 + step),
    .val_loss = step % 10 == 0 ? 5.6 / (1.0 + step) : NAN,
    .learning_rate = 3e-4 * step / 100.0,
    .grad_norm = 1.0 + 1.0 / (1.0 + step),
    .tokens_per_second = 12345.5,
    .flops = 1e9 * step,
  };

  return record;
}

static void
assert_step_records_equal (const QksStepRecord *a,
                           const QksStepRecord *b)
{
  g_assert_cmpuint (a->step, ==, b->step);
  assert_same_double (a->wall_time, b->wall_time);
  assert_same_double (a->train_loss, b->train_loss);
  assert_same_double (a->val_loss, b->val_loss);
  assert_same_double (a->learning_rate, b->learning_rate);
  assert_same_double (a->grad_norm, b->grad_norm);
  assert_same_double (a->tokens_per_second, b->tokens_per_second);
  assert_same_double (a->flops, b->flops);
}

static QksRunWriter *
create_run (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = config_json (100);
  QksRunWriter *writer = qks_run_writer_create (path, json, FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (writer);
  return writer;
}

static void
assert_error_names_file (const GError *error,
                         int           code,
                         const char   *path)
{
  g_assert_error (error, QKS_RUN_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
}

/* Tests ------------------------------------------------------------------------ */

static void
test_run_round_trip (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autofree char *json = config_json (100);
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) records = NULL;
  g_autoptr(GArray) series = NULL;
  g_autoptr(GBytes) checkpoint = g_bytes_new_static ("\x08\0\0\0\0\0\0\0{}      ", 16);
  g_autoptr(GBytes) optimizer = g_bytes_new_static ("\x08\0\0\0\0\0\0\0{\"a\":1}", 15);
  g_autoptr(GBytes) loaded = NULL;
  g_autoptr(GBytes) loaded_weights = NULL;
  g_autoptr(GBytes) loaded_optimizer = NULL;
  QksStepRecord record;
  guint snapshot_steps[] = { 0, 1, 10, 250 };

  writer = qks_run_writer_create (path, json, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qks_run_writer_get_path (writer), ==, path);

  for (guint s = 0; s <= 20; s++)
    {
      record = make_step_record (s);
      qks_run_writer_append_step (writer, &record);
    }
  for (guint i = 0; i < G_N_ELEMENTS (snapshot_steps); i++)
    {
      QksSnapshot *snapshot = make_snapshot (snapshot_steps[i], 800, 20, 64);

      if (i == 1)
        add_edge_cases (snapshot);
      qks_run_writer_append_snapshot (writer, snapshot);
    }
  qks_run_writer_append_snapshot (writer, qks_snapshot_new (300));  /* empty */
  qks_run_writer_append_checkpoint (writer, 20, checkpoint, NULL);
  qks_run_writer_append_checkpoint (writer, 250, checkpoint, optimizer);
  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_no_error (error);
  g_assert_null (qks_run_writer_get_error (writer));

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qks_run_reader_get_config_json (reader), ==, json);
  g_assert_cmpint (qks_run_reader_get_schema_version (reader), ==, QKS_RUN_SCHEMA_VERSION);
  g_assert_cmpstr (qks_run_reader_get_meta (reader, "format"), ==, "qkrun");
  g_assert_cmpstr (qks_run_reader_get_meta (reader, "app_version"), ==, PACKAGE_VERSION);
  g_assert_nonnull (qks_run_reader_get_meta (reader, "created"));
  g_assert_true (qks_run_reader_check_integrity (reader, &error));
  g_assert_no_error (error);

  /* Step records, a NULL validation loss among them. */
  steps = qks_run_reader_list_steps (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 21);
  for (guint s = 0; s <= 20; s++)
    {
      QksStepRecord expected = make_step_record (s);

      g_assert_cmpuint (g_array_index (steps, guint, s), ==, s);
      g_assert_true (qks_run_reader_get_step_record (reader, s, &record, &error));
      g_assert_no_error (error);
      assert_step_records_equal (&record, &expected);
      g_assert_true (s % 10 == 0 ? !isnan (record.val_loss) : isnan (record.val_loss));
    }
  g_assert_false (qks_run_reader_get_step_record (reader, 21, &record, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_NOT_FOUND, path);
  g_clear_error (&error);
  records = qks_run_reader_load_step_records (reader, 15, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 6);
  g_assert_cmpuint (g_array_index (records, QksStepRecord, 0).step, ==, 15);

  /* Snapshots, record for record. */
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_snapshot_steps (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, G_N_ELEMENTS (snapshot_steps) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (snapshot_steps); i++)
    {
      g_autoptr(QksSnapshot) expected = make_snapshot (snapshot_steps[i], 800, 20, 64);
      g_autoptr(QksSnapshot) snapshot = NULL;

      if (i == 1)
        add_edge_cases (expected);
      g_assert_cmpuint (g_array_index (steps, guint, i), ==, snapshot_steps[i]);
      snapshot = qks_run_reader_load_snapshot (reader, snapshot_steps[i], &error);
      g_assert_no_error (error);
      assert_snapshots_equal (snapshot, expected);
    }
  {
    g_autoptr(QksSnapshot) empty = qks_run_reader_load_snapshot (reader, 300, &error);
    g_autoptr(QksSnapshot) expected = qks_snapshot_new (300);

    g_assert_no_error (error);
    assert_snapshots_equal (empty, expected);
    g_assert_null (qks_run_reader_load_snapshot (reader, 2, &error));
    assert_error_names_file (error, QKS_RUN_ERROR_NOT_FOUND, path);
    g_clear_error (&error);
  }

  /* One metric over training: the first row of each snapshot that has it. */
  series = qks_run_reader_load_metric_series (reader, 0, QKS_WHOLE_LAYER, QKS_FORM_QK,
                                              "effective_rank", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, G_N_ELEMENTS (snapshot_steps));
  for (guint i = 0; i < series->len; i++)
    {
      const QksMetricPoint *point = &g_array_index (series, QksMetricPoint, i);

      g_assert_cmpuint (point->step, ==, snapshot_steps[i]);
      g_assert_cmpfloat (point->value, ==, snapshot_steps[i] * 0.5);
      g_assert_cmpuint (point->flags, ==, snapshot_steps[i] % 3 == 0 ? QKS_METRIC_FLAG_UNRELIABLE : 0);
    }
  g_clear_pointer (&series, g_array_unref);
  series = qks_run_reader_load_metric_series (reader, 7, 3, QKS_FORM_OV, "bits", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 1);
  g_assert_true (isnan (g_array_index (series, QksMetricPoint, 0).value));
  g_clear_pointer (&series, g_array_unref);
  series = qks_run_reader_load_metric_series (reader, 0, 0, QKS_FORM_QK, "no-such-metric", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 0);

  /* Checkpoints, byte for byte; only one holds an optimizer state. */
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_checkpoint_steps (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 2);
  g_assert_cmpuint (g_array_index (steps, guint, 0), ==, 20);
  g_assert_cmpuint (g_array_index (steps, guint, 1), ==, 250);
  loaded = qks_run_reader_load_checkpoint (reader, 250, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded, checkpoint));
  g_assert_null (qks_run_reader_load_checkpoint (reader, 10, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_NOT_FOUND, path);
  g_clear_error (&error);

  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_resumable_steps (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 1);
  g_assert_cmpuint (g_array_index (steps, guint, 0), ==, 250);
  g_assert_true (qks_run_reader_load_training_state (reader, 250, &loaded_weights,
                                                     &loaded_optimizer, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded_weights, checkpoint));
  g_assert_true (g_bytes_equal (loaded_optimizer, optimizer));
  g_assert_false (qks_run_reader_load_training_state (reader, 20, &loaded_weights,
                                                      &loaded_optimizer, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_NOT_FOUND, path);
  g_assert_nonnull (strstr (error->message, "only the weights"));
  g_clear_error (&error);

  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

/* A step written again (a resumed run redoing steps) replaces the old. */
static void
test_run_resume_replaces (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) steps = NULL;
  g_autoptr(QksSnapshot) snapshot = NULL;
  g_autoptr(QksSnapshot) expected = make_snapshot (6, 50, 3, 8);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("weights", 7);
  QksStepRecord record;

  for (guint s = 1; s <= 10; s++)
    {
      record = make_step_record (s);
      qks_run_writer_append_step (writer, &record);
      qks_run_writer_append_snapshot (writer, make_snapshot (s, 300, 5, 16));
      qks_run_writer_append_checkpoint (writer, s, bytes, NULL);
    }
  g_assert_true (qks_run_writer_close (writer, &error));
  g_clear_pointer (&writer, qks_run_writer_free);

  /* Resume from the checkpoint at step 5: steps 6 … 10 are another
   * future, the redone step 6 a smaller snapshot. */
  writer = qks_run_writer_open_append (path, &error);
  g_assert_no_error (error);
  qks_run_writer_discard_after (writer, 5);
  qks_run_writer_append_snapshot (writer, make_snapshot (6, 50, 3, 8));
  record = make_step_record (6);
  record.train_loss = 0.125;
  qks_run_writer_append_step (writer, &record);
  g_assert_true (qks_run_writer_flush (writer, &error));
  g_assert_no_error (error);

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  steps = qks_run_reader_list_snapshot_steps (reader, &error);
  g_assert_cmpuint (steps->len, ==, 6);
  g_assert_cmpuint (g_array_index (steps, guint, 5), ==, 6);
  snapshot = qks_run_reader_load_snapshot (reader, 6, &error);
  g_assert_no_error (error);
  assert_snapshots_equal (snapshot, expected);
  g_assert_true (qks_run_reader_get_step_record (reader, 6, &record, &error));
  g_assert_cmpfloat (record.train_loss, ==, 0.125);
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_steps (reader, &error);
  g_assert_cmpuint (steps->len, ==, 6);
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_checkpoint_steps (reader, &error);
  g_assert_cmpuint (steps->len, ==, 5);

  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_no_error (error);
  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

/* A reader in this thread sees the committed steps grow while the writer
 * thread writes, and each snapshot it sees is whole. */
static void
test_run_read_while_writing (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  const guint N = 40;
  guint seen = 0, observations = 0;
  gboolean changed;

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_run_reader_refresh (reader, &changed, &error));
  g_assert_false (changed);

  for (guint s = 0; s < N; s++)
    {
      QksStepRecord record = make_step_record (s);
      g_autoptr(GArray) steps = NULL;

      qks_run_writer_append_step (writer, &record);
      qks_run_writer_append_snapshot (writer, make_snapshot (s, 1000, 10, 64));
      if (s % 10 == 9)
        {
          g_assert_true (qks_run_writer_flush (writer, &error));
          g_assert_no_error (error);
          g_assert_true (qks_run_reader_refresh (reader, &changed, &error));
          g_assert_true (changed);
        }

      steps = qks_run_reader_list_snapshot_steps (reader, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (steps->len, >=, seen);
      /* After a flush, everything appended is there. */
      if (s % 10 == 9)
        g_assert_cmpuint (steps->len, ==, s + 1);
      for (guint i = seen; i < steps->len; i++)
        {
          g_autoptr(QksSnapshot) snapshot = NULL;
          g_autoptr(QksSnapshot) expected = make_snapshot (i, 1000, 10, 64);

          g_assert_cmpuint (g_array_index (steps, guint, i), ==, i);
          snapshot = qks_run_reader_load_snapshot (reader, i, &error);
          g_assert_no_error (error);
          assert_snapshots_equal (snapshot, expected);
        }
      if (steps->len > seen)
        observations++;
      seen = steps->len;
    }
  g_test_message ("the reader saw the history grow %u times in %u appends", observations, N);
  g_assert_cmpuint (seen, ==, N);
  g_assert_cmpuint (observations, >=, N / 10);

  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_true (qks_run_reader_refresh (reader, &changed, &error));
  g_assert_false (changed);
  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

/* A file from before checkpoints kept the optimizer state: it opens, its
 * checkpoints are not resumable, and a writer that appends to it adds the
 * column and fills it. */
static void
test_run_older_checkpoints (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GBytes) weights = g_bytes_new_static ("weights", 7);
  g_autoptr(GBytes) optimizer = g_bytes_new_static ("optimizer", 9);
  g_autoptr(GBytes) loaded_weights = NULL;
  g_autoptr(GBytes) loaded_optimizer = NULL;
  sqlite3 *db = NULL;

  g_assert_true (qks_run_writer_close (writer, &error));
  g_clear_pointer (&writer, qks_run_writer_free);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE checkpoints DROP COLUMN optimizer; "
                                     "INSERT INTO checkpoints (step, wall_time, n_bytes, data) "
                                     "VALUES (5, 0.0, 7, CAST('weights' AS BLOB))",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  steps = qks_run_reader_list_resumable_steps (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 0);
  g_assert_false (qks_run_reader_load_training_state (reader, 5, &loaded_weights,
                                                      &loaded_optimizer, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_NOT_FOUND, path);
  g_assert_nonnull (strstr (error->message, "only the weights"));
  g_clear_error (&error);
  loaded_weights = qks_run_reader_load_checkpoint (reader, 5, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded_weights, weights));
  g_clear_pointer (&loaded_weights, g_bytes_unref);

  writer = qks_run_writer_open_append (path, &error);
  g_assert_no_error (error);
  qks_run_writer_append_checkpoint (writer, 10, weights, optimizer);
  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_no_error (error);

  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_resumable_steps (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 1);
  g_assert_cmpuint (g_array_index (steps, guint, 0), ==, 10);
  g_assert_true (qks_run_reader_load_training_state (reader, 10, &loaded_weights,
                                                     &loaded_optimizer, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded_weights, weights));
  g_assert_true (g_bytes_equal (loaded_optimizer, optimizer));
  g_assert_true (qks_run_reader_check_integrity (reader, &error));
  g_assert_no_error (error);
  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

/* Copying ------------------------------------------------------------------------ */

typedef struct
{
  QksRunWriter *writer;
  gint          stop;
  guint         appended;
} Producer;

#define COPY_METRICS 500
#define COPY_MAX_STEPS 400

/* Appends as training does, from a thread of its own, a step every few
 * milliseconds until told to stop. */
static gpointer
produce (gpointer data)
{
  Producer *producer = data;
  g_autoptr(GBytes) weights = g_bytes_new_take (g_malloc0 (256 << 10), 256 << 10);
  g_autoptr(GBytes) optimizer = g_bytes_new_take (g_malloc0 (512 << 10), 512 << 10);

  for (guint s = 0; !g_atomic_int_get (&producer->stop) && s < COPY_MAX_STEPS; s++)
    {
      QksStepRecord record = make_step_record (s);

      qks_run_writer_append_step (producer->writer, &record);
      qks_run_writer_append_snapshot (producer->writer, make_snapshot (s, COPY_METRICS, 10, 64));
      if (s % 4 == 3)
        qks_run_writer_append_checkpoint (producer->writer, s, weights, optimizer);
      /* The file grows while the test copies it, not only in memory. */
      g_assert_true (qks_run_writer_flush (producer->writer, NULL));
      g_atomic_int_set (&producer->appended, s + 1);
      g_usleep (2000);
    }
  return NULL;
}

/* A whole run at one commit: steps 0 … n − 1, each snapshot complete, a
 * snapshot at most one step behind. */
static guint
assert_consistent_copy (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) snapshots = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  /* A run like the original: WAL mode (header bytes 18 and 19 are 2), no
   * log left beside it (before a reader opens one). */
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 20);
  g_assert_cmpint (contents[18], ==, 2);
  g_assert_cmpint (contents[19], ==, 2);

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_run_reader_check_integrity (reader, &error));
  g_assert_no_error (error);
  steps = qks_run_reader_list_steps (reader, &error);
  snapshots = qks_run_reader_list_snapshot_steps (reader, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < steps->len; i++)
    g_assert_cmpuint (g_array_index (steps, guint, i), ==, i);
  g_assert_cmpuint (snapshots->len, <=, steps->len);
  g_assert_cmpuint (snapshots->len + 1, >=, steps->len);
  for (guint i = 0; i < snapshots->len; i++)
    {
      g_autoptr(QksSnapshot) snapshot = qks_run_reader_load_snapshot (reader, i, &error);
      g_autoptr(QksSnapshot) expected = make_snapshot (i, COPY_METRICS, 10, 64);

      g_assert_no_error (error);
      assert_snapshots_equal (snapshot, expected);
    }
  return steps->len;
}

/* @dir holds @names, and the -wal and -shm that SQLite keeps beside them
 * while they are open, and nothing else (no temporary file). */
static void
assert_folder_holds (const char         *dir,
                     const char *const  *names)
{
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (folder);
  while ((name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *database = g_strdup (name);

      if (g_str_has_suffix (database, "-wal") || g_str_has_suffix (database, "-shm"))
        database[strlen (database) - 4] = '\0';
      else
        n++;
      g_test_message ("in %s: %s", dir, name);
      g_assert_true (g_strv_contains (names, database));
    }
  g_assert_cmpuint (n, ==, g_strv_length ((char **) names));
}

static void
test_run_copy_while_writing (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(GError) error = NULL;
  Producer producer = { create_run (path), 0, 0 };
  GThread *thread;
  guint first = 0, last = 0;
  const guint n_copies = 5;

  thread = g_thread_new ("producer", produce, &producer);
  while (g_atomic_int_get (&producer.appended) < 3)
    g_usleep (1000);
  for (guint i = 0; i < n_copies; i++)
    {
      g_autofree char *name = g_strdup_printf ("copy-%u.qkrun", i % 2);
      g_autofree char *copy = g_build_filename (dir, name, NULL);
      guint n;

      /* Half of them replace an earlier copy. */
      g_assert_true (qks_run_copy (path, copy, &error));
      g_assert_no_error (error);
      n = assert_consistent_copy (copy);
      if (i == 0)
        first = n;
      last = n;
      g_usleep (20000);
    }
  g_atomic_int_set (&producer.stop, 1);
  g_thread_join (thread);
  g_test_message ("copies of %u to %u steps, of %u written", first, last, producer.appended);
  /* The writer went on while the copies were made. */
  g_assert_cmpuint (last, >, first);

  {
    const char *const names[] = { "run.qkrun", "copy-0.qkrun", "copy-1.qkrun", NULL };

    assert_folder_holds (dir, names);
  }

  /* Once the writer is done, the copy is all of it. */
  g_assert_true (qks_run_writer_close (producer.writer, &error));
  g_assert_no_error (error);
  {
    g_autofree char *copy = g_build_filename (dir, "copy-0.qkrun", NULL);

    g_assert_true (qks_run_copy (path, copy, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (assert_consistent_copy (copy), ==, producer.appended);
  }
  qks_run_writer_free (producer.writer);
  remove_dir (dir);
}

/* The message names @named, the file at fault, and says @fragment. */
static void
assert_copy_fails (const char  *source,
                   const char  *dest,
                   int          code,
                   const char  *named,
                   const char  *fragment)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (qks_run_copy (source, dest, &error));
  g_assert_error (error, QKS_RUN_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, named));
  g_assert_nonnull (strstr (error->message, fragment));
}

/* A copy that cannot be made says why, names the file, and leaves no
 * temporary file behind. */
static void
test_run_copy_refusals (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *into_missing = g_build_filename (missing, "copy.qkrun", NULL);
  g_autofree char *taken = g_build_filename (dir, "taken.qkrun", NULL);
  g_autofree char *inside_taken = g_build_filename (taken, "file", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  QksStepRecord record = make_step_record (1);
  const char *const names[] = { "run.qkrun", "taken.qkrun", "garbage.qkrun", NULL };

  qks_run_writer_append_step (writer, &record);
  g_assert_true (qks_run_writer_flush (writer, &error));
  g_assert_cmpint (g_mkdir (taken, 0755), ==, 0);
  g_assert_true (g_file_set_contents (inside_taken, "x", 1, NULL));
  g_assert_true (g_file_set_contents (garbage, "not a run at all, not even SQLite. ", -1, NULL));

  assert_copy_fails (path, into_missing, QKS_RUN_ERROR_FAILED, into_missing, missing);
  /* The rename fails after the copy was made: it is removed. */
  assert_copy_fails (path, taken, QKS_RUN_ERROR_FAILED, taken, "could not put the copy in place");
  assert_copy_fails (path, path, QKS_RUN_ERROR_FAILED, path, "the same file");
  assert_copy_fails (garbage, into_missing, QKS_RUN_ERROR_NOT_A_RUN, garbage, "not a QK Scope run");

  assert_folder_holds (dir, names);
  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_run_reader_check_integrity (reader, &error));
  g_assert_no_error (error);

  g_assert_true (qks_run_writer_close (writer, &error));
  g_clear_pointer (&reader, qks_run_reader_free);
  g_remove (inside_taken);
  g_rmdir (taken);
  remove_dir (dir);
}

/* Into a folder that cannot be written. Root writes anywhere, so as root
 * the copy is tried in a child process that has made nobody its
 * effective user (keeping root as its saved one, to clean up). */
static void
test_run_copy_into_read_only_folder (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *read_only = NULL;
  g_autofree char *dest = NULL;
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  const char *const none[] = { NULL };
  gboolean as_nobody = geteuid () == 0;

  if (as_nobody && !g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  dir = make_temp_dir ();
  path = g_build_filename (dir, "run.qkrun", NULL);
  read_only = g_build_filename (dir, "read-only", NULL);
  dest = g_build_filename (read_only, "copy.qkrun", NULL);
  writer = create_run (path);
  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_cmpint (g_mkdir (read_only, 0555), ==, 0);
  g_assert_cmpint (g_chmod (read_only, 0555), ==, 0);
  if (as_nobody)
    {
      /* Nobody may read the run and keep SQLite's -shm beside it, but not
       * write into read-only/. */
      g_assert_cmpint (g_chmod (dir, 0777), ==, 0);
      g_assert_cmpint (g_chmod (path, 0644), ==, 0);
      g_assert_cmpint (setresgid (65534, 65534, 0), ==, 0);
      g_assert_cmpint (setresuid (65534, 65534, 0), ==, 0);
    }

  g_assert_cmpint (access (read_only, W_OK), !=, 0);
  assert_copy_fails (path, dest, QKS_RUN_ERROR_FAILED, dest, read_only);
  assert_folder_holds (read_only, none);

  if (as_nobody)
    {
      g_assert_cmpint (setresuid (0, 0, 0), ==, 0);
      g_assert_cmpint (setresgid (0, 0, 0), ==, 0);
    }
  g_chmod (read_only, 0755);
  g_rmdir (read_only);
  remove_dir (dir);
}

/* The child of the SIGKILL test: appends until it is killed (or a minute
 * has passed, should the parent have died). */
/* The child's snapshot: 5 MB of spectra, more than SQLite's page cache,
 * so that its transaction spills into the WAL, then many small rows that
 * take a while to write: for most of the transaction part of it is in the
 * WAL, uncommitted, and a kill can find it there. */
static QksSnapshot *
make_child_snapshot (guint step)
{
  QksSnapshot *snapshot = make_snapshot (step, 3000, 60, 128);
  const guint n = 16384;
  g_autofree double *values = g_new (double, n);

  for (guint i = 0; i < 40; i++)
    {
      for (guint k = 0; k < n; k++)
        values[k] = step + i + (n - k) * 1e-6;
      qks_snapshot_add_spectrum (snapshot, 9, (int) i, QKS_FORM_OV, n, n, values, n);
    }
  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *detail = g_strdup_printf ("%u.%u", step, i);

      qks_snapshot_add_event (snapshot, i % 4, "tick", detail);
    }
  return snapshot;
}

static int
write_until_killed (const char *path)
{
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = config_json (1000000);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  writer = qks_run_writer_create (path, json, FALSE, &error);
  if (writer == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  for (guint s = 0; g_get_monotonic_time () < deadline; s++)
    {
      QksStepRecord record = make_step_record (s);

      qks_run_writer_append_step (writer, &record);
      qks_run_writer_append_snapshot (writer, make_child_snapshot (s));
      /* Keeps the queue short; the writer is busy all the same. */
      if (s % 4 == 3 && !qks_run_writer_flush (writer, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }
  return 0;
}

static void
assert_snapshot_intact (QksRunReader *reader,
                        guint         step)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksSnapshot) snapshot = qks_run_reader_load_snapshot (reader, step, &error);
  g_autoptr(QksSnapshot) expected = make_child_snapshot (step);
  QksStepRecord record, expected_record = make_step_record (step);

  g_assert_no_error (error);
  assert_snapshots_equal (snapshot, expected);
  g_assert_true (qks_run_reader_get_step_record (reader, step, &record, &error));
  g_assert_no_error (error);
  assert_step_records_equal (&record, &expected_record);
}

static guint32
read_be32 (const guint8 *data)
{
  guint32 value;

  memcpy (&value, data, sizeof value);
  return GUINT32_FROM_BE (value);
}

/* How many frames the WAL holds after its last commit: the transaction the
 * writer was in when it died (https://sqlite.org/fileformat2.html#walformat;
 * checksums are not verified, this is only told). */
static guint
count_uncommitted_wal_frames (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *contents = NULL;
  const guint8 *data;
  gsize length, frame_size;
  guint uncommitted = 0;

  if (!g_file_get_contents (wal, &contents, &length, NULL) || length < 32)
    return 0;
  data = (const guint8 *) contents;
  frame_size = 24 + (read_be32 (data + 8) == 1 ? 65536 : read_be32 (data + 8));
  for (gsize offset = 32; offset + frame_size <= length; offset += frame_size)
    {
      /* Frames of another generation of the WAL have other salts. */
      if (memcmp (data + offset + 8, data + 16, 8) != 0)
        break;
      uncommitted = read_be32 (data + offset + 4) != 0 ? 0 : uncommitted + 1;
    }
  return uncommitted;
}

static void
test_run_survives_sigkill (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "killed.qkrun", NULL);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  QksStepRecord record;
  guint seen = 0;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                            test_binary, "--write-until-killed", path, NULL);
  g_assert_no_error (error);

  /* Watch the child's committed snapshots grow, checking each one it
   * commits while it goes on writing the next. */
  while (seen < 12)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_assert_nonnull (g_subprocess_get_identifier (child));  /* still running */
      if (reader == NULL && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          /* The file appears whole (it is renamed into place). */
          reader = qks_run_reader_open (path, &error);
          g_assert_no_error (error);
        }
      if (reader != NULL)
        {
          g_clear_pointer (&steps, g_array_unref);
          steps = qks_run_reader_list_snapshot_steps (reader, &error);
          g_assert_no_error (error);
          for (; seen < steps->len; seen++)
            {
              g_assert_cmpuint (g_array_index (steps, guint, seen), ==, seen);
              assert_snapshot_intact (reader, seen);
            }
        }
      g_usleep (2000);
    }

  /* Kill it in the middle of a transaction, part of which is already in
   * the WAL, if that moment comes within a few seconds (it nearly always
   * does: each of the child's transactions spills, for most of its time). */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (count_uncommitted_wal_frames (path) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (500);
  g_subprocess_force_exit (child);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  g_test_message ("the kill left %u frames of an unfinished transaction in the WAL",
                  count_uncommitted_wal_frames (path));
  g_clear_pointer (&reader, qks_run_reader_free);

  /* Reopened: sound, and every step seen before the kill is there whole,
   * as is every other snapshot that made it. */
  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_run_reader_check_integrity (reader, &error));
  g_assert_no_error (error);
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_snapshot_steps (reader, &error);
  g_assert_no_error (error);
  g_test_message ("saw %u snapshots before the kill; %u survived it", seen, steps->len);
  g_assert_cmpuint (steps->len, >=, seen);
  for (guint i = 0; i < steps->len; i++)
    {
      g_assert_cmpuint (g_array_index (steps, guint, i), ==, i);
      assert_snapshot_intact (reader, i);
    }

  /* And the run goes on. */
  writer = qks_run_writer_open_append (path, &error);
  g_assert_no_error (error);
  record = make_step_record (steps->len);
  qks_run_writer_append_step (writer, &record);
  qks_run_writer_append_snapshot (writer, make_child_snapshot (steps->len));
  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_no_error (error);
  assert_snapshot_intact (reader, steps->len);
  g_assert_true (qks_run_reader_check_integrity (reader, &error));

  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

static void
test_run_refuses_to_overwrite (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autofree char *other = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *first_json = config_json (100);
  g_autofree char *second_json = config_json (200);
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  writer = qks_run_writer_create (path, first_json, FALSE, &error);
  g_assert_no_error (error);
  qks_run_writer_append_snapshot (writer, make_snapshot (1, 10, 1, 4));
  g_assert_true (qks_run_writer_close (writer, &error));
  g_clear_pointer (&writer, qks_run_writer_free);

  g_assert_null (qks_run_writer_create (path, second_json, FALSE, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_EXISTS, path);
  g_clear_error (&error);

  /* Any file, not only a run. */
  g_assert_true (g_file_set_contents (other, "keep me", -1, NULL));
  g_assert_null (qks_run_writer_create (other, second_json, FALSE, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_EXISTS, other);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (other, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep me");

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qks_run_reader_get_config_json (reader), ==, first_json);
  g_clear_pointer (&reader, qks_run_reader_free);

  /* Not JSON: refused before anything is touched. */
  g_assert_null (qks_run_writer_create (path, "{\"steps\": ", TRUE, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_INVALID, path);
  g_clear_error (&error);

  writer = qks_run_writer_create (path, second_json, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (qks_run_writer_close (writer, &error));
  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qks_run_reader_get_config_json (reader), ==, second_json);
  {
    g_autoptr(GArray) steps = qks_run_reader_list_snapshot_steps (reader, &error);

    g_assert_cmpuint (steps->len, ==, 0);
  }

  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

static void
assert_open_fails (const char *path,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksRunReader) reader = qks_run_reader_open (path, &error);
  g_autoptr(QksRunWriter) writer = NULL;

  g_assert_null (reader);
  assert_error_names_file (error, code, path);
  g_clear_error (&error);

  writer = qks_run_writer_open_append (path, &error);
  g_assert_null (writer);
  assert_error_names_file (error, code, path);
}

static void
test_run_refuses_what_is_not_a_run (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.qkrun", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.qkrun", NULL);
  g_autofree char *text = g_build_filename (dir, "text.qkrun", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.qkrun", NULL);
  g_autofree char *other_db = g_build_filename (dir, "other.sqlite", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autofree guint8 *noise = g_new (guint8, 8192);
  g_autofree char *set_id = g_strdup_printf ("PRAGMA application_id = %d", QKS_RUN_APPLICATION_ID);
  sqlite3 *db = NULL;

  assert_open_fails (missing, QKS_RUN_ERROR_OPEN);
  assert_open_fails (dir, QKS_RUN_ERROR_OPEN);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  assert_open_fails (empty, QKS_RUN_ERROR_NOT_A_RUN);

  g_assert_true (g_file_set_contents (text, "step,loss\n1,5.5\n2,5.1\n", -1, NULL));
  assert_open_fails (text, QKS_RUN_ERROR_NOT_A_RUN);

  for (guint i = 0; i < 8192; i++)
    noise[i] = (guint8) g_rand_int (rand);
  g_assert_true (g_file_set_contents (garbage, (const char *) noise, 8192, NULL));
  assert_open_fails (garbage, QKS_RUN_ERROR_NOT_A_RUN);

  /* SQLite, but someone else's. */
  g_assert_cmpint (sqlite3_open (other_db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  assert_open_fails (other_db, QKS_RUN_ERROR_NOT_A_RUN);

  /* Ours, with the meta table gone. */
  g_assert_cmpint (sqlite3_open (other_db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, set_id, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  assert_open_fails (other_db, QKS_RUN_ERROR_NOT_A_RUN);

  remove_dir (dir);
}

static void
test_run_refuses_truncated (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  for (guint s = 0; s < 20; s++)
    qks_run_writer_append_snapshot (writer, make_snapshot (s, 500, 10, 64));
  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_no_error (error);

  /* Closed: everything is in the file itself, no -wal beside it. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_test_message ("%s: %" G_GINT64_FORMAT " bytes", path, (gint64) st.st_size);
  g_assert_cmpint (truncate (path, st.st_size / 2), ==, 0);
  assert_open_fails (path, QKS_RUN_ERROR_CORRUPT);

  /* Cut inside SQLite's 100-byte header. */
  g_assert_cmpint (truncate (path, 60), ==, 0);
  assert_open_fails (path, QKS_RUN_ERROR_CORRUPT);

  remove_dir (dir);
}

static void
set_meta_schema_version (const char *path,
                         const char *version)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE meta SET value = '%s' WHERE key = 'schema_version'",
                                          version);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_run_schema_version (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *newer = g_strdup_printf ("%d", QKS_RUN_SCHEMA_VERSION + 1);
  g_autofree char *current = g_strdup_printf ("%d", QKS_RUN_SCHEMA_VERSION);

  g_assert_true (qks_run_writer_close (writer, &error));

  set_meta_schema_version (path, newer);
  assert_open_fails (path, QKS_RUN_ERROR_VERSION);
  reader = qks_run_reader_open (path, &error);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  set_meta_schema_version (path, "one");
  assert_open_fails (path, QKS_RUN_ERROR_CORRUPT);

  set_meta_schema_version (path, current);
  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qks_run_reader_get_schema_version (reader), ==, QKS_RUN_SCHEMA_VERSION);

  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

/* A full disk (here: the file's size limit) fails the write that hits it,
 * reports it, and leaves what was committed before. */
static void
test_run_disk_full (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GBytes) big = g_bytes_new_take (g_malloc0 (4 << 20), 4 << 20);
  QksStepRecord record = make_step_record (10);

  for (guint s = 0; s < 3; s++)
    qks_run_writer_append_snapshot (writer, make_snapshot (s, 500, 10, 64));
  g_assert_true (qks_run_writer_flush (writer, &error));
  g_assert_no_error (error);

  qks_run_writer_set_size_limit (writer, 1);  /* no more than it holds now */
  qks_run_writer_append_snapshot (writer, make_snapshot (3, 5000, 100, 128));
  qks_run_writer_append_checkpoint (writer, 3, big, big);
  g_assert_false (qks_run_writer_flush (writer, &error));
  assert_error_names_file (error, QKS_RUN_ERROR_NO_SPACE, path);
  g_clear_error (&error);
  g_assert_error (qks_run_writer_get_error (writer), QKS_RUN_ERROR, QKS_RUN_ERROR_NO_SPACE);

  /* Later appends are dropped, and the failure stays reported. */
  qks_run_writer_append_step (writer, &record);
  g_assert_false (qks_run_writer_flush (writer, &error));
  g_assert_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_false (qks_run_writer_close (writer, &error));
  g_assert_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NO_SPACE);
  g_clear_error (&error);

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (qks_run_reader_check_integrity (reader, &error));
  g_assert_no_error (error);
  steps = qks_run_reader_list_snapshot_steps (reader, &error);
  g_assert_cmpuint (steps->len, ==, 3);
  for (guint s = 0; s < 3; s++)
    {
      g_autoptr(QksSnapshot) snapshot = qks_run_reader_load_snapshot (reader, s, &error);
      g_autoptr(QksSnapshot) expected = make_snapshot (s, 500, 10, 64);

      g_assert_no_error (error);
      assert_snapshots_equal (snapshot, expected);
    }
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_steps (reader, &error);
  g_assert_cmpuint (steps->len, ==, 0);
  g_clear_pointer (&steps, g_array_unref);
  steps = qks_run_reader_list_checkpoint_steps (reader, &error);
  g_assert_cmpuint (steps->len, ==, 0);

  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

/* sqlite3 (the command-line shell) lists the documented tables, reading
 * the file while it is open for writing. */
static void
test_run_sqlite3_shell (void)
{
  static const char *tables[] = {
    "checkpoints", "config", "curves", "events", "matrices", "meta", "metric_rows", "metrics",
    "series", "snapshots", "spectra", "steps",
  };
  g_autofree char *shell = g_find_program_in_path ("sqlite3");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *count = NULL;
  g_autoptr(QksRunWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  int status;

  if (shell == NULL)
    {
      g_test_skip ("no sqlite3 shell");
      return;
    }
  dir = make_temp_dir ();
  path = g_build_filename (dir, "run.qkrun", NULL);
  writer = create_run (path);
  qks_run_writer_append_snapshot (writer, make_snapshot (7, 100, 2, 8));
  g_assert_true (qks_run_writer_flush (writer, &error));

  {
    const char *argv[] = { shell, "-readonly", path, ".tables", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  names = g_regex_split_simple ("\\s+", g_strstrip (out), 0, 0);
  g_assert_cmpuint (g_strv_length (names), ==, G_N_ELEMENTS (tables));
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    g_assert_true (g_strv_contains ((const char *const *) names, tables[i]));

  {
    const char *argv[] = { shell, "-readonly", path,
                           "SELECT count(*) FROM metric_rows WHERE step = 7 AND layer = 0 "
                           "AND head = -1 AND form = 'qk' AND name = 'effective_rank'", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &count, NULL, &status, &error));
    g_assert_cmpstr (g_strstrip (count), ==, "1");
  }

  g_assert_true (qks_run_writer_close (writer, &error));
  remove_dir (dir);
}

/* A hundred snapshots of a realistic size (~5000 metric rows, 100 spectra of
 * 128 eigenvalues) go through and come back whole. */
static void
test_run_large_snapshots (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  g_autoptr(QksRunWriter) writer = create_run (path);
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) series = NULL;
  const guint N = 100;
  gint64 total = 0, worst = 0, start, load_time, series_time;
  GStatBuf st;

  for (guint s = 0; s < N; s++)
    {
      QksSnapshot *snapshot = make_snapshot (s, 5000, 100, 128);
      gint64 elapsed;

      start = g_get_monotonic_time ();
      qks_run_writer_append_snapshot (writer, snapshot);
      g_assert_true (qks_run_writer_flush (writer, &error));
      elapsed = g_get_monotonic_time () - start;
      total += elapsed;
      worst = MAX (worst, elapsed);
    }

  reader = qks_run_reader_open (path, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  {
    g_autoptr(QksSnapshot) snapshot = qks_run_reader_load_snapshot (reader, N / 2, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (snapshot->metrics->len, ==, 5000);
  }
  load_time = g_get_monotonic_time () - start;
  start = g_get_monotonic_time ();
  series = qks_run_reader_load_metric_series (reader, 5, 2, QKS_FORM_QK_ROPE, "stable_rank", &error);
  series_time = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, N);
  g_assert_true (qks_run_writer_close (writer, &error));
  g_assert_cmpint (g_stat (path, &st), ==, 0);

  g_test_message ("append + commit of a snapshot (5000 metrics, 100 spectra × 128): "
                  "mean %.2f ms, worst %.2f ms over %u; load one: %.2f ms; "
                  "one metric over %u snapshots: %.2f ms; file %.1f MB",
                  total / 1e3 / N, worst / 1e3, N, load_time / 1e3, N, series_time / 1e3,
                  st.st_size / 1e6);
  /* Timings are reported here, never asserted: speed is measured in
   * bench/, where the peer runs in the same process. */

  g_clear_pointer (&reader, qks_run_reader_free);
  remove_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_strcmp0 (argv[1], "--write-until-killed") == 0)
    return write_until_killed (argv[2]);

  test_binary = g_canonicalize_filename (argv[0], NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/run/round-trip", test_run_round_trip);
  g_test_add_func ("/run/resume-replaces", test_run_resume_replaces);
  g_test_add_func ("/run/older-checkpoints", test_run_older_checkpoints);
  g_test_add_func ("/run/copy-while-writing", test_run_copy_while_writing);
  g_test_add_func ("/run/copy-refusals", test_run_copy_refusals);
  g_test_add_func ("/run/copy-into-read-only-folder", test_run_copy_into_read_only_folder);
  g_test_add_func ("/run/read-while-writing", test_run_read_while_writing);
  g_test_add_func ("/run/survives-sigkill", test_run_survives_sigkill);
  g_test_add_func ("/run/refuses-to-overwrite", test_run_refuses_to_overwrite);
  g_test_add_func ("/run/refuses-what-is-not-a-run", test_run_refuses_what_is_not_a_run);
  g_test_add_func ("/run/refuses-truncated", test_run_refuses_truncated);
  g_test_add_func ("/run/schema-version", test_run_schema_version);
  g_test_add_func ("/run/disk-full", test_run_disk_full);
  g_test_add_func ("/run/sqlite3-shell", test_run_sqlite3_shell);
  g_test_add_func ("/run/large-snapshots", test_run_large_snapshots);

  return g_test_run ();
}
