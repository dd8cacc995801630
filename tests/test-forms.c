/* test-forms.c: the forms' spectra from thin factors match dense ones
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-forms.h"
#include "qks-model.h"

static QksAttnHeads *
heads_of (QksAttnKind kind,
          guint64     seed)
{
  QksModelConfig config;
  g_autoptr(QksModel) model = NULL;
  qks_real *params;

  g_assert_true (qks_model_config_init_sizes (&config, 64, 2, 4, 16, NULL));
  qks_model_config_set_attention (&config, kind);
  model = qks_model_new (&config, NULL);
  qks_model_init_weights (model, seed);
  /* Gains away from 1, so that the export must apply them. */
  params = qks_model_get_params (model);
  for (guint i = 0; i < qks_param_layout_get_n_tensors (qks_model_get_layout (model)); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (qks_model_get_layout (model), i);

      if (tensor->init == QKS_INIT_ONES)
        for (gsize j = 0; j < tensor->size; j++)
          params[tensor->offset + j] = (qks_real) (1.0 + 0.5 * sin (3.0 * j + i));
    }
  return qks_model_export_heads (model, 1);
}

static void
check_forms_of (QksAttnKind kind)
{
  g_autoptr(QksAttnHeads) heads = heads_of (kind, 3);
  g_autoptr(GPtrArray) forms = qks_forms_from_heads (heads, TRUE, TRUE);
  guint per_kind[QKS_FORM_N_KINDS] = { 0 };

  for (guint i = 0; i < forms->len; i++)
    {
      const QksForm *form = forms->pdata[i];
      QksFormSpectrum spectrum;
      g_autoptr(QksMatrix) dense = qks_form_dense (form);
      g_autofree double *s = g_new (double, MIN (dense->rows, dense->cols));
      g_autoptr(GError) error = NULL;

      per_kind[form->form]++;
      g_assert_true (qks_form_spectrum (form, &spectrum, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (qks_matrix_svd (dense, s, NULL, NULL, NULL));

      g_assert_cmpuint (spectrum.n_rows, ==, MAX (dense->rows, dense->cols));
      g_assert_cmpuint (spectrum.rank, >, 0);
      /* Squared values are exact to ε·s_max² either way they are computed. */
      for (guint j = 0; j < spectrum.rank; j++)
        {
          double square = spectrum.singular_values[j] * spectrum.singular_values[j];

          g_assert_cmpfloat (fabs (square - s[j] * s[j]), <=, 1e-12 * s[0] * s[0]);
          g_assert_cmpfloat (fabs (spectrum.lambda[j] - s[j] * s[j] / spectrum.n_rows), <=, 1e-12 * s[0] * s[0]);
        }
      /* What lies beyond the structural rank is zero up to rounding. */
      for (guint j = spectrum.rank; j < MIN (dense->rows, dense->cols); j++)
        g_assert_cmpfloat (s[j], <, 1e-8 * s[0]);
      qks_form_spectrum_clear (&spectrum);
    }

  g_assert_cmpuint (per_kind[QKS_FORM_QK], ==, heads->n_heads + 1);
  g_assert_cmpuint (per_kind[QKS_FORM_CROSS_GRAM], ==, heads->n_heads + 1);
  g_assert_cmpuint (per_kind[QKS_FORM_OV], ==, heads->n_heads + 1);
  g_assert_cmpuint (per_kind[QKS_FORM_QK_ROPE], ==, kind == QKS_ATTN_MLA_DECOUPLED ? heads->n_heads + 1 : 0);
  g_assert_cmpuint (per_kind[QKS_FORM_QK_SUM], ==, kind == QKS_ATTN_MLA_DECOUPLED ? heads->n_heads + 1 : 0);
}

static void
test_forms_match_dense (void)
{
  for (QksAttnKind kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
    check_forms_of (kind);
}

/* MLA's content form passes through latents narrower than d: its
 * structural rank is the narrowest link of its chain (b.1, rank handling). */
static void
test_forms_mla_rank (void)
{
  g_autoptr(QksAttnHeads) heads = heads_of (QKS_ATTN_MLA_PREROPE, 4);
  g_autoptr(GPtrArray) forms = qks_forms_from_heads (heads, FALSE, FALSE);
  const QksForm *layer = forms->pdata[forms->len - 1];

  /* d = 64, d_c = 16, d_c' = 24, H·d_h = 64: the layer form has rank 16. */
  g_assert_cmpint (layer->head, ==, QKS_WHOLE_LAYER);
  g_assert_cmpuint (layer->chain_length, ==, 5);
  g_assert_cmpuint (layer->rank, ==, 16);
  g_assert_cmpuint (((const QksForm *) forms->pdata[0])->rank, ==, 16);
}

/* The RoPE part of MLA-Decoupled with its shared key: per layer it is
 * (Σ_h W_QR,h)ᵀ W_KR, of rank d_h^R. */
static void
test_forms_rope_part (void)
{
  g_autoptr(QksAttnHeads) heads = heads_of (QKS_ATTN_MLA_DECOUPLED, 5);
  g_autoptr(GPtrArray) forms = qks_forms_from_heads (heads, FALSE, FALSE);

  for (guint i = 0; i < forms->len; i++)
    {
      const QksForm *form = forms->pdata[i];

      if (form->form == QKS_FORM_QK_ROPE)
        g_assert_cmpuint (form->rank, ==, heads->d_rope);
      if (form->form == QKS_FORM_QK_SUM)
        g_assert_cmpuint (form->chain_length, ==, 0);
    }
}

/* GQA and MQA: each group's keys and values are repeated over its heads,
 * so the layer's QK, OV and cross-Gram forms have rank G·d_h, and none of
 * their analysed values is a structural zero. */
static void
test_forms_shared_groups (void)
{
  for (guint G = 1; G <= 4; G *= 2)
    {
      QksModelConfig config;
      g_autoptr(QksModel) model = NULL;
      g_autoptr(QksAttnHeads) heads = NULL;
      g_autoptr(GPtrArray) forms = NULL;

      g_assert_true (qks_model_config_init_sizes (&config, 64, 1, 8, 8, NULL));
      qks_model_config_set_attention (&config, G == 1 ? QKS_ATTN_MQA : QKS_ATTN_GQA);
      config.n_kv_groups = G;
      g_assert_true (qks_model_config_validate (&config, NULL));
      model = qks_model_new (&config, NULL);
      qks_model_init_weights (model, 6);
      heads = qks_model_export_heads (model, 0);
      g_assert_cmpuint (heads->n_kv_groups, ==, G);
      forms = qks_forms_from_heads (heads, TRUE, TRUE);

      for (guint i = 0; i < forms->len; i++)
        {
          const QksForm *form = forms->pdata[i];
          QksFormSpectrum spectrum;
          g_autoptr(QksMatrix) dense = qks_form_dense (form);
          g_autofree double *s = g_new (double, MIN (dense->rows, dense->cols));

          if (form->head != QKS_WHOLE_LAYER)
            continue;
          g_assert_cmpuint (form->rank, ==, G * 8);
          g_assert_true (qks_form_spectrum (form, &spectrum, NULL, NULL));
          g_assert_true (qks_matrix_svd (dense, s, NULL, NULL, NULL));
          g_assert_cmpuint (dense->rows, ==, 64);
          g_assert_cmpuint (dense->cols, ==, 64);
          g_assert_cmpuint (spectrum.n_rows, ==, 64);
          g_assert_cmpuint (spectrum.n_cols, ==, 64);
          for (guint j = 0; j < spectrum.rank; j++)
            g_assert_cmpfloat (fabs (spectrum.singular_values[j] - s[j]), <=, 1e-10 * s[0]);
          g_assert_cmpfloat (s[spectrum.rank - 1], >, 1e-6 * s[0]);
          if (spectrum.rank < 64)
            g_assert_cmpfloat (s[spectrum.rank], <, 1e-8 * s[0]);
          qks_form_spectrum_clear (&spectrum);
        }
    }
}

/* A head with a query row of zeros (rank d_h − 1): UᵀU has a zero pivot,
 * so its R comes from Householder QR; the spectrum still matches the dense
 * one, with the lost value at zero. */
static void
test_forms_rank_deficient_head (void)
{
  g_autoptr(QksAttnHeads) heads = heads_of (QKS_ATTN_MHA, 7);
  QksMatrix *w_q = heads->w_q[1];
  g_autoptr(GPtrArray) forms = NULL;
  const QksForm *form = NULL;
  QksFormSpectrum spectrum;
  g_autoptr(QksMatrix) dense = NULL;
  g_autofree double *s = NULL;

  memset (w_q->data + w_q->cols, 0, w_q->cols * sizeof (double));
  forms = qks_forms_from_heads (heads, FALSE, FALSE);
  for (guint i = 0; i < forms->len && form == NULL; i++)
    if (((const QksForm *) forms->pdata[i])->head == 1)
      form = forms->pdata[i];
  g_assert_nonnull (form);
  dense = qks_form_dense (form);
  s = g_new (double, dense->cols);
  g_assert_true (qks_matrix_svd (dense, s, NULL, NULL, NULL));
  g_assert_true (qks_form_spectrum (form, &spectrum, NULL, NULL));
  g_assert_cmpuint (spectrum.rank, ==, heads->d_qk);
  for (guint j = 0; j < spectrum.rank; j++)
    g_assert_cmpfloat (fabs (spectrum.singular_values[j] * spectrum.singular_values[j] - s[j] * s[j]),
                       <=, 1e-12 * s[0] * s[0]);
  g_assert_cmpfloat (spectrum.singular_values[spectrum.rank - 1], <, 1e-6 * s[0]);
  qks_form_spectrum_clear (&spectrum);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forms/match-dense", test_forms_match_dense);
  g_test_add_func ("/forms/mla-rank", test_forms_mla_rank);
  g_test_add_func ("/forms/rope-part", test_forms_rope_part);
  g_test_add_func ("/forms/shared-groups", test_forms_shared_groups);
  g_test_add_func ("/forms/rank-deficient-head", test_forms_rank_deficient_head);

  return g_test_run ();
}
