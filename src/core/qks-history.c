/* qks-history.c: a run's history as the figures read it
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-history.h"
#include "qks-json.h"

struct _QksHistory
{
  gatomicrefcount  ref_count;
  char            *name;
  QksTrainConfig   config;
  gboolean         has_config;
  GArray          *steps;           /* QksStepRecord, by step */
  GArray          *snapshot_steps;  /* guint, ascending */
  GHashTable      *snapshots;       /* step → QksSnapshot, those in memory */
  QksRunReader    *reader;          /* NULL for a run that lives only here */
};

static QksHistory *
history_new (const char *name)
{
  QksHistory *self = g_new0 (QksHistory, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name);
  self->steps = g_array_new (FALSE, FALSE, sizeof (QksStepRecord));
  self->snapshot_steps = g_array_new (FALSE, FALSE, sizeof (guint));
  self->snapshots = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                           (GDestroyNotify) qks_snapshot_free);
  return self;
}

/**
 * qks_history_new:
 *
 * Returns: (transfer full): an empty history, filled as a run goes.
 */
QksHistory *
qks_history_new (const char *name)
{
  return history_new (name);
}

static gboolean
load_index (QksHistory  *self,
            GError     **error)
{
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) snapshot_steps = NULL;

  if ((steps = qks_run_reader_load_step_records (self->reader, 0, error)) == NULL ||
      (snapshot_steps = qks_run_reader_list_snapshot_steps (self->reader, error)) == NULL)
    return FALSE;
  g_array_set_size (self->steps, 0);
  g_array_append_vals (self->steps, steps->data, steps->len);
  g_array_set_size (self->snapshot_steps, 0);
  g_array_append_vals (self->snapshot_steps, snapshot_steps->data, snapshot_steps->len);
  return TRUE;
}

/**
 * qks_history_open:
 * @path: a .qkrun file, possibly still being written
 *
 * Returns: (transfer full): its history, snapshots read when first asked
 *   for, or %NULL with @error naming what is wrong with the file.
 */
