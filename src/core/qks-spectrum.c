/* qks-spectrum.c: fitting a null law to an empirical spectral density
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qks-law-mp.h"
#include "qks-matrix.h"
#include "qks-spectrum.h"

#define E3_MAX_ITERATIONS      20
#define TRIMMED_MAX_ITERATIONS 20
#define MC_MIN_DRAWS           50

G_DEFINE_QUARK (qks-spectrum-error-quark, qks_spectrum_error)

/**
 * qks_spectrum_options_init:
 *
 * The plain-MP defaults of SCIENCE.md b.3: E2, TW-J at 99 %. The app's own
 * default spike count uses the variant's chain or Monte-Carlo null instead
 * (f.1); set null_law, chain and mc_threshold for that.
 */
void
qks_spectrum_options_init (QksSpectrumOptions *options)
{
  options->null_law = QKS_NULL_MP;
  options->estimator = QKS_SIGMA_E2_MEDIAN;
  options->threshold = QKS_THRESHOLD_TW_J;
  options->tw_quantile = 0.99;
  options->chain = NULL;
  options->mc_threshold = NAN;
}

/* The mean-1 reference law at σ² = 1: MP(c) or a chain law. */
typedef struct
{
  const QksChainLaw *chain;   /* NULL for MP */
  double             c;
  double             x_minus;
  double             x_plus;
  double             median;
} Reference;

static double
reference_cdf (const Reference *ref,
               double           sigma2,
               double           x)
{
  if (ref->chain != NULL)
    return qks_chain_law_cdf (ref->chain, x / sigma2);
  return qks_mp_cdf (ref->c, sigma2, x);
}

/* The number of sorted values ≤ @bound. */
static gsize
count_at_most (const double *sorted,
               gsize         n,
               double        bound)
{
  gsize lo = 0, hi = n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (sorted[mid] <= bound)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* s ← mean{x ≤ factor·s} until the set stops changing: E3 with the edge as
 * factor, f.3's bulk-trimmed scale with the threshold. @prefix holds the
 * prefix sums of the sorted values. */
static double
trimmed_scale (const double *sorted,
               const double *prefix,
               gsize         n,
               double        start,
               double        factor,
               guint         max_iterations,
               guint        *iterations)
{
  double scale = start;
  gsize previous = G_MAXSIZE;
  guint i;

  for (i = 0; i < max_iterations; i++)
    {
      gsize kept = count_at_most (sorted, n, factor * scale);

      /* An empty set means the scale collapsed (f.2): keep the last one. */
      if (kept == 0 || kept == previous)
        break;
      scale = prefix[kept] / (double) kept;
      previous = kept;
    }
  if (iterations != NULL)
    *iterations = i;
  return scale;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
check_options (const QksSpectrumOptions  *options,
               gsize                      k,
               GError                   **error)
{
  gboolean uses_mc = options->null_law == QKS_NULL_MONTE_CARLO ||
                     options->threshold == QKS_THRESHOLD_MC;

  if (options->null_law == QKS_NULL_CHAIN && options->chain == NULL)
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "The chain null needs a chain law");
      return FALSE;
    }
  if (options->chain != NULL && options->null_law != QKS_NULL_MP &&
      qks_chain_law_get_rank (options->chain) != k)
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_SHAPE,
                   "The chain law has rank %u but the spectrum has %zu values",
                   qks_chain_law_get_rank (options->chain), k);
      return FALSE;
    }
  if (uses_mc && !(isfinite (options->mc_threshold) && options->mc_threshold > 0.0))
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "The Monte-Carlo threshold %g is not a positive number",
                   options->mc_threshold);
      return FALSE;
    }
  if (!uses_mc && options->threshold == QKS_THRESHOLD_TW_J &&
      isnan (qks_tw1_quantile (options->tw_quantile)))
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "No Tracy–Widom quantile for probability %g (0.90, 0.95 or 0.99)",
                   options->tw_quantile);
      return FALSE;
    }
  if ((guint) options->estimator >= QKS_SIGMA_N_ESTIMATORS ||
      (guint) options->threshold > QKS_THRESHOLD_MC ||
      (guint) options->null_law > QKS_NULL_MONTE_CARLO)
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "Unknown spectrum fit option");
      return FALSE;
    }
  return TRUE;
}

