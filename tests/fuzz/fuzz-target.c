/* fuzz-target.c: what every libFuzzer target shares (see fuzz-target.h)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fuzz-target.h"

struct _QksFuzzSeeds
{
  char    *dir;      /* NULL: only the dictionary is wanted */
  GString *dict;
  guint    n_seeds;
};

void
qks_fuzz_add_seed (QksFuzzSeeds *seeds,
                   const char   *name,
                   GBytes       *bytes)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  seeds->n_seeds++;
  if (seeds->dir == NULL)
    return;

  path = g_build_filename (seeds->dir, name, NULL);
  if (!g_file_set_contents (path, data != NULL ? data : "", (gssize) size, &error))
    g_error ("Could not write the seed “%s”: %s", name, error->message);
}

void
qks_fuzz_add_seed_text (QksFuzzSeeds *seeds,
                        const char   *name,
                        const char   *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));

  qks_fuzz_add_seed (seeds, name, bytes);
}

/* One line of a libFuzzer dictionary: the token in double quotes, with
 * “\\”, “\"” and “\xNN” escapes, so that any bytes can be a token. */
void
qks_fuzz_add_token (QksFuzzSeeds *seeds,
                    const char   *token)
{
  g_string_append_c (seeds->dict, '"');
  for (const guchar *p = (const guchar *) token; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (seeds->dict, "\\%c", *p);
      else if (*p >= 0x20 && *p < 0x7f)
        g_string_append_c (seeds->dict, (char) *p);
      else
        g_string_append_printf (seeds->dict, "\\x%02X", *p);
    }
  g_string_append (seeds->dict, "\"\n");
}

/**
 * qks_fuzz_assert_error:
 * @error: what a reader set when it refused an input
 * @domain: the reader's error domain
 *
 * Aborts unless @error is set, in @domain, with a message that is
 * non-empty UTF-8: a refusal must say why, in a string the interface can
 * show. (Which words name each problem is for the unit tests to check.)
 */
void
qks_fuzz_assert_error (const GError *error,
                       GQuark        domain)
{
  if (error == NULL)
    g_error ("the reader refused the input without setting an error");
  if (error->domain != domain)
    g_error ("the reader refused the input with an error of domain “%s”, not “%s”: %s",
             g_quark_to_string (error->domain), g_quark_to_string (domain), error->message);
  if (error->message == NULL || error->message[0] == '\0')
    g_error ("the reader refused the input with an empty message");
  if (!g_utf8_validate (error->message, -1, NULL))
    g_error ("the reader refused the input with a message that is not UTF-8");
}

static void
write_seeds (const char *seed_dir,
             const char *dict_path)
{
  g_autoptr(GError) error = NULL;
  QksFuzzSeeds seeds = { 0 };

  if (seed_dir != NULL && g_mkdir_with_parents (seed_dir, 0755) != 0)
    g_error ("Could not make the folder “%s” for the seeds: %s", seed_dir, g_strerror (errno));

  seeds.dir = g_strdup (seed_dir);
  seeds.dict = g_string_new ("# Made by qks_fuzz_make_seeds(); tokens of the format.\n");
  qks_fuzz_make_seeds (&seeds);

  if (dict_path != NULL && !g_file_set_contents (dict_path, seeds.dict->str, (gssize) seeds.dict->len, &error))
    g_error ("Could not write the dictionary: %s", error->message);

  g_print ("fuzz: %u seeds in %s, dictionary in %s\n", seeds.n_seeds,
           seed_dir != NULL ? seed_dir : "(not written)",
           dict_path != NULL ? dict_path : "(not written)");
  g_string_free (seeds.dict, TRUE);
  g_free (seeds.dir);
}

/* libFuzzer calls this once, before the first input. With
 * QKS_FUZZ_SEED_DIR or QKS_FUZZ_DICT set, the binary writes its seeds or its
 * dictionary there and exits instead of fuzzing: the seeds come from the
 * same build as the code they exercise. */
int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const char *seed_dir = g_getenv ("QKS_FUZZ_SEED_DIR");
  const char *dict_path = g_getenv ("QKS_FUZZ_DICT");

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (seed_dir != NULL || dict_path != NULL)
    {
      write_seeds (seed_dir, dict_path);
      exit (EXIT_SUCCESS);
    }
  return 0;
}
