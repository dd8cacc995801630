/* test-plot-esd.c: the ESD histogram and its per-layer grid
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot-reference.h"
#include "plot-svg-paths.h"
#include "qks-law-chain.h"
#include "qks-matrix.h"
#include "qks-plot-esd.h"
#include "qks-rng.h"
#include "qks-spectrum.h"

#define WIDTH   480.0
#define HEIGHT  300.0

#define D_MODEL 256
#define D_HEAD  64

/* A QK form B = W_Qᵀ W_K + Σ θ x yᵀ (SCIENCE.md b.4): the product law's
 * bulk with planted spikes, fitted as the diagnostics fit it. */
typedef struct
{
  double          lambda[D_HEAD];
  double          null_x[QKS_PLOT_ESD_NULL_NODES];
  double          null_density[QKS_PLOT_ESD_NULL_NODES];
  QksSpectrumFit  fit;
  QksSpectrumFit  mp_fit;
  QksPlotEsdData  data;
} Form;

/* What a draw callback needs. */
typedef struct
{
  QksPlotTheme              theme;
  const QksPlotEsdData     *data;
  const QksPlotEsdGridData *grid;
} Figure;

static void
make_form (Form         *form,
           guint64       seed,
           const double *strengths,
           guint         n_planted)
{
  static const guint dims[] = { D_MODEL, D_HEAD, D_MODEL };
  g_autoptr(QksChainLaw) law = qks_chain_law_new (dims, G_N_ELEMENTS (dims), NULL);
  g_autoptr(QksMatrix) wq = NULL;
  g_autoptr(QksMatrix) wk = NULL;
  g_autoptr(QksMatrix) b = NULL;
  g_autoptr(GError) error = NULL;
  double values[D_MODEL], scale = sqrt ((double) D_HEAD / D_MODEL);
  QksSpectrumOptions options;
  QksRng rng;

  g_assert_nonnull (law);
  qks_rng_init (&rng, seed);
  wq = qks_matrix_new_gaussian (D_HEAD, D_MODEL, 1.0 / sqrt (D_MODEL), &rng);
  wk = qks_matrix_new_gaussian (D_HEAD, D_MODEL, 1.0 / sqrt (D_MODEL), &rng);
  b = qks_matrix_multiply (wq, QKS_TRANSPOSE, wk, QKS_NO_TRANSPOSE, &error);
  g_assert_no_error (error);
  for (guint p = 0; p < n_planted; p++)
    {
      double x[D_MODEL], y[D_MODEL];

      qks_rng_fill_normal (&rng, x, D_MODEL, 0.0, 1.0 / sqrt (D_MODEL));
      qks_rng_fill_normal (&rng, y, D_MODEL, 0.0, 1.0 / sqrt (D_MODEL));
      for (guint i = 0; i < D_MODEL; i++)
        for (guint j = 0; j < D_MODEL; j++)
          b->data[i * D_MODEL + j] += strengths[p] * scale * x[i] * y[j];
    }
  g_assert_true (qks_matrix_squared_singular_values (b, values, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < D_HEAD; i++)
    form->lambda[i] = values[i] / D_MODEL;

  qks_spectrum_options_init (&options);
  options.null_law = QKS_NULL_CHAIN;
  options.chain = law;
  options.estimator = QKS_SIGMA_E1_TRACE;
  g_assert_true (qks_spectrum_fit (form->lambda, D_HEAD, D_MODEL, D_MODEL, &options, &form->fit, &error));
  g_assert_no_error (error);
  qks_spectrum_options_init (&options);
  g_assert_true (qks_spectrum_fit (form->lambda, D_HEAD, D_MODEL, D_MODEL, &options, &form->mp_fit, &error));
  g_assert_no_error (error);
  qks_plot_esd_tabulate_law (law, form->null_x, form->null_density, QKS_PLOT_ESD_NULL_NODES);

  form->data = (QksPlotEsdData) {
    .title = "Layer 2 · QK form · step 400",
    .eigenvalues = form->lambda,
    .n_eigenvalues = D_HEAD,
    .mp_sigma2 = form->mp_fit.sigma2,
    .mp_c = form->mp_fit.c,
    .null_law = form->fit.null_name,
    .threshold = form->fit.threshold_name,
    .sigma2 = form->fit.sigma2,
    .lambda_plus = form->fit.lambda_plus,
    .lambda_threshold = form->fit.lambda_threshold,
    .null_x = form->null_x,
    .null_density = form->null_density,
    .n_null = QKS_PLOT_ESD_NULL_NODES,
  };
}

/* Two spikes near the bulk and one far beyond it. */
static void
make_spiky_form (Form *form)
{
  static const double strengths[] = { 6.0, 8.0, 20.0 };

  make_form (form, 42, strengths, G_N_ELEMENTS (strengths));
}

/* Marchenko–Pastur: Y = G/√N + Σ θ u vᵀ, N × M (b.3's BBP reference). */
static double *
make_mp (guint64       seed,
         gsize         n_rows,
         gsize         n_cols,
         const double *thetas,
         guint         n_planted)
{
  g_autoptr(QksMatrix) y = NULL;
  g_autoptr(GError) error = NULL;
  double *values = g_new (double, n_cols);
  QksRng rng;

  qks_rng_init (&rng, seed);
  y = qks_matrix_new_gaussian (n_rows, n_cols, 1.0 / sqrt ((double) n_rows), &rng);
  for (guint p = 0; p < n_planted; p++)
    {
      g_autofree double *u = g_new (double, n_rows);
      g_autofree double *v = g_new (double, n_cols);

      /* Unit vectors: Gaussian with variance 1/dimension is unit to O(1/√n). */
      qks_rng_fill_normal (&rng, u, n_rows, 0.0, 1.0 / sqrt ((double) n_rows));
      qks_rng_fill_normal (&rng, v, n_cols, 0.0, 1.0 / sqrt ((double) n_cols));
      for (gsize i = 0; i < n_rows; i++)
        for (gsize j = 0; j < n_cols; j++)
          y->data[i * n_cols + j] += thetas[p] * u[i] * v[j];
    }
  g_assert_true (qks_matrix_squared_singular_values (y, values, &error));
  g_assert_no_error (error);
  return values;
}

static void
draw_esd (cairo_t  *cr,
          double    width,
          double    height,
          gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_esd_draw (cr, width, height, &figure->theme, figure->data);
}

static void
draw_grid (cairo_t  *cr,
           double    width,
           double    height,
           gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_esd_grid_draw (cr, width, height, &figure->theme, figure->grid);
}

static guint
non_empty_bins (const QksPlotEsdView *view,
                guint                 from,
                guint                 to)
{
  guint count = 0;

  for (guint i = from; i < to; i++)
    count += view->counts[i] > 0;
  return count;
}

/* The bars as drawn, left to right: x and height from each rectangle. */
typedef struct
{
  double x;
  double height;
} Bar;

static int
compare_bars (const void *a,
              const void *b)
{
  const Bar *x = a, *y = b;

  return (x->x > y->x) - (x->x < y->x);
}

static GArray *
collect_bars (const QksTestSvgPaths      *svg,
              const QksPlotEsdStyle *style)
{
  GArray *bars = g_array_new (FALSE, FALSE, sizeof (Bar));

  for (guint i = 0; i < svg->paths->len; i++)
    {
      const QksTestSvgPathsPath *path = g_ptr_array_index (svg->paths, i);
      double x[4], y[4];
      Bar bar;

      if (!path->filled || !(qks_plot_color_equal (&path->fill, &style->bulk, 0.003) ||
                             qks_plot_color_equal (&path->fill, &style->spike_bar, 0.003)))
        continue;
      /* cairo_rectangle(): M x0 y0 L x1 y0 L x1 y1 L x0 y1 Z */
      g_assert_cmpint (sscanf (path->d, "M %lf %lf L %lf %lf L %lf %lf L %lf %lf Z",
                               &x[0], &y[0], &x[1], &y[1], &x[2], &y[2], &x[3], &y[3]), ==, 8);
      bar.x = MIN (x[0], x[1]);
      bar.height = MAX (MAX (y[0], y[1]), MAX (y[2], y[3])) - MIN (MIN (y[0], y[1]), MIN (y[2], y[3]));
      g_array_append_val (bars, bar);
    }
  g_array_sort (bars, compare_bars);
  return bars;
}

/* The marks ------------------------------------------------------------------ */

static void
test_esd_marks (void)
{
  Form form;
  Figure figure;
  QksPlotEsdStyle style;
  QksPlotEsdView view;
  g_autoptr(QksTestSvgPaths) svg = NULL;
  g_autofree char *mp_label = NULL, *threshold_label = NULL, *spikes_label = NULL, *edge_label = NULL;
  const char *message = NULL;
  guint bulk_bars, spike_bars, rug, arrows;

  make_spiky_form (&form);
  g_assert_cmpuint (form.fit.n_spikes, ==, 3);
  qks_plot_theme_init_light (&figure.theme);
  figure.data = &form.data;
  qks_plot_esd_get_style (&figure.theme, &style);

  g_assert_true (qks_plot_esd_compute_view (&form.data, &view, &message));
  g_assert_null (message);
  g_assert_cmpuint (view.n_spikes, ==, 3);
  /* The far spike does not squash the bulk: it becomes an arrow. */
  g_assert_cmpuint (view.n_beyond, ==, 1);
  g_assert_cmpfloat (view.x_max, <, 0.5 * form.fit.lambda_max);
  g_assert_cmpfloat (view.x_max, >, form.fit.lambda_threshold);

  svg = qks_test_svg_paths_render (draw_esd, &figure, WIDTH, HEIGHT);

  /* One bar per bin that holds values, in the bulk's or the spikes' tint. */
  bulk_bars = qks_test_svg_paths_count_fills (svg, &style.bulk);
  spike_bars = qks_test_svg_paths_count_fills (svg, &style.spike_bar);
  g_assert_cmpuint (bulk_bars, ==, non_empty_bins (&view, 0, view.first_spike_bin));
  g_assert_cmpuint (spike_bars, ==, non_empty_bins (&view, view.first_spike_bin, view.n_bins));
  g_assert_cmpuint (bulk_bars, >=, QKS_PLOT_ESD_MIN_BINS / 2);
  g_assert_cmpuint (spike_bars, ==, 2);

  /* Each bar's height is its bin's density, on one scale: the tallest
   * sets it, the others follow to within the pixel snapping. */
  {
    g_autoptr(GArray) bars = collect_bars (svg, &style);
    double densities[QKS_PLOT_ESD_MAX_BINS], tallest = 0.0, highest = 0.0;
    guint n = 0;

    for (guint i = 0; i < view.n_bins; i++)
      if (view.counts[i] > 0)
        {
          densities[n] = view.counts[i] / (view.n_values * (view.edges[i + 1] - view.edges[i]));
          if (densities[n] > highest)
            {
              highest = densities[n];
              tallest = g_array_index (bars, Bar, n).height;
            }
          n++;
        }
    g_assert_cmpuint (bars->len, ==, n);
    for (guint i = 0; i < n; i++)
      g_assert_cmpfloat_with_epsilon (g_array_index (bars, Bar, i).height, densities[i] / highest * tallest, 1.5);
  }

  /* A highlight per spike: rug ticks in range, arrows beyond (the legend's
   * swatch is the one more accent fill). */
  rug = qks_test_svg_paths_count_strokes (svg, &style.spike, 0);
  arrows = qks_test_svg_paths_count_fills (svg, &style.spike) - 1;
  g_assert_cmpuint (rug, ==, 2);
  g_assert_cmpuint (arrows, ==, 1);
  g_assert_cmpuint (rug + arrows, ==, form.fit.n_spikes);

  /* The lines, each once in the figure and once in the legend: MP solid,
   * the null dashed in another colour, λ₊ solid in the null's colour,
   * λ_thr dashed in the foreground. */
  g_assert_false (qks_plot_color_equal (&style.mp, &style.null_law, 0.1));
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.mp, 0), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.mp, 1), ==, 0);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.null_law, 1), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.edge, 0), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.threshold, 1), ==, 2);

  /* The text layer: title, axes, legend, the far spike's value. */
  mp_label = g_strdup_printf ("MP fit, σ² = %.3g, c = %.3g", form.mp_fit.sigma2, form.mp_fit.c);
  threshold_label = g_strdup_printf ("Threshold %.3g, TW edge 99 %%", form.fit.lambda_threshold);
  spikes_label = g_strdup_printf ("Spikes above threshold: %u", form.fit.n_spikes);
  edge_label = g_strdup_printf ("Bulk edge λ₊ = %.3g", form.fit.lambda_plus);
  qks_test_svg_paths_assert_text (svg, "Layer 2 · QK form · step 400");
  qks_test_svg_paths_assert_text (svg, "Normalised eigenvalue λ/mean λ");
  qks_test_svg_paths_assert_text (svg, "Density");
  qks_test_svg_paths_assert_text (svg, mp_label);
  qks_test_svg_paths_assert_text (svg, "Null: product law");
  qks_test_svg_paths_assert_text (svg, edge_label);
  qks_test_svg_paths_assert_text (svg, threshold_label);
  qks_test_svg_paths_assert_text (svg, spikes_label);
  g_assert_true (qks_test_svg_paths_has_text_prefix (svg, "Spike at "));
}

