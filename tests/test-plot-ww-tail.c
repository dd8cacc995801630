/* test-plot-ww-tail.c: the log–log tail with weightwatcher's power law
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "plot-reference.h"
#include "plot-svg-paths.h"
#include "qks-matrix.h"
#include "qks-plot-ww-tail.h"
#include "qks-rng.h"
#include "qks-ww.h"

#define WIDTH   480.0
#define HEIGHT  300.0
#define N_ROWS  400
#define N_COLS  160

typedef struct
{
  double             evals[N_COLS];
  QksWwMetrics       metrics;
  QksPlotWwTailData  data;
} Tail;

typedef struct
{
  QksPlotTheme             theme;
  const QksPlotWwTailData *data;
} Figure;

/* A matrix of Student-t entries (ν = 3): its ESD has a power-law tail,
 * fitted as the diagnostics fit it (SCIENCE.md b.5). */
static void
make_tail (Tail    *tail,
           guint64  seed)
{
  g_autoptr(QksMatrix) w = qks_matrix_new (N_ROWS, N_COLS);
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, seed);
  for (gsize i = 0; i < (gsize) N_ROWS * N_COLS; i++)
    {
      double chi2 = 0.0, z = qks_rng_normal (&rng);

      for (guint k = 0; k < 3; k++)
        {
          double g = qks_rng_normal (&rng);

          chi2 += g * g;
        }
      w->data[i] = z / sqrt (chi2 / 3.0) / sqrt ((double) N_ROWS);
    }
  g_assert_true (qks_matrix_squared_singular_values (w, tail->evals, &error));
  g_assert_no_error (error);
  g_assert_true (qks_ww_fit (tail->evals, N_COLS, N_ROWS, N_COLS, &tail->metrics, &error));
  g_assert_no_error (error);

  tail->data = (QksPlotWwTailData) {
    .title = "Layer 1 · W_O · step 400",
    .eigenvalues = tail->evals,
    .n_eigenvalues = N_COLS,
    .alpha = tail->metrics.alpha,
    .xmin = tail->metrics.xmin,
    .sigma = tail->metrics.alpha_sigma,
    .ks_distance = tail->metrics.ks_distance,
    .mode = QKS_PLOT_WW_TAIL_CCDF,
  };
}

static void
draw_tail (cairo_t  *cr,
           double    width,
           double    height,
           gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_ww_tail_draw (cr, width, height, &figure->theme, figure->data);
}

/* The one fill of @color holding the markers, or NULL. */
static const QksTestSvgPathsPath *
marker_path (const QksTestSvgPaths   *svg,
             const QksPlotColor *color)
{
  const QksTestSvgPathsPath *found = NULL;

  for (guint i = 0; i < svg->paths->len; i++)
    {
      const QksTestSvgPathsPath *path = g_ptr_array_index (svg->paths, i);

      /* The legend's swatch is a single marker; the figure's are many. */
      if (path->filled && qks_plot_color_equal (&path->fill, color, 0.003) &&
          (found == NULL || qks_test_svg_paths_count_moves (path) > qks_test_svg_paths_count_moves (found)))
        found = path;
    }
  return found;
}

