/* test-plot-angles.c: the principal-angle heatmap and a pair's histogram
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-diversity.h"
#include "qks-plot-angles.h"
#include "qks-plot-colormap.h"

#include "plot-reference.h"
#include "plot-svg.h"

#define WIDTH  640.0
#define HEIGHT 400.0
#define D_MODEL 64
#define D_HEAD  8

/* Colours come back from the SVG as percentages with six decimals. */
#define COLOR_TOLERANCE 1e-4

typedef struct
{
  QksPlotTheme      theme;
  QksPlotAnglesData data;
} AnglesFigure;

typedef struct
{
  QksPlotTheme              theme;
  QksPlotAngleHistogramData data;
} HistogramFigure;

static void
draw_angles (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  AnglesFigure *figure = user_data;

  qks_plot_angles_draw (cr, width, height, &figure->theme, &figure->data);
}

static void
draw_angles_null (cairo_t  *cr,
                  double    width,
                  double    height,
                  gpointer  user_data)
{
  AnglesFigure *figure = user_data;

  qks_plot_angles_draw (cr, width, height, &figure->theme, NULL);
}

static void
draw_histogram (cairo_t  *cr,
                double    width,
                double    height,
                gpointer  user_data)
{
  HistogramFigure *figure = user_data;

  qks_plot_angle_histogram_draw (cr, width, height, &figure->theme, &figure->data);
}

/* Heads whose subspaces fall into clusters, as trained heads' often do;
 * with @shared_keys every head has the same W_K, as in MQA. */
static QksAttnHeads *
make_heads (guint    n_heads,
            guint    seed,
            gboolean shared_keys)
{
  QksAttnHeads *heads = qks_attn_heads_new (n_heads, D_MODEL, D_HEAD, D_HEAD);
  g_autoptr(QksMatrix) common = NULL;
  gsize size = (gsize) D_HEAD * D_MODEL;
  QksRng rng;

  qks_rng_init (&rng, seed);
  common = qks_matrix_new_gaussian (D_HEAD, D_MODEL, 1.0, &rng);
  for (guint h = 0; h < n_heads; h++)
    {
      /* Heads 0 … 2 lean on one shared direction set. */
      double share = h < 3 ? 0.8 : 0.0;
      QksMatrix *kinds[] = { heads->w_q[h], heads->w_k[h], heads->w_v[h], heads->w_o[h] };

      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        qks_rng_fill_normal (&rng, kinds[k]->data, kinds[k]->rows * kinds[k]->cols, 0.0, 1.0);
      for (gsize i = 0; i < size; i++)
        {
          heads->w_k[h]->data[i] = share * common->data[i] + sqrt (1.0 - share * share) * heads->w_k[h]->data[i];
          if (shared_keys)
            heads->w_k[h]->data[i] = common->data[i];
        }
    }
  if (shared_keys)
    heads->shared_key_width = D_HEAD;
  return heads;
}

static QksHeadAngles *
make_angles (guint            n_heads,
             guint            seed,
             gboolean         shared_keys,
             QksHeadSubspace  subspace)
{
  g_autoptr(QksAttnHeads) heads = make_heads (n_heads, seed, shared_keys);
  g_autoptr(GError) error = NULL;
  QksHeadAngles *angles = qks_head_angles_new_for_heads (heads, subspace, &error);

  g_assert_no_error (error);
  return angles;
}

static void
figure_init (AnglesFigure        *figure,
             const QksHeadAngles *angles,
             QksPlotAnglesQuantity quantity,
             QksPlotSubspace      subspace)
{
  qks_plot_theme_init_light (&figure->theme);
  figure->data = (QksPlotAnglesData) {
    .n_heads = angles->n_heads,
    .values = quantity == QKS_PLOT_ANGLES_OVERLAP ? angles->overlap->data : angles->mean_angle->data,
    .n_values = (gsize) angles->n_heads * angles->n_heads,
    .quantity = quantity,
    .subspace = subspace,
    .hdi = angles->hdi,
    .shared_by_construction = angles->shared_by_construction,
    .selected_i = -1,
    .selected_j = -1,
  };
}

