/* qks-run-reader.c: read a .qkrun file, also while it is written
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-run-private.h"

/* The schema is documented in qks-run.c. A reader holds no transaction
 * between calls, so that it never stops the writer's checkpoints and each
 * call sees everything committed before it began; a call that reads
 * several tables reads them in one transaction, so it sees one state of
 * the file. A reader is used by one thread at a time. */
struct _QksRunReader
{
  char       *path;
  sqlite3    *db;
  int         schema_version;
  char       *config_json;
  GHashTable *meta;           /* key → value */
  gint64      data_version;
};

static gboolean corrupt (GError     **error,
                         const char  *path,
                         const char  *format,
                         ...) G_GNUC_PRINTF (3, 4);

static gboolean
corrupt (GError     **error,
         const char  *path,
         const char  *format,
         ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_CORRUPT, "“%s” is damaged: %s", path, detail);
  return FALSE;
}

/* Statements ------------------------------------------------------------------ */

static gboolean
prepare (QksRunReader   *self,
         const char     *sql,
         sqlite3_stmt  **stmt,
         GError        **error)
{
  return qks_run_prepare (self->db, sql, FALSE, stmt, self->path, error);
}

/* SQLITE_ROW: TRUE with *has_row; SQLITE_DONE: TRUE without. */
static gboolean
next_row (QksRunReader  *self,
          sqlite3_stmt  *stmt,
          gboolean      *has_row,
          const char    *doing,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      qks_run_set_error (error, rc, self->db, self->path, doing);
      return FALSE;
    }
  return TRUE;
}

static gboolean
begin_read (QksRunReader  *self,
            const char    *doing,
            GError       **error)
{
  return qks_run_exec (self->db, "BEGIN", self->path, doing, error);
}

