/* qks-forms.c: the spectra of a layer's bilinear forms, from thin factors
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "qks-forms.h"

void
qks_form_clear (QksForm *form)
{
  g_clear_pointer (&form->ut, qks_matrix_free);
  g_clear_pointer (&form->vt, qks_matrix_free);
}

static void
free_form (gpointer data)
{
  qks_form_clear (data);
  g_free (data);
}

/* The rows of [m_1; m_2; …], all with the same number of columns; with
 * @sum, the matrices are added instead. */
static QksMatrix *
stack_rows (QksMatrix **matrices,
            guint       n,
            gboolean    sum)
{
  gsize cols = matrices[0]->cols, height = 0, at = 0;
  QksMatrix *out;

  for (guint i = 0; i < n; i++)
    height += sum ? 0 : matrices[i]->rows;
  if (sum)
    height = matrices[0]->rows;

  out = qks_matrix_new (height, cols);
  for (guint i = 0; i < n; i++)
    {
      if (sum)
        for (gsize j = 0; j < height * cols; j++)
          out->data[j] += matrices[i]->data[j];
      else
        memcpy (out->data + at * cols, matrices[i]->data, matrices[i]->rows * cols * sizeof (double));
      at += matrices[i]->rows;
    }
  return out;
}

/* [m_1 | m_2 | …]ᵀ for m_i d × cols_i: the OV form's W_O blocks as rows. */
static QksMatrix *
stack_columns_transposed (QksMatrix **matrices,
                          guint       n)
{
  g_autofree QksMatrix **parts = g_new0 (QksMatrix *, n);
  QksMatrix *out;

  for (guint i = 0; i < n; i++)
    parts[i] = qks_matrix_transpose (matrices[i]);
  out = stack_rows (parts, n, FALSE);
  for (guint i = 0; i < n; i++)
    qks_matrix_free (parts[i]);
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
          QksMatrix   *ut,
          QksMatrix   *vt,
          const guint *chain,
          guint        chain_length)
{
  QksForm *form = g_new0 (QksForm, 1);

  form->form = kind;
  form->head = head;
  form->ut = ut;
  form->vt = vt;
  form->rank = (guint) MIN (MIN (ut->cols, vt->cols), ut->rows);
  form->chain_length = MIN (chain_length, QKS_MAX_CHAIN);
  if (chain_length > 0)
    {
      memcpy (form->chain, chain, form->chain_length * sizeof (guint));
      form->rank = MIN (form->rank, chain_min (chain, chain_length));
    }
  g_ptr_array_add (forms, form);
  return form;
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
      /* B_h = W_Q,hᵀ W_K,h: Uᵀ = W_Q,h, Vᵀ = W_K,h. */
      new_form (forms, QKS_FORM_QK, (int) h, qks_matrix_copy (heads->w_q[h]),
                qks_matrix_copy (heads->w_k[h]), heads->head_chain, heads->head_chain_length);

      if (heads->w_q_rope != NULL)
        {
          QksMatrix *q_parts[2] = { heads->w_q[h], heads->w_q_rope[h] };
          QksMatrix *k_parts[2] = { heads->w_k[h], heads->w_k_rope };

          new_form (forms, QKS_FORM_QK_ROPE, (int) h, qks_matrix_copy (heads->w_q_rope[h]),
                    qks_matrix_copy (heads->w_k_rope), rope_chain, 4);
          /* The sum is no single chain: only the Monte-Carlo null fits it. */
          new_form (forms, QKS_FORM_QK_SUM, (int) h, stack_rows (q_parts, 2, FALSE),
                    stack_rows (k_parts, 2, FALSE), NULL, 0);
        }

      /* C_h = W_Q,h W_K,hᵀ: Uᵀ = W_Q,hᵀ. */
      if (with_cross_gram)
        new_form (forms, QKS_FORM_CROSS_GRAM, (int) h, qks_matrix_transpose (heads->w_q[h]),
                  qks_matrix_transpose (heads->w_k[h]), cross_chain, 3);
      /* W_O,h W_V,h: Uᵀ = W_O,hᵀ, Vᵀ = W_V,h. */
      if (with_ov)
        new_form (forms, QKS_FORM_OV, (int) h, qks_matrix_transpose (heads->w_o[h]),
                  qks_matrix_copy (heads->w_v[h]), ov_chain, ov_chain_length);
    }

  new_form (forms, QKS_FORM_QK, QKS_WHOLE_LAYER, stack_rows (heads->w_q, H, FALSE),
            stack_rows (heads->w_k, H, FALSE), heads->layer_chain, heads->layer_chain_length);

  if (heads->w_q_rope != NULL)
    {
      g_autofree QksMatrix **q_parts = g_new0 (QksMatrix *, H + 1);
      g_autofree QksMatrix **k_parts = g_new0 (QksMatrix *, H + 1);
      g_autoptr(QksMatrix) q_rope_sum = stack_rows (heads->w_q_rope, H, TRUE);

      /* Σ_h W_QR,hᵀ W_KR = (Σ_h W_QR,h)ᵀ W_KR: the shared key makes it thin. */
      new_form (forms, QKS_FORM_QK_ROPE, QKS_WHOLE_LAYER, qks_matrix_copy (q_rope_sum),
                qks_matrix_copy (heads->w_k_rope), rope_chain, 4);

      for (guint h = 0; h < H; h++)
        {
          q_parts[h] = heads->w_q[h];
          k_parts[h] = heads->w_k[h];
        }
      q_parts[H] = q_rope_sum;
      k_parts[H] = heads->w_k_rope;
      new_form (forms, QKS_FORM_QK_SUM, QKS_WHOLE_LAYER, stack_rows (q_parts, H + 1, FALSE),
                stack_rows (k_parts, H + 1, FALSE), NULL, 0);
    }

  if (with_cross_gram)
    {
      guint layer_cross[3] = { H * d_qk, d, H * d_qk };
      g_autoptr(QksMatrix) w_q = stack_rows (heads->w_q, H, FALSE);
      g_autoptr(QksMatrix) w_k = stack_rows (heads->w_k, H, FALSE);

      /* C = W^Q W^Kᵀ, the stacked weights: Uᵀ = W^Qᵀ. */
      new_form (forms, QKS_FORM_CROSS_GRAM, QKS_WHOLE_LAYER, qks_matrix_transpose (w_q),
                qks_matrix_transpose (w_k), layer_cross, 3);
    }
  if (with_ov)
    {
      guint layer_ov[4] = { d, H * d_v, mla ? heads->head_chain[3] : d, d };

      new_form (forms, QKS_FORM_OV, QKS_WHOLE_LAYER, stack_columns_transposed (heads->w_o, H),
                stack_rows (heads->w_v, H, FALSE), layer_ov, mla ? 4 : 3);
    }

  return forms;
}

