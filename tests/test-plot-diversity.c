/* test-plot-diversity.c: the head-diversity scree plot and the effective
 * rank per layer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-diversity.h"
#include "qks-plot-colormap.h"
#include "qks-plot-diversity.h"

#include "plot-reference.h"
#include "plot-svg.h"

#define WIDTH   640.0
#define HEIGHT  400.0
#define N_HEADS 8
#define D_MODEL 64
#define D_HEAD  8

#define COLOR_TOLERANCE 1e-4
#define BAR_TINT        0.45  /* as qks-plot-diversity.c tints its bars */

typedef struct
{
  QksPlotTheme           theme;
  QksPlotDiversityData   data;
  QksPlotDiversitySeries series[QKS_PLOT_DIVERSITY_MAX_SERIES + 1];
} ScreeFigure;

typedef struct
{
  QksPlotTheme              theme;
  QksPlotDiversityRanksData data;
} RanksFigure;

static void
draw_scree (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  ScreeFigure *figure = user_data;

  qks_plot_diversity_draw (cr, width, height, &figure->theme, &figure->data);
}

static void
draw_scree_null (cairo_t  *cr,
                 double    width,
                 double    height,
                 gpointer  user_data)
{
  ScreeFigure *figure = user_data;

  qks_plot_diversity_draw (cr, width, height, &figure->theme, NULL);
}

static void
draw_ranks (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  RanksFigure *figure = user_data;

  qks_plot_diversity_ranks_draw (cr, width, height, &figure->theme, &figure->data);
}

/* Heads in @n_clusters groups whose weights share a part of weight
 * @shared with the rest of their group (0: random heads; 1 and one group:
 * identical heads). A part all heads share would be no diversity lost: the
 * centring takes it out. */
static QksHeadDiversity *
make_diversity (guint  seed,
                double shared,
                guint  n_clusters)
{
  g_autoptr(QksAttnHeads) heads = qks_attn_heads_new (N_HEADS, D_MODEL, D_HEAD, D_HEAD);
  g_autoptr(GPtrArray) common = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  g_autoptr(GError) error = NULL;
  QksHeadDiversity *diversity;
  QksRng rng;

  qks_rng_init (&rng, seed);
  for (guint c = 0; c < n_clusters; c++)
    for (guint k = 0; k < 4; k++)
      g_ptr_array_add (common, qks_matrix_new_gaussian (k < 3 ? D_HEAD : D_MODEL, k < 3 ? D_MODEL : D_HEAD,
                                                        1.0, &rng));
  for (guint h = 0; h < N_HEADS; h++)
    {
      QksMatrix *kinds[] = { heads->w_q[h], heads->w_k[h], heads->w_v[h], heads->w_o[h] };
      guint cluster = h * n_clusters / N_HEADS;

      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          const QksMatrix *part = common->pdata[cluster * 4 + k];
          gsize size = kinds[k]->rows * kinds[k]->cols;

          qks_rng_fill_normal (&rng, kinds[k]->data, size, 0.0, 1.0);
          for (gsize i = 0; i < size; i++)
            kinds[k]->data[i] = shared >= 1.0 ? part->data[i]
                                              : shared * part->data[i] + sqrt (1.0 - shared * shared) * kinds[k]->data[i];
        }
    }
  diversity = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, &error);
  g_assert_no_error (error);
  return diversity;
}

static void
scree_init (ScreeFigure *figure)
{
  memset (figure, 0, sizeof *figure);
  qks_plot_theme_init_light (&figure->theme);
  figure->data.series = figure->series;
  figure->data.form = "QK";
}

static void
series_from (QksPlotDiversitySeries *series,
             const QksHeadGram      *gram,
             const char             *label)
{
  *series = (QksPlotDiversitySeries) { label, gram->variance_explained, gram->n_heads, gram->effective_rank_percent };
}

