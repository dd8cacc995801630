/* test-plot-step-lines.c: a metric over training steps, a line per layer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "plot-reference.h"
#include "plot-svg-lite.h"
#include "qks-plot-step-lines.h"

#define WIDTH    480.0
#define HEIGHT   300.0
#define N_LAYERS 4
#define N_STEPS  16

/* The lines themselves (their legend swatches have mitred joins). */
#define LINE_STYLE "stroke-width:2;stroke-linecap:round;stroke-linejoin:round;"
/* The event markers are the only opaque black discs in the light theme,
 * with the legend's swatch for them. */
#define EVENT_STYLE "stroke:none;fill-rule:nonzero;fill:rgb(0%,0%,0%);fill-opacity:1;"

typedef struct
{
  QksPlotTheme      theme;
  QksStepLinesData  data;
  double            steps[N_STEPS];
  double            values[N_LAYERS * N_STEPS];
  double            events[N_LAYERS][2];
  const double     *event_rows[N_LAYERS];
  guint             n_events[N_LAYERS];
} Figure;

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_step_lines_draw (cr, width, height, &figure->theme, &figure->data);
}

/* Effective rank falling in some layers, as in SCIENCE.md (c) 3, with a
 * rank-collapse event (b.6) where it first drops 20 % below step 0. */
static void
figure_init (Figure *figure)
{
  static const double steps[N_STEPS] = { 0, 1, 2, 4, 8, 16, 32, 50, 100, 150, 200, 250, 300, 350, 400, 450 };
  static const double drop[N_LAYERS] = { 5.0, 30.0, 12.0, 38.0 };

  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  memcpy (figure->steps, steps, sizeof steps);
  for (guint l = 0; l < N_LAYERS; l++)
    {
      for (guint i = 0; i < N_STEPS; i++)
        {
          double value = 96.0 - drop[l] / (1.0 + exp (-(log1p (steps[i]) - log1p (40.0 + 20.0 * l)) * 2.5));

          figure->values[l * N_STEPS + i] = value;
          if (figure->n_events[l] == 0 && value < 0.8 * figure->values[l * N_STEPS])
            figure->events[l][figure->n_events[l]++] = steps[i];
        }
      figure->event_rows[l] = figure->events[l];
    }

  figure->data.title = "Effective rank · MHA";
  figure->data.metric = "Effective rank";
  figure->data.unit = "%";
  figure->data.n_layers = N_LAYERS;
  figure->data.steps = figure->steps;
  figure->data.n_steps = N_STEPS;
  figure->data.values = figure->values;
  figure->data.n_values = N_LAYERS * N_STEPS;
  figure->data.events = figure->event_rows;
  figure->data.n_events = figure->n_events;
}

static guint
total_events (const Figure *figure)
{
  guint total = 0;

  for (guint l = 0; l < N_LAYERS; l++)
    total += figure->n_events[l];
  return total;
}

static void
test_step_lines_svg (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  /* The data make events in the two layers that fall most. */
  g_assert_cmpuint (figure.n_events[0], ==, 0);
  g_assert_cmpuint (figure.n_events[1], ==, 1);
  g_assert_cmpuint (figure.n_events[3], ==, 1);
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  /* A line per layer, a marker per event and one in the legend. */
  g_assert_cmpuint (qks_svg_count_paths (scan, LINE_STYLE, NULL), ==, N_LAYERS);
  g_assert_cmpuint (qks_svg_count_paths (scan, EVENT_STYLE, NULL), ==, total_events (&figure) + 1);

  qks_svg_assert_text (scan, "Effective rank · MHA");
  qks_svg_assert_text (scan, "Training step");
  qks_svg_assert_text (scan, "Effective rank (%)");
  qks_svg_assert_text (scan, "Layer 0");
  qks_svg_assert_text (scan, "Layer 3");
  qks_svg_assert_text (scan, "Rank collapse");
  /* No cursor asked for. */
  g_assert_false (qks_svg_has_text (scan, "step 200"));
}

static void
test_step_lines_events (void)
{
  Figure figure;

  /* More events, one between two recorded steps and one past the last:
   * markers for those on a line, none for the one off it. */
  figure_init (&figure);
  figure.events[0][0] = 175.0;
  figure.events[0][1] = 9999.0;
  figure.n_events[0] = 2;
  figure.data.event_label = "erank −20 %";
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

    g_assert_cmpuint (qks_svg_count_paths (scan, EVENT_STYLE, NULL), ==, total_events (&figure) - 1 + 1);
    qks_svg_assert_text (scan, "erank −20 %");
  }

  /* No events: no markers, and no legend entry for them. */
  figure_init (&figure);
  figure.data.events = NULL;
  figure.data.n_events = NULL;
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

    g_assert_cmpuint (qks_svg_count_paths (scan, EVENT_STYLE, NULL), ==, 0);
    g_assert_false (qks_svg_has_text (scan, "Rank collapse"));
    g_assert_cmpuint (qks_svg_count_paths (scan, LINE_STYLE, NULL), ==, N_LAYERS);
  }
}

