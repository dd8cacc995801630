/* qks-data.c: byte-level corpora with a train/validation split, sampled into windows
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qks-data.h"
#include "qks-data-grammar.h"
#include "qks-data-tasks.h"

struct _QksDataset
{
  gatomicrefcount  ref_count;
  QksDatasetKind   kind;
  GBytes          *bytes;
  gsize            n_train;       /* the training split is bytes[0, n_train) */
  char            *description;   /* "grammar (seed 1, 2.0 MB)", "notes.txt" */
  char            *name;          /* how errors name it: "“notes.txt”", "the grammar corpus" */
};

G_DEFINE_QUARK (qks-dataset-error-quark, qks_dataset_error)
G_DEFINE_BOXED_TYPE (QksDataset, qks_dataset, qks_dataset_ref, qks_dataset_unref)

static const char * const kind_names[] = {
  [QKS_DATASET_GRAMMAR] = "grammar",
  [QKS_DATASET_INDUCTION] = "induction",
  [QKS_DATASET_RECALL] = "recall",
  [QKS_DATASET_MODULAR] = "modular",
  [QKS_DATASET_FILE] = "file",
};

/**
 * qks_dataset_kind_to_string:
 *
 * Returns: the kind's stable name ("grammar", "induction", "recall",
 *   "modular", "file"), as run files and the command line spell it.
 */
const char *
qks_dataset_kind_to_string (QksDatasetKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);

  return kind_names[kind];
}

gboolean
qks_dataset_kind_from_string (const char     *name,
                              QksDatasetKind *kind)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (strcmp (name, kind_names[i]) == 0)
      {
        if (kind != NULL)
          *kind = (QksDatasetKind) i;
        return TRUE;
      }
  return FALSE;
}

/* What the app shows for each kind: a name and a line in plain words. */
static const struct
{
  const char *label;
  const char *summary;
} kind_labels[] = {
  [QKS_DATASET_GRAMMAR] = { N_("Grammar"), N_("English-like sentences") },
  [QKS_DATASET_INDUCTION] = { N_("Induction"), N_("Words that recur, to be copied") },
  [QKS_DATASET_RECALL] = { N_("Associative Recall"), N_("Key–value pairs, then a query") },
  [QKS_DATASET_MODULAR] = { N_("Modular Addition"), N_("Sums modulo a prime") },
  [QKS_DATASET_FILE] = { N_("Text File"), N_("The bytes of a file you choose") },
};

G_STATIC_ASSERT (G_N_ELEMENTS (kind_labels) == G_N_ELEMENTS (kind_names));

/**
 * qks_dataset_kind_get_label:
 *
 * Returns: the kind's translated name, in header capitalisation ("Associative Recall").
 */
const char *
qks_dataset_kind_get_label (QksDatasetKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_labels), NULL);

  return _(kind_labels[kind].label);
}

/**
 * qks_dataset_kind_get_summary:
 *
 * Returns: a translated sentence-case line saying what the corpus holds.
 */
const char *
qks_dataset_kind_get_summary (QksDatasetKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_labels), NULL);

  return _(kind_labels[kind].summary);
}

static gboolean
check_validation_fraction (double   validation_fraction,
                           GError **error)
{
  /* Written so that a NaN fails too. */
  if (!(validation_fraction > 0.0 && validation_fraction <= 0.5))
    {
      g_set_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT,
                   "The validation fraction must lie in (0, 0.5], not %g",
                   validation_fraction);
      return FALSE;
    }
  return TRUE;
}

/* Takes ownership of @bytes, @description and @name. The validation split
 * is the last @validation_fraction of the corpus, rounded to whole bytes and
 * at least one byte, so that it is text the model never trains on. */
