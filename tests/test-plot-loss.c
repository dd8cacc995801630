/* test-plot-loss.c: training and validation loss of several runs
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "plot-reference.h"
#include "plot-svg-lite.h"
#include "qks-plot-loss.h"

#define WIDTH     480.0
#define HEIGHT    300.0
#define N_RUNS    3
#define N_POINTS  400
#define VAL_EVERY 50

/* In an SVG every point is kept: the moving averages are the 1.5-wide
 * lines, the raw losses the 1-wide ones under them, the validation the
 * dashed ones. */
#define SMOOTH_STYLE "stroke-width:1.5;stroke-linecap:round;stroke-linejoin:miter;"
#define RAW_STYLE "stroke-width:1;stroke-linecap:round;stroke-linejoin:round;"
#define VAL_STYLE "stroke-dasharray:3,2;"

typedef struct
{
  QksPlotTheme  theme;
  QksLossData   data;
  QksLossPoint  points[N_RUNS][N_POINTS];
  QksLossRun    runs[N_RUNS];
} Figure;

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_loss_draw (cr, width, height, &figure->theme, &figure->data);
}

/* A reproducible noise in [−1, 1]. */
static double
noise (guint64 *state)
{
  *state = *state * 6364136223846793005u + 1442695040888963407u;
  return (double) (*state >> 11) / 4503599627370496.0 - 1.0;
}

static void
figure_init (Figure *figure)
{
  static const char *names[N_RUNS] = { "MHA", "MLA-PreRoPE", "MLA-Decoupled" };
  static const double final_loss[N_RUNS] = { 1.6, 1.7, 1.62 };
  static const double flops_per_step[N_RUNS] = { 2e11, 1.7e11, 1.8e11 };
  guint64 state = 42;

  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  for (guint r = 0; r < N_RUNS; r++)
    {
      for (guint i = 0; i < N_POINTS; i++)
        {
          double clean = final_loss[r] + (5.5 - final_loss[r]) / pow (1.0 + i / 20.0, 0.9);

          figure->points[r][i] = (QksLossPoint) {
            i, i * flops_per_step[r], clean + 0.08 * noise (&state),
            i % VAL_EVERY == 0 ? clean + 0.04 : NAN,
          };
        }
      figure->runs[r] = (QksLossRun) { names[r], figure->points[r], N_POINTS };
    }
  figure->data.title = "Loss · tiny";
  figure->data.runs = figure->runs;
  figure->data.n_runs = N_RUNS;
  figure->data.smoothing = 0.9;
}

static void
test_loss_svg (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  /* Per run: its average, its raw loss and its validation line. */
  g_assert_cmpuint (qks_svg_count_paths (scan, SMOOTH_STYLE, NULL), ==, N_RUNS);
  g_assert_cmpuint (qks_svg_count_paths (scan, RAW_STYLE, "stroke-opacity:0.25;", NULL), ==, N_RUNS);
  g_assert_cmpuint (qks_svg_count_paths (scan, VAL_STYLE, NULL), ==, N_RUNS);

  qks_svg_assert_text (scan, "Loss · tiny");
  qks_svg_assert_text (scan, "Training step");
  qks_svg_assert_text (scan, "Loss (nats per token)");
  qks_svg_assert_text (scan, "MHA");
  qks_svg_assert_text (scan, "MLA-PreRoPE");
  qks_svg_assert_text (scan, "MLA-Decoupled");
  qks_svg_assert_text (scan, "Training (EMA 0.9)");
  qks_svg_assert_text (scan, "Validation");
}

/* The validation markers of a run are one fill of their discs: count the
 * discs as the subpaths of that fill. */