static void
test_tail_ccdf (void)
{
  g_autoptr(QksTestSvgPaths) svg = NULL;
  g_autofree char *fit_label = NULL, *xmin_label = NULL, *tail_label = NULL;
  QksPlotWwTailStyle style;
  Figure figure;
  Tail tail;

  make_tail (&tail, 3);
  g_assert_cmpfloat (tail.metrics.alpha, >, 1.0);
  g_assert_cmpuint (tail.metrics.num_pl_spikes, >=, 5);
  g_assert_cmpuint (tail.metrics.num_pl_spikes, <, N_COLS);
  qks_plot_theme_init_light (&figure.theme);
  qks_plot_ww_tail_get_style (&figure.theme, &style);
  figure.data = &tail.data;
  svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);

  /* Every eigenvalue a point: those from xmin on in the tail's colour. */
  g_assert_nonnull (marker_path (svg, &style.tail));
  g_assert_nonnull (marker_path (svg, &style.body));
  g_assert_cmpuint (qks_test_svg_paths_count_moves (marker_path (svg, &style.tail)), ==, tail.metrics.num_pl_spikes);
  g_assert_cmpuint (qks_test_svg_paths_count_moves (marker_path (svg, &style.body)), ==,
                    N_COLS - tail.metrics.num_pl_spikes);

  /* The power law and xmin, each in the figure and the legend. */
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.fit, 0), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.xmin, 1), ==, 2);

  fit_label = g_strdup_printf ("Power law α = %.2f ± %.2f, KS %.3f", tail.metrics.alpha, tail.metrics.alpha_sigma,
                               tail.metrics.ks_distance);
  xmin_label = g_strdup_printf ("xmin = %.3g", tail.metrics.xmin);
  tail_label = g_strdup_printf ("Tail λ ≥ xmin, %zu values", tail.metrics.num_pl_spikes);
  qks_test_svg_paths_assert_text (svg, "Layer 1 · W_O · step 400");
  qks_test_svg_paths_assert_text (svg, "Eigenvalue λ");
  qks_test_svg_paths_assert_text (svg, "Fraction of eigenvalues ≥ λ");
  qks_test_svg_paths_assert_text (svg, fit_label);
  qks_test_svg_paths_assert_text (svg, xmin_label);
  qks_test_svg_paths_assert_text (svg, tail_label);
  qks_test_svg_paths_assert_text (svg, "Eigenvalues, n = 160");

  /* The fitted line's slope on the page is −(α − 1) on equal decades. */
  {
    const QksTestSvgPathsPath *line = qks_test_svg_paths_find_stroke (svg, &style.fit, 0, 0);
    double x0, y0, x1, y1;

    g_assert_nonnull (line);
    g_assert_cmpint (sscanf (line->d, "M %lf %lf L %lf %lf", &x0, &y0, &x1, &y1), ==, 4);
    g_assert_cmpfloat (x1, >, x0);
    g_assert_cmpfloat (y1, >, y0);  /* down the page */
  }
}

static void
test_tail_density (void)
{
  g_autoptr(QksTestSvgPaths) svg = NULL;
  QksPlotWwTailStyle style;
  Figure figure;
  Tail tail;
  guint points;

  make_tail (&tail, 3);
  tail.data.mode = QKS_PLOT_WW_TAIL_DENSITY;
  qks_plot_theme_init_dark (&figure.theme);
  qks_plot_ww_tail_get_style (&figure.theme, &style);
  figure.data = &tail.data;
  svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);

  /* A point per non-empty bin, 10 bins a decade. */
  points = qks_test_svg_paths_count_moves (marker_path (svg, &style.tail)) +
           qks_test_svg_paths_count_moves (marker_path (svg, &style.body));
  g_assert_cmpuint (points, >=, 5);
  g_assert_cmpuint (points, <=, 60);
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.fit, 0), ==, 2);
  qks_test_svg_paths_assert_text (svg, "Density");
  qks_test_svg_paths_assert_text (svg, "Eigenvalues, n = 160, binned");
}

/* A random-like α, and no fit at all. */
static void
test_tail_fits (void)
{
  QksPlotWwTailStyle style;
  Figure figure;
  Tail tail;

  make_tail (&tail, 3);
  qks_plot_theme_init_light (&figure.theme);
  qks_plot_ww_tail_get_style (&figure.theme, &style);
  figure.data = &tail.data;

  tail.data.alpha = 9.5;
  tail.data.sigma = NAN;
  tail.data.ks_distance = NAN;
  {
    g_autoptr(QksTestSvgPaths) svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);

    qks_test_svg_paths_assert_text (svg, "Power law α = 9.50 (random-like)");
  }

  tail.data.alpha = NAN;
  {
    g_autoptr(QksTestSvgPaths) svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);

    g_assert_null (marker_path (svg, &style.tail));
    g_assert_cmpuint (qks_test_svg_paths_count_moves (marker_path (svg, &style.body)), ==, N_COLS);
    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.fit, -1), ==, 0);
    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.xmin, 1), ==, 0);
    g_assert_false (qks_test_svg_paths_has_text_prefix (svg, "Power law"));
    qks_test_svg_paths_assert_text (svg, "Fraction of eigenvalues ≥ λ");
  }

  /* xmin beyond every value: nothing to fit. */
  tail.data.alpha = 3.0;
  tail.data.xmin = 1e9;
  {
    g_autoptr(QksTestSvgPaths) svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);

    g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.fit, -1), ==, 0);
  }
}

