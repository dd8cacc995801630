/* test-kqsvd.c: KQ-SVD and keys-only error curves of a head's scores
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-kqsvd.h"

/* √(Σ_{i > r} s_i²) / √(Σ s_i²) from a dense SVD of the T × T scores. */
static void
dense_curves (const QksMatrix *queries,
              const QksMatrix *keys,
              double          *kq,
              double          *keys_only,
              double          *singular_values)
{
  gsize T = keys->rows, k = keys->cols;
  g_autoptr(QksMatrix) scores = qks_matrix_multiply (keys, QKS_NO_TRANSPOSE, queries,
                                                     QKS_TRANSPOSE, NULL);
  g_autofree double *s = g_new (double, T);
  g_autofree double *key_s = g_new (double, MIN (T, k));
  g_autoptr(QksMatrix) u = NULL;
  g_autoptr(QksMatrix) vt = NULL;
  g_autoptr(GError) error = NULL;
  double total = 0.0;

  qks_matrix_svd (scores, s, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < T; i++)
    total += s[i] * s[i];
  for (gsize r = 1; r <= k; r++)
    {
      double tail = 0.0;

      for (gsize i = r; i < T; i++)
        tail += s[i] * s[i];
      kq[r - 1] = sqrt (tail / total);
      if (r - 1 < T)
        singular_values[r - 1] = s[r - 1];
    }

  /* K_r from the dense SVD of K, then the residual of K_r Qᵀ. */
  qks_matrix_svd (keys, key_s, &u, &vt, &error);
  g_assert_no_error (error);
  for (gsize r = 1; r <= k; r++)
    {
      g_autoptr(QksMatrix) k_r = qks_matrix_new (T, k);
      g_autoptr(QksMatrix) approx = NULL;
      double residual = 0.0;

      for (gsize i = 0; i < T; i++)
        for (gsize j = 0; j < k; j++)
          {
            double sum = 0.0;

            for (gsize c = 0; c < MIN (r, MIN (T, k)); c++)
              sum += qks_matrix_get (u, i, c) * key_s[c] * qks_matrix_get (vt, c, j);
            qks_matrix_set (k_r, i, j, sum);
          }
      approx = qks_matrix_multiply (k_r, QKS_NO_TRANSPOSE, queries, QKS_TRANSPOSE, NULL);
      for (gsize e = 0; e < T * T; e++)
        residual += (scores->data[e] - approx->data[e]) * (scores->data[e] - approx->data[e]);
      keys_only[r - 1] = sqrt (residual / total);
    }
}

static void
check_against_dense (guint   T,
                     guint   d,
                     guint   d_qk,
                     guint64 seed)
{
  g_autoptr(QksMatrix) x = NULL;
  g_autoptr(QksMatrix) w_q = NULL;
  g_autoptr(QksMatrix) w_k = NULL;
  g_autoptr(QksMatrix) queries = NULL;
  g_autoptr(QksMatrix) keys = NULL;
  g_autoptr(QksKqsvdCurves) curves = NULL;
  g_autofree double *kq = g_new (double, d_qk);
  g_autofree double *keys_only = g_new (double, d_qk);
  g_autofree double *s = g_new0 (double, d_qk);
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, seed);
  x = qks_matrix_new_gaussian (T, d, 1.0, &rng);
  w_q = qks_matrix_new_gaussian (d_qk, d, 0.3, &rng);
  w_k = qks_matrix_new_gaussian (d_qk, d, 0.3, &rng);
  curves = qks_kqsvd_curves_new_for_head (x, w_q, w_k, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (curves->length, ==, d_qk);

  queries = qks_matrix_multiply (x, QKS_NO_TRANSPOSE, w_q, QKS_TRANSPOSE, NULL);
  keys = qks_matrix_multiply (x, QKS_NO_TRANSPOSE, w_k, QKS_TRANSPOSE, NULL);
  dense_curves (queries, keys, kq, keys_only, s);
  for (guint r = 0; r < d_qk; r++)
    {
      g_assert_cmpfloat (fabs (curves->kq[r] - kq[r]), <, 1e-10);
      g_assert_cmpfloat (fabs (curves->keys_only[r] - keys_only[r]), <, 1e-10);
      g_assert_cmpfloat (fabs (curves->singular_values[r] - s[r]), <, 1e-10 * s[0]);
    }
}

static void
test_kqsvd_matches_dense (void)
{
  check_against_dense (20, 12, 4, 1);
  check_against_dense (33, 7, 7, 2);
  /* Fewer tokens than dimensions: the scores have rank ≤ T. */
  check_against_dense (5, 12, 8, 3);
}