static QksDataset *
dataset_new (QksDatasetKind  kind,
             GBytes         *bytes,
             double          validation_fraction,
             char           *description,
             char           *name)
{
  QksDataset *self = g_new0 (QksDataset, 1);
  gsize n = g_bytes_get_size (bytes);
  gsize n_validation = (gsize) llround ((double) n * validation_fraction);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->bytes = bytes;
  self->n_train = n - CLAMP (n_validation, 1, n);
  self->description = description;
  self->name = name;

  return self;
}

/**
 * qks_dataset_new_builtin:
 * @kind: any kind but %QKS_DATASET_FILE
 * @seed: equal seeds give byte-identical corpora on every machine
 * @n_bytes: the corpus size, between %QKS_DATASET_MIN_BYTES and
 *   %QKS_DATASET_MAX_BYTES; the corpus holds exactly this many bytes, so its
 *   last line is usually cut short
 * @validation_fraction: in (0, 0.5]; the share held out at the end
 *
 * Generates one of the project's synthetic corpora (formats in
 * qks-data-grammar.c and qks-data-tasks.c). All of them are printable ASCII
 * and '\n'.
 *
 * Returns: (transfer full): the dataset, or %NULL with @error set
 */
QksDataset *
qks_dataset_new_builtin (QksDatasetKind   kind,
                         guint64          seed,
                         gsize            n_bytes,
                         double           validation_fraction,
                         GError         **error)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *size = NULL;

  if ((guint) kind >= G_N_ELEMENTS (kind_names) || kind == QKS_DATASET_FILE)
    {
      g_set_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT,
                   "There is no built-in corpus of kind %d", (int) kind);
      return NULL;
    }
  if (n_bytes < QKS_DATASET_MIN_BYTES || n_bytes > QKS_DATASET_MAX_BYTES)
    {
      g_set_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT,
                   "A built-in corpus holds between %zu and %zu bytes, not %zu",
                   QKS_DATASET_MIN_BYTES, QKS_DATASET_MAX_BYTES, n_bytes);
      return NULL;
    }
  if (!check_validation_fraction (validation_fraction, error))
    return NULL;

  /* The generators write whole lines; one line is far shorter than the
   * slack, so the string is allocated once. */
  text = g_string_sized_new (n_bytes + 1024);
  switch (kind)
    {
    case QKS_DATASET_GRAMMAR:
      qks_data_grammar_generate (text, seed, n_bytes);
      break;
    case QKS_DATASET_INDUCTION:
      qks_data_induction_generate (text, seed, n_bytes);
      break;
    case QKS_DATASET_RECALL:
      qks_data_recall_generate (text, seed, n_bytes);
      break;
    case QKS_DATASET_MODULAR:
      qks_data_modular_generate (text, seed, n_bytes, QKS_DATASET_MODULUS);
      break;
    case QKS_DATASET_FILE:
    default:
      g_assert_not_reached ();
    }
  g_string_truncate (text, n_bytes);

  size = g_format_size (n_bytes);
  return dataset_new (kind,
                      g_string_free_to_bytes (g_steal_pointer (&text)),
                      validation_fraction,
                      g_strdup_printf ("%s (seed %" G_GUINT64_FORMAT ", %s)",
                                       kind_names[kind], seed, size),
                      g_strdup_printf ("the %s corpus", kind_names[kind]));
}

/**
 * qks_dataset_new_from_file:
 * @path: a file of any content, read as bytes
 * @validation_fraction: in (0, 0.5]; the share held out at the end
 *
 * The file is read into memory rather than mapped: a mapping of a file that
 * someone truncates while training runs would crash the process (SIGBUS).
 * A file too small for a window is accepted here; qks_dataset_check_window()
 * says so once the window size is known.
 *
 * Returns: (transfer full): the dataset, or %NULL with @error set naming the file
 */