/* R of U = Q R from Uᵀ (w × n, row-major), which is U in column-major
 * order: dgeqrf works on it in place, with no transposition. */
static QksMatrix *
triangular_factor (const QksMatrix  *ut,
                   GError          **error)
{
  g_autoptr(QksMatrix) work = qks_matrix_copy (ut);
  g_autofree double *tau = g_new (double, MAX (MIN (ut->rows, ut->cols), 1));
  gsize n = ut->cols, w = ut->rows, k = MIN (n, w);
  QksMatrix *r;
  int info;

  info = LAPACKE_dgeqrf (LAPACK_COL_MAJOR, (int) n, (int) w, work->data, (int) n, tau);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The QR factorisation (dgeqrf) failed with status %d", info);
      return NULL;
    }

  /* R (k × w, upper) sits in the upper triangle, column-major. */
  r = qks_matrix_new (k, w);
  for (gsize j = 0; j < w; j++)
    for (gsize i = 0; i <= MIN (j, k - 1); i++)
      qks_matrix_set (r, i, j, work->data[j * n + i]);
  return r;
}

/**
 * qks_form_spectrum:
 * @dense: (out) (optional) (nullable): B itself, when it was formed (for the
 *   whole-layer forms, whose factors are as wide as d)
 *
 * The squared singular values of B = U Vᵀ, keeping the form's structural
 * rank k of them, with λ = s²/N (b.2). Two ways, by cost:
 *   - thin factors (w < n/2): U = Q_U R_U and V = Q_V R_V; Q_U and Q_V have
 *     orthonormal columns, so B and R_U R_Vᵀ (w × w) share their non-zero
 *     singular values (b.1);
 *   - wide factors: B (n_u × n_v) is formed with one product and its
 *     values squared come from the eigenvalues of BᵀB. They are exact to
 *     ε·λ_max in absolute terms, which is what a histogram of λ/mean(λ)
 *     and every metric built on it can resolve.
 */
gboolean
qks_form_spectrum (const QksForm    *form,
                   QksFormSpectrum  *spectrum,
                   QksMatrix       **dense,
                   GError          **error)
{
  gsize n_u = form->ut->cols, n_v = form->vt->cols, w = form->ut->rows;
  gsize N = MAX (n_u, n_v), n_values;
  g_autofree double *squares = NULL;

  memset (spectrum, 0, sizeof *spectrum);
  if (dense != NULL)
    *dense = NULL;

  if (2 * w < MIN (n_u, n_v))
    {
      g_autoptr(QksMatrix) r_u = NULL;
      g_autoptr(QksMatrix) r_v = NULL;
      g_autoptr(QksMatrix) core = NULL;
      g_autofree double *s = NULL;

      if ((r_u = triangular_factor (form->ut, error)) == NULL ||
          (r_v = triangular_factor (form->vt, error)) == NULL ||
          (core = qks_matrix_multiply (r_u, QKS_NO_TRANSPOSE, r_v, QKS_TRANSPOSE, error)) == NULL)
        return FALSE;
      n_values = MIN (core->rows, core->cols);
      s = g_new (double, n_values);
      if (!qks_matrix_svd (core, s, NULL, NULL, error))
        return FALSE;
      squares = g_new (double, n_values);
      for (gsize i = 0; i < n_values; i++)
        squares[i] = s[i] * s[i];
    }
  else
    {
      g_autoptr(QksMatrix) b = qks_matrix_new (n_u, n_v);

      cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) n_u, (int) n_v, (int) w,
                   1.0, form->ut->data, (int) n_u, form->vt->data, (int) n_v, 0.0, b->data, (int) n_v);
      n_values = MIN (n_u, n_v);
      squares = g_new (double, n_values);
      if (!qks_matrix_squared_singular_values (b, squares, error))
        return FALSE;
      if (dense != NULL)
        *dense = g_steal_pointer (&b);
    }

  spectrum->n_rows = (guint) N;
  spectrum->n_cols = (guint) MIN (n_u, n_v);
  spectrum->rank = (guint) MIN (form->rank, n_values);
  spectrum->singular_values = g_new (double, MAX (spectrum->rank, 1));
  spectrum->lambda = g_new (double, MAX (spectrum->rank, 1));
  for (guint i = 0; i < spectrum->rank; i++)
    {
      double square = MAX (squares[i], 0.0);

      spectrum->singular_values[i] = sqrt (square);
      spectrum->lambda[i] = square / N;
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
 * Returns: (transfer full): B = U Vᵀ itself.
 */
QksMatrix *
qks_form_dense (const QksForm *form)
{
  return qks_matrix_multiply (form->ut, QKS_TRANSPOSE, form->vt, QKS_NO_TRANSPOSE, NULL);
}