static const char *estimator_names[] = {
  [QKS_SIGMA_E1_TRACE] = "E1",
  [QKS_SIGMA_E2_MEDIAN] = "E2",
  [QKS_SIGMA_E3_TRIMMED] = "E3",
};

G_STATIC_ASSERT (G_N_ELEMENTS (estimator_names) == QKS_SIGMA_N_ESTIMATORS);

/**
 * qks_sigma_estimator_to_string:
 *
 * Returns: "E1", "E2" or "E3", as SCIENCE.md, run files and the command
 *   line name the estimators.
 */
const char *
qks_sigma_estimator_to_string (QksSigmaEstimator estimator)
{
  g_return_val_if_fail ((guint) estimator < QKS_SIGMA_N_ESTIMATORS, NULL);
  return estimator_names[estimator];
}

gboolean
qks_sigma_estimator_from_string (const char        *name,
                                 QksSigmaEstimator *estimator)
{
  for (guint i = 0; i < QKS_SIGMA_N_ESTIMATORS; i++)
    if (g_strcmp0 (name, estimator_names[i]) == 0)
      {
        *estimator = (QksSigmaEstimator) i;
        return TRUE;
      }
  return FALSE;
}

static const char *
null_name (const QksSpectrumOptions *options,
           gboolean                  chain)
{
  guint n_dims = 0;

  if (options->null_law == QKS_NULL_MONTE_CARLO)
    return "monte-carlo";
  if (!chain)
    return "mp";
  qks_chain_law_get_dims (options->chain, &n_dims);
  return n_dims == 3 ? "product" : "chain";
}

static const char *
threshold_name (const QksSpectrumOptions *options,
                gboolean                  chain)
{
  static const char *tw_j[] = { "tw-j-90", "tw-j-95", "tw-j-99" };
  static const char *tw_edge[] = { "tw-edge-90", "tw-edge-95", "tw-edge-99" };
  guint which = options->tw_quantile < 0.925 ? 0 : options->tw_quantile < 0.97 ? 1 : 2;

  if (options->null_law == QKS_NULL_MONTE_CARLO || options->threshold == QKS_THRESHOLD_MC)
    return "mc";
  if (options->threshold == QKS_THRESHOLD_TW_WW)
    return "tw-ww";
  return chain ? tw_edge[which] : tw_j[which];
}

/**
 * qks_spectrum_fit:
 * @lambda: (array length=k): the k analysed eigenvalues λ = s²/N (any order;
 *   descending, as an SVD gives them, costs nothing to sort)
 * @k: how many, 2 ≤ k ≤ @n_cols
 * @n_rows: N, the longer side of the matrix
 * @n_cols: M ≤ N
 * @options: (nullable): %NULL for qks_spectrum_options_init()'s
 * @fit: (out caller-allocates): the result, in mean-1 units
 *
 * SCIENCE.md b.2–b.4, f.2, f.3. The KS distance compares the bulk
 * {λ̃ ≤ λ_thr} with the null's CDF conditioned on the same range,
 * F(x)/F(λ_thr), which is F itself whenever λ_thr ≥ λ₊. The fit is
 * unreliable when that bulk holds less than half of the values.
 *
 * Returns: %TRUE, or %FALSE with @error set for invalid input.
 */
