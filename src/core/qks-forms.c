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

static void
factor_clear (QksFactor *factor)
{
  if (factor->owned)
    qks_matrix_free (factor->matrix);
  factor->matrix = NULL;
}

void
qks_form_clear (QksForm *form)
{
  factor_clear (&form->u);
  factor_clear (&form->v);
}

/* n: the rows of U; w: its columns. */
static gsize
factor_n (const QksFactor *factor)
{
  return factor->transposed ? factor->matrix->cols : factor->matrix->rows;
}

static gsize
factor_w (const QksFactor *factor)
{
  return factor->transposed ? factor->matrix->rows : factor->matrix->cols;
}

static QksFactor
rows_of (const QksMatrix *matrix)
{
  QksFactor factor = { (QksMatrix *) matrix, TRUE, FALSE };

  return factor;
}

static QksFactor
columns_of (const QksMatrix *matrix)
{
  QksFactor factor = { (QksMatrix *) matrix, FALSE, FALSE };

  return factor;
}

static QksFactor
owned (QksFactor factor)
{
  factor.owned = TRUE;
  return factor;
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

/* [m_1 | m_2 | …] for m_i d × cols_i: the OV form's W_O blocks side by side. */
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

/* GQA's groups, when the heads declare them and every head of a group
 * does hold the group's keys and values: G, and each group's first head
 * in @first (G entries). 0 when the heads share nothing. */
static guint
kv_groups (const QksAttnHeads *heads,
           guint              *first)
{
  guint G = heads->n_kv_groups;

  if (G == 0 || heads->w_q_rope != NULL)
    return 0;
  for (guint g = 0; g < G; g++)
    first[g] = G_MAXUINT;
  for (guint h = 0; h < heads->n_heads; h++)
    {
      guint g = qks_attn_heads_get_kv_group (heads, h), f = first[g];

      if (f == G_MAXUINT)
        first[g] = h;
      else if (!qks_matrix_equal (heads->w_k[h], heads->w_k[f]) ||
               !qks_matrix_equal (heads->w_v[h], heads->w_v[f]))
        return 0;
    }
  return G;
}

/* Σ_{h∈g} m_h for each group g: the queries (or W_O blocks) that meet one
 * group's shared keys (values). */
static QksMatrix **
sum_by_group (const QksAttnHeads  *heads,
              QksMatrix          **matrices,
              guint                G)
{
  QksMatrix **sums = g_new0 (QksMatrix *, G);

  for (guint h = 0; h < heads->n_heads; h++)
    {
      guint g = qks_attn_heads_get_kv_group (heads, h);

      if (sums[g] == NULL)
        sums[g] = qks_matrix_copy (matrices[h]);
      else
        for (gsize e = 0; e < sums[g]->rows * sums[g]->cols; e++)
          sums[g]->data[e] += matrices[h]->data[e];
    }
  return sums;
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
          QksFactor    u,
          QksFactor    v,
          const guint *chain,
          guint        chain_length)
{
  QksForm *form = g_new0 (QksForm, 1);

  form->form = kind;
  form->head = head;
  form->u = u;
  form->v = v;
  form->rank = (guint) MIN (MIN (factor_n (&u), factor_n (&v)), factor_w (&u));
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
  /* MLA's chains run through its latents: [d, d_c', d_h, d_c, d], or
   * [d, d_h, d_c, d] when queries are not compressed (DeepSeek-V2-Lite). */
  gboolean mla = heads->head_chain_length >= 4;
  gboolean q_latent = heads->head_chain_length == 5;
  guint d_c = mla ? heads->head_chain[heads->head_chain_length - 2] : d;
  guint ov_chain[4] = { d, d_v, d_c, d };
  guint ov_chain_length = mla ? 4 : 3;
  guint d_rope = heads->d_rope;
  guint rope_chain[4] = { d, q_latent ? heads->head_chain[1] : d_rope, q_latent ? d_rope : d, d };
  guint rope_chain_length = q_latent ? 4 : 3;
  guint cross_chain[3] = { d_qk, d, d_qk };
  /* GQA's groups: each one's first head, keys and values. */
  g_autofree guint *first = g_new (guint, MAX (H, 1));
  g_autofree QksMatrix **keys = g_new (QksMatrix *, MAX (H, 1));
  g_autofree QksMatrix **values = g_new (QksMatrix *, MAX (H, 1));
  guint G;

  for (guint h = 0; h < H; h++)
    {
      /* B_h = W_Q,hᵀ W_K,h: Uᵀ = W_Q,h, Vᵀ = W_K,h. */
      new_form (forms, QKS_FORM_QK, (int) h, rows_of (heads->w_q[h]), rows_of (heads->w_k[h]),
                heads->head_chain, heads->head_chain_length);

      if (heads->w_q_rope != NULL)
        {
          QksMatrix *q_parts[2] = { heads->w_q[h], heads->w_q_rope[h] };
          QksMatrix *k_parts[2] = { heads->w_k[h], heads->w_k_rope };

          new_form (forms, QKS_FORM_QK_ROPE, (int) h, rows_of (heads->w_q_rope[h]),
                    rows_of (heads->w_k_rope), rope_chain, rope_chain_length);
          /* The sum is no single chain: only the Monte-Carlo null fits it. */
          new_form (forms, QKS_FORM_QK_SUM, (int) h, owned (rows_of (stack_rows (q_parts, 2, FALSE))),
                    owned (rows_of (stack_rows (k_parts, 2, FALSE))), NULL, 0);
        }

      /* C_h = W_Q,h W_K,hᵀ: U = W_Q,h. */
      if (with_cross_gram)
        new_form (forms, QKS_FORM_CROSS_GRAM, (int) h, columns_of (heads->w_q[h]),
                  columns_of (heads->w_k[h]), cross_chain, 3);
      /* W_O,h W_V,h: U = W_O,h, Vᵀ = W_V,h. */
      if (with_ov)
        new_form (forms, QKS_FORM_OV, (int) h, columns_of (heads->w_o[h]),
                  rows_of (heads->w_v[h]), ov_chain, ov_chain_length);
    }

  G = kv_groups (heads, first);
  for (guint g = 0; g < G; g++)
    {
      keys[g] = heads->w_k[first[g]];
      values[g] = heads->w_v[first[g]];
    }
  if (G > 0)
    {
      /* Σ_h W_Q,hᵀ W_K,g(h) = Σ_g (Σ_{h∈g} W_Q,h)ᵀ W_K,g: G·d_h wide, not H·d_h. */
      QksMatrix **query_sums = sum_by_group (heads, heads->w_q, G);

      new_form (forms, QKS_FORM_QK, QKS_WHOLE_LAYER, owned (rows_of (stack_rows (query_sums, G, FALSE))),
                owned (rows_of (stack_rows (keys, G, FALSE))), heads->layer_chain,
                heads->layer_chain_length);
      qks_matrix_free_array (query_sums, G);
    }
  else
    new_form (forms, QKS_FORM_QK, QKS_WHOLE_LAYER, owned (rows_of (stack_rows (heads->w_q, H, FALSE))),
              owned (rows_of (stack_rows (heads->w_k, H, FALSE))), heads->layer_chain,
              heads->layer_chain_length);

  if (heads->w_q_rope != NULL)
    {
      g_autofree QksMatrix **q_parts = g_new0 (QksMatrix *, H + 1);
      g_autofree QksMatrix **k_parts = g_new0 (QksMatrix *, H + 1);
      QksMatrix *q_rope_sum = stack_rows (heads->w_q_rope, H, TRUE);

      /* Σ_h W_QR,hᵀ W_KR = (Σ_h W_QR,h)ᵀ W_KR: the shared key makes it thin. */
      new_form (forms, QKS_FORM_QK_ROPE, QKS_WHOLE_LAYER, owned (rows_of (q_rope_sum)),
                rows_of (heads->w_k_rope), rope_chain, rope_chain_length);

      for (guint h = 0; h < H; h++)
        {
          q_parts[h] = heads->w_q[h];
          k_parts[h] = heads->w_k[h];
        }
      q_parts[H] = q_rope_sum;
      k_parts[H] = heads->w_k_rope;
      new_form (forms, QKS_FORM_QK_SUM, QKS_WHOLE_LAYER, owned (rows_of (stack_rows (q_parts, H + 1, FALSE))),
                owned (rows_of (stack_rows (k_parts, H + 1, FALSE))), NULL, 0);
    }

  if (with_cross_gram && G > 0 && H % G == 0)
    {
      /* C = W^Q W^Kᵀ with each group's keys repeated H/G times: the same
       * non-zero singular values as W^Q [W_K,g]ᵀ, times √(H/G). */
      guint layer_cross[3] = { H * d_qk, d, G * d_qk };
      QksForm *form;

      form = new_form (forms, QKS_FORM_CROSS_GRAM, QKS_WHOLE_LAYER, owned (columns_of (stack_rows (heads->w_q, H, FALSE))),
                       owned (columns_of (stack_rows (keys, G, FALSE))), layer_cross, 3);
      form->v_copies = H / G;
      form->v_block = d_qk;
    }
  else if (with_cross_gram)
    {
      guint layer_cross[3] = { H * d_qk, d, H * d_qk };
      /* C = W^Q W^Kᵀ, the stacked weights: U = W^Q. */
      new_form (forms, QKS_FORM_CROSS_GRAM, QKS_WHOLE_LAYER, owned (columns_of (stack_rows (heads->w_q, H, FALSE))),
                owned (columns_of (stack_rows (heads->w_k, H, FALSE))), layer_cross, 3);
    }
  if (with_ov && G > 0)
    {
      /* Σ_h W_O,h W_V,g(h) = Σ_g (Σ_{h∈g} W_O,h) W_V,g. */
      guint layer_ov[3] = { d, G * d_v, d };
      QksMatrix **output_sums = sum_by_group (heads, heads->w_o, G);

      new_form (forms, QKS_FORM_OV, QKS_WHOLE_LAYER, owned (columns_of (stack_columns (output_sums, G))),
                owned (rows_of (stack_rows (values, G, FALSE))), layer_ov, 3);
      qks_matrix_free_array (output_sums, G);
    }
  else if (with_ov)
    {
      guint layer_ov[4] = { d, H * d_v, d_c, d };

      new_form (forms, QKS_FORM_OV, QKS_WHOLE_LAYER, owned (columns_of (stack_columns (heads->w_o, H))),
                owned (rows_of (stack_rows (heads->w_v, H, FALSE))), layer_ov, mla ? 4 : 3);
    }

  return forms;
}

/* R of U = Q R by Householder, without transposing: Uᵀ stored row-major
 * is U in column-major order (dgeqrf); U stored row-major is Uᵀ in
 * column-major order, whose LQ factorisation Uᵀ = L Q gives R = Lᵀ
 * (dgelqf). Either way R's entries land where a row-major upper triangle
 * reads them. */
static QksMatrix *
householder_factor (const QksFactor  *factor,
                    GError          **error)
{
  g_autoptr(QksMatrix) work = qks_matrix_copy (factor->matrix);
  gsize n = factor_n (factor), w = factor_w (factor), k = MIN (n, w);
  g_autofree double *tau = g_new (double, MAX (k, 1));
  QksMatrix *r;
  int info;

  if (factor->transposed)
    info = LAPACKE_dgeqrf (LAPACK_COL_MAJOR, (int) n, (int) w, work->data, (int) n, tau);
  else
    info = LAPACKE_dgelqf (LAPACK_COL_MAJOR, (int) w, (int) n, work->data, (int) w, tau);
  if (info != 0)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_NO_CONVERGENCE,
                   "The QR factorisation failed with status %d", info);
      return NULL;
    }

  r = qks_matrix_new (k, w);
  for (gsize j = 0; j < w; j++)
    for (gsize i = 0; i <= MIN (j, k - 1); i++)
      qks_matrix_set (r, i, j, factor->transposed ? work->data[j * n + i] : work->data[i * w + j]);
  return r;
}

