/* qks-matrix.c: a small dense double-precision matrix with OpenBLAS/LAPACKE helpers
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "qks-matrix.h"

G_DEFINE_QUARK (qks-matrix-error-quark, qks_matrix_error)

QksMatrix *
qks_matrix_new (gsize rows,
                gsize cols)
{
  QksMatrix *matrix = g_new0 (QksMatrix, 1);

  matrix->rows = rows;
  matrix->cols = cols;
  matrix->data = g_new0 (double, MAX (rows * cols, 1));

  return matrix;
}

QksMatrix *
qks_matrix_new_from_data (gsize         rows,
                          gsize         cols,
                          const double *data)
{
  QksMatrix *matrix = qks_matrix_new (rows, cols);

  memcpy (matrix->data, data, rows * cols * sizeof (double));
  return matrix;
}

QksMatrix *
qks_matrix_new_identity (gsize n)
{
  QksMatrix *matrix = qks_matrix_new (n, n);

  for (gsize i = 0; i < n; i++)
    qks_matrix_set (matrix, i, i, 1.0);
  return matrix;
}

/**
 * qks_matrix_new_gaussian:
 *
 * Returns: a @rows × @cols matrix of i.i.d. N(0, @stddev²) entries drawn from
 *   @rng in row-major order.
 */
QksMatrix *
qks_matrix_new_gaussian (gsize   rows,
                         gsize   cols,
                         double  stddev,
                         QksRng *rng)
{
  QksMatrix *matrix = qks_matrix_new (rows, cols);

  qks_rng_fill_normal (rng, matrix->data, rows * cols, 0.0, stddev);
  return matrix;
}

QksMatrix *
qks_matrix_copy (const QksMatrix *matrix)
{
  return qks_matrix_new_from_data (matrix->rows, matrix->cols, matrix->data);
}

/**
 * qks_matrix_free_array:
 * @matrices: (nullable) (transfer full): @n matrices, each possibly %NULL
 *
 * Frees the matrices and the array that holds them.
 */
void
qks_matrix_free_array (QksMatrix **matrices,
                       gsize       n)
{
  if (matrices == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    qks_matrix_free (matrices[i]);
  g_free (matrices);
}

/**
 * qks_matrix_copy_into:
 * @dest: a matrix of @src's shape
 *
 * Copies @src's entries into @dest.
 */
void
qks_matrix_copy_into (QksMatrix       *dest,
                      const QksMatrix *src)
{
  g_return_if_fail (dest->rows == src->rows && dest->cols == src->cols);

  memcpy (dest->data, src->data, src->rows * src->cols * sizeof (double));
}

/**
 * qks_matrix_equal:
 *
 * Returns: whether @a and @b have the same shape and the same entries, bit
 *   for bit (a repeated copy, not a close one)
 */
gboolean
qks_matrix_equal (const QksMatrix *a,
                  const QksMatrix *b)
{
  return a->rows == b->rows && a->cols == b->cols &&
         memcmp (a->data, b->data, a->rows * a->cols * sizeof (double)) == 0;
}

QksMatrix *
qks_matrix_transpose (const QksMatrix *matrix)
{
  QksMatrix *result = qks_matrix_new (matrix->cols, matrix->rows);

  for (gsize i = 0; i < matrix->rows; i++)
    for (gsize j = 0; j < matrix->cols; j++)
      qks_matrix_set (result, j, i, qks_matrix_get (matrix, i, j));
  return result;
}

void
qks_matrix_free (QksMatrix *matrix)
{
  if (matrix == NULL)
    return;
  g_free (matrix->data);
  g_free (matrix);
}

gboolean
qks_matrix_is_finite (const QksMatrix *matrix)
{
  for (gsize i = 0; i < matrix->rows * matrix->cols; i++)
    if (!isfinite (matrix->data[i]))
      return FALSE;
  return TRUE;
}

double
qks_matrix_frobenius_norm (const QksMatrix *matrix)
{
  /* Scaled sum of squares, as LAPACK's dlassq does, so that entries near
   * DBL_MAX or DBL_MIN neither overflow nor underflow. */
  double scale = 0.0, sumsq = 1.0;

  for (gsize i = 0; i < matrix->rows * matrix->cols; i++)
    {
      double x = fabs (matrix->data[i]);

      if (x == 0.0)
        continue;
      if (scale < x)
        {
          sumsq = 1.0 + sumsq * (scale / x) * (scale / x);
          scale = x;
        }
      else
        sumsq += (x / scale) * (x / scale);
    }

  return scale * sqrt (sumsq);
}

/**
 * qks_matrix_max_abs_difference:
 *
 * Returns: max |a_ij − b_ij|, or INFINITY when the shapes differ.
 */
double
qks_matrix_max_abs_difference (const QksMatrix *a,
                               const QksMatrix *b)
{
  double max_diff = 0.0;

  if (a->rows != b->rows || a->cols != b->cols)
    return INFINITY;

  for (gsize i = 0; i < a->rows * a->cols; i++)
    max_diff = MAX (max_diff, fabs (a->data[i] - b->data[i]));
  return max_diff;
}

/* LAPACK and CBLAS take int sizes (OpenBLAS without INTERFACE64). */
static gboolean
check_lapack_size (const QksMatrix  *matrix,
                   const char       *what,
                   GError          **error)
{
  if (matrix->rows == 0 || matrix->cols == 0 ||
      matrix->rows > G_MAXINT || matrix->cols > G_MAXINT ||
      matrix->rows * matrix->cols > G_MAXINT)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "%s: a %zu × %zu matrix is empty or too large for LAPACK",
                   what, matrix->rows, matrix->cols);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_finite (const QksMatrix  *matrix,
              const char       *what,
              GError          **error)
{
  if (!qks_matrix_is_finite (matrix))
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NOT_FINITE,
                   "%s: the %zu × %zu matrix holds a NaN or an infinity",
                   what, matrix->rows, matrix->cols);
      return FALSE;
    }
  return TRUE;
}

