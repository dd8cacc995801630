/* qks-run.c: the .qkrun file's schema, and opening one
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A .qkrun file is an SQLite 3 database, schema_version 1
 * (PRAGMA application_id = 0x514b5352 "QKSR", PRAGMA user_version = 1,
 * journal_mode = WAL). Steps are training steps (updates done, ≥ 0).
 *
 * meta (key TEXT PRIMARY KEY, value TEXT): the file's identity
 *   schema_version   "1": the layout below; a newer one is refused
 *   format           "qkrun"
 *   application      "QK Scope"
 *   app_version      the version that created the file, e.g. "0.1.0"
 *   created          when, ISO 8601 in UTC, e.g. "2026-03-01T12:00:00Z"
 *   sqlite_version   the SQLite that created it
 *
 * config (id = 1, json TEXT): the run's configuration, a JSON object
 *   (qks_train_config_to_json()), one row.
 *
 * steps: one row per training step recorded
 *   step               INTEGER PRIMARY KEY
 *   wall_time          REAL     seconds since the Unix epoch, when the step ended
 *   train_loss         REAL     nats per token (byte)
 *   val_loss           REAL     NULL unless validation ran at this step
 *   learning_rate      REAL
 *   grad_norm          REAL     global gradient norm before clipping
 *   tokens_per_second  REAL
 *   flops              REAL     cumulative matrix-product FLOPs since step 0
 *   (NaN is stored as NULL in every REAL column of this file.)
 *
 * snapshots: one row per step with diagnostics. It is written in the same
 *   transaction as the snapshot's rows in metrics, spectra, matrices,
 *   curves and events, so a row here means that the whole snapshot is
 *   there; the counts say how many rows each of those tables holds for it.
 *   step INTEGER PRIMARY KEY, n_metrics, n_spectra, n_matrices, n_curves,
 *   n_events INTEGER
 *
 * In those five tables (step, seq) identifies a row: seq is its position,
 * from 0, in its list of the snapshot at that step. layer counts from 0;
 * head counts from 0, and is −1 for a value of the whole layer. form is
 * one of "qk" (W_Qᵀ W_K; MLA: its content part), "qk-rope", "qk-sum",
 * "cross-gram" (W^Q W^Kᵀ), "ov" (W_O,h W_V,h). BLOBs of numbers are
 * little-endian IEEE-754 float64 arrays.
 *
 * series: what a metric measures, one row for all steps
 *   id     INTEGER PRIMARY KEY
 *   layer, head, form
 *   name   TEXT  e.g. "n_spikes", "effective_rank"
 *   UNIQUE (layer, head, form, name)
 *
 * metrics: one scalar diagnostic at a step
 *   step, seq
 *   series      INTEGER  series.id
 *   value       REAL     NULL when NaN
 *   value_bits  INTEGER  NULL, or the value's IEEE-754 bits as a signed
 *                        64-bit integer when a REAL cannot hold it exactly
 *                        (a NaN, with its sign and payload; −0.0)
 *   flags       INTEGER  bit 0: shared by construction (fixed by the
 *                        variant's structure); bit 1: unreliable (the fit
 *                        kept too little as bulk)
 *   PRIMARY KEY (step, series, seq), WITHOUT ROWID. Small integer keys
 *   written in key order at the end of the tree make a snapshot's
 *   thousands of rows cheap to append, and one metric over training is
 *   one seek per snapshot.
 *
 * metric_rows (a view): metrics joined with series, one readable row per
 *   (step, layer, head, form, name): step, seq, layer, head, form, name,
 *   value, value_bits, flags. What to read from sqlite3 or pandas.
 *
 * spectra: one empirical spectral distribution and the fit drawn over it
 *   step, seq, layer, head, form
 *   n_rows, n_cols    INTEGER  the shape N ≥ M whose ESD this is
 *   rank              INTEGER  k, how many eigenvalues are analysed
 *   eigenvalues       BLOB     k raw λ = s²/N, descending
 *   sigma2, lambda_minus, lambda_plus, lambda_threshold
 *                     REAL     the fit in mean-1 units (λ / mean λ)
 *   null_law          TEXT     "mp", "product", "chain", "monte-carlo"
 *   estimator         TEXT     "E1" … "E4"
 *   threshold         TEXT     "tw-j-99", "tw-ww", "mc-99"
 *   chain             TEXT     the null's chain N_0 … N_k as a JSON array
 *                              of integers, "[]" when it has none
 *
 * matrices: a small dense matrix per layer (principal angles, Gram)
 *   step, seq, layer, kind TEXT ("angles-q", "gram-qk", …),
 *   n_rows, n_cols INTEGER, data BLOB (n_rows × n_cols, row-major)
 *
 * curves: a curve per layer or head
 *   step, seq, layer, head, kind TEXT ("kqsvd", "variance-explained", …),
 *   length INTEGER, data BLOB (length values: value i at rank i + 1)
 *
 * events: something that happened at a step
 *   step, seq, layer, kind TEXT ("rank-collapse"), detail TEXT
 *
 * PRIMARY KEY (step, seq) for spectra, matrices, curves and events; kind,
 * detail, null_law, estimator and threshold may be NULL. The fit's REALs
 * keep every value but NaN (NULL, read back as NaN) and −0.0 (read as 0.0).
 *
 * checkpoints: the training state at a step, as a checkpoint folder holds
 *   it (qks-checkpoint.h), in one row so that the two parts always match
 *   step       INTEGER PRIMARY KEY
 *   wall_time  REAL     seconds since the Unix epoch, when it was written
 *   n_bytes    INTEGER  length of data
 *   data       BLOB     the weights: model.safetensors, byte for byte
 *   optimizer  BLOB     optimizer.safetensors, byte for byte: AdamW's
 *                       moments m.NAME and v.NAME, and in its metadata the
 *                       step, the training configuration and the data
 *                       stream's state. NULL when the checkpoint holds only
 *                       the weights; such a checkpoint cannot be resumed.
 *   Files written before the optimizer column existed lack it; a writer
 *   that appends to one adds it (NULL in the old rows). Nothing else
 *   changed, so the schema version stays 1.
 *
 * Appending a snapshot, a step record or a checkpoint at a step already in
 * the file replaces it (a resumed run redoes the steps after its last
 * checkpoint). A run resumes from its latest checkpoint that has an
 * optimizer state, after the writer dropped every record of a later step,
 * so that the file holds one history. */

