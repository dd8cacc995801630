/* test-plot-bulk-mass.c: bulk and spike mass over training
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "plot-reference.h"
#include "plot-svg-paths.h"
#include "qks-plot-bulk-mass.h"
#include "qks-rng.h"

#define WIDTH    480.0
#define HEIGHT   300.0
#define N_STEPS  30

typedef struct
{
  QksPlotTheme               theme;
  const QksPlotBulkMassData *data;
} Figure;

typedef struct
{
  double              steps[N_STEPS];
  double              mass[N_STEPS];
  QksPlotBulkMassData data;
} Series;

/* Log-spaced snapshots from step 0; a spike grows in after ~100 steps. */
static void
make_series (Series *series)
{
  QksRng rng;

  qks_rng_init (&rng, 5);
  for (guint s = 0; s < N_STEPS; s++)
    {
      double step = s == 0 ? 0.0 : round (pow (10.0, 3.3 * s / (N_STEPS - 1.0)));
      double grow = 1.0 / (1.0 + exp (-(log10 (step + 1.0) - 2.0) * 4.0));

      series->steps[s] = step;
      series->mass[s] = CLAMP (0.02 + 0.4 * grow + 0.02 * (qks_rng_uniform (&rng) - 0.5), 0.0, 1.0);
    }
  series->data = (QksPlotBulkMassData) {
    .title = "Layer 2 · QK form",
    .steps = series->steps,
    .spike_mass = series->mass,
    .n_steps = N_STEPS,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
  };
}

static void
draw_bulk_mass (cairo_t  *cr,
                double    width,
                double    height,
                gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_bulk_mass_draw (cr, width, height, &figure->theme, figure->data);
}

/* The x coordinates of a polyline "M x y L x y …". */
static GArray *
path_xs (const char *d)
{
  GArray *xs = g_array_new (FALSE, FALSE, sizeof (double));
  const char *p = d;

  while (*p != '\0')
    {
      double x, y;
      int used = 0;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;
      g_assert_true (*p == 'M' || *p == 'L');
      g_assert_cmpint (sscanf (p + 1, " %lf %lf%n", &x, &y, &used), ==, 2);
      g_array_append_val (xs, x);
      p += 1 + used;
    }
  return xs;
}

static void
check_figure (const QksPlotBulkMassData *data,
              gboolean                   dark,
              gsize                      n_points)
{
  g_autoptr(QksTestSvgPaths) svg = NULL;
  QksPlotBulkMassStyle style;
  const QksTestSvgPathsPath *line;
  Figure figure;
  guint markers = 0;

  if (dark)
    qks_plot_theme_init_dark (&figure.theme);
  else
    qks_plot_theme_init_light (&figure.theme);
  qks_plot_bulk_mass_get_style (&figure.theme, &style);
  figure.data = data;
  svg = qks_test_svg_paths_render (draw_bulk_mass, &figure, WIDTH, HEIGHT);

  /* Two stacked areas, each with its legend swatch. */
  g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.spike_area), ==, 2);
  g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.bulk), ==, 2);

  /* The line at η, through the steps from left to right. */
  g_assert_cmpuint (qks_test_svg_paths_count_strokes (svg, &style.spike, 0), ==, 1);
  line = qks_test_svg_paths_find_stroke (svg, &style.spike, 0, 0);
  {
    g_autoptr(GArray) xs = path_xs (line->d);

    /* cairo merges collinear segments: at most a vertex per step. */
    g_assert_cmpuint (xs->len, <=, data->n_steps);
    g_assert_cmpuint (xs->len, >, data->n_steps / 2);
    for (guint i = 1; i < xs->len; i++)
      g_assert_cmpfloat (g_array_index (xs, double, i), >=, g_array_index (xs, double, i - 1));
  }

  /* A point per step while they are few. */
  for (guint i = 0; i < svg->paths->len; i++)
    {
      const QksTestSvgPathsPath *path = g_ptr_array_index (svg->paths, i);

      if (path->filled && qks_plot_color_equal (&path->fill, &style.spike, 0.003))
        markers += qks_test_svg_paths_count_moves (path);
    }
  g_assert_cmpuint (markers, ==, n_points);

  qks_test_svg_paths_assert_text (svg, data->title);
  qks_test_svg_paths_assert_text (svg, "Training step");
  qks_test_svg_paths_assert_text (svg, "Spectral mass Σλ (%)");
  qks_test_svg_paths_assert_text (svg, "Bulk mass 1 − η");
  qks_test_svg_paths_assert_text (svg, "Spike mass η");
}