static QksPlotColor
bar_color (const QksPlotTheme *theme)
{
  QksPlotColor line = qks_plot_palette_color (0, theme->dark);
  QksPlotColor bar = {
    theme->background.red * (1.0 - BAR_TINT) + line.red * BAR_TINT,
    theme->background.green * (1.0 - BAR_TINT) + line.green * BAR_TINT,
    theme->background.blue * (1.0 - BAR_TINT) + line.blue * BAR_TINT,
    1.0,
  };

  return bar;
}

static void
test_diversity_scree (void)
{
  g_autoptr(QksHeadDiversity) diversity = make_diversity (1, 0.6, 3);
  const QksHeadGram *gram = diversity->qk;
  g_autoptr(QksTestSvg) svg = NULL;
  g_autofree char *legend = NULL;
  g_autofree char *k90 = NULL;
  g_autofree char *k95 = NULL;
  QksPlotColor bar, line;
  ScreeFigure figure;

  scree_init (&figure);
  series_from (&figure.series[0], gram, NULL);
  figure.data.n_series = 1;
  svg = qks_test_svg_render (draw_scree, &figure, WIDTH, HEIGHT);

  /* H − 1 bars, one path each, and the legend's patch. */
  bar = bar_color (&figure.theme);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &bar, COLOR_TOLERANCE), ==, N_HEADS - 1 + 1);
  /* The cumulative line, and a marker per component. */
  line = qks_plot_palette_color (0, FALSE);
  g_assert_cmpuint (qks_test_svg_count_strokes (svg, &line, FALSE, COLOR_TOLERANCE), >=, 1);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &line, COLOR_TOLERANCE), ==, N_HEADS - 1);
  /* The guides are dashed, at 90 % and 95 % of the grid's 0 … 100. */
  {
    g_autoptr(GArray) guides = qks_test_svg_find_strokes (svg, &figure.theme.muted, TRUE, COLOR_TOLERANCE);
    g_autoptr(GArray) grid = qks_test_svg_find_strokes (svg, &figure.theme.grid, FALSE, COLOR_TOLERANCE);
    double y0 = -G_MAXDOUBLE, y100 = G_MAXDOUBLE;

    g_assert_cmpuint (grid->len, ==, 6);
    for (guint i = 0; i < grid->len; i++)
      {
        y0 = MAX (y0, g_array_index (grid, QksTestStroke, i).y0);
        y100 = MIN (y100, g_array_index (grid, QksTestStroke, i).y0);
      }
    /* Two guides, then the two drops from k₉₀ and k₉₅. */
    g_assert_cmpuint (guides->len, ==, 4);
    g_assert_cmpfloat (fabs (g_array_index (guides, QksTestStroke, 0).y0 - (y0 + 0.90 * (y100 - y0))), <=, 1.0);
    g_assert_cmpfloat (fabs (g_array_index (guides, QksTestStroke, 1).y0 - (y0 + 0.95 * (y100 - y0))), <=, 1.0);
  }

  qks_test_svg_assert_text (svg, "Head diversity · QK forms");
  qks_test_svg_assert_text (svg, "Principal component");
  qks_test_svg_assert_text (svg, "Variance explained (%)");
  qks_test_svg_assert_text (svg, "share of each component");
  legend = g_strdup_printf ("cumulative, effective rank %.1f %%", gram->effective_rank_percent);
  qks_test_svg_assert_text (svg, legend);
  /* k₉₀ and k₉₅ as the diagnostics count them. */
  k90 = g_strdup_printf ("90 %% · k₉₀ = %u", gram->k90);
  k95 = g_strdup_printf ("95 %% · k₉₅ = %u", gram->k95);
  qks_test_svg_assert_text (svg, k90);
  qks_test_svg_assert_text (svg, k95);
  for (guint k = 1; k < N_HEADS; k++)
    {
      g_autofree char *label = g_strdup_printf ("%u", k);

      qks_test_svg_assert_text (svg, label);
    }
  /* μ_H = 0 is left out. */
  g_assert_false (qks_test_svg_has_text (svg, "8"));
  g_assert_false (qks_test_svg_has_text_containing (svg, "identical"));
}

