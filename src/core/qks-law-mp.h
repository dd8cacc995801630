/* qks-law-mp.h: the Marchenko–Pastur law and its Tracy–Widom edge
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SCIENCE.md b.3. The law of the M eigenvalues λ = s²/N of an N × M matrix
 * with i.i.d. entries of variance σ², c = M/N ≤ 1: mean σ², support
 * [λ₋, λ₊] = σ²(1 ∓ √c)², no atom. */

void    qks_mp_edges                  (double   c,
                                       double   sigma2,
                                       double  *lambda_minus,
                                       double  *lambda_plus);
double  qks_mp_density                (double   c,
                                       double   sigma2,
                                       double   lambda);
double  qks_mp_cdf                    (double   c,
                                       double   sigma2,
                                       double   lambda);
double  qks_mp_median                 (double   c);

/* Tracy–Widom (β = 1) thresholds for the largest eigenvalue. */
double  qks_tw1_quantile              (double   probability);
void    qks_tw_johnstone_centre_scale (gsize    n_rows,
                                       gsize    n_cols,
                                       double  *mu,
                                       double  *scale);
double  qks_tw_johnstone_threshold    (gsize    n_rows,
                                       gsize    n_cols,
                                       double   probability,
                                       double   sigma2);
double  qks_tw_ww_threshold           (double   c,
                                       double   sigma2,
                                       gsize    n_cols);

G_END_DECLS