static void
test_bulk_mass_linear (void)
{
  Series series;

  make_series (&series);
  check_figure (&series.data, FALSE, N_STEPS);
  check_figure (&series.data, TRUE, N_STEPS);
}

static void
test_bulk_mass_log (void)
{
  Series series;
  QksPlotBulkMassData data;

  make_series (&series);
  data = series.data;
  data.x_scale = QKS_PLOT_SCALE_LOG;

  /* Step 0 has no place on a log axis. */
  {
    g_autoptr(QksTestSvgPaths) svg = NULL;
    Figure figure = { .data = &data };

    qks_plot_theme_init_light (&figure.theme);
    svg = qks_test_svg_paths_render (draw_bulk_mass, &figure, WIDTH, HEIGHT);
    qks_test_svg_paths_assert_text (svg, "Step 0 or a negative step cannot sit on a logarithmic axis: use a linear one");
  }

  data.steps = series.steps + 1;
  data.spike_mass = series.mass + 1;
  data.n_steps = N_STEPS - 1;
  check_figure (&data, FALSE, N_STEPS - 1);
}

/* Steps in any order are drawn in order; many steps lose their points. */
static void
test_bulk_mass_order (void)
{
  Series series;
  double steps[N_STEPS], mass[N_STEPS];
  QksPlotBulkMassData data;
  g_autofree double *many_steps = g_new (double, 200);
  g_autofree double *many_mass = g_new (double, 200);

  make_series (&series);
  for (guint i = 0; i < N_STEPS; i++)
    {
      guint from = (i * 7) % N_STEPS;

      steps[i] = series.steps[from];
      mass[i] = series.mass[from];
    }
  data = series.data;
  data.steps = steps;
  data.spike_mass = mass;
  check_figure (&data, FALSE, N_STEPS);

  for (guint i = 0; i < 200; i++)
    {
      many_steps[i] = 10.0 * i;
      many_mass[i] = 0.5 + 0.4 * sin (i / 20.0);
    }
  data.steps = many_steps;
  data.spike_mass = many_mass;
  data.n_steps = 200;
  g_assert_cmpuint (data.n_steps, >, QKS_PLOT_BULK_MASS_MAX_POINTS);
  check_figure (&data, FALSE, 0);
}

