/* test-plot-pareto.c: KV-cache bytes against final loss, and the Pareto front
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "plot-reference.h"
#include "plot-svg-lite.h"
#include "qks-plot-colormap.h"
#include "qks-plot-pareto.h"

#define WIDTH    480.0
#define HEIGHT   300.0

/* Points on the front are filled discs over a ring of the background;
 * those off it are rings, stroked 2 wide with butt caps (the legend's line
 * swatch has round ones); the front is the one line 1.5 wide. */
#define DOMINATED_STYLE "stroke-width:2;stroke-linecap:butt;"
#define FRONT_STYLE "stroke-width:1.5;"

typedef struct
{
  QksPlotTheme    theme;
  QksParetoData   data;
  QksParetoPoint  points[8];
} Figure;

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  Figure *figure = user_data;

  qks_plot_pareto_draw (cr, width, height, &figure->theme, &figure->data);
}

/* SCIENCE.md a.7 for L = 6, H = 8, d_h = 32, d_c = 64, d_h^R = 16, G = 2,
 * r = 8 in bf16. MLA-PreRoPE and MQA cache the same 768 bytes: their
 * labels compete for the same place. */
static void
figure_init (Figure *figure)
{
  static const QksParetoPoint points[] = {
    { "MHA", 6144.0, 1.521 },
    { "MLA-PreRoPE", 768.0, 1.585 },
    { "MLA-Decoupled", 960.0, 1.534 },
    { "LRKV", 2304.0, 1.512 },
    { "GQA", 1536.0, 1.548 },
    { "MQA", 768.0, 1.592 },
  };

  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  memcpy (figure->points, points, sizeof points);
  figure->data.title = "KV cache against loss";
  figure->data.points = figure->points;
  figure->data.n_points = G_N_ELEMENTS (points);
}

/* Fails unless no two of the names overlap: each name's box estimated
 * from its baseline start, its length and the font size. */
static void
assert_labels_apart (const QksSvgScan *scan,
                     const Figure     *figure)
{
  for (guint i = 0; i < figure->data.n_points; i++)
    for (guint j = i + 1; j < figure->data.n_points; j++)
      {
        const char *a = figure->points[i].name, *b = figure->points[j].name;
        double ax, ay, bx, by, aw, bw, height = figure->theme.body_font_size;

        if (!qks_svg_text_position (scan, a, &ax, &ay) || !qks_svg_text_position (scan, b, &bx, &by))
          continue;
        /* Cantarell's letters are about half an em wide on average. */
        aw = 0.5 * height * g_utf8_strlen (a, -1);
        bw = 0.5 * height * g_utf8_strlen (b, -1);
        if (fabs (ay - by) < height && ax < bx + bw && bx < ax + aw)
          g_error ("the labels “%s” (%g, %g) and “%s” (%g, %g) overlap", a, ax, ay, b, bx, by);
      }
}

static void
test_pareto_svg (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

  /* On the front: MLA-PreRoPE (fewest bytes and less loss than MQA at the
   * same bytes), MLA-Decoupled, LRKV. Off it: MQA, GQA, MHA. */
  g_assert_cmpuint (qks_svg_count_paths (scan, DOMINATED_STYLE, NULL), ==, 3);
  g_assert_cmpuint (qks_svg_count_paths (scan, FRONT_STYLE, NULL), ==, 1);
  for (guint i = 0; i < figure.data.n_points; i++)
    {
      QksPlotColor color = qks_plot_palette_color (i, FALSE);
      g_autofree char *rgb = qks_svg_rgb (color.red, color.green, color.blue);
      g_autofree char *fill = g_strconcat ("fill:", rgb, NULL);
      g_autofree char *stroke = g_strconcat ("stroke:", rgb, NULL);
      gboolean front = i == 1 || i == 2 || i == 3;

      /* Each run in its palette colour: a disc or a ring. */
      g_assert_cmpuint (qks_svg_count_paths (scan, fill, NULL), ==, front ? 1 : 0);
      g_assert_cmpuint (qks_svg_count_paths (scan, DOMINATED_STYLE, stroke, NULL), ==, front ? 0 : 1);
      qks_svg_assert_text (scan, figure.points[i].name);
    }
  qks_svg_assert_text (scan, "KV cache against loss");
  qks_svg_assert_text (scan, "KV cache per token, all layers (bytes)");
  qks_svg_assert_text (scan, "Final loss (nats per token)");
  qks_svg_assert_text (scan, "Pareto front");
  qks_svg_assert_text (scan, "1000");
  assert_labels_apart (scan, &figure);
}

