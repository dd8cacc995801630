/* qks-symmetry.c: the symmetric share of a bilinear form's energy (HKT)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-symmetry.h"

/* SCIENCE.md a.6 (HKT): a score form splits as M = S + A with
 * S = (M + Mᵀ)/2 (reciprocal attention) and A = (M − Mᵀ)/2 (directional),
 * and ‖S‖_F² / ‖M‖_F² says how much of it is reciprocal. With M = L Rᵀ and
 * thin d × k factors L, R:
 *
 *   ‖M‖_F²  = tr(Mᵀ M) = tr(R Lᵀ L Rᵀ) = tr((LᵀL)(RᵀR)) = ⟨LᵀL, RᵀR⟩_F
 *   tr(M M) = tr(L Rᵀ L Rᵀ) = tr((RᵀL)(RᵀL))           = ⟨C, Cᵀ⟩_F, C = RᵀL
 *   ‖S‖_F²  = ¼ (‖M‖² + 2 ⟨M, Mᵀ⟩ + ‖Mᵀ‖²) = ½ (‖M‖_F² + tr(M M))
 *
 * so the fraction is ½ (1 + tr(M M) / ‖M‖_F²), from three k × k products
 * (O(k² d)) and no d × d matrix. It is 1 for a symmetric form, 0 for an
 * antisymmetric one, and about ½ for independent random factors, whose
 * tr(M M) averages 0. */

static double
frobenius_inner (const QksMatrix *a,
                 const QksMatrix *b,
                 gboolean         transpose_b)
{
  double sum = 0.0;

  for (gsize i = 0; i < a->rows; i++)
    for (gsize j = 0; j < a->cols; j++)
      sum += qks_matrix_get (a, i, j) *
             (transpose_b ? qks_matrix_get (b, j, i) : qks_matrix_get (b, i, j));
  return sum;
}

/* op(W)ᵀ op(W'): W or Wᵀ as op() asks. */
static QksMatrix *
factor_product (const QksMatrix  *a,
                QksTranspose      transpose_a,
                const QksMatrix  *b,
                QksTranspose      transpose_b,
                GError          **error)
{
  return qks_matrix_multiply (a, transpose_a == QKS_TRANSPOSE ? QKS_NO_TRANSPOSE : QKS_TRANSPOSE,
                              b, transpose_b, error);
}

static gboolean
check_widths (const QksMatrix  *left,
              QksTranspose      transpose_left,
              const QksMatrix  *right,
              QksTranspose      transpose_right,
              GError          **error)
{
  gsize left_k = transpose_left == QKS_TRANSPOSE ? left->rows : left->cols;
  gsize right_k = transpose_right == QKS_TRANSPOSE ? right->rows : right->cols;

  if (left_k != right_k)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "A form L Rᵀ needs factors of one width, not %zu and %zu", left_k, right_k);
      return FALSE;
    }
  return TRUE;
}

/**
 * qks_symmetric_energy_fraction:
 * @left: L = op(@left), d × k
 * @right: R = op(@right), d × k
 * @fraction: (out): ‖S‖_F² / ‖M‖_F² of M = L Rᵀ; 1 for M = 0, which is
 *   symmetric
 *
 * Returns: %FALSE with @error set when the factors' shapes differ.
 */
gboolean
qks_symmetric_energy_fraction (const QksMatrix  *left,
                               QksTranspose      transpose_left,
                               const QksMatrix  *right,
                               QksTranspose      transpose_right,
                               double           *fraction,
                               GError          **error)
{
  g_autoptr(QksMatrix) ll = NULL;
  g_autoptr(QksMatrix) rr = NULL;

  /* qks_symmetric_energy_with_norm() checks the widths. */
  if ((ll = factor_product (left, transpose_left, left, transpose_left, error)) == NULL ||
      (rr = factor_product (right, transpose_right, right, transpose_right, error)) == NULL)
    return FALSE;

  return qks_symmetric_energy_with_norm (left, transpose_left, right, transpose_right,
                                         frobenius_inner (ll, rr, FALSE), fraction, error);
}

/**
 * qks_symmetric_energy_with_norm:
 * @norm2: ‖M‖_F², known already (the sum of M's squared singular values)
 *
 * qks_symmetric_energy_fraction() with one k × k product instead of three.
 */