/**
 * qks_matrix_multiply:
 *
 * Returns: (transfer full): op(@a) · op(@b) computed by cblas_dgemm, or %NULL
 *   with @error set when the inner dimensions differ.
 */
QksMatrix *
qks_matrix_multiply (const QksMatrix  *a,
                     QksTranspose      transpose_a,
                     const QksMatrix  *b,
                     QksTranspose      transpose_b,
                     GError          **error)
{
  gsize m = transpose_a == QKS_TRANSPOSE ? a->cols : a->rows;
  gsize k = transpose_a == QKS_TRANSPOSE ? a->rows : a->cols;
  gsize k_b = transpose_b == QKS_TRANSPOSE ? b->cols : b->rows;
  gsize n = transpose_b == QKS_TRANSPOSE ? b->rows : b->cols;
  QksMatrix *c;

  if (k != k_b)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "Cannot multiply a %zu × %zu matrix by a %zu × %zu matrix",
                   m, k, k_b, n);
      return NULL;
    }
  if (!check_lapack_size (a, "Multiply", error) ||
      !check_lapack_size (b, "Multiply", error))
    return NULL;

  c = qks_matrix_new (m, n);
  cblas_dgemm (CblasRowMajor,
               transpose_a == QKS_TRANSPOSE ? CblasTrans : CblasNoTrans,
               transpose_b == QKS_TRANSPOSE ? CblasTrans : CblasNoTrans,
               (int) m, (int) n, (int) k,
               1.0, a->data, (int) a->cols,
               b->data, (int) b->cols,
               0.0, c->data, (int) n);
  return c;
}

static gboolean
check_symmetric (const QksMatrix  *matrix,
                 GError          **error)
{
  double max_abs = 0.0;

  if (matrix->rows != matrix->cols)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "Symmetric eigenvalues need a square matrix, not %zu × %zu",
                   matrix->rows, matrix->cols);
      return FALSE;
    }

  for (gsize i = 0; i < matrix->rows * matrix->cols; i++)
    max_abs = MAX (max_abs, fabs (matrix->data[i]));

  /* A product like AᵀA computed by a blocked dgemm is symmetric only up to
   * rounding, so allow a few ulps per term of the sums that made it. */
  for (gsize i = 0; i < matrix->rows; i++)
    for (gsize j = i + 1; j < matrix->cols; j++)
      if (fabs (qks_matrix_get (matrix, i, j) - qks_matrix_get (matrix, j, i)) >
          64 * DBL_EPSILON * (double) matrix->rows * max_abs)
        {
          g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NOT_SYMMETRIC,
                       "The matrix is not symmetric: entries (%zu, %zu) and (%zu, %zu) differ",
                       i, j, j, i);
          return FALSE;
        }
  return TRUE;
}

/**
 * qks_matrix_symmetric_eigen:
 * @matrix: a symmetric matrix
 * @eigenvalues: (out caller-allocates): room for n values, set in ascending order
 * @eigenvectors: (out) (optional): the orthonormal eigenvectors as columns
 *
 * LAPACK dsyevd (divide and conquer).
 */