/* Every off-diagonal cell is one path in the colour the bar gives its
 * value; the diagonal is H paths of one grey off the colour map. */
static void
assert_cells (const QksTestSvg  *svg,
              const AnglesFigure *figure,
              double              alpha)
{
  guint H = figure->data.n_heads, found = 0;
  g_autofree gboolean *used = g_new0 (gboolean, svg->fills->len);
  QksPlotColor grey = { 0 };
  guint n_grey = 0;

  for (guint i = 0; i < H; i++)
    for (guint j = 0; j < H; j++)
      {
        double value = figure->data.values[i * H + j];
        double t = figure->data.quantity == QKS_PLOT_ANGLES_OVERLAP ? value : value / (G_PI / 2.0);
        QksPlotColor expected = qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, CLAMP (t, 0.0, 1.0));

        if (i == j)
          continue;
        expected.alpha = alpha;
        for (guint p = 0; p < svg->fills->len; p++)
          if (!used[p] && qks_plot_color_equal (&g_array_index (svg->fills, QksPlotColor, p), &expected, COLOR_TOLERANCE))
            {
              used[p] = TRUE;
              found++;
              break;
            }
      }
  g_assert_cmpuint (found, ==, H * (H - 1));

  /* The diagonal: the first grey fill, H times, nowhere on viridis. */
  for (guint p = 0; p < svg->fills->len && n_grey == 0; p++)
    {
      const QksPlotColor *c = &g_array_index (svg->fills, QksPlotColor, p);

      if (!used[p] && c->alpha == 1.0 && fabs (c->red - c->green) < 1e-6 && fabs (c->green - c->blue) < 1e-6 &&
          c->red > 0.05 && c->red < 0.95)
        {
          grey = *c;
          n_grey = qks_test_svg_count_fills (svg, &grey, COLOR_TOLERANCE);
        }
    }
  g_assert_cmpuint (n_grey, ==, H);
}

static void
test_angles_cells (void)
{
  g_autoptr(QksHeadAngles) angles = make_angles (12, 1, FALSE, QKS_HEAD_SUBSPACE_K);
  g_autoptr(QksTestSvg) svg = NULL;
  g_autofree char *title = NULL;
  AnglesFigure figure;

  figure_init (&figure, angles, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K);
  svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);
  assert_cells (svg, &figure, 1.0);

  title = g_strdup_printf ("K subspaces: mean principal angle · HDI %.3f", angles->hdi);
  qks_test_svg_assert_text (svg, title);
  qks_test_svg_assert_text (svg, "Head");
  qks_test_svg_assert_text (svg, "Mean angle (°)");
  for (guint h = 0; h < 12; h++)
    {
      g_autofree char *label = g_strdup_printf ("%u", h);

      qks_test_svg_assert_text (svg, label);
    }
  /* The colour bar is in degrees, up to 90 itself. */
  qks_test_svg_assert_text (svg, "90");
  qks_test_svg_assert_text_containing (svg, "Grey diagonal: each head with itself.");
  g_assert_false (qks_test_svg_has_text_containing (svg, "by construction"));
  /* Twelve heads are too many to write the values in the cells. */
  g_assert_false (qks_test_svg_has_text (svg, "0.00"));
}

static void
test_angles_overlap_annotated (void)
{
  g_autoptr(QksHeadAngles) angles = make_angles (5, 2, FALSE, QKS_HEAD_SUBSPACE_Q);
  g_autoptr(QksTestSvg) svg = NULL;
  g_autofree char *value = NULL;
  AnglesFigure figure;

  figure_init (&figure, angles, QKS_PLOT_ANGLES_OVERLAP, QKS_PLOT_SUBSPACE_Q);
  svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);
  assert_cells (svg, &figure, 1.0);
  qks_test_svg_assert_text_containing (svg, "Q subspaces: overlap of heads · HDI");
  qks_test_svg_assert_text (svg, "Overlap (mean cos²)");
  /* Five heads leave room to write each value in its cell. */
  value = g_strdup_printf ("%.2f", qks_matrix_get (angles->overlap, 0, 3));
  qks_test_svg_assert_text (svg, value);
}