static guint
count_val_markers (const QksSvgScan *scan,
                   guint             run,
                   gboolean          dark)
{
  QksPlotColor color = qks_plot_palette_color (run, dark);
  g_autofree char *rgb = qks_svg_rgb (color.red, color.green, color.blue);
  g_autofree char *style = g_strconcat ("stroke:none;fill-rule:nonzero;fill:", rgb, NULL);
  guint markers = 0;

  for (guint i = 0; i < scan->paths->len; i++)
    if (strstr (g_ptr_array_index (scan->paths, i), style) != NULL)
      for (const char *c = g_ptr_array_index (scan->ds, i); *c != '\0'; c++)
        markers += *c == 'M';
  return markers;
}

static void
test_loss_validation_markers (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  /* The second run was validated less often. */
  for (guint i = 0; i < N_POINTS; i++)
    if (i % (2 * VAL_EVERY) != 0)
      figure.points[1][i].val_loss = NAN;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  g_assert_cmpuint (count_val_markers (scan, 0, FALSE), ==, N_POINTS / VAL_EVERY);
  g_assert_cmpuint (count_val_markers (scan, 1, FALSE), ==, N_POINTS / (2 * VAL_EVERY));
  g_assert_cmpuint (count_val_markers (scan, 2, FALSE), ==, N_POINTS / VAL_EVERY);
}

static void
test_loss_flops (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  figure.data.x_axis = QKS_LOSS_X_FLOPS;
  figure.data.log_y = TRUE;
  figure.data.has_current_step = TRUE;   /* a step means nothing against FLOPs */
  figure.data.current_step = 100.0;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  g_assert_cmpuint (qks_svg_count_paths (scan, SMOOTH_STYLE, NULL), ==, N_RUNS);
  qks_svg_assert_text (scan, "Cumulative training FLOPs");
  g_assert_false (qks_svg_has_text (scan, "step 100"));
  /* Step 0 has no FLOPs to stand on a log axis: the first marker of each
   * run is left out. */
  g_assert_cmpuint (count_val_markers (scan, 0, FALSE), ==, N_POINTS / VAL_EVERY - 1);
}

static void
test_loss_options (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  figure.data.smoothing = 0.0;
  figure.data.step_scale = QKS_PLOT_SCALE_LOG1P;
  figure.data.has_target = TRUE;
  figure.data.target_loss = 1.65;
  figure.data.target_label = "MHA final";
  figure.data.has_current_step = TRUE;
  figure.data.current_step = 200.0;
  figure.data.fixed_y = TRUE;
  figure.data.y_min = 1.0;
  figure.data.y_max = 6.0;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  /* No smoothing: the raw loss is the line, in full colour. */
  g_assert_cmpuint (qks_svg_count_paths (scan, SMOOTH_STYLE, NULL), ==, 0);
  g_assert_cmpuint (qks_svg_count_paths (scan, "stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round;",
                                         "stroke-opacity:1;", NULL), ==, N_RUNS);
  qks_svg_assert_text (scan, "Training");
  qks_svg_assert_text (scan, "MHA final");
  qks_svg_assert_text (scan, "step 200");
  qks_svg_assert_text (scan, "10");
  qks_svg_assert_text (scan, "6");
  /* The target: one dashed line across. */
  g_assert_cmpuint (qks_svg_count_paths (scan, "stroke-dasharray:5,4;", NULL), ==, 1);
}

typedef struct
{
  const char *what;
  const char *message;
  void      (*spoil) (Figure *figure);
} Malformed;