static void
test_diversity_runs (void)
{
  static const double shared[] = { 0.0, 0.6, 0.9 };
  static const char *labels[] = { "step 0", "step 500", "step 3000" };
  QksHeadDiversity *diversities[G_N_ELEMENTS (shared)];
  g_autoptr(QksTestSvg) svg = NULL;
  ScreeFigure figure;
  QksPlotColor bar;

  scree_init (&figure);
  for (guint r = 0; r < G_N_ELEMENTS (shared); r++)
    {
      diversities[r] = make_diversity (2 + r, shared[r], 3);
      series_from (&figure.series[r], diversities[r]->qk, labels[r]);
    }
  figure.data.n_series = G_N_ELEMENTS (shared);
  figure.data.form = "OV";
  svg = qks_test_svg_render (draw_scree, &figure, WIDTH, HEIGHT);

  /* No bars: one line per run in its palette colour, dotted at each
   * component. */
  bar = bar_color (&figure.theme);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &bar, COLOR_TOLERANCE), ==, 0);
  for (guint r = 0; r < G_N_ELEMENTS (shared); r++)
    {
      QksPlotColor color = qks_plot_palette_color (r, FALSE);
      g_autofree char *legend = g_strdup_printf ("%s, effective rank %.1f %%", labels[r],
                                                 diversities[r]->qk->effective_rank_percent);

      g_assert_cmpuint (qks_test_svg_count_fills (svg, &color, COLOR_TOLERANCE), ==, N_HEADS - 1);
      g_assert_cmpuint (qks_test_svg_count_strokes (svg, &color, FALSE, COLOR_TOLERANCE), >=, 1);
      qks_test_svg_assert_text (svg, legend);
    }
  /* More sharing, less diversity. */
  g_assert_cmpfloat (diversities[0]->qk->effective_rank_percent, >, diversities[2]->qk->effective_rank_percent);
  qks_test_svg_assert_text (svg, "Head diversity · OV forms");
  qks_test_svg_assert_text (svg, "90 %");
  qks_test_svg_assert_text (svg, "95 %");
  g_assert_false (qks_test_svg_has_text_containing (svg, "k₉₀ ="));

  for (guint r = 0; r < G_N_ELEMENTS (shared); r++)
    qks_head_diversity_free (diversities[r]);
}

static void
test_diversity_identical (void)
{
  g_autoptr(QksHeadDiversity) same = make_diversity (5, 1.0, 1);
  g_autoptr(QksTestSvg) svg = NULL;
  ScreeFigure figure;
  QksPlotColor bar;

  /* The diagnostics call identical heads 0 % diverse. */
  g_assert_cmpfloat (same->qk->effective_rank_percent, ==, 0.0);
  scree_init (&figure);
  series_from (&figure.series[0], same->qk, NULL);
  figure.data.n_series = 1;
  svg = qks_test_svg_render (draw_scree, &figure, WIDTH, HEIGHT);
  qks_test_svg_assert_text_containing (svg, "The heads’ forms are identical: there is no variance between them");
  bar = bar_color (&figure.theme);
  g_assert_cmpuint (qks_test_svg_count_fills (svg, &bar, COLOR_TOLERANCE), ==, 0);

  /* Beside a diverse run, it is named. */
  {
    g_autoptr(QksHeadDiversity) random = make_diversity (6, 0.0, 1);
    g_autoptr(QksTestSvg) both = NULL;

    series_from (&figure.series[0], random->qk, "MHA");
    series_from (&figure.series[1], same->qk, "tied");
    figure.data.n_series = 2;
    both = qks_test_svg_render (draw_scree, &figure, WIDTH, HEIGHT);
    qks_test_svg_assert_text_containing (both, "tied: the heads’ forms are identical");
    qks_test_svg_assert_text (both, "tied, effective rank 0.0 %");
  }
}

