/* test-plot-step-heatmap.c: the heatmap of a metric per layer and step
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "plot-reference.h"
#include "plot-svg-lite.h"
#include "qks-plot-step-heatmap.h"

#define WIDTH    480.0
#define HEIGHT   300.0
#define N_LAYERS 6
#define N_STEPS  12

/* Every cell is a fill of its own, without a stroke. */
#define CELL_STYLE "stroke:none;fill-rule:nonzero;fill:rgb("

typedef struct
{
  QksPlotTheme       theme;
  QksStepHeatmapData data;
  double             steps[N_STEPS];
  double             values[N_LAYERS * N_STEPS];
} Figure;

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_step_heatmap_draw (cr, width, height, &figure->theme, &figure->data);
}

/* Diagnostics at 0, 1, 2, 4 … 32 then every 50; spikes that appear early
 * in layers 1 and 3; the top layer's last step still being computed. */
static void
figure_init (Figure *figure)
{
  static const double steps[N_STEPS] = { 0, 1, 2, 4, 8, 16, 32, 50, 100, 150, 200, 250 };

  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  memcpy (figure->steps, steps, sizeof steps);
  for (guint l = 0; l < N_LAYERS; l++)
    for (guint i = 0; i < N_STEPS; i++)
      {
        double onset = (l == 1 || l == 3) ? 4.0 : 8.0 + l;

        figure->values[l * N_STEPS + i] = i >= onset ? floor ((i - onset + 1) * (l == 3 ? 1.5 : 0.7)) : 0.0;
      }
  figure->values[(N_LAYERS - 1) * N_STEPS + N_STEPS - 1] = NAN;

  figure->data.title = "Spikes · MHA";
  figure->data.value_label = "Spikes";
  figure->data.n_layers = N_LAYERS;
  figure->data.steps = figure->steps;
  figure->data.n_steps = N_STEPS;
  figure->data.values = figure->values;
  figure->data.n_values = N_LAYERS * N_STEPS;
}

static char *
missing_style (void)
{
  QksPlotColor missing = qks_plot_colormap_missing ();
  g_autofree char *rgb = qks_svg_rgb (missing.red, missing.green, missing.blue);

  return g_strconcat ("fill:", rgb, NULL);
}

static void
test_step_heatmap_svg (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;
  g_autofree char *missing = missing_style ();

  figure_init (&figure);
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  /* A cell per layer and step, one of them in the missing grey. */
  g_assert_cmpuint (qks_svg_count_paths (scan, CELL_STYLE, NULL), ==, N_LAYERS * N_STEPS);
  g_assert_cmpuint (qks_svg_count_paths (scan, CELL_STYLE, missing, NULL), ==, 1);
  /* No current step asked for: no outline. */
  g_assert_cmpuint (qks_svg_count_paths (scan, "stroke-width:3;", NULL), ==, 0);

  qks_svg_assert_text (scan, "Spikes · MHA");
  qks_svg_assert_text (scan, "Layer");
  qks_svg_assert_text (scan, "Training step (a column per recorded step)");
  qks_svg_assert_text (scan, "Spikes");
  /* Layers from 0; step 0 always labelled. */
  qks_svg_assert_text (scan, "0");
  qks_svg_assert_text (scan, "5");
  qks_svg_assert_text (scan, "100");
}

static void
test_step_heatmap_layer_labels (void)
{
  static const char * const names[N_LAYERS] = { "emb+1", "L2", "L3", "L4", "L5", "top" };
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  figure.data.layer_labels = names;
  figure.data.n_layer_labels = N_LAYERS;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  qks_svg_assert_text (scan, "emb+1");
  qks_svg_assert_text (scan, "top");
}

/* Columns to scale on log(1 + step): each from its step to the next. */
static void
test_step_heatmap_span_columns (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  figure.data.columns = QKS_STEP_COLUMNS_SPAN;
  figure.data.x_scale = QKS_PLOT_SCALE_LOG1P;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  g_assert_cmpuint (qks_svg_count_paths (scan, CELL_STYLE, NULL), ==, N_LAYERS * N_STEPS);
  qks_svg_assert_text (scan, "Training step");
  qks_svg_assert_text (scan, "0");
  qks_svg_assert_text (scan, "1");
  qks_svg_assert_text (scan, "10");
  qks_svg_assert_text (scan, "100");
}