/* The bins: within bounds, λ_thr on an edge, every value counted once. */
static void
check_view (const QksPlotEsdView *view,
            const double         *values,
            gsize                 n,
            double                threshold)
{
  gsize counted = 0, beyond = 0;
  double mean = 0.0;

  g_assert_cmpuint (view->n_bins, >=, QKS_PLOT_ESD_MIN_BINS);
  g_assert_cmpuint (view->n_bins, <=, QKS_PLOT_ESD_MAX_BINS);
  for (guint i = 0; i < view->n_bins; i++)
    {
      g_assert_cmpfloat (view->edges[i + 1], >, view->edges[i]);
      counted += view->counts[i];
    }
  for (gsize i = 0; i < n; i++)
    mean += values[i] / n;
  for (gsize i = 0; i < n; i++)
    beyond += values[i] / mean > view->edges[view->n_bins];
  g_assert_cmpuint (counted + beyond, ==, n);
  g_assert_cmpfloat_with_epsilon (view->mean, mean, 1e-12 * mean);
  g_assert_cmpfloat (view->y_max, >, 0.0);

  if (isfinite (threshold) && threshold > view->edges[0] && threshold < view->edges[view->n_bins])
    {
      g_assert_cmpuint (view->first_spike_bin, <, view->n_bins);
      g_assert_cmpfloat_with_epsilon (view->edges[view->first_spike_bin], threshold, 1e-9 * threshold);
    }
}