#include "config.h"

#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>

#include "qks-run-private.h"

G_DEFINE_QUARK (qks-run-error-quark, qks_run_error)

const char *const qks_run_snapshot_tables[6] = {
  "snapshots", "metrics", "spectra", "matrices", "curves", "events",
};

const char *const qks_run_step_tables[8] = {
  "steps", "snapshots", "metrics", "spectra", "matrices", "curves", "events", "checkpoints",
};

const char qks_run_schema_sql[] =
  "CREATE TABLE meta (\n"
  "  key    TEXT PRIMARY KEY NOT NULL,\n"
  "  value  TEXT NOT NULL\n"
  ") WITHOUT ROWID;\n"
  "CREATE TABLE config (\n"
  "  id    INTEGER PRIMARY KEY CHECK (id = 1),\n"
  "  json  TEXT NOT NULL\n"
  ");\n"
  "CREATE TABLE steps (\n"
  "  step               INTEGER PRIMARY KEY,\n"
  "  wall_time          REAL,\n"
  "  train_loss         REAL,\n"
  "  val_loss           REAL,\n"
  "  learning_rate      REAL,\n"
  "  grad_norm          REAL,\n"
  "  tokens_per_second  REAL,\n"
  "  flops              REAL\n"
  ");\n"
  "CREATE TABLE snapshots (\n"
  "  step        INTEGER PRIMARY KEY,\n"
  "  n_metrics   INTEGER NOT NULL,\n"
  "  n_spectra   INTEGER NOT NULL,\n"
  "  n_matrices  INTEGER NOT NULL,\n"
  "  n_curves    INTEGER NOT NULL,\n"
  "  n_events    INTEGER NOT NULL\n"
  ");\n"
  "CREATE TABLE series (\n"
  "  id     INTEGER PRIMARY KEY,\n"
  "  layer  INTEGER NOT NULL,\n"
  "  head   INTEGER NOT NULL,\n"
  "  form   TEXT NOT NULL,\n"
  "  name   TEXT NOT NULL,\n"
  "  UNIQUE (layer, head, form, name)\n"
  ");\n"
  "CREATE TABLE metrics (\n"
  "  step        INTEGER NOT NULL,\n"
  "  series      INTEGER NOT NULL,\n"
  "  seq         INTEGER NOT NULL,\n"
  "  value       REAL,\n"
  "  value_bits  INTEGER,\n"
  "  flags       INTEGER NOT NULL,\n"
  "  PRIMARY KEY (step, series, seq)\n"
  ") WITHOUT ROWID;\n"
  "CREATE VIEW metric_rows AS\n"
  "  SELECT m.step, m.seq, s.layer, s.head, s.form, s.name, m.value, m.value_bits, m.flags\n"
  "  FROM metrics AS m JOIN series AS s ON s.id = m.series;\n"
  "CREATE TABLE spectra (\n"
  "  step              INTEGER NOT NULL,\n"
  "  seq               INTEGER NOT NULL,\n"
  "  layer             INTEGER NOT NULL,\n"
  "  head              INTEGER NOT NULL,\n"
  "  form              TEXT NOT NULL,\n"
  "  n_rows            INTEGER NOT NULL,\n"
  "  n_cols            INTEGER NOT NULL,\n"
  "  rank              INTEGER NOT NULL,\n"
  "  eigenvalues       BLOB NOT NULL,\n"
  "  sigma2            REAL,\n"
  "  lambda_minus      REAL,\n"
  "  lambda_plus       REAL,\n"
  "  lambda_threshold  REAL,\n"
  "  null_law          TEXT,\n"
  "  estimator         TEXT,\n"
  "  threshold         TEXT,\n"
  "  chain             TEXT NOT NULL,\n"
  "  PRIMARY KEY (step, seq)\n"
  ");\n"
  "CREATE TABLE matrices (\n"
  "  step    INTEGER NOT NULL,\n"
  "  seq     INTEGER NOT NULL,\n"
  "  layer   INTEGER NOT NULL,\n"
  "  kind    TEXT,\n"
  "  n_rows  INTEGER NOT NULL,\n"
  "  n_cols  INTEGER NOT NULL,\n"
  "  data    BLOB NOT NULL,\n"
  "  PRIMARY KEY (step, seq)\n"
  ");\n"
  "CREATE TABLE curves (\n"
  "  step    INTEGER NOT NULL,\n"
  "  seq     INTEGER NOT NULL,\n"
  "  layer   INTEGER NOT NULL,\n"
  "  head    INTEGER NOT NULL,\n"
  "  kind    TEXT,\n"
  "  length  INTEGER NOT NULL,\n"
  "  data    BLOB NOT NULL,\n"
  "  PRIMARY KEY (step, seq)\n"
  ");\n"
  "CREATE TABLE events (\n"
  "  step    INTEGER NOT NULL,\n"
  "  seq     INTEGER NOT NULL,\n"
  "  layer   INTEGER NOT NULL,\n"
  "  kind    TEXT,\n"
  "  detail  TEXT,\n"
  "  PRIMARY KEY (step, seq)\n"
  ");\n"
  "CREATE TABLE checkpoints (\n"
  "  step       INTEGER PRIMARY KEY,\n"
  "  wall_time  REAL NOT NULL,\n"
  "  n_bytes    INTEGER NOT NULL,\n"
  "  data       BLOB NOT NULL,\n"
  "  optimizer  BLOB\n"
  ");\n";