/* The style of the cell of @layer at column @column. */
static char *
cell_style (Figure *figure,
            guint   layer,
            guint   column)
{
  g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, figure, WIDTH, HEIGHT);
  guint seen = 0;

  /* Cells are drawn column by column, the first layer first. */
  for (guint i = 0; i < scan->paths->len; i++)
    if (strstr (g_ptr_array_index (scan->paths, i), CELL_STYLE) != NULL)
      if (seen++ == column * figure->data.n_layers + layer)
        return g_strdup (g_ptr_array_index (scan->paths, i));
  g_assert_not_reached ();
}

/* Two runs on one colour scale: a value has the same colour in both,
 * whatever else each run holds; on their own scales it would not. */
static void
test_step_heatmap_shared_scale (void)
{
  Figure a, b;
  g_autofree char *a_own = NULL, *b_own = NULL, *a_shared = NULL, *b_shared = NULL;

  figure_init (&a);
  figure_init (&b);
  for (guint i = 0; i < N_LAYERS * N_STEPS; i++)
    a.values[i] = b.values[i] = 3.0;
  a.values[N_STEPS - 1] = 5.0;
  b.values[N_STEPS - 1] = 10.0;
  a.values[0] = b.values[0] = 0.0;

  a_own = cell_style (&a, 2, 4);
  b_own = cell_style (&b, 2, 4);
  g_assert_cmpstr (a_own, !=, b_own);
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &a, WIDTH, HEIGHT);

    g_assert_false (qks_svg_has_text (scan, "10"));
  }

  a.data.shared_scale = b.data.shared_scale = TRUE;
  a.data.color_min = b.data.color_min = 0.0;
  a.data.color_max = b.data.color_max = 12.0;
  a_shared = cell_style (&a, 2, 4);
  b_shared = cell_style (&b, 2, 4);
  g_assert_cmpstr (a_shared, ==, b_shared);

  /* And it is the map's colour at 3/12. */
  {
    QksPlotColor color = qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 3.0 / 12.0);
    g_autofree char *rgb = qks_svg_rgb (color.red, color.green, color.blue);

    g_assert_nonnull (strstr (a_shared, rgb));
  }
  /* The colour bar spans the shared range, not the run's own (0 to 5). */
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &a, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "10");
  }
}

static void
test_step_heatmap_current_step (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;
  double left_x = G_MAXDOUBLE;

  figure_init (&figure);
  figure.data.has_current_step = TRUE;
  figure.data.current_step = 120.0;  /* between 100 and 150: the column of 100 */
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  /* The column outlined: a halo and a line over it. */
  g_assert_cmpuint (qks_svg_count_paths (scan, "stroke-width:3;", NULL), ==, 1);
  g_assert_cmpuint (qks_svg_count_paths (scan, "stroke-width:1.5;", NULL), ==, 1);
  g_assert_cmpuint (qks_svg_count_paths (scan, CELL_STYLE, NULL), ==, N_LAYERS * N_STEPS);

  /* It is the ninth column (step 100): its left edge is the ninth
   * column's, which the cells of layer 0 give. */
  for (guint i = 0, seen = 0; i < scan->paths->len; i++)
    {
      const char *style = g_ptr_array_index (scan->paths, i);

      if (strstr (style, CELL_STYLE) != NULL && seen++ == 8 * N_LAYERS)
        left_x = g_ascii_strtod ((const char *) g_ptr_array_index (scan->ds, i) + 2, NULL);
      if (strstr (style, "stroke-width:3;") != NULL)
        g_assert_cmpfloat (fabs (g_ascii_strtod ((const char *) g_ptr_array_index (scan->ds, i) + 2, NULL) - left_x), <, 0.5);
    }
  g_assert_cmpfloat (left_x, <, G_MAXDOUBLE);

  /* Before the first step: nothing to outline. */
  {
    g_autoptr(QksSvgScan) before = NULL;

    figure.data.steps = figure.steps + 1;
    figure.data.n_steps = N_STEPS - 1;
    figure.data.n_layers = 1;
    figure.data.values = figure.values;
    figure.data.n_values = N_STEPS - 1;
    figure.data.current_step = 0.5;
    before = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
    g_assert_cmpuint (qks_svg_count_paths (before, "stroke-width:3;", NULL), ==, 0);
    g_assert_cmpuint (qks_svg_count_paths (before, CELL_STYLE, NULL), ==, N_STEPS - 1);
  }
}