QksDataset *
qks_dataset_new_from_file (const char  *path,
                           double       validation_fraction,
                           GError     **error)
{
  g_autofree char *display_name = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!check_validation_fraction (validation_fraction, error))
    return NULL;

  display_name = g_filename_display_basename (path);

  /* Refuse folders and devices up front: reading /dev/zero never ends. */
  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;
      g_autofree char *full_name = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot open “%s”: %s", full_name, g_strerror (saved_errno));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   "“%s” is a folder, not a file", display_name);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "“%s” is not a regular file", display_name);
      return NULL;
    }

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (length == 0)
    {
      g_set_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_EMPTY,
                   "“%s” is empty", display_name);
      return NULL;
    }

  return dataset_new (QKS_DATASET_FILE,
                      g_bytes_new_take (g_steal_pointer (&contents), length),
                      validation_fraction,
                      g_strdup (display_name),
                      g_strdup_printf ("“%s”", display_name));
}

QksDataset *
qks_dataset_ref (QksDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
qks_dataset_unref (QksDataset *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_bytes_unref (self->bytes);
  g_free (self->description);
  g_free (self->name);
  g_free (self);
}

QksDatasetKind
qks_dataset_get_kind (QksDataset *self)
{
  g_return_val_if_fail (self != NULL, QKS_DATASET_FILE);

  return self->kind;
}

/**
 * qks_dataset_get_description:
 *
 * Returns: a short label for the UI: "grammar (seed 1, 2.0 MB)" for a
 *   built-in corpus, the file's name for a file
 */
const char *
qks_dataset_get_description (QksDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->description;
}

gsize
qks_dataset_get_split_size (QksDataset *self,
                            QksSplit    split)
{
  g_return_val_if_fail (self != NULL, 0);

  if (split == QKS_SPLIT_TRAIN)
    return self->n_train;
  return g_bytes_get_size (self->bytes) - self->n_train;
}

/**
 * qks_dataset_get_bytes:
 * @n_bytes: (out) (optional): the split's size
 *
 * Returns: (transfer none): the split's bytes, valid while @self lives
 */
const guint8 *
qks_dataset_get_bytes (QksDataset *self,
                       QksSplit    split,
                       gsize      *n_bytes)
{
  const guint8 *data;

  g_return_val_if_fail (self != NULL, NULL);

  data = g_bytes_get_data (self->bytes, NULL);
  if (n_bytes != NULL)
    *n_bytes = qks_dataset_get_split_size (self, split);
  return split == QKS_SPLIT_TRAIN ? data : data + self->n_train;
}

/**
 * qks_dataset_check_window:
 * @seq_len: the number of tokens a window feeds the model
 *
 * A window of @seq_len tokens needs @seq_len + 1 bytes (the targets are the
 * inputs shifted by one), in each split. The trainer calls this before it
 * samples anything; the sampling functions assume it passed.
 *
 * Returns: %TRUE if both splits hold a window, else %FALSE with @error set
 */
gboolean
qks_dataset_check_window (QksDataset  *self,
                          guint        seq_len,
                          GError     **error)
{
  gsize needed = (gsize) seq_len + 1;

  g_return_val_if_fail (self != NULL, FALSE);

  if (seq_len == 0)
    {
      g_set_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_INVALID_ARGUMENT,
                   "A window must hold at least one token");
      return FALSE;
    }

  for (QksSplit split = QKS_SPLIT_TRAIN; split <= QKS_SPLIT_VALIDATION; split++)
    {
      gsize size = qks_dataset_get_split_size (self, split);

      if (size < needed)
        {
          g_set_error (error, QKS_DATASET_ERROR, QKS_DATASET_ERROR_TOO_SMALL,
                       "The %s split of %s holds %zu %s, fewer than the %zu a window of %u tokens needs",
                       split == QKS_SPLIT_TRAIN ? "training" : "validation",
                       self->name, size, size == 1 ? "byte" : "bytes",
                       needed, seq_len);
          return FALSE;
        }
    }
  return TRUE;
}