static void
test_diversity_ranks (void)
{
  static const double qk[] = { 99.6, 91.2, 74.5, 52.0 };
  static const double ov[] = { 99.9, 97.0, 88.1, 80.3 };
  RanksFigure figure;

  qks_plot_theme_init_light (&figure.theme);
  figure.data = (QksPlotDiversityRanksData) { 4, qk, 4, ov, 4, N_HEADS, NULL };
  {
    g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_ranks, &figure, WIDTH, HEIGHT);
    QksPlotColor qk_color = qks_plot_palette_color (0, FALSE), ov_color = qks_plot_palette_color (1, FALSE);

    /* A bar per layer and form, and each form's legend patch. */
    g_assert_cmpuint (qks_test_svg_count_fills (svg, &qk_color, COLOR_TOLERANCE), ==, 4 + 1);
    g_assert_cmpuint (qks_test_svg_count_fills (svg, &ov_color, COLOR_TOLERANCE), ==, 4 + 1);
    qks_test_svg_assert_text (svg, "Head diversity per layer");
    qks_test_svg_assert_text (svg, "Layer");
    qks_test_svg_assert_text (svg, "Effective rank (% of H − 1 = 7)");
    qks_test_svg_assert_text (svg, "QK forms");
    qks_test_svg_assert_text (svg, "OV forms");
    for (guint l = 0; l < 4; l++)
      {
        g_autofree char *label = g_strdup_printf ("%u", l);

        qks_test_svg_assert_text (svg, label);
      }
    /* Four layers leave room to write the values. */
    g_assert_true (qks_test_svg_has_text (svg, "74.5") || qks_test_svg_has_text (svg, "75"));
  }

  /* QK alone. */
  figure.data.ov = NULL;
  figure.data.n_ov = 0;
  {
    g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_ranks, &figure, WIDTH, HEIGHT);
    QksPlotColor ov_color = qks_plot_palette_color (1, FALSE);

    g_assert_cmpuint (qks_test_svg_count_fills (svg, &ov_color, COLOR_TOLERANCE), ==, 0);
    g_assert_false (qks_test_svg_has_text (svg, "OV forms"));
  }
}