gboolean
qks_spectrum_fit (const double              *lambda,
                  gsize                      k,
                  gsize                      n_rows,
                  gsize                      n_cols,
                  const QksSpectrumOptions  *options,
                  QksSpectrumFit            *fit,
                  GError                   **error)
{
  QksSpectrumOptions defaults;
  g_autofree double *sorted = NULL;
  g_autofree double *prefix = NULL;
  gboolean descending = TRUE, ascending = TRUE;
  gboolean use_chain;
  Reference ref = { 0 };
  double sum = 0.0, mean, sigma2, threshold, unit, spike_sum, bulk_cdf;
  gsize n_bulk;

  if (options == NULL)
    {
      qks_spectrum_options_init (&defaults);
      options = &defaults;
    }

  if (k < 2 || n_cols < k || n_rows < n_cols)
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_SHAPE,
                   "Cannot fit %zu values of a %zu × %zu matrix (need 2 ≤ k ≤ M ≤ N)",
                   k, n_rows, n_cols);
      return FALSE;
    }
  if (!check_options (options, k, error))
    return FALSE;

  /* Sort ascending; an SVD's descending order only needs reversing. */
  sorted = g_new (double, k);
  for (gsize i = 0; i < k; i++)
    {
      double value = lambda[i];

      if (!isfinite (value) || value < 0.0)
        {
          g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                       "Eigenvalue %zu is %g, not a finite value ≥ 0", i, value);
          return FALSE;
        }
      if (i > 0)
        {
          descending = descending && value <= lambda[i - 1];
          ascending = ascending && value >= lambda[i - 1];
        }
      sum += value;
    }
  if (!(sum > 0.0))
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "All %zu eigenvalues are zero", k);
      return FALSE;
    }
  mean = sum / (double) k;

  for (gsize i = 0; i < k; i++)
    sorted[i] = (descending ? lambda[k - 1 - i] : lambda[i]) / mean;
  if (!descending && !ascending)
    qsort (sorted, k, sizeof (double), compare_doubles);

  prefix = g_new (double, k + 1);
  prefix[0] = 0.0;
  for (gsize i = 0; i < k; i++)
    prefix[i + 1] = prefix[i] + sorted[i];

  /* The reference law at σ² = 1. */
  use_chain = options->chain != NULL && options->null_law != QKS_NULL_MP;
  ref.c = (double) k / (double) n_rows;
  if (use_chain)
    {
      ref.chain = options->chain;
      ref.x_minus = qks_chain_law_lower_edge (ref.chain);
      ref.x_plus = qks_chain_law_upper_edge (ref.chain);
      ref.median = qks_chain_law_median (ref.chain);
    }
  else
    {
      qks_mp_edges (ref.c, 1.0, &ref.x_minus, &ref.x_plus);
      ref.median = qks_mp_median (ref.c);
    }

  *fit = (QksSpectrumFit) {
    .k = k,
    .n_rows = n_rows,
    .n_cols = n_cols,
    .c = ref.c,
    .mean_lambda = mean,
    .lambda_max = sorted[k - 1],
  };

  /* σ̂² (b.3). E3 starts from E2, as f.1's "E2 → E3" does. */
  sigma2 = 1.0;
  if (options->estimator != QKS_SIGMA_E1_TRACE)
    {
      double median = k % 2 ? sorted[k / 2] : 0.5 * (sorted[k / 2 - 1] + sorted[k / 2]);

      sigma2 = median / ref.median;
    }
  if (options->estimator == QKS_SIGMA_E3_TRIMMED)
    sigma2 = trimmed_scale (sorted, prefix, k, sigma2, ref.x_plus,
                            E3_MAX_ITERATIONS, &fit->sigma_iterations);
  if (!(sigma2 > 0.0))
    {
      /* More than half of the values are exact zeros. */
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "The spectrum's scale estimate is zero");
      return FALSE;
    }
  fit->sigma2 = sigma2;
  fit->lambda_minus = sigma2 * ref.x_minus;
  fit->lambda_plus = sigma2 * ref.x_plus;

  /* λ_thr, and @unit: the threshold per unit of scale, for f.3. */
  if (options->null_law == QKS_NULL_MONTE_CARLO || options->threshold == QKS_THRESHOLD_MC)
    {
      threshold = options->mc_threshold;
      unit = options->mc_threshold;
    }
  else if (options->threshold == QKS_THRESHOLD_TW_WW)
    {
      if (use_chain)
        threshold = fit->lambda_plus +
                    sqrt (sqrt (ref.c) * cbrt (fit->lambda_plus * fit->lambda_plus) /
                          cbrt ((double) k * (double) k));
      else
        threshold = qks_tw_ww_threshold (ref.c, sigma2, k);
      unit = threshold / sigma2;
    }
  else
    {
      if (use_chain)
        threshold = sigma2 * (ref.x_plus + qks_tw1_quantile (options->tw_quantile) *
                                           qks_chain_law_edge_scale (ref.chain, k));
      else
        threshold = qks_tw_johnstone_threshold (n_rows, k, options->tw_quantile, sigma2);
      unit = threshold / sigma2;
    }
  fit->lambda_threshold = threshold;

  /* Spikes. Σλ̃ = k, so η = Σ_spikes λ̃ / k. */
  n_bulk = count_at_most (sorted, k, threshold);
  spike_sum = prefix[k] - prefix[n_bulk];
  fit->n_bulk = n_bulk;
  fit->n_spikes = (guint) (k - n_bulk);
  fit->spike_mass = spike_sum / prefix[k];
  fit->mp_soft_rank = fit->lambda_plus / fit->lambda_max;
  fit->lambda_max_over_plus = fit->lambda_max / fit->lambda_plus;
  fit->bulk_fraction = (double) n_bulk / (double) k;
  fit->unreliable = 2 * n_bulk < k;

  /* KS on the bulk against F(x)/F(λ_thr). */
  bulk_cdf = reference_cdf (&ref, sigma2, threshold);
  if (n_bulk == 0 || !(bulk_cdf > 0.0))
    {
      fit->ks = 1.0;
      fit->unreliable = TRUE;
    }
  else
    {
      double ks = 0.0;

      for (gsize i = 0; i < n_bulk; i++)
        {
          double f = reference_cdf (&ref, sigma2, sorted[i]) / bulk_cdf;

          ks = MAX (ks, MAX ((double) (i + 1) / (double) n_bulk - f,
                             f - (double) i / (double) n_bulk));
        }
      fit->ks = ks;
    }

  /* f.3: the count on the bulk-trimmed scale, from s = mean λ̃ = 1. */
  fit->trimmed_scale = trimmed_scale (sorted, prefix, k, 1.0, unit,
                                      TRIMMED_MAX_ITERATIONS, NULL);
  fit->n_spikes_trimmed = (guint) (k - count_at_most (sorted, k, unit * fit->trimmed_scale));

  fit->null_name = null_name (options, use_chain);
  fit->estimator_name = estimator_names[options->estimator];
  fit->threshold_name = threshold_name (options, use_chain);

  return TRUE;
}

