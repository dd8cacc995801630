/* qks-forms.c: the spectra of a layer's bilinear forms, from thin factors
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-forms.h"

void
qks_form_clear (QksForm *form)
{
  g_clear_pointer (&form->u, qks_matrix_free);
  g_clear_pointer (&form->v, qks_matrix_free);
}

static void
free_form (gpointer data)
{
  qks_form_clear (data);
  g_free (data);
}

/* The columns of [m_1ᵀ | m_2ᵀ | …]: each m_i is rows_i × d, the result
 * d × Σ rows_i. With @sum, the transposes are added instead. */
static QksMatrix *
stack_transposed (QksMatrix **matrices,
                  guint       n,
                  gboolean    sum)
{
  gsize d = matrices[0]->cols, width = 0, at = 0;
  QksMatrix *out;

  for (guint i = 0; i < n; i++)
    width += sum ? 0 : matrices[i]->rows;
  if (sum)
    width = matrices[0]->rows;

  out = qks_matrix_new (d, width);
  for (guint i = 0; i < n; i++)
    {
      for (gsize r = 0; r < matrices[i]->rows; r++)
        for (gsize c = 0; c < d; c++)
          out->data[c * width + at + r] += qks_matrix_get (matrices[i], r, c);
      if (!sum)
        at += matrices[i]->rows;
    }
  return out;
}

/* The columns of [m_1 | m_2 | …] for m_i d × cols_i. */
static QksMatrix *
stack_columns (QksMatrix **matrices,
               guint       n)
{
  gsize d = matrices[0]->rows, width = 0, at = 0;
  QksMatrix *out;

  for (guint i = 0; i < n; i++)
    width += matrices[i]->cols;
  out = qks_matrix_new (d, width);
  for (guint i = 0; i < n; i++)
    {
      for (gsize r = 0; r < d; r++)
        memcpy (out->data + r * width + at, matrices[i]->data + r * matrices[i]->cols,
                matrices[i]->cols * sizeof (double));
      at += matrices[i]->cols;
    }
  return out;
}

/* The rows of [m_1; m_2; …], all with the same number of columns. */
static QksMatrix *
stack_rows (QksMatrix **matrices,
            guint       n)
{
  gsize cols = matrices[0]->cols, height = 0, at = 0;
  QksMatrix *out;

  for (guint i = 0; i < n; i++)
    height += matrices[i]->rows;
  out = qks_matrix_new (height, cols);
  for (guint i = 0; i < n; i++)
    {
      memcpy (out->data + at * cols, matrices[i]->data, matrices[i]->rows * cols * sizeof (double));
      at += matrices[i]->rows;
    }
  return out;
}

static guint
chain_min (const guint *chain,
           guint        length)
{
  guint least = G_MAXUINT;

  for (guint i = 0; i < length; i++)
    least = MIN (least, chain[i]);
  return least;
}

static QksForm *
new_form (GPtrArray   *forms,
          QksFormKind  kind,
          int          head,
          QksMatrix   *u,
          QksMatrix   *v,
          const guint *chain,
          guint        chain_length)
{
  QksForm *form = g_new0 (QksForm, 1);

  form->form = kind;
  form->head = head;
  form->u = u;
  form->v = v;
  form->rank = (guint) MIN (MIN (u->rows, v->rows), u->cols);
  form->chain_length = MIN (chain_length, QKS_MAX_CHAIN);
  if (chain_length > 0)
    {
      memcpy (form->chain, chain, form->chain_length * sizeof (guint));
      form->rank = MIN (form->rank, chain_min (chain, chain_length));
    }
  g_ptr_array_add (forms, form);
  return form;
}

static QksMatrix *
transposed (const QksMatrix *m)
{
  return qks_matrix_transpose (m);
}

