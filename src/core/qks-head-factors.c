/* qks-head-factors.c: the thin factors of each head's bilinear form
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-head-factors.h"

/* [a; b]: the rows of @b below those of @a. */
static QksMatrix *
stack_rows (const QksMatrix *a,
            const QksMatrix *b)
{
  QksMatrix *stacked = qks_matrix_new (a->rows + b->rows, a->cols);

  memcpy (stacked->data, a->data, a->rows * a->cols * sizeof (double));
  memcpy (stacked->data + a->rows * a->cols, b->data, b->rows * b->cols * sizeof (double));
  return stacked;
}

/**
 * qks_head_factors_new:
 * @form: %QKS_FORM_QK (B_h = W_Q,hᵀ W_K,h; MLA: its content part),
 *   %QKS_FORM_QK_ROPE (W_QR,hᵀ W_KR), %QKS_FORM_QK_SUM (their sum) or
 *   %QKS_FORM_OV (W_O,h W_V,h)
 *
 * The factors borrow the matrices of @heads, which must outlive them.
 *
 * Returns: (transfer full): the factors, or %NULL with @error set when
 *   @form is not a per-head form of @heads (the cross-Gram, or a RoPE form
 *   of a variant without a RoPE path).
 */
QksHeadFactors *
qks_head_factors_new (const QksAttnHeads  *heads,
                      QksFormKind          form,
                      GError             **error)
{
  g_autoptr(QksHeadFactors) self = NULL;
  guint H = heads->n_heads;

  if ((form == QKS_FORM_QK_ROPE || form == QKS_FORM_QK_SUM) &&
      (heads->w_q_rope == NULL || heads->w_k_rope == NULL))
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "The %s form needs a RoPE path, which this layer does not have",
                   qks_form_kind_to_string (form));
      return NULL;
    }
  if (form == QKS_FORM_CROSS_GRAM || form >= QKS_FORM_N_KINDS)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "The %s matrix is not a per-head bilinear form",
                   form == QKS_FORM_CROSS_GRAM ? "cross-Gram" : "unknown");
      return NULL;
    }

  self = g_new0 (QksHeadFactors, 1);
  self->form = form;
  self->n_heads = H;
  self->d_model = heads->d_model;
  self->left = g_new0 (QksMatrix *, MAX (H, 1));
  self->right = g_new0 (QksMatrix *, MAX (H, 1));
  self->owned = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);

  /* Every factor below is stored k × d except W_O (d × d_v): op() turns
   * them all into d × k. */
  self->transpose_left = form == QKS_FORM_OV ? QKS_NO_TRANSPOSE : QKS_TRANSPOSE;
  self->transpose_right = QKS_TRANSPOSE;

  for (guint h = 0; h < H; h++)
    switch (form)
      {
      case QKS_FORM_QK:
        self->left[h] = heads->w_q[h];
        self->right[h] = heads->w_k[h];
        break;

      case QKS_FORM_QK_ROPE:
        self->left[h] = heads->w_q_rope[h];
        self->right[h] = heads->w_k_rope;
        break;

      case QKS_FORM_QK_SUM:
        /* W_Qᵀ W_K + W_QRᵀ W_KR = [W_Q; W_QR]ᵀ [W_K; W_KR] */
        self->left[h] = stack_rows (heads->w_q[h], heads->w_q_rope[h]);
        self->right[h] = stack_rows (heads->w_k[h], heads->w_k_rope);
        g_ptr_array_add (self->owned, self->left[h]);
        g_ptr_array_add (self->owned, self->right[h]);
        break;

      case QKS_FORM_OV:
        self->left[h] = heads->w_o[h];
        self->right[h] = heads->w_v[h];
        break;

      case QKS_FORM_CROSS_GRAM:
      case QKS_FORM_N_KINDS:
      default:
        g_assert_not_reached ();
      }

  if (form == QKS_FORM_OV)
    self->width = heads->d_v;
  else if (form == QKS_FORM_QK)
    self->width = heads->d_qk;
  else if (form == QKS_FORM_QK_ROPE)
    self->width = heads->d_rope;
  else
    self->width = heads->d_qk + heads->d_rope;

  return g_steal_pointer (&self);
}

void
qks_head_factors_free (QksHeadFactors *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->owned, g_ptr_array_unref);
  g_free (self->left);
  g_free (self->right);
  g_free (self);
}