/* Files of schema version 1 made before the optimizer state was kept. */
const char qks_run_add_optimizer_column_sql[] =
  "ALTER TABLE checkpoints ADD COLUMN optimizer BLOB";

/**
 * qks_run_set_error:
 * @doing: (nullable): what failed, e.g. "writing the snapshot of step 30"
 *
 * Turns an SQLite result into a QKS_RUN_ERROR that names the file.
 */
void
qks_run_set_error (GError     **error,
                   int          rc,
                   sqlite3     *db,
                   const char  *path,
                   const char  *doing)
{
  const char *detail = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  g_autofree char *context = doing != NULL ? g_strdup_printf (" (%s)", doing) : g_strdup ("");

  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_A_RUN,
                   "“%s” is not a QK Scope run: it is not an SQLite database%s",
                   path, context);
      break;
    case SQLITE_CORRUPT:
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_CORRUPT,
                   "“%s” is damaged, perhaps truncated: %s%s", path, detail, context);
      break;
    case SQLITE_FULL:
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NO_SPACE,
                   "Could not write to “%s”: the disk or the run’s size limit is full%s",
                   path, context);
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_OPEN,
                   "Could not open “%s”: %s%s", path, detail, context);
      break;
    default:
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_FAILED,
                   "“%s”: %s%s", path, detail, context);
      break;
    }
}