static void
test_esd_bins (void)
{
  static const gsize sizes[] = { 2, 5, 64, 1000, 20000 };
  static const double thetas[] = { 2.0 };
  Form form;
  QksPlotEsdView view;

  make_spiky_form (&form);
  g_assert_true (qks_plot_esd_compute_view (&form.data, &view, NULL));
  check_view (&view, form.lambda, D_HEAD, form.fit.lambda_threshold);
  form.data.x_scale = QKS_PLOT_SCALE_LOG;
  g_assert_true (qks_plot_esd_compute_view (&form.data, &view, NULL));
  check_view (&view, form.lambda, D_HEAD, form.fit.lambda_threshold);
  /* A log axis shows every spike. */
  g_assert_cmpuint (view.n_beyond, ==, 0);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint scale = 0; scale < 2; scale++)
      {
        g_autofree double *values = g_new (double, sizes[s]);
        QksPlotEsdData data = { 0 };
        QksRng rng;

        qks_rng_init (&rng, sizes[s]);
        for (gsize i = 0; i < sizes[s]; i++)
          values[i] = 0.1 + qks_rng_uniform (&rng);
        data.eigenvalues = values;
        data.n_eigenvalues = sizes[s];
        data.lambda_threshold = 1.7;
        data.x_scale = scale ? QKS_PLOT_SCALE_LOG : QKS_PLOT_SCALE_LINEAR;
        g_assert_true (qks_plot_esd_compute_view (&data, &view, NULL));
        check_view (&view, values, sizes[s], data.lambda_threshold);
      }

  /* Identical values: no spread for Freedman–Diaconis, still bins. */
  {
    double same[] = { 3.0, 3.0, 3.0, 3.0 };
    QksPlotEsdData data = { .eigenvalues = same, .n_eigenvalues = G_N_ELEMENTS (same),
                            .lambda_threshold = NAN, .sigma2 = NAN, .lambda_plus = NAN };

    g_assert_true (qks_plot_esd_compute_view (&data, &view, NULL));
    check_view (&view, same, G_N_ELEMENTS (same), NAN);
    data.x_scale = QKS_PLOT_SCALE_LOG;
    g_assert_true (qks_plot_esd_compute_view (&data, &view, NULL));
    check_view (&view, same, G_N_ELEMENTS (same), NAN);
  }

  /* An MP sample, with a planted outlier. */
  {
    g_autofree double *values = make_mp (7, 400, 100, thetas, G_N_ELEMENTS (thetas));
    QksPlotEsdData data = { .eigenvalues = values, .n_eigenvalues = 100, .lambda_threshold = 2.0,
                            .sigma2 = NAN, .lambda_plus = NAN };

    g_assert_true (qks_plot_esd_compute_view (&data, &view, NULL));
    check_view (&view, values, 100, 2.0);
  }
}