static void
test_angles_shared_by_construction (void)
{
  static const char *caption = "Keys share one subspace by construction (MQA): this is not a finding.";
  g_autoptr(QksHeadAngles) keys = make_angles (6, 3, TRUE, QKS_HEAD_SUBSPACE_K);
  g_autoptr(QksHeadAngles) queries = make_angles (6, 3, TRUE, QKS_HEAD_SUBSPACE_Q);
  AnglesFigure figure;

  /* The diagnostics flag MQA's keys, and only them. */
  g_assert_true (keys->shared_by_construction);
  g_assert_false (queries->shared_by_construction);

  figure_init (&figure, keys, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K);
  figure.data.shared_reason = "MQA";
  {
    g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);

    qks_test_svg_assert_text_containing (svg, caption);
    qks_test_svg_assert_text_containing (svg, "HDI 0.000 by construction");
    g_assert_false (qks_test_svg_has_text_containing (svg, "Grey diagonal"));
    /* The cells are still drawn, washed out. */
    assert_cells (svg, &figure, 0.35);
  }

  /* The same uniform matrix without the flag says nothing of the kind. */
  figure.data.shared_by_construction = FALSE;
  {
    g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);

    g_assert_false (qks_test_svg_has_text_containing (svg, "by construction"));
    g_assert_false (qks_test_svg_has_text_containing (svg, "not a finding"));
    assert_cells (svg, &figure, 1.0);
  }

  /* Nor do the queries of the same layer. */
  figure_init (&figure, queries, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_Q);
  {
    g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);

    g_assert_false (qks_test_svg_has_text_containing (svg, "by construction"));
  }

  /* Values, without a reason given. */
  figure_init (&figure, keys, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_V);
  {
    g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);

    qks_test_svg_assert_text_containing (svg, "Values share one subspace by construction: this is not a finding.");
  }
}

/* The histogram's bars: one path each in the first palette colour. */
static guint
count_bars (const QksTestSvg   *svg,
            const QksPlotTheme *theme)
{
  QksPlotColor bar = qks_plot_palette_color (0, theme->dark);

  return qks_test_svg_count_fills (svg, &bar, COLOR_TOLERANCE);
}

static void
test_angles_selected_pair (void)
{
  g_autoptr(QksHeadAngles) angles = make_angles (8, 4, FALSE, QKS_HEAD_SUBSPACE_K);
  g_autoptr(QksTestSvg) svg = NULL;
  g_autofree char *mean = NULL;
  guint n_angles, bins[18] = { 0 }, n_bars = 0;
  const double *pair = qks_head_angles_get_pair (angles, 2, 5, &n_angles);
  AnglesFigure figure;
  double sum = 0.0;

  figure_init (&figure, angles, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K);
  figure.data.selected_i = 2;
  figure.data.selected_j = 5;
  figure.data.pair_angles = pair;
  figure.data.n_pair_angles = n_angles;
  svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);
  assert_cells (svg, &figure, 1.0);

  /* Eight angles: 10° bins. */
  g_assert_cmpuint (n_angles, ==, D_HEAD);
  for (guint i = 0; i < n_angles; i++)
    {
      double degrees = CLAMP (pair[i] * 180.0 / G_PI, 0.0, 90.0);

      bins[MIN ((guint) (degrees / 10.0), 8)]++;
      sum += degrees;
    }
  for (guint b = 0; b < 9; b++)
    n_bars += bins[b] > 0;
  g_assert_cmpuint (count_bars (svg, &figure.theme), ==, n_bars);

  mean = g_strdup_printf ("mean %.1f°", sum / n_angles);
  qks_test_svg_assert_text (svg, mean);
  qks_test_svg_assert_text (svg, "Heads 2 and 5");
  qks_test_svg_assert_text (svg, "Principal angle (°)");
  qks_test_svg_assert_text (svg, "Count (of 8)");

  /* Too narrow for two panels: the heatmap alone, still outlined. */
  {
    g_autoptr(QksTestSvg) narrow = qks_test_svg_render (draw_angles, &figure, 400.0, HEIGHT);

    assert_cells (narrow, &figure, 1.0);
    g_assert_false (qks_test_svg_has_text (narrow, "Heads 2 and 5"));
  }
}

