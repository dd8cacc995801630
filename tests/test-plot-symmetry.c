/* test-plot-symmetry.c: the symmetric energy of the QK forms per layer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qks-head-factors.h"
#include "qks-plot-colormap.h"
#include "qks-plot-symmetry.h"
#include "qks-symmetry.h"

#include "plot-reference.h"
#include "plot-svg.h"

#define WIDTH    640.0
#define HEIGHT   400.0
#define N_LAYERS 4
#define N_HEADS  6
#define D_MODEL  32
#define D_HEAD   8

#define COLOR_TOLERANCE 1e-4
#define BAR_TINT        0.45  /* as qks-plot-symmetry.c tints its bars */

typedef struct
{
  QksPlotTheme        theme;
  QksPlotSymmetryData data;
  double              layers[N_LAYERS];
  double              heads[N_LAYERS * N_HEADS];
} SymmetryFigure;

static void
draw_symmetry (cairo_t  *cr,
               double    width,
               double    height,
               gpointer  user_data)
{
  SymmetryFigure *figure = user_data;

  qks_plot_symmetry_draw (cr, width, height, &figure->theme, &figure->data);
}

static void
draw_symmetry_null (cairo_t  *cr,
                    double    width,
                    double    height,
                    gpointer  user_data)
{
  SymmetryFigure *figure = user_data;

  qks_plot_symmetry_draw (cr, width, height, &figure->theme, NULL);
}

/* Layers whose W_K lean towards W_Q by @lean[l], head by head a little
 * more, measured as the diagnostics measure them. */
static void
figure_init (SymmetryFigure *figure,
             guint           seed)
{
  static const double lean[N_LAYERS] = { 0.0, 0.3, 0.75, 0.5 };
  QksRng rng;

  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  qks_rng_init (&rng, seed);
  for (guint l = 0; l < N_LAYERS; l++)
    {
      g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (N_HEADS, D_MODEL, D_HEAD, D_HEAD);
      g_autoptr(QksHeadFactors) factors = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree double *per_head = NULL;

      for (guint h = 0; h < N_HEADS; h++)
        {
          double a = MIN (0.95, lean[l] * (0.5 + h / (N_HEADS - 1.0)));

          qks_rng_fill_normal (&rng, heads->w_q[h]->data, D_HEAD * D_MODEL, 0.0, 1.0);
          qks_rng_fill_normal (&rng, heads->w_k[h]->data, D_HEAD * D_MODEL, 0.0, 1.0);
          for (guint i = 0; i < D_HEAD * D_MODEL; i++)
            heads->w_k[h]->data[i] = a * heads->w_q[h]->data[i] + sqrt (1.0 - a * a) * heads->w_k[h]->data[i];
        }
      factors = qks_head_factors_new (heads, QKS_FORM_QK, &error);
      g_assert_no_error (error);
      per_head = qks_symmetric_energy_for_heads (factors, &figure->layers[l], &error);
      g_assert_no_error (error);
      memcpy (figure->heads + l * N_HEADS, per_head, sizeof (double) * N_HEADS);
    }
  figure->data = (QksPlotSymmetryData) { N_LAYERS, figure->layers, N_HEADS, figure->heads,
                                         N_LAYERS * N_HEADS, NULL };
}

static QksPlotColor
bar_color (const QksPlotTheme *theme)
{
  QksPlotColor dot = qks_plot_palette_color (0, theme->dark);
  QksPlotColor bar = {
    theme->background.red * (1.0 - BAR_TINT) + dot.red * BAR_TINT,
    theme->background.green * (1.0 - BAR_TINT) + dot.green * BAR_TINT,
    theme->background.blue * (1.0 - BAR_TINT) + dot.blue * BAR_TINT,
    1.0,
  };

  return bar;
}