static void
end_read (QksRunReader *self)
{
  /* Nothing to lose: only the read lock is released. */
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
column_uint (sqlite3_stmt *stmt,
             int           column,
             guint        *value)
{
  gint64 v = sqlite3_column_int64 (stmt, column);

  if (sqlite3_column_type (stmt, column) != SQLITE_INTEGER || v < 0 || v > G_MAXUINT)
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

static gboolean
column_int (sqlite3_stmt *stmt,
            int           column,
            int          *value)
{
  gint64 v = sqlite3_column_int64 (stmt, column);

  if (sqlite3_column_type (stmt, column) != SQLITE_INTEGER || v < G_MININT || v > G_MAXINT)
    return FALSE;
  *value = (int) v;
  return TRUE;
}

/* NULL is NaN, “not measured”. */
static double
column_real (sqlite3_stmt *stmt,
             int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NAN;
  return sqlite3_column_double (stmt, column);
}

static gboolean
column_form (sqlite3_stmt *stmt,
             int           column,
             QksFormKind  *form)
{
  return qks_form_kind_from_string ((const char *) sqlite3_column_text (stmt, column), form);
}

/* Reads a little-endian float64 BLOB of exactly @n values into a new
 * array of MAX (@n, 1), the size the snapshot's records keep. */
static gboolean
column_doubles (sqlite3_stmt  *stmt,
                int            column,
                guint64        n,
                double       **values)
{
  const void *blob = sqlite3_column_blob (stmt, column);
  guint64 n_bytes = (guint64) sqlite3_column_bytes (stmt, column);

  if (sqlite3_column_type (stmt, column) != SQLITE_BLOB ||
      n > G_MAXSIZE / sizeof (double) || n_bytes != n * sizeof (double))
    return FALSE;
  *values = g_new0 (double, MAX (n, 1));
  qks_run_doubles_from_le (blob, (gsize) n, *values);
  return TRUE;
}

static char *
column_text_dup (sqlite3_stmt *stmt,
                 int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Opening ---------------------------------------------------------------------- */

static gboolean
read_meta_and_config (QksRunReader  *self,
                      GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean has_row;

  if (!prepare (self, "SELECT key, value FROM meta", &stmt, error))
    return FALSE;
  for (;;)
    {
      if (!next_row (self, stmt, &has_row, "reading its metadata", error))
        return FALSE;
      if (!has_row)
        break;
      g_hash_table_replace (self->meta, column_text_dup (stmt, 0), column_text_dup (stmt, 1));
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!prepare (self, "SELECT json FROM config WHERE id = 1", &stmt, error) ||
      !next_row (self, stmt, &has_row, "reading its configuration", error))
    return FALSE;
  if (!has_row || sqlite3_column_type (stmt, 0) != SQLITE_TEXT)
    return corrupt (error, self->path, "it holds no configuration");
  self->config_json = column_text_dup (stmt, 0);
  return TRUE;
}

static gboolean
query_data_version (QksRunReader  *self,
                    gint64        *version,
                    GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean has_row;

  if (!prepare (self, "PRAGMA data_version", &stmt, error) ||
      !next_row (self, stmt, &has_row, NULL, error))
    return FALSE;
  *version = has_row ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

/**
 * qks_run_reader_open:
 *
 * Opens a run read-only. It may be being written, by this process or
 * another.
 *
 * Returns: (transfer full): the reader, or %NULL with @error naming the
 *   file and what it is instead: missing (%QKS_RUN_ERROR_OPEN), not a run
 *   (%QKS_RUN_ERROR_NOT_A_RUN), truncated or damaged
 *   (%QKS_RUN_ERROR_CORRUPT), from a newer version (%QKS_RUN_ERROR_VERSION).
 */
QksRunReader *
qks_run_reader_open (const char  *path,
                     GError     **error)
{
  g_autoptr(QksRunReader) self = NULL;
  sqlite3 *db;
  int version;

  g_return_val_if_fail (path != NULL, NULL);

  if (!qks_run_open_database (path, FALSE, &db, &version, error))
    return NULL;

  self = g_new0 (QksRunReader, 1);
  self->path = g_strdup (path);
  self->db = db;
  self->schema_version = version;
  self->meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!begin_read (self, "reading its metadata", error))
    return NULL;
  if (!read_meta_and_config (self, error) ||
      !query_data_version (self, &self->data_version, error))
    {
      end_read (self);
      return NULL;
    }
  end_read (self);
  return g_steal_pointer (&self);
}

void
qks_run_reader_free (QksRunReader *self)
{
  if (self == NULL)
    return;

  sqlite3_close (self->db);
  g_clear_pointer (&self->meta, g_hash_table_unref);
  g_free (self->config_json);
  g_free (self->path);
  g_free (self);
}

const char *
qks_run_reader_get_path (QksRunReader *self)
{
  return self->path;
}

const char *
qks_run_reader_get_config_json (QksRunReader *self)
{
  return self->config_json;
}

/**
 * qks_run_reader_get_meta:
 * @key: "app_version", "created", … (qks-run.c)
 *
 * Returns: (nullable): the value as the file was opened.
 */
const char *
qks_run_reader_get_meta (QksRunReader *self,
                         const char   *key)
{
  return g_hash_table_lookup (self->meta, key);
}

int
qks_run_reader_get_schema_version (QksRunReader *self)
{
  return self->schema_version;
}

/**
 * qks_run_reader_refresh:
 * @changed: (out): whether someone committed to the file since the last
 *   refresh (or since it was opened)
 *
 * Every call already sees everything committed before it; this tells,
 * cheaply, whether there is anything new to list.
 */
gboolean
qks_run_reader_refresh (QksRunReader  *self,
                        gboolean      *changed,
                        GError       **error)
{
  gint64 version;

  if (!query_data_version (self, &version, error))
    return FALSE;
  *changed = version != self->data_version;
  self->data_version = version;
  return TRUE;
}

/**
 * qks_run_reader_check_integrity:
 *
 * Runs SQLite's integrity check over the whole file (it reads all of it).
 *
 * Returns: %FALSE with %QKS_RUN_ERROR_CORRUPT and SQLite's first findings
 *   if the file is damaged.
 */
gboolean
qks_run_reader_check_integrity (QksRunReader  *self,
                                GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) findings = g_string_new (NULL);
  gboolean has_row;

  if (!prepare (self, "PRAGMA integrity_check (10)", &stmt, error))
    return FALSE;
  for (;;)
    {
      const char *text;

      if (!next_row (self, stmt, &has_row, "checking its integrity", error))
        return FALSE;
      if (!has_row)
        break;
      text = (const char *) sqlite3_column_text (stmt, 0);
      if (g_strcmp0 (text, "ok") != 0)
        g_string_append_printf (findings, "%s%s", findings->len > 0 ? "; " : "", text);
    }
  if (findings->len > 0)
    return corrupt (error, self->path, "%s", findings->str);
  return TRUE;
}

/* Step records ----------------------------------------------------------------- */

static GArray *
list_uints (QksRunReader  *self,
            const char    *sql,
            const char    *doing,
            GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean has_row;

  if (!prepare (self, sql, &stmt, error))
    return NULL;
  for (;;)
    {
      guint step;

      if (!next_row (self, stmt, &has_row, doing, error))
        return NULL;
      if (!has_row)
        break;
      if (!column_uint (stmt, 0, &step))
        {
          corrupt (error, self->path, "a step is not a step number (%s)", doing);
          return NULL;
        }
      g_array_append_val (steps, step);
    }
  return g_steal_pointer (&steps);
}

/**
 * qks_run_reader_list_steps:
 *
 * Returns: (transfer full) (element-type guint): the steps with a training
 *   record, ascending.
 */
GArray *
qks_run_reader_list_steps (QksRunReader  *self,
                           GError       **error)
{
  return list_uints (self, "SELECT step FROM steps ORDER BY step", "listing its steps", error);
}

static const char step_columns[] =
  "step, wall_time, train_loss, val_loss, learning_rate, grad_norm, tokens_per_second, flops";

static gboolean
read_step_record (QksRunReader   *self,
                  sqlite3_stmt   *stmt,
                  QksStepRecord  *record,
                  GError        **error)
{
  if (!column_uint (stmt, 0, &record->step))
    return corrupt (error, self->path, "a step record has no valid step");
  record->wall_time = column_real (stmt, 1);
  record->train_loss = column_real (stmt, 2);
  record->val_loss = column_real (stmt, 3);
  record->learning_rate = column_real (stmt, 4);
  record->grad_norm = column_real (stmt, 5);
  record->tokens_per_second = column_real (stmt, 6);
  record->flops = column_real (stmt, 7);
  return TRUE;
}

/**
 * qks_run_reader_get_step_record:
 *
 * Returns: %FALSE with %QKS_RUN_ERROR_NOT_FOUND when @step has no record.
 */
gboolean
qks_run_reader_get_step_record (QksRunReader   *self,
                                guint           step,
                                QksStepRecord  *record,
                                GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM steps WHERE step = ?1", step_columns);
  gboolean has_row;

  if (!prepare (self, sql, &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, step);
  if (!next_row (self, stmt, &has_row, "reading a step record", error))
    return FALSE;
  if (!has_row)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                   "“%s” has no record of step %u", self->path, step);
      return FALSE;
    }
  return read_step_record (self, stmt, record, error);
}

/**
 * qks_run_reader_load_step_records:
 * @first_step: the first step wanted: 0 for all, or one past the last
 *   seen to fetch only what is new
 *
 * Returns: (transfer full) (element-type QksStepRecord): the records of
 *   the steps from @first_step on, ascending.
 */
GArray *
qks_run_reader_load_step_records (QksRunReader  *self,
                                  guint          first_step,
                                  GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (QksStepRecord));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM steps WHERE step >= ?1 ORDER BY step",
                                          step_columns);
  gboolean has_row;

  if (!prepare (self, sql, &stmt, error))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, first_step);
  for (;;)
    {
      QksStepRecord record;

      if (!next_row (self, stmt, &has_row, "reading the step records", error))
        return NULL;
      if (!has_row)
        break;
      if (!read_step_record (self, stmt, &record, error))
        return NULL;
      g_array_append_val (records, record);
    }
  return g_steal_pointer (&records);
}

