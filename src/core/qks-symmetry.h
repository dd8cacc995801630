/* qks-symmetry.h: the symmetric share of a bilinear form's energy (HKT)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qks-head-factors.h"
#include "qks-matrix.h"

G_BEGIN_DECLS

gboolean  qks_symmetric_energy_fraction  (const QksMatrix       *left,
                                          QksTranspose           transpose_left,
                                          const QksMatrix       *right,
                                          QksTranspose           transpose_right,
                                          double                *fraction,
                                          GError               **error);
gboolean  qks_symmetric_energy_with_norm (const QksMatrix       *left,
                                          QksTranspose           transpose_left,
                                          const QksMatrix       *right,
                                          QksTranspose           transpose_right,
                                          double                 norm2,
                                          double                *fraction,
                                          GError               **error);
gboolean  qks_symmetric_energy_of_matrix (const QksMatrix       *matrix,
                                          double                *fraction,
                                          GError               **error);
double   *qks_symmetric_energy_for_heads (const QksHeadFactors  *factors,
                                          double                *layer_fraction,
                                          GError               **error);

G_END_DECLS