/**
 * qks_spectrum_sample_chain:
 * @dims: (array length=n_dims): N_0 … N_n
 * @rng: the random stream
 * @lambda: (out caller-allocates) (array): room for k = min N_i values
 *
 * Draws P = X_1 ⋯ X_n with i.i.d. N(0, 1) entries and returns the k non-zero
 * λ = s²/N of P, N = max(N_0, N_n), in descending order. As b.1 does for
 * B = U Vᵀ, nothing wider than k is decomposed: split the chain at a factor
 * of size k into L (N_0 × k) and R (k × N_n); with L = Q_L R_L and
 * Rᵀ = Q_R R_R, the singular values of P are those of R_L R_Rᵀ.
 *
 * Returns: %TRUE, or %FALSE with @error set.
 */
gboolean
qks_spectrum_sample_chain (const guint  *dims,
                           guint         n_dims,
                           QksRng       *rng,
                           double       *lambda,
                           GError      **error)
{
  g_autoptr(GPtrArray) factors = NULL;
  g_autoptr(QksMatrix) left = NULL;
  g_autoptr(QksMatrix) right = NULL;
  g_autoptr(QksMatrix) core = NULL;
  guint split = 0, k, n = n_dims - 1;
  double scale;

  if (n_dims < 2 || n_dims > QKS_CHAIN_LAW_MAX_DIMS)
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_SHAPE,
                   "A chain needs 2 to %d dimensions, not %u",
                   QKS_CHAIN_LAW_MAX_DIMS, n_dims);
      return FALSE;
    }
  for (guint i = 0; i < n_dims; i++)
    {
      if (dims[i] == 0)
        {
          g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_SHAPE,
                       "Dimension %u of the chain is zero", i);
          return FALSE;
        }
      if (dims[i] < dims[split])
        split = i;
    }
  k = dims[split];
  scale = 1.0 / (double) MAX (dims[0], dims[n]);

  /* Draw every factor, in order, so that a seed fixes the whole chain. */
  factors = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  for (guint i = 1; i <= n; i++)
    g_ptr_array_add (factors, qks_matrix_new_gaussian (dims[i - 1], dims[i], 1.0, rng));

  /* L = X_1 ⋯ X_split, multiplied from its narrow end. */
  for (guint i = split; i >= 1; i--)
    {
      QksMatrix *x = g_ptr_array_index (factors, i - 1);

      if (left == NULL)
        left = qks_matrix_copy (x);
      else
        {
          QksMatrix *product = qks_matrix_multiply (x, QKS_NO_TRANSPOSE, left,
                                                    QKS_NO_TRANSPOSE, error);
          if (product == NULL)
            return FALSE;
          qks_matrix_free (left);
          left = product;
        }
    }
  /* R = X_{split+1} ⋯ X_n. */
  for (guint i = split + 1; i <= n; i++)
    {
      QksMatrix *x = g_ptr_array_index (factors, i - 1);

      if (right == NULL)
        right = qks_matrix_copy (x);
      else
        {
          QksMatrix *product = qks_matrix_multiply (right, QKS_NO_TRANSPOSE, x,
                                                    QKS_NO_TRANSPOSE, error);
          if (product == NULL)
            return FALSE;
          qks_matrix_free (right);
          right = product;
        }
    }

  /* Reduce each side to a k × k triangle. */
  if (left != NULL && left->rows > k)
    {
      QksMatrix *r = NULL;

      if (!qks_matrix_qr (left, NULL, &r, error))
        return FALSE;
      qks_matrix_free (left);
      left = r;
    }
  if (right != NULL)
    {
      g_autoptr(QksMatrix) transposed = qks_matrix_transpose (right);
      QksMatrix *r = NULL;

      if (transposed->rows > k)
        {
          if (!qks_matrix_qr (transposed, NULL, &r, error))
            return FALSE;
        }
      else
        r = g_steal_pointer (&transposed);
      qks_matrix_free (right);
      right = r;   /* Rᵀ's triangle: P's singular values are those of L·rightᵀ */
    }

  if (left != NULL && right != NULL)
    core = qks_matrix_multiply (left, QKS_NO_TRANSPOSE, right, QKS_TRANSPOSE, error);
  else
    core = qks_matrix_copy (left != NULL ? left : right);
  if (core == NULL || !qks_matrix_svd (core, lambda, NULL, NULL, error))
    return FALSE;

  for (guint i = 0; i < k; i++)
    lambda[i] = lambda[i] * lambda[i] * scale;
  return TRUE;
}

