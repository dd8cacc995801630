/* test-plot-steps.c: what the figures over training steps share
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <cairo-svg.h>

#include "qks-plot-steps.h"

#define WIDTH  500.0
#define HEIGHT 300.0
#define N      2000

static void
test_steps_problem (void)
{
  static const double good[] = { 0, 1, 2, 4, 8, 50, 100 };
  static const double repeated[] = { 0, 1, 1 };
  static const double negative[] = { -2, 1 };
  g_autofree char *single = NULL, *twice = NULL, *minus = NULL, *none = NULL;

  g_assert_null (qks_plot_steps_problem (good, G_N_ELEMENTS (good), 2));
  g_assert_null (qks_plot_steps_problem (good, 1, 1));
  none = qks_plot_steps_problem (NULL, 3, 2);
  g_assert_cmpstr (none, ==, "No steps recorded yet.");
  single = qks_plot_steps_problem (good + 4, 1, 2);
  g_assert_cmpstr (single, ==, "Only step 8 is recorded so far. The figure appears from the next recorded step.");
  twice = qks_plot_steps_problem (repeated, 3, 2);
  g_assert_cmpstr (twice, ==, "The recorded steps are not in increasing order (1 after 1).");
  minus = qks_plot_steps_problem (negative, 2, 2);
  g_assert_cmpstr (minus, ==, "Recorded step 1 is not a step number (-2).");
}

static void
test_steps_tick_priority (void)
{
  /* Step 0 first, then by roundness: 1000 (a power of ten, next to the
   * multiples of 5000) above 2000, above the multiples of 500, above 100,
   * above the multiples of 200, of 50, then powers of two, then the rest. */
  static const double order[] = { 0, 1000, 2000, 1500, 100, 400, 250, 10, 32, 7 };

  for (guint i = 1; i < G_N_ELEMENTS (order); i++)
    if (!(qks_plot_step_tick_priority (order[i - 1]) > qks_plot_step_tick_priority (order[i])))
      g_error ("step %g should rank above step %g", order[i - 1], order[i]);
  /* Multiples of the same round number rank alike. */
  g_assert_cmpint (qks_plot_step_tick_priority (500), ==, qks_plot_step_tick_priority (2500));
  g_assert_cmpint (qks_plot_step_tick_priority (200), ==, qks_plot_step_tick_priority (600));
  g_assert_cmpint (qks_plot_step_tick_priority (-3), <, 0);
  g_assert_cmpint (qks_plot_step_tick_priority (NAN), <, 0);
  g_assert_cmpint (qks_plot_step_tick_priority (2.5), <, 0);

  g_assert_cmpint (qks_plot_step_scale (QKS_PLOT_SCALE_LOG), ==, QKS_PLOT_SCALE_LOG1P);
  g_assert_cmpint (qks_plot_step_scale (QKS_PLOT_SCALE_LOG1P), ==, QKS_PLOT_SCALE_LOG1P);
  g_assert_cmpint (qks_plot_step_scale (QKS_PLOT_SCALE_LINEAR), ==, QKS_PLOT_SCALE_LINEAR);
  g_assert_cmpint (qks_plot_step_scale ((QksPlotScale) 42), ==, QKS_PLOT_SCALE_LINEAR);
}

typedef struct
{
  double xs[N];
  double ys[N];
} Series;

/* A training loss: a fast fall and noise of a few pixels. */
static void
series_fill (Series *series)
{
  guint64 state = 7;

  for (guint i = 0; i < N; i++)
    {
      state = state * 6364136223846793005u + 1442695040888963407u;
      series->xs[i] = i;
      series->ys[i] = 1.5 + 4.0 / pow (1.0 + i / 40.0, 0.8) + 0.1 * ((double) (state >> 11) / 9007199254740992.0 - 0.5);
    }
}

static QksPlotAxes *
axes_for (cairo_t            *cr,
          const QksPlotTheme *theme,
          QksPlotScale        x_scale)
{
  QksPlotAxes *axes = qks_plot_axes_new (theme, WIDTH, HEIGHT);

  qks_plot_axes_set_x (axes, 0.0, N - 1.0, x_scale, "step");
  qks_plot_axes_set_y (axes, 1.0, 6.0, QKS_PLOT_SCALE_LINEAR, "loss");
  g_assert_true (qks_plot_axes_layout (axes, cr, NULL));
  return axes;
}

/* Counts the vertices of @cr's path and its subpaths. */
static void
path_counts (cairo_t *cr,
             guint   *vertices,
             guint   *subpaths)
{
  cairo_path_t *path = cairo_copy_path (cr);

  *vertices = *subpaths = 0;
  for (int i = 0; i < path->num_data; i += path->data[i].header.length)
    {
      *vertices += 1;
      *subpaths += path->data[i].header.type == CAIRO_PATH_MOVE_TO;
    }
  cairo_path_destroy (path);
}

static cairo_status_t
discard (void                *closure,
         const unsigned char *data,
         unsigned int         length)
{
  return CAIRO_STATUS_SUCCESS;
}