/**
 * qks_forms_from_heads:
 * @with_cross_gram: also the cross-Gram C = W^Q W^Kᵀ (a secondary view, b.1)
 * @with_ov: also the OV circuit W_O W_V
 *
 * Returns: (transfer full) (element-type QksForm): every form of every head
 *   of the layer, then of the whole layer: the QK form (MLA: its content
 *   part), MLA-Decoupled's RoPE part and their sum, and optionally the
 *   cross-Gram and OV forms.
 */
GPtrArray *
qks_forms_from_heads (const QksAttnHeads *heads,
                      gboolean            with_cross_gram,
                      gboolean            with_ov)
{
  GPtrArray *forms = g_ptr_array_new_with_free_func (free_form);
  guint H = heads->n_heads, d = heads->d_model, d_qk = heads->d_qk, d_v = heads->d_v;
  gboolean mla = heads->head_chain_length == 5;
  guint ov_chain[4] = { d, d_v, mla ? heads->head_chain[3] : d, d };
  guint ov_chain_length = mla ? 4 : 3;
  guint d_rope = heads->d_rope;
  guint rope_chain[4] = { d, mla ? heads->head_chain[1] : d, d_rope, d };
  guint cross_chain[3] = { d_qk, d, d_qk };

  for (guint h = 0; h < H; h++)
    {
      new_form (forms, QKS_FORM_QK, (int) h, transposed (heads->w_q[h]), transposed (heads->w_k[h]),
                heads->head_chain, heads->head_chain_length);

      if (heads->w_q_rope != NULL)
        {
          QksMatrix *q_parts[2] = { heads->w_q[h], heads->w_q_rope[h] };
          QksMatrix *k_parts[2] = { heads->w_k[h], heads->w_k_rope };

          new_form (forms, QKS_FORM_QK_ROPE, (int) h, transposed (heads->w_q_rope[h]),
                    transposed (heads->w_k_rope), rope_chain, 4);
          /* The sum is no single chain: only the Monte-Carlo null fits it. */
          new_form (forms, QKS_FORM_QK_SUM, (int) h, stack_transposed (q_parts, 2, FALSE),
                    stack_transposed (k_parts, 2, FALSE), NULL, 0);
        }

      if (with_cross_gram)
        new_form (forms, QKS_FORM_CROSS_GRAM, (int) h, qks_matrix_copy (heads->w_q[h]),
                  qks_matrix_copy (heads->w_k[h]), cross_chain, 3);
      if (with_ov)
        new_form (forms, QKS_FORM_OV, (int) h, qks_matrix_copy (heads->w_o[h]),
                  transposed (heads->w_v[h]), ov_chain, ov_chain_length);
    }

  new_form (forms, QKS_FORM_QK, QKS_WHOLE_LAYER, stack_transposed (heads->w_q, H, FALSE),
            stack_transposed (heads->w_k, H, FALSE), heads->layer_chain, heads->layer_chain_length);

  if (heads->w_q_rope != NULL)
    {
      g_autofree QksMatrix **q_parts = g_new0 (QksMatrix *, H + 1);
      g_autofree QksMatrix **k_parts = g_new0 (QksMatrix *, H + 1);
      g_autoptr(QksMatrix) q_rope_sum = stack_transposed (heads->w_q_rope, H, TRUE);
      g_autoptr(QksMatrix) q_rope_sum_t = transposed (q_rope_sum);

      /* Σ_h W_QR,hᵀ W_KR = (Σ_h W_QR,h)ᵀ W_KR: the shared key makes it thin. */
      new_form (forms, QKS_FORM_QK_ROPE, QKS_WHOLE_LAYER, qks_matrix_copy (q_rope_sum),
                transposed (heads->w_k_rope), rope_chain, 4);

      for (guint h = 0; h < H; h++)
        {
          q_parts[h] = heads->w_q[h];
          k_parts[h] = heads->w_k[h];
        }
      q_parts[H] = q_rope_sum_t;
      k_parts[H] = heads->w_k_rope;
      new_form (forms, QKS_FORM_QK_SUM, QKS_WHOLE_LAYER, stack_transposed (q_parts, H + 1, FALSE),
                stack_transposed (k_parts, H + 1, FALSE), NULL, 0);
    }

  if (with_cross_gram)
    {
      guint layer_cross[3] = { H * d_qk, d, H * d_qk };

      new_form (forms, QKS_FORM_CROSS_GRAM, QKS_WHOLE_LAYER,
                stack_rows (heads->w_q, H), stack_rows (heads->w_k, H),
                layer_cross, 3);
    }
  if (with_ov)
    {
      guint layer_ov[4] = { d, H * d_v, mla ? heads->head_chain[3] : d, d };

      new_form (forms, QKS_FORM_OV, QKS_WHOLE_LAYER, stack_columns (heads->w_o, H),
                stack_transposed (heads->w_v, H, FALSE), layer_ov, mla ? 4 : 3);
    }

  return forms;
}