static void
draw_nothing (cairo_t  *cr,
              double    width,
              double    height,
              gpointer  user_data)
{
  QksPlotTheme theme;

  qks_plot_theme_init_light (&theme);
  qks_plot_step_heatmap_draw (cr, width, height, &theme, NULL);
}

typedef struct
{
  const char *what;
  const char *message;
  void      (*spoil) (Figure *figure);
} Malformed;

static void spoil_null (Figure *f) { f->data.steps = NULL; }
static void spoil_no_steps (Figure *f) { f->data.n_steps = 0; f->data.n_values = 0; }
static void spoil_single_step (Figure *f) { f->data.n_steps = 1; f->data.n_values = N_LAYERS; }
static void spoil_nan_step (Figure *f) { f->steps[3] = NAN; }
static void spoil_negative_step (Figure *f) { f->steps[0] = -1.0; }
static void spoil_unordered (Figure *f) { f->steps[5] = f->steps[4]; }
static void spoil_lengths (Figure *f) { f->data.n_values = N_LAYERS * N_STEPS - 1; }
static void spoil_no_values (Figure *f) { f->data.values = NULL; }
static void spoil_no_layers (Figure *f) { f->data.n_layers = 0; f->data.n_values = 0; }
static void spoil_all_nan (Figure *f) { for (guint i = 0; i < N_LAYERS * N_STEPS; i++) f->values[i] = NAN; }
static void spoil_layer_names (Figure *f) { static const char * const names[] = { "a", "b" }; f->data.layer_labels = names; f->data.n_layer_labels = 2; }
static void spoil_shared_scale (Figure *f) { f->data.shared_scale = TRUE; f->data.color_min = NAN; f->data.color_max = 4.0; }
static void spoil_colormap (Figure *f) { f->data.colormap = (QksPlotColormap) 77; }

static void
test_step_heatmap_malformed (void)
{
  static const Malformed cases[] = {
    { "no history", "No steps recorded yet.", spoil_null },
    { "no steps", "No steps recorded yet.", spoil_no_steps },
    { "one step", "Only step 0 is recorded so far. The figure appears from the next recorded step.", spoil_single_step },
    { "a NaN step", "Recorded step 4 is not a step number (nan).", spoil_nan_step },
    { "a negative step", "Recorded step 1 is not a step number (-1).", spoil_negative_step },
    { "steps out of order", "The recorded steps are not in increasing order (8 after 8).", spoil_unordered },
    { "lengths that disagree", "The values do not match the steps: 71 values for 6 layers × 12 steps.", spoil_lengths },
    { "no values", "The values do not match the steps: 0 values for 6 layers × 12 steps.", spoil_no_values },
    { "no layers", "The run has no layers to show.", spoil_no_layers },
    { "only NaN", "No values computed yet.", spoil_all_nan },
    { "too few layer names", "2 layer names for 6 layers.", spoil_layer_names },
    { "a shared scale of NaN", "The shared colour scale, nan to 4, is not a range.", spoil_shared_scale },
    { "an unknown colour map", "Unknown colour map.", spoil_colormap },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Figure figure;
      g_autoptr(QksSvgScan) scan = NULL;

      g_test_message ("%s", cases[i].what);
      figure_init (&figure);
      cases[i].spoil (&figure);
      scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
      g_assert_cmpuint (qks_svg_count_paths (scan, CELL_STYLE, NULL), ==, 0);
      qks_svg_assert_text (scan, cases[i].message);
      qks_svg_assert_text (scan, "Spikes · MHA");
    }

  /* No data at all, and a figure too small for any. */
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_nothing, NULL, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "No data.");
  }
  {
    Figure figure;
    g_autoptr(QksSvgScan) scan = NULL;

    figure_init (&figure);
    scan = qks_svg_scan_figure (draw_figure, &figure, 40.0, 30.0);
    g_assert_cmpuint (qks_svg_count_paths (scan, CELL_STYLE, NULL), ==, 0);
    qks_svg_assert_text (scan, "A 40 × 30 figure leaves no room for the data");
  }
}