static void
test_angles_histogram (void)
{
  /* Seven angles: 10° bins; 90° falls in the last. */
  static const double degrees[] = { 10.0, 12.0, 47.0, 47.5, 80.0, 89.9, 90.0 };
  double radians[G_N_ELEMENTS (degrees)], sum = 0.0;
  g_autoptr(QksTestSvg) svg = NULL;
  g_autofree char *mean = NULL;
  HistogramFigure figure;

  for (guint i = 0; i < G_N_ELEMENTS (degrees); i++)
    {
      radians[i] = degrees[i] * G_PI / 180.0;
      sum += degrees[i];
    }
  qks_plot_theme_init_light (&figure.theme);
  figure.data = (QksPlotAngleHistogramData) { radians, G_N_ELEMENTS (radians), 2, 5, QKS_PLOT_SUBSPACE_V, NULL };
  svg = qks_test_svg_render (draw_histogram, &figure, 480.0, 320.0);
  g_assert_cmpuint (count_bars (svg, &figure.theme), ==, 3);
  qks_test_svg_assert_text (svg, "Principal angles of heads 2 and 5 · V");

  /* The mean's dashed line where the grid lines at 0° and 90° put it. */
  {
    QksPlotColor mean_color = qks_plot_palette_color (3, FALSE);
    g_autoptr(GArray) line = qks_test_svg_find_strokes (svg, &mean_color, TRUE, COLOR_TOLERANCE);
    g_autoptr(GArray) grid = qks_test_svg_find_strokes (svg, &figure.theme.grid, FALSE, COLOR_TOLERANCE);
    double x0 = G_MAXDOUBLE, x90 = -G_MAXDOUBLE;

    for (guint i = 0; i < grid->len; i++)
      {
        x0 = MIN (x0, g_array_index (grid, QksTestStroke, i).x0);
        x90 = MAX (x90, g_array_index (grid, QksTestStroke, i).x0);
      }
    g_assert_cmpuint (line->len, ==, 1);
    g_assert_cmpfloat (fabs (g_array_index (line, QksTestStroke, 0).x0 -
                             (x0 + sum / G_N_ELEMENTS (degrees) / 90.0 * (x90 - x0))), <=, 1.0);
  }
  mean = g_strdup_printf ("mean %.1f°", sum / G_N_ELEMENTS (degrees));
  qks_test_svg_assert_text (svg, mean);
  qks_test_svg_assert_text (svg, "Count (of 7)");
  qks_test_svg_assert_text (svg, "Principal angle (°)");
  /* Degrees tick at multiples of 15. */
  qks_test_svg_assert_text (svg, "90");
  g_assert_false (qks_test_svg_has_text (svg, "80"));
}

typedef struct
{
  const char *name;
  const char *message;  /* a part of the empty state's text */
} Malformed;