static void
test_step_lines_options (void)
{
  static const char * const names[N_LAYERS] = { "block 1", "block 2", "block 3", "block 4" };
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  figure.data.x_scale = QKS_PLOT_SCALE_LOG1P;
  figure.data.fixed_y = TRUE;
  figure.data.y_min = 0.0;
  figure.data.y_max = 100.0;
  figure.data.has_current_step = TRUE;
  figure.data.current_step = 200.0;
  figure.data.layer_labels = names;
  figure.data.n_layer_labels = N_LAYERS;
  figure.data.metric = "HDI";
  figure.data.unit = NULL;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  g_assert_cmpuint (qks_svg_count_paths (scan, LINE_STYLE, NULL), ==, N_LAYERS);
  /* log(1 + step): 0, then decades; y to 100; the cursor's tag. */
  qks_svg_assert_text (scan, "0");
  qks_svg_assert_text (scan, "1");
  qks_svg_assert_text (scan, "10");
  qks_svg_assert_text (scan, "100");
  qks_svg_assert_text (scan, "HDI");
  qks_svg_assert_text (scan, "block 4");
  qks_svg_assert_text (scan, "step 200");
  /* The cursor: a line of its own, 1.5 wide. */
  g_assert_cmpuint (qks_svg_count_paths (scan, "stroke-width:1.5;", NULL), ==, 1);
}

/* A NaN breaks the line: two pieces, one path. */
static void
test_step_lines_gaps (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;
  guint lines = 0;

  figure_init (&figure);
  figure.values[2 * N_STEPS + 7] = NAN;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  for (guint i = 0; i < scan->paths->len; i++)
    if (strstr (g_ptr_array_index (scan->paths, i), LINE_STYLE) != NULL)
      {
        const char *d = g_ptr_array_index (scan->ds, i);
        guint moves = 0;

        for (const char *c = d; *c != '\0'; c++)
          moves += *c == 'M';
        g_assert_cmpuint (moves, ==, lines == 2 ? 2 : 1);
        lines++;
      }
  g_assert_cmpuint (lines, ==, N_LAYERS);
}

typedef struct
{
  const char *what;
  const char *message;
  void      (*spoil) (Figure *figure);
} Malformed;

static void spoil_no_steps (Figure *f) { f->data.n_steps = 0; f->data.n_values = 0; }
static void spoil_single_step (Figure *f) { f->data.n_steps = 1; f->data.n_values = N_LAYERS; }
static void spoil_nan_step (Figure *f) { f->steps[6] = NAN; }
static void spoil_unordered (Figure *f) { f->steps[9] = 10.0; }
static void spoil_lengths (Figure *f) { f->data.n_values = N_LAYERS * (N_STEPS + 1); }
static void spoil_all_nan (Figure *f) { for (guint i = 0; i < N_LAYERS * N_STEPS; i++) f->values[i] = NAN; }
static void spoil_event_counts (Figure *f) { f->data.n_events = NULL; }
static void spoil_event_rows (Figure *f) { f->event_rows[1] = NULL; }
static void spoil_event_nan (Figure *f) { f->events[3][0] = NAN; }
static void spoil_y_range (Figure *f) { f->data.fixed_y = TRUE; f->data.y_min = 5.0; f->data.y_max = 5.0; }
static void spoil_layer_names (Figure *f) { static const char * const names[] = { "a" }; f->data.layer_labels = names; f->data.n_layer_labels = 1; }

static void
draw_nothing (cairo_t  *cr,
              double    width,
              double    height,
              gpointer  user_data)
{
  QksPlotTheme theme;

  qks_plot_theme_init_light (&theme);
  qks_plot_step_lines_draw (cr, width, height, &theme, NULL);
}

