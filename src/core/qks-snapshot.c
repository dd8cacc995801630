/* qks-snapshot.c: the diagnostics of one step, as plain records
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-snapshot.h"

static const char *form_names[QKS_FORM_N_KINDS] = {
  [QKS_FORM_QK] = "qk",
  [QKS_FORM_QK_ROPE] = "qk-rope",
  [QKS_FORM_QK_SUM] = "qk-sum",
  [QKS_FORM_CROSS_GRAM] = "cross-gram",
  [QKS_FORM_OV] = "ov",
};

const char *
qks_form_kind_to_string (QksFormKind form)
{
  g_return_val_if_fail (form < QKS_FORM_N_KINDS, NULL);
  return form_names[form];
}

gboolean
qks_form_kind_from_string (const char  *name,
                           QksFormKind *form)
{
  for (guint i = 0; i < QKS_FORM_N_KINDS; i++)
    if (g_strcmp0 (name, form_names[i]) == 0)
      {
        *form = (QksFormKind) i;
        return TRUE;
      }
  return FALSE;
}

static void
spectrum_free (gpointer data)
{
  QksSpectrumRecord *record = data;

  g_free (record->eigenvalues);
  g_free (record->null_law);
  g_free (record->estimator);
  g_free (record->threshold);
  g_free (record);
}

static void
matrix_free (gpointer data)
{
  QksMatrixRecord *record = data;

  g_free (record->kind);
  g_free (record->data);
  g_free (record);
}

static void
curve_free (gpointer data)
{
  QksCurveRecord *record = data;

  g_free (record->kind);
  g_free (record->values);
  g_free (record);
}

static void
event_free (gpointer data)
{
  QksEventRecord *record = data;

  g_free (record->kind);
  g_free (record->detail);
  g_free (record);
}

QksSnapshot *
qks_snapshot_new (guint step)
{
  QksSnapshot *self = g_new0 (QksSnapshot, 1);

  self->step = step;
  self->metrics = g_array_new (FALSE, TRUE, sizeof (QksMetricRow));
  self->spectra = g_ptr_array_new_with_free_func (spectrum_free);
  self->matrices = g_ptr_array_new_with_free_func (matrix_free);
  self->curves = g_ptr_array_new_with_free_func (curve_free);
  self->events = g_ptr_array_new_with_free_func (event_free);
  return self;
}

void
qks_snapshot_free (QksSnapshot *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->metrics);
  g_ptr_array_unref (self->spectra);
  g_ptr_array_unref (self->matrices);
  g_ptr_array_unref (self->curves);
  g_ptr_array_unref (self->events);
  g_free (self);
}

void
qks_snapshot_add_metric (QksSnapshot    *self,
                         guint           layer,
                         int             head,
                         QksFormKind     form,
                         const char     *name,
                         double          value,
                         QksMetricFlags  flags)
{
  QksMetricRow row = {
    .layer = layer,
    .head = head,
    .form = form,
    .name = g_intern_string (name),
    .value = value,
    .flags = flags,
  };

  g_array_append_val (self->metrics, row);
}

/**
 * qks_snapshot_find_metric:
 *
 * Returns: (nullable): the first row with these keys.
 */
const QksMetricRow *
qks_snapshot_find_metric (QksSnapshot *self,
                          guint        layer,
                          int          head,
                          QksFormKind  form,
                          const char  *name)
{
  const char *interned = g_intern_string (name);

  for (guint i = 0; i < self->metrics->len; i++)
    {
      const QksMetricRow *row = &g_array_index (self->metrics, QksMetricRow, i);

      if (row->layer == layer && row->head == head && row->form == form && row->name == interned)
        return row;
    }
  return NULL;
}

/**
 * qks_snapshot_add_spectrum:
 *
 * Returns: (transfer none): the record, whose fit fields the caller fills.
 */
QksSpectrumRecord *
qks_snapshot_add_spectrum (QksSnapshot  *self,
                           guint         layer,
                           int           head,
                           QksFormKind   form,
                           guint         n_rows,
                           guint         n_cols,
                           const double *eigenvalues,
                           guint         rank)
{
  QksSpectrumRecord *record = g_new0 (QksSpectrumRecord, 1);

  record->layer = layer;
  record->head = head;
  record->form = form;
  record->n_rows = n_rows;
  record->n_cols = n_cols;
  record->rank = rank;
  record->eigenvalues = g_memdup2 (eigenvalues, MAX (rank, 1) * sizeof (double));
  g_ptr_array_add (self->spectra, record);
  return record;
}