static void
test_angles_malformed (void)
{
  static const double nan_matrix[] = { 0.0, NAN, NAN, 0.0 };
  static const double degrees_matrix[] = { 0.0, 60.0, 60.0, 0.0 };
  static const double overlap_matrix[] = { 1.0, 1.5, 1.5, 1.0 };
  static const double one[] = { 0.0 };
  static const double good[] = { 0.0, 1.0, 1.0, 0.0 };
  static const double nan_pair[] = { 0.5, NAN };
  static const Malformed cases[] = {
    { "no heads", "No heads to compare yet." },
    { "one head", "A single head" },
    { "wrong size", "the data do not match" },
    { "NaN", "not numbers" },
    { "degrees", "the figure takes radians" },
    { "overlap", "outside 0 to 1" },
    { "null", "No heads to compare yet." },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(QksTestSvg) svg = NULL;
      AnglesFigure figure;

      qks_plot_theme_init_light (&figure.theme);
      figure.data = (QksPlotAnglesData) { 2, good, 4, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K, 0.5,
                                          .selected_i = -1, .selected_j = -1 };
      switch (c)
        {
        case 0:
          figure.data.n_heads = 0;
          break;
        case 1:
          figure.data = (QksPlotAnglesData) { 1, one, 1, .selected_i = 0, .selected_j = 0 };
          break;
        case 2:
          figure.data.n_values = 3;
          break;
        case 3:
          figure.data.values = nan_matrix;
          break;
        case 4:
          figure.data.values = degrees_matrix;
          break;
        case 5:
          figure.data.values = overlap_matrix;
          figure.data.quantity = QKS_PLOT_ANGLES_OVERLAP;
          break;
        default:
          break;
        }
      svg = qks_test_svg_render (c == 6 ? draw_angles_null : draw_angles, &figure, WIDTH, HEIGHT);
      g_test_message ("%s", cases[c].name);
      qks_test_svg_assert_text_containing (svg, cases[c].message);
      /* The background alone: no cell was drawn. */
      g_assert_cmpuint (svg->fills->len, <=, 1);
    }

  /* A good matrix with a bad pair: the heatmap, and the histogram's panel
   * says what is wrong. */
  {
    g_autoptr(QksTestSvg) svg = NULL;
    AnglesFigure figure;

    qks_plot_theme_init_light (&figure.theme);
    figure.data = (QksPlotAnglesData) { 2, good, 4, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K, 0.5,
                                        .selected_i = 0, .selected_j = 1,
                                        .pair_angles = nan_pair, .n_pair_angles = 2 };
    svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);
    assert_cells (svg, &figure, 1.0);
    qks_test_svg_assert_text_containing (svg, "not numbers");

    figure.data.pair_angles = NULL;
    g_clear_pointer (&svg, qks_test_svg_free);
    svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);
    qks_test_svg_assert_text (svg, "No principal angles for this pair of heads.");

    /* A selection past the heads is no selection. */
    figure.data.selected_j = 7;
    g_clear_pointer (&svg, qks_test_svg_free);
    svg = qks_test_svg_render (draw_angles, &figure, WIDTH, HEIGHT);
    g_assert_false (qks_test_svg_has_text_containing (svg, "Heads 0 and"));
  }

  /* A histogram of nothing, and of one head with itself. */
  {
    static const double angles[] = { 0.1, 0.2 };
    HistogramFigure figure;

    qks_plot_theme_init_light (&figure.theme);
    figure.data = (QksPlotAngleHistogramData) { NULL, 0, 1, 2, QKS_PLOT_SUBSPACE_K, NULL };
    {
      g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_histogram, &figure, 320.0, 240.0);

      qks_test_svg_assert_text (svg, "No principal angles for this pair of heads.");
    }
    figure.data = (QksPlotAngleHistogramData) { angles, 2, 3, 3, QKS_PLOT_SUBSPACE_K, NULL };
    {
      g_autoptr(QksTestSvg) svg = qks_test_svg_render (draw_histogram, &figure, 320.0, 240.0);

      qks_test_svg_assert_text_containing (svg, "are one head");
    }
  }

  /* Allocations too small for a frame: an empty state, not a failure. */
  {
    g_autoptr(QksHeadAngles) angles = make_angles (4, 5, FALSE, QKS_HEAD_SUBSPACE_K);
    AnglesFigure figure;
    static const double sizes[][2] = { { 60.0, 40.0 }, { 1.0, 1.0 }, { 0.0, 0.0 }, { -5.0, 10.0 } };

    figure_init (&figure, angles, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K);
    figure.data.selected_i = 0;
    figure.data.selected_j = 1;
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 64);
        cairo_t *cr = cairo_create (surface);

        qks_plot_angles_draw (cr, sizes[s][0], sizes[s][1], &figure.theme, &figure.data);
        g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
        cairo_destroy (cr);
        cairo_surface_destroy (surface);
      }
  }
}

