/* qks-run-writer.c: append to a .qkrun file from a thread of its own
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qks-json.h"
#include "qks-run-private.h"

/* The schema is documented in qks-run.c. */

/* A WAL that outgrows this is cut back to it after each checkpoint. */
#define JOURNAL_SIZE_LIMIT (64 * 1024 * 1024)

/* Metric rows per INSERT: SQLite runs one statement of many rows, in key
 * order, about three times as fast as as many statements of one row. */
#define METRIC_BATCH 64

typedef enum
{
  OP_STEP,
  OP_SNAPSHOT,
  OP_CHECKPOINT,
  OP_DISCARD_AFTER,
  OP_CONFIG,
  OP_SIZE_LIMIT,
  OP_QUIT,
} OpKind;

typedef struct
{
  OpKind         kind;
  guint          step;
  QksStepRecord  record;
  QksSnapshot   *snapshot;
  GBytes        *bytes;
  GBytes        *optimizer;
  char          *text;
  guint64        size_limit;
} WriterOp;

enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_STEP,
  STMT_SNAPSHOT,
  STMT_SERIES_INSERT,
  STMT_SERIES_FIND,
  STMT_METRIC,
  STMT_METRIC_BATCH,
  STMT_SPECTRUM,
  STMT_MATRIX,
  STMT_CURVE,
  STMT_EVENT,
  STMT_CHECKPOINT,
  STMT_CONFIG,
  STMT_DELETE_SNAPSHOT,  /* one per snapshot table, in qks_run_snapshot_tables' order */
  N_STATEMENTS = STMT_DELETE_SNAPSHOT + G_N_ELEMENTS (qks_run_snapshot_tables),
};

static const char *const statement_sql[STMT_DELETE_SNAPSHOT] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_STEP] =
    "INSERT OR REPLACE INTO steps (step, wall_time, train_loss, val_loss, learning_rate, "
    "grad_norm, tokens_per_second, flops) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [STMT_SNAPSHOT] =
    "INSERT INTO snapshots (step, n_metrics, n_spectra, n_matrices, n_curves, n_events) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_SERIES_INSERT] =
    "INSERT OR IGNORE INTO series (layer, head, form, name) VALUES (?1, ?2, ?3, ?4)",
  [STMT_SERIES_FIND] =
    "SELECT id FROM series WHERE layer = ?1 AND head = ?2 AND form = ?3 AND name = ?4",
  /* STMT_METRIC and STMT_METRIC_BATCH: see metric_insert_sql (). */
  [STMT_SPECTRUM] =
    "INSERT INTO spectra (step, seq, layer, head, form, n_rows, n_cols, rank, eigenvalues, "
    "sigma2, lambda_minus, lambda_plus, lambda_threshold, null_law, estimator, threshold, "
    "chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
  [STMT_MATRIX] =
    "INSERT INTO matrices (step, seq, layer, kind, n_rows, n_cols, data) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_CURVE] =
    "INSERT INTO curves (step, seq, layer, head, kind, length, data) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_EVENT] =
    "INSERT INTO events (step, seq, layer, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_CHECKPOINT] =
    "INSERT OR REPLACE INTO checkpoints (step, wall_time, n_bytes, data, optimizer) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_CONFIG] = "UPDATE config SET json = ?1 WHERE id = 1",
};

/* The connection and its statements belong to the writer thread while it
 * runs. The trainer only queues: appending never waits for the disk. */
struct _QksRunWriter
{
  char          *path;
  sqlite3       *db;
  sqlite3_stmt  *statements[N_STATEMENTS];
  GThread       *thread;
  GAsyncQueue   *queue;       /* of WriterOp * */
  GHashTable    *series;      /* SeriesEntry → itself: the file's series table */
  GPtrArray     *new_series;  /* the entries added by the transaction under way */

  GMutex         mutex;
  GCond          cond;
  guint64        n_queued;
  guint64        n_done;
  GError        *error;       /* the first write that failed; set once */
};

/* A row of the series table, keyed by what it measures. */
typedef struct
{
  guint        layer;
  int          head;
  QksFormKind  form;
  const char  *name;          /* interned */
  gint64       id;
} SeriesEntry;

static guint
series_entry_hash (gconstpointer data)
{
  const SeriesEntry *entry = data;

  return ((entry->layer * 31u + (guint) entry->head) * 31u + entry->form) * 31u +
         g_direct_hash (entry->name);
}

static gboolean
series_entry_equal (gconstpointer a,
                    gconstpointer b)
{
  const SeriesEntry *x = a, *y = b;

  return x->layer == y->layer && x->head == y->head && x->form == y->form && x->name == y->name;
}

/* A metric's place in the key order of the metrics table. */
typedef struct
{
  gint64  series;
  guint   seq;
} MetricKey;

