/* qks-subspace.h: orthonormal bases and principal angles between subspaces
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-matrix.h"

G_BEGIN_DECLS

/* SCIENCE.md b.7: directions whose singular value is below this fraction of
 * the largest are dropped from a basis, so that a head of structural rank
 * below d_h is compared on the directions it really spans. */
#define QKS_SUBSPACE_RANK_TOLERANCE 1e-6

QksMatrix *qks_subspace_basis            (const QksMatrix  *span,
                                          QksTranspose      transpose,
                                          double            tolerance,
                                          GError          **error);
gboolean   qks_subspace_principal_angles (const QksMatrix  *basis_a,
                                          const QksMatrix  *basis_b,
                                          double           *angles,
                                          GError          **error);

G_END_DECLS