/* The front as a staircase: from each front point flat to the next one's
 * bytes, then down to it, and flat to the right edge after the last. */
static void
test_pareto_front_shape (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;
  g_auto(GStrv) tokens = NULL;
  g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ys = g_array_new (FALSE, FALSE, sizeof (double));

  figure_init (&figure);
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  for (guint i = 0; i < scan->paths->len; i++)
    if (strstr (g_ptr_array_index (scan->paths, i), FRONT_STYLE) != NULL)
      tokens = g_strsplit (g_ptr_array_index (scan->ds, i), " ", -1);
  g_assert_nonnull (tokens);
  for (guint i = 0; tokens[i] != NULL; i++)
    if (g_str_equal (tokens[i], "M") || g_str_equal (tokens[i], "L"))
      {
        double x = g_ascii_strtod (tokens[i + 1], NULL), y = g_ascii_strtod (tokens[i + 2], NULL);

        g_array_append_val (xs, x);
        g_array_append_val (ys, y);
      }
  /* Three front points: 1 + 2 × 2 corners, and the end at the edge. */
  g_assert_cmpuint (xs->len, ==, 6);
  for (guint i = 1; i < xs->len; i++)
    {
      double dx = g_array_index (xs, double, i) - g_array_index (xs, double, i - 1);
      double dy = g_array_index (ys, double, i) - g_array_index (ys, double, i - 1);

      /* Each segment flat rightwards or straight down (to less loss,
       * which is larger device y). */
      if (i % 2 == 1)
        {
          g_assert_cmpfloat (fabs (dy), <, 1e-6);
          g_assert_cmpfloat (dx, >, 0.0);
        }
      else
        {
          g_assert_cmpfloat (fabs (dx), <, 1e-6);
          g_assert_cmpfloat (dy, >, 0.0);
        }
    }
}

/* Points on top of each other still get their names apart. */
static void
test_pareto_crowded_labels (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  figure_init (&figure);
  figure.points[6] = (QksParetoPoint) { "MLA-PreRoPE (seed 2)", 768.0, 1.586 };
  figure.points[7] = (QksParetoPoint) { "MQA (seed 2)", 768.0, 1.591 };
  figure.data.n_points = 8;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  for (guint i = 0; i < figure.data.n_points; i++)
    qks_svg_assert_text (scan, figure.points[i].name);
  assert_labels_apart (scan, &figure);
}

static void
test_pareto_unfinished_runs (void)
{
  Figure figure;
  g_autoptr(QksSvgScan) scan = NULL;

  /* A run still training (no final loss) and one without a cache size
   * are left out; the rest are drawn. */
  figure_init (&figure);
  figure.points[0].loss = NAN;
  figure.points[4].kv_bytes_per_token = 0.0;
  scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);
  g_assert_false (qks_svg_has_text (scan, "MHA"));
  g_assert_false (qks_svg_has_text (scan, "GQA"));
  qks_svg_assert_text (scan, "LRKV");
  g_assert_cmpuint (qks_svg_count_paths (scan, DOMINATED_STYLE, NULL), ==, 1);

  /* A single run: a front of one point. */
  figure_init (&figure);
  figure.data.n_points = 1;
  {
    g_autoptr(QksSvgScan) single = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

    qks_svg_assert_text (single, "MHA");
    g_assert_cmpuint (qks_svg_count_paths (single, FRONT_STYLE, NULL), ==, 1);
    g_assert_cmpuint (qks_svg_count_paths (single, DOMINATED_STYLE, NULL), ==, 0);
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
  qks_plot_pareto_draw (cr, width, height, &theme, NULL);
}