/**
 * qks_spectrum_mc_threshold_chain:
 * @dims: (array length=n_dims): the chain, as for qks_spectrum_sample_chain()
 * @n_draws: R ≥ 50 surrogates (f.1 suggests 200)
 * @quantile: e.g. 0.99
 *
 * The Monte-Carlo null of b.3/f.1: the @quantile of λ̃_max = λ_max/mean(λ)
 * over @n_draws random chains of Gaussian factors (linear interpolation
 * between order statistics), in the mean-1 units qks_spectrum_fit() uses.
 * A 2-element chain [N, M] is the plain Gaussian N × M null.
 *
 * Returns: the threshold, or NAN with @error set.
 */
double
qks_spectrum_mc_threshold_chain (const guint  *dims,
                                 guint         n_dims,
                                 guint         n_draws,
                                 double        quantile,
                                 QksRng       *rng,
                                 GError      **error)
{
  g_autofree double *maxima = NULL;
  g_autofree double *lambda = NULL;
  guint k = G_MAXUINT;
  double position, fraction;
  guint below;

  if (n_draws < MC_MIN_DRAWS || !(quantile > 0.0 && quantile < 1.0))
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_INVALID,
                   "A Monte-Carlo threshold needs ≥ %d draws and a quantile in (0, 1), "
                   "not %u and %g", MC_MIN_DRAWS, n_draws, quantile);
      return NAN;
    }
  for (guint i = 0; i < n_dims && i < QKS_CHAIN_LAW_MAX_DIMS; i++)
    k = MIN (k, dims[i]);
  if (n_dims < 2 || n_dims > QKS_CHAIN_LAW_MAX_DIMS || k == 0)
    {
      g_set_error (error, QKS_SPECTRUM_ERROR, QKS_SPECTRUM_ERROR_SHAPE,
                   "Not a chain: %u dimensions, smallest %u", n_dims, k);
      return NAN;
    }

  maxima = g_new (double, n_draws);
  lambda = g_new (double, k);
  for (guint r = 0; r < n_draws; r++)
    {
      double sum = 0.0;

      if (!qks_spectrum_sample_chain (dims, n_dims, rng, lambda, error))
        return NAN;
      for (guint i = 0; i < k; i++)
        sum += lambda[i];
      maxima[r] = lambda[0] / (sum / k);
    }

  qsort (maxima, n_draws, sizeof (double), compare_doubles);
  position = quantile * (n_draws - 1);
  below = MIN ((guint) position, n_draws - 2);
  fraction = position - below;
  return (1.0 - fraction) * maxima[below] + fraction * maxima[below + 1];
}