/* A log axis, and plain MP as the null: one curve for both. */
static void
test_esd_log_mp_null (void)
{
  static const double thetas[] = { 1.5, 2.5 };
  g_autofree double *values = make_mp (11, 512, 128, thetas, G_N_ELEMENTS (thetas));
  g_autoptr(QksTestSvgPaths) svg = NULL;
  g_autofree char *merged = NULL;
  g_autoptr(GError) error = NULL;
  QksPlotEsdStyle style;
  QksPlotEsdView view;
  QksSpectrumFit fit;
  QksPlotEsdData data;
  Figure figure;

  g_assert_true (qks_spectrum_fit (values, 128, 512, 128, NULL, &fit, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fit.n_spikes, ==, 2);
  data = (QksPlotEsdData) {
    .title = "Plain MP · log axis",
    .eigenvalues = values,
    .n_eigenvalues = 128,
    .mp_sigma2 = fit.sigma2,
    .mp_c = fit.c,
    .null_law = fit.null_name,
    .threshold = fit.threshold_name,
    .sigma2 = fit.sigma2,
    .lambda_plus = fit.lambda_plus,
    .lambda_threshold = fit.lambda_threshold,
    .x_scale = QKS_PLOT_SCALE_LOG,
  };
  qks_plot_theme_init_dark (&figure.theme);
  qks_plot_esd_get_style (&figure.theme, &style);
  figure.data = &data;

  g_assert_true (qks_plot_esd_compute_view (&data, &view, NULL));
  g_assert_cmpuint (view.n_beyond, ==, 0);
  svg = qks_test_svg_paths_render (draw_esd, &figure, WIDTH, HEIGHT);
  merged = g_strdup_printf ("MP fit = null, σ² = %.3g, c = %.3g", fit.sigma2, fit.c);
  qks_test_svg_paths_assert_text (svg, merged);
  qks_test_svg_paths_assert_text (svg, "Density per decade");
  g_assert_true (qks_test_svg_paths_has_text_prefix (svg, "Threshold "));
  g_assert_false (qks_test_svg_paths_has_text_prefix (svg, "Null:"));
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.mp, 0), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.null_law, 1), ==, 0);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.spike, 0), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.spike), ==, 1);
}