gboolean
qks_run_exec (sqlite3     *db,
              const char  *sql,
              const char  *path,
              const char  *doing,
              GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      qks_run_set_error (error, rc, db, path, doing);
      return FALSE;
    }
  return TRUE;
}

gboolean
qks_run_prepare (sqlite3       *db,
                 const char    *sql,
                 gboolean       persistent,
                 sqlite3_stmt **stmt,
                 const char    *path,
                 GError       **error)
{
  int rc = sqlite3_prepare_v3 (db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
                               stmt, NULL);

  if (rc != SQLITE_OK)
    {
      qks_run_set_error (error, rc, db, path, NULL);
      return FALSE;
    }
  return TRUE;
}

/* A JSON array of integers, short enough to read in sqlite3. */
char *
qks_run_chain_to_string (const guint *chain,
                         guint        length)
{
  GString *text = g_string_new ("[");

  for (guint i = 0; i < length; i++)
    g_string_append_printf (text, i > 0 ? ",%u" : "%u", chain[i]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

/* @chain holds 8; FALSE for anything but what the writer writes. */
gboolean
qks_run_chain_from_string (const char *text,
                           guint      *chain,
                           guint      *length)
{
  g_auto(GStrv) parts = NULL;
  gsize n;

  *length = 0;
  if (text == NULL || !g_str_has_prefix (text, "[") || !g_str_has_suffix (text, "]"))
    return FALSE;
  n = strlen (text);
  if (n == 2)
    return TRUE;

  {
    g_autofree char *inner = g_strndup (text + 1, n - 2);

    parts = g_strsplit (inner, ",", -1);
  }
  if (g_strv_length (parts) > 8)
    return FALSE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, G_MAXUINT, &value, NULL))
        return FALSE;
      chain[i] = (guint) value;
      *length = i + 1;
    }
  return TRUE;
}

static gboolean
query_int (sqlite3     *db,
           const char  *sql,
           gint64      *value,
           const char  *path,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!qks_run_prepare (db, sql, FALSE, &stmt, path, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      qks_run_set_error (error, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, db, path, NULL);
      return FALSE;
    }
  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/**
 * qks_run_has_optimizer_column:
 * @has: (out): whether the checkpoints table has the optimizer column
 *
 * Files from before the optimizer state was kept lack it (see above).
 */
gboolean
qks_run_has_optimizer_column (sqlite3     *db,
                              const char  *path,
                              gboolean    *has,
                              GError     **error)
{
  gint64 count;

  if (!query_int (db, "SELECT count(*) FROM pragma_table_info('checkpoints') "
                  "WHERE name = 'optimizer'", &count, path, error))
    return FALSE;
  *has = count > 0;
  return TRUE;
}

/* The database and what SQLite may keep beside it. */
void
qks_run_remove_database_files (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);

      g_remove (name);
    }
}