QksMatrixRecord *
qks_snapshot_add_matrix (QksSnapshot  *self,
                         guint         layer,
                         const char   *kind,
                         guint         rows,
                         guint         cols,
                         const double *data)
{
  QksMatrixRecord *record = g_new0 (QksMatrixRecord, 1);

  record->layer = layer;
  record->kind = g_strdup (kind);
  record->rows = rows;
  record->cols = cols;
  record->data = g_memdup2 (data, MAX ((gsize) rows * cols, 1) * sizeof (double));
  g_ptr_array_add (self->matrices, record);
  return record;
}

QksCurveRecord *
qks_snapshot_add_curve (QksSnapshot  *self,
                        guint         layer,
                        int           head,
                        const char   *kind,
                        guint         length,
                        const double *values)
{
  QksCurveRecord *record = g_new0 (QksCurveRecord, 1);

  record->layer = layer;
  record->head = head;
  record->kind = g_strdup (kind);
  record->length = length;
  record->values = g_memdup2 (values, MAX (length, 1) * sizeof (double));
  g_ptr_array_add (self->curves, record);
  return record;
}

void
qks_snapshot_add_event (QksSnapshot *self,
                        guint        layer,
                        const char  *kind,
                        const char  *detail)
{
  QksEventRecord *record = g_new0 (QksEventRecord, 1);

  record->layer = layer;
  record->kind = g_strdup (kind);
  record->detail = g_strdup (detail);
  g_ptr_array_add (self->events, record);
}

static void
move_records (GPtrArray *dest,
              GPtrArray *src)
{
  for (guint i = 0; i < src->len; i++)
    g_ptr_array_add (dest, g_ptr_array_steal_index (src, i--));
}

/**
 * qks_snapshot_merge:
 * @src: emptied of its records
 *
 * Appends @src's records to @self's, in order.
 */
void
qks_snapshot_merge (QksSnapshot *self,
                    QksSnapshot *src)
{
  g_array_append_vals (self->metrics, src->metrics->data, src->metrics->len);
  g_array_set_size (src->metrics, 0);
  move_records (self->spectra, src->spectra);
  move_records (self->matrices, src->matrices);
  move_records (self->curves, src->curves);
  move_records (self->events, src->events);
}

/**
 * qks_snapshot_copy:
 *
 * Returns: (transfer full): a deep copy of @self.
 */
QksSnapshot *
qks_snapshot_copy (const QksSnapshot *self)
{
  QksSnapshot *copy = qks_snapshot_new (self->step);

  g_array_append_vals (copy->metrics, self->metrics->data, self->metrics->len);
  for (guint i = 0; i < self->spectra->len; i++)
    {
      const QksSpectrumRecord *r = self->spectra->pdata[i];
      QksSpectrumRecord *c = qks_snapshot_add_spectrum (copy, r->layer, r->head, r->form, r->n_rows,
                                                        r->n_cols, r->eigenvalues, r->rank);

      c->sigma2 = r->sigma2;
      c->lambda_minus = r->lambda_minus;
      c->lambda_plus = r->lambda_plus;
      c->lambda_threshold = r->lambda_threshold;
      c->null_law = g_strdup (r->null_law);
      c->estimator = g_strdup (r->estimator);
      c->threshold = g_strdup (r->threshold);
      c->chain_length = r->chain_length;
      memcpy (c->chain, r->chain, sizeof r->chain);
    }
  for (guint i = 0; i < self->matrices->len; i++)
    {
      const QksMatrixRecord *r = self->matrices->pdata[i];

      qks_snapshot_add_matrix (copy, r->layer, r->kind, r->rows, r->cols, r->data);
    }
  for (guint i = 0; i < self->curves->len; i++)
    {
      const QksCurveRecord *r = self->curves->pdata[i];

      qks_snapshot_add_curve (copy, r->layer, r->head, r->kind, r->length, r->values);
    }
  for (guint i = 0; i < self->events->len; i++)
    {
      const QksEventRecord *r = self->events->pdata[i];

      qks_snapshot_add_event (copy, r->layer, r->kind, r->detail);
    }
  return copy;
}