/* Malformed data ------------------------------------------------------------- */

typedef struct
{
  const char *what;
  double      values[4];
  gsize       n;
  gboolean    null_values;
  QksPlotScale scale;
  const char *message;
} Malformed;

static void
test_esd_malformed (void)
{
  static const Malformed cases[] = {
    { "no values", { 0 }, 0, TRUE, QKS_PLOT_SCALE_LINEAR, "No spectrum at this step yet" },
    { "a length but no array", { 0 }, 3, TRUE, QKS_PLOT_SCALE_LINEAR, "No spectrum at this step yet" },
    { "one value", { 1.0 }, 1, FALSE, QKS_PLOT_SCALE_LINEAR,
      "A single eigenvalue makes no histogram: a spectrum needs at least two" },
    { "NaN", { 1.0, NAN, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR, "The spectrum holds NaN or infinite values" },
    { "infinity", { 1.0, INFINITY, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR, "The spectrum holds NaN or infinite values" },
    { "negative", { 1.0, -0.5, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The spectrum holds negative values, which no eigenvalue s²/N can be" },
    { "zero on a log axis", { 1.0, 0.0, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LOG,
      "A logarithmic axis cannot show zero or negative eigenvalues: use a linear axis" },
    { "negative on a log axis", { 1.0, -1.0, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LOG,
      "A logarithmic axis cannot show zero or negative eigenvalues: use a linear axis" },
    { "all zero", { 0.0, 0.0, 0.0 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "Every eigenvalue is zero: there is no spectrum to normalise" },
    { "huge", { 1.0, 2.0, 1e301 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The spectrum spans more orders of magnitude than a figure can show" },
    { "tiny on a log axis", { 1e-305, 1.0, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LOG,
      "The spectrum spans more orders of magnitude than a figure can show" },
    { "tiny after normalising, on a log axis", { 1e-200, 1e150, 2.0 }, 3, FALSE, QKS_PLOT_SCALE_LOG,
      "The spectrum spans more orders of magnitude than a figure can show" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QksTestSvgPaths) svg = NULL;
      QksPlotEsdData data = {
        .title = "Layer 1 · QK form",
        .eigenvalues = cases[i].null_values ? NULL : cases[i].values,
        .n_eigenvalues = cases[i].n,
        .mp_sigma2 = 1.0, .mp_c = 0.5, .null_law = "mp", .sigma2 = 1.0,
        .lambda_plus = 2.9, .lambda_threshold = 3.0,
        .x_scale = cases[i].scale,
      };
      QksPlotEsdStyle style;
      QksPlotEsdView view;
      const char *message = NULL;
      Figure figure;

      g_test_message ("malformed: %s", cases[i].what);
      g_assert_false (qks_plot_esd_compute_view (&data, &view, &message));
      g_assert_cmpstr (message, ==, cases[i].message);

      qks_plot_theme_init_light (&figure.theme);
      qks_plot_esd_get_style (&figure.theme, &style);
      figure.data = &data;
      svg = qks_test_svg_paths_render (draw_esd, &figure, WIDTH, HEIGHT);
      qks_test_svg_paths_assert_text (svg, cases[i].message);
      qks_test_svg_paths_assert_text (svg, "Layer 1 · QK form");
      g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.bulk), ==, 0);
      g_assert_false (qks_test_svg_paths_has_text (svg, "Density"));
    }

  /* No data at all. */
  {
    g_autoptr(QksTestSvgPaths) svg = NULL;
    Figure figure = { .data = NULL };

    qks_plot_theme_init_light (&figure.theme);
    svg = qks_test_svg_paths_render (draw_esd, &figure, WIDTH, HEIGHT);
    qks_test_svg_paths_assert_text (svg, "No spectrum at this step yet");
  }
}

/* A fit that is missing or broken leaves its marks out, not the histogram. */
static void
test_esd_broken_fit (void)
{
  static const double bad_x[] = { 0.5, 0.4, 2.0 };  /* not ascending */
  static const double bad_density[] = { 0.1, NAN, 0.2 };
  Form form;
  Figure figure;
  QksPlotEsdStyle style;
  QksPlotEsdView view;

  make_spiky_form (&form);
  form.data.mp_sigma2 = NAN;
  form.data.mp_c = 3.0;
  form.data.sigma2 = -1.0;
  form.data.lambda_plus = INFINITY;
  form.data.lambda_threshold = NAN;
  form.data.null_x = bad_x;
  form.data.null_density = bad_density;
  form.data.n_null = G_N_ELEMENTS (bad_x);
  qks_plot_theme_init_light (&figure.theme);
  qks_plot_esd_get_style (&figure.theme, &style);
  figure.data = &form.data;

  g_assert_true (qks_plot_esd_compute_view (&form.data, &view, NULL));
  g_assert_cmpuint (view.n_spikes, ==, 0);
  g_assert_cmpuint (view.first_spike_bin, ==, view.n_bins);
  {
    g_autoptr(QksTestSvgPaths) svg = qks_test_svg_paths_render (draw_esd, &figure, WIDTH, HEIGHT);

    g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.bulk), ==, non_empty_bins (&view, 0, view.n_bins));
    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.mp, -1), ==, 0);
    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.null_law, -1), ==, 0);
    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.spike, -1), ==, 0);
    qks_test_svg_paths_assert_text (svg, "Density");
  }

  /* A valid table with the threshold back: the null is drawn from it. */
  make_spiky_form (&form);
  form.data.n_null = 1;
  {
    g_autoptr(QksTestSvgPaths) svg = qks_test_svg_paths_render (draw_esd, &figure, WIDTH, HEIGHT);

    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.null_law, 1), ==, 0);
    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.threshold, 1), ==, 2);
  }
}

