/* qks-law-chain.h: the spectral law of a product of rectangular Gaussian matrices
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SCIENCE.md b.4 (Burda et al. 2010). A chain N_0 … N_n stands for
 * P = X_1 ⋯ X_n, X_i ∈ R^{N_{i−1}×N_i} with i.i.d. Gaussian entries. The law
 * of the N_0 eigenvalues of PPᵀ, with entries of variance 1/N_i, has mean 1,
 * an atom 1 − k/N_0 at zero, where k = min N_i is the structural rank, and
 * solves x ψ = (1 + ψ) Π_i (1 + r_i ψ), r_i = N_0/N_i.
 *
 * A QksChainLaw is the law of the k NON-ZERO eigenvalues rescaled to mean 1:
 * if X has the law above, x = X k/N_0 given X > 0. That is exactly the law
 * of the values λ̃ = λ/mean(λ) of the k analysed (top-k, non-zero) λ = s²/N
 * of such a random P, whatever its scale, which is what qks_spectrum_fit()
 * compares them with. It does not depend on the orientation: [N_0 … N_n] and
 * [N_n … N_0] give the same law. A 2-element chain is MP(c = k/max), a
 * 3-element one [d, k, d] is the product law MP_λ ⊠ MP_λ with λ = k/d.
 *
 * The density is tabulated once (2049 nodes), so evaluations cost a table
 * lookup. A law never changes after qks_chain_law_new(): share it between
 * threads freely and cache it per configuration. */

#define QKS_CHAIN_LAW_MAX_DIMS 8

typedef struct _QksChainLaw QksChainLaw;

#define QKS_LAW_ERROR (qks_law_error_quark ())

typedef enum
{
  QKS_LAW_ERROR_INVALID,
  QKS_LAW_ERROR_NO_CONVERGENCE,
} QksLawError;

GQuark        qks_law_error_quark                 (void);

QksChainLaw  *qks_chain_law_new                   (const guint        *dims,
                                                   guint               n_dims,
                                                   GError            **error);
void          qks_chain_law_free                  (QksChainLaw        *law);

const guint  *qks_chain_law_get_dims              (const QksChainLaw  *law,
                                                   guint              *n_dims);
guint         qks_chain_law_get_rank              (const QksChainLaw  *law);

double        qks_chain_law_density               (const QksChainLaw  *law,
                                                   double              x);
double        qks_chain_law_cdf                   (const QksChainLaw  *law,
                                                   double              x);
double        qks_chain_law_lower_edge            (const QksChainLaw  *law);
double        qks_chain_law_upper_edge            (const QksChainLaw  *law);
double        qks_chain_law_median                (const QksChainLaw  *law);
double        qks_chain_law_edge_scale            (const QksChainLaw  *law,
                                                   gsize               n_values);
double        qks_chain_law_moment                (const QksChainLaw  *law,
                                                   guint               power);
double        qks_chain_law_nonzero_mass          (const QksChainLaw  *law);
double        qks_chain_law_density_continuation  (const QksChainLaw  *law,
                                                   double              x);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QksChainLaw, qks_chain_law_free)

G_END_DECLS