/* Snapshots --------------------------------------------------------------------- */

/**
 * qks_run_reader_list_snapshot_steps:
 *
 * Returns: (transfer full) (element-type guint): the steps with a
 *   (complete) snapshot, ascending.
 */
GArray *
qks_run_reader_list_snapshot_steps (QksRunReader  *self,
                                    GError       **error)
{
  return list_uints (self, "SELECT step FROM snapshots ORDER BY step",
                     "listing its snapshots", error);
}

/* Runs a “WHERE step = ?1 ORDER BY seq” query over one snapshot table and
 * hands each row to @read_row, checking that the rows are seq 0 … n − 1:
 * a snapshot is whole or it is reported as damaged. */
typedef gboolean (*ReadRowFunc) (QksRunReader  *self,
                                 sqlite3_stmt  *stmt,
                                 QksSnapshot   *snapshot);

static gboolean
read_rows (QksRunReader  *self,
           QksSnapshot   *snapshot,
           const char    *table,
           const char    *columns,
           guint          expected,
           ReadRowFunc    read_row,
           const char    *doing,
           GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT seq, %s FROM %s WHERE step = ?1 ORDER BY seq",
                                          columns, table);
  gboolean has_row;
  guint n = 0;

  if (!prepare (self, sql, &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, snapshot->step);
  for (;;)
    {
      guint seq;

      if (!next_row (self, stmt, &has_row, doing, error))
        return FALSE;
      if (!has_row)
        break;
      if (!column_uint (stmt, 0, &seq) || seq != n)
        return corrupt (error, self->path, "the snapshot of step %u lacks row %u of %s",
                        snapshot->step, n, table);
      if (!read_row (self, stmt, snapshot))
        return corrupt (error, self->path, "row %u of %s in the snapshot of step %u is invalid",
                        n, table, snapshot->step);
      n++;
    }
  if (n != expected)
    return corrupt (error, self->path, "the snapshot of step %u has %u rows of %s, not %u",
                    snapshot->step, n, table, expected);
  return TRUE;
}