/* The properties the app's figure relies on, on a larger head. */
static void
test_kqsvd_curve_properties (void)
{
  const guint T = 512, d = 96, d_qk = 24;
  g_autoptr(QksMatrix) x = NULL;
  g_autoptr(QksMatrix) w_q = NULL;
  g_autoptr(QksMatrix) w_k = NULL;
  g_autoptr(QksKqsvdCurves) curves = NULL;
  g_autoptr(GError) error = NULL;
  double largest_gap = 0.0;
  QksRng rng;

  qks_rng_init (&rng, 4);
  x = qks_matrix_new_gaussian (T, d, 1.0, &rng);
  w_q = qks_matrix_new_gaussian (d_qk, d, 0.02, &rng);
  w_k = qks_matrix_new_gaussian (d_qk, d, 0.02, &rng);
  /* Give the keys a steep spectrum, as trained heads have. */
  for (guint i = 0; i < d_qk; i++)
    for (guint j = 0; j < d; j++)
      qks_matrix_set (w_k, i, j, qks_matrix_get (w_k, i, j) * exp (-0.2 * i));

  curves = qks_kqsvd_curves_new_for_head (x, w_q, w_k, &error);
  g_assert_no_error (error);

  g_assert_cmpfloat (curves->kq[d_qk - 1], ==, 0.0);
  g_assert_cmpfloat (curves->keys_only[d_qk - 1], ==, 0.0);
  g_assert_cmpfloat (curves->kq[0], <, 1.0);
  g_assert_cmpfloat (curves->kq[0], >, 0.0);
  for (guint r = 0; r < d_qk; r++)
    {
      if (r > 0)
        {
          g_assert_cmpfloat (curves->kq[r], <=, curves->kq[r - 1]);
          g_assert_cmpfloat (curves->keys_only[r], <=, curves->keys_only[r - 1]);
        }
      g_assert_cmpfloat (curves->keys_only[r], >=, curves->kq[r] - 1e-12);
      largest_gap = MAX (largest_gap, curves->keys_only[r] - curves->kq[r]);
    }
  g_test_message ("r = 4: KQ-SVD %.4f, keys-only %.4f; largest gap %.4f",
                  curves->kq[3], curves->keys_only[3], largest_gap);
  /* Keys-only is really worse here, not equal. */
  g_assert_cmpfloat (largest_gap, >, 0.01);
}

/* Scores of exact rank 2: the best rank-2 approximation is exact. */
static void
test_kqsvd_low_rank_scores (void)
{
  const guint T = 40, d = 16, d_qk = 6;
  g_autoptr(QksMatrix) x = NULL;
  g_autoptr(QksMatrix) w_q = NULL;
  g_autoptr(QksMatrix) w_k = NULL;
  g_autoptr(QksKqsvdCurves) curves = NULL;
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, 5);
  x = qks_matrix_new_gaussian (T, d, 1.0, &rng);
  w_q = qks_matrix_new_gaussian (d_qk, d, 1.0, &rng);
  w_k = qks_matrix_new (d_qk, d);
  for (guint j = 0; j < d; j++)
    {
      qks_matrix_set (w_k, 0, j, qks_rng_normal (&rng));
      qks_matrix_set (w_k, 3, j, qks_rng_normal (&rng));
    }

  curves = qks_kqsvd_curves_new_for_head (x, w_q, w_k, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (curves->kq[0], >, 0.01);
  g_assert_cmpfloat (curves->kq[1], <, 1e-12);
  /* K itself has rank 2, so its rank-2 truncation is exact as well. */
  g_assert_cmpfloat (curves->keys_only[1], <, 1e-12);
  g_assert_cmpfloat (curves->singular_values[2], <, 1e-12 * curves->singular_values[0]);
}

static void
test_kqsvd_zero_and_errors (void)
{
  g_autoptr(QksMatrix) x = qks_matrix_new (10, 6);
  g_autoptr(QksMatrix) w = qks_matrix_new (3, 6);
  g_autoptr(QksMatrix) wrong = qks_matrix_new (3, 5);
  g_autoptr(QksMatrix) wider = qks_matrix_new (10, 4);
  g_autoptr(QksKqsvdCurves) curves = NULL;
  g_autoptr(GError) error = NULL;

  curves = qks_kqsvd_curves_new_for_head (x, w, w, &error);
  g_assert_no_error (error);
  for (guint r = 0; r < 3; r++)
    {
      g_assert_cmpfloat (curves->kq[r], ==, 0.0);
      g_assert_cmpfloat (curves->keys_only[r], ==, 0.0);
    }
  g_clear_pointer (&curves, qks_kqsvd_curves_free);

  curves = qks_kqsvd_curves_new_for_head (x, w, wrong, &error);
  g_assert_null (curves);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  curves = qks_kqsvd_curves_new (x, wider, &error);
  g_assert_null (curves);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
}

static void
test_kqsvd_for_heads (void)
{
  const guint H = 3, T = 30, d = 12, d_h = 4;
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (H, d, d_h, d_h);
  g_autoptr(QksMatrix) x = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, 6);
  x = qks_matrix_new_gaussian (T, d, 1.0, &rng);
  for (guint h = 0; h < H; h++)
    {
      qks_rng_fill_normal (&rng, heads->w_q[h]->data, d_h * d, 0.0, 1.0);
      qks_rng_fill_normal (&rng, heads->w_k[h]->data, d_h * d, 0.0, 1.0);
    }

  all = qks_kqsvd_curves_new_for_heads (x, heads, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, H);
  for (guint h = 0; h < H; h++)
    {
      g_autoptr(QksKqsvdCurves) one = qks_kqsvd_curves_new_for_head (x, heads->w_q[h],
                                                                     heads->w_k[h], &error);
      const QksKqsvdCurves *from_all = all->pdata[h];

      g_assert_no_error (error);
      for (guint r = 0; r < d_h; r++)
        {
          g_assert_cmpfloat (from_all->kq[r], ==, one->kq[r]);
          g_assert_cmpfloat (from_all->keys_only[r], ==, one->keys_only[r]);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kqsvd/matches-dense", test_kqsvd_matches_dense);
  g_test_add_func ("/kqsvd/curve-properties", test_kqsvd_curve_properties);
  g_test_add_func ("/kqsvd/low-rank-scores", test_kqsvd_low_rank_scores);
  g_test_add_func ("/kqsvd/zero-and-errors", test_kqsvd_zero_and_errors);
  g_test_add_func ("/kqsvd/for-heads", test_kqsvd_for_heads);

  return g_test_run ();
}