static void
test_bulk_mass_malformed (void)
{
  static const struct
  {
    const char *what;
    double      steps[3];
    double      mass[3];
    gsize       n;
    gboolean    null_arrays;
    QksPlotScale scale;
    const char *message;
  } cases[] = {
    { "no steps", { 0 }, { 0 }, 0, TRUE, QKS_PLOT_SCALE_LINEAR, "No steps recorded yet" },
    { "a length but no arrays", { 0 }, { 0 }, 3, TRUE, QKS_PLOT_SCALE_LINEAR, "No steps recorded yet" },
    { "one step", { 10 }, { 0.2 }, 1, FALSE, QKS_PLOT_SCALE_LINEAR,
      "One step recorded: the balance over training needs at least two" },
    { "NaN step", { 0, NAN, 20 }, { 0.1, 0.2, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The steps hold NaN or infinite values" },
    { "infinite step", { 0, 10, INFINITY }, { 0.1, 0.2, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The steps hold NaN or infinite values" },
    { "NaN mass", { 0, 10, 20 }, { 0.1, NAN, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The spike mass holds NaN or infinite values" },
    { "infinite mass", { 0, 10, 20 }, { 0.1, 0.2, -INFINITY }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The spike mass holds NaN or infinite values" },
    { "mass above 1", { 0, 10, 20 }, { 0.1, 1.5, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "A spike mass lies outside 0 … 1, so it is no share of the spectrum" },
    { "negative mass", { 0, 10, 20 }, { 0.1, -0.2, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "A spike mass lies outside 0 … 1, so it is no share of the spectrum" },
    { "negative step on a log axis", { -5, 10, 20 }, { 0.1, 0.2, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LOG,
      "Step 0 or a negative step cannot sit on a logarithmic axis: use a linear one" },
    { "huge step", { 0, 10, 1e305 }, { 0.1, 0.2, 0.3 }, 3, FALSE, QKS_PLOT_SCALE_LINEAR,
      "The steps lie beyond the range a figure can show" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QksTestSvgPaths) svg = NULL;
      QksPlotBulkMassData data = {
        .title = "Layer 3 · QK form",
        .steps = cases[i].null_arrays ? NULL : cases[i].steps,
        .spike_mass = cases[i].null_arrays ? NULL : cases[i].mass,
        .n_steps = cases[i].n,
        .x_scale = cases[i].scale,
      };
      QksPlotBulkMassStyle style;
      Figure figure;

      g_test_message ("malformed: %s", cases[i].what);
      qks_plot_theme_init_light (&figure.theme);
      qks_plot_bulk_mass_get_style (&figure.theme, &style);
      figure.data = &data;
      svg = qks_test_svg_paths_render (draw_bulk_mass, &figure, WIDTH, HEIGHT);
      qks_test_svg_paths_assert_text (svg, cases[i].message);
      qks_test_svg_paths_assert_text (svg, "Layer 3 · QK form");
      g_assert_cmpuint (qks_test_svg_paths_count_fills (svg, &style.spike_area), ==, 0);
      g_assert_false (qks_test_svg_paths_has_text (svg, "Training step"));
    }

  {
    g_autoptr(QksTestSvgPaths) svg = NULL;
    Figure figure = { .data = NULL };

    qks_plot_theme_init_light (&figure.theme);
    svg = qks_test_svg_paths_render (draw_bulk_mass, &figure, WIDTH, HEIGHT);
    qks_test_svg_paths_assert_text (svg, "No steps recorded yet");
  }

  /* Rounding just past 0 or 1 is no error. */
  {
    double steps[] = { 0.0, 1.0 }, mass[] = { -1e-12, 1.0 + 1e-12 };
    QksPlotBulkMassData data = { .title = "Rounding", .steps = steps, .spike_mass = mass, .n_steps = 2 };
    g_autoptr(QksTestSvgPaths) svg = NULL;
    Figure figure = { .data = &data };

    qks_plot_theme_init_light (&figure.theme);
    svg = qks_test_svg_paths_render (draw_bulk_mass, &figure, WIDTH, HEIGHT);
    qks_test_svg_paths_assert_text (svg, "Training step");
  }
}

static void
test_bulk_mass_reference (void)
{
  Series series;
  QksPlotBulkMassData data;
  Figure figure;

  make_series (&series);
  data = series.data;
  data.steps = series.steps + 1;
  data.spike_mass = series.mass + 1;
  data.n_steps = N_STEPS - 1;
  data.x_scale = QKS_PLOT_SCALE_LOG;
  qks_plot_theme_init_light (&figure.theme);
  figure.data = &data;
  qks_test_check_reference ("bulk-mass-light-1x", draw_bulk_mass, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("bulk-mass-light-2x", draw_bulk_mass, &figure, WIDTH, HEIGHT, 2.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/bulk-mass/linear", test_bulk_mass_linear);
  g_test_add_func ("/plot/bulk-mass/log", test_bulk_mass_log);
  g_test_add_func ("/plot/bulk-mass/order", test_bulk_mass_order);
  g_test_add_func ("/plot/bulk-mass/malformed", test_bulk_mass_malformed);
  g_test_add_func ("/plot/bulk-mass/reference", test_bulk_mass_reference);

  return g_test_run ();
}