/* Metrics come in the table's key order, (series, seq), and each goes to
 * its place seq: no sort. A seq out of range or seen twice, or a row
 * missing, is damage. */
static gboolean
read_metrics (QksRunReader  *self,
              QksSnapshot   *snapshot,
              guint          expected,
              const char    *doing,
              GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean has_row;
  guint n = 0;

  if (!prepare (self, "SELECT seq, layer, head, form, name, value, value_bits, flags "
                      "FROM metric_rows WHERE step = ?1", &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, snapshot->step);
  g_array_set_size (snapshot->metrics, expected);  /* zeroed: name NULL marks a free place */
  for (;;)
    {
      QksMetricRow *row;
      guint seq, layer, flags;
      int head;
      QksFormKind form;
      const char *name;

      if (!next_row (self, stmt, &has_row, doing, error))
        return FALSE;
      if (!has_row)
        break;
      name = (const char *) sqlite3_column_text (stmt, 4);
      if (!column_uint (stmt, 0, &seq) || seq >= expected ||
          g_array_index (snapshot->metrics, QksMetricRow, seq).name != NULL ||
          !column_uint (stmt, 1, &layer) || !column_int (stmt, 2, &head) ||
          !column_form (stmt, 3, &form) || name == NULL || !column_uint (stmt, 7, &flags))
        return corrupt (error, self->path, "a metric row of the snapshot of step %u is invalid",
                        snapshot->step);

      row = &g_array_index (snapshot->metrics, QksMetricRow, seq);
      row->layer = layer;
      row->head = head;
      row->form = form;
      row->name = g_intern_string (name);
      if (sqlite3_column_type (stmt, 6) == SQLITE_INTEGER)
        row->value = qks_run_double_from_bits (sqlite3_column_int64 (stmt, 6));
      else
        row->value = column_real (stmt, 5);
      row->flags = (QksMetricFlags) flags;
      n++;
    }
  if (n != expected)
    return corrupt (error, self->path, "the snapshot of step %u has %u rows of metrics, not %u",
                    snapshot->step, n, expected);
  return TRUE;
}

static gboolean
read_spectrum (QksRunReader *self,
               sqlite3_stmt *stmt,
               QksSnapshot  *snapshot)
{
  g_autofree double *eigenvalues = NULL;
  QksSpectrumRecord *record;
  guint layer, n_rows, n_cols, rank, chain[8], chain_length;
  int head;
  QksFormKind form;

  if (!column_uint (stmt, 1, &layer) || !column_int (stmt, 2, &head) ||
      !column_form (stmt, 3, &form) || !column_uint (stmt, 4, &n_rows) ||
      !column_uint (stmt, 5, &n_cols) || !column_uint (stmt, 6, &rank) ||
      !column_doubles (stmt, 7, rank, &eigenvalues) ||
      !qks_run_chain_from_string ((const char *) sqlite3_column_text (stmt, 15),
                                  chain, &chain_length))
    return FALSE;

  record = qks_snapshot_add_spectrum (snapshot, layer, head, form, n_rows, n_cols,
                                      eigenvalues, rank);
  record->sigma2 = column_real (stmt, 8);
  record->lambda_minus = column_real (stmt, 9);
  record->lambda_plus = column_real (stmt, 10);
  record->lambda_threshold = column_real (stmt, 11);
  record->null_law = column_text_dup (stmt, 12);
  record->estimator = column_text_dup (stmt, 13);
  record->threshold = column_text_dup (stmt, 14);
  record->chain_length = chain_length;
  memcpy (record->chain, chain, chain_length * sizeof (guint));
  return TRUE;
}

static gboolean
read_matrix (QksRunReader *self,
             sqlite3_stmt *stmt,
             QksSnapshot  *snapshot)
{
  g_autofree double *data = NULL;
  g_autofree char *kind = column_text_dup (stmt, 2);
  guint layer, rows, cols;

  if (!column_uint (stmt, 1, &layer) || !column_uint (stmt, 3, &rows) ||
      !column_uint (stmt, 4, &cols) || !column_doubles (stmt, 5, (guint64) rows * cols, &data))
    return FALSE;
  qks_snapshot_add_matrix (snapshot, layer, kind, rows, cols, data);
  return TRUE;
}

static gboolean
read_curve (QksRunReader *self,
            sqlite3_stmt *stmt,
            QksSnapshot  *snapshot)
{
  g_autofree double *values = NULL;
  g_autofree char *kind = column_text_dup (stmt, 3);
  guint layer, length;
  int head;

  if (!column_uint (stmt, 1, &layer) || !column_int (stmt, 2, &head) ||
      !column_uint (stmt, 4, &length) || !column_doubles (stmt, 5, length, &values))
    return FALSE;
  qks_snapshot_add_curve (snapshot, layer, head, kind, length, values);
  return TRUE;
}

static gboolean
read_event (QksRunReader *self,
            sqlite3_stmt *stmt,
            QksSnapshot  *snapshot)
{
  guint layer;

  if (!column_uint (stmt, 1, &layer))
    return FALSE;
  qks_snapshot_add_event (snapshot, layer, (const char *) sqlite3_column_text (stmt, 2),
                          (const char *) sqlite3_column_text (stmt, 3));
  return TRUE;
}

static QksSnapshot *
read_snapshot (QksRunReader  *self,
               guint          step,
               const char    *doing,
               GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(QksSnapshot) snapshot = NULL;
  guint counts[5];
  gboolean has_row;

  if (!prepare (self, "SELECT n_metrics, n_spectra, n_matrices, n_curves, n_events "
                      "FROM snapshots WHERE step = ?1", &stmt, error))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, step);
  if (!next_row (self, stmt, &has_row, doing, error))
    return NULL;
  if (!has_row)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                   "“%s” has no snapshot of step %u", self->path, step);
      return NULL;
    }
  for (int i = 0; i < 5; i++)
    if (!column_uint (stmt, i, &counts[i]))
      {
        corrupt (error, self->path, "the snapshot of step %u has invalid row counts", step);
        return NULL;
      }

  snapshot = qks_snapshot_new (step);
  if (!read_metrics (self, snapshot, counts[0], doing, error) ||
      !read_rows (self, snapshot, "spectra",
                  "layer, head, form, n_rows, n_cols, rank, eigenvalues, sigma2, lambda_minus, "
                  "lambda_plus, lambda_threshold, null_law, estimator, threshold, chain",
                  counts[1], read_spectrum, doing, error) ||
      !read_rows (self, snapshot, "matrices", "layer, kind, n_rows, n_cols, data",
                  counts[2], read_matrix, doing, error) ||
      !read_rows (self, snapshot, "curves", "layer, head, kind, length, data",
                  counts[3], read_curve, doing, error) ||
      !read_rows (self, snapshot, "events", "layer, kind, detail",
                  counts[4], read_event, doing, error))
    return NULL;
  return g_steal_pointer (&snapshot);
}