gboolean
qks_matrix_symmetric_eigen (const QksMatrix  *matrix,
                            double           *eigenvalues,
                            QksMatrix       **eigenvectors,
                            GError          **error)
{
  g_autoptr(QksMatrix) work = NULL;
  lapack_int info;
  int n;

  if (!check_lapack_size (matrix, "Eigenvalues", error) ||
      !check_finite (matrix, "Eigenvalues", error) ||
      !check_symmetric (matrix, error))
    return FALSE;

  n = (int) matrix->rows;
  work = qks_matrix_copy (matrix);
  info = LAPACKE_dsyevd (LAPACK_ROW_MAJOR, eigenvectors ? 'V' : 'N', 'U',
                         n, work->data, n, eigenvalues);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The symmetric eigensolver (dsyevd) failed with status %d", (int) info);
      return FALSE;
    }

  if (eigenvectors != NULL)
    *eigenvectors = g_steal_pointer (&work);
  return TRUE;
}

/**
 * qks_matrix_symmetric_eigenvalues:
 *
 * Returns: (transfer full): the n eigenvalues in ascending order, free with
 *   g_free(), or %NULL with @error set.
 */
double *
qks_matrix_symmetric_eigenvalues (const QksMatrix  *matrix,
                                  GError          **error)
{
  g_autofree double *eigenvalues = g_new (double, MAX (matrix->rows, 1));

  if (!qks_matrix_symmetric_eigen (matrix, eigenvalues, NULL, error))
    return NULL;
  return g_steal_pointer (&eigenvalues);
}

/**
 * qks_matrix_svd:
 * @matrix: an m × n matrix
 * @singular_values: (out caller-allocates): room for k = min(m, n) values, set
 *   in descending order
 * @u: (out) (optional): the m × k left singular vectors
 * @vt: (out) (optional): the k × n right singular vectors, transposed
 *
 * Thin SVD by LAPACK dgesdd (divide and conquer).
 */
gboolean
qks_matrix_svd (const QksMatrix  *matrix,
                double           *singular_values,
                QksMatrix       **u,
                QksMatrix       **vt,
                GError          **error)
{
  g_autoptr(QksMatrix) work = NULL;
  g_autoptr(QksMatrix) u_out = NULL;
  g_autoptr(QksMatrix) vt_out = NULL;
  gboolean want_vectors = u != NULL || vt != NULL;
  gsize m = matrix->rows, n = matrix->cols, k = MIN (m, n);
  lapack_int info;

  if (!check_lapack_size (matrix, "SVD", error) ||
      !check_finite (matrix, "SVD", error))
    return FALSE;

  work = qks_matrix_copy (matrix);
  if (want_vectors)
    {
      u_out = qks_matrix_new (m, k);
      vt_out = qks_matrix_new (k, n);
    }

  info = LAPACKE_dgesdd (LAPACK_ROW_MAJOR, want_vectors ? 'S' : 'N',
                         (int) m, (int) n, work->data, (int) n, singular_values,
                         want_vectors ? u_out->data : NULL, (int) k,
                         want_vectors ? vt_out->data : NULL, (int) n);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The SVD (dgesdd) failed with status %d", (int) info);
      return FALSE;
    }

  if (u != NULL)
    *u = g_steal_pointer (&u_out);
  if (vt != NULL)
    *vt = g_steal_pointer (&vt_out);
  return TRUE;
}

/**
 * qks_matrix_qr:
 * @matrix: an m × n matrix
 * @q: (out) (optional): the m × k factor with orthonormal columns, k = min(m, n)
 * @r: (out) (optional): the k × n upper-triangular (trapezoidal) factor
 *
 * Thin Householder QR by LAPACK dgeqrf and dorgqr, so that @matrix = Q·R.
 */
gboolean
qks_matrix_qr (const QksMatrix  *matrix,
               QksMatrix       **q,
               QksMatrix       **r,
               GError          **error)
{
  g_autoptr(QksMatrix) work = NULL;
  g_autofree double *tau = NULL;
  gsize m = matrix->rows, n = matrix->cols, k = MIN (m, n);
  lapack_int info;

  if (!check_lapack_size (matrix, "QR", error) ||
      !check_finite (matrix, "QR", error))
    return FALSE;

  work = qks_matrix_copy (matrix);
  tau = g_new (double, k);
  info = LAPACKE_dgeqrf (LAPACK_ROW_MAJOR, (int) m, (int) n, work->data, (int) n, tau);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The QR factorisation (dgeqrf) failed with status %d", (int) info);
      return FALSE;
    }

  if (r != NULL)
    {
      QksMatrix *r_out = qks_matrix_new (k, n);

      for (gsize i = 0; i < k; i++)
        for (gsize j = i; j < n; j++)
          qks_matrix_set (r_out, i, j, qks_matrix_get (work, i, j));
      *r = r_out;
    }

  if (q != NULL)
    {
      g_autoptr(QksMatrix) q_out = qks_matrix_new (m, k);

      /* dorgqr builds Q from the reflectors kept in the first k columns. */
      for (gsize i = 0; i < m; i++)
        memcpy (&q_out->data[i * k], &work->data[i * n], k * sizeof (double));

      info = LAPACKE_dorgqr (LAPACK_ROW_MAJOR, (int) m, (int) k, (int) k,
                             q_out->data, (int) k, tau);
      if (info != 0)
        {
          if (r != NULL)
            g_clear_pointer (r, qks_matrix_free);
          g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                       "Forming Q (dorgqr) failed with status %d", (int) info);
          return FALSE;
        }
      *q = g_steal_pointer (&q_out);
    }

  return TRUE;
}