static void
test_angles_reference (void)
{
  g_autoptr(QksHeadAngles) angles = make_angles (6, 6, FALSE, QKS_HEAD_SUBSPACE_K);
  g_autoptr(QksHeadAngles) shared = make_angles (6, 6, TRUE, QKS_HEAD_SUBSPACE_K);
  guint n_angles;
  const double *pair = qks_head_angles_get_pair (angles, 0, 4, &n_angles);
  AnglesFigure figure, mqa;
  HistogramFigure histogram;

  figure_init (&figure, angles, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K);
  figure.data.selected_i = 0;
  figure.data.selected_j = 4;
  figure.data.pair_angles = pair;
  figure.data.n_pair_angles = n_angles;
  qks_test_check_reference ("angles-1x", draw_angles, &figure, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("angles-2x", draw_angles, &figure, WIDTH, HEIGHT, 2.0);
  qks_plot_theme_init_dark (&figure.theme);
  qks_test_check_reference ("angles-dark-1x", draw_angles, &figure, WIDTH, HEIGHT, 1.0);

  figure_init (&mqa, shared, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K);
  mqa.data.shared_reason = "MQA";
  qks_test_check_reference ("angles-shared-1x", draw_angles, &mqa, WIDTH, HEIGHT, 1.0);
  qks_test_check_reference ("angles-shared-2x", draw_angles, &mqa, WIDTH, HEIGHT, 2.0);

  qks_plot_theme_init_light (&histogram.theme);
  histogram.data = (QksPlotAngleHistogramData) { pair, n_angles, 0, 4, QKS_PLOT_SUBSPACE_K, NULL };
  qks_test_check_reference ("angle-histogram-1x", draw_histogram, &histogram, 480.0, 320.0, 1.0);
  qks_test_check_reference ("angle-histogram-2x", draw_histogram, &histogram, 480.0, 320.0, 2.0);
}

/* Tooltips: a sweep of the heatmap finds every pair of heads, each with
 * its own mean angle in degrees, and the diagonal as a head with itself;
 * the caption under it has none. */
static void
test_angles_query (void)
{
  g_autoptr(QksHeadAngles) angles = make_angles (6, 3, FALSE, QKS_HEAD_SUBSPACE_Q);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  gboolean seen[6 * 6] = { FALSE };
  g_autofree char *below = NULL;
  AnglesFigure figure;

  figure_init (&figure, angles, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_Q);
  for (double y = 0.5; y < HEIGHT; y += 7.0)
    for (double x = 0.5; x < WIDTH; x += 7.0)
      {
        g_autofree char *text = qks_plot_angles_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, x, y);
        guint i, j;
        double degrees;

        if (text == NULL)
          continue;
        if (sscanf (text, "Head %u with itself", &i) == 1)
          {
            g_assert_cmpuint (i, <, 6);
            seen[i * 6 + i] = TRUE;
            continue;
          }
        g_assert_cmpint (sscanf (text, "Heads %u and %u\nMean principal angle %lf°", &i, &j, &degrees), ==, 3);
        g_assert_cmpuint (i, <, 6);
        g_assert_cmpuint (j, <, 6);
        g_assert_cmpfloat (fabs (degrees - angles->mean_angle->data[i * 6 + j] * 180.0 / G_PI), <, 0.006);
        seen[i * 6 + j] = TRUE;
      }
  for (guint k = 0; k < 6 * 6; k++)
    g_assert_true (seen[k]);
  below = qks_plot_angles_query (cr, WIDTH, HEIGHT, &figure.theme, &figure.data, WIDTH / 2.0, HEIGHT - 2.0);
  g_assert_null (below);

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

  g_test_add_func ("/plot/angles/cells", test_angles_cells);
  g_test_add_func ("/plot/angles/overlap-annotated", test_angles_overlap_annotated);
  g_test_add_func ("/plot/angles/shared-by-construction", test_angles_shared_by_construction);
  g_test_add_func ("/plot/angles/selected-pair", test_angles_selected_pair);
  g_test_add_func ("/plot/angles/histogram", test_angles_histogram);
  g_test_add_func ("/plot/angles/malformed", test_angles_malformed);
  g_test_add_func ("/plot/angles/reference", test_angles_reference);
  g_test_add_func ("/plot/angles/query", test_angles_query);
  return g_test_run ();
}