/**
 * qks_run_reader_load_snapshot:
 *
 * Rebuilds the snapshot of @step as it was appended: the same records in
 * the same order, metric values bit for bit (NaN payloads and −0.0
 * included). Other doubles that were NaN come back as NAN.
 *
 * Returns: (transfer full): the snapshot, or %NULL with
 *   %QKS_RUN_ERROR_NOT_FOUND when @step has none.
 */
QksSnapshot *
qks_run_reader_load_snapshot (QksRunReader  *self,
                              guint          step,
                              GError       **error)
{
  g_autofree char *doing = g_strdup_printf ("reading the snapshot of step %u", step);
  QksSnapshot *snapshot;

  if (!begin_read (self, doing, error))
    return NULL;
  snapshot = read_snapshot (self, step, doing, error);
  end_read (self);
  return snapshot;
}

/**
 * qks_run_reader_load_metric_series:
 * @head: a head, or %QKS_WHOLE_LAYER
 * @name: the metric, e.g. "n_spikes"
 *
 * One metric over training: its value at every snapshot that has it (the
 * first such row of a snapshot, as qks_snapshot_find_metric() finds).
 *
 * Returns: (transfer full) (element-type QksMetricPoint): the points,
 *   by ascending step; empty if no snapshot has the metric.
 */