static void
test_step_heatmap_reference (void)
{
  Figure figure;

  figure_init (&figure);
  figure.data.has_current_step = TRUE;
  figure.data.current_step = 150.0;
  qks_test_check_reference ("step-heatmap-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("step-heatmap-2x", draw_figure, &figure, WIDTH, HEIGHT, 2.0);
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("step-heatmap-dark-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
}

/* Tooltips: a sweep of the figure finds every cell, each with its own
 * layer, step and value; outside the cells there is none. Lower layers sit
 * lower. */
static void
test_step_heatmap_query (void)
{
  Figure figure;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  gboolean seen[N_LAYERS * N_STEPS] = { FALSE };
  double lowest_y_of_top_layer = INFINITY, highest_y_of_layer_0 = -INFINITY;
  g_autofree char *corner = NULL;

  figure_init (&figure);
  for (double y = 0.5; y < HEIGHT; y += 5.0)
    for (double x = 0.5; x < WIDTH; x += 4.0)
      {
        g_autofree char *text = qks_plot_step_heatmap_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, x, y);
        guint layer, step_index = N_STEPS;
        double step, value;
        char value_text[32] = "";

        if (text == NULL)
          continue;
        g_assert_cmpint (sscanf (text, "Layer %u · step %lf\nSpikes %31s", &layer, &step, value_text), >=, 2);
        for (guint i = 0; i < N_STEPS; i++)
          if (figure.steps[i] == step)
            step_index = i;
        g_assert_cmpuint (layer, <, N_LAYERS);
        g_assert_cmpuint (step_index, <, N_STEPS);
        value = figure.values[layer * N_STEPS + step_index];
        if (isnan (value))
          g_assert_nonnull (strstr (text, "No value"));
        else
          g_assert_cmpfloat_with_epsilon (g_ascii_strtod (value_text, NULL), value, 1e-9);
        seen[layer * N_STEPS + step_index] = TRUE;
        if (layer == N_LAYERS - 1)
          lowest_y_of_top_layer = MIN (lowest_y_of_top_layer, y);
        if (layer == 0)
          highest_y_of_layer_0 = MAX (highest_y_of_layer_0, y);
      }
  for (guint i = 0; i < N_LAYERS * N_STEPS; i++)
    g_assert_true (seen[i]);
  g_assert_cmpfloat (lowest_y_of_top_layer, <, highest_y_of_layer_0);
  corner = qks_plot_step_heatmap_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, 1.0, 1.0);
  g_assert_null (corner);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/step-heatmap/svg", test_step_heatmap_svg);
  g_test_add_func ("/plot/step-heatmap/layer-labels", test_step_heatmap_layer_labels);
  g_test_add_func ("/plot/step-heatmap/span-columns", test_step_heatmap_span_columns);
  g_test_add_func ("/plot/step-heatmap/shared-scale", test_step_heatmap_shared_scale);
  g_test_add_func ("/plot/step-heatmap/current-step", test_step_heatmap_current_step);
  g_test_add_func ("/plot/step-heatmap/malformed", test_step_heatmap_malformed);
  g_test_add_func ("/plot/step-heatmap/reference", test_step_heatmap_reference);
  g_test_add_func ("/plot/step-heatmap/query", test_step_heatmap_query);

  return g_test_run ();
}
