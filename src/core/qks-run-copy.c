/* qks-run-copy.c: a consistent copy of a .qkrun file, also while it is written
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qks-run-private.h"

/* How long a copy waits for a moment when the source can be read (a
 * writer recovering the log, an exclusive checkpoint). */
#define COPY_BUSY_SECONDS 30

static gboolean
copy_failed (GError     **error,
             const char  *source,
             const char  *dest,
             const char  *detail)
{
  g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_FAILED,
               "Could not copy “%s” to “%s”: %s", source, dest, detail);
  return FALSE;
}

/* fsync(2) a file or a folder by name: the data before the rename, the
 * folder's entry after it. */
static gboolean
sync_path (const char  *path,
           gboolean     is_folder,
           const char  *source,
           const char  *dest,
           GError     **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | (is_folder ? O_DIRECTORY : 0), 0);
  int saved_errno;

  if (fd >= 0 && g_fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  /* Some file systems cannot sync a folder; the copy is still whole. */
  if (is_folder && (saved_errno == EINVAL || saved_errno == EBADF || saved_errno == EISDIR))
    return TRUE;
  {
    g_autofree char *detail = g_strdup_printf ("could not flush “%s” to the disk: %s",
                                               path, g_strerror (saved_errno));

    return copy_failed (error, source, dest, detail);
  }
}

/* The whole source in one backup step: one read transaction, so the copy
 * is the file as it was at one commit, whatever a writer does meanwhile
 * (in WAL mode the writer goes on; it is not blocked). */
static gboolean
backup_database (sqlite3     *from,
                 sqlite3     *to,
                 const char  *source,
                 const char  *dest,
                 GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + COPY_BUSY_SECONDS * G_USEC_PER_SEC;
  sqlite3_backup *backup = sqlite3_backup_init (to, "main", from, "main");
  int rc;

  if (backup == NULL)
    {
      qks_run_set_error (error, sqlite3_errcode (to), to, dest, "copying the run into it");
      return FALSE;
    }
  do
    {
      rc = sqlite3_backup_step (backup, -1);
      if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && g_get_monotonic_time () < deadline)
        g_usleep (10000);
      else
        break;
    }
  while (TRUE);
  sqlite3_backup_finish (backup);

  if (rc != SQLITE_DONE)
    {
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return copy_failed (error, source, dest, "the run stayed locked by another program");
      qks_run_set_error (error, rc, to, dest, "copying the run into it");
      return FALSE;
    }
  return TRUE;
}

/**
 * qks_run_copy:
 * @source: a .qkrun file, possibly being written by another connection or
 *   process
 * @dest: where the copy goes; a file there is replaced
 *
 * Copies a run consistently: the copy holds every commit of @source up to
 * one moment, never half a snapshot, also while a writer appends to it
 * (cp would miss the -wal beside it). SQLite's online backup writes a
 * temporary file in @dest's folder, which is flushed to the disk and
 * renamed over @dest, whose folder is flushed too: no one ever sees a
 * partial copy, and a failure before the rename leaves @dest as it was and
 * no temporary file behind. It reads the whole run: call it from a worker
 * thread in the app.
 *
 * Returns: %FALSE with @error naming the file and the problem (@source is
 *   not a run or cannot be read, @dest is @source, @dest's folder is
 *   missing or read-only, the disk is full).
 */
gboolean
qks_run_copy (const char  *source,
              const char  *dest,
              GError     **error)
{
  g_autofree char *folder = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_path = NULL;
  sqlite3 *from = NULL;
  sqlite3 *to = NULL;
  GStatBuf source_stat, dest_stat;
  gboolean ok = FALSE;
  int version, fd, rc, saved_errno;

  g_return_val_if_fail (source != NULL, FALSE);
  g_return_val_if_fail (dest != NULL, FALSE);

  if (!qks_run_open_database (source, FALSE, &from, &version, error))
    return FALSE;

  /* Replacing the file that a writer has open would lose the run. */
  if (g_stat (source, &source_stat) == 0 && g_stat (dest, &dest_stat) == 0 &&
      source_stat.st_dev == dest_stat.st_dev && source_stat.st_ino == dest_stat.st_ino)
    {
      copy_failed (error, source, dest, "they are the same file");
      goto out;
    }

  /* Beside the target, so that the rename stays on one file system. */
  folder = g_path_get_dirname (dest);
  base = g_path_get_basename (dest);
  tmp_path = g_strdup_printf ("%s%c.%s.XXXXXX", folder, G_DIR_SEPARATOR, base);
  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      g_autofree char *detail = NULL;

      saved_errno = errno;
      detail = g_strdup_printf ("cannot create a file in the folder “%s”: %s",
                                folder, g_strerror (saved_errno));
      g_clear_pointer (&tmp_path, g_free);  /* nothing to remove */
      copy_failed (error, source, dest, detail);
      goto out;
    }
  close (fd);

  rc = sqlite3_open_v2 (tmp_path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      qks_run_set_error (error, rc, to, dest, "creating the copy");
      goto out;
    }
  if (!backup_database (from, to, source, dest, error) ||
      /* A run like any other: in WAL mode, as its writer left it. */
      !qks_run_exec (to, "PRAGMA journal_mode = WAL", dest, "creating the copy", error))
    goto out;

  /* Closing the only connection folds the log back and removes it. */
  rc = sqlite3_close (to);
  to = NULL;
  if (rc != SQLITE_OK)
    {
      copy_failed (error, source, dest, "SQLite did not close the copy");
      goto out;
    }
  if (!sync_path (tmp_path, FALSE, source, dest, error))
    goto out;

  /* A log left beside an earlier file of this name would be replayed into
   * the copy. */
  {
    g_autofree char *wal = g_strconcat (dest, "-wal", NULL);
    g_autofree char *shm = g_strconcat (dest, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
  }
  if (g_rename (tmp_path, dest) != 0)
    {
      g_autofree char *detail = NULL;

      saved_errno = errno;
      detail = g_strdup_printf ("could not put the copy in place: %s", g_strerror (saved_errno));
      copy_failed (error, source, dest, detail);
      goto out;
    }
  g_clear_pointer (&tmp_path, g_free);
  ok = sync_path (folder, TRUE, source, dest, error);

out:
  if (to != NULL)
    sqlite3_close (to);
  sqlite3_close (from);
  if (tmp_path != NULL)
    qks_run_remove_database_files (tmp_path);
  return ok;
}