static int
compare_metric_keys (const void *a,
                     const void *b)
{
  const MetricKey *x = a, *y = b;

  if (x->series != y->series)
    return x->series < y->series ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
writer_op_free (WriterOp *op)
{
  g_clear_pointer (&op->snapshot, qks_snapshot_free);
  g_clear_pointer (&op->bytes, g_bytes_unref);
  g_clear_pointer (&op->optimizer, g_bytes_unref);
  g_free (op->text);
  g_free (op);
}

/* Writing, on the writer thread --------------------------------------------- */

static gboolean
run_statement (QksRunWriter  *self,
               sqlite3_stmt  *stmt,
               const char    *doing,
               GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      qks_run_set_error (error, rc, self->db, self->path, doing);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static void
rollback (QksRunWriter *self)
{
  /* SQLite may already have rolled back (SQLITE_FULL, I/O errors). */
  if (!sqlite3_get_autocommit (self->db))
    {
      sqlite3_step (self->statements[STMT_ROLLBACK]);
      sqlite3_reset (self->statements[STMT_ROLLBACK]);
    }
}

/* NaN is NULL: the file says “not measured” in a way SQL understands. */
static void
bind_real (sqlite3_stmt *stmt,
           int           index,
           double        value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_double (stmt, index, value);
}

/* The strings outlive the statement's step: they are the record's. */
static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
}

static gboolean
bind_doubles (QksRunWriter  *self,
              sqlite3_stmt  *stmt,
              int            index,
              const double  *values,
              gsize          n,
              double       **scratch,
              const char    *doing,
              GError       **error)
{
  int rc;

  if (n == 0)
    rc = sqlite3_bind_zeroblob (stmt, index, 0);
  else if (n > G_MAXUINT64 / sizeof (double))
    rc = SQLITE_TOOBIG;
  else
    rc = sqlite3_bind_blob64 (stmt, index, qks_run_doubles_to_le (values, n, scratch),
                              (sqlite3_uint64) n * sizeof (double), SQLITE_STATIC);
  if (rc != SQLITE_OK)
    {
      qks_run_set_error (error, rc, self->db, self->path, doing);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_step (QksRunWriter         *self,
            const QksStepRecord  *record,
            GError              **error)
{
  sqlite3_stmt *stmt = self->statements[STMT_STEP];
  g_autofree char *doing = g_strdup_printf ("writing the record of step %u", record->step);

  sqlite3_bind_int64 (stmt, 1, record->step);
  bind_real (stmt, 2, record->wall_time);
  bind_real (stmt, 3, record->train_loss);
  bind_real (stmt, 4, record->val_loss);
  bind_real (stmt, 5, record->learning_rate);
  bind_real (stmt, 6, record->grad_norm);
  bind_real (stmt, 7, record->tokens_per_second);
  bind_real (stmt, 8, record->flops);
  /* One statement outside BEGIN … COMMIT is one transaction. */
  return run_statement (self, stmt, doing, error);
}

static gboolean
invalid_record (GError     **error,
                const char  *path,
                const char  *what,
                guint        index,
                const char  *doing)
{
  g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_INVALID,
               "“%s”: %s %u cannot be stored (%s)", path, what, index, doing);
  return FALSE;
}

/* The series table's id for what @row measures, adding it if new. */
static gboolean
find_series (QksRunWriter        *self,
             const QksMetricRow  *row,
             gint64              *id,
             const char          *doing,
             GError             **error)
{
  SeriesEntry key = { row->layer, row->head, row->form, row->name, 0 };
  SeriesEntry *entry = g_hash_table_lookup (self->series, &key);
  sqlite3_stmt *stmt;
  int rc;

  if (entry != NULL)
    {
      *id = entry->id;
      return TRUE;
    }

  /* INSERT OR IGNORE, then SELECT: right also if another writer added it. */
  for (guint s = 0; s < 2; s++)
    {
      stmt = self->statements[s == 0 ? STMT_SERIES_INSERT : STMT_SERIES_FIND];
      sqlite3_bind_int64 (stmt, 1, row->layer);
      sqlite3_bind_int64 (stmt, 2, row->head);
      sqlite3_bind_text (stmt, 3, qks_form_kind_to_string (row->form), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, row->name, -1, SQLITE_STATIC);
    }
  if (!run_statement (self, self->statements[STMT_SERIES_INSERT], doing, error))
    return FALSE;
  stmt = self->statements[STMT_SERIES_FIND];
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      qks_run_set_error (error, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, self->db, self->path, doing);
      sqlite3_reset (stmt);
      return FALSE;
    }
  key.id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  entry = g_memdup2 (&key, sizeof key);
  g_hash_table_add (self->series, entry);
  g_ptr_array_add (self->new_series, entry);
  *id = entry->id;
  return TRUE;
}

static void
bind_metric (sqlite3_stmt        *stmt,
             int                  first,
             const QksMetricRow  *row,
             const MetricKey     *key)
{
  sqlite3_bind_int64 (stmt, first, key->series);
  sqlite3_bind_int64 (stmt, first + 1, key->seq);
  if (qks_run_real_is_exact (row->value))
    {
      sqlite3_bind_double (stmt, first + 2, row->value);
      sqlite3_bind_null (stmt, first + 3);
    }
  else
    {
      bind_real (stmt, first + 2, row->value);
      sqlite3_bind_int64 (stmt, first + 3, qks_run_double_to_bits (row->value));
    }
  sqlite3_bind_int64 (stmt, first + 4, row->flags);
}

static gboolean
write_metrics (QksRunWriter       *self,
               const QksSnapshot  *snapshot,
               const char         *doing,
               GError            **error)
{
  GArray *metrics = snapshot->metrics;
  g_autofree MetricKey *keys = g_new (MetricKey, MAX (metrics->len, 1));
  guint i = 0;

  for (guint r = 0; r < metrics->len; r++)
    {
      const QksMetricRow *row = &g_array_index (metrics, QksMetricRow, r);

      if (row->name == NULL || row->form >= QKS_FORM_N_KINDS)
        return invalid_record (error, self->path, "metric", r, doing);
      if (!find_series (self, row, &keys[r].series, doing, error))
        return FALSE;
      keys[r].seq = r;
    }
  qsort (keys, metrics->len, sizeof (MetricKey), compare_metric_keys);

  sqlite3_bind_int64 (self->statements[STMT_METRIC_BATCH], 1, snapshot->step);
  sqlite3_bind_int64 (self->statements[STMT_METRIC], 1, snapshot->step);
  for (; i + METRIC_BATCH <= metrics->len; i += METRIC_BATCH)
    {
      sqlite3_stmt *stmt = self->statements[STMT_METRIC_BATCH];

      for (guint b = 0; b < METRIC_BATCH; b++)
        bind_metric (stmt, 2 + 5 * b, &g_array_index (metrics, QksMetricRow, keys[i + b].seq),
                     &keys[i + b]);
      if (!run_statement (self, stmt, doing, error))
        return FALSE;
    }
  for (; i < metrics->len; i++)
    {
      sqlite3_stmt *stmt = self->statements[STMT_METRIC];

      bind_metric (stmt, 2, &g_array_index (metrics, QksMetricRow, keys[i].seq), &keys[i]);
      if (!run_statement (self, stmt, doing, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_snapshot_rows (QksRunWriter       *self,
                     const QksSnapshot  *snapshot,
                     const char         *doing,
                     GError            **error)
{
  sqlite3_stmt *stmt;
  gint64 step = snapshot->step;

  for (guint t = 0; t < G_N_ELEMENTS (qks_run_snapshot_tables); t++)
    {
      stmt = self->statements[STMT_DELETE_SNAPSHOT + t];
      sqlite3_bind_int64 (stmt, 1, step);
      if (!run_statement (self, stmt, doing, error))
        return FALSE;
    }

  stmt = self->statements[STMT_SNAPSHOT];
  sqlite3_bind_int64 (stmt, 1, step);
  sqlite3_bind_int64 (stmt, 2, snapshot->metrics->len);
  sqlite3_bind_int64 (stmt, 3, snapshot->spectra->len);
  sqlite3_bind_int64 (stmt, 4, snapshot->matrices->len);
  sqlite3_bind_int64 (stmt, 5, snapshot->curves->len);
  sqlite3_bind_int64 (stmt, 6, snapshot->events->len);
  if (!run_statement (self, stmt, doing, error))
    return FALSE;

  if (!write_metrics (self, snapshot, doing, error))
    return FALSE;

  stmt = self->statements[STMT_SPECTRUM];
  sqlite3_bind_int64 (stmt, 1, step);
  for (guint i = 0; i < snapshot->spectra->len; i++)
    {
      const QksSpectrumRecord *record = g_ptr_array_index (snapshot->spectra, i);
      g_autofree double *scratch = NULL;
      g_autofree char *chain = NULL;

      if (record->form >= QKS_FORM_N_KINDS || record->chain_length > G_N_ELEMENTS (record->chain))
        return invalid_record (error, self->path, "spectrum", i, doing);
      chain = qks_run_chain_to_string (record->chain, record->chain_length);
      sqlite3_bind_int64 (stmt, 2, i);
      sqlite3_bind_int64 (stmt, 3, record->layer);
      sqlite3_bind_int64 (stmt, 4, record->head);
      sqlite3_bind_text (stmt, 5, qks_form_kind_to_string (record->form), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, record->n_rows);
      sqlite3_bind_int64 (stmt, 7, record->n_cols);
      sqlite3_bind_int64 (stmt, 8, record->rank);
      if (!bind_doubles (self, stmt, 9, record->eigenvalues, record->rank, &scratch, doing, error))
        return FALSE;
      bind_real (stmt, 10, record->sigma2);
      bind_real (stmt, 11, record->lambda_minus);
      bind_real (stmt, 12, record->lambda_plus);
      bind_real (stmt, 13, record->lambda_threshold);
      bind_text (stmt, 14, record->null_law);
      bind_text (stmt, 15, record->estimator);
      bind_text (stmt, 16, record->threshold);
      sqlite3_bind_text (stmt, 17, chain, -1, SQLITE_STATIC);
      if (!run_statement (self, stmt, doing, error))
        return FALSE;
    }

  stmt = self->statements[STMT_MATRIX];
  sqlite3_bind_int64 (stmt, 1, step);
  for (guint i = 0; i < snapshot->matrices->len; i++)
    {
      const QksMatrixRecord *record = g_ptr_array_index (snapshot->matrices, i);
      g_autofree double *scratch = NULL;

      sqlite3_bind_int64 (stmt, 2, i);
      sqlite3_bind_int64 (stmt, 3, record->layer);
      bind_text (stmt, 4, record->kind);
      sqlite3_bind_int64 (stmt, 5, record->rows);
      sqlite3_bind_int64 (stmt, 6, record->cols);
      if (!bind_doubles (self, stmt, 7, record->data, (gsize) record->rows * record->cols,
                         &scratch, doing, error) ||
          !run_statement (self, stmt, doing, error))
        return FALSE;
    }

  stmt = self->statements[STMT_CURVE];
  sqlite3_bind_int64 (stmt, 1, step);
  for (guint i = 0; i < snapshot->curves->len; i++)
    {
      const QksCurveRecord *record = g_ptr_array_index (snapshot->curves, i);
      g_autofree double *scratch = NULL;

      sqlite3_bind_int64 (stmt, 2, i);
      sqlite3_bind_int64 (stmt, 3, record->layer);
      sqlite3_bind_int64 (stmt, 4, record->head);
      bind_text (stmt, 5, record->kind);
      sqlite3_bind_int64 (stmt, 6, record->length);
      if (!bind_doubles (self, stmt, 7, record->values, record->length, &scratch, doing, error) ||
          !run_statement (self, stmt, doing, error))
        return FALSE;
    }

  stmt = self->statements[STMT_EVENT];
  sqlite3_bind_int64 (stmt, 1, step);
  for (guint i = 0; i < snapshot->events->len; i++)
    {
      const QksEventRecord *record = g_ptr_array_index (snapshot->events, i);

      sqlite3_bind_int64 (stmt, 2, i);
      sqlite3_bind_int64 (stmt, 3, record->layer);
      bind_text (stmt, 4, record->kind);
      bind_text (stmt, 5, record->detail);
      if (!run_statement (self, stmt, doing, error))
        return FALSE;
    }

  return TRUE;
}

/* One transaction: a reader, or the file after a crash, has the whole
 * snapshot or none of it. */
static gboolean
write_snapshot (QksRunWriter       *self,
                const QksSnapshot  *snapshot,
                GError            **error)
{
  g_autofree char *doing = g_strdup_printf ("writing the snapshot of step %u", snapshot->step);

  if (!run_statement (self, self->statements[STMT_BEGIN], doing, error))
    return FALSE;
  if (!write_snapshot_rows (self, snapshot, doing, error) ||
      !run_statement (self, self->statements[STMT_COMMIT], doing, error))
    {
      rollback (self);
      /* The series rows added went with the transaction. */
      for (guint i = 0; i < self->new_series->len; i++)
        g_hash_table_remove (self->series, g_ptr_array_index (self->new_series, i));
      g_ptr_array_set_size (self->new_series, 0);
      return FALSE;
    }
  g_ptr_array_set_size (self->new_series, 0);
  return TRUE;
}

static int
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize n_bytes;
  gconstpointer data;

  if (bytes == NULL)
    return sqlite3_bind_null (stmt, index);
  data = g_bytes_get_data (bytes, &n_bytes);
  if (n_bytes == 0)
    return sqlite3_bind_zeroblob (stmt, index, 0);
  return sqlite3_bind_blob64 (stmt, index, data, n_bytes, SQLITE_STATIC);
}

/* The weights and the optimizer state are one row: one cannot be
 * replaced without the other. */
static gboolean
write_checkpoint (QksRunWriter  *self,
                  guint          step,
                  GBytes        *weights,
                  GBytes        *optimizer,
                  GError       **error)
{
  sqlite3_stmt *stmt = self->statements[STMT_CHECKPOINT];
  g_autofree char *doing = g_strdup_printf ("writing the checkpoint of step %u", step);
  int rc;

  sqlite3_bind_int64 (stmt, 1, step);
  sqlite3_bind_double (stmt, 2, g_get_real_time () / 1e6);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) g_bytes_get_size (weights));
  rc = bind_bytes (stmt, 4, weights);
  if (rc == SQLITE_OK)
    rc = bind_bytes (stmt, 5, optimizer);
  if (rc != SQLITE_OK)
    {
      /* Beyond SQLite's 1 GB limit on a value (SQLITE_TOOBIG). */
      qks_run_set_error (error, rc, self->db, self->path, doing);
      sqlite3_clear_bindings (stmt);
      return FALSE;
    }
  if (!run_statement (self, stmt, doing, error))
    {
      sqlite3_clear_bindings (stmt);
      return FALSE;
    }
  sqlite3_clear_bindings (stmt);  /* lets the bytes go */
  return TRUE;
}

static gboolean
write_config (QksRunWriter  *self,
              const char    *config_json,
              GError       **error)
{
  sqlite3_stmt *stmt = self->statements[STMT_CONFIG];

  sqlite3_bind_text (stmt, 1, config_json, -1, SQLITE_STATIC);
  if (!run_statement (self, stmt, "replacing the run’s configuration", error))
    {
      sqlite3_clear_bindings (stmt);
      return FALSE;
    }
  sqlite3_clear_bindings (stmt);
  return TRUE;
}

static gboolean
discard_after (QksRunWriter  *self,
               guint          step,
               GError       **error)
{
  g_autofree char *doing = g_strdup_printf ("discarding the records after step %u", step);

  if (!run_statement (self, self->statements[STMT_BEGIN], doing, error))
    return FALSE;
  for (guint t = 0; t < G_N_ELEMENTS (qks_run_step_tables); t++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE step > %u",
                                              qks_run_step_tables[t], step);

      if (!qks_run_exec (self->db, sql, self->path, doing, error))
        {
          rollback (self);
          return FALSE;
        }
    }
  if (!run_statement (self, self->statements[STMT_COMMIT], doing, error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_size_limit (QksRunWriter  *self,
                guint64        max_bytes,
                GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  gint64 page_size;

  if (!qks_run_prepare (self->db, "PRAGMA page_size", FALSE, &stmt, self->path, error))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      qks_run_set_error (error, sqlite3_errcode (self->db), self->db, self->path,
                         "setting a size limit");
      return FALSE;
    }
  page_size = MAX (sqlite3_column_int64 (stmt, 0), 512);
  /* SQLite keeps the limit at least the current size. */
  sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GUINT64_FORMAT,
                         MIN (MAX (max_bytes / (guint64) page_size, 1), (guint64) G_MAXUINT32));
  return qks_run_exec (self->db, sql, self->path, "setting a size limit", error);
}

static gboolean
run_op (QksRunWriter  *self,
        WriterOp      *op,
        GError       **error)
{
  switch (op->kind)
    {
    case OP_STEP:
      return write_step (self, &op->record, error);
    case OP_SNAPSHOT:
      return write_snapshot (self, op->snapshot, error);
    case OP_CHECKPOINT:
      return write_checkpoint (self, op->step, op->bytes, op->optimizer, error);
    case OP_DISCARD_AFTER:
      return discard_after (self, op->step, error);
    case OP_CONFIG:
      return write_config (self, op->text, error);
    case OP_SIZE_LIMIT:
      return set_size_limit (self, op->size_limit, error);
    case OP_QUIT:
    default:
      g_assert_not_reached ();
    }
}

static gpointer
writer_thread (gpointer data)
{
  QksRunWriter *self = data;

  for (;;)
    {
      WriterOp *op = g_async_queue_pop (self->queue);
      gboolean quit = op->kind == OP_QUIT;
      GError *local_error = NULL;

      /* Only this thread sets the error, so it reads it unlocked. After a
       * failure nothing more is written: the file keeps the history up to
       * it, without holes. */
      if (!quit && self->error == NULL)
        run_op (self, op, &local_error);
      writer_op_free (op);

      g_mutex_lock (&self->mutex);
      if (local_error != NULL)
        self->error = local_error;
      if (!quit)
        self->n_done++;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->mutex);

      if (quit)
        break;
    }
  return NULL;
}

/* Creating and opening ------------------------------------------------------ */

static void
close_database (QksRunWriter *self)
{
  for (guint i = 0; i < N_STATEMENTS; i++)
    g_clear_pointer (&self->statements[i], sqlite3_finalize);
  /* The last connection to close checkpoints the WAL into the file and
   * removes it. */
  g_clear_pointer (&self->db, sqlite3_close);
}

/* ?1 is the step, shared by the rows; then five parameters a row. */
static char *
metric_insert_sql (guint n_rows)
{
  GString *sql = g_string_new ("INSERT INTO metrics (step, series, seq, value, value_bits, flags) "
                               "VALUES ");

  for (guint r = 0; r < n_rows; r++)
    {
      guint p = 2 + 5 * r;

      g_string_append_printf (sql, "%s(?1, ?%u, ?%u, ?%u, ?%u, ?%u)", r > 0 ? ", " : "",
                              p, p + 1, p + 2, p + 3, p + 4);
    }
  return g_string_free (sql, FALSE);
}

/* The series the file already has, so that appending adds only new ones. */
static gboolean
load_series (QksRunWriter  *self,
             GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!qks_run_prepare (self->db, "SELECT id, layer, head, form, name FROM series", FALSE,
                        &stmt, self->path, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SeriesEntry entry;
      const char *form = (const char *) sqlite3_column_text (stmt, 3);
      const char *name = (const char *) sqlite3_column_text (stmt, 4);
      gint64 layer = sqlite3_column_int64 (stmt, 1), head = sqlite3_column_int64 (stmt, 2);

      /* A row this version cannot have written is left alone. */
      if (name == NULL || !qks_form_kind_from_string (form, &entry.form) ||
          layer < 0 || layer > G_MAXUINT || head < G_MININT || head > G_MAXINT)
        continue;
      entry.id = sqlite3_column_int64 (stmt, 0);
      entry.layer = (guint) layer;
      entry.head = (int) head;
      entry.name = g_intern_string (name);
      g_hash_table_add (self->series, g_memdup2 (&entry, sizeof entry));
    }
  if (rc != SQLITE_DONE)
    {
      qks_run_set_error (error, rc, self->db, self->path, "reading its series");
      return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_statements (QksRunWriter  *self,
                    GError       **error)
{
  for (guint i = 0; i < N_STATEMENTS; i++)
    {
      g_autofree char *sql = NULL;

      if (i >= STMT_DELETE_SNAPSHOT)
        sql = g_strdup_printf ("DELETE FROM %s WHERE step = ?1",
                               qks_run_snapshot_tables[i - STMT_DELETE_SNAPSHOT]);
      else if (i == STMT_METRIC)
        sql = metric_insert_sql (1);
      else if (i == STMT_METRIC_BATCH)
        sql = metric_insert_sql (METRIC_BATCH);
      else
        sql = g_strdup (statement_sql[i]);
      if (!qks_run_prepare (self->db, sql, TRUE, &self->statements[i], self->path, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
set_journal_mode (QksRunWriter  *self,
                  GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *pragmas = NULL;
  const char *mode;

  /* WAL: readers see every committed step while the writer goes on, and a
   * commit is a single append. */
  if (!qks_run_prepare (self->db, "PRAGMA journal_mode = WAL", FALSE, &stmt, self->path, error))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      qks_run_set_error (error, sqlite3_errcode (self->db), self->db, self->path,
                         "switching to WAL mode");
      return FALSE;
    }
  mode = (const char *) sqlite3_column_text (stmt, 0);
  if (g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_FAILED,
                   "Could not write to “%s”: its file system does not allow SQLite’s "
                   "write-ahead log (journal mode “%s”)", self->path, mode);
      return FALSE;
    }

  /* With WAL, NORMAL loses no committed transaction when the process dies,
   * only (at most) the last ones when the machine does. */
  pragmas = g_strdup_printf ("PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = %d;",
                             JOURNAL_SIZE_LIMIT);
  return qks_run_exec (self->db, pragmas, self->path, NULL, error);
}

/* A file from before checkpoints kept the optimizer state gains the
 * column (NULL in its old rows), so that this writer can fill it. */
static gboolean
add_optimizer_column (QksRunWriter  *self,
                      GError       **error)
{
  gboolean has;

  if (!qks_run_has_optimizer_column (self->db, self->path, &has, error))
    return FALSE;
  if (has)
    return TRUE;
  return qks_run_exec (self->db, qks_run_add_optimizer_column_sql, self->path,
                       "adding the optimizer state to its checkpoints", error);
}

/**
 * qks_run_writer_open_append:
 *
 * Opens an existing run to add to it (a resumed run), and starts the
 * writer thread. Only one writer may write a file at a time.
 *
 * Returns: (transfer full): the writer, or %NULL with @error naming the
 *   file and what is wrong with it.
 */
QksRunWriter *
qks_run_writer_open_append (const char  *path,
                            GError     **error)
{
  g_autoptr(QksRunWriter) self = NULL;
  sqlite3 *db;
  int version;

  g_return_val_if_fail (path != NULL, NULL);

  if (!qks_run_open_database (path, TRUE, &db, &version, error))
    return NULL;

  self = g_new0 (QksRunWriter, 1);
  self->path = g_strdup (path);
  self->db = db;
  self->queue = g_async_queue_new ();
  self->series = g_hash_table_new_full (series_entry_hash, series_entry_equal, g_free, NULL);
  self->new_series = g_ptr_array_new ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);

  if (version != QKS_RUN_SCHEMA_VERSION)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_VERSION,
                   "“%s” has run format %d; this version adds only to format %d",
                   path, version, QKS_RUN_SCHEMA_VERSION);
      return NULL;
    }
  if (!set_journal_mode (self, error) || !add_optimizer_column (self, error) ||
      !prepare_statements (self, error) || !load_series (self, error))
    return NULL;

  self->thread = g_thread_try_new ("qks-run-writer", writer_thread, self, error);
  if (self->thread == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
insert_text (sqlite3      *db,
             const char   *sql,
             const char   *first,
             const char   *second,
             const char   *path,
             GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!qks_run_prepare (db, sql, FALSE, &stmt, path, error))
    return FALSE;
  sqlite3_bind_text (stmt, 1, first, -1, SQLITE_STATIC);
  if (second != NULL)
    sqlite3_bind_text (stmt, 2, second, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      qks_run_set_error (error, rc, db, path, "creating the run");
      return FALSE;
    }
  return TRUE;
}

/* The schema, the metadata and the configuration, in a file that no one
 * else sees yet. */
static gboolean
build_empty_run (const char  *path,
                 const char  *shown_path,
                 const char  *config_json,
                 GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *version = g_strdup_printf ("%d", QKS_RUN_SCHEMA_VERSION);
  g_autofree char *header = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d;",
                                             QKS_RUN_APPLICATION_ID, QKS_RUN_SCHEMA_VERSION);
  const char *meta[][2] = {
    { "schema_version", version },
    { "format", "qkrun" },
    { "application", PACKAGE_NAME },
    { "app_version", PACKAGE_VERSION },
    { "created", created },
    { "sqlite_version", sqlite3_libversion () },
  };
  sqlite3 *db = NULL;
  gboolean ok = FALSE;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      qks_run_set_error (error, rc, db, shown_path, "creating the run");
      goto out;
    }
  if (!qks_run_exec (db, header, shown_path, "creating the run", error) ||
      !qks_run_exec (db, "BEGIN", shown_path, "creating the run", error) ||
      !qks_run_exec (db, qks_run_schema_sql, shown_path, "creating the run", error))
    goto out;
  for (guint i = 0; i < G_N_ELEMENTS (meta); i++)
    if (!insert_text (db, "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                      meta[i][0], meta[i][1], shown_path, error))
      goto out;
  if (!insert_text (db, "INSERT INTO config (id, json) VALUES (1, ?1)",
                    config_json, NULL, shown_path, error) ||
      !qks_run_exec (db, "COMMIT", shown_path, "creating the run", error) ||
      !qks_run_exec (db, "PRAGMA journal_mode = WAL", shown_path, "creating the run", error))
    goto out;
  ok = TRUE;

out:
  /* Closing the only connection leaves no -wal or -shm beside it. */
  if (db != NULL && sqlite3_close (db) != SQLITE_OK && ok)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_FAILED,
                   "Could not create “%s”: SQLite did not close it", shown_path);
      ok = FALSE;
    }
  return ok;
}

static gboolean
move_into_place (const char  *from,
                 const char  *to,
                 gboolean     overwrite,
                 GError     **error)
{
  int rc, saved_errno;

  if (overwrite)
    rc = g_rename (from, to);
  else
    {
#ifdef RENAME_NOREPLACE
      rc = renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
      if (rc != 0 && (errno == EINVAL || errno == ENOSYS))
#endif
        {
          /* A file system without an atomic no-replace rename: check, then
           * rename. */
          if (g_file_test (to, G_FILE_TEST_EXISTS))
            {
              errno = EEXIST;
              rc = -1;
            }
          else
            rc = g_rename (from, to);
        }
    }
  saved_errno = errno;

  if (rc != 0)
    {
      if (saved_errno == EEXIST)
        g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_EXISTS,
                     "“%s” already exists; choose another name or allow overwriting it", to);
      else
        g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_FAILED,
                     "Could not create “%s”: %s", to, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/**
 * qks_run_writer_create:
 * @config_json: the run's configuration, a JSON object
 * @overwrite: replace a file at @path; else refuse
 *
 * Creates a new run file and starts its writer thread. The file is built
 * under a temporary name and renamed into place, so that no one ever sees
 * it half made.
 *
 * Returns: (transfer full): the writer, or %NULL with @error
 *   (%QKS_RUN_ERROR_EXISTS when @path exists and @overwrite is %FALSE).
 */
QksRunWriter *
qks_run_writer_create (const char  *path,
                       const char  *config_json,
                       gboolean     overwrite,
                       GError     **error)
{
  g_autoptr(JsonNode) config = NULL;
  g_autoptr(GError) json_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_path = NULL;
  int fd, saved_errno;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (config_json != NULL, NULL);

  config = qks_json_parse_strict (config_json, strlen (config_json), 64, &json_error);
  if (config == NULL || !JSON_NODE_HOLDS_OBJECT (config))
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_INVALID,
                   "Could not create “%s”: the run’s configuration is not a JSON object%s%s",
                   path, json_error != NULL ? ": " : "",
                   json_error != NULL ? json_error->message : "");
      return NULL;
    }
  if (!overwrite && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_EXISTS,
                   "“%s” already exists; choose another name or allow overwriting it", path);
      return NULL;
    }

  /* Beside the target, so that the rename stays on one file system. */
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp_path = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, base);
  fd = g_mkstemp_full (tmp_path, O_RDWR, 0666);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_OPEN,
                   "Could not create “%s”: %s", path, g_strerror (saved_errno));
      return NULL;
    }
  close (fd);

  if (!build_empty_run (tmp_path, path, config_json, error))
    {
      qks_run_remove_database_files (tmp_path);
      return NULL;
    }

  /* A -wal left by an earlier file of this name would be replayed into
   * the new one. */
  if (overwrite || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);

      g_remove (wal);
      g_remove (shm);
    }
  if (!move_into_place (tmp_path, path, overwrite, error))
    {
      qks_run_remove_database_files (tmp_path);
      return NULL;
    }

  return qks_run_writer_open_append (path, error);
}