static gboolean
refuse_short_file (const char  *path,
                   gint64       size,
                   GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  char head[sizeof magic] = { 0 };
  FILE *file = g_fopen (path, "rb");

  if (file != NULL)
    {
      if (fread (head, 1, sizeof head, file) != sizeof head)
        memset (head, 0, sizeof head);
      fclose (file);
    }
  if (memcmp (head, magic, sizeof magic) == 0)
    g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_CORRUPT,
                 "“%s” is damaged, perhaps truncated: only %" G_GINT64_FORMAT
                 " bytes of an SQLite database are left", path, size);
  else
    g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_A_RUN,
                 "“%s” is not a QK Scope run: it is not an SQLite database", path);
  return FALSE;
}

/**
 * qks_run_open_database:
 * @writable: open for the writer, else read-only
 * @schema_version: (out): the file's
 *
 * Opens @path and checks that it is a .qkrun file that this version can
 * read, so that every failure names the file and says what it is instead.
 */
gboolean
qks_run_open_database (const char  *path,
                       gboolean     writable,
                       sqlite3    **db_out,
                       int         *schema_version,
                       GError     **error)
{
  sqlite3 *db = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GStatBuf st;
  gint64 application_id, version;
  const char *text;
  int rc;

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_OPEN,
                   "Could not open “%s”: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_OPEN,
                   "Could not open “%s”: it is not a regular file", path);
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_A_RUN,
                   "“%s” is empty: it is not a QK Scope run", path);
      return FALSE;
    }
  /* Shorter than SQLite's smallest page: SQLite itself would take it for
   * an empty database. */
  if (st.st_size < 512)
    return refuse_short_file (path, (gint64) st.st_size, error);

  /* NOMUTEX: a writer's or a reader's connection is used by one thread at
   * a time. */
  rc = sqlite3_open_v2 (path, &db,
                        (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
                        SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      qks_run_set_error (error, rc, db, path, NULL);
      sqlite3_close (db);
      return FALSE;
    }
  /* Readers wait for the moments a checkpoint or a recovery locks them out. */
  sqlite3_busy_timeout (db, 5000);

  /* The first read checks the header, and that the file is as long as the
   * header says (a truncated file is SQLITE_CORRUPT from here). */
  if (!query_int (db, "PRAGMA application_id", &application_id, path, error))
    goto fail;
  if (application_id != QKS_RUN_APPLICATION_ID)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_A_RUN,
                   "“%s” is an SQLite database but not a QK Scope run", path);
      goto fail;
    }

  rc = sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      if ((rc & 0xff) == SQLITE_ERROR)
        g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_A_RUN,
                     "“%s” is not a QK Scope run: it has no run metadata (%s)",
                     path, sqlite3_errmsg (db));
      else
        qks_run_set_error (error, rc, db, path, "reading its metadata");
      goto fail;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_A_RUN,
                     "“%s” is not a QK Scope run: it has no schema version", path);
      else
        qks_run_set_error (error, rc, db, path, "reading its metadata");
      goto fail;
    }
  text = (const char *) sqlite3_column_text (stmt, 0);
  if (text == NULL || !g_ascii_string_to_signed (text, 10, 1, G_MAXINT, &version, NULL))
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_CORRUPT,
                   "“%s” is damaged: its schema version “%s” is not a number",
                   path, text != NULL ? text : "");
      goto fail;
    }
  if (version > QKS_RUN_SCHEMA_VERSION)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_VERSION,
                   "“%s” was written by a newer QK Scope (run format %" G_GINT64_FORMAT
                   "; this version reads up to %d). Update QK Scope to open it.",
                   path, version, QKS_RUN_SCHEMA_VERSION);
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  *db_out = db;
  *schema_version = (int) version;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (db);
  return FALSE;
}
