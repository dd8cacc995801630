/* test-matrix.c: the dense matrix and its OpenBLAS/LAPACKE helpers
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-matrix.h"

/* An independent triple loop to check cblas_dgemm against. */
static QksMatrix *
naive_multiply (const QksMatrix *a,
                gboolean         transpose_a,
                const QksMatrix *b,
                gboolean         transpose_b)
{
  gsize m = transpose_a ? a->cols : a->rows;
  gsize k = transpose_a ? a->rows : a->cols;
  gsize n = transpose_b ? b->rows : b->cols;
  QksMatrix *c = qks_matrix_new (m, n);

  for (gsize i = 0; i < m; i++)
    for (gsize j = 0; j < n; j++)
      {
        double sum = 0.0;

        for (gsize p = 0; p < k; p++)
          sum += (transpose_a ? qks_matrix_get (a, p, i) : qks_matrix_get (a, i, p)) *
                 (transpose_b ? qks_matrix_get (b, j, p) : qks_matrix_get (b, p, j));
        qks_matrix_set (c, i, j, sum);
      }
  return c;
}

static void
test_matrix_multiply_matches_naive (void)
{
  QksRng rng;

  qks_rng_init (&rng, 11);
  for (guint ta = 0; ta < 2; ta++)
    for (guint tb = 0; tb < 2; tb++)
      {
        g_autoptr(QksMatrix) a = ta ? qks_matrix_new_gaussian (13, 7, 1.0, &rng)
                                    : qks_matrix_new_gaussian (7, 13, 1.0, &rng);
        g_autoptr(QksMatrix) b = tb ? qks_matrix_new_gaussian (5, 13, 1.0, &rng)
                                    : qks_matrix_new_gaussian (13, 5, 1.0, &rng);
        g_autoptr(QksMatrix) expected = naive_multiply (a, ta, b, tb);
        g_autoptr(QksMatrix) c = NULL;
        g_autoptr(GError) error = NULL;

        c = qks_matrix_multiply (a, ta ? QKS_TRANSPOSE : QKS_NO_TRANSPOSE,
                                 b, tb ? QKS_TRANSPOSE : QKS_NO_TRANSPOSE, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (c->rows, ==, 7);
        g_assert_cmpuint (c->cols, ==, 5);
        g_assert_cmpfloat (qks_matrix_max_abs_difference (c, expected), <, 1e-12);
      }
}

static void
test_matrix_multiply_rejects_mismatched_shapes (void)
{
  g_autoptr(QksMatrix) a = qks_matrix_new (3, 4);
  g_autoptr(QksMatrix) b = qks_matrix_new (5, 2);
  g_autoptr(QksMatrix) c = NULL;
  g_autoptr(GError) error = NULL;

  c = qks_matrix_multiply (a, QKS_NO_TRANSPOSE, b, QKS_NO_TRANSPOSE, &error);
  g_assert_null (c);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "3 × 4"));
}

/* The tridiagonal matrix with 2 on the diagonal and −1 beside it has the
 * eigenvalues 2 − 2 cos(kπ/(n+1)), k = 1..n, and the sine eigenvectors. */
static void
test_matrix_symmetric_eigen_of_known_matrix (void)
{
  const gsize n = 50;
  g_autoptr(QksMatrix) a = qks_matrix_new (n, n);
  g_autoptr(QksMatrix) vectors = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *values = g_new (double, n);

  for (gsize i = 0; i < n; i++)
    {
      qks_matrix_set (a, i, i, 2.0);
      if (i + 1 < n)
        {
          qks_matrix_set (a, i, i + 1, -1.0);
          qks_matrix_set (a, i + 1, i, -1.0);
        }
    }

  g_assert_true (qks_matrix_symmetric_eigen (a, values, &vectors, &error));
  g_assert_no_error (error);
  for (gsize k = 1; k <= n; k++)
    g_assert_cmpfloat_with_epsilon (values[k - 1], 2.0 - 2.0 * cos (k * G_PI / (n + 1)), 1e-12);

  /* A v = λ v for every column. */
  for (gsize k = 0; k < n; k++)
    for (gsize i = 0; i < n; i++)
      {
        double av = 0.0;

        for (gsize j = 0; j < n; j++)
          av += qks_matrix_get (a, i, j) * qks_matrix_get (vectors, j, k);
        g_assert_cmpfloat_with_epsilon (av, values[k] * qks_matrix_get (vectors, i, k), 1e-12);
      }
}