static int
compare_descending (const void *a,
                    const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x < y) - (x > y);
}

/**
 * qks_matrix_squared_singular_values_single:
 * @values: (out caller-allocates): room for min(rows, cols) values, set in
 *   descending order
 *
 * qks_matrix_squared_singular_values() in single precision: about half the
 * time, and exact to about 1e-7·s_max² in absolute terms. For a random
 * surrogate (a shuffled matrix), whose values are only compared as a
 * whole, not for a spectrum that is shown or fitted.
 */
gboolean
qks_matrix_squared_singular_values_single (const QksMatrix  *matrix,
                                           double           *values,
                                           GError          **error)
{
  gsize m = matrix->rows, n = matrix->cols, small = MIN (m, n);
  g_autofree float *entries = NULL;
  g_autofree float *gram = NULL;
  g_autofree float *single = NULL;
  lapack_int info;

  if (!check_lapack_size (matrix, "Singular values", error) ||
      !check_finite (matrix, "Singular values", error))
    return FALSE;

  entries = g_new (float, MAX (m * n, 1));
  for (gsize i = 0; i < m * n; i++)
    entries[i] = (float) matrix->data[i];
  gram = g_new (float, MAX (small * small, 1));
  single = g_new (float, MAX (small, 1));
  cblas_ssyrk (CblasColMajor, CblasUpper, n <= m ? CblasNoTrans : CblasTrans, (int) small,
               (int) MAX (m, n), 1.0f, entries, (int) n, 0.0f, gram, (int) small);
  info = LAPACKE_ssyevd (LAPACK_COL_MAJOR, 'N', 'U', (int) small, gram, (int) small, single);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The symmetric eigensolver (ssyevd) failed with status %d", (int) info);
      return FALSE;
    }
  for (gsize i = 0; i < small; i++)
    values[i] = MAX ((double) single[i], 0.0);
  qsort (values, small, sizeof (double), compare_descending);
  return TRUE;
}

/**
 * qks_matrix_squared_singular_values:
 * @values: (out caller-allocates): room for min(rows, cols) values, set in
 *   descending order
 *
 * The squared singular values s² of @matrix, from the eigenvalues of the
 * smaller of MᵀM and MMᵀ (a symmetric rank-k update and dsyevd): about
 * three times faster than a singular value decomposition of a square
 * matrix, and exact to ε·s_max² in absolute terms, which is all a spectral
 * histogram or a norm can resolve. Small values lose relative accuracy:
 * use qks_matrix_svd() when they matter one by one.
 */
gboolean
qks_matrix_squared_singular_values (const QksMatrix  *matrix,
                                    double           *values,
                                    GError          **error)
{
  gsize m = matrix->rows, n = matrix->cols, small = MIN (m, n);
  g_autoptr(QksMatrix) gram = NULL;
  lapack_int info;

  if (!check_lapack_size (matrix, "Singular values", error) ||
      !check_finite (matrix, "Singular values", error))
    return FALSE;

  /* Row-major M is column-major Mᵀ: syrk without transposing gives MᵀM. */
  gram = qks_matrix_new (small, small);
  cblas_dsyrk (CblasColMajor, CblasUpper, n <= m ? CblasNoTrans : CblasTrans, (int) small,
               (int) MAX (m, n), 1.0, matrix->data, (int) n, 0.0, gram->data, (int) small);
  info = LAPACKE_dsyevd (LAPACK_COL_MAJOR, 'N', 'U', (int) small, gram->data, (int) small, values);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The symmetric eigensolver (dsyevd) failed with status %d", (int) info);
      return FALSE;
    }
  qsort (values, small, sizeof (double), compare_descending);
  for (gsize i = 0; i < small; i++)
    values[i] = MAX (values[i], 0.0);
  return TRUE;
}