static void
test_diversity_malformed (void)
{
  static const double good[] = { 0.6, 0.9, 1.0, 1.0 };
  static const double nan_values[] = { 0.6, NAN, 1.0, 1.0 };
  static const double falling[] = { 0.6, 0.5, 1.0, 1.0 };
  static const double above[] = { 0.6, 0.9, 1.2, 1.2 };
  static const struct
  {
    const double *values;
    guint         n;
    double        erank;
    guint         n_series;
    const char   *message;
  } cases[] = {
    { good, 4, 90.0, 0, "No head-diversity results yet." },
    { good, 4, 90.0, 5, "at most 4 can be overlaid" },
    { good, 0, 90.0, 1, "No variance explained to draw." },
    { good, 1, 90.0, 1, "A single head" },
    { nan_values, 4, 90.0, 1, "not numbers" },
    { falling, 4, 90.0, 1, "falls at component 2" },
    { above, 4, 90.0, 1, "outside 0 to 1" },
    { good, 4, 150.0, 1, "An effective rank of 150" },
    { good, 4, 90.0, 2, "Run 2: the variance explained includes values that are not numbers" },
  };
  static const double ranks[] = { 90.0, 80.0 };
  static const double ranks_nan[] = { 90.0, NAN };
  static const double ranks_high[] = { 90.0, 120.0 };
  static const struct
  {
    guint         n_layers;
    const double *qk;
    gsize         n_qk;
    const double *ov;
    gsize         n_ov;
    const char   *message;
  } rank_cases[] = {
    { 0, ranks, 0, NULL, 0, "No layers analysed yet." },
    { 2, NULL, 2, NULL, 0, "No layers analysed yet." },
    { 3, ranks, 2, NULL, 0, "2 QK values for 3 layers" },
    { 2, ranks, 2, ranks, 1, "1 OV values for 2 layers" },
    { 2, ranks, 2, NULL, 2, "0 OV values for 2 layers" },
    { 2, ranks_nan, 2, NULL, 0, "not numbers" },
    { 2, ranks, 2, ranks_high, 2, "An effective rank of 120" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(QksTestSvg) svg = NULL;
      ScreeFigure figure;

      scree_init (&figure);
      for (guint s = 0; s < QKS_PLOT_DIVERSITY_MAX_SERIES + 1; s++)
        figure.series[s] = (QksPlotDiversitySeries) { NULL, cases[c].values, cases[c].n, cases[c].erank };
      if (c == G_N_ELEMENTS (cases) - 1)
        figure.series[1].cumulative = nan_values;
      figure.data.n_series = cases[c].n_series;
      svg = qks_test_svg_render (draw_scree, &figure, WIDTH, HEIGHT);
      qks_test_svg_assert_text_containing (svg, cases[c].message);
      g_assert_cmpuint (svg->fills->len, <=, 1);
    }
  {
    ScreeFigure figure;
    g_autoptr(QksTestSvg) svg = NULL;

    scree_init (&figure);
    svg = qks_test_svg_render (draw_scree_null, &figure, WIDTH, HEIGHT);
    qks_test_svg_assert_text (svg, "No head-diversity results yet.");
  }

  for (guint c = 0; c < G_N_ELEMENTS (rank_cases); c++)
    {
      g_autoptr(QksTestSvg) svg = NULL;
      RanksFigure figure;

      qks_plot_theme_init_light (&figure.theme);
      figure.data = (QksPlotDiversityRanksData) { rank_cases[c].n_layers, rank_cases[c].qk, rank_cases[c].n_qk,
                                                  rank_cases[c].ov, rank_cases[c].n_ov, N_HEADS, NULL };
      svg = qks_test_svg_render (draw_ranks, &figure, WIDTH, HEIGHT);
      qks_test_svg_assert_text_containing (svg, rank_cases[c].message);
      g_assert_cmpuint (svg->fills->len, <=, 1);
    }

  /* Too small to draw in: an empty state, never a failure. */
  {
    ScreeFigure figure;
    RanksFigure ranks_figure;
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 32, 32);
    cairo_t *cr = cairo_create (surface);

    scree_init (&figure);
    figure.series[0] = (QksPlotDiversitySeries) { NULL, good, 4, 90.0 };
    figure.data.n_series = 1;
    qks_plot_theme_init_light (&ranks_figure.theme);
    ranks_figure.data = (QksPlotDiversityRanksData) { 2, ranks, 2, ranks, 2, 3, NULL };
    for (double size = -4.0; size <= 40.0; size += 22.0)
      {
        qks_plot_diversity_draw (cr, size, size, &figure.theme, &figure.data);
        qks_plot_diversity_ranks_draw (cr, size, size, &ranks_figure.theme, &ranks_figure.data);
      }
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }
}