gboolean
qks_symmetric_energy_with_norm (const QksMatrix  *left,
                                QksTranspose      transpose_left,
                                const QksMatrix  *right,
                                QksTranspose      transpose_right,
                                double            norm2,
                                double           *fraction,
                                GError          **error)
{
  g_autoptr(QksMatrix) rl = NULL;
  double trace_square;

  if (!check_widths (left, transpose_left, right, transpose_right, error) ||
      (rl = factor_product (right, transpose_right, left, transpose_left, error)) == NULL)
    return FALSE;

  trace_square = frobenius_inner (rl, rl, TRUE);
  *fraction = norm2 > 0.0 ? CLAMP (0.5 * (1.0 + trace_square / norm2), 0.0, 1.0) : 1.0;
  return TRUE;
}

/**
 * qks_symmetric_energy_of_matrix:
 * @matrix: M itself, square
 * @fraction: (out): ‖S‖_F² / ‖M‖_F² = ½ (1 + Σ m_ij m_ji / Σ m_ij²); 1 for
 *   M = 0
 *
 * The same fraction as qks_symmetric_energy_fraction(), in O(d²), for a
 * form that has been formed anyway.
 *
 * Returns: %FALSE with @error set when @matrix is not square.
 */
gboolean
qks_symmetric_energy_of_matrix (const QksMatrix  *matrix,
                                double           *fraction,
                                GError          **error)
{
  gsize n = matrix->rows;
  double norm2 = 0.0, trace_square = 0.0;

  if (matrix->cols != n)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "A form's symmetric part needs a square matrix, not %zu × %zu", n, matrix->cols);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      const double *row = matrix->data + i * n;

      norm2 += row[i] * row[i];
      trace_square += row[i] * row[i];
      for (gsize j = i + 1; j < n; j++)
        {
          double upper = row[j], lower = matrix->data[j * n + i];

          norm2 += upper * upper + lower * lower;
          trace_square += 2.0 * upper * lower;
        }
    }
  *fraction = norm2 > 0.0 ? CLAMP (0.5 * (1.0 + trace_square / norm2), 0.0, 1.0) : 1.0;
  return TRUE;
}

/* [op(W_1) … op(W_H)], d × H k, stored the way the W_h are. */
static QksMatrix *
stack_factors (QksMatrix *const *factors,
               guint             n_heads,
               QksTranspose      transpose)
{
  gsize rows = factors[0]->rows, cols = factors[0]->cols;
  QksMatrix *stacked;

  if (transpose == QKS_TRANSPOSE)
    {
      stacked = qks_matrix_new (rows * n_heads, cols);
      for (guint h = 0; h < n_heads; h++)
        memcpy (stacked->data + h * rows * cols, factors[h]->data, rows * cols * sizeof (double));
    }
  else
    {
      stacked = qks_matrix_new (rows, cols * n_heads);
      for (guint h = 0; h < n_heads; h++)
        for (gsize i = 0; i < rows; i++)
          memcpy (stacked->data + i * cols * n_heads + h * cols,
                  factors[h]->data + i * cols, cols * sizeof (double));
    }
  return stacked;
}

/**
 * qks_symmetric_energy_for_heads:
 * @layer_fraction: (out) (optional): the fraction of the layer's form
 *   Σ_h B_h, from the stacked factors (k = H d_h, so this one costs
 *   O(H² d_h² d))
 *
 * Returns: (transfer full): the fraction of each head's form B_h, free
 *   with g_free(), or %NULL with @error set.
 */
double *
qks_symmetric_energy_for_heads (const QksHeadFactors  *factors,
                                double                *layer_fraction,
                                GError               **error)
{
  g_autofree double *fractions = g_new0 (double, MAX (factors->n_heads, 1));

  for (guint h = 1; h < factors->n_heads; h++)
    if (factors->left[h]->rows != factors->left[0]->rows ||
        factors->left[h]->cols != factors->left[0]->cols ||
        factors->right[h]->rows != factors->right[0]->rows ||
        factors->right[h]->cols != factors->right[0]->cols)
      {
        g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                     "Head %u's factors differ in shape from head 0's", h);
        return NULL;
      }

  for (guint h = 0; h < factors->n_heads; h++)
    if (!qks_symmetric_energy_fraction (factors->left[h], factors->transpose_left,
                                        factors->right[h], factors->transpose_right,
                                        &fractions[h], error))
      return NULL;

  if (layer_fraction != NULL && factors->n_heads > 0)
    {
      g_autoptr(QksMatrix) left = stack_factors (factors->left, factors->n_heads,
                                                 factors->transpose_left);
      g_autoptr(QksMatrix) right = stack_factors (factors->right, factors->n_heads,
                                                  factors->transpose_right);

      if (!qks_symmetric_energy_fraction (left, factors->transpose_left,
                                          right, factors->transpose_right,
                                          layer_fraction, error))
        return NULL;
    }

  return g_steal_pointer (&fractions);
}
