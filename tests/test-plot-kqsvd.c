/* test-plot-kqsvd.c: KQ-SVD against keys-only error curves
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-kqsvd.h"
#include "qks-plot-colormap.h"
#include "qks-plot-kqsvd.h"

#include "plot-reference.h"
#include "plot-svg.h"

#define WIDTH    640.0
#define HEIGHT   400.0
#define N_HEADS  4
#define D_MODEL  48
#define D_HEAD   8
#define N_TOKENS 40

#define COLOR_TOLERANCE 1e-4
#define BAND_OPACITY    0.2   /* as qks-plot-kqsvd.c draws its bands */

typedef struct
{
  QksPlotTheme     theme;
  QksPlotKqsvdData data;
  double           kq[N_HEADS * D_HEAD];
  double           keys_only[N_HEADS * D_HEAD];
} KqsvdFigure;

static void
draw_kqsvd (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  KqsvdFigure *figure = user_data;

  qks_plot_kqsvd_draw (cr, width, height, &figure->theme, &figure->data);
}

static void
draw_kqsvd_null (cairo_t  *cr,
                 double    width,
                 double    height,
                 gpointer  user_data)
{
  KqsvdFigure *figure = user_data;

  qks_plot_kqsvd_draw (cr, width, height, &figure->theme, NULL);
}

/* The curves of random heads on inputs with a decaying spectrum, as the
 * diagnostics compute them. */
static void
figure_init (KqsvdFigure *figure,
             guint        seed,
             int          head)
{
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (N_HEADS, D_MODEL, D_HEAD, D_HEAD);
  g_autoptr(QksMatrix) x = qks_matrix_new (N_TOKENS, D_MODEL);
  g_autoptr(GPtrArray) curves = NULL;
  g_autoptr(GError) error = NULL;
  QksRng rng;

  qks_rng_init (&rng, seed);
  qks_rng_fill_normal (&rng, x->data, N_TOKENS * D_MODEL, 0.0, 1.0);
  for (guint t = 0; t < N_TOKENS; t++)
    for (guint c = 0; c < D_MODEL; c++)
      x->data[t * D_MODEL + c] *= pow (1.0 + c, -0.7);
  for (guint h = 0; h < N_HEADS; h++)
    {
      qks_rng_fill_normal (&rng, heads->w_q[h]->data, D_HEAD * D_MODEL, 0.0, 1.0);
      qks_rng_fill_normal (&rng, heads->w_k[h]->data, D_HEAD * D_MODEL, 0.0, 1.0);
    }
  curves = qks_kqsvd_curves_new_for_heads (x, heads, &error);
  g_assert_no_error (error);

  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  for (guint h = 0; h < N_HEADS; h++)
    {
      const QksKqsvdCurves *c = curves->pdata[h];

      g_assert_cmpuint (c->length, ==, D_HEAD);
      memcpy (figure->kq + h * D_HEAD, c->kq, sizeof (double) * D_HEAD);
      memcpy (figure->keys_only + h * D_HEAD, c->keys_only, sizeof (double) * D_HEAD);
    }
  figure->data = (QksPlotKqsvdData) { N_HEADS, D_HEAD, figure->kq, figure->keys_only, N_HEADS * D_HEAD,
                                      head, FALSE, NULL };
}

static void
test_kqsvd_one_head (void)
{
  g_autoptr(QksTestSvg) svg = NULL;
  QksPlotColor kq, keys;
  KqsvdFigure figure;

  figure_init (&figure, 1, 2);
  svg = qks_test_svg_render (draw_kqsvd, &figure, WIDTH, HEIGHT);

  /* Two curves in two colours, the keys-only one dashed; a dot per rank
   * for eight ranks. */
  kq = qks_plot_palette_color (0, FALSE);
  keys = qks_plot_palette_color (3, FALSE);
  g_assert_false (qks_plot_color_equal (&kq, &keys, 0.1));
  g_assert_cmpuint (qks_test_svg_count_strokes (svg, &kq, FALSE, COLOR_TOLERANCE), >=, 1);
  g_assert_cmpuint (qks_test_svg_count_strokes (svg, &kq, TRUE, COLOR_TOLERANCE), ==, 0);
  /* The curve and the legend's swatch. */
  g_assert_cmpuint (qks_test_svg_count_strokes (svg, &keys, TRUE, COLOR_TOLERANCE), ==, 2);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &kq, COLOR_TOLERANCE), ==, D_HEAD);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &keys, COLOR_TOLERANCE), ==, D_HEAD);

  qks_test_svg_assert_text (svg, "Score error against cache rank · head 2");
  qks_test_svg_assert_text (svg, "KQ-SVD: best rank r of K Qᵀ");
  qks_test_svg_assert_text (svg, "keys-only SVD: K truncated to rank r");
  qks_test_svg_assert_text (svg, "Cache rank r");
  qks_test_svg_assert_text (svg, "Relative error of the scores");
  /* Whole ranks only. */
  qks_test_svg_assert_text (svg, "8");
  g_assert_false (qks_test_svg_has_text (svg, "1.5"));
  g_assert_false (qks_test_svg_has_text_containing (svg, "range over"));

  /* KQ-SVD is the best rank r: never worse than keys-only. */
  for (guint i = 0; i < N_HEADS * D_HEAD; i++)
    g_assert_cmpfloat (figure.kq[i], <=, figure.keys_only[i] + 1e-12);
}