static void
test_matrix_symmetric_eigen_rejects_bad_input (void)
{
  g_autoptr(QksMatrix) rectangular = qks_matrix_new (3, 4);
  g_autoptr(QksMatrix) asymmetric = qks_matrix_new_identity (3);
  g_autoptr(QksMatrix) with_nan = qks_matrix_new_identity (3);
  GError *error = NULL;

  qks_matrix_set (asymmetric, 0, 2, 1.0);
  qks_matrix_set (with_nan, 1, 1, NAN);

  g_assert_null (qks_matrix_symmetric_eigenvalues (rectangular, &error));
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  g_assert_null (qks_matrix_symmetric_eigenvalues (asymmetric, &error));
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NOT_SYMMETRIC);
  g_clear_error (&error);

  g_assert_null (qks_matrix_symmetric_eigenvalues (with_nan, &error));
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NOT_FINITE);
  g_clear_error (&error);
}

static void
assert_orthonormal_columns (const QksMatrix *q,
                            double           tolerance)
{
  g_autoptr(QksMatrix) gram = qks_matrix_multiply (q, QKS_TRANSPOSE, q, QKS_NO_TRANSPOSE, NULL);
  g_autoptr(QksMatrix) identity = qks_matrix_new_identity (q->cols);

  g_assert_cmpfloat (qks_matrix_max_abs_difference (gram, identity), <, tolerance);
}