/* The grid ---------------------------------------------------------------- */

static void
test_esd_grid (void)
{
  static const double strengths[][2] = { { 0.0, 0.0 }, { 5.0, 0.0 }, { 4.5, 6.0 } };
  static const guint planted[] = { 0, 1, 2 };
  Form forms[3];
  QksPlotEsdData panels[4];
  QksPlotEsdGridData grid;
  QksPlotEsdStyle style;
  Figure figure;
  g_autoptr(QksTestSvgPaths) svg = NULL;
  guint spikes = 0;
  double broken[] = { 1.0, NAN };

  for (guint i = 0; i < 3; i++)
    {
      make_form (&forms[i], 100 + i, strengths[i], planted[i]);
      panels[i] = forms[i].data;
      spikes += forms[i].fit.n_spikes;
    }
  g_assert_cmpuint (spikes, >=, 3);
  panels[0].title = "Layer 1";
  panels[1].title = "Layer 2";
  panels[2].title = "Layer 3";
  panels[3] = (QksPlotEsdData) { .title = "Layer 4", .eigenvalues = broken, .n_eigenvalues = 2 };
  grid = (QksPlotEsdGridData) { .title = "QK forms · step 400", .panels = panels, .n_panels = 4 };

  qks_plot_theme_init_light (&figure.theme);
  qks_plot_esd_get_style (&figure.theme, &style);
  figure.grid = &grid;
  svg = qks_test_svg_paths_render (draw_grid, &figure, 720.0, 480.0);

  qks_test_svg_paths_assert_text (svg, "QK forms · step 400");
  for (guint i = 0; i < 4; i++)
    qks_test_svg_paths_assert_text (svg, panels[i].title);
  qks_test_svg_paths_assert_text (svg, "Cannot draw this spectrum");
  qks_test_svg_paths_assert_text (svg, "Normalised eigenvalue λ/mean λ");
  qks_test_svg_paths_assert_text (svg, "Density");
  qks_test_svg_paths_assert_text (svg, "Spikes");
  qks_test_svg_paths_assert_text (svg, "MP fit");
  qks_test_svg_paths_assert_text (svg, "Null: product law");
  qks_test_svg_paths_assert_text (svg, "Bulk edge λ₊");
  qks_test_svg_paths_assert_text (svg, "Threshold, TW edge 99 %");
  qks_test_svg_paths_assert_text (svg, "0 spikes");

  /* Three panels' curves and marks, and the shared legend's swatches. */
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.mp, 0), ==, 3 + 1);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.null_law, 1), ==, 3 + 1);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.threshold, 1), ==, 3 + 1);
  /* A highlight per spike in every panel, plus the legend's patch. */
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.spike, 0) + qks_test_svg_paths_count_fills (svg, &style.spike),
                    ==, spikes + 1);
  g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.bulk), >=, 3 * QKS_PLOT_ESD_MIN_BINS / 2);

  /* Tooltips: over a bar, its panel and its count, recounted here from the
   * panel's own eigenvalues; every panel is found, and the panel picked
   * (for a click) is the one named. */
  {
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 720, 480);
    cairo_t *cr = cairo_create (surface);
    gboolean seen[4] = { FALSE };
    guint n_bars = 0;

    for (double y = 0.5; y < 480.0; y += 8.0)
      for (double x = 0.5; x < 720.0; x += 4.0)
        {
          int panel = -2;
          g_autofree char *text = qks_plot_esd_grid_query (cr, 720.0, 480.0, &figure.theme, &grid, x, y, &panel);
          const QksPlotEsdData *d;
          double lo, hi, mean = 0.0;
          guint layer, count, narrow = 0, wide = 0;
          gsize n;

          if (text == NULL)
            {
              g_assert_cmpint (panel, ==, -1);
              continue;
            }
          g_assert_cmpint (sscanf (text, "Layer %u", &layer), ==, 1);
          g_assert_cmpuint (layer - 1, <, 4);
          g_assert_cmpint (panel, ==, (int) layer - 1);
          seen[layer - 1] = TRUE;
          if (sscanf (strchr (text, '\n') + 1, "λ/mean λ %lf to %lf: %u of %zu", &lo, &hi, &count, &n) != 4)
            continue;
          d = &panels[layer - 1];
          for (gsize k = 0; k < d->n_eigenvalues; k++)
            mean += d->eigenvalues[k] / d->n_eigenvalues;
          for (gsize k = 0; k < d->n_eigenvalues; k++)
            {
              double v = d->eigenvalues[k] / mean;

              narrow += v > lo * 1.002 && v <= hi * 0.998;
              wide += v > lo * 0.998 && v <= hi * 1.002;
            }
          g_assert_cmpuint (count, >=, narrow);
          g_assert_cmpuint (count, <=, wide);
          g_assert_cmpuint (n, ==, d->n_eigenvalues);
          n_bars++;
        }
    for (guint i = 0; i < 4; i++)
      g_assert_true (seen[i]);
    g_assert_cmpuint (n_bars, >, 20);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }

  /* Empty grids and grids with nothing drawable. */
  {
    QksPlotEsdGridData empty = { .title = "QK forms", .panels = NULL, .n_panels = 0 };
    g_autoptr(QksTestSvgPaths) empty_svg = NULL;

    figure.grid = &empty;
    empty_svg = qks_test_svg_paths_render (draw_grid, &figure, 720.0, 480.0);
    qks_test_svg_paths_assert_text (empty_svg, "No spectra at this step yet");
  }
  {
    QksPlotEsdGridData bad = { .title = "QK forms", .panels = &panels[3], .n_panels = 1 };
    g_autoptr(QksTestSvgPaths) bad_svg = NULL;

    figure.grid = &bad;
    bad_svg = qks_test_svg_paths_render (draw_grid, &figure, 720.0, 480.0);
    qks_test_svg_paths_assert_text (bad_svg, "The spectrum holds NaN or infinite values");
  }
  {
    g_autoptr(QksTestSvgPaths) small_svg = NULL;

    figure.grid = &grid;
    small_svg = qks_test_svg_paths_render (draw_grid, &figure, 120.0, 90.0);
    qks_test_svg_paths_assert_text (small_svg, "The figure is too small for one panel per layer");
  }
  /* 32 layers, as a 7B model has: a panel too narrow for its title and
   * "N spikes" shows only the counts that are not 0, not cut words. */
  {
    QksPlotEsdData many[32];
    char titles[32][16];
    QksPlotEsdGridData crowded = { .title = "QK forms", .panels = many, .n_panels = 32 };
    g_autoptr(QksTestSvgPaths) crowded_svg = NULL;

    for (guint i = 0; i < 32; i++)
      {
        many[i] = forms[i % 3].data;
        g_snprintf (titles[i], sizeof titles[i], "Layer %u", i);
        many[i].title = titles[i];
      }
    figure.grid = &crowded;
    crowded_svg = qks_test_svg_paths_render (draw_grid, &figure, 700.0, 480.0);
    qks_test_svg_paths_assert_text (crowded_svg, "Layer 31");
    g_assert_false (qks_test_svg_paths_has_text_prefix (crowded_svg, "0 spike"));
    g_assert_false (qks_test_svg_paths_has_text_prefix (crowded_svg, "1 spike"));
    g_assert_false (qks_test_svg_paths_has_text_prefix (crowded_svg, "2 spike"));
    g_assert_false (qks_test_svg_paths_has_text_prefix (crowded_svg, "3 spike"));
    for (guint i = 0; i < 3; i++)
      if (forms[i].fit.n_spikes > 0)
        {
          g_autofree char *count = g_strdup_printf ("%u", forms[i].fit.n_spikes);

          qks_test_svg_paths_assert_text (crowded_svg, count);
        }
  }
}

