/* qks-ww.c: weightwatcher-compatible spectral metrics (SCIENCE.md b.5)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qks-ranks.h"
#include "qks-ww.h"

/* What "compatible" means here: the numbers weightwatcher (CalculatedContent/
 * WeightWatcher, default settings, normalize=False) reports for the same
 * eigenvalues, quirks included (SCIENCE.md e.12), up to rounding. Where its
 * code takes a path that b.5 does not spell out, the comments say which. */

G_DEFINE_QUARK (qks-ww-error-quark, qks_ww_error)

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double *
sorted_copy (const double *values,
             gsize         n)
{
  double *copy = g_new (double, MAX (n, 1));

  memcpy (copy, values, n * sizeof (double));
  qsort (copy, n, sizeof (double), compare_doubles);
  return copy;
}

/* Power law ------------------------------------------------------------------ */

typedef struct
{
  double alpha;
  double xmin;
  double d;
  double sigma;
} PowerLawFit;

/* The scan below visits indices in this many interleaved passes: see there. */
#define SCAN_STRIDE 16

/* D_i = max_j |1 − (x_j/x_i)^{1−α} − (j − i)/m| over the tail j = i..n−1,
 * or some value above @bound as soon as one term exceeds it. */
static double
ks_distance (const double *log_x,
             gsize         n,
             gsize         i,
             double        alpha,
             double        bound)
{
  double exponent = 1.0 - alpha, m = (double) (n - i), d = 0.0;

  for (gsize phase = 0; phase < SCAN_STRIDE && d <= bound; phase++)
    for (gsize j = i + phase; j < n && d <= bound; j += SCAN_STRIDE)
      {
        /* numpy's 1 ** (1 − α) is 1 even when α = ∞ (a tail of equal
         * values), where exp(−∞ · 0) would be NaN. */
        double cdf = log_x[j] == log_x[i] ? 0.0
                                          : 1.0 - exp (exponent * (log_x[j] - log_x[i]));

        d = MAX (d, fabs (cdf - (double) (j - i) / m));
      }
  return d;
}

/* WW_powerlaw.WWFit with xmin and xmax free. Every x_i (i = 0..n−2) is a
 * candidate xmin; its tail x_i..x_{n−1} (m = n − i values) gets the
 * continuous MLE α_i = 1 + m / Σ_j ln(x_j/x_i) and the KS distance D_i
 * (D_i = 1 when α_i ≤ 1); the first i of least D wins (numpy.argmin).
 *
 * All D_i cost O(n²) exponentials, 300 000 for 768 values. But the scan
 * only needs to know whether D_i beats the best D so far, so ks_distance()
 * gives up once a term exceeds it. Visiting i and j in strided passes
 * (every 16th first) finds a good D early and the large deviations of a
 * poor tail within a few terms: about 25 000 exponentials instead, and the
 * same winner, D and α as the full scan. */
static void
fit_power_law (const double *x,
               gsize         n,
               PowerLawFit  *fit)
{
  g_autofree double *log_x = g_new (double, n);
  g_autofree double *tail_sum = g_new (double, n);
  double best_d = INFINITY, best_alpha = 1.0, running = 0.0;
  gsize best_i = 0;

  g_assert (n >= 2);

  for (gsize i = 0; i < n; i++)
    log_x[i] = log (x[i]);
  for (gsize i = n; i-- > 0;)
    {
      running += log_x[i];
      tail_sum[i] = running;
    }

  for (gsize phase = 0; phase < SCAN_STRIDE; phase++)
    for (gsize i = phase; i + 1 < n; i += SCAN_STRIDE)
      {
        double m = (double) (n - i);
        double alpha = 1.0 + m / (tail_sum[i] - m * log_x[i]);
        double d = alpha > 1.0 ? ks_distance (log_x, n, i, alpha, best_d) : 1.0;

        /* Out of order, so ties go to the smaller i explicitly. */
        if (d < best_d || (d == best_d && i < best_i))
          {
            best_d = d;
            best_i = i;
            best_alpha = alpha;
          }
      }

  fit->alpha = best_alpha;
  fit->xmin = x[best_i];
  fit->d = best_d;
  fit->sigma = (best_alpha - 1.0) / sqrt ((double) (n - best_i));
}

