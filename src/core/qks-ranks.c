/* qks-ranks.c: effective, stable and numerical ranks of a spectrum (SCIENCE.md b.6)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>

#include "qks-ranks.h"

G_DEFINE_QUARK (qks-ranks-error-quark, qks_ranks_error)

static double
max_value (const double *values,
           gsize         n)
{
  double max = 0.0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, values[i]);
  return max;
}

/**
 * qks_ranks_effective:
 * @singular_values: n values ≥ 0, in any order
 *
 * Roy & Vetterli (EUSIPCO 2007): p_k = s_k / Σ s_j on the singular values
 * themselves, not their squares, and erank = exp(−Σ p_k ln p_k).
 *
 * Returns: the effective rank in [1, n], or 0 when every value is 0.
 */
double
qks_ranks_effective (const double *singular_values,
                     gsize         n)
{
  double s_max = max_value (singular_values, n);
  double sum = 0.0, entropy = 0.0;

  if (s_max <= 0.0)
    return 0.0;

  /* Dividing by s_max first keeps the sum finite whatever the scale. */
  for (gsize i = 0; i < n; i++)
    sum += singular_values[i] / s_max;

  for (gsize i = 0; i < n; i++)
    {
      double p = singular_values[i] / s_max / sum;

      if (p > 0.0)
        entropy -= p * log (p);
    }

  return exp (entropy);
}

/**
 * qks_ranks_participation_ratio:
 * @eigenvalues: n values λ ≥ 0 (squared singular values)
 *
 * Returns: (Σλ)² / Σλ², in [1, n], or 0 when every value is 0.
 */
double
qks_ranks_participation_ratio (const double *eigenvalues,
                               gsize         n)
{
  double l_max = max_value (eigenvalues, n);
  double sum = 0.0, sum_sq = 0.0;

  if (l_max <= 0.0)
    return 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double l = eigenvalues[i] / l_max;

      sum += l;
      sum_sq += l * l;
    }

  return sum * sum / sum_sq;
}

/**
 * qks_ranks_stable:
 * @eigenvalues: n values λ ≥ 0 (squared singular values)
 *
 * Returns: Σλ / λ_max = ‖X‖_F² / ‖X‖₂², or 0 when every value is 0.
 */
double
qks_ranks_stable (const double *eigenvalues,
                  gsize         n)
{
  double l_max = max_value (eigenvalues, n);
  double sum = 0.0;

  if (l_max <= 0.0)
    return 0.0;

  for (gsize i = 0; i < n; i++)
    sum += eigenvalues[i] / l_max;
  return sum;
}

/**
 * qks_ranks_numerical:
 * @singular_values: n values ≥ 0
 * @n_rows: N, the matrix's shape
 * @n_cols: M
 *
 * The tolerance of numpy.linalg.matrix_rank (and weightwatcher's
 * matrix_rank): s_max · max(N, M) · ε with ε the double epsilon.
 *
 * Returns: #{s > tolerance}.
 */
gsize
qks_ranks_numerical (const double *singular_values,
                     gsize         n,
                     gsize         n_rows,
                     gsize         n_cols)
{
  double tolerance = max_value (singular_values, n) * (double) MAX (n_rows, n_cols) * DBL_EPSILON;
  gsize rank = 0;

  for (gsize i = 0; i < n; i++)
    rank += singular_values[i] > tolerance;
  return rank;
}

/**
 * qks_ranks_compute:
 * @singular_values: the k = @n singular values analysed (SCIENCE.md b.1: the
 *   top k when the structural rank k is below min(N, M))
 * @n_rows: N
 * @n_cols: M
 * @out: (out caller-allocates): the ranks
 *
 * Returns: %FALSE with @error set when there are no values, more than
 *   min(N, M) of them, or one is negative or not finite.
 */
gboolean
qks_ranks_compute (const double  *singular_values,
                   gsize          n,
                   gsize          n_rows,
                   gsize          n_cols,
                   QksRanks      *out,
                   GError       **error)
{
  g_autofree double *eigenvalues = NULL;

  if (n == 0 || n > MIN (n_rows, n_cols))
    {
      g_set_error (error, QKS_RANKS_ERROR, QKS_RANKS_ERROR_INPUT,
                   "A %zu × %zu matrix cannot have %zu singular values",
                   n_rows, n_cols, n);
      return FALSE;
    }

  for (gsize i = 0; i < n; i++)
    if (!isfinite (singular_values[i]) || singular_values[i] < 0.0)
      {
        g_set_error (error, QKS_RANKS_ERROR, QKS_RANKS_ERROR_INPUT,
                     "Singular value %zu is %g: not a finite value ≥ 0",
                     i, singular_values[i]);
        return FALSE;
      }

  eigenvalues = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    eigenvalues[i] = singular_values[i] * singular_values[i];

  out->rank = n;
  out->effective_rank = qks_ranks_effective (singular_values, n);
  out->effective_rank_pct = 100.0 * out->effective_rank / (double) n;
  out->participation_ratio = qks_ranks_participation_ratio (eigenvalues, n);
  out->stable_rank = qks_ranks_stable (eigenvalues, n);
  out->numerical_rank = qks_ranks_numerical (singular_values, n, n_rows, n_cols);
  return TRUE;
}

/**
 * qks_ranks_collapse_event:
 * @step0_effective_rank_pct: erank/k at step 0 (a percentage or a fraction:
 *   the rule compares relative values)
 * @effective_rank_pct: erank/k now, in the same units
 * @spike_mass: η = Σ_spikes λ / Σλ now
 *
 * SCIENCE.md b.6 [R]: an event when erank/k has dropped by more than 20 %
 * relative to its step-0 value, or η > 0.5. Without a usable step-0 value
 * (NaN or ≤ 0) only the spike-mass part can fire; NaN never fires.
 *
 * Returns: the parts of the rule that fired.
 */
QksRankCollapse
qks_ranks_collapse_event (double step0_effective_rank_pct,
                          double effective_rank_pct,
                          double spike_mass)
{
  QksRankCollapse collapse = QKS_RANK_COLLAPSE_NONE;

  if (isfinite (step0_effective_rank_pct) && step0_effective_rank_pct > 0.0 &&
      (step0_effective_rank_pct - effective_rank_pct) / step0_effective_rank_pct >
      QKS_RANKS_COLLAPSE_ERANK_DROP)
    collapse |= QKS_RANK_COLLAPSE_ERANK_DROP;

  if (spike_mass > QKS_RANKS_COLLAPSE_SPIKE_MASS)
    collapse |= QKS_RANK_COLLAPSE_SPIKE_MASS;

  return collapse;
}