/* Reference images --------------------------------------------------------- */

static void
test_esd_reference (void)
{
  Form form;
  Figure figure;

  make_spiky_form (&form);
  qks_plot_theme_init_light (&figure.theme);
  figure.data = &form.data;
  qks_test_check_reference ("esd-light-1x", draw_esd, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("esd-light-2x", draw_esd, &figure, WIDTH, HEIGHT, 2.0);
}

static void
test_esd_grid_reference (void)
{
  static const double strengths[][2] = { { 0.0, 0.0 }, { 5.0, 0.0 }, { 4.5, 6.0 }, { 16.0, 0.0 } };
  static const guint planted[] = { 0, 1, 2, 1 };
  static const char *titles[] = { "Layer 1", "Layer 2", "Layer 3", "Layer 4" };
  Form forms[4];
  QksPlotEsdData panels[4];
  QksPlotEsdGridData grid;
  Figure figure;

  for (guint i = 0; i < 4; i++)
    {
      make_form (&forms[i], 100 + i, strengths[i], planted[i]);
      panels[i] = forms[i].data;
      panels[i].title = titles[i];
    }
  grid = (QksPlotEsdGridData) { .title = "QK forms · step 400", .panels = panels, .n_panels = 4 };
  qks_plot_theme_init_dark (&figure.theme);
  figure.grid = &grid;
  qks_test_check_reference ("esd-grid-dark-1x", draw_grid, &figure, 640.0, 440.0, 1.0);
  qks_test_check_reference ("esd-grid-dark-2x", draw_grid, &figure, 640.0, 440.0, 2.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/esd/marks", test_esd_marks);
  g_test_add_func ("/plot/esd/bins", test_esd_bins);
  g_test_add_func ("/plot/esd/log-mp-null", test_esd_log_mp_null);
  g_test_add_func ("/plot/esd/malformed", test_esd_malformed);
  g_test_add_func ("/plot/esd/broken-fit", test_esd_broken_fit);
  g_test_add_func ("/plot/esd/grid", test_esd_grid);
  g_test_add_func ("/plot/esd/reference", test_esd_reference);
  g_test_add_func ("/plot/esd/grid-reference", test_esd_grid_reference);

  return g_test_run ();
}