/* Closing -------------------------------------------------------------------- */

static gboolean
report_error (QksRunWriter  *self,
              GError       **error)
{
  gboolean ok;

  g_mutex_lock (&self->mutex);
  ok = self->error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (self->error));
  g_mutex_unlock (&self->mutex);
  return ok;
}

/**
 * qks_run_writer_close:
 *
 * Writes everything queued, stops the writer thread and closes the file.
 * Further appends are programming errors; closing again only reports the
 * error again.
 *
 * Returns: %FALSE with the first write that failed, if one did.
 */
gboolean
qks_run_writer_close (QksRunWriter  *self,
                      GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->thread != NULL)
    {
      WriterOp *op = g_new0 (WriterOp, 1);

      op->kind = OP_QUIT;
      g_async_queue_push (self->queue, op);
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  close_database (self);
  return report_error (self, error);
}

void
qks_run_writer_free (QksRunWriter *self)
{
  if (self == NULL)
    return;

  qks_run_writer_close (self, NULL);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->series, g_hash_table_unref);
  g_clear_pointer (&self->new_series, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}

const char *
qks_run_writer_get_path (QksRunWriter *self)
{
  return self->path;
}

/* Appending, from any one thread --------------------------------------------- */

static void
push_op (QksRunWriter *self,
         WriterOp     *op)
{
  gboolean failed;

  g_mutex_lock (&self->mutex);
  failed = self->error != NULL;
  if (!failed)
    self->n_queued++;
  g_mutex_unlock (&self->mutex);

  /* After a failure nothing more is written; drop it here rather than
   * keep it in memory. */
  if (failed)
    writer_op_free (op);
  else
    g_async_queue_push (self->queue, op);
}