QksHistory *
qks_history_open (const char  *path,
                  GError     **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autoptr(QksHistory) self = history_new (name);
  const char *config_json;

  if ((self->reader = qks_run_reader_open (path, error)) == NULL)
    return NULL;

  config_json = qks_run_reader_get_config_json (self->reader);
  if (config_json != NULL)
    {
      g_autoptr(JsonNode) node = qks_json_parse_strict (config_json, strlen (config_json), 64, NULL);

      self->has_config = node != NULL && qks_train_config_from_json (&self->config, node, NULL);
    }
  if (!load_index (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

QksHistory *
qks_history_ref (QksHistory *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
qks_history_unref (QksHistory *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->name);
  qks_train_config_clear (&self->config);
  g_array_unref (self->steps);
  g_array_unref (self->snapshot_steps);
  g_hash_table_unref (self->snapshots);
  g_clear_pointer (&self->reader, qks_run_reader_free);
  g_free (self);
}

const char *
qks_history_get_name (QksHistory *self)
{
  return self->name;
}

void
qks_history_set_config (QksHistory           *self,
                        const QksTrainConfig *config)
{
  qks_train_config_clear (&self->config);
  qks_train_config_copy (&self->config, config);
  self->has_config = TRUE;
}

/**
 * qks_history_get_config:
 *
 * Returns: (nullable): the run's configuration, if it is known.
 */
const QksTrainConfig *
qks_history_get_config (QksHistory *self)
{
  return self->has_config ? &self->config : NULL;
}

gboolean
qks_history_has_config (QksHistory *self)
{
  return self->has_config;
}

/* Records arrive in order; a resumed run may repeat steps: replace them. */
void
qks_history_add_step (QksHistory          *self,
                      const QksStepRecord *record)
{
  while (self->steps->len > 0 &&
         g_array_index (self->steps, QksStepRecord, self->steps->len - 1).step >= record->step)
    g_array_set_size (self->steps, self->steps->len - 1);
  g_array_append_val (self->steps, *record);
}

/**
 * qks_history_add_snapshot:
 * @snapshot: (transfer full): the diagnostics of a step
 */
void
qks_history_add_snapshot (QksHistory  *self,
                          QksSnapshot *snapshot)
{
  guint step = snapshot->step;
  guint i = self->snapshot_steps->len;

  while (i > 0 && g_array_index (self->snapshot_steps, guint, i - 1) > step)
    i--;
  if (i == 0 || g_array_index (self->snapshot_steps, guint, i - 1) != step)
    g_array_insert_val (self->snapshot_steps, i, step);
  g_hash_table_replace (self->snapshots, GUINT_TO_POINTER (step), snapshot);
}

/**
 * qks_history_refresh:
 * @changed: (out) (optional): whether anything new was found
 *
 * For a history read from a file that another process writes: takes in
 * the steps committed since.
 */
gboolean
qks_history_refresh (QksHistory  *self,
                     gboolean    *changed,
                     GError     **error)
{
  gboolean any = FALSE;

  if (self->reader != NULL)
    {
      if (!qks_run_reader_refresh (self->reader, &any, error))
        return FALSE;
      if (any && !load_index (self, error))
        return FALSE;
    }
  if (changed != NULL)
    *changed = any;
  return TRUE;
}

guint
qks_history_get_n_steps (QksHistory *self)
{
  return self->steps->len;
}

/**
 * qks_history_get_steps:
 *
 * Returns: (array length=qks_history_get_n_steps): the step records.
 */
const QksStepRecord *
qks_history_get_steps (QksHistory *self)
{
  return (const QksStepRecord *) self->steps->data;
}

/**
 * qks_history_get_snapshot_steps:
 *
 * Returns: (transfer none) (element-type guint): the steps with
 *   diagnostics, ascending.
 */
GArray *
qks_history_get_snapshot_steps (QksHistory *self)
{
  return self->snapshot_steps;
}

/**
 * qks_history_find_snapshot_step:
 *
 * Returns: the last step with diagnostics at or before @step (the first
 *   one if there is none before), or G_MAXUINT if there are none.
 */
guint
qks_history_find_snapshot_step (QksHistory *self,
                                guint       step)
{
  guint found = G_MAXUINT;

  for (guint i = 0; i < self->snapshot_steps->len; i++)
    {
      guint s = g_array_index (self->snapshot_steps, guint, i);

      if (s > step)
        return found == G_MAXUINT ? s : found;
      found = s;
    }
  return found;
}

/**
 * qks_history_get_snapshot:
 *
 * Returns: (transfer none) (nullable): the diagnostics of @step, read from
 *   the file the first time.
 */
QksSnapshot *
qks_history_get_snapshot (QksHistory  *self,
                          guint        step,
                          GError     **error)
{
  QksSnapshot *snapshot = g_hash_table_lookup (self->snapshots, GUINT_TO_POINTER (step));

  if (snapshot != NULL)
    return snapshot;
  if (self->reader == NULL)
    {
      g_set_error (error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                   "“%s” has no diagnostics at step %u", self->name, step);
      return NULL;
    }
  if ((snapshot = qks_run_reader_load_snapshot (self->reader, step, error)) == NULL)
    return NULL;
  g_hash_table_insert (self->snapshots, GUINT_TO_POINTER (step), snapshot);
  return snapshot;
}

/**
 * qks_history_get_metric_series:
 *
 * Returns: (transfer full) (element-type QksMetricPoint): one metric over
 *   every step with diagnostics.
 */
GArray *
qks_history_get_metric_series (QksHistory   *self,
                               guint         layer,
                               int           head,
                               QksFormKind   form,
                               const char   *name,
                               GError      **error)
{
  GArray *series;

  if (self->reader != NULL && g_hash_table_size (self->snapshots) < self->snapshot_steps->len)
    return qks_run_reader_load_metric_series (self->reader, layer, head, form, name, error);

  series = g_array_new (FALSE, FALSE, sizeof (QksMetricPoint));
  for (guint i = 0; i < self->snapshot_steps->len; i++)
    {
      guint step = g_array_index (self->snapshot_steps, guint, i);
      QksSnapshot *snapshot = g_hash_table_lookup (self->snapshots, GUINT_TO_POINTER (step));
      const QksMetricRow *row = snapshot ? qks_snapshot_find_metric (snapshot, layer, head, form, name) : NULL;

      if (row != NULL)
        {
          QksMetricPoint point = { step, row->value, row->flags };

          g_array_append_val (series, point);
        }
    }
  return series;
}

/**
 * qks_history_get_n_layers:
 *
 * Returns: the model's layers, from the configuration or the diagnostics.
 */
guint
qks_history_get_n_layers (QksHistory *self)
{
  guint layers = 0;

  if (self->has_config)
    return self->config.model.n_layers;
  if (self->snapshot_steps->len > 0)
    {
      QksSnapshot *snapshot = qks_history_get_snapshot (self, g_array_index (self->snapshot_steps, guint, 0), NULL);

      for (guint i = 0; snapshot != NULL && i < snapshot->metrics->len; i++)
        layers = MAX (layers, g_array_index (snapshot->metrics, QksMetricRow, i).layer + 1);
    }
  return layers;
}
