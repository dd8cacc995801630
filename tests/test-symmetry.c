/* test-symmetry.c: the symmetric energy fraction of a bilinear form
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-symmetry.h"

/* ‖(M + Mᵀ)/2‖_F² / ‖M‖_F² of a dense square M. */
static double
dense_fraction (const QksMatrix *m)
{
  double sym = 0.0, all = 0.0;

  for (gsize i = 0; i < m->rows; i++)
    for (gsize j = 0; j < m->cols; j++)
      {
        double s = 0.5 * (qks_matrix_get (m, i, j) + qks_matrix_get (m, j, i));

        sym += s * s;
        all += qks_matrix_get (m, i, j) * qks_matrix_get (m, i, j);
      }
  return sym / all;
}

/* [a b], the columns of @b after those of @a. */
static QksMatrix *
join_columns (const QksMatrix *a,
              const QksMatrix *b,
              double           b_sign)
{
  QksMatrix *joined = qks_matrix_new (a->rows, a->cols + b->cols);

  for (gsize i = 0; i < a->rows; i++)
    {
      for (gsize j = 0; j < a->cols; j++)
        qks_matrix_set (joined, i, j, qks_matrix_get (a, i, j));
      for (gsize j = 0; j < b->cols; j++)
        qks_matrix_set (joined, i, a->cols + j, b_sign * qks_matrix_get (b, i, j));
    }
  return joined;
}