static void
test_diversity_reference (void)
{
  g_autoptr(QksHeadDiversity) trained = make_diversity (7, 0.8, 3);
  g_autoptr(QksHeadDiversity) random = make_diversity (8, 0.0, 1);
  g_autoptr(QksHeadDiversity) collapsed = make_diversity (9, 0.85, 3);
  static const double qk[] = { 99.6, 91.2, 74.5, 52.0, 60.7, 83.3 };
  static const double ov[] = { 99.9, 97.0, 88.1, 80.3, 71.9, 90.4 };
  ScreeFigure figure;
  RanksFigure ranks;

  scree_init (&figure);
  series_from (&figure.series[0], trained->qk, NULL);
  figure.data.n_series = 1;
  qks_test_check_reference ("diversity-1x", draw_scree, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("diversity-2x", draw_scree, &figure, WIDTH, HEIGHT, 2.0);
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("diversity-dark-1x", draw_scree, &figure, WIDTH, HEIGHT, 1.0);

  scree_init (&figure);
  series_from (&figure.series[0], random->qk, "init");
  series_from (&figure.series[1], trained->qk, "step 1000");
  series_from (&figure.series[2], collapsed->qk, "step 3000");
  figure.data.n_series = 3;
  qks_test_check_reference ("diversity-runs-1x", draw_scree, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("diversity-runs-2x", draw_scree, &figure, WIDTH, HEIGHT, 2.0);

  qks_plot_theme_init_light (&ranks.theme);
  ranks.data = (QksPlotDiversityRanksData) { 6, qk, 6, ov, 6, 12, NULL };
  qks_test_check_reference ("diversity-ranks-1x", draw_ranks, &ranks, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("diversity-ranks-2x", draw_ranks, &ranks, WIDTH, HEIGHT, 2.0);
}

/* Tooltips: each component found by a sweep, with each run's share of the
 * variance (recomputed here from the cumulative shares) and its cumulative
 * share there; outside the plot none. */
static void
test_diversity_query (void)
{
  g_autoptr(QksHeadDiversity) one = make_diversity (4, 0.6, 3);
  g_autoptr(QksHeadDiversity) two = make_diversity (5, 0.3, 2);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  gboolean seen[N_HEADS] = { FALSE };
  g_autofree char *corner = NULL;
  ScreeFigure figure;

  scree_init (&figure);
  series_from (&figure.series[0], one->qk, "MHA");
  series_from (&figure.series[1], two->qk, "GQA");
  figure.data.n_series = 2;
  for (double x = 0.5; x < WIDTH; x += 4.0)
    {
      g_autofree char *text = qks_plot_diversity_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, x, HEIGHT / 2.0);
      g_auto(GStrv) lines = NULL;
      guint component;

      if (text == NULL)
        continue;
      lines = g_strsplit (text, "\n", -1);
      g_assert_cmpint (sscanf (lines[0], "Component %u", &component), ==, 1);
      g_assert_cmpuint (component, >=, 1);
      g_assert_cmpuint (component, <, N_HEADS);
      g_assert_cmpuint (g_strv_length (lines), ==, 3);
      for (guint r = 0; r < 2; r++)
        {
          const QksPlotDiversitySeries *series = &figure.series[r];
          const double *c = series->cumulative;
          double expected_share = 100.0 * (c[component - 1] - (component >= 2 ? c[component - 2] : 0.0));
          double shown_share, shown_cumulative;

          g_assert_true (g_str_has_prefix (lines[r + 1], series->label));
          g_assert_cmpint (sscanf (lines[r + 1] + strlen (series->label), ": %lf %% of the variance, %lf %%",
                                   &shown_share, &shown_cumulative), ==, 2);
          g_assert_cmpfloat (fabs (shown_share - expected_share), <, 0.051);
          g_assert_cmpfloat (fabs (shown_cumulative - 100.0 * c[component - 1]), <, 0.051);
        }
      seen[component] = TRUE;
    }
  for (guint k = 1; k < N_HEADS; k++)
    g_assert_true (seen[k]);
  corner = qks_plot_diversity_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, 1.0, 1.0);
  g_assert_null (corner);
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

  g_test_add_func ("/plot/diversity/scree", test_diversity_scree);
  g_test_add_func ("/plot/diversity/runs", test_diversity_runs);
  g_test_add_func ("/plot/diversity/identical", test_diversity_identical);
  g_test_add_func ("/plot/diversity/ranks", test_diversity_ranks);
  g_test_add_func ("/plot/diversity/malformed", test_diversity_malformed);
  g_test_add_func ("/plot/diversity/reference", test_diversity_reference);
  g_test_add_func ("/plot/diversity/query", test_diversity_query);
  return g_test_run ();
}