GArray *
qks_run_reader_load_metric_series (QksRunReader  *self,
                                   guint          layer,
                                   int            head,
                                   QksFormKind    form,
                                   const char    *name,
                                   GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (QksMetricPoint));
  gboolean has_row;

  g_return_val_if_fail (form < QKS_FORM_N_KINDS, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* CROSS JOIN keeps snapshots as the outer loop: one seek into metrics'
   * primary key (step, series, seq) per snapshot. */
  if (!prepare (self,
                "SELECT s.step, m.value, m.value_bits, m.flags "
                "FROM snapshots AS s CROSS JOIN metrics AS m "
                "WHERE m.step = s.step AND m.series = "
                "(SELECT id FROM series WHERE layer = ?1 AND head = ?2 AND form = ?3 AND name = ?4) "
                "ORDER BY s.step, m.seq", &stmt, error))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, layer);
  sqlite3_bind_int64 (stmt, 2, head);
  sqlite3_bind_text (stmt, 3, qks_form_kind_to_string (form), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, name, -1, SQLITE_STATIC);
  for (;;)
    {
      QksMetricPoint point;
      guint flags;

      if (!next_row (self, stmt, &has_row, "reading a metric's series", error))
        return NULL;
      if (!has_row)
        break;
      if (!column_uint (stmt, 0, &point.step) || !column_uint (stmt, 3, &flags))
        {
          corrupt (error, self->path, "a row of the series of “%s” is invalid", name);
          return NULL;
        }
      if (points->len > 0 && g_array_index (points, QksMetricPoint, points->len - 1).step == point.step)
        continue;
      if (sqlite3_column_type (stmt, 2) == SQLITE_INTEGER)
        point.value = qks_run_double_from_bits (sqlite3_column_int64 (stmt, 2));
      else
        point.value = column_real (stmt, 1);
      point.flags = (QksMetricFlags) flags;
      g_array_append_val (points, point);
    }
  return g_steal_pointer (&points);
}

/* Checkpoints ------------------------------------------------------------------- */

/**
 * qks_run_reader_list_checkpoint_steps:
 *
 * Returns: (transfer full) (element-type guint): the steps with a
 *   checkpoint, ascending.
 */
GArray *
qks_run_reader_list_checkpoint_steps (QksRunReader  *self,
                                      GError       **error)
{
  return list_uints (self, "SELECT step FROM checkpoints ORDER BY step",
                     "listing its checkpoints", error);
}

/**
 * qks_run_reader_load_checkpoint:
 *
 * Returns: (transfer full): the safetensors bytes of the checkpoint at
 *   @step, or %NULL with %QKS_RUN_ERROR_NOT_FOUND when there is none.
 */