static void
test_pareto_malformed (void)
{
  Figure figure;

  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_nothing, NULL, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "No finished runs to compare yet.");
  }

  figure_init (&figure);
  figure.data.n_points = 0;
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "No finished runs to compare yet.");
    qks_svg_assert_text (scan, "KV cache against loss");
  }

  figure_init (&figure);
  for (guint i = 0; i < 6; i++)
    {
      figure.points[i].loss = i % 2 ? NAN : 1.5;
      figure.points[i].kv_bytes_per_token = i % 2 ? 100.0 : (i == 2 ? INFINITY : -5.0);
    }
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &figure, WIDTH, HEIGHT);

    qks_svg_assert_text (scan, "No run has both a KV-cache size and a final loss yet.");
    g_assert_cmpuint (qks_svg_count_paths (scan, FRONT_STYLE, NULL), ==, 0);
    g_assert_false (qks_svg_has_text (scan, "MHA"));
  }

  /* Too small for any data. */
  figure_init (&figure);
  {
    g_autoptr(QksSvgScan) scan = qks_svg_scan_figure (draw_figure, &figure, 50.0, 40.0);

    qks_svg_assert_text (scan, "A 50 × 40 figure leaves no room for the data");
  }
}

static void
test_pareto_reference (void)
{
  Figure figure;

  figure_init (&figure);
  qks_test_check_reference ("pareto-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("pareto-2x", draw_figure, &figure, WIDTH, HEIGHT, 2.0);
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("pareto-dark-1x", draw_figure, &figure, WIDTH, HEIGHT, 1.0);
}

/* Tooltips: near each run's point its name, bytes and loss, exactly, and
 * "on the front" for exactly the runs that no other beats on both (counted
 * here afresh); away from the points none. */
static void
test_pareto_query (void)
{
  Figure figure;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 400);
  cairo_t *cr = cairo_create (surface);
  gboolean seen[8] = { FALSE };
  g_autofree char *corner = NULL;

  figure_init (&figure);
  for (double y = 0.5; y < 400.0; y += 7.0)
    for (double x = 0.5; x < 640.0; x += 7.0)
      {
        g_autofree char *text = qks_plot_pareto_query (cr, 640.0, 400.0, &figure.theme, &figure.data, x, y);
        g_auto(GStrv) lines = NULL;
        double bytes, loss;
        guint p = G_MAXUINT;
        gboolean dominated = FALSE;

        if (text == NULL)
          continue;
        lines = g_strsplit (text, "\n", -1);
        for (guint i = 0; i < figure.data.n_points; i++)
          if (g_str_equal (lines[0], figure.points[i].name))
            p = i;
        g_assert_cmpuint (p, <, figure.data.n_points);
        g_assert_cmpint (sscanf (lines[1], "KV cache %lf bytes per token", &bytes), ==, 1);
        g_assert_cmpint (sscanf (lines[2], "Final loss %lf", &loss), ==, 1);
        g_assert_cmpfloat (bytes, ==, figure.points[p].kv_bytes_per_token);
        g_assert_cmpfloat (fabs (loss - figure.points[p].loss), <, 6e-5);
        for (guint i = 0; i < figure.data.n_points; i++)
          dominated |= i != p && figure.points[i].kv_bytes_per_token <= figure.points[p].kv_bytes_per_token &&
                       figure.points[i].loss <= figure.points[p].loss;
        g_assert_cmpint (strstr (lines[2], "on the front") != NULL, ==, !dominated);
        seen[p] = TRUE;
      }
  for (guint i = 0; i < figure.data.n_points; i++)
    g_assert_true (seen[i]);
  corner = qks_plot_pareto_query (cr, 640.0, 400.0, &figure.theme, &figure.data, 1.0, 1.0);
  g_assert_null (corner);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/pareto/svg", test_pareto_svg);
  g_test_add_func ("/plot/pareto/front-shape", test_pareto_front_shape);
  g_test_add_func ("/plot/pareto/crowded-labels", test_pareto_crowded_labels);
  g_test_add_func ("/plot/pareto/unfinished-runs", test_pareto_unfinished_runs);
  g_test_add_func ("/plot/pareto/malformed", test_pareto_malformed);
  g_test_add_func ("/plot/pareto/reference", test_pareto_reference);
  g_test_add_func ("/plot/pareto/query", test_pareto_query);

  return g_test_run ();
}
