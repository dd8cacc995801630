/* qks-subspace.c: orthonormal bases and principal angles between subspaces
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-subspace.h"

/**
 * qks_subspace_basis:
 * @span: a matrix whose op(@span) is d × k
 * @transpose: %QKS_TRANSPOSE when the subspace is spanned by the rows of
 *   @span (a head's k × d weight W, whose column space of Wᵀ is meant)
 * @tolerance: drop singular values below @tolerance times the largest
 *   (%QKS_SUBSPACE_RANK_TOLERANCE)
 *
 * The column space of op(@span), from its SVD: the singular vectors come
 * out orthonormal to rounding however ill-conditioned @span is, which a
 * basis made from the normal matrix would not.
 *
 * Returns: (transfer full): a d × r matrix with orthonormal columns, the
 *   singular vectors by descending singular value; r = 0 for a zero @span.
 */
QksMatrix *
qks_subspace_basis (const QksMatrix  *span,
                    QksTranspose      transpose,
                    double            tolerance,
                    GError          **error)
{
  gsize d = transpose == QKS_TRANSPOSE ? span->cols : span->rows;
  gsize n_values = MIN (span->rows, span->cols);
  g_autofree double *s = g_new (double, n_values);
  g_autoptr(QksMatrix) u = NULL;
  g_autoptr(QksMatrix) vt = NULL;
  QksMatrix *basis;
  gsize rank = 0;

  if (!qks_matrix_svd (span, s, transpose == QKS_TRANSPOSE ? NULL : &u,
                       transpose == QKS_TRANSPOSE ? &vt : NULL, error))
    return NULL;

  while (rank < n_values && s[0] > 0.0 && s[rank] >= tolerance * s[0])
    rank++;

  basis = qks_matrix_new (d, rank);
  for (gsize i = 0; i < d; i++)
    for (gsize m = 0; m < rank; m++)
      qks_matrix_set (basis, i, m, transpose == QKS_TRANSPOSE ? qks_matrix_get (vt, m, i)
                                                              : qks_matrix_get (u, i, m));
  return basis;
}

/**
 * qks_subspace_principal_angles:
 * @basis_a: a d × r_a matrix with orthonormal columns
 * @basis_b: a d × r_b matrix with orthonormal columns
 * @angles: (out caller-allocates): room for min(r_a, r_b) angles, set in
 *   ascending order, in radians
 *
 * Björck and Golub (1973): the cosines of the principal angles are the
 * singular values of U_aᵀ U_b. They are clamped to [0, 1] first, since
 * rounding can put the cosine of a zero angle just above 1. Through the
 * cosine an angle below about 1e-8 is not resolved; an empty basis has
 * no angles.
 */
gboolean
qks_subspace_principal_angles (const QksMatrix  *basis_a,
                               const QksMatrix  *basis_b,
                               double           *angles,
                               GError          **error)
{
  g_autoptr(QksMatrix) cross = NULL;
  gsize n_angles = MIN (basis_a->cols, basis_b->cols);

  if (basis_a->rows != basis_b->rows)
    {
      g_set_error (error, QKS_MATRIX_ERROR, QKS_MATRIX_ERROR_SHAPE,
                   "Principal angles between subspaces of R^%zu and R^%zu",
                   basis_a->rows, basis_b->rows);
      return FALSE;
    }
  if (n_angles == 0)
    return TRUE;

  cross = qks_matrix_multiply (basis_a, QKS_TRANSPOSE, basis_b, QKS_NO_TRANSPOSE, error);
  if (cross == NULL || !qks_matrix_svd (cross, angles, NULL, NULL, error))
    return FALSE;

  /* Descending cosines give ascending angles. */
  for (gsize m = 0; m < n_angles; m++)
    angles[m] = acos (CLAMP (angles[m], 0.0, 1.0));
  return TRUE;
}