static void spoil_no_runs (Figure *f) { f->data.n_runs = 0; }
static void spoil_null_runs (Figure *f) { f->data.runs = NULL; }
static void spoil_too_many (Figure *f) { f->data.n_runs = QKS_LOSS_MAX_RUNS + 1; }
static void spoil_empty_runs (Figure *f) { for (guint r = 0; r < N_RUNS; r++) f->runs[r].n_points = 0; }
static void spoil_single (Figure *f) { for (guint r = 0; r < N_RUNS; r++) f->runs[r].n_points = r == 0 ? 1 : 0; }
static void spoil_points (Figure *f) { f->runs[1].points = NULL; }
static void spoil_nan_step (Figure *f) { f->points[2][10].step = NAN; }
static void spoil_unordered (Figure *f) { f->points[0][20].step = 3.0; }
static void spoil_all_nan (Figure *f) { for (guint r = 0; r < N_RUNS; r++) for (guint i = 0; i < N_POINTS; i++) f->points[r][i].train_loss = f->points[r][i].val_loss = NAN; }
static void spoil_no_flops (Figure *f) { f->data.x_axis = QKS_LOSS_X_FLOPS; for (guint r = 0; r < N_RUNS; r++) for (guint i = 0; i < N_POINTS; i++) f->points[r][i].flops = NAN; }
static void spoil_falling_flops (Figure *f) { f->points[1][30].flops = 1.0; }
static void spoil_y_range (Figure *f) { f->data.fixed_y = TRUE; f->data.y_min = 2.0; f->data.y_max = NAN; }
static void spoil_log_y (Figure *f) { f->data.log_y = TRUE; for (guint r = 0; r < N_RUNS; r++) for (guint i = 0; i < N_POINTS; i++) f->points[r][i].train_loss = f->points[r][i].val_loss = -1.0; }

static void
draw_nothing (cairo_t  *cr,
              double    width,
              double    height,
              gpointer  user_data)
{
  QksPlotTheme theme;

  qks_plot_theme_init_light (&theme);
  qks_plot_loss_draw (cr, width, height, &theme, NULL);
}

static void
test_loss_malformed (void)
{
  static const Malformed cases[] = {
    { "no runs", "No runs to show yet.", spoil_no_runs },
    { "no run array", "No runs to show yet.", spoil_null_runs },
    { "too many runs", "9 runs are too many to tell apart: choose at most 8.", spoil_too_many },
    { "runs without steps", "No loss recorded yet.", spoil_empty_runs },
    { "a single step", "Only step 0 is recorded so far. The curves appear from the next recorded step.", spoil_single },
    { "a count without points", "The run “MLA-PreRoPE” has 400 steps but no values for them.", spoil_points },
    { "a NaN step", "A step of the run “MLA-Decoupled” is not a step number (nan).", spoil_nan_step },
    { "steps out of order", "The steps of the run “MHA” are not in increasing order (3 after 19).", spoil_unordered },
    { "only NaN", "No loss recorded yet.", spoil_all_nan },
    { "no FLOPs", "No FLOP counts recorded for these runs: show the loss against steps instead.", spoil_no_flops },
    { "FLOPs that fall", "The cumulative FLOPs of the run “MLA-PreRoPE” fall at step 30.", spoil_falling_flops },
    { "a y range of NaN", "The y range, 2 to nan, is not a range.", spoil_y_range },
    { "no loss above 0 on a log axis", "No loss recorded yet.", spoil_log_y },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Figure figure;
      g_autoptr(QksSvgScan) scan = NULL;

      g_test_message ("%s", cases[i].what);
      figure_init (&figure);
      cases[i].spoil (&figure);
      scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
      g_assert_cmpuint (qks_svg_count_paths (scan, SMOOTH_STYLE, NULL), ==, 0);
      g_assert_cmpuint (qks_svg_count_paths (scan, RAW_STYLE, NULL), ==, 0);
      qks_svg_assert_text (scan, cases[i].message);
      qks_svg_assert_text (scan, "Loss · tiny");
    }

  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_nothing, NULL, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "No data.");
  }
}