/* L S Lᵀ with S symmetric is symmetric: 1. L Rᵀ − R Lᵀ is antisymmetric: 0. */
static void
test_symmetry_symmetric_and_antisymmetric (void)
{
  const guint d = 50, k = 6;
  g_autoptr(QksMatrix) l = NULL;
  g_autoptr(QksMatrix) r = NULL;
  g_autoptr(QksMatrix) s = NULL;
  g_autoptr(QksMatrix) s_sym = NULL;
  g_autoptr(QksMatrix) ls = NULL;
  g_autoptr(QksMatrix) left = NULL;
  g_autoptr(QksMatrix) right = NULL;
  g_autoptr(GError) error = NULL;
  double fraction;
  QksRng rng;

  qks_rng_init (&rng, 1);
  l = qks_matrix_new_gaussian (d, k, 1.0, &rng);
  r = qks_matrix_new_gaussian (d, k, 1.0, &rng);
  s = qks_matrix_new_gaussian (k, k, 1.0, &rng);
  s_sym = qks_matrix_multiply (s, QKS_NO_TRANSPOSE, s, QKS_TRANSPOSE, NULL);
  for (guint i = 0; i < k; i++)
    qks_matrix_set (s_sym, i, i, qks_matrix_get (s_sym, i, i) - 3.0);   /* indefinite too */
  ls = qks_matrix_multiply (l, QKS_NO_TRANSPOSE, s_sym, QKS_NO_TRANSPOSE, NULL);

  qks_symmetric_energy_fraction (l, QKS_NO_TRANSPOSE, ls, QKS_NO_TRANSPOSE, &fraction, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (fraction, 1.0, 1e-12);

  left = join_columns (l, r, 1.0);
  right = join_columns (r, l, -1.0);
  qks_symmetric_energy_fraction (left, QKS_NO_TRANSPOSE, right, QKS_NO_TRANSPOSE, &fraction, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (fraction, 0.0, 1e-12);
}

/* The thin formula against the dense d × d form, for each storage of
 * the factors. */
static void
test_symmetry_matches_dense (void)
{
  const guint d = 9, k = 3;
  QksRng rng;

  qks_rng_init (&rng, 2);
  for (guint trial = 0; trial < 4; trial++)
    {
      g_autoptr(QksMatrix) l = qks_matrix_new_gaussian (d, k, 1.0, &rng);
      g_autoptr(QksMatrix) r = qks_matrix_new_gaussian (d, k, 1.0, &rng);
      g_autoptr(QksMatrix) lt = qks_matrix_transpose (l);
      g_autoptr(QksMatrix) rt = qks_matrix_transpose (r);
      g_autoptr(QksMatrix) m = qks_matrix_multiply (l, QKS_NO_TRANSPOSE, r, QKS_TRANSPOSE, NULL);
      g_autoptr(GError) error = NULL;
      double expected = dense_fraction (m), fraction;

      /* Lean the form towards symmetry on later trials. */
      if (trial >= 2)
        {
          for (guint i = 0; i < d; i++)
            for (guint c = 0; c < k; c++)
              qks_matrix_set (r, i, c, qks_matrix_get (l, i, c) + 0.3 * qks_matrix_get (r, i, c));
          g_clear_pointer (&m, qks_matrix_free);
          g_clear_pointer (&rt, qks_matrix_free);
          m = qks_matrix_multiply (l, QKS_NO_TRANSPOSE, r, QKS_TRANSPOSE, NULL);
          rt = qks_matrix_transpose (r);
          expected = dense_fraction (m);
        }

      qks_symmetric_energy_fraction (l, QKS_NO_TRANSPOSE, r, QKS_NO_TRANSPOSE, &fraction, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (fraction, expected, 1e-12);
      qks_symmetric_energy_fraction (lt, QKS_TRANSPOSE, r, QKS_NO_TRANSPOSE, &fraction, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (fraction, expected, 1e-12);
      qks_symmetric_energy_fraction (lt, QKS_TRANSPOSE, rt, QKS_TRANSPOSE, &fraction, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (fraction, expected, 1e-12);
      if (trial >= 2)
        g_assert_cmpfloat (fraction, >, 0.8);
    }
}

/* Independent random factors: E tr(M M) = 0, so the fraction is about ½. */
static void
test_symmetry_random_is_half (void)
{
  const guint d = 256, k = 32, n_draws = 20;
  double sum = 0.0;
  QksRng rng;

  qks_rng_init (&rng, 3);
  for (guint t = 0; t < n_draws; t++)
    {
      g_autoptr(QksMatrix) w_q = qks_matrix_new_gaussian (k, d, 0.02, &rng);
      g_autoptr(QksMatrix) w_k = qks_matrix_new_gaussian (k, d, 0.02, &rng);
      g_autoptr(GError) error = NULL;
      double fraction;

      qks_symmetric_energy_fraction (w_q, QKS_TRANSPOSE, w_k, QKS_TRANSPOSE, &fraction, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (fraction, >=, 0.4);
      g_assert_cmpfloat (fraction, <=, 0.6);
      sum += fraction;
    }
  g_test_message ("mean fraction over %u random forms: %.4f", n_draws, sum / n_draws);
  g_assert_cmpfloat_with_epsilon (sum / n_draws, 0.5, 0.02);
}

/* Per head and for the layer's Σ_h B_h, against dense forms. */
static void
test_symmetry_for_heads (void)
{
  const guint H = 3, d = 8, d_h = 2;
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (H, d, d_h, d_h);
  g_autoptr(QksHeadFactors) factors = NULL;
  g_autoptr(QksMatrix) layer = qks_matrix_new (d, d);
  g_autofree double *fractions = NULL;
  g_autoptr(GError) error = NULL;
  double layer_fraction;
  QksRng rng;

  qks_rng_init (&rng, 4);
  for (guint h = 0; h < H; h++)
    {
      qks_rng_fill_normal (&rng, heads->w_q[h]->data, d_h * d, 0.0, 1.0);
      qks_rng_fill_normal (&rng, heads->w_k[h]->data, d_h * d, 0.0, 1.0);
    }

  factors = qks_head_factors_new (heads, QKS_FORM_QK, &error);
  g_assert_no_error (error);
  fractions = qks_symmetric_energy_for_heads (factors, &layer_fraction, &error);
  g_assert_no_error (error);

  for (guint h = 0; h < H; h++)
    {
      g_autoptr(QksMatrix) b = qks_matrix_multiply (heads->w_q[h], QKS_TRANSPOSE, heads->w_k[h],
                                                    QKS_NO_TRANSPOSE, NULL);

      g_assert_cmpfloat_with_epsilon (fractions[h], dense_fraction (b), 1e-12);
      for (gsize e = 0; e < (gsize) d * d; e++)
        layer->data[e] += b->data[e];
    }
  g_assert_cmpfloat_with_epsilon (layer_fraction, dense_fraction (layer), 1e-12);
}

static void
test_symmetry_errors (void)
{
  g_autoptr(QksMatrix) l = qks_matrix_new (10, 3);
  g_autoptr(QksMatrix) r = qks_matrix_new (10, 4);
  g_autoptr(GError) error = NULL;
  double fraction = -1.0;

  g_assert_false (qks_symmetric_energy_fraction (l, QKS_NO_TRANSPOSE, r, QKS_NO_TRANSPOSE,
                                                 &fraction, &error));
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  /* The zero form is symmetric. */
  g_assert_true (qks_symmetric_energy_fraction (l, QKS_NO_TRANSPOSE, l, QKS_NO_TRANSPOSE,
                                                &fraction, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fraction, ==, 1.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/symmetry/symmetric-and-antisymmetric", test_symmetry_symmetric_and_antisymmetric);
  g_test_add_func ("/symmetry/matches-dense", test_symmetry_matches_dense);
  g_test_add_func ("/symmetry/random-is-half", test_symmetry_random_is_half);
  g_test_add_func ("/symmetry/for-heads", test_symmetry_for_heads);
  g_test_add_func ("/symmetry/errors", test_symmetry_errors);

  return g_test_run ();
}