/* R of U = Q R as the Cholesky factor of UᵀU = RᵀR (Cholesky QR): one
 * symmetric product and a w × w factorisation, 3 to 7 times faster than
 * Householder QR on these thin factors, whose panels are too narrow for
 * LAPACK's blocked code. R carries errors of about ε κ(U)² ‖R‖, so B's
 * squared values are exact to about ε s_max², as for a formed B; when UᵀU
 * is not numerically positive definite (U rank-deficient), Householder QR
 * takes over. */
static QksMatrix *
triangular_factor (const QksFactor  *factor,
                   GError          **error)
{
  gsize n = factor_n (factor), w = factor_w (factor);
  g_autoptr(QksMatrix) r = qks_matrix_new (w, w);

  /* Uᵀ stored (w × n): UᵀU = M Mᵀ; U stored (n × w): UᵀU = Mᵀ M. */
  cblas_dsyrk (CblasRowMajor, CblasUpper, factor->transposed ? CblasNoTrans : CblasTrans,
               (int) w, (int) n, 1.0, factor->matrix->data, (int) factor->matrix->cols,
               0.0, r->data, (int) w);
  if (LAPACKE_dpotrf (LAPACK_ROW_MAJOR, 'U', (int) w, r->data, (int) w) != 0)
    return householder_factor (factor, error);
  for (gsize i = 1; i < w; i++)
    memset (r->data + i * w, 0, i * sizeof (double));
  return g_steal_pointer (&r);
}