static void
check_svd (gsize rows,
           gsize cols)
{
  QksRng rng;
  gsize k = MIN (rows, cols);
  g_autoptr(QksMatrix) a = NULL;
  g_autoptr(QksMatrix) u = NULL;
  g_autoptr(QksMatrix) vt = NULL;
  g_autoptr(QksMatrix) v = NULL;
  g_autoptr(QksMatrix) us = NULL;
  g_autoptr(QksMatrix) reconstructed = NULL;
  g_autoptr(QksMatrix) gram = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *s = g_new (double, k);
  g_autofree double *s_only = g_new (double, k);
  g_autofree double *gram_values = NULL;

  qks_rng_init (&rng, rows * 1000 + cols);
  a = qks_matrix_new_gaussian (rows, cols, 1.0, &rng);

  g_assert_true (qks_matrix_svd (a, s, &u, &vt, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (u->rows, ==, rows);
  g_assert_cmpuint (u->cols, ==, k);
  g_assert_cmpuint (vt->rows, ==, k);
  g_assert_cmpuint (vt->cols, ==, cols);

  for (gsize i = 0; i + 1 < k; i++)
    g_assert_cmpfloat (s[i], >=, s[i + 1]);
  g_assert_cmpfloat (s[k - 1], >=, 0.0);

  assert_orthonormal_columns (u, 1e-12);
  v = qks_matrix_transpose (vt);
  assert_orthonormal_columns (v, 1e-12);

  /* A = U diag(s) Vᵀ */
  us = qks_matrix_copy (u);
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < k; j++)
      qks_matrix_set (us, i, j, qks_matrix_get (u, i, j) * s[j]);
  reconstructed = qks_matrix_multiply (us, QKS_NO_TRANSPOSE, vt, QKS_NO_TRANSPOSE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (qks_matrix_max_abs_difference (reconstructed, a), <, 1e-11);

  /* The values alone agree with the full SVD, and s² with the eigenvalues
   * of the smaller Gram matrix (another LAPACK path: dsyevd). */
  g_assert_true (qks_matrix_svd (a, s_only, NULL, NULL, &error));
  for (gsize i = 0; i < k; i++)
    g_assert_cmpfloat_with_epsilon (s_only[i], s[i], 1e-11);

  gram = rows >= cols ? qks_matrix_multiply (a, QKS_TRANSPOSE, a, QKS_NO_TRANSPOSE, &error)
                      : qks_matrix_multiply (a, QKS_NO_TRANSPOSE, a, QKS_TRANSPOSE, &error);
  gram_values = qks_matrix_symmetric_eigenvalues (gram, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < k; i++)
    g_assert_cmpfloat (fabs (gram_values[k - 1 - i] - s[i] * s[i]), <, 1e-10 * s[0] * s[0]);
}

static void
test_matrix_svd_tall_square_wide (void)
{
  check_svd (40, 12);
  check_svd (25, 25);
  check_svd (9, 31);
}

static void
test_matrix_svd_of_known_rank (void)
{
  QksRng rng;
  g_autoptr(QksMatrix) left = NULL;
  g_autoptr(QksMatrix) right = NULL;
  g_autoptr(QksMatrix) product = NULL;
  double s[30];

  /* A 30 × 30 product through a rank-4 bottleneck has 4 non-zero values. */
  qks_rng_init (&rng, 4);
  left = qks_matrix_new_gaussian (30, 4, 1.0, &rng);
  right = qks_matrix_new_gaussian (4, 30, 1.0, &rng);
  product = qks_matrix_multiply (left, QKS_NO_TRANSPOSE, right, QKS_NO_TRANSPOSE, NULL);
  g_assert_true (qks_matrix_svd (product, s, NULL, NULL, NULL));
  g_assert_cmpfloat (s[3], >, 1e-3 * s[0]);
  for (guint i = 4; i < 30; i++)
    g_assert_cmpfloat (s[i], <, 1e-12 * s[0]);
}

static void
test_matrix_svd_rejects_nan (void)
{
  g_autoptr(QksMatrix) a = qks_matrix_new_identity (4);
  g_autoptr(GError) error = NULL;
  double s[4];

  qks_matrix_set (a, 2, 3, INFINITY);
  g_assert_false (qks_matrix_svd (a, s, NULL, NULL, &error));
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NOT_FINITE);
}

static void
check_qr (gsize rows,
          gsize cols)
{
  QksRng rng;
  gsize k = MIN (rows, cols);
  g_autoptr(QksMatrix) a = NULL;
  g_autoptr(QksMatrix) q = NULL;
  g_autoptr(QksMatrix) r = NULL;
  g_autoptr(QksMatrix) qr = NULL;
  g_autoptr(GError) error = NULL;

  qks_rng_init (&rng, rows + 77 * cols);
  a = qks_matrix_new_gaussian (rows, cols, 2.0, &rng);
  g_assert_true (qks_matrix_qr (a, &q, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (q->rows, ==, rows);
  g_assert_cmpuint (q->cols, ==, k);
  g_assert_cmpuint (r->rows, ==, k);
  g_assert_cmpuint (r->cols, ==, cols);

  assert_orthonormal_columns (q, 1e-12);
  for (gsize i = 0; i < k; i++)
    for (gsize j = 0; j < MIN (i, cols); j++)
      g_assert_cmpfloat (qks_matrix_get (r, i, j), ==, 0.0);

  qr = qks_matrix_multiply (q, QKS_NO_TRANSPOSE, r, QKS_NO_TRANSPOSE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (qks_matrix_max_abs_difference (qr, a), <, 1e-11);
}

static void
test_matrix_qr_tall_square_wide (void)
{
  check_qr (50, 8);
  check_qr (16, 16);
  check_qr (6, 20);
}

static void
test_matrix_frobenius_norm_is_safe_at_extremes (void)
{
  g_autoptr(QksMatrix) huge = qks_matrix_new (2, 2);
  g_autoptr(QksMatrix) tiny = qks_matrix_new (1, 2);

  /* A naive sum of squares overflows to infinity or underflows to zero. */
  huge->data[0] = huge->data[3] = 1e300;
  tiny->data[0] = 3e-300;
  tiny->data[1] = 4e-300;
  g_assert_cmpfloat_with_epsilon (qks_matrix_frobenius_norm (huge) / 1e300, sqrt (2.0), 1e-15);
  g_assert_cmpfloat_with_epsilon (qks_matrix_frobenius_norm (tiny) / 1e-300, 5.0, 1e-14);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/matrix/multiply-matches-naive", test_matrix_multiply_matches_naive);
  g_test_add_func ("/matrix/multiply-rejects-mismatched-shapes", test_matrix_multiply_rejects_mismatched_shapes);
  g_test_add_func ("/matrix/symmetric-eigen-of-known-matrix", test_matrix_symmetric_eigen_of_known_matrix);
  g_test_add_func ("/matrix/symmetric-eigen-rejects-bad-input", test_matrix_symmetric_eigen_rejects_bad_input);
  g_test_add_func ("/matrix/svd-tall-square-wide", test_matrix_svd_tall_square_wide);
  g_test_add_func ("/matrix/svd-of-known-rank", test_matrix_svd_of_known_rank);
  g_test_add_func ("/matrix/svd-rejects-nan", test_matrix_svd_rejects_nan);
  g_test_add_func ("/matrix/qr-tall-square-wide", test_matrix_qr_tall_square_wide);
  g_test_add_func ("/matrix/frobenius-norm-is-safe-at-extremes", test_matrix_frobenius_norm_is_safe_at_extremes);

  return g_test_run ();
}
