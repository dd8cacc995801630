/* qks-kqsvd.c: how well a low-rank cache keeps a head's attention scores
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-kqsvd.h"

/* Both curves come from d_qk-sized factors and never form the T × T
 * score matrix. With K = Q_K R_K and Q = Q_Q R_Q (thin QR),
 * K Qᵀ = Q_K (R_K R_Qᵀ) Q_Qᵀ has the singular values σ_i of the small core
 * R_K R_Qᵀ, and by Eckart–Young ‖KQᵀ − (KQᵀ)_r‖_F² = Σ_{i>r} σ_i².
 *
 * Keys-only: with K = Σ_i s_i u_i v_iᵀ (the SVD of R_K gives s_i and v_i),
 * (K − K_r) Qᵀ = Σ_{i>r} s_i u_i (Q v_i)ᵀ, whose terms are orthogonal
 * because the u_i are, so its squared norm is Σ_{i>r} s_i² ‖R_Q v_i‖².
 * K_r Qᵀ has rank ≤ r, so this is never below the KQ-SVD curve.
 *
 * The scores' 1/sqrt(d_qk) scale cancels from relative errors. */

static void
fill_relative_tail (double       *curve,
                    guint         length,
                    const double *energies,
                    gsize         n_energies,
                    double        total)
{
  double tail = 0.0;

  /* Summed from the smallest terms up, so that the tail of a steep
   * spectrum is not lost to the rounding of its head. */
  for (gsize r = MAX (length, n_energies); r-- > 0;)
    {
      if (r < length)
        curve[r] = total > 0.0 ? sqrt (tail / total) : 0.0;
      if (r < n_energies)
        tail += energies[r];
    }
}

/**
 * qks_kqsvd_curves_new:
 * @queries: Q, T × d_qk, one row per calibration token
 * @keys: K, T × d_qk
 *
 * The KQ-SVD and keys-only error curves of the scores K Qᵀ at ranks
 * r = 1 … d_qk. Both are 0 at r = d_qk, and both are 0 throughout when
 * K Qᵀ = 0 (there is nothing to approximate). Pass queries and keys after
 * RoPE to include it.
 *
 * Returns: (transfer full): the curves, or %NULL with @error set.
 */
QksKqsvdCurves *
qks_kqsvd_curves_new (const QksMatrix  *queries,
                      const QksMatrix  *keys,
                      GError          **error)
{
  g_autoptr(QksKqsvdCurves) self = NULL;
  g_autoptr(QksMatrix) r_q = NULL;
  g_autoptr(QksMatrix) r_k = NULL;
  g_autoptr(QksMatrix) core = NULL;
  g_autoptr(QksMatrix) key_vt = NULL;
  g_autoptr(QksMatrix) q_on_v = NULL;
  g_autofree double *sigma2 = NULL;
  g_autofree double *key_s = NULL;
  g_autofree double *key_energy = NULL;
  gsize d_qk = queries->cols, m;
  double total = 0.0;

  if (queries->rows != keys->rows || queries->cols != keys->cols)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "Queries (%zu × %zu) and keys (%zu × %zu) must have one shape",
                   queries->rows, queries->cols, keys->rows, keys->cols);
      return NULL;
    }

  if (!qks_matrix_qr (queries, NULL, &r_q, error) ||
      !qks_matrix_qr (keys, NULL, &r_k, error) ||
      (core = qks_matrix_multiply (r_k, QKS_NO_TRANSPOSE, r_q, QKS_TRANSPOSE, error)) == NULL)
    return NULL;

  m = core->rows;   /* min(T, d_qk) */
  self = g_new0 (QksKqsvdCurves, 1);
  self->length = (guint) d_qk;
  self->singular_values = g_new0 (double, d_qk);
  self->kq = g_new0 (double, d_qk);
  self->keys_only = g_new0 (double, d_qk);

  if (!qks_matrix_svd (core, self->singular_values, NULL, NULL, error))
    return NULL;
  sigma2 = g_new (double, m);
  for (gsize i = 0; i < m; i++)
    {
      sigma2[i] = self->singular_values[i] * self->singular_values[i];
      total += sigma2[i];
    }
  fill_relative_tail (self->kq, self->length, sigma2, m, total);

  /* s_i² ‖R_Q v_i‖², the energy of the scores along key direction i.
   * They sum to the same ‖KQᵀ‖_F², which normalises both curves. */
  key_s = g_new (double, m);
  if (!qks_matrix_svd (r_k, key_s, NULL, &key_vt, error) ||
      (q_on_v = qks_matrix_multiply (r_q, QKS_NO_TRANSPOSE, key_vt, QKS_TRANSPOSE, error)) == NULL)
    return NULL;
  key_energy = g_new0 (double, m);
  for (gsize i = 0; i < q_on_v->rows; i++)
    for (gsize c = 0; c < m; c++)
      key_energy[c] += qks_matrix_get (q_on_v, i, c) * qks_matrix_get (q_on_v, i, c);
  for (gsize c = 0; c < m; c++)
    key_energy[c] *= key_s[c] * key_s[c];
  fill_relative_tail (self->keys_only, self->length, key_energy, m, total);

  return g_steal_pointer (&self);
}