/* B = U Vᵀ, with whatever transposition the factors are stored in. */
static QksMatrix *
form_product (const QksForm *form)
{
  gsize n_u = factor_n (&form->u), n_v = factor_n (&form->v), w = factor_w (&form->u);
  QksMatrix *b = qks_matrix_new (n_u, n_v);

  cblas_dgemm (CblasRowMajor, form->u.transposed ? CblasTrans : CblasNoTrans,
               form->v.transposed ? CblasNoTrans : CblasTrans, (int) n_u, (int) n_v, (int) w,
               1.0, form->u.matrix->data, (int) form->u.matrix->cols,
               form->v.matrix->data, (int) form->v.matrix->cols, 0.0, b->data, (int) n_v);
  return b;
}

/**
 * qks_form_spectrum:
 * @dense: (out) (optional) (nullable): B itself, when it was formed (for the
 *   whole-layer forms, whose factors are as wide as d) and holds no repeats
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
  gsize n_u = factor_n (&form->u), n_v = factor_n (&form->v), w = factor_w (&form->u);
  guint copies = MAX (form->v_copies, 1);
  gsize N = MAX (n_u, n_v * copies), n_values;
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

      if ((r_u = triangular_factor (&form->u, error)) == NULL ||
          (r_v = triangular_factor (&form->v, error)) == NULL ||
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
      g_autoptr(QksMatrix) b = form_product (form);

      n_values = MIN (n_u, n_v);
      squares = g_new (double, n_values);
      if (!qks_matrix_squared_singular_values (b, squares, error))
        return FALSE;
      if (dense != NULL && copies == 1)
        *dense = g_steal_pointer (&b);
    }
  for (gsize i = 0; i < n_values; i++)
    squares[i] *= copies;

  spectrum->n_rows = (guint) N;
  spectrum->n_cols = (guint) MIN (n_u, n_v * copies);
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
  g_autoptr(QksMatrix) compact = form_product (form);
  guint copies = MAX (form->v_copies, 1);
  gsize width = form->v_block;
  QksMatrix *b;

  if (copies == 1)
    return g_steal_pointer (&compact);

  /* Column block k of B is block k / copies of the compact product. */
  b = qks_matrix_new (compact->rows, compact->cols * copies);
  for (gsize r = 0; r < b->rows; r++)
    for (gsize k = 0; k < b->cols / width; k++)
      memcpy (b->data + r * b->cols + k * width, compact->data + r * compact->cols + (k / copies) * width,
              width * sizeof (double));
  return b;
}
