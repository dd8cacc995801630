/* test-diversity.c: principal angles, the HDI and the centred head Gram
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-diversity.h"
#include "qks-head-factors.h"
#include "qks-subspace.h"

static void
fill_gaussian (QksMatrix *matrix,
               double     stddev,
               QksRng    *rng)
{
  qks_rng_fill_normal (rng, matrix->data, matrix->rows * matrix->cols, 0.0, stddev);
}

/* A layer at its random init (SCIENCE.md a.0: N(0, 0.02²)). With
 * @shared_kv every head gets the same W_K and W_V, as MQA's adapter
 * repeats them. */
static QksAttnHeads *
random_heads (guint     n_heads,
              guint     d,
              guint     d_h,
              gboolean  shared_kv,
              guint64   seed)
{
  QksAttnHeads *heads = qks_attn_heads_new (n_heads, d, d_h, d_h);
  QksRng rng;

  qks_rng_init (&rng, seed);
  for (guint h = 0; h < n_heads; h++)
    {
      fill_gaussian (heads->w_q[h], 0.02, &rng);
      fill_gaussian (heads->w_o[h], 0.02, &rng);
      if (shared_kv && h > 0)
        {
          memcpy (heads->w_k[h]->data, heads->w_k[0]->data, (gsize) d_h * d * sizeof (double));
          memcpy (heads->w_v[h]->data, heads->w_v[0]->data, (gsize) d_h * d * sizeof (double));
        }
      else
        {
          fill_gaussian (heads->w_k[h], 0.02, &rng);
          fill_gaussian (heads->w_v[h], 0.02, &rng);
        }
    }
  heads->shared_key_width = shared_kv ? d_h : 0;
  return heads;
}

/* A random n × n matrix, almost surely invertible. */
static QksMatrix *
random_invertible (guint   n,
                   QksRng *rng)
{
  QksMatrix *a = qks_matrix_new_gaussian (n, n, 1.0 / sqrt (n), rng);

  for (guint i = 0; i < n; i++)
    qks_matrix_set (a, i, i, qks_matrix_get (a, i, i) + 0.5);
  return a;
}

