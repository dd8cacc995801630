/* qks-params.c: the named tensors inside a model's one flat parameter buffer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-params.h"

static void
clear_tensor (gpointer data)
{
  QksParamTensor *tensor = data;

  g_free (tensor->name);
}

void
qks_param_layout_init (QksParamLayout *layout)
{
  layout->tensors = g_array_new (FALSE, TRUE, sizeof (QksParamTensor));
  g_array_set_clear_func (layout->tensors, clear_tensor);
  layout->total = 0;
}

void
qks_param_layout_clear (QksParamLayout *layout)
{
  g_clear_pointer (&layout->tensors, g_array_unref);
  layout->total = 0;
}

/**
 * qks_param_layout_add:
 *
 * Appends a tensor after the previous ones; a matrix (n_dims ≥ 2) gets weight
 * decay, a vector does not.
 *
 * Returns: its offset in elements.
 */
gsize
qks_param_layout_add (QksParamLayout *layout,
                      const char     *name,
                      guint           n_dims,
                      const gsize    *shape,
                      QksInitKind     init,
                      double          init_std)
{
  QksParamTensor tensor = { 0 };

  g_return_val_if_fail (n_dims >= 1 && n_dims <= QKS_PARAM_MAX_DIMS, 0);
  g_return_val_if_fail (qks_param_layout_lookup (layout, name) == NULL, 0);

  tensor.name = g_strdup (name);
  tensor.n_dims = n_dims;
  tensor.size = 1;
  for (guint i = 0; i < n_dims; i++)
    {
      tensor.shape[i] = shape[i];
      tensor.size *= shape[i];
    }
  tensor.offset = layout->total;
  tensor.init = init;
  tensor.init_std = init_std;
  tensor.weight_decay = n_dims >= 2;

  layout->total += tensor.size;
  g_array_append_val (layout->tensors, tensor);
  return tensor.offset;
}

gsize
qks_param_layout_add_matrix (QksParamLayout *layout,
                             const char     *name,
                             gsize           rows,
                             gsize           cols,
                             double          init_std)
{
  const gsize shape[2] = { rows, cols };

  return qks_param_layout_add (layout, name, 2, shape, QKS_INIT_NORMAL, init_std);
}

gsize
qks_param_layout_add_gain (QksParamLayout *layout,
                           const char     *name,
                           gsize           size)
{
  return qks_param_layout_add (layout, name, 1, &size, QKS_INIT_ONES, 0.0);
}

guint
qks_param_layout_get_n_tensors (const QksParamLayout *layout)
{
  return layout->tensors->len;
}

const QksParamTensor *
qks_param_layout_get_tensor (const QksParamLayout *layout,
                             guint                 index)
{
  g_return_val_if_fail (index < layout->tensors->len, NULL);
  return &g_array_index (layout->tensors, QksParamTensor, index);
}

const QksParamTensor *
qks_param_layout_lookup (const QksParamLayout *layout,
                         const char           *name)
{
  for (guint i = 0; i < layout->tensors->len; i++)
    {
      const QksParamTensor *tensor = &g_array_index (layout->tensors, QksParamTensor, i);

      if (strcmp (tensor->name, name) == 0)
        return tensor;
    }
  return NULL;
}