static void
test_steps_path_series (void)
{
  g_autofree Series *series = g_new (Series, 1);
  cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_surface_t *svg = cairo_svg_surface_create_for_stream (discard, NULL, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (image), *vector = cairo_create (svg);
  QksPlotTheme theme;
  g_autoptr(QksPlotAxes) axes = NULL;
  QksPlotRect frame;
  guint vertices, subpaths;
  double x, y;

  qks_plot_theme_init_light (&theme);
  series_fill (series);
  axes = axes_for (cr, &theme, QKS_PLOT_SCALE_LINEAR);
  qks_plot_axes_get_frame (axes, &frame);

  /* On screen: at most four points a pixel column, fewer where the line
   * is smooth, yet the ends where they are. */
  qks_plot_path_series (axes, cr, &theme, series->xs, series->ys, N);
  path_counts (cr, &vertices, &subpaths);
  g_assert_cmpuint (subpaths, ==, 1);
  g_assert_cmpuint (vertices, <=, 4 * (guint) ceil (frame.width) + 2);
  g_assert_cmpuint (vertices, >, 100);
  cairo_get_current_point (cr, &x, &y);
  /* (cairo keeps coordinates in 24.8 fixed point) */
  g_assert_cmpfloat_with_epsilon (x, qks_plot_axes_x_to_device (axes, N - 1.0), 1.0 / 256.0);
  g_assert_cmpfloat_with_epsilon (y, qks_plot_axes_y_to_device (axes, series->ys[N - 1]), 1.0 / 256.0);

  /* In an SVG: every point (but for the odd one that cairo merges into a
   * straight segment on either side of it). */
  qks_plot_path_series (axes, vector, &theme, series->xs, series->ys, N);
  path_counts (vector, &vertices, &subpaths);
  g_assert_cmpuint (vertices, >, N - N / 100);
  g_assert_cmpuint (subpaths, ==, 1);

  /* A NaN breaks the line; a lone point between gaps stays, as a dot. */
  series->ys[500] = NAN;
  series->ys[502] = NAN;
  cairo_new_path (vector);
  qks_plot_path_series (axes, vector, &theme, series->xs, series->ys, N);
  path_counts (vector, &vertices, &subpaths);
  g_assert_cmpuint (subpaths, ==, 3);
  cairo_new_path (cr);
  qks_plot_path_series (axes, cr, &theme, series->xs, series->ys, N);
  path_counts (cr, &vertices, &subpaths);
  g_assert_cmpuint (subpaths, ==, 3);

  cairo_destroy (cr);
  cairo_destroy (vector);
  cairo_surface_destroy (image);
  cairo_surface_destroy (svg);
}

/* The raw loss as a band of pixel columns leaves no column empty between
 * its first and last point, even where the points are further apart than
 * a column (the first steps, on a log axis). */
static void
test_steps_dense_band (void)
{
  g_autofree Series *series = g_new (Series, 1);
  QksPlotColor black = { 0.0, 0.0, 0.0, 1.0 };

  series_fill (series);
  for (guint scale = 0; scale < 2; scale++)
    {
      cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
      cairo_t *cr = cairo_create (image);
      QksPlotTheme theme;
      g_autoptr(QksPlotAxes) axes = NULL;
      int first, last;

      qks_plot_theme_init_light (&theme);
      axes = axes_for (cr, &theme, scale == 0 ? QKS_PLOT_SCALE_LINEAR : QKS_PLOT_SCALE_LOG1P);
      qks_plot_draw_dense_series (axes, cr, &theme, series->xs, series->ys, N, &black, 1.0);
      cairo_destroy (cr);
      cairo_surface_flush (image);

      first = (int) floor (qks_plot_axes_x_to_device (axes, 0.0));
      last = (int) floor (qks_plot_axes_x_to_device (axes, N - 1.0));
      for (int x = first; x <= last; x++)
        {
          gboolean painted = FALSE;

          for (int y = 0; y < (int) HEIGHT && !painted; y++)
            painted = cairo_image_surface_get_data (image)[y * cairo_image_surface_get_stride (image) + 4 * x + 3] != 0;
          if (!painted)
            g_error ("column %d of the band (%d to %d) is empty on the %s axis", x, first, last,
                     scale == 0 ? "linear" : "log(1 + x)");
        }
      /* And paints nothing beside it. */
      for (int y = 0; y < (int) HEIGHT; y++)
        {
          g_assert_cmpint (cairo_image_surface_get_data (image)[y * cairo_image_surface_get_stride (image) + 4 * (first - 2) + 3], ==, 0);
          g_assert_cmpint (cairo_image_surface_get_data (image)[y * cairo_image_surface_get_stride (image) + 4 * (last + 2) + 3], ==, 0);
        }
      cairo_surface_destroy (image);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/steps/problem", test_steps_problem);
  g_test_add_func ("/plot/steps/tick-priority", test_steps_tick_priority);
  g_test_add_func ("/plot/steps/path-series", test_steps_path_series);
  g_test_add_func ("/plot/steps/dense-band", test_steps_dense_band);

  return g_test_run ();
}