/* A^(−T) = U S^(−1) Vᵀ from A = U S Vᵀ. */
static QksMatrix *
inverse_transpose (const QksMatrix *a)
{
  gsize n = a->rows;
  g_autofree double *s = g_new (double, n);
  g_autoptr(QksMatrix) u = NULL;
  g_autoptr(QksMatrix) vt = NULL;
  g_autoptr(GError) error = NULL;

  qks_matrix_svd (a, s, &u, &vt, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      qks_matrix_set (u, i, j, qks_matrix_get (u, i, j) / s[j]);
  return qks_matrix_multiply (u, QKS_NO_TRANSPOSE, vt, QKS_NO_TRANSPOSE, NULL);
}

static void
replace (QksMatrix **slot,
         QksMatrix  *matrix)
{
  qks_matrix_free (*slot);
  *slot = matrix;
}

static double
relative_difference (double a,
                     double b)
{
  return fabs (a - b) / MAX (fabs (b), 1e-300);
}

/* Rows e1 and cos θ e2 + sin θ e3 of R^d, mixed by an invertible 2 × 2 so
 * that the basis has to be found, against span{e1, e2}: the angles are
 * exactly {0, θ}. */
static void
build_known_pair (double      theta,
                  guint       d,
                  QksMatrix **a,
                  QksMatrix **b)
{
  g_autoptr(QksMatrix) rows = qks_matrix_new (2, d);
  double mix[] = { 2.0, 1.0, -0.5, 3.0 };
  g_autoptr(QksMatrix) m = qks_matrix_new_from_data (2, 2, mix);

  qks_matrix_set (rows, 0, 0, 1.0);
  qks_matrix_set (rows, 1, 1, cos (theta));
  qks_matrix_set (rows, 1, 2, sin (theta));
  *a = qks_matrix_multiply (m, QKS_NO_TRANSPOSE, rows, QKS_NO_TRANSPOSE, NULL);

  *b = qks_matrix_new (2, d);
  qks_matrix_set (*b, 0, 0, 1.0);
  qks_matrix_set (*b, 1, 1, 1.0);
}

static void
test_diversity_principal_angles_known (void)
{
  const double thetas[] = { 0.7, G_PI / 2, 1e-3, 0.0, 1.2 };

  for (guint t = 0; t < G_N_ELEMENTS (thetas); t++)
    {
      double theta = thetas[t];
      g_autoptr(QksMatrix) a = NULL;
      g_autoptr(QksMatrix) b = NULL;
      g_autoptr(QksMatrix) a_columns = NULL;
      g_autoptr(QksMatrix) basis_a = NULL;
      g_autoptr(QksMatrix) basis_a_columns = NULL;
      g_autoptr(QksMatrix) basis_b = NULL;
      g_autoptr(QksHeadAngles) layer = NULL;
      g_autoptr(GError) error = NULL;
      QksMatrix *spans[2];
      double angles[2];
      const double *pair;
      guint n_angles;
      double omega = (1.0 + cos (theta) * cos (theta)) / 2;

      build_known_pair (theta, 6, &a, &b);

      /* The rows of a k × d weight, and the columns of its transpose. */
      basis_a = qks_subspace_basis (a, QKS_TRANSPOSE, QKS_SUBSPACE_RANK_TOLERANCE, &error);
      g_assert_no_error (error);
      a_columns = qks_matrix_transpose (a);
      basis_a_columns = qks_subspace_basis (a_columns, QKS_NO_TRANSPOSE,
                                            QKS_SUBSPACE_RANK_TOLERANCE, &error);
      g_assert_no_error (error);
      basis_b = qks_subspace_basis (b, QKS_TRANSPOSE, QKS_SUBSPACE_RANK_TOLERANCE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (basis_a->rows, ==, 6);
      g_assert_cmpuint (basis_a->cols, ==, 2);

      qks_subspace_principal_angles (basis_a, basis_b, angles, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (fabs (angles[0]), <, 1e-7);
      g_assert_cmpfloat (fabs (angles[1] - theta), <, 1e-7);
      qks_subspace_principal_angles (basis_b, basis_a_columns, angles, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (fabs (angles[0]), <, 1e-7);
      g_assert_cmpfloat (fabs (angles[1] - theta), <, 1e-7);

      /* The layer's path, through the heads' normal matrices. */
      spans[0] = a;
      spans[1] = b;
      layer = qks_head_angles_new (2, spans, QKS_TRANSPOSE, &error);
      g_assert_no_error (error);
      pair = qks_head_angles_get_pair (layer, 1, 0, &n_angles);
      g_assert_cmpuint (n_angles, ==, 2);
      g_assert_cmpfloat (fabs (pair[0]), <, 1e-7);
      g_assert_cmpfloat (fabs (pair[1] - theta), <, 1e-7);
      g_assert_cmpfloat_with_epsilon (qks_matrix_get (layer->overlap, 0, 1), omega, 1e-12);
      g_assert_cmpfloat_with_epsilon (qks_matrix_get (layer->mean_angle, 1, 0), theta / 2, 1e-7);
      g_assert_cmpfloat_with_epsilon (layer->hdi, 1.0 - omega, 1e-12);
      g_assert_cmpfloat_with_epsilon (layer->hdi_spectral, 1.0 - omega, 1e-12);
      g_assert_false (layer->shared_by_construction);
    }
}

/* A head whose third row is the sum of the first two spans a plane. */
static void
test_diversity_principal_angles_rank_deficient (void)
{
  g_autoptr(QksMatrix) w = qks_matrix_new (3, 5);
  g_autoptr(QksMatrix) plane = qks_matrix_new (3, 5);
  g_autoptr(QksMatrix) basis = NULL;
  g_autoptr(QksHeadAngles) layer = NULL;
  g_autoptr(GError) error = NULL;
  QksMatrix *spans[2] = { w, plane };
  const double *pair;
  guint n_angles;

  for (guint j = 0; j < 5; j++)
    {
      qks_matrix_set (w, 0, j, j + 1.0);
      qks_matrix_set (w, 1, j, j * j - 3.0);
      qks_matrix_set (w, 2, j, qks_matrix_get (w, 0, j) + qks_matrix_get (w, 1, j));
    }
  /* The same plane through other rows, and a third direction. */
  for (guint j = 0; j < 5; j++)
    {
      qks_matrix_set (plane, 0, j, 2 * qks_matrix_get (w, 0, j) - qks_matrix_get (w, 1, j));
      qks_matrix_set (plane, 1, j, qks_matrix_get (w, 1, j));
    }
  qks_matrix_set (plane, 2, 4, 1.0);

  basis = qks_subspace_basis (w, QKS_TRANSPOSE, QKS_SUBSPACE_RANK_TOLERANCE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (basis->cols, ==, 2);

  layer = qks_head_angles_new (2, spans, QKS_TRANSPOSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (layer->ranks[0], ==, 2);
  g_assert_cmpuint (layer->ranks[1], ==, 3);
  /* The plane lies inside the other head's space: two zero angles, and
   * the mean cos² is over those two. */
  pair = qks_head_angles_get_pair (layer, 0, 1, &n_angles);
  g_assert_cmpuint (n_angles, ==, 2);
  g_assert_cmpfloat (pair[1], <, 1e-6);
  g_assert_cmpfloat_with_epsilon (qks_matrix_get (layer->overlap, 0, 1), 1.0, 1e-10);
  g_assert_cmpfloat_with_epsilon (layer->hdi, 0.0, 1e-10);
}

/* H heads on disjoint blocks of coordinates, turned by one random
 * rotation: mutually orthogonal subspaces, HDI 1. The same subspace in
 * every head (each through its own invertible mix): HDI 0. */
static void
test_diversity_hdi_orthogonal_and_identical (void)
{
  const guint H = 4, d = 40, k = 8;
  g_autoptr(QksMatrix) gaussian = NULL;
  g_autoptr(QksMatrix) rotation = NULL;
  g_autoptr(GPtrArray) orthogonal = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  g_autoptr(GPtrArray) same = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  g_autoptr(QksMatrix) shared = NULL;
  g_autoptr(QksHeadAngles) apart = NULL;
  g_autoptr(QksHeadAngles) together = NULL;
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, 7);
  gaussian = qks_matrix_new_gaussian (d, d, 1.0, &rng);
  qks_matrix_qr (gaussian, &rotation, NULL, &error);
  g_assert_no_error (error);
  shared = qks_matrix_new_gaussian (k, d, 1.0, &rng);

  for (guint h = 0; h < H; h++)
    {
      g_autoptr(QksMatrix) block = qks_matrix_new (k, d);
      g_autoptr(QksMatrix) mix = random_invertible (k, &rng);

      for (guint r = 0; r < k; r++)
        qks_matrix_set (block, r, h * k + r, 1.0 + r);
      g_ptr_array_add (orthogonal, qks_matrix_multiply (block, QKS_NO_TRANSPOSE, rotation,
                                                        QKS_TRANSPOSE, NULL));
      g_ptr_array_add (same, qks_matrix_multiply (mix, QKS_NO_TRANSPOSE, shared,
                                                  QKS_NO_TRANSPOSE, NULL));
    }

  apart = qks_head_angles_new (H, (QksMatrix **) orthogonal->pdata, QKS_TRANSPOSE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (apart->hdi, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (apart->hdi_spectral, 1.0, 1e-12);
  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      if (i != j)
        g_assert_cmpfloat_with_epsilon (qks_matrix_get (apart->mean_angle, i, j), G_PI / 2, 1e-7);

  together = qks_head_angles_new (H, (QksMatrix **) same->pdata, QKS_TRANSPOSE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (together->hdi, 0.0, 1e-10);
  g_assert_cmpfloat_with_epsilon (together->hdi_spectral, 0.0, 1e-10);
  /* Different matrices spanning one space: a finding, not a construction. */
  g_assert_false (together->shared_by_construction);
}

/* The whitened-Gram path against explicit SVD bases, and the spectral
 * form 1 − ‖𝒢 − I‖_F² / (H (H − 1) k) built from those bases. */
/* With @data, heads repeat others' matrices as GQA's keys do, out of
 * order: their pairs' angles are copied from their representatives', and
 * must still match the explicit bases (to the ~1e-8 that an SVD resolves
 * between identical subspaces). */
static void
test_diversity_hdi_matches_explicit_bases (gconstpointer data)
{
  const guint H = 6, d = 40, k = 5;
  const guint copy_of[6] = { 0, 0, 2, 3, 2, 0 };
  gboolean repeated = GPOINTER_TO_INT (data);
  double tolerance = repeated ? 1e-7 : 1e-10;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, k, FALSE, 3);
  g_autoptr(QksHeadAngles) layer = NULL;
  g_autoptr(GPtrArray) bases = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  g_autoptr(QksMatrix) stacked = qks_matrix_new (d, H * k);
  g_autoptr(QksMatrix) big_gram = NULL;
  g_autoptr(GError) error = NULL;
  double off = 0.0, omega_sum = 0.0;

  for (guint h = 0; repeated && h < H; h++)
    if (copy_of[h] != h)
      memcpy (heads->w_q[h]->data, heads->w_q[copy_of[h]]->data, (gsize) k * d * sizeof (double));
  layer = qks_head_angles_new_for_heads (heads, QKS_HEAD_SUBSPACE_Q, &error);
  g_assert_no_error (error);

  for (guint h = 0; h < H; h++)
    {
      QksMatrix *basis = qks_subspace_basis (heads->w_q[h], QKS_TRANSPOSE,
                                             QKS_SUBSPACE_RANK_TOLERANCE, &error);

      g_assert_no_error (error);
      g_ptr_array_add (bases, basis);
      for (guint i = 0; i < d; i++)
        for (guint c = 0; c < k; c++)
          qks_matrix_set (stacked, i, h * k + c, qks_matrix_get (basis, i, c));
    }

  for (guint i = 0; i < H; i++)
    for (guint j = i + 1; j < H; j++)
      {
        double expected[5];
        const double *angles;
        guint n_angles;
        double cos2 = 0.0;

        qks_subspace_principal_angles (bases->pdata[i], bases->pdata[j], expected, &error);
        g_assert_no_error (error);
        angles = qks_head_angles_get_pair (layer, i, j, &n_angles);
        g_assert_cmpuint (n_angles, ==, k);
        for (guint m = 0; m < k; m++)
          {
            g_assert_cmpfloat (fabs (angles[m] - expected[m]), <, tolerance);
            if (repeated && copy_of[i] == copy_of[j])
              g_assert_cmpfloat (angles[m], ==, 0.0);
            cos2 += cos (expected[m]) * cos (expected[m]);
          }
        g_assert_cmpfloat_with_epsilon (qks_matrix_get (layer->overlap, i, j), cos2 / k, 1e-12);
        g_assert_cmpfloat (qks_matrix_get (layer->overlap, j, i), ==, qks_matrix_get (layer->overlap, i, j));
        omega_sum += 2 * cos2 / k;
      }

  big_gram = qks_matrix_multiply (stacked, QKS_TRANSPOSE, stacked, QKS_NO_TRANSPOSE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < H * k; i++)
    for (guint j = 0; j < H * k; j++)
      {
        double e = qks_matrix_get (big_gram, i, j) - (i == j ? 1.0 : 0.0);

        off += e * e;
      }

  g_assert_cmpfloat_with_epsilon (layer->hdi_spectral, 1.0 - off / ((double) H * (H - 1) * k), 1e-12);
  g_assert_cmpfloat_with_epsilon (layer->hdi, 1.0 - omega_sum / (H * (H - 1)), 1e-12);
  g_assert_cmpfloat_with_epsilon (layer->hdi, layer->hdi_spectral, 1e-12);
}

/* The dense d × d forms, for checking the thin-factor Gram on small cases. */
static QksMatrix *
dense_form (const QksHeadFactors *factors,
            guint                 h)
{
  return qks_matrix_multiply (factors->left[h],
                              factors->transpose_left == QKS_TRANSPOSE ? QKS_TRANSPOSE : QKS_NO_TRANSPOSE,
                              factors->right[h],
                              factors->transpose_right == QKS_TRANSPOSE ? QKS_NO_TRANSPOSE : QKS_TRANSPOSE,
                              NULL);
}

static double
frobenius_inner (const QksMatrix *a,
                 const QksMatrix *b)
{
  double sum = 0.0;

  for (gsize e = 0; e < a->rows * a->cols; e++)
    sum += a->data[e] * b->data[e];
  return sum;
}

static void
check_gram_against_dense (const QksAttnHeads *heads,
                          QksFormKind         form)
{
  guint H = heads->n_heads, d = heads->d_model;
  g_autoptr(QksHeadFactors) factors = NULL;
  g_autoptr(QksHeadGram) raw = NULL;
  g_autoptr(QksHeadGram) unit = NULL;
  g_autoptr(GPtrArray) forms = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  g_autoptr(QksMatrix) mean = qks_matrix_new (d, d);
  g_autoptr(QksMatrix) pca = qks_matrix_new (H, H);
  g_autofree double *pca_values = NULL;
  g_autoptr(GError) error = NULL;
  double entropy = 0.0, total = 0.0;

  factors = qks_head_factors_new (heads, form, &error);
  g_assert_no_error (error);
  raw = qks_head_gram_new (factors, QKS_HEAD_GRAM_UNNORMALISED, &error);
  g_assert_no_error (error);
  unit = qks_head_gram_new (factors, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);

  for (guint h = 0; h < H; h++)
    {
      QksMatrix *b = dense_form (factors, h);

      g_assert_cmpuint (b->rows, ==, d);
      g_ptr_array_add (forms, b);
    }

  for (guint i = 0; i < H; i++)
    {
      double norm_i = sqrt (frobenius_inner (forms->pdata[i], forms->pdata[i]));

      g_assert_cmpfloat (relative_difference (raw->norms[i], norm_i), <, 1e-12);
      for (guint j = 0; j < H; j++)
        {
          double g = frobenius_inner (forms->pdata[i], forms->pdata[j]);
          double norm_j = sqrt (frobenius_inner (forms->pdata[j], forms->pdata[j]));

          g_assert_cmpfloat (fabs (qks_matrix_get (raw->gram, i, j) - g), <, 1e-12 * norm_i * norm_j);
          g_assert_cmpfloat (fabs (qks_matrix_get (unit->gram, i, j) - g / (norm_i * norm_j)), <, 1e-12);
        }
    }

  /* Step 3 is a PCA of the vec B̂_h about their mean: redo it densely. */
  for (guint h = 0; h < H; h++)
    for (gsize e = 0; e < (gsize) d * d; e++)
      mean->data[e] += ((QksMatrix *) forms->pdata[h])->data[e] / unit->norms[h] / H;
  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      {
        const QksMatrix *bi = forms->pdata[i], *bj = forms->pdata[j];
        double sum = 0.0;

        for (gsize e = 0; e < (gsize) d * d; e++)
          sum += (bi->data[e] / unit->norms[i] - mean->data[e]) *
                 (bj->data[e] / unit->norms[j] - mean->data[e]);
        qks_matrix_set (pca, i, j, sum);
        g_assert_cmpfloat (fabs (qks_matrix_get (unit->centred, i, j) - sum), <, 1e-12);
      }
  pca_values = qks_matrix_symmetric_eigenvalues (pca, &error);
  g_assert_no_error (error);
  for (guint m = 0; m < H; m++)
    {
      double mu = MAX (pca_values[H - 1 - m], 0.0);

      g_assert_cmpfloat (fabs (unit->eigenvalues[m] - mu), <, 1e-12);
      total += mu;
    }
  for (guint m = 0; m < H; m++)
    {
      double p = MAX (pca_values[H - 1 - m], 0.0) / total;

      if (p > 1e-15)
        entropy -= p * log (p);
    }
  g_assert_cmpfloat (unit->eigenvalues[H - 1], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (unit->total_variance, total, 1e-12);
  g_assert_cmpfloat_with_epsilon (unit->effective_rank_percent, 100 * exp (entropy) / (H - 1), 1e-9);
  g_assert_cmpfloat_with_epsilon (unit->shared_fraction,
                                  frobenius_inner (mean, mean), 1e-12);
  g_assert_cmpfloat_with_epsilon (unit->variance_explained[H - 1], 1.0, 1e-12);
  for (guint m = 1; m < H; m++)
    g_assert_cmpfloat (unit->variance_explained[m], >=, unit->variance_explained[m - 1]);
}

static void
test_diversity_gram_matches_dense (void)
{
  const guint H = 5, d = 11, k = 3, d_rope = 2;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, k, FALSE, 5);
  QksRng rng;

  qks_rng_init (&rng, 6);
  heads->d_rope = d_rope;
  heads->w_q_rope = g_new0 (QksMatrix *, H);
  for (guint h = 0; h < H; h++)
    heads->w_q_rope[h] = qks_matrix_new_gaussian (d_rope, d, 1.0, &rng);
  heads->w_k_rope = qks_matrix_new_gaussian (d_rope, d, 1.0, &rng);

  check_gram_against_dense (heads, QKS_FORM_QK);
  check_gram_against_dense (heads, QKS_FORM_OV);
  check_gram_against_dense (heads, QKS_FORM_QK_ROPE);
  check_gram_against_dense (heads, QKS_FORM_QK_SUM);

  /* Keys and values repeated over the heads (MQA): their blocks are
   * computed once and shared. */
  {
    g_autoptr(QksAttnHeads) shared = random_heads (H, d, k, TRUE, 7);

    check_gram_against_dense (shared, QKS_FORM_QK);
    check_gram_against_dense (shared, QKS_FORM_OV);
  }
}

static void
report_gram (const char        *what,
             const QksHeadGram *gram)
{
  g_test_message ("%s: effective rank %.4f %%, k90 %u (%.1f %%), k95 %u (%.1f %%), phi %.4f",
                  what, gram->effective_rank_percent, gram->k90, gram->k90_percent,
                  gram->k95, gram->k95_percent, gram->shared_fraction);
}

/* SCIENCE.md b.8 item 8, on a GPT-2-small-shaped layer at init. */
static void
test_diversity_b8_random_init (gconstpointer data)
{
  gboolean mqa = GPOINTER_TO_INT (data);
  const guint H = 12, d = 768, d_h = 64;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, d_h, mqa, mqa ? 21 : 20);
  g_autoptr(QksHeadDiversity) diversity = NULL;
  g_autoptr(GError) error = NULL;
  double expected_hdi = 1.0 - (double) d_h / d;
  const char *names[] = { "Q", "K", "V" };
  gint64 start = g_get_monotonic_time ();

  diversity = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);
  g_test_message ("%s layer H = 12, d = 768, d_h = 64: %.1f ms",
                  mqa ? "MQA" : "MHA", (g_get_monotonic_time () - start) / 1000.0);

  report_gram ("QK", diversity->qk);
  report_gram ("OV", diversity->ov);
  g_assert_cmpfloat (diversity->qk->effective_rank_percent, >, 99.9);
  g_assert_cmpuint (diversity->qk->k90, ==, 10);
  g_assert_cmpfloat_with_epsilon (diversity->qk->k90_percent, 100.0 * 10 / 11, 1e-12);
  /* Independent forms are nearly orthogonal: φ ≈ 1/H. */
  g_assert_cmpfloat_with_epsilon (diversity->qk->shared_fraction, 1.0 / H, 0.01);

  for (guint s = 0; s < QKS_HEAD_SUBSPACE_N_KINDS; s++)
    {
      const QksHeadAngles *angles = diversity->subspaces[s];
      gboolean shared = mqa && s != QKS_HEAD_SUBSPACE_Q;

      g_test_message ("HDI %s %.4f (spectral %.4f)%s", names[s], angles->hdi,
                      angles->hdi_spectral,
                      angles->shared_by_construction ? ", shared by construction" : "");
      g_assert_cmpuint (angles->ranks[0], ==, d_h);
      g_assert_cmpint (angles->shared_by_construction, ==, shared);
      if (shared)
        g_assert_cmpfloat_with_epsilon (angles->hdi, 0.0, 1e-10);
      else
        g_assert_cmpfloat_with_epsilon (angles->hdi, expected_hdi, 0.01);
      g_assert_cmpfloat_with_epsilon (angles->hdi, angles->hdi_spectral, 1e-12);
    }

  if (mqa)
    {
      /* Only the queries differ, and that is enough for full diversity;
       * the OV forms share W_V, and their W_O still differ. */
      g_assert_cmpfloat (diversity->ov->effective_rank_percent, >, 99.9);
    }
  else
    {
      g_assert_cmpfloat (diversity->ov->effective_rank_percent, >, 99.9);
      g_assert_cmpuint (diversity->ov->k90, ==, 10);
    }
}

/* Identical heads: no diversity (b.8 item 8), exactly. */
static void
test_diversity_identical_heads_give_zero (void)
{
  const guint H = 6, d = 48, d_h = 8;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, d_h, TRUE, 9);
  g_autoptr(QksHeadDiversity) same = NULL;
  g_autoptr(GError) error = NULL;

  for (guint h = 1; h < H; h++)
    memcpy (heads->w_q[h]->data, heads->w_q[0]->data, (gsize) d_h * d * sizeof (double));

  same = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (same->qk->total_variance, ==, 0.0);
  g_assert_cmpfloat (same->qk->effective_rank_percent, ==, 0.0);
  g_assert_cmpuint (same->qk->k90, ==, 0);
  g_assert_cmpuint (same->qk->k95, ==, 0);
  g_assert_cmpfloat (same->qk->variance_explained[0], ==, 1.0);
  g_assert_cmpfloat_with_epsilon (same->qk->shared_fraction, 1.0, 1e-12);
  for (guint s = 0; s < QKS_HEAD_SUBSPACE_N_KINDS; s++)
    {
      g_assert_cmpfloat_with_epsilon (same->subspaces[s]->hdi, 0.0, 1e-10);
      g_assert_true (same->subspaces[s]->shared_by_construction);
    }
}

/* Only the sizes of the forms differ: the normalised Gram sees identical
 * heads, the unnormalised one does not. */
static void
test_diversity_scaling_option (void)
{
  const guint H = 4, d = 30, d_h = 5;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, d_h, TRUE, 10);
  g_autoptr(QksHeadFactors) factors = NULL;
  g_autoptr(QksHeadGram) unit = NULL;
  g_autoptr(QksHeadGram) raw = NULL;
  g_autoptr(GError) error = NULL;

  for (guint h = 0; h < H; h++)
    for (gsize e = 0; e < (gsize) d_h * d; e++)
      heads->w_q[h]->data[e] = heads->w_q[0]->data[e] * (1.0 + h);

  factors = qks_head_factors_new (heads, QKS_FORM_QK, &error);
  g_assert_no_error (error);
  unit = qks_head_gram_new (factors, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);
  raw = qks_head_gram_new (factors, QKS_HEAD_GRAM_UNNORMALISED, &error);
  g_assert_no_error (error);

  g_assert_cmpfloat (unit->total_variance, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (unit->shared_fraction, 1.0, 1e-12);
  /* c_h B with c = 1 … 4: one direction of variance about the mean, and
   * φ = (Σ c)² / (H Σ c²) = 100 / 120. */
  g_assert_cmpfloat (raw->total_variance, >, 0.0);
  g_assert_cmpuint (raw->k90, ==, 1);
  g_assert_cmpfloat_with_epsilon (raw->effective_rank_percent, 100.0 / (H - 1), 1e-9);
  g_assert_cmpfloat_with_epsilon (raw->shared_fraction, 100.0 / 120.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (raw->norms[3] / raw->norms[0], 4.0, 1e-12);
}

/* (W_Q,h, W_K,h) → (A_h W_Q,h, A_h^(−T) W_K,h) leaves B_h, G, the
 * diversity and the Q/K column spaces alone (b.8 item 8). */
static void
test_diversity_gauge_invariance (void)
{
  const guint H = 12, d = 768, d_h = 64;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, d_h, FALSE, 30);
  g_autoptr(QksAttnHeads) gauged = random_heads (H, d, d_h, FALSE, 30);
  g_autoptr(QksAttnHeads) broken = random_heads (H, d, d_h, FALSE, 30);
  g_autoptr(QksHeadDiversity) before = NULL;
  g_autoptr(QksHeadDiversity) after = NULL;
  g_autoptr(QksHeadGram) wrong = NULL;
  g_autoptr(QksHeadFactors) broken_factors = NULL;
  g_autoptr(GError) error = NULL;
  double worst = 0.0, g_max = 0.0, wrong_diff = 0.0;
  QksRng rng;

  qks_rng_init (&rng, 31);
  for (guint h = 0; h < H; h++)
    {
      g_autoptr(QksMatrix) a = random_invertible (d_h, &rng);
      g_autoptr(QksMatrix) a_inv_t = inverse_transpose (a);

      replace (&gauged->w_q[h], qks_matrix_multiply (a, QKS_NO_TRANSPOSE, heads->w_q[h],
                                                     QKS_NO_TRANSPOSE, NULL));
      replace (&gauged->w_k[h], qks_matrix_multiply (a_inv_t, QKS_NO_TRANSPOSE, heads->w_k[h],
                                                     QKS_NO_TRANSPOSE, NULL));
      /* A on both sides is not a gauge: it must show. */
      replace (&broken->w_q[h], qks_matrix_multiply (a, QKS_NO_TRANSPOSE, heads->w_q[h],
                                                     QKS_NO_TRANSPOSE, NULL));
      replace (&broken->w_k[h], qks_matrix_multiply (a, QKS_NO_TRANSPOSE, heads->w_k[h],
                                                     QKS_NO_TRANSPOSE, NULL));
    }

  before = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);
  after = qks_head_diversity_new (gauged, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      {
        double g = qks_matrix_get (before->qk->gram, i, j);

        g_max = MAX (g_max, fabs (g));
        worst = MAX (worst, fabs (qks_matrix_get (after->qk->gram, i, j) - g));
      }
  g_test_message ("gauge: G changes by %.2e of its largest entry, diversity by %.2e, "
                  "HDI Q by %.2e, K by %.2e", worst / g_max,
                  relative_difference (after->qk->effective_rank_percent,
                                       before->qk->effective_rank_percent),
                  relative_difference (after->subspaces[QKS_HEAD_SUBSPACE_Q]->hdi,
                                       before->subspaces[QKS_HEAD_SUBSPACE_Q]->hdi),
                  relative_difference (after->subspaces[QKS_HEAD_SUBSPACE_K]->hdi,
                                       before->subspaces[QKS_HEAD_SUBSPACE_K]->hdi));
  g_assert_cmpfloat (worst / g_max, <, 1e-8);
  for (guint h = 0; h < H; h++)
    g_assert_cmpfloat (relative_difference (after->qk->norms[h], before->qk->norms[h]), <, 1e-8);
  g_assert_cmpfloat (relative_difference (after->qk->effective_rank_percent,
                                          before->qk->effective_rank_percent), <, 1e-8);
  g_assert_cmpfloat (relative_difference (after->qk->shared_fraction,
                                          before->qk->shared_fraction), <, 1e-8);
  for (guint s = 0; s < QKS_HEAD_SUBSPACE_N_KINDS; s++)
    {
      g_assert_cmpfloat (relative_difference (after->subspaces[s]->hdi,
                                              before->subspaces[s]->hdi), <, 1e-8);
      for (guint i = 0; i < H; i++)
        for (guint j = 0; j < H; j++)
          g_assert_cmpfloat (fabs (qks_matrix_get (after->subspaces[s]->mean_angle, i, j) -
                                   qks_matrix_get (before->subspaces[s]->mean_angle, i, j)), <, 1e-8);
    }

  broken_factors = qks_head_factors_new (broken, QKS_FORM_QK, &error);
  g_assert_no_error (error);
  wrong = qks_head_gram_new (broken_factors, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      wrong_diff = MAX (wrong_diff, fabs (qks_matrix_get (wrong->gram, i, j) -
                                          qks_matrix_get (before->qk->gram, i, j)));
  g_assert_cmpfloat (wrong_diff, >, 1e-3);
}

/* f.6: keys through one shared latent of width d_c < d_h (MLA-like). The
 * K subspaces all lie in one d_c-dimensional space, and the flag comes
 * from the structure even though the heads' W_K differ. */
static void
test_diversity_shared_latent_keys (void)
{
  const guint H = 4, d = 64, d_h = 8, d_c = 6;
  g_autoptr(QksAttnHeads) heads = random_heads (H, d, d_h, FALSE, 40);
  g_autoptr(QksMatrix) down = NULL;
  g_autoptr(QksHeadAngles) keys = NULL;
  g_autoptr(QksHeadAngles) queries = NULL;
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, 41);
  down = qks_matrix_new_gaussian (d_c, d, 1.0, &rng);
  for (guint h = 0; h < H; h++)
    {
      g_autoptr(QksMatrix) up = qks_matrix_new_gaussian (d_h, d_c, 1.0, &rng);

      replace (&heads->w_k[h], qks_matrix_multiply (up, QKS_NO_TRANSPOSE, down,
                                                    QKS_NO_TRANSPOSE, NULL));
    }

  keys = qks_head_angles_new_for_heads (heads, QKS_HEAD_SUBSPACE_K, &error);
  g_assert_no_error (error);
  g_assert_false (keys->shared_by_construction);   /* shared_key_width not set yet */
  g_assert_cmpuint (keys->ranks[0], ==, d_c);
  g_assert_cmpfloat_with_epsilon (keys->hdi, 0.0, 1e-9);

  heads->shared_key_width = d_c;
  g_clear_pointer (&keys, qks_head_angles_free);
  keys = qks_head_angles_new_for_heads (heads, QKS_HEAD_SUBSPACE_K, &error);
  g_assert_no_error (error);
  g_assert_true (keys->shared_by_construction);
  queries = qks_head_angles_new_for_heads (heads, QKS_HEAD_SUBSPACE_Q, &error);
  g_assert_no_error (error);
  g_assert_false (queries->shared_by_construction);
  g_assert_cmpfloat (queries->hdi, >, 0.5);
}

static void
test_diversity_errors (void)
{
  g_autoptr(QksAttnHeads) one = random_heads (1, 16, 4, FALSE, 50);
  g_autoptr(QksAttnHeads) two = random_heads (2, 16, 4, FALSE, 51);
  g_autoptr(QksAttnHeads) three = random_heads (3, 16, 4, FALSE, 52);
  g_autoptr(QksHeadDiversity) diversity = NULL;
  g_autoptr(QksHeadFactors) factors = NULL;
  g_autoptr(QksHeadAngles) angles = NULL;
  g_autoptr(GError) error = NULL;

  diversity = qks_head_diversity_new (one, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_null (diversity);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  factors = qks_head_factors_new (two, QKS_FORM_QK_ROPE, &error);
  g_assert_null (factors);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  factors = qks_head_factors_new (two, QKS_FORM_CROSS_GRAM, &error);
  g_assert_null (factors);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  replace (&two->w_k[1], qks_matrix_new (5, 16));
  angles = qks_head_angles_new_for_heads (two, QKS_HEAD_SUBSPACE_K, &error);
  g_assert_null (angles);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  diversity = qks_head_diversity_new (two, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_null (diversity);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE);
  g_clear_error (&error);

  /* A failure inside the loops over heads and pairs comes back too. */
  three->w_q[2]->data[5] = NAN;
  diversity = qks_head_diversity_new (three, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_null (diversity);
  g_assert_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NOT_FINITE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/diversity/principal-angles-known", test_diversity_principal_angles_known);
  g_test_add_func ("/diversity/principal-angles-rank-deficient", test_diversity_principal_angles_rank_deficient);
  g_test_add_func ("/diversity/hdi-orthogonal-and-identical", test_diversity_hdi_orthogonal_and_identical);
  g_test_add_data_func ("/diversity/hdi-matches-explicit-bases", GINT_TO_POINTER (FALSE),
                        test_diversity_hdi_matches_explicit_bases);
  g_test_add_data_func ("/diversity/hdi-matches-explicit-bases-repeated", GINT_TO_POINTER (TRUE),
                        test_diversity_hdi_matches_explicit_bases);
  g_test_add_func ("/diversity/gram-matches-dense", test_diversity_gram_matches_dense);
  g_test_add_data_func ("/diversity/b8-random-init-mha", GINT_TO_POINTER (FALSE), test_diversity_b8_random_init);
  g_test_add_data_func ("/diversity/b8-random-init-mqa", GINT_TO_POINTER (TRUE), test_diversity_b8_random_init);
  g_test_add_func ("/diversity/identical-heads-give-zero", test_diversity_identical_heads_give_zero);
  g_test_add_func ("/diversity/scaling-option", test_diversity_scaling_option);
  g_test_add_func ("/diversity/gauge-invariance", test_diversity_gauge_invariance);
  g_test_add_func ("/diversity/shared-latent-keys", test_diversity_shared_latent_keys);
  g_test_add_func ("/diversity/errors", test_diversity_errors);

  return g_test_run ();
}