static void
test_kqsvd_mean (void)
{
  g_autoptr(QksTestSvg) svg = NULL;
  QksPlotColor band;
  KqsvdFigure figure;

  figure_init (&figure, 2, QKS_PLOT_KQSVD_ALL_HEADS);
  svg = qks_test_svg_render (draw_kqsvd, &figure, WIDTH, HEIGHT);
  qks_test_svg_assert_text (svg, "Score error against cache rank · mean of 4 heads");
  qks_test_svg_assert_text (svg, "range over the 4 heads");
  /* A band per curve, one path each, in the curve's colour. */
  for (guint c = 0; c < 2; c++)
    {
      band = qks_plot_palette_color (c == 0 ? 0 : 3, FALSE);
      band.alpha = BAND_OPACITY;
      g_assert_cmpuint (qks_test_svg_count_fills (svg, &band, COLOR_TOLERANCE), ==, 1);
    }
}

static void
test_kqsvd_log (void)
{
  g_autoptr(QksTestSvg) svg = NULL;
  QksPlotColor kq;
  KqsvdFigure figure;

  figure_init (&figure, 3, 1);
  /* At full rank both approximations are exact. */
  g_assert_cmpfloat (figure.kq[1 * D_HEAD + D_HEAD - 1], <, 1e-12);
  figure.data.log_y = TRUE;
  svg = qks_test_svg_render (draw_kqsvd, &figure, WIDTH, HEIGHT);
  /* The exact rank is off a log axis: one dot fewer. */
  kq = qks_plot_palette_color (0, FALSE);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &kq, COLOR_TOLERANCE), ==, D_HEAD - 1);
  qks_test_svg_assert_text (svg, "1");
  g_assert_true (qks_test_svg_has_text (svg, "0.1") || qks_test_svg_has_text (svg, "0.01"));

  /* All exact: nothing a log axis can show. */
  memset (figure.kq, 0, sizeof figure.kq);
  memset (figure.keys_only, 0, sizeof figure.keys_only);
  g_clear_pointer (&svg, qks_test_svg_free);
  svg = qks_test_svg_render (draw_kqsvd, &figure, WIDTH, HEIGHT);
  qks_test_svg_assert_text_containing (svg, "Every error is 0");

  /* A linear axis draws them at 0. */
  figure.data.log_y = FALSE;
  g_clear_pointer (&svg, qks_test_svg_free);
  svg = qks_test_svg_render (draw_kqsvd, &figure, WIDTH, HEIGHT);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &kq, COLOR_TOLERANCE), ==, D_HEAD);
}

static void
test_kqsvd_malformed (void)
{
  static const struct
  {
    const char *name;
    const char *message;
  } cases[] = {
    { "no heads", "No KQ-SVD curves yet." },
    { "no ranks", "No KQ-SVD curves yet." },
    { "no array", "No KQ-SVD curves yet." },
    { "wrong size", "the data do not match" },
    { "head past", "Head 4 does not exist: the layer has 4 heads." },
    { "negative head", "Head -2 does not exist" },
    { "NaN", "not numbers" },
    { "above 1", "A relative error of 1.5 lies outside 0 to 1." },
    { "negative", "A relative error of -0.1 lies outside 0 to 1." },
    { "null", "No KQ-SVD curves yet." },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(QksTestSvg) svg = NULL;
      KqsvdFigure figure;

      figure_init (&figure, 4, 0);
      switch (c)
        {
        case 0: figure.data.n_heads = 0; break;
        case 1: figure.data.length = 0; break;
        case 2: figure.data.keys_only = NULL; break;
        case 3: figure.data.n_values--; break;
        case 4: figure.data.head = N_HEADS; break;
        case 5: figure.data.head = -2; break;
        case 6: figure.kq[5] = NAN; break;
        case 7: figure.keys_only[3] = 1.5; break;
        case 8: figure.kq[9] = -0.1; break;
        default: break;
        }
      g_test_message ("%s", cases[c].name);
      svg = qks_test_svg_render (c == 9 ? draw_kqsvd_null : draw_kqsvd, &figure, WIDTH, HEIGHT);
      qks_test_svg_assert_text_containing (svg, cases[c].message);
      g_assert_cmpuint (svg->fills->len, <=, 1);
    }

  /* One rank, and allocations too small to draw in. */
  {
    static const double one[] = { 0.0, 0.0 };
    KqsvdFigure figure;
    g_autoptr(QksTestSvg) svg = NULL;
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 32, 32);
    cairo_t *cr = cairo_create (surface);

    qks_plot_theme_init_light (&figure.theme);
    figure.data = (QksPlotKqsvdData) { 2, 1, one, one, 2, QKS_PLOT_KQSVD_ALL_HEADS, FALSE, NULL };
    svg = qks_test_svg_render (draw_kqsvd, &figure, WIDTH, HEIGHT);
    qks_test_svg_assert_text (svg, "1");
    for (double size = -4.0; size <= 40.0; size += 22.0)
      qks_plot_kqsvd_draw (cr, size, size, &figure.theme, &figure.data);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }
}

