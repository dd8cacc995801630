/* qks-law-product.h: the law MP_λ ⊠ MP_λ of a product of two Gaussian factors
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SCIENCE.md b.4: the k non-zero squared singular values of B = W_Qᵀ W_K,
 * W_Q, W_K ∈ R^{k×d} Gaussian, λ = k/d ∈ (0, 1], rescaled to mean 1. Closed
 * forms for the density and the edges; the CDF integrates the density, so a
 * caller that needs many CDF values builds a QksChainLaw for [d, k, d]. */

void    qks_product_law_edges    (double   lambda,
                                  double  *x_minus,
                                  double  *x_plus);
double  qks_product_law_density  (double   lambda,
                                  double   x);
double  qks_product_law_cdf      (double   lambda,
                                  double   x);

G_END_DECLS
