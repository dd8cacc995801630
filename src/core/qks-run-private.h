/* qks-run-private.h: what the .qkrun writer and reader share
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>
#include <string.h>

#include <sqlite3.h>

#include "qks-run.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* The snapshot tables: a snapshot's rows in all of them go in one
 * transaction, and a step replaces them all. */
extern const char *const qks_run_snapshot_tables[6];
/* Every table that is keyed by a step. */
extern const char *const qks_run_step_tables[8];

extern const char qks_run_schema_sql[];
extern const char qks_run_add_optimizer_column_sql[];

gboolean qks_run_open_database  (const char   *path,
                                 gboolean      writable,
                                 sqlite3     **db,
                                 int          *schema_version,
                                 GError      **error);
void     qks_run_set_error      (GError      **error,
                                 int           rc,
                                 sqlite3      *db,
                                 const char   *path,
                                 const char   *doing);
gboolean qks_run_exec           (sqlite3      *db,
                                 const char   *sql,
                                 const char   *path,
                                 const char   *doing,
                                 GError      **error);
gboolean qks_run_prepare        (sqlite3      *db,
                                 const char   *sql,
                                 gboolean      persistent,
                                 sqlite3_stmt **stmt,
                                 const char   *path,
                                 GError      **error);

gboolean qks_run_has_optimizer_column  (sqlite3      *db,
                                       const char   *path,
                                       gboolean     *has,
                                       GError      **error);
void     qks_run_remove_database_files (const char   *path);

char    *qks_run_chain_to_string   (const guint *chain,
                                    guint        length);
gboolean qks_run_chain_from_string (const char  *text,
                                    guint       *chain,
                                    guint       *length);

/* A REAL column keeps every double but NaN (which SQLite stores as NULL)
 * and −0.0 (stored as the integer 0); those also go in a column of bits. */
static inline gboolean
qks_run_real_is_exact (double value)
{
  return !isnan (value) && !(value == 0.0 && signbit (value));
}

static inline gint64
qks_run_double_to_bits (double value)
{
  gint64 bits;

  memcpy (&bits, &value, sizeof bits);
  return bits;
}

static inline double
qks_run_double_from_bits (gint64 bits)
{
  double value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

/* Arrays of doubles are stored as little-endian float64 BLOBs. On a
 * little-endian host that is the array itself; else @scratch holds a
 * swapped copy, which the caller frees after the statement ran. */
static inline const void *
qks_run_doubles_to_le (const double  *values,
                       gsize          n,
                       double       **scratch)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  *scratch = NULL;
  return values;
#else
  guint64 *swapped = g_new (guint64, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      guint64 bits;

      memcpy (&bits, &values[i], sizeof bits);
      swapped[i] = GUINT64_TO_LE (bits);
    }
  *scratch = (double *) swapped;
  return swapped;
#endif
}

static inline void
qks_run_doubles_from_le (const void *blob,
                         gsize       n,
                         double     *values)
{
  if (n == 0)
    return;
  memcpy (values, blob, n * sizeof (double));
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  for (gsize i = 0; i < n; i++)
    {
      guint64 bits;

      memcpy (&bits, &values[i], sizeof bits);
      bits = GUINT64_FROM_LE (bits);
      memcpy (&values[i], &bits, sizeof bits);
    }
#endif
}

G_END_DECLS