static void
test_kqsvd_reference (void)
{
  KqsvdFigure figure;

  figure_init (&figure, 5, 0);
  qks_test_check_reference ("kqsvd-head-1x", draw_kqsvd, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("kqsvd-head-2x", draw_kqsvd, &figure, WIDTH, HEIGHT, 2.0);
  figure.data.head = QKS_PLOT_KQSVD_ALL_HEADS;
  qks_test_check_reference ("kqsvd-mean-1x", draw_kqsvd, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("kqsvd-mean-2x", draw_kqsvd, &figure, WIDTH, HEIGHT, 2.0);
  figure.data.log_y = TRUE;
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("kqsvd-log-dark-1x", draw_kqsvd, &figure, WIDTH, HEIGHT, 1.0);
}

/* Tooltips: a sweep finds every rank, each with its errors recomputed here
 * from the curves (one head's, or the mean, least and largest over heads);
 * outside the plot none. */
static void
test_kqsvd_query (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);

  for (int head = -1; head <= 1; head += 2)
    {
      KqsvdFigure figure;
      gboolean seen[D_HEAD] = { FALSE };
      g_autofree char *corner = NULL;

      figure_init (&figure, 6, head < 0 ? QKS_PLOT_KQSVD_ALL_HEADS : head);
      for (double x = 0.5; x < WIDTH; x += 4.0)
        {
          g_autofree char *text = qks_plot_kqsvd_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, x, HEIGHT / 2.0);
          double kq, keys, lo[2], hi[2], expected_kq = 0.0, expected_keys = 0.0;
          double lo_kq = G_MAXDOUBLE, hi_kq = 0.0;
          guint rank, n_heads;

          if (text == NULL)
            continue;
          if (head < 0)
            {
              g_assert_cmpint (sscanf (text, "Rank %u, mean of %u heads\nKQ-SVD %lf (%lf to %lf)\nKeys-only SVD %lf (%lf to %lf)",
                                       &rank, &n_heads, &kq, &lo[0], &hi[0], &keys, &lo[1], &hi[1]), ==, 8);
              g_assert_cmpuint (n_heads, ==, N_HEADS);
              for (guint h = 0; h < N_HEADS; h++)
                {
                  expected_kq += figure.kq[h * D_HEAD + rank - 1] / N_HEADS;
                  expected_keys += figure.keys_only[h * D_HEAD + rank - 1] / N_HEADS;
                  lo_kq = MIN (lo_kq, figure.kq[h * D_HEAD + rank - 1]);
                  hi_kq = MAX (hi_kq, figure.kq[h * D_HEAD + rank - 1]);
                }
              g_assert_cmpfloat (fabs (lo[0] - lo_kq), <, 6e-5);
              g_assert_cmpfloat (fabs (hi[0] - hi_kq), <, 6e-5);
            }
          else
            {
              g_assert_cmpint (sscanf (text, "Rank %u\nKQ-SVD %lf\nKeys-only SVD %lf", &rank, &kq, &keys), ==, 3);
              expected_kq = figure.kq[head * D_HEAD + rank - 1];
              expected_keys = figure.keys_only[head * D_HEAD + rank - 1];
            }
          g_assert_cmpuint (rank, >=, 1);
          g_assert_cmpuint (rank, <=, D_HEAD);
          g_assert_cmpfloat (fabs (kq - expected_kq), <, 6e-5);
          g_assert_cmpfloat (fabs (keys - expected_keys), <, 6e-5);
          seen[rank - 1] = TRUE;
        }
      for (guint r = 0; r < D_HEAD; r++)
        g_assert_true (seen[r]);
      corner = qks_plot_kqsvd_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, 1.0, 1.0);
      g_assert_null (corner);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A figure given bad data draws an empty state: it never warns. */
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/plot/kqsvd/one-head", test_kqsvd_one_head);
  g_test_add_func ("/plot/kqsvd/mean", test_kqsvd_mean);
  g_test_add_func ("/plot/kqsvd/log", test_kqsvd_log);
  g_test_add_func ("/plot/kqsvd/malformed", test_kqsvd_malformed);
  g_test_add_func ("/plot/kqsvd/reference", test_kqsvd_reference);
  g_test_add_func ("/plot/kqsvd/query", test_kqsvd_query);
  return g_test_run ();
}