/* Marchenko–Pastur fit ------------------------------------------------------- */

/**
 * qks_ww_mp_density:
 * @x: an eigenvalue
 * @q: Q = N/M ≥ 1
 * @sigma: the scale: the entries' standard deviation
 *
 * RMT_Util.marchenko_pastur_fun: sqrt((b − x)(x − a)) / (2π σ² x / Q) on
 * a = σ²(1 − 1/√Q)², b = σ²(1 + 1/√Q)², and 0 elsewhere (its nan_to_num).
 */
double
qks_ww_mp_density (double x,
                   double q,
                   double sigma)
{
  double root = sqrt (1.0 / q);
  double high = sigma * (1.0 + root), low = sigma * (1.0 - root);
  double b = high * high, a = low * low;

  if (!(x > a && x < b))
    return 0.0;
  return 1.0 / (2.0 * G_PI * sigma * sigma * x * (1.0 / q)) * sqrt ((b - x) * (x - a));
}

/**
 * qks_ww_quarter_circle_density:
 * @x: a singular value
 * @sigma: the scale
 *
 * RMT_Util.quarter_circle_fun, used for Q = 1: sqrt(4 − x²) / (π σ²) on
 * [0, 2], 0 beyond. The quirk of SCIENCE.md e.12 is kept: the true law is
 * sqrt(4σ² − x²) / (π σ²), so this integrates to 1/σ², not 1, and its
 * support does not move with σ.
 */
double
qks_ww_quarter_circle_density (double x,
                               double sigma)
{
  double r = 4.0 - x * x;

  if (!(r > 0.0))
    return 0.0;
  return 1.0 / (G_PI * sigma * sigma) * sqrt (r);
}

/**
 * qks_ww_kde_linear:
 * @sorted_x: n samples in ascending order
 * @bandwidth: h
 * @grid: n_grid points in ascending order
 * @density: (out caller-allocates): the estimate at each grid point
 *
 * scikit-learn's KernelDensity(kernel='linear'), exact: the triangular
 * kernel (1 − |u|/h)₊ normalised to unit mass, Σ (1 − |g − x_i|/h)₊ / (n h).
 * One sweep, since both arrays are sorted.
 */
void
qks_ww_kde_linear (const double *sorted_x,
                   gsize         n,
                   double        bandwidth,
                   const double *grid,
                   gsize         n_grid,
                   double       *density)
{
  gsize lo = 0;

  for (gsize g = 0; g < n_grid; g++)
    {
      double sum = 0.0;

      while (lo < n && sorted_x[lo] <= grid[g] - bandwidth)
        lo++;
      for (gsize j = lo; j < n && sorted_x[j] < grid[g] + bandwidth; j++)
        sum += 1.0 - fabs (grid[g] - sorted_x[j]) / bandwidth;
      density[g] = sum / ((double) n * bandwidth);
    }
}

/* The KDE of one ESD, which RMT_Util.resid_mp recomputes for every σ it
 * tries: here it is computed once, and only the points it keeps. */
typedef struct
{
  double   *x;
  double   *y;
  gsize     n;
  double    x_peak;   /* the first kept point of largest density */
  double    x_last;   /* the last kept point */
  double    q;
  gboolean  quarter_circle;
} MpTarget;