static void
test_tail_malformed (void)
{
  static const struct
  {
    const char *what;
    double      values[3];
    gsize       n;
    gboolean    null_values;
    const char *message;
  } cases[] = {
    { "no values", { 0 }, 0, TRUE, "No spectrum at this step yet" },
    { "one value", { 2.0 }, 1, FALSE, "A single eigenvalue has no tail: a spectrum needs at least two" },
    { "NaN", { 1.0, NAN, 3.0 }, 3, FALSE, "The spectrum holds NaN or infinite values" },
    { "infinity", { 1.0, -INFINITY, 3.0 }, 3, FALSE, "The spectrum holds NaN or infinite values" },
    { "zero", { 1.0, 0.0, 3.0 }, 3, FALSE, "The log–log tail cannot show zero or negative eigenvalues" },
    { "negative", { 1.0, -2.0, 3.0 }, 3, FALSE, "The log–log tail cannot show zero or negative eigenvalues" },
    { "tiny", { 1.0, 1e-310, 3.0 }, 3, FALSE, "The spectrum spans more orders of magnitude than a figure can show" },
    { "huge", { 1.0, 1.7e308, 3.0 }, 3, FALSE, "The spectrum spans more orders of magnitude than a figure can show" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QksTestSvgPaths) svg = NULL;
      QksPlotWwTailData data = {
        .title = "Layer 1 · W_O",
        .eigenvalues = cases[i].null_values ? NULL : cases[i].values,
        .n_eigenvalues = cases[i].n,
        .alpha = 3.0, .xmin = 1.0, .sigma = 0.5, .ks_distance = 0.1,
      };
      QksPlotWwTailStyle style;
      Figure figure;

      g_test_message ("malformed: %s", cases[i].what);
      qks_plot_theme_init_light (&figure.theme);
      qks_plot_ww_tail_get_style (&figure.theme, &style);
      figure.data = &data;
      svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);
      qks_test_svg_paths_assert_text (svg, cases[i].message);
      qks_test_svg_paths_assert_text (svg, "Layer 1 · W_O");
      g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.fit, -1), ==, 0);
      g_assert_false (qks_test_svg_paths_has_text (svg, "Eigenvalue λ"));
    }

  {
    g_autoptr(QksTestSvgPaths) svg = NULL;
    Figure figure = { .data = NULL };

    qks_plot_theme_init_light (&figure.theme);
    svg = qks_test_svg_paths_render (draw_tail, &figure, WIDTH, HEIGHT);
    qks_test_svg_paths_assert_text (svg, "No spectrum at this step yet");
  }
}

static void
test_tail_reference (void)
{
  Figure figure;
  Tail tail;

  make_tail (&tail, 3);
  qks_plot_theme_init_light (&figure.theme);
  figure.data = &tail.data;
  qks_test_check_reference ("ww-tail-light-1x", draw_tail, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("ww-tail-light-2x", draw_tail, &figure, WIDTH, HEIGHT, 2.0);
}

/* Tooltips: near a point its eigenvalue and the share at least as large,
 * counted here afresh, and whether it is at or above xmin; points are
 * found all along the curve; away from them none. */
static void
test_tail_query (void)
{
  Tail tail;
  QksPlotTheme theme;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 420);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *corner = NULL;
  guint n_texts = 0;

  make_tail (&tail, 11);
  qks_plot_theme_init_light (&theme);
  for (double y = 0.5; y < 420.0; y += 5.0)
    for (double x = 0.5; x < 640.0; x += 5.0)
      {
        g_autofree char *text = qks_plot_ww_tail_query (cr, 640.0, 420.0, &theme, &tail.data, x, y);
        double lambda, share;
        guint at_least = 0;
        char where[64] = "";

        if (text == NULL)
          continue;
        g_assert_cmpint (sscanf (text, "λ = %lf\n%lf of the eigenvalues are ≥ λ, %63[^\n]", &lambda, &share, where), ==, 3);
        for (guint i = 0; i < N_COLS; i++)
          at_least += tail.evals[i] >= lambda * (1.0 - 1e-4);
        g_assert_cmpfloat (fabs (share - (double) at_least / N_COLS), <, 1e-3 + 1.0 / N_COLS);
        g_assert_cmpstr (where, ==, lambda >= tail.metrics.xmin * (1.0 + 1e-4) ? "in the fitted tail"
                                   : lambda < tail.metrics.xmin * (1.0 - 1e-4) ? "below xmin" : where);
        n_texts++;
      }
  g_assert_cmpuint (n_texts, >, 40);
  corner = qks_plot_ww_tail_query (cr, 640.0, 420.0, &theme, &tail.data, 1.0, 1.0);
  g_assert_null (corner);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/ww-tail/ccdf", test_tail_ccdf);
  g_test_add_func ("/plot/ww-tail/query", test_tail_query);
  g_test_add_func ("/plot/ww-tail/density", test_tail_density);
  g_test_add_func ("/plot/ww-tail/fits", test_tail_fits);
  g_test_add_func ("/plot/ww-tail/malformed", test_tail_malformed);
  g_test_add_func ("/plot/ww-tail/reference", test_tail_reference);

  return g_test_run ();
}