/**
 * qks_kqsvd_curves_new_for_head:
 * @x: calibration activations, T × d: the model's own normalised
 *   pre-attention inputs h_t, one per row
 * @w_q: the head's W_Q, d_qk × d
 * @w_k: the head's W_K, d_qk × d
 *
 * The curves for Q = X W_Qᵀ and K = X W_Kᵀ. RoPE is left out [R]: it
 * rotates each position's q and k differently, so the scores it gives are
 * not a product of these two; MLA-Decoupled's RoPE path is left out with
 * it. Use qks_kqsvd_curves_new() on rotated queries and keys for those.
 *
 * Returns: (transfer full): the curves, or %NULL with @error set.
 */
QksKqsvdCurves *
qks_kqsvd_curves_new_for_head (const QksMatrix  *x,
                               const QksMatrix  *w_q,
                               const QksMatrix  *w_k,
                               GError          **error)
{
  g_autoptr(QksMatrix) queries = NULL;
  g_autoptr(QksMatrix) keys = NULL;

  if ((queries = qks_matrix_multiply (x, QKS_NO_TRANSPOSE, w_q, QKS_TRANSPOSE, error)) == NULL ||
      (keys = qks_matrix_multiply (x, QKS_NO_TRANSPOSE, w_k, QKS_TRANSPOSE, error)) == NULL)
    return NULL;
  return qks_kqsvd_curves_new (queries, keys, error);
}

/**
 * qks_kqsvd_curves_new_for_heads:
 *
 * qks_kqsvd_curves_new_for_head() for every head of a layer.
 *
 * Returns: (transfer full) (element-type QksKqsvdCurves): one per head, or
 *   %NULL with @error set.
 */
GPtrArray *
qks_kqsvd_curves_new_for_heads (const QksMatrix     *x,
                                const QksAttnHeads  *heads,
                                GError             **error)
{
  g_autoptr(GPtrArray) curves =
    g_ptr_array_new_with_free_func ((GDestroyNotify) qks_kqsvd_curves_free);

  for (guint h = 0; h < heads->n_heads; h++)
    {
      QksKqsvdCurves *head = qks_kqsvd_curves_new_for_head (x, heads->w_q[h], heads->w_k[h], error);

      if (head == NULL)
        return NULL;
      g_ptr_array_add (curves, head);
    }
  return g_steal_pointer (&curves);
}

void
qks_kqsvd_curves_free (QksKqsvdCurves *self)
{
  if (self == NULL)
    return;
  g_free (self->singular_values);
  g_free (self->kq);
  g_free (self->keys_only);
  g_free (self);
}