/**
 * qks_run_writer_append_step:
 *
 * Queues one training step's record (copied). Returns at once.
 */
void
qks_run_writer_append_step (QksRunWriter        *self,
                            const QksStepRecord *record)
{
  WriterOp *op;

  g_return_if_fail (self != NULL && self->thread != NULL);
  g_return_if_fail (record != NULL);

  op = g_new0 (WriterOp, 1);
  op->kind = OP_STEP;
  op->step = record->step;
  op->record = *record;
  push_op (self, op);
}

/**
 * qks_run_writer_append_snapshot:
 * @snapshot: (transfer full): freed by the writer thread once written
 *
 * Queues a snapshot. It replaces any snapshot of the same step in the
 * file. Returns at once.
 */
void
qks_run_writer_append_snapshot (QksRunWriter *self,
                                QksSnapshot  *snapshot)
{
  WriterOp *op;

  g_return_if_fail (self != NULL && self->thread != NULL);
  g_return_if_fail (snapshot != NULL);

  op = g_new0 (WriterOp, 1);
  op->kind = OP_SNAPSHOT;
  op->step = snapshot->step;
  op->snapshot = snapshot;
  push_op (self, op);
}

/**
 * qks_run_writer_append_checkpoint:
 * @weights: the bytes of the weights' safetensors file, as model.safetensors
 *   holds them (a reference is taken)
 * @optimizer: (nullable): the bytes of the optimizer state's safetensors
 *   file, as optimizer.safetensors holds them (a reference is taken), or
 *   %NULL for weights only (a checkpoint that cannot be resumed)
 *
 * Queues the checkpoint at @step; it replaces one of the same step,
 * weights and optimizer state together. Returns at once.
 */