static void
test_loss_reference (void)
{
  Figure figure;

  figure_init (&figure);
  figure.data.step_scale = QKS_PLOT_SCALE_LOG1P;
  figure.data.log_y = TRUE;
  figure.data.has_target = TRUE;
  figure.data.target_loss = 1.66;
  figure.data.target_label = "MHA final";
  figure.data.has_current_step = TRUE;
  figure.data.current_step = 300.0;
  qks_test_check_reference ("loss-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("loss-2x", draw_figure, &figure, WIDTH, HEIGHT, 2.0);
  figure.data.x_axis = QKS_LOSS_X_FLOPS;
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("loss-flops-dark-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
}

/* Tooltips: wherever the pointer is over the plot, a run, a recorded step
 * and that run's losses there, exactly, its validation loss where (and
 * only where) one was measured; on the FLOPs axis the FLOPs too. */
static void
sweep_query (Figure   *figure,
             gboolean  flops)
{
  static const char *names[N_RUNS] = { "MHA", "MLA-PreRoPE", "MLA-Decoupled" };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  gboolean run_seen[N_RUNS] = { FALSE };
  guint n_texts = 0;
  g_autofree char *corner = NULL;

  for (double y = 0.5; y < HEIGHT; y += 15.0)
    for (double x = 0.5; x < WIDTH; x += 6.0)
      {
        g_autofree char *text = qks_plot_loss_query (cr, WIDTH, HEIGHT, &figure->theme, &figure->data, x, y);
        g_auto(GStrv) lines = NULL;
        const QksLossPoint *point;
        double step, train, average, shown_flops, val;
        guint r = N_RUNS;

        if (text == NULL)
          continue;
        lines = g_strsplit (text, "\n", -1);
        for (guint k = 0; k < N_RUNS; k++)
          if (g_str_has_prefix (lines[0], names[k]) && lines[0][strlen (names[k])] == ' ')
            r = k;
        g_assert_cmpuint (r, <, N_RUNS);
        if (flops)
          g_assert_cmpint (sscanf (lines[0] + strlen (names[r]), " · %lf FLOPs · step %lf", &shown_flops, &step), ==, 2);
        else
          g_assert_cmpint (sscanf (lines[0] + strlen (names[r]), " · step %lf", &step), ==, 1);
        g_assert_cmpfloat (step, >=, 0);
        g_assert_cmpfloat (step, <, N_POINTS);
        point = &figure->points[r][(guint) step];
        if (flops)
          g_assert_cmpfloat (fabs (shown_flops - point->flops), <=, 5e-3 * point->flops + 1.0);
        g_assert_cmpint (sscanf (lines[1], "Training loss %lf, average %lf", &train, &average), ==, 2);
        g_assert_cmpfloat (fabs (train - point->train_loss), <, 6e-5);
        g_assert_cmpuint (g_strv_length (lines), ==, isnan (point->val_loss) ? 2 : 3);
        if (!isnan (point->val_loss))
          {
            g_assert_cmpint (sscanf (lines[2], "Validation loss %lf", &val), ==, 1);
            g_assert_cmpfloat (fabs (val - point->val_loss), <, 6e-5);
          }
        run_seen[r] = TRUE;
        n_texts++;
      }
  for (guint r = 0; r < N_RUNS; r++)
    g_assert_true (run_seen[r]);
  g_assert_cmpuint (n_texts, >, 100);
  corner = qks_plot_loss_query (cr, WIDTH, HEIGHT, &figure->theme, &figure->data, 1.0, 1.0);
  g_assert_null (corner);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_loss_query (void)
{
  Figure figure;

  figure_init (&figure);
  sweep_query (&figure, FALSE);
  figure.data.x_axis = QKS_LOSS_X_FLOPS;
  sweep_query (&figure, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/loss/svg", test_loss_svg);
  g_test_add_func ("/plot/loss/validation-markers", test_loss_validation_markers);
  g_test_add_func ("/plot/loss/flops", test_loss_flops);
  g_test_add_func ("/plot/loss/options", test_loss_options);
  g_test_add_func ("/plot/loss/malformed", test_loss_malformed);
  g_test_add_func ("/plot/loss/reference", test_loss_reference);
  g_test_add_func ("/plot/loss/query", test_loss_query);

  return g_test_run ();
}