static void
test_symmetry_bars_and_dots (void)
{
  g_autoptr(QksTestSvg) svg = NULL;
  QksPlotColor bar, dot;
  SymmetryFigure figure;

  figure_init (&figure, 1);
  /* Random forms sit near one half; leaning W_K towards W_Q raises it. */
  g_assert_cmpfloat (fabs (figure.layers[0] - 0.5), <, 0.1);
  g_assert_cmpfloat (figure.layers[2], >, figure.layers[0] + 0.1);

  svg = qks_test_svg_render (draw_symmetry, &figure, WIDTH, HEIGHT);
  bar = bar_color (&figure.theme);
  dot = qks_plot_palette_color (0, FALSE);
  /* A bar per layer and a dot per head, one path each, and the legend's
   * swatches. */
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &bar, COLOR_TOLERANCE), ==, N_LAYERS + 1);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &dot, COLOR_TOLERANCE), ==, N_LAYERS * N_HEADS + 1);
  /* The random reference, dashed, half way between the grid lines at 0
   * and 1. */
  {
    g_autoptr(GArray) reference = qks_test_svg_find_strokes (svg, &figure.theme.muted, TRUE, COLOR_TOLERANCE);
    g_autoptr(GArray) grid = qks_test_svg_find_strokes (svg, &figure.theme.grid, FALSE, COLOR_TOLERANCE);
    double top = G_MAXDOUBLE, bottom = -G_MAXDOUBLE;

    g_assert_cmpuint (reference->len, ==, 1);
    g_assert_cmpuint (grid->len, ==, 6);
    for (guint i = 0; i < grid->len; i++)
      {
        top = MIN (top, g_array_index (grid, QksTestStroke, i).y0);
        bottom = MAX (bottom, g_array_index (grid, QksTestStroke, i).y0);
      }
    g_assert_cmpfloat (fabs (g_array_index (reference, QksTestStroke, 0).y0 - (top + bottom) / 2.0), <=, 1.0);
  }

  qks_test_svg_assert_text (svg, "Symmetric energy of the QK forms");
  qks_test_svg_assert_text (svg, "Layer");
  qks_test_svg_assert_text (svg, "Symmetric share ‖S‖² / ‖M‖²");
  qks_test_svg_assert_text (svg, "random ≈ 0.5");
  qks_test_svg_assert_text (svg, "layer");
  qks_test_svg_assert_text (svg, "heads 0–5, left to right");
  for (guint l = 0; l < N_LAYERS; l++)
    {
      g_autofree char *label = g_strdup_printf ("%u", l);

      qks_test_svg_assert_text (svg, label);
    }

  /* Without per-head values: bars alone. */
  figure.data.head_fraction = NULL;
  g_clear_pointer (&svg, qks_test_svg_free);
  svg = qks_test_svg_render (draw_symmetry, &figure, WIDTH, HEIGHT);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &dot, COLOR_TOLERANCE), ==, 0);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &bar, COLOR_TOLERANCE), ==, N_LAYERS + 1);
  g_assert_false (qks_test_svg_has_text_containing (svg, "heads 0"));
}

static void
test_symmetry_malformed (void)
{
  static const struct
  {
    const char *name;
    const char *message;
  } cases[] = {
    { "no layers", "No symmetric-energy values yet." },
    { "no array", "No symmetric-energy values yet." },
    { "head count", "23 per-head values for 4 layers of 6 heads: the data do not match." },
    { "no heads", "the data do not match" },
    { "NaN layer", "not numbers" },
    { "NaN head", "not numbers" },
    { "above 1", "A symmetric energy of 1.2 lies outside 0 to 1." },
    { "negative head", "A symmetric energy of -0.3 lies outside 0 to 1." },
    { "null", "No symmetric-energy values yet." },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(QksTestSvg) svg = NULL;
      SymmetryFigure figure;

      figure_init (&figure, 2);
      switch (c)
        {
        case 0: figure.data.n_layers = 0; break;
        case 1: figure.data.layer_fraction = NULL; break;
        case 2: figure.data.n_head_values--; break;
        case 3: figure.data.n_heads = 0; break;
        case 4: figure.layers[1] = NAN; break;
        case 5: figure.heads[7] = NAN; break;
        case 6: figure.layers[3] = 1.2; break;
        case 7: figure.heads[2] = -0.3; break;
        default: break;
        }
      g_test_message ("%s", cases[c].name);
      svg = qks_test_svg_render (c == 8 ? draw_symmetry_null : draw_symmetry, &figure, WIDTH, HEIGHT);
      qks_test_svg_assert_text_containing (svg, cases[c].message);
      g_assert_cmpuint (svg->fills->len, <=, 1);
    }

  /* One layer of one head; allocations too small to draw in. */
  {
    static const double one[] = { 0.5 };
    SymmetryFigure figure;
    g_autoptr(QksTestSvg) svg = NULL;
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 32, 32);
    cairo_t *cr = cairo_create (surface);

    qks_plot_theme_init_light (&figure.theme);
    figure.data = (QksPlotSymmetryData) { 1, one, 1, one, 1, NULL };
    svg = qks_test_svg_render (draw_symmetry, &figure, WIDTH, HEIGHT);
    qks_test_svg_assert_text (svg, "head");
    for (double size = -4.0; size <= 40.0; size += 22.0)
      qks_plot_symmetry_draw (cr, size, size, &figure.theme, &figure.data);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }
}

static void
test_symmetry_reference (void)
{
  SymmetryFigure figure;

  figure_init (&figure, 3);
  qks_test_check_reference ("symmetry-1x", draw_symmetry, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("symmetry-2x", draw_symmetry, &figure, WIDTH, HEIGHT, 2.0);
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("symmetry-dark-1x", draw_symmetry, &figure, WIDTH, HEIGHT, 1.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A figure given bad data draws an empty state: it never warns. */
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/plot/symmetry/bars-and-dots", test_symmetry_bars_and_dots);
  g_test_add_func ("/plot/symmetry/malformed", test_symmetry_malformed);
  g_test_add_func ("/plot/symmetry/reference", test_symmetry_reference);
  return g_test_run ();
}