void
qks_run_writer_append_checkpoint (QksRunWriter *self,
                                  guint         step,
                                  GBytes       *weights,
                                  GBytes       *optimizer)
{
  WriterOp *op;

  g_return_if_fail (self != NULL && self->thread != NULL);
  g_return_if_fail (weights != NULL);

  op = g_new0 (WriterOp, 1);
  op->kind = OP_CHECKPOINT;
  op->step = step;
  op->bytes = g_bytes_ref (weights);
  op->optimizer = optimizer != NULL ? g_bytes_ref (optimizer) : NULL;
  push_op (self, op);
}

/**
 * qks_run_writer_replace_config:
 * @config_json: the run's configuration, a JSON object
 *
 * Queues a new configuration for the run (a resumed run that goes on for
 * more steps). Returns at once.
 *
 * Returns: %FALSE with %QKS_RUN_ERROR_INVALID, queuing nothing, when
 *   @config_json is not a JSON object.
 */
gboolean
qks_run_writer_replace_config (QksRunWriter  *self,
                               const char    *config_json,
                               GError       **error)
{
  g_autoptr(JsonNode) config = NULL;
  g_autoptr(GError) json_error = NULL;
  WriterOp *op;

  g_return_val_if_fail (self != NULL && self->thread != NULL, FALSE);
  g_return_val_if_fail (config_json != NULL, FALSE);

  config = qks_json_parse_strict (config_json, strlen (config_json), 64, &json_error);
  if (config == NULL || !JSON_NODE_HOLDS_OBJECT (config))
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_INVALID,
                   "Could not store a configuration in “%s”: it is not a JSON object%s%s",
                   self->path, json_error != NULL ? ": " : "",
                   json_error != NULL ? json_error->message : "");
      return FALSE;
    }

  op = g_new0 (WriterOp, 1);
  op->kind = OP_CONFIG;
  op->text = g_strdup (config_json);
  push_op (self, op);
  return TRUE;
}