static void
fill_window (const guint8 *data,
             guint         seq_len,
             int          *inputs,
             int          *targets)
{
  for (guint t = 0; t < seq_len; t++)
    {
      inputs[t] = data[t];
      targets[t] = data[t + 1];
    }
}

/**
 * qks_dataset_sample_batch:
 * @rng: the trainer's sampling stream; advanced by exactly @batch draws
 *   (plus the rare rejection of qks_rng_uniform_int())
 * @inputs: (out caller-allocates): @batch × @seq_len tokens, row-major
 * @targets: (out caller-allocates): the same shape, the next token of each
 *
 * Draws @batch windows of the training split, each start uniform over the
 * n_train − @seq_len starts whose window lies inside it:
 * inputs[b·T + t] = train[o_b + t] and targets[b·T + t] = train[o_b + t + 1].
 */
void
qks_dataset_sample_batch (QksDataset *self,
                          QksRng     *rng,
                          guint       batch,
                          guint       seq_len,
                          int        *inputs,
                          int        *targets)
{
  const guint8 *data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (rng != NULL);
  g_return_if_fail (seq_len > 0);
  g_return_if_fail (self->n_train >= (gsize) seq_len + 1);

  data = g_bytes_get_data (self->bytes, NULL);
  for (guint b = 0; b < batch; b++)
    {
      gsize offset = (gsize) qks_rng_uniform_int (rng, self->n_train - seq_len);

      fill_window (data + offset, seq_len,
                   inputs + (gsize) b * seq_len,
                   targets + (gsize) b * seq_len);
    }
}

/* Validation windows tile the split: window w starts at w · seq_len, so
 * their inputs never overlap and every byte but the last is an input once. */
static gsize
count_validation_windows (QksDataset *self,
                          guint       seq_len)
{
  gsize size = qks_dataset_get_split_size (self, QKS_SPLIT_VALIDATION);

  if (seq_len == 0 || size < (gsize) seq_len + 1)
    return 0;
  return (size - 1) / seq_len;
}

/**
 * qks_dataset_count_validation_batches:
 *
 * Returns: how many distinct validation batches of this shape there are:
 *   enough to cover every validation window once (the last batch is filled
 *   up with the first windows again), or 0 if no window fits
 */
guint
qks_dataset_count_validation_batches (QksDataset *self,
                                      guint       batch,
                                      guint       seq_len)
{
  gsize n_windows;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (batch > 0, 0);

  n_windows = count_validation_windows (self, seq_len);
  return (guint) MIN ((n_windows + batch - 1) / batch, G_MAXUINT);
}

/**
 * qks_dataset_get_validation_batch:
 * @index: any number; batches repeat with period
 *   qks_dataset_count_validation_batches()
 * @inputs: (out caller-allocates): @batch × @seq_len tokens, row-major
 * @targets: (out caller-allocates): the same shape, the next token of each
 *
 * Row b of batch i is validation window (i' · @batch + b) mod n_windows,
 * where i' = i mod the number of batches: the same every time, so that
 * validation losses of different steps and runs compare like with like.
 */
void
qks_dataset_get_validation_batch (QksDataset *self,
                                  guint       index,
                                  guint       batch,
                                  guint       seq_len,
                                  int        *inputs,
                                  int        *targets)
{
  const guint8 *data;
  gsize n_windows, n_batches, first;

  g_return_if_fail (self != NULL);
  g_return_if_fail (batch > 0);

  n_windows = count_validation_windows (self, seq_len);
  g_return_if_fail (n_windows > 0);

  n_batches = (n_windows + batch - 1) / batch;
  first = (index % n_batches) * batch;
  data = qks_dataset_get_bytes (self, QKS_SPLIT_VALIDATION, NULL);
  for (guint b = 0; b < batch; b++)
    {
      gsize window = (first + b) % n_windows;

      fill_window (data + window * seq_len, seq_len,
                   inputs + (gsize) b * seq_len,
                   targets + (gsize) b * seq_len);
    }
}