static void
test_step_lines_malformed (void)
{
  static const Malformed cases[] = {
    { "no steps", "No steps recorded yet.", spoil_no_steps },
    { "one step", "Only step 0 is recorded so far. The figure appears from the next recorded step.", spoil_single_step },
    { "a NaN step", "Recorded step 7 is not a step number (nan).", spoil_nan_step },
    { "steps out of order", "The recorded steps are not in increasing order (10 after 100).", spoil_unordered },
    { "lengths that disagree", "The values do not match the steps: 68 values for 4 layers × 16 steps.", spoil_lengths },
    { "only NaN", "No values computed yet.", spoil_all_nan },
    { "events without counts", "The events come without their counts, or the counts without the events.", spoil_event_counts },
    { "a layer's events missing", "Layer 1 has 1 events but no steps for them.", spoil_event_rows },
    { "a NaN event", "An event of layer 3 is not at a step (nan).", spoil_event_nan },
    { "an empty y range", "The y range, 5 to 5, is not a range.", spoil_y_range },
    { "too few layer names", "1 layer names for 4 layers.", spoil_layer_names },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Figure figure;
      g_autoptr(QksSvgScan) scan = NULL;

      g_test_message ("%s", cases[i].what);
      figure_init (&figure);
      cases[i].spoil (&figure);
      scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
      g_assert_cmpuint (qks_svg_count_paths (scan, LINE_STYLE, NULL), ==, 0);
      g_assert_cmpuint (qks_svg_count_paths (scan, EVENT_STYLE, NULL), ==, 0);
      qks_svg_assert_text (scan, cases[i].message);
      qks_svg_assert_text (scan, "Effective rank · MHA");
    }

  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_nothing, NULL, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "No data.");
  }
  {
    Figure figure;
    g_autoptr(QksSvgScan) scan = NULL;

    figure_init (&figure);
    scan = qks_svg_scan_figure (draw_figure, &figure, 60.0, 40.0);
    g_assert_cmpuint (qks_svg_count_paths (scan, LINE_STYLE, NULL), ==, 0);
    qks_svg_assert_text (scan, "A 60 × 40 figure leaves no room for the data");
  }
}

static void
test_step_lines_reference (void)
{
  Figure figure;

  figure_init (&figure);
  figure.data.x_scale = QKS_PLOT_SCALE_LOG1P;
  figure.data.has_current_step = TRUE;
  figure.data.current_step = 300.0;
  qks_test_check_reference ("step-lines-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("step-lines-2x", draw_figure, &figure, WIDTH, HEIGHT, 2.0);
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("step-lines-dark-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
}

/* Tooltips: wherever the pointer is over the plot, a layer, a recorded
 * step and that layer's value there, exactly; every layer is found by a
 * sweep, most steps too (the early ones crowd within a pixel); outside the
 * plot there is none. */
static void
test_step_lines_query (void)
{
  Figure figure;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  gboolean layer_seen[N_LAYERS] = { FALSE }, step_seen[N_STEPS] = { FALSE };
  guint n_steps_seen = 0;
  g_autofree char *corner = NULL;

  figure_init (&figure);
  for (double y = 0.5; y < HEIGHT; y += 12.0)
    for (double x = 0.5; x < WIDTH; x += 1.5)
      {
        g_autofree char *text = qks_plot_step_lines_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, x, y);
        guint layer, step_index = N_STEPS;
        double step, value;

        if (text == NULL)
          continue;
        g_assert_cmpint (sscanf (text, "Layer %u · step %lf\nEffective rank %lf %%", &layer, &step, &value), ==, 3);
        for (guint i = 0; i < N_STEPS; i++)
          if (figure.steps[i] == step)
            step_index = i;
        g_assert_cmpuint (layer, <, N_LAYERS);
        g_assert_cmpuint (step_index, <, N_STEPS);
        g_assert_cmpfloat (fabs (value - figure.values[layer * N_STEPS + step_index]), <=,
                           5e-4 * fabs (figure.values[layer * N_STEPS + step_index]));
        layer_seen[layer] = TRUE;
        step_seen[step_index] = TRUE;
      }
  for (guint l = 0; l < N_LAYERS; l++)
    g_assert_true (layer_seen[l]);
  for (guint i = 0; i < N_STEPS; i++)
    n_steps_seen += step_seen[i];
  g_assert_cmpuint (n_steps_seen, >=, 11);
  corner = qks_plot_step_lines_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, 1.0, 1.0);
  g_assert_null (corner);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/step-lines/svg", test_step_lines_svg);
  g_test_add_func ("/plot/step-lines/events", test_step_lines_events);
  g_test_add_func ("/plot/step-lines/options", test_step_lines_options);
  g_test_add_func ("/plot/step-lines/gaps", test_step_lines_gaps);
  g_test_add_func ("/plot/step-lines/malformed", test_step_lines_malformed);
  g_test_add_func ("/plot/step-lines/reference", test_step_lines_reference);
  g_test_add_func ("/plot/step-lines/query", test_step_lines_query);

  return g_test_run ();
}