/**
 * qks_run_writer_discard_after:
 *
 * Queues the removal of every record of a step after @step: a run resumed
 * from the checkpoint at @step starts a new future.
 */
void
qks_run_writer_discard_after (QksRunWriter *self,
                              guint         step)
{
  WriterOp *op;

  g_return_if_fail (self != NULL && self->thread != NULL);

  op = g_new0 (WriterOp, 1);
  op->kind = OP_DISCARD_AFTER;
  op->step = step;
  push_op (self, op);
}

/**
 * qks_run_writer_set_size_limit:
 * @max_bytes: the most the file may hold (never less than it holds now)
 *
 * Queues a cap on the file's size (SQLite's max_page_count, for this
 * writer). A write that would pass it fails as a full disk would, with
 * %QKS_RUN_ERROR_NO_SPACE.
 */
void
qks_run_writer_set_size_limit (QksRunWriter *self,
                               guint64       max_bytes)
{
  WriterOp *op;

  g_return_if_fail (self != NULL && self->thread != NULL);

  op = g_new0 (WriterOp, 1);
  op->kind = OP_SIZE_LIMIT;
  op->size_limit = max_bytes;
  push_op (self, op);
}

/**
 * qks_run_writer_flush:
 *
 * Waits until everything queued before this call is committed (or
 * dropped after a failure).
 *
 * Returns: %FALSE with the first write that failed, if one did. A failure
 *   is sticky: the file keeps everything committed before it, and nothing
 *   after it is written.
 */
gboolean
qks_run_writer_flush (QksRunWriter  *self,
                      GError       **error)
{
  guint64 target;

  g_return_val_if_fail (self != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  target = self->n_queued;
  while (self->n_done < target)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return report_error (self, error);
}

/**
 * qks_run_writer_get_error:
 *
 * Returns: (nullable) (transfer none): the first write that failed, or
 *   %NULL; valid as long as the writer.
 */
const GError *
qks_run_writer_get_error (QksRunWriter *self)
{
  const GError *error;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  error = self->error;
  g_mutex_unlock (&self->mutex);
  return error;
}