GBytes *
qks_run_reader_load_checkpoint (QksRunReader  *self,
                                guint          step,
                                GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *doing = g_strdup_printf ("reading the checkpoint of step %u", step);
  gboolean has_row;
  gint64 n_bytes;
  const void *data;

  if (!prepare (self, "SELECT n_bytes, data FROM checkpoints WHERE step = ?1", &stmt, error))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, step);
  if (!next_row (self, stmt, &has_row, doing, error))
    return NULL;
  if (!has_row)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                   "“%s” has no checkpoint of step %u", self->path, step);
      return NULL;
    }
  n_bytes = sqlite3_column_int64 (stmt, 0);
  data = sqlite3_column_blob (stmt, 1);
  if (sqlite3_column_type (stmt, 1) != SQLITE_BLOB ||
      sqlite3_column_bytes (stmt, 1) != n_bytes)
    {
      corrupt (error, self->path, "the checkpoint of step %u is not the %" G_GINT64_FORMAT
               " bytes it should be", step, n_bytes);
      return NULL;
    }
  return g_bytes_new (data, (gsize) n_bytes);
}

/**
 * qks_run_reader_list_resumable_steps:
 *
 * Returns: (transfer full) (element-type guint): the steps with a
 *   checkpoint that holds the optimizer state as well as the weights, from
 *   which the run can resume, ascending (none in a file written before
 *   checkpoints kept it).
 */
GArray *
qks_run_reader_list_resumable_steps (QksRunReader  *self,
                                     GError       **error)
{
  gboolean has_column;

  if (!qks_run_has_optimizer_column (self->db, self->path, &has_column, error))
    return NULL;
  if (!has_column)
    return g_array_new (FALSE, FALSE, sizeof (guint));
  return list_uints (self, "SELECT step FROM checkpoints WHERE optimizer IS NOT NULL ORDER BY step",
                     "listing its checkpoints", error);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           column)
{
  gsize n_bytes = (gsize) sqlite3_column_bytes (stmt, column);

  /* A zero-length BLOB may come back as a NULL pointer. */
  if (n_bytes == 0)
    return g_bytes_new (NULL, 0);
  return g_bytes_new (sqlite3_column_blob (stmt, column), n_bytes);
}

/**
 * qks_run_reader_load_training_state:
 * @weights: (out) (transfer full): the weights' safetensors bytes
 * @optimizer: (out) (transfer full): the optimizer state's safetensors bytes
 *
 * Reads both parts of the checkpoint at @step, from its one row.
 *
 * Returns: %FALSE with %QKS_RUN_ERROR_NOT_FOUND when there is no checkpoint
 *   at @step or it holds only the weights, %QKS_RUN_ERROR_CORRUPT when
 *   its weights are not as long as recorded.
 */
gboolean
qks_run_reader_load_training_state (QksRunReader  *self,
                                    guint          step,
                                    GBytes       **weights,
                                    GBytes       **optimizer,
                                    GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *doing = g_strdup_printf ("reading the checkpoint of step %u", step);
  gboolean has_column, has_row;
  gint64 n_bytes;

  if (!qks_run_has_optimizer_column (self->db, self->path, &has_column, error))
    return FALSE;
  if (!prepare (self, has_column ? "SELECT n_bytes, data, optimizer FROM checkpoints WHERE step = ?1"
                                 : "SELECT n_bytes, data, NULL FROM checkpoints WHERE step = ?1",
                &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, step);
  if (!next_row (self, stmt, &has_row, doing, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                   "“%s” has no checkpoint of step %u", self->path, step);
      return FALSE;
    }
  if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                   "The checkpoint of step %u in “%s” holds only the weights, not the "
                   "optimizer state", step, self->path);
      return FALSE;
    }
  n_bytes = sqlite3_column_int64 (stmt, 0);
  if (sqlite3_column_type (stmt, 1) != SQLITE_BLOB ||
      sqlite3_column_bytes (stmt, 1) != n_bytes)
    return corrupt (error, self->path, "the checkpoint of step %u is not the %" G_GINT64_FORMAT
                    " bytes it should be", step, n_bytes);
  if (sqlite3_column_type (stmt, 2) != SQLITE_BLOB)
    return corrupt (error, self->path, "the optimizer state of the checkpoint of step %u is "
                    "not a BLOB", step);

  *weights = column_bytes (stmt, 1);
  *optimizer = column_bytes (stmt, 2);
  return TRUE;
}