/* R of a thin QR: U = Q R, with R min(rows, cols) × cols. */
static QksMatrix *
triangular_factor (const QksMatrix  *m,
                   GError          **error)
{
  QksMatrix *r = NULL;

  if (!qks_matrix_qr (m, NULL, &r, error))
    return NULL;
  return r;
}

/**
 * qks_form_spectrum:
 *
 * The singular values of U Vᵀ from R_U R_Vᵀ, where U = Q_U R_U and
 * V = Q_V R_V (b.1): Q_U and Q_V have orthonormal columns, so the products
 * share their non-zero singular values, and R_U R_Vᵀ is at most w × w.
 * Keeps the form's structural rank k of them, with λ = s²/N (b.2).
 */
gboolean
qks_form_spectrum (const QksForm    *form,
                   QksFormSpectrum  *spectrum,
                   GError          **error)
{
  g_autoptr(QksMatrix) r_u = NULL;
  g_autoptr(QksMatrix) r_v = NULL;
  g_autoptr(QksMatrix) core = NULL;
  g_autofree double *s = NULL;
  gsize n_values;
  guint N = (guint) MAX (form->u->rows, form->v->rows);

  memset (spectrum, 0, sizeof *spectrum);
  if ((r_u = triangular_factor (form->u, error)) == NULL ||
      (r_v = triangular_factor (form->v, error)) == NULL ||
      (core = qks_matrix_multiply (r_u, QKS_NO_TRANSPOSE, r_v, QKS_TRANSPOSE, error)) == NULL)
    return FALSE;

  n_values = MIN (core->rows, core->cols);
  s = g_new (double, n_values);
  if (!qks_matrix_svd (core, s, NULL, NULL, error))
    return FALSE;

  spectrum->n_rows = N;
  spectrum->n_cols = (guint) MIN (form->u->rows, form->v->rows);
  spectrum->rank = (guint) MIN (form->rank, n_values);
  spectrum->singular_values = g_new (double, MAX (spectrum->rank, 1));
  spectrum->lambda = g_new (double, MAX (spectrum->rank, 1));
  for (guint i = 0; i < spectrum->rank; i++)
    {
      spectrum->singular_values[i] = s[i];
      spectrum->lambda[i] = s[i] * s[i] / N;
    }
  return TRUE;
}

void
qks_form_spectrum_clear (QksFormSpectrum *spectrum)
{
  g_clear_pointer (&spectrum->singular_values, g_free);
  g_clear_pointer (&spectrum->lambda, g_free);
}

/**
 * qks_form_dense:
 *
 * Returns: (transfer full): U Vᵀ itself, for the few metrics that need its
 *   entries (weightwatcher's rand_distance shuffles them).
 */
QksMatrix *
qks_form_dense (const QksForm *form)
{
  return qks_matrix_multiply (form->u, QKS_NO_TRANSPOSE, form->v, QKS_TRANSPOSE, NULL);
}