static void
mp_target_clear (MpTarget *target)
{
  g_clear_pointer (&target->x, g_free);
  g_clear_pointer (&target->y, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MpTarget, mp_target_clear)

static void
mp_target_init (MpTarget     *target,
                const double *sorted_values,
                gsize         n,
                double        q)
{
  g_autofree double *grid = g_new (double, QKS_WW_KDE_POINTS);
  g_autofree double *density = g_new (double, QKS_WW_KDE_POINTS);
  double top = sorted_values[n - 1] + 0.5;
  double step = top / (QKS_WW_KDE_POINTS - 1);
  double y_peak = -INFINITY;

  /* numpy.linspace(0, top, 1000): k · step, the last point exactly top. */
  for (gsize k = 0; k < QKS_WW_KDE_POINTS; k++)
    grid[k] = (double) k * step;
  grid[QKS_WW_KDE_POINTS - 1] = top;

  qks_ww_kde_linear (sorted_values, n, QKS_WW_KDE_BANDWIDTH, grid, QKS_WW_KDE_POINTS, density);

  target->x = g_new (double, QKS_WW_KDE_POINTS);
  target->y = g_new (double, QKS_WW_KDE_POINTS);
  target->n = 0;
  target->q = q;
  target->quarter_circle = q == 1.0;
  target->x_peak = target->x_last = NAN;

  /* Points where the estimate is almost 0 are dropped; their residual
   * is 0 whatever σ, so they take no part in the fit. */
  for (gsize k = 0; k < QKS_WW_KDE_POINTS; k++)
    if (density[k] > QKS_WW_KDE_MIN_DENSITY)
      {
        target->x[target->n] = grid[k];
        target->y[target->n] = density[k];
        target->n++;
        if (density[k] > y_peak)
          {
            y_peak = density[k];
            target->x_peak = grid[k];
          }
        target->x_last = grid[k];
      }
}

/* RMT_Util.resid_mp, summed: Σ (ρ_σ − KDE)² over the kept points. For
 * Q ≠ 1 a σ is rejected, every residual set to 1000, when its λ₊ lies below
 * the KDE's peak or beyond the last kept point, or its λ₋ beyond the peak
 * (weightwatcher issue #60). The quarter circle has no such rule. */
static double
mp_loss (const MpTarget *target,
         double          sigma,
         gboolean       *rejected)
{
  double loss = 0.0;

  if (rejected != NULL)
    *rejected = FALSE;

  if (target->quarter_circle)
    {
      for (gsize k = 0; k < target->n; k++)
        {
          double r = qks_ww_quarter_circle_density (target->x[k], sigma) - target->y[k];

          loss += r * r;
        }
      return loss;
    }

  {
    double root = sqrt (1.0 / target->q);
    double high = sigma * (1.0 + root), low = sigma * (1.0 - root);
    double b = high * high, a = low * low;
    double factor = 1.0 / (2.0 * G_PI * sigma * sigma * (1.0 / target->q));

    if (b < target->x_peak || b > target->x_last || a > target->x_peak)
      {
        if (rejected != NULL)
          *rejected = TRUE;
        return 1e6 * (double) target->n;
      }

    for (gsize k = 0; k < target->n; k++)
      {
        double x = target->x[k];
        double rho = x > a && x < b ? factor / x * sqrt ((b - x) * (x - a)) : 0.0;
        double r = rho - target->y[k];

        loss += r * r;
      }
  }
  return loss;
}

/* scipy.optimize.brute polishes its grid minimum with its default finish,
 * scipy.optimize.fmin: Nelder–Mead from x0 with the simplex {x0, 1.05 x0},
 * xatol = fatol = 1e-4, at most 200 iterations and 200 evaluations. This is
 * that algorithm for one variable, step for step, so that mp_sigma is the
 * σ weightwatcher reports rather than the grid's. */
static double
nelder_mead_1d (const MpTarget *target,
                double          x0)
{
  const guint max_evaluations = 200, max_iterations = 200;
  double sim[2], fsim[2];
  guint evaluations = 2, iterations = 1;

  sim[0] = x0;
  sim[1] = x0 != 0.0 ? 1.05 * x0 : 0.00025;
  fsim[0] = mp_loss (target, sim[0], NULL);
  fsim[1] = mp_loss (target, sim[1], NULL);

  for (;;)
    {
      double xbar, xr, fxr;
      gboolean shrink = FALSE;

      /* numpy.argsort of two values keeps ties in place. */
      if (fsim[1] < fsim[0])
        {
          double t = sim[0];

          sim[0] = sim[1];
          sim[1] = t;
          t = fsim[0];
          fsim[0] = fsim[1];
          fsim[1] = t;
        }

      if (evaluations >= max_evaluations || iterations >= max_iterations)
        break;
      if (fabs (sim[1] - sim[0]) <= 1e-4 && fabs (fsim[0] - fsim[1]) <= 1e-4)
        break;

      xbar = sim[0];
      xr = 2.0 * xbar - sim[1];
      fxr = mp_loss (target, xr, NULL);
      evaluations++;

      if (fxr < fsim[0])
        {
          double xe = 3.0 * xbar - 2.0 * sim[1];
          double fxe = mp_loss (target, xe, NULL);

          evaluations++;
          if (fxe < fxr)
            {
              sim[1] = xe;
              fsim[1] = fxe;
            }
          else
            {
              sim[1] = xr;
              fsim[1] = fxr;
            }
        }
      else if (fxr < fsim[1])
        {
          double xc = 1.5 * xbar - 0.5 * sim[1];
          double fxc = mp_loss (target, xc, NULL);

          evaluations++;
          if (fxc <= fxr)
            {
              sim[1] = xc;
              fsim[1] = fxc;
            }
          else
            shrink = TRUE;
        }
      else
        {
          double xcc = 0.5 * xbar + 0.5 * sim[1];
          double fxcc = mp_loss (target, xcc, NULL);

          evaluations++;
          if (fxcc < fsim[1])
            {
              sim[1] = xcc;
              fsim[1] = fxcc;
            }
          else
            shrink = TRUE;
        }

      if (shrink)
        {
          sim[1] = sim[0] + 0.5 * (sim[1] - sim[0]);
          fsim[1] = mp_loss (target, sim[1], NULL);
          evaluations++;
        }
      iterations++;
    }

  return sim[0];
}

/* weightwatcher.mp_fit with rescale=True on @sorted (ascending, raw λ). */
static void
fit_marchenko_pastur (const double *sorted,
                      gsize         n,
                      double        sum,
                      QksWwMetrics *out)
{
  g_autofree double *values = g_new (double, n);
  g_auto(MpTarget) target = { 0 };
  double q = (double) out->n_rows / (double) out->n_cols;
  double inv_sqrt_q = 1.0 / sqrt (q);
  double lambda_max, s0, start, stop, step, delta, best_loss = INFINITY;
  double tw, high, low;
  gsize n_grid;
  gboolean all_rejected = TRUE;

  /* Wscale² = n / Σλ (its issue #60 form): the mean of λ̃ is 1. */
  out->scale = (double) n / sum;
  for (gsize i = 0; i < n; i++)
    values[i] = out->scale * sorted[i];
  lambda_max = values[n - 1];

  /* Q = 1: the fit is on the singular values, against the quarter circle. */
  if (q == 1.0)
    for (gsize i = 0; i < n; i++)
      values[i] = sqrt (values[i]);
  mp_target_init (&target, values, n, q);

  if (target.n == 0)
    {
      /* Nothing above the density floor: weightwatcher's fit raises and
       * reports −1; say "no fit" instead. */
      out->mp_sigma = out->mp_sigma_grid = NAN;
      out->bulk_min = out->bulk_max = out->bulk_max_tw = NAN;
      out->mp_softrank = NAN;
      out->num_spikes = 0;
      out->mp_fit_failed = TRUE;
      return;
    }

  /* RMT_Util.calc_sigma on λ̃ (not √λ̃, even for Q = 1), then the grid
   * numpy.arange(0.05 s₀, 2 s₀, 0.01 s₀) as numpy fills it. */
  s0 = sqrt (lambda_max / ((1.0 + inv_sqrt_q) * (1.0 + inv_sqrt_q)));
  start = 0.05 * s0;
  stop = 2.0 * s0;
  step = 0.01 * s0;
  n_grid = (gsize) ceil ((stop - start) / step);
  delta = (start + step) - start;

  for (gsize k = 0; k < n_grid; k++)
    {
      double sigma = k == 0 ? start : k == 1 ? start + step : start + (double) k * delta;
      gboolean rejected;
      double loss = mp_loss (&target, sigma, &rejected);

      all_rejected = all_rejected && rejected;
      if (loss < best_loss)
        {
          best_loss = loss;
          out->mp_sigma_grid = sigma;
        }
    }

  out->mp_sigma = nelder_mead_1d (&target, out->mp_sigma_grid);
  out->mp_fit_failed = all_rejected;

  high = out->mp_sigma * (1.0 + inv_sqrt_q);
  low = out->mp_sigma * (1.0 - inv_sqrt_q);
  out->bulk_max = high * high;
  out->bulk_min = low * low;

  /* Its Tracy–Widom margin is the square root of a scale (e.12). */
  tw = inv_sqrt_q * pow (out->bulk_max, 2.0 / 3.0) * pow ((double) out->n_cols, -2.0 / 3.0);
  out->bulk_max_tw = out->bulk_max + sqrt (tw);

  out->num_spikes = 0;
  for (gsize i = 0; i < n; i++)
    out->num_spikes += out->scale * sorted[i] > out->bulk_max_tw;
  out->mp_softrank = out->bulk_max / lambda_max;
}

/* The fit -------------------------------------------------------------------- */

static gboolean
check_evals (const double  *evals,
             gsize          n,
             gsize          n_rows,
             gsize          n_cols,
             GError       **error)
{
  if (n == 0 || n_rows == 0 || n_cols == 0)
    {
      g_set_error (error, QKS_WW_ERROR, QKS_WW_ERROR_INPUT,
                   "No eigenvalues to fit (%zu of a %zu × %zu matrix)",
                   n, n_rows, n_cols);
      return FALSE;
    }

  for (gsize i = 0; i < n; i++)
    if (!isfinite (evals[i]) || evals[i] < 0.0)
      {
        g_set_error (error, QKS_WW_ERROR, QKS_WW_ERROR_INPUT,
                     "Eigenvalue %zu is %g: not a finite value ≥ 0", i, evals[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * qks_ww_fit:
 * @evals: n eigenvalues λ = s² of W, in any order, not divided by N
 *   (weightwatcher's default normalize=False)
 * @n_rows: N
 * @n_cols: M (either order: the larger is taken as N, as weightwatcher does)
 * @out: (out caller-allocates): the metrics
 *
 * The power-law fit, the norm metrics and the MP fit of SCIENCE.md b.5.
 *
 * Where b.5 says λ·M/Σλ, the MP rescale divides by the mean of the @n
 * values given, as weightwatcher's code does: the same when n = M, and the
 * pooled ESD of several matrices (qks_ww_fit_pooled()) also gets mean 1.
 * Q and the Tracy–Widom margin use the matrix's own N and M.
 *
 * Returns: %FALSE with @error set when the input is empty, negative or not
 *   finite, or fewer than two eigenvalues exceed QKS_WW_EVALS_THRESHOLD.
 */
gboolean
qks_ww_fit (const double  *evals,
            gsize          n,
            gsize          n_rows,
            gsize          n_cols,
            QksWwMetrics  *out,
            GError       **error)
{
  g_autofree double *sorted = NULL;
  g_autofree double *singular_values = NULL;
  PowerLawFit fit;
  double sum = 0.0, lambda_max, scaled_sum = 0.0, entropy = 0.0;
  gsize first = 0;

  if (!check_evals (evals, n, n_rows, n_cols, error))
    return FALSE;

  sorted = sorted_copy (evals, n);
  while (first < n && sorted[first] <= QKS_WW_EVALS_THRESHOLD)
    first++;
  if (n - first < 2)
    {
      g_set_error (error, QKS_WW_ERROR, QKS_WW_ERROR_TOO_FEW,
                   "A power law needs two eigenvalues above %g; %zu of %zu are",
                   QKS_WW_EVALS_THRESHOLD, n - first, n);
      return FALSE;
    }

  memset (out, 0, sizeof *out);
  out->n_rows = MAX (n_rows, n_cols);
  out->n_cols = MIN (n_rows, n_cols);
  out->n_evals = n;
  out->n_fitted = n - first;
  out->too_few_evals = out->n_fitted < QKS_WW_MIN_EVALS;

  fit_power_law (sorted + first, n - first, &fit);
  lambda_max = sorted[n - 1];
  out->alpha = fit.alpha;
  out->xmin = fit.xmin;
  out->xmax = lambda_max;
  out->ks_distance = fit.d;
  out->alpha_sigma = fit.sigma;
  out->alpha_unreliable = fit.alpha > QKS_WW_ALPHA_UNRELIABLE;
  for (gsize i = 0; i < n; i++)
    out->num_pl_spikes += sorted[i] >= fit.xmin;

  /* Norm metrics. Σ λ^α = λ_max^α Σ (λ/λ_max)^α: the same number without
   * overflowing when α is large. */
  for (gsize i = 0; i < n; i++)
    {
      sum += sorted[i];
      scaled_sum += pow (sorted[i] / lambda_max, fit.alpha);
    }
  out->log_norm = log10 (sum);
  out->log_spectral_norm = log10 (lambda_max);
  out->alpha_weighted = fit.alpha * out->log_spectral_norm;
  out->log_alpha_norm = fit.alpha * out->log_spectral_norm + log10 (scaled_sum);
  out->stable_rank = sum / lambda_max;

  singular_values = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    singular_values[i] = sqrt (sorted[i]);
  out->matrix_rank = qks_ranks_numerical (singular_values, n, out->n_rows, out->n_cols);

  /* 0 ln 0 = 0; a rank-1 spectrum has entropy 0 (weightwatcher divides by
   * ln(1 + 1e-10) there and reports noise). */
  for (gsize i = 0; i < n; i++)
    {
      double p = sorted[i] / sum;

      if (p > 0.0)
        entropy -= p * log (p);
    }
  out->matrix_entropy = out->matrix_rank > 1 ? entropy / log ((double) out->matrix_rank) : 0.0;

  fit_marchenko_pastur (sorted, n, sum, out);
  return TRUE;
}

/**
 * qks_ww_esd_too_small:
 *
 * Whether an ESD is too small for a power-law fit of its own, so that the
 * heads of a layer should be pooled (qks_ww_fit_pooled()): fewer than
 * QKS_WW_MIN_EVALS = 50 eigenvalues above QKS_WW_EVALS_THRESHOLD.
 *
 * Why 50: the xmin scan keeps a tail of m of the n values, often a quarter to
 * a half of them, and the MLE's standard error is (α − 1)/√m; below 50
 * values that is a third of α − 1 or worse, and the KS scan picks xmin from
 * a handful of points. weightwatcher's own constants say so too
 * ("MIN_NUM_EVALS = 10, really 50"). A tiny model's head (d_h = 32) falls
 * below, its layer of 4 heads (128 values) does not.
 *
 * Returns: %TRUE when the heads should be pooled.
 */
gboolean
qks_ww_esd_too_small (const double *evals,
                      gsize         n)
{
  gsize n_fitted = 0;

  for (gsize i = 0; i < n; i++)
    n_fitted += evals[i] > QKS_WW_EVALS_THRESHOLD;
  return n_fitted < QKS_WW_MIN_EVALS;
}

/**
 * qks_ww_fit_pooled:
 * @evals: (array length=n_matrices): each matrix's eigenvalues
 * @n_evals: (array length=n_matrices): how many each has
 * @n_matrices: how many matrices, all of shape @n_rows × @n_cols
 * @out: (out caller-allocates): the metrics of the pooled ESD
 *
 * One fit on the union of several matrices' eigenvalues, the way
 * weightwatcher treats a layer made of several matrices (combined_eigenvalues
 * for Conv2D slices): the power law on the pooled tail, the MP fit on the
 * pooled ESD rescaled to mean 1, with Q and M those of one matrix. The app
 * pools a layer's heads when qks_ww_esd_too_small() says a head is too small.
 *
 * Returns: %FALSE with @error set as qks_ww_fit() does.
 */
gboolean
qks_ww_fit_pooled (const double * const  *evals,
                   const gsize           *n_evals,
                   gsize                  n_matrices,
                   gsize                  n_rows,
                   gsize                  n_cols,
                   QksWwMetrics          *out,
                   GError               **error)
{
  g_autofree double *pool = NULL;
  gsize total = 0, offset = 0;

  for (gsize h = 0; h < n_matrices; h++)
    total += n_evals[h];
  if (total == 0)
    {
      g_set_error (error, QKS_WW_ERROR, QKS_WW_ERROR_INPUT,
                   "No eigenvalues to pool from %zu matrices", n_matrices);
      return FALSE;
    }

  pool = g_new (double, total);
  for (gsize h = 0; h < n_matrices; h++)
    {
      memcpy (pool + offset, evals[h], n_evals[h] * sizeof (double));
      offset += n_evals[h];
    }

  return qks_ww_fit (pool, total, n_rows, n_cols, out, error);
}

/* Randomised ESD ------------------------------------------------------------- */

/**
 * qks_ww_js_distance:
 * @p: n weights ≥ 0
 * @q: n weights ≥ 0
 *
 * The Jensen–Shannon distance, the square root of the divergence in nats,
 * between p/Σp and q/Σq. weightwatcher's jensen_shannon_distance takes
 * m = (p + q)/2 before scipy normalises it, which is the same m whenever
 * Σp = Σq, as for an ESD and its shuffled copy (equal Frobenius norms).
 *
 * Returns: a distance in [0, √ln 2], or NaN when either sum is 0.
 */
double
qks_ww_js_distance (const double *p,
                    const double *q,
                    gsize         n)
{
  double sum_p = 0.0, sum_q = 0.0, divergence = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      sum_p += p[i];
      sum_q += q[i];
    }
  if (!(sum_p > 0.0 && sum_q > 0.0))
    return NAN;

  for (gsize i = 0; i < n; i++)
    {
      double a = p[i] / sum_p, b = q[i] / sum_q, m = 0.5 * (a + b);

      if (a > 0.0)
        divergence += 0.5 * a * log (a / m);
      if (b > 0.0)
        divergence += 0.5 * b * log (b / m);
    }

  return sqrt (MAX (divergence, 0.0));
}

static void
log_histogram (const double *values,
               gsize         n,
               double        log_lo,
               double        log_hi,
               guint         n_bins,
               double       *counts)
{
  for (gsize i = 0; i < n; i++)
    {
      double v = values[i];
      gsize bin = 0;

      if (v > 0.0 && log_hi > log_lo)
        {
          double t = (log (v) - log_lo) / (log_hi - log_lo) * n_bins;

          bin = t <= 0.0 ? 0 : MIN ((gsize) t, (gsize) n_bins - 1);
        }
      counts[bin] += 1.0;
    }
}

/**
 * qks_ww_histogram_js_distance:
 * @a: n_a eigenvalues ≥ 0
 * @b: n_b eigenvalues ≥ 0
 * @n_bins: how many bins
 *
 * The Jensen–Shannon distance between the two ESDs as histograms: @n_bins
 * bins equally spaced in log λ from the smallest value above λ_max · 1e-10
 * to the largest value of either set. Values below (numerical zeros of a
 * rank-deficient matrix) count in the first bin.
 *
 * Returns: a distance in [0, √ln 2], or NaN when no value is positive.
 */
double
qks_ww_histogram_js_distance (const double *a,
                              gsize         n_a,
                              const double *b,
                              gsize         n_b,
                              guint         n_bins)
{
  g_autofree double *counts_a = g_new0 (double, MAX (n_bins, 1));
  g_autofree double *counts_b = g_new0 (double, MAX (n_bins, 1));
  double hi = 0.0, lo = INFINITY, floor_value;

  g_return_val_if_fail (n_bins > 0, NAN);

  for (gsize i = 0; i < n_a; i++)
    hi = MAX (hi, a[i]);
  for (gsize i = 0; i < n_b; i++)
    hi = MAX (hi, b[i]);
  if (!(hi > 0.0))
    return NAN;

  floor_value = hi * 1e-10;
  for (gsize i = 0; i < n_a; i++)
    if (a[i] > floor_value)
      lo = MIN (lo, a[i]);
  for (gsize i = 0; i < n_b; i++)
    if (b[i] > floor_value)
      lo = MIN (lo, b[i]);

  log_histogram (a, n_a, log (lo), log (hi), n_bins, counts_a);
  log_histogram (b, n_b, log (lo), log (hi), n_bins, counts_b);
  return qks_ww_js_distance (counts_a, counts_b, n_bins);
}

/**
 * qks_ww_compare_random:
 * @evals: the n eigenvalues of W
 * @rand_evals: the n eigenvalues of W with its entries shuffled
 * @out: (out caller-allocates): the comparison
 *
 * weightwatcher's apply_random_esd on given spectra: rand_distance is the
 * JS distance between the two *sorted eigenvalue vectors* read as
 * probability vectors (the quirk of SCIENCE.md e.12: no histogram), and
 * rand_distance_hist the JS distance of their log-spaced histograms.
 */
void
qks_ww_compare_random (const double *evals,
                       const double *rand_evals,
                       gsize         n,
                       QksWwRandom  *out)
{
  g_autofree double *sorted = sorted_copy (evals, n);
  g_autofree double *sorted_rand = sorted_copy (rand_evals, n);

  out->rand_distance = qks_ww_js_distance (sorted, sorted_rand, n);
  out->rand_distance_hist = qks_ww_histogram_js_distance (sorted, n, sorted_rand, n,
                                                          QKS_WW_HISTOGRAM_BINS);
  out->lambda_max = n > 0 ? sorted[n - 1] : NAN;
  out->rand_lambda_max = n > 0 ? sorted_rand[n - 1] : NAN;
  out->ww_softrank = out->rand_lambda_max / out->lambda_max;
}

/**
 * qks_ww_rand_distance:
 * @w: the weight matrix, either orientation
 * @evals: (nullable): its min(rows, cols) eigenvalues s², descending, when
 *   the caller has them already
 * @rng: the source of the shuffle
 * @out: (out caller-allocates): the comparison
 *
 * Shuffles the entries of @w (one Fisher–Yates permutation, as
 * numpy.random.shuffle), takes both ESDs λ = s² (the shuffled one in single
 * precision, to about 1e-7 of its largest) and compares them with
 * qks_ww_compare_random().
 *
 * Returns: %FALSE with @error set when an SVD fails or @w is empty or not
 *   finite.
 */
gboolean
qks_ww_rand_distance (const QksMatrix  *w,
                      const double     *known_evals,
                      QksRng           *rng,
                      QksWwRandom      *out,
                      GError          **error)
{
  g_autoptr(QksMatrix) shuffled = NULL;
  g_autofree double *evals = NULL;
  g_autofree double *rand_evals = NULL;
  gsize k = MIN (w->rows, w->cols), size = w->rows * w->cols;

  evals = g_new (double, MAX (k, 1));
  rand_evals = g_new (double, MAX (k, 1));
  if (known_evals != NULL)
    memcpy (evals, known_evals, k * sizeof (double));
  else if (!qks_matrix_squared_singular_values (w, evals, error))
    return FALSE;

  shuffled = qks_matrix_copy (w);
  for (gsize i = size; i > 1; i--)
    {
      gsize j = (gsize) qks_rng_uniform_int (rng, i);
      double tmp = shuffled->data[i - 1];

      shuffled->data[i - 1] = shuffled->data[j];
      shuffled->data[j] = tmp;
    }
  /* A shuffled matrix is compared only as a whole: single precision. */
  if (!qks_matrix_squared_singular_values_single (shuffled, rand_evals, error))
    return FALSE;

  qks_ww_compare_random (evals, rand_evals, k, out);
  return TRUE;
}
