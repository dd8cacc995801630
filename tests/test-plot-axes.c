/* test-plot-axes.c: the frame's transforms, margins, degenerate ranges,
 * legend, colour bar and empty state
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-axes.h"

#define WIDTH  480.0
#define HEIGHT 320.0

/* A surface to measure text with; nothing is drawn on it. */
typedef struct
{
  cairo_surface_t *surface;
  cairo_t         *cr;
  QksPlotTheme     theme;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 8, 8);
  fixture->cr = cairo_create (fixture->surface);
  qks_plot_theme_init_light (&fixture->theme);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  cairo_destroy (fixture->cr);
  cairo_surface_destroy (fixture->surface);
}

static QksPlotAxes *
laid_out_axes (Fixture      *fixture,
               double        x_min,
               double        x_max,
               QksPlotScale  x_scale,
               double        y_min,
               double        y_max,
               QksPlotScale  y_scale)
{
  g_autoptr(GError) error = NULL;
  QksPlotAxes *axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);

  qks_plot_axes_set_x (axes, x_min, x_max, x_scale, "x");
  qks_plot_axes_set_y (axes, y_min, y_max, y_scale, "y");
  g_assert_true (qks_plot_axes_layout (axes, fixture->cr, &error));
  g_assert_no_error (error);
  return axes;
}

static void
test_axes_linear_transform (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, -2.0, 6.0, QKS_PLOT_SCALE_LINEAR,
                                               0.0, 1.0, QKS_PLOT_SCALE_LINEAR);
  QksPlotRect frame;

  qks_plot_axes_get_frame (axes, &frame);
  g_assert_cmpfloat (frame.x, >, 0.0);
  g_assert_cmpfloat (frame.y, >, 0.0);
  g_assert_cmpfloat (frame.x + frame.width, <, WIDTH);
  g_assert_cmpfloat (frame.y + frame.height, <, HEIGHT);

  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, -2.0), frame.x, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 6.0), frame.x + frame.width, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 2.0), frame.x + frame.width / 2.0, 1e-9);
  /* y grows upwards. */
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 0.0), frame.y + frame.height, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 1.0), frame.y, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 0.25), frame.y + 0.75 * frame.height, 1e-9);
}

static void
test_axes_log_transform (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 1e-3, 1e3, QKS_PLOT_SCALE_LOG,
                                               0.01, 100.0, QKS_PLOT_SCALE_LOG);
  const QksTicks *ticks = qks_plot_axes_get_x_ticks (axes);
  QksPlotRect frame;

  qks_plot_axes_get_frame (axes, &frame);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 1e-3), frame.x, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 1e3), frame.x + frame.width, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 1.0), frame.x + frame.width / 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 0.01), frame.y + frame.height, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 100.0), frame.y, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 1.0), frame.y + frame.height / 2.0, 1e-9);
  /* Nothing to draw at x ≤ 0. */
  g_assert_true (isnan (qks_plot_axes_x_to_device (axes, 0.0)));
  g_assert_true (isnan (qks_plot_axes_x_to_device (axes, -1.0)));

  g_assert_true (ticks->logarithmic);
  g_assert_cmpuint (ticks->count, >=, 3);
  for (guint i = 0; i < ticks->count; i++)
    g_assert_cmpfloat (fabs (log10 (ticks->values[i]) - round (log10 (ticks->values[i]))), <, 1e-9);
}

static void
test_axes_degenerate_ranges (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  double min, max;

  /* One value: widened around it. */
  {
    g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 3.0, 3.0, QKS_PLOT_SCALE_LINEAR,
                                                 0.0, 0.0, QKS_PLOT_SCALE_LINEAR);

    qks_plot_axes_get_x_range (axes, &min, &max);
    g_assert_cmpfloat (min, <, 3.0);
    g_assert_cmpfloat (max, >, 3.0);
    g_assert_cmpfloat_with_epsilon ((min + max) / 2.0, 3.0, 1e-12);
    qks_plot_axes_get_y_range (axes, &min, &max);
    g_assert_cmpfloat (min, <, 0.0);
    g_assert_cmpfloat (max, >, 0.0);
    g_assert_true (isfinite (qks_plot_axes_x_to_device (axes, 3.0)));
    g_assert_cmpuint (qks_plot_axes_get_x_ticks (axes)->count, >=, 2);
  }
  /* Reversed, or one end NaN or infinite. */
  {
    g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 5.0, 1.0, QKS_PLOT_SCALE_LINEAR,
                                                 NAN, 2.0, QKS_PLOT_SCALE_LINEAR);

    qks_plot_axes_get_x_range (axes, &min, &max);
    g_assert_cmpfloat (min, ==, 1.0);
    g_assert_cmpfloat (max, ==, 5.0);
    qks_plot_axes_get_y_range (axes, &min, &max);
    g_assert_cmpfloat (min, <, 2.0);
    g_assert_cmpfloat (max, >, 2.0);
  }
  /* A log axis from 0, and a log axis of one value. */
  {
    g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 0.0, 50.0, QKS_PLOT_SCALE_LOG,
                                                 7.0, 7.0, QKS_PLOT_SCALE_LOG);

    qks_plot_axes_get_x_range (axes, &min, &max);
    g_assert_cmpfloat (min, >, 0.0);
    g_assert_cmpfloat (max, ==, 50.0);
    qks_plot_axes_get_y_range (axes, &min, &max);
    g_assert_cmpfloat_with_epsilon (min, 0.7, 1e-12);
    g_assert_cmpfloat_with_epsilon (max, 70.0, 1e-12);
  }
  /* Nothing finite at all, or nothing above zero on a log axis: report,
   * so that the caller draws an empty state. */
  {
    g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);

    qks_plot_axes_set_x (axes, NAN, NAN, QKS_PLOT_SCALE_LINEAR, NULL);
    g_assert_false (qks_plot_axes_layout (axes, fixture->cr, &error));
    g_assert_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE);
    g_clear_error (&error);

    qks_plot_axes_set_x (axes, -INFINITY, INFINITY, QKS_PLOT_SCALE_LINEAR, NULL);
    g_assert_false (qks_plot_axes_layout (axes, fixture->cr, &error));
    g_assert_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE);
    g_clear_error (&error);

    qks_plot_axes_set_x (axes, -5.0, 0.0, QKS_PLOT_SCALE_LOG, NULL);
    g_assert_false (qks_plot_axes_layout (axes, fixture->cr, &error));
    g_assert_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE);
    g_clear_error (&error);

    qks_plot_axes_set_x (axes, -1e308, 1e308, QKS_PLOT_SCALE_LINEAR, NULL);
    g_assert_false (qks_plot_axes_layout (axes, fixture->cr, &error));
    g_assert_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE);
    g_clear_error (&error);
  }
  /* No room for the data. */
  {
    g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, 60.0, 40.0);

    qks_plot_axes_set_title (axes, "A title");
    qks_plot_axes_set_x (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, "x");
    g_assert_false (qks_plot_axes_layout (axes, fixture->cr, &error));
    g_assert_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_TOO_SMALL);
  }
}

static void
frame_of (Fixture            *fixture,
          const char         *title,
          double              y_max,
          const char         *x_label,
          gboolean            colorbar,
          gboolean            legend_outside,
          QksPlotRect        *frame)
{
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  QksPlotLegendEntry entry = { "A long legend entry", { 0.0, 0.0, 1.0, 1.0 }, QKS_PLOT_SWATCH_LINE, FALSE };
  g_autoptr(GError) error = NULL;

  qks_plot_axes_set_title (axes, title);
  qks_plot_axes_set_x (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, x_label);
  qks_plot_axes_set_y (axes, 0.0, y_max, QKS_PLOT_SCALE_LINEAR, "y");
  if (colorbar)
    qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_VIRIDIS, 0.0, 1000.0, QKS_PLOT_SCALE_LINEAR, "count");
  if (legend_outside)
    qks_plot_axes_set_legend (axes, &entry, 1, QKS_PLOT_LEGEND_OUTSIDE_RIGHT);
  g_assert_true (qks_plot_axes_layout (axes, fixture->cr, &error));
  g_assert_no_error (error);
  qks_plot_axes_get_frame (axes, frame);
}

static void
test_axes_margins_follow_the_text (Fixture       *fixture,
                                   gconstpointer  data)
{
  QksPlotRect plain, titled, wide_ticks, x_labelled, with_bar, with_legend;

  frame_of (fixture, NULL, 1.0, NULL, FALSE, FALSE, &plain);
  frame_of (fixture, "Title", 1.0, NULL, FALSE, FALSE, &titled);
  frame_of (fixture, NULL, 123456.0, NULL, FALSE, FALSE, &wide_ticks);
  frame_of (fixture, NULL, 1.0, "Training step", FALSE, FALSE, &x_labelled);
  frame_of (fixture, NULL, 1.0, NULL, TRUE, FALSE, &with_bar);
  frame_of (fixture, NULL, 1.0, NULL, TRUE, TRUE, &with_legend);

  /* A title pushes the frame down. */
  g_assert_cmpfloat (titled.y, >, plain.y + fixture->theme.title_font_size);
  /* "120000" needs a wider left margin than "0.8". */
  g_assert_cmpfloat (wide_ticks.x, >, plain.x + 10.0);
  /* An x label raises the bottom edge. */
  g_assert_cmpfloat (x_labelled.y + x_labelled.height, <, plain.y + plain.height - fixture->theme.body_font_size);
  /* A colour bar, and then an outside legend, take room on the right. */
  g_assert_cmpfloat (with_bar.x + with_bar.width, <, plain.x + plain.width - 40.0);
  g_assert_cmpfloat (with_legend.x + with_legend.width, <, with_bar.x + with_bar.width - 80.0);
}

static void
test_axes_same_layout_at_2x (Fixture       *fixture,
                             gconstpointer  data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 8, 8);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(QksPlotAxes) axes1 = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  g_autoptr(QksPlotAxes) axes2 = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  g_autoptr(GError) error = NULL;
  QksPlotRect frame1, frame2;

  for (guint i = 0; i < 2; i++)
    {
      QksPlotAxes *axes = i == 0 ? axes1 : axes2;

      qks_plot_axes_set_title (axes, "Effective rank per layer");
      qks_plot_axes_set_x (axes, 1.0, 1e4, QKS_PLOT_SCALE_LOG, "Training step");
      qks_plot_axes_set_y (axes, 0.0, 100.0, QKS_PLOT_SCALE_LINEAR, "Effective rank (%)");
    }
  cairo_scale (cr, 2.0, 2.0);
  g_assert_true (qks_plot_axes_layout (axes1, fixture->cr, &error));
  g_assert_true (qks_plot_axes_layout (axes2, cr, &error));
  qks_plot_axes_get_frame (axes1, &frame1);
  qks_plot_axes_get_frame (axes2, &frame2);
  g_assert_cmpfloat (frame1.x, ==, frame2.x);
  g_assert_cmpfloat (frame1.y, ==, frame2.y);
  g_assert_cmpfloat (frame1.width, ==, frame2.width);
  g_assert_cmpfloat (frame1.height, ==, frame2.height);
  g_assert_cmpuint (qks_plot_axes_get_x_ticks (axes1)->count, ==, qks_plot_axes_get_x_ticks (axes2)->count);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* The bounding box of every pixel that is not fully transparent. */
static gboolean
ink_bounds (cairo_surface_t *surface,
            int             *x0,
            int             *y0,
            int             *x1,
            int             *y1)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guchar *data;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  *x0 = *y0 = G_MAXINT;
  *x1 = *y1 = -1;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (((const guint32 *) (data + y * stride))[x] >> 24 != 0)
        {
          *x0 = MIN (*x0, x);
          *y0 = MIN (*y0, y);
          *x1 = MAX (*x1, x);
          *y1 = MAX (*y1, y);
        }
  return *x1 >= 0;
}

static guint32
pixel_at (cairo_surface_t *surface,
          int              x,
          int              y)
{
  cairo_surface_flush (surface);
  return ((const guint32 *) (cairo_image_surface_get_data (surface) +
                             y * cairo_image_surface_get_stride (surface)))[x];
}

/* Draws a busy figure with long labels offset by @border on a transparent
 * surface @border larger on every side: any ink outside the allocation
 * shows up in the border. */
static void
test_axes_nothing_drawn_outside (Fixture       *fixture,
                                 gconstpointer  data)
{
  const double border = 40.0;
  static const double sizes[][2] = { { WIDTH, HEIGHT }, { 260.0, 180.0 } };
  QksPlotLegendEntry entries[16];
  char labels[G_N_ELEMENTS (entries)][64];

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_snprintf (labels[i], sizeof labels[i], "Marchenko–Pastur fit of layer %u", i + 1);
      entries[i] = (QksPlotLegendEntry) { labels[i], qks_plot_palette_color (i, FALSE),
                                          (QksPlotSwatch) (i % 3), i % 2 == 0 };
    }

  /* Kinds: a colour bar and an inside legend of three; then an x axis whose
   * last label is centred on the frame's right edge, with a legend of
   * sixteen beside the frame, and inside it. */
  for (guint variant = 0; variant < 6; variant++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        gboolean dark = variant % 2 == 1, busy = variant < 2, outside = variant < 4;
        double width = sizes[s][0], height = sizes[s][1];
        cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                               (int) (width + 2 * border),
                                                               (int) (height + 2 * border));
        cairo_t *cr = cairo_create (surface);
        QksPlotTheme theme;
        g_autoptr(QksPlotAxes) axes = NULL;
        g_autoptr(GError) error = NULL;
        int x0, y0, x1, y1;

        if (dark)
          qks_plot_theme_init_dark (&theme);
        else
          qks_plot_theme_init_light (&theme);
        axes = qks_plot_axes_new (&theme, width, height);
        cairo_translate (cr, border, border);
        qks_plot_axes_set_title (axes, "A title long enough that it has to be cut short at the end, "
                                       "because no figure is this wide");
        if (busy)
          {
            qks_plot_axes_set_x (axes, -123456.0, 987654.0, QKS_PLOT_SCALE_LINEAR,
                                 "An x label that is much longer than the frame is wide, and then some more");
            qks_plot_axes_set_y (axes, 1e-7, 1e7, QKS_PLOT_SCALE_LOG,
                                 "A y label that is much longer than the frame is tall, and then some more");
            qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_MAGMA, -0.00123, 0.0456,
                                        QKS_PLOT_SCALE_LINEAR, "A colour bar label that is long too");
            qks_plot_axes_set_legend (axes, entries, 3, QKS_PLOT_LEGEND_TOP_RIGHT);
          }
        else
          {
            qks_plot_axes_set_x (axes, 0.0, 100000.0, QKS_PLOT_SCALE_LINEAR, "Training step");
            qks_plot_axes_set_y (axes, -1.0, 1.0, QKS_PLOT_SCALE_LINEAR, NULL);
            qks_plot_axes_set_legend (axes, entries, G_N_ELEMENTS (entries),
                                      outside ? QKS_PLOT_LEGEND_OUTSIDE_RIGHT : QKS_PLOT_LEGEND_BOTTOM_LEFT);
          }
        g_assert_true (qks_plot_axes_layout (axes, cr, &error));
        g_assert_no_error (error);

        qks_plot_axes_draw_grid (axes, cr);
        qks_plot_axes_draw_frame (axes, cr);
        qks_plot_axes_draw_colorbar (axes, cr);
        qks_plot_axes_draw_legend (axes, cr, NULL, NULL, 0);
        g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

        g_assert_true (ink_bounds (surface, &x0, &y0, &x1, &y1));
        /* Inside the allocation, and within the theme's padding of it on
         * the sides where text ends (half of it, for antialiasing). */
        g_assert_cmpint (x0, >=, (int) (border + theme.padding / 2.0));
        g_assert_cmpint (y0, >=, (int) (border + theme.padding / 2.0));
        g_assert_cmpint (x1, <, (int) (border + width - theme.padding / 2.0));
        g_assert_cmpint (y1, <, (int) (border + height - theme.padding / 2.0));
        /* And something near each edge: the margins are not wasted. */
        g_assert_cmpint (x0, <, (int) (border + 2.0 * theme.padding));
        g_assert_cmpint (y1, >, (int) (border + height - 2.0 * theme.padding));

        cairo_destroy (cr);
        cairo_surface_destroy (surface);
      }
}

static void
test_axes_legend_avoids_the_data (Fixture       *fixture,
                                  gconstpointer  data)
{
  QksPlotLegendEntry entries[] = {
    { "Layer 1", { 0.0, 0.45, 0.7, 1.0 }, QKS_PLOT_SWATCH_LINE, FALSE },
    { "Layer 2", { 0.9, 0.62, 0.0, 1.0 }, QKS_PLOT_SWATCH_PATCH, FALSE },
  };
  /* Points crowd both top corners; the bottom left is empty. */
  double xs[] = { 0.9, 0.95, 1.0, 0.0, 0.05, 0.1, 0.9, 0.95 };
  double ys[] = { 1.0, 0.95, 0.9, 1.0, 0.95, 0.9, 0.05, 0.1 };

  for (guint best = 0; best <= 1; best++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
      cairo_t *cr = cairo_create (surface);
      g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
      QksPlotRect frame;
      guint32 top_right, bottom_left;

      qks_plot_axes_set_x (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, NULL);
      qks_plot_axes_set_y (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, NULL);
      qks_plot_axes_set_legend (axes, entries, G_N_ELEMENTS (entries),
                                best ? QKS_PLOT_LEGEND_BEST : QKS_PLOT_LEGEND_TOP_RIGHT);
      g_assert_true (qks_plot_axes_layout (axes, cr, NULL));
      qks_plot_axes_get_frame (axes, &frame);
      qks_plot_axes_draw_legend (axes, cr, xs, ys, G_N_ELEMENTS (xs));

      /* The legend box is filled with the card colour: opaque. */
      top_right = pixel_at (surface, (int) (frame.x + frame.width - 14.0), (int) (frame.y + 14.0));
      bottom_left = pixel_at (surface, (int) (frame.x + 14.0), (int) (frame.y + frame.height - 14.0));
      g_assert_cmpuint (top_right >> 24, ==, best ? 0 : 255);
      g_assert_cmpuint (bottom_left >> 24, ==, best ? 255 : 0);

      cairo_destroy (cr);
      cairo_surface_destroy (surface);
    }
}

/* The box the legend would take is the one it is drawn in. */
static void
test_axes_legend_box (Fixture       *fixture,
                      gconstpointer  data)
{
  static const QksPlotLegendPlacement corners[] = {
    QKS_PLOT_LEGEND_TOP_RIGHT, QKS_PLOT_LEGEND_TOP_LEFT,
    QKS_PLOT_LEGEND_BOTTOM_RIGHT, QKS_PLOT_LEGEND_BOTTOM_LEFT,
  };
  QksPlotLegendEntry entries[] = {
    { "Layer 1", { 0.0, 0.45, 0.7, 1.0 }, QKS_PLOT_SWATCH_LINE, FALSE },
    { "Layer 2", { 0.9, 0.62, 0.0, 1.0 }, QKS_PLOT_SWATCH_PATCH, FALSE },
  };

  /* No legend, no box. */
  {
    g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR,
                                                 0.0, 1.0, QKS_PLOT_SCALE_LINEAR);
    QksPlotRect box;

    g_assert_false (qks_plot_axes_get_legend_box_at (axes, QKS_PLOT_LEGEND_TOP_RIGHT, &box));
    g_assert_cmpfloat (box.width, ==, 0.0);
  }

  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
      cairo_t *cr = cairo_create (surface);
      g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
      QksPlotRect frame, box;

      qks_plot_axes_set_x (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, "x");
      qks_plot_axes_set_y (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, "y");
      qks_plot_axes_set_legend (axes, entries, G_N_ELEMENTS (entries), corners[i]);
      g_assert_true (qks_plot_axes_layout (axes, cr, NULL));
      qks_plot_axes_get_frame (axes, &frame);
      g_assert_true (qks_plot_axes_get_legend_box_at (axes, corners[i], &box));
      g_assert_cmpfloat (box.width, >, 20.0);
      g_assert_cmpfloat (box.x, >=, frame.x);
      g_assert_cmpfloat (box.y, >=, frame.y);
      g_assert_cmpfloat (box.x + box.width, <=, frame.x + frame.width);
      g_assert_cmpfloat (box.y + box.height, <=, frame.y + frame.height);

      /* Drawn there: opaque inside the box, nothing just outside it. */
      qks_plot_axes_draw_legend (axes, cr, NULL, NULL, 0);
      g_assert_cmpuint (pixel_at (surface, (int) (box.x + box.width / 2.0), (int) (box.y + 2.0)) >> 24, ==, 255);
      g_assert_cmpuint (pixel_at (surface, (int) (box.x + box.width / 2.0), (int) (box.y - 2.0)) >> 24, ==, 0);
      g_assert_cmpuint (pixel_at (surface, (int) (box.x + box.width / 2.0), (int) (box.y + box.height + 1.0)) >> 24, ==, 0);

      cairo_destroy (cr);
      cairo_surface_destroy (surface);
    }
}

static void
test_axes_colorbar (Fixture       *fixture,
                    gconstpointer  data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  QksPlotColor low, high, missing = qks_plot_colormap_missing ();
  QksPlotColor color, first, last;
  QksPlotRect frame;
  guint32 bottom, top;
  int bar_x = -1;

  qks_plot_axes_set_x (axes, 0.0, 10.0, QKS_PLOT_SCALE_LINEAR, "step");
  qks_plot_axes_set_y (axes, 0.0, 6.0, QKS_PLOT_SCALE_LINEAR, "layer");
  qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_VIRIDIS, 2.0, 12.0, QKS_PLOT_SCALE_LINEAR, "spikes");
  g_assert_true (qks_plot_axes_layout (axes, cr, NULL));

  first = qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 0.0);
  last = qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 1.0);
  low = qks_plot_axes_colorbar_color (axes, 2.0);
  high = qks_plot_axes_colorbar_color (axes, 12.0);
  g_assert_true (qks_plot_color_equal (&low, &first, 0.0));
  g_assert_true (qks_plot_color_equal (&high, &last, 0.0));
  color = qks_plot_axes_colorbar_color (axes, 7.0);
  first = qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 0.5);
  g_assert_true (qks_plot_color_equal (&color, &first, 1e-12));
  color = qks_plot_axes_colorbar_color (axes, 100.0);
  g_assert_true (qks_plot_color_equal (&color, &last, 0.0));
  color = qks_plot_axes_colorbar_color (axes, NAN);
  g_assert_true (qks_plot_color_equal (&color, &missing, 0.0));

  /* The bar as drawn: its first and last rows show the map's ends. */
  qks_plot_axes_get_frame (axes, &frame);
  qks_plot_axes_draw_colorbar (axes, cr);
  for (int x = (int) (frame.x + frame.width) + 1; x < (int) WIDTH && bar_x < 0; x++)
    if (pixel_at (surface, x, (int) (frame.y + frame.height / 2.0)) >> 24 == 255)
      bar_x = x + 6;
  g_assert_cmpint (bar_x, >, 0);
  bottom = pixel_at (surface, bar_x, (int) (frame.y + frame.height) - 2);
  top = pixel_at (surface, bar_x, (int) frame.y + 2);
  g_assert_cmpint (abs ((int) ((bottom >> 16) & 0xff) - (int) round (255 * low.red)), <=, 6);
  g_assert_cmpint (abs ((int) ((bottom >> 8) & 0xff) - (int) round (255 * low.green)), <=, 6);
  g_assert_cmpint (abs ((int) ((top >> 8) & 0xff) - (int) round (255 * high.green)), <=, 6);
  g_assert_cmpint (abs ((int) (top & 0xff) - (int) round (255 * high.blue)), <=, 6);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_axes_legend_between_the_data (Fixture       *fixture,
                                   gconstpointer  data)
{
  QksPlotLegendEntry entries[] = {
    { "Layer 1", { 0.0, 0.45, 0.7, 1.0 }, QKS_PLOT_SWATCH_LINE, FALSE },
  };
  /* Points in all four corners, none at the middle of the right edge. */
  double xs[] = { 0.0, 0.1, 0.9, 1.0, 0.0, 0.1, 0.9, 1.0, 0.5 };
  double ys[] = { 1.0, 0.9, 1.0, 0.9, 0.0, 0.1, 0.0, 0.1, 0.5 };
  double crowd_x[] = { 0.0, 0.5, 1.0, 0.0, 0.5, 1.0, 0.0, 0.5, 1.0 };
  double crowd_y[] = { 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0 };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  QksPlotRect frame;

  qks_plot_axes_set_x (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, NULL);
  qks_plot_axes_set_y (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, NULL);
  qks_plot_axes_set_legend (axes, entries, G_N_ELEMENTS (entries), QKS_PLOT_LEGEND_BEST);
  g_assert_true (qks_plot_axes_layout (axes, cr, NULL));
  qks_plot_axes_get_frame (axes, &frame);
  g_assert_true (qks_plot_axes_legend_fits_inside (axes, xs, ys, G_N_ELEMENTS (xs)));
  qks_plot_axes_draw_legend (axes, cr, xs, ys, G_N_ELEMENTS (xs));

  /* At the middle of the right edge, not in a corner. */
  g_assert_cmpuint (pixel_at (surface, (int) (frame.x + frame.width - 14.0), (int) (frame.y + frame.height / 2.0)) >> 24,
                    ==, 255);
  g_assert_cmpuint (pixel_at (surface, (int) (frame.x + frame.width - 14.0), (int) (frame.y + 14.0)) >> 24, ==, 0);

  /* Points everywhere: no room inside. */
  g_assert_false (qks_plot_axes_legend_fits_inside (axes, crowd_x, crowd_y, G_N_ELEMENTS (crowd_x)));
  g_assert_true (qks_plot_axes_legend_fits_inside (axes, crowd_x, crowd_y, 0));

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_axes_categories (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char *layers[] = { "0", "1", "2", "3" };
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  g_autoptr(QksPlotAxes) crowded = qks_plot_axes_new (&fixture->theme, 200.0, 120.0);
  g_autofree char **many = g_new0 (char *, 41);
  const QksTicks *ticks;
  QksPlotRect frame;
  double min, max;

  /* Four categories on a long axis: a tick at each, none between (a
   * numeric axis over −0.5 … 3.5 would tick every 0.5). */
  qks_plot_axes_set_x_categories (axes, layers, G_N_ELEMENTS (layers), "Layer");
  qks_plot_axes_set_y_categories (axes, layers, G_N_ELEMENTS (layers), "Layer");
  g_assert_true (qks_plot_axes_layout (axes, fixture->cr, NULL));
  for (guint axis = 0; axis < 2; axis++)
    {
      ticks = axis == 0 ? qks_plot_axes_get_x_ticks (axes) : qks_plot_axes_get_y_ticks (axes);
      g_assert_cmpuint (ticks->count, ==, 4);
      for (guint i = 0; i < ticks->count; i++)
        g_assert_cmpfloat (ticks->values[i], ==, i);
    }
  qks_plot_axes_get_x_range (axes, &min, &max);
  g_assert_cmpfloat (min, ==, -0.5);
  g_assert_cmpfloat (max, ==, 3.5);
  qks_plot_axes_get_frame (axes, &frame);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, -0.5), frame.x, 1e-9);
  /* x reads left to right, y top down, as a matrix does. */
  g_assert_cmpfloat (qks_plot_axes_x_to_device (axes, 0.0), <, qks_plot_axes_x_to_device (axes, 3.0));
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, -0.5), frame.y, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_y_to_device (axes, 3.5), frame.y + frame.height, 1e-9);
  qks_plot_axes_get_y_range (axes, &min, &max);
  g_assert_cmpfloat (min, ==, 3.5);
  g_assert_cmpfloat (max, ==, -0.5);

  /* Forty on a short one: every 5th or 10th … labelled, from the first. */
  for (guint i = 0; i < 40; i++)
    many[i] = g_strdup_printf ("%u", i);
  qks_plot_axes_set_x_categories (crowded, (const char *const *) many, 40, NULL);
  qks_plot_axes_set_y_categories (crowded, (const char *const *) many, 40, NULL);
  g_assert_true (qks_plot_axes_layout (crowded, fixture->cr, NULL));
  for (guint axis = 0; axis < 2; axis++)
    {
      ticks = axis == 0 ? qks_plot_axes_get_x_ticks (crowded) : qks_plot_axes_get_y_ticks (crowded);
      g_assert_cmpuint (ticks->count, >=, 2);
      g_assert_cmpuint (ticks->count, <, 40);
      g_assert_cmpfloat (ticks->values[0], ==, 0.0);
      g_assert_true (ticks->step == 2 || ticks->step == 5 || ticks->step == 10 || ticks->step == 20);
      for (guint i = 1; i < ticks->count; i++)
        g_assert_cmpfloat (ticks->values[i] - ticks->values[i - 1], ==, ticks->step);
    }
  for (guint i = 0; i < 40; i++)
    g_free (many[i]);

  /* Back to numbers. */
  qks_plot_axes_set_x (axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, "x");
  g_assert_true (qks_plot_axes_layout (axes, fixture->cr, NULL));
  g_assert_cmpfloat (qks_plot_axes_get_x_ticks (axes)->values[1], <, 1.0);
}

static void
test_axes_tick_unit (Fixture       *fixture,
                     gconstpointer  data)
{
  static const double widths[] = { WIDTH, 240.0, 150.0 };

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, widths[w], HEIGHT);
      const QksTicks *ticks;

      /* Degrees: multiples of 15, 30, 45 or 90, so 90 itself is a tick. */
      qks_plot_axes_set_x (axes, 0.0, 90.0, QKS_PLOT_SCALE_LINEAR, "angle (°)");
      qks_plot_axes_set_x_tick_unit (axes, 15.0);
      qks_plot_axes_set_y (axes, 0.0, 90.0, QKS_PLOT_SCALE_LINEAR, "angle (°)");
      qks_plot_axes_set_y_tick_unit (axes, 15.0);
      qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_VIRIDIS, 0.0, 90.0, QKS_PLOT_SCALE_LINEAR, NULL);
      qks_plot_axes_set_colorbar_tick_unit (axes, 15.0);
      g_assert_true (qks_plot_axes_layout (axes, fixture->cr, NULL));
      for (guint axis = 0; axis < 2; axis++)
        {
          ticks = axis == 0 ? qks_plot_axes_get_x_ticks (axes) : qks_plot_axes_get_y_ticks (axes);
          g_assert_cmpuint (ticks->count, >=, 2);
          g_assert_true (ticks->step == 15.0 || ticks->step == 30.0 || ticks->step == 45.0 || ticks->step == 90.0);
          g_assert_cmpfloat (ticks->values[0], ==, 0.0);
          g_assert_cmpfloat (ticks->values[ticks->count - 1], ==, 90.0);
          if (w == 0)
            g_assert_cmpfloat (ticks->step, <=, 30.0);
        }

      /* qks_plot_axes_set_x() goes back to 1, 2, 5 × 10^k. */
      qks_plot_axes_set_x (axes, 0.0, 90.0, QKS_PLOT_SCALE_LINEAR, "angle (°)");
      g_assert_true (qks_plot_axes_layout (axes, fixture->cr, NULL));
      ticks = qks_plot_axes_get_x_ticks (axes);
      g_assert_true (ticks->step == 10.0 || ticks->step == 20.0 || ticks->step == 50.0);
    }
}

static void
test_axes_empty_state (Fixture       *fixture,
                       gconstpointer  data)
{
  const double border = 30.0;
  static const double sizes[][2] = { { WIDTH, HEIGHT }, { 160.0, 60.0 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      double width = sizes[s][0], height = sizes[s][1];
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                             (int) (width + 2 * border),
                                                             (int) (height + 2 * border));
      cairo_t *cr = cairo_create (surface);
      int x0, y0, x1, y1;

      cairo_translate (cr, border, border);
      qks_plot_draw_empty_state (cr, width, height, &fixture->theme, NULL,
                                 "No steps recorded yet. Start training to see the loss fall.");
      g_assert_true (ink_bounds (surface, &x0, &y0, &x1, &y1));
      g_assert_cmpint (x0, >=, (int) border);
      g_assert_cmpint (y0, >=, (int) border);
      g_assert_cmpint (x1, <, (int) (border + width));
      g_assert_cmpint (y1, <, (int) (border + height));
      /* Centred. */
      g_assert_cmpfloat (fabs ((x0 + x1) / 2.0 - (border + width / 2.0)), <, 3.0);
      if (s == 0)
        g_assert_cmpfloat (fabs ((y0 + y1) / 2.0 - (border + height / 2.0)), <, 3.0);

      cairo_destroy (cr);
      cairo_surface_destroy (surface);
    }
}

static void
test_axes_log1p_transform (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 0.0, 999.0, QKS_PLOT_SCALE_LOG1P,
                                               0.0, 1.0, QKS_PLOT_SCALE_LINEAR);
  const QksTicks *ticks = qks_plot_axes_get_x_ticks (axes);
  QksPlotRect frame;
  double min, max;

  /* Step 0 lies on the axis, at its left edge; 1 + x grows by decades. */
  qks_plot_axes_get_frame (axes, &frame);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 0.0), frame.x, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 999.0), frame.x + frame.width, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 9.0), frame.x + frame.width / 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (qks_plot_axes_x_to_device (axes, 99.0), frame.x + 2.0 * frame.width / 3.0, 1e-9);
  g_assert_true (isnan (qks_plot_axes_x_to_device (axes, -1.0)));

  /* Ticks at 0, then powers of ten. */
  g_assert_cmpuint (ticks->count, ==, 4);
  g_assert_cmpfloat (ticks->values[0], ==, 0.0);
  g_assert_cmpfloat (ticks->values[1], ==, 1.0);
  g_assert_cmpfloat (ticks->values[2], ==, 10.0);
  g_assert_cmpfloat (ticks->values[3], ==, 100.0);

  /* A single step 0 is widened to a decade of 1 + x, not below 0. */
  {
    g_autoptr(QksPlotAxes) single = laid_out_axes (fixture, 0.0, 0.0, QKS_PLOT_SCALE_LOG1P,
                                                   0.0, 1.0, QKS_PLOT_SCALE_LINEAR);

    qks_plot_axes_get_x_range (single, &min, &max);
    g_assert_cmpfloat (min, ==, 0.0);
    g_assert_cmpfloat_with_epsilon (max, 9.0, 1e-12);
  }
  /* Nothing above −1: no range. */
  {
    g_autoptr(QksPlotAxes) none = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
    g_autoptr(GError) error = NULL;

    qks_plot_axes_set_x (none, -3.0, -2.0, QKS_PLOT_SCALE_LOG1P, "step");
    g_assert_false (qks_plot_axes_layout (none, fixture->cr, &error));
    g_assert_error (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE);
  }
}

static void
test_axes_short_log_range (Fixture       *fixture,
                           gconstpointer  data)
{
  /* Less than two decades (KV-cache bytes of the variants): 1, 2 and 5 ×
   * 10^k, which spread evenly, instead of linear ticks bunched at the
   * right end. */
  g_autoptr(QksPlotAxes) axes = laid_out_axes (fixture, 530.0, 8900.0, QKS_PLOT_SCALE_LOG,
                                               0.0, 1.0, QKS_PLOT_SCALE_LINEAR);
  const QksTicks *ticks = qks_plot_axes_get_x_ticks (axes);

  g_assert_cmpuint (ticks->count, ==, 3);
  g_assert_cmpfloat (ticks->values[0], ==, 1000.0);
  g_assert_cmpfloat (ticks->values[1], ==, 2000.0);
  g_assert_cmpfloat (ticks->values[2], ==, 5000.0);
  {
    g_autofree char *label = qks_plot_format_tick (ticks, ticks->values[0]);

    g_assert_cmpstr (label, ==, "1000");
  }
}

static void
test_axes_fixed_ticks (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (&fixture->theme, WIDTH, HEIGHT);
  QksPlotTick x_ticks[60], y_ticks[3] = {
    { 1.0, "first", 0 }, { 2.0, "<second>", 0 }, { 3.0, NULL, 0 },
  };
  g_autofree char *labels[60] = { NULL, };
  const QksTicks *ticks;

  /* Sixty crowded columns, labelled 1000 …: multiples of 10 rank above
   * multiples of 5 above the rest. The labels shown are whole ranks: all
   * multiples of 10, all of 5 if they fit too, never some of them. */
  for (guint i = 0; i < 60; i++)
    {
      labels[i] = g_strdup_printf ("%u", 1000 + i);
      x_ticks[i] = (QksPlotTick) { i + 0.5, labels[i], i % 10 == 0 ? 2 : i % 5 == 0 ? 1 : 0 };
    }
  qks_plot_axes_set_x (axes, 0.0, 60.0, QKS_PLOT_SCALE_LINEAR, "step");
  qks_plot_axes_set_x_ticks (axes, x_ticks, 60);
  qks_plot_axes_set_y (axes, 0.5, 3.5, QKS_PLOT_SCALE_LINEAR, "layer");
  qks_plot_axes_set_y_ticks (axes, y_ticks, 3);
  g_assert_true (qks_plot_axes_layout (axes, fixture->cr, NULL));

  ticks = qks_plot_axes_get_x_ticks (axes);
  g_assert_true (ticks->count == 6 || ticks->count == 12);
  for (guint i = 0; i < ticks->count; i++)
    g_assert_cmpfloat (ticks->values[i], ==, i * (60.0 / ticks->count) + 0.5);

  /* In a narrow figure only the multiples of 10 fit. */
  {
    g_autoptr(QksPlotAxes) narrow = qks_plot_axes_new (&fixture->theme, 300.0, HEIGHT);

    qks_plot_axes_set_x (narrow, 0.0, 60.0, QKS_PLOT_SCALE_LINEAR, "step");
    qks_plot_axes_set_x_ticks (narrow, x_ticks, 60);
    g_assert_true (qks_plot_axes_layout (narrow, fixture->cr, NULL));
    g_assert_cmpuint (qks_plot_axes_get_x_ticks (narrow)->count, ==, 6);
  }

  /* Rows: labelled ones stay; one without a label is not a labelled tick. */
  ticks = qks_plot_axes_get_y_ticks (axes);
  g_assert_cmpuint (ticks->count, ==, 2);
  g_assert_cmpfloat (ticks->values[0], ==, 1.0);
  g_assert_cmpfloat (ticks->values[1], ==, 2.0);

  /* Back to automatic ticks. */
  qks_plot_axes_set_y_ticks (axes, NULL, 0);
  g_assert_true (qks_plot_axes_layout (axes, fixture->cr, NULL));
  g_assert_cmpuint (qks_plot_axes_get_y_ticks (axes)->count, >=, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/plot/axes/linear-transform", test_axes_linear_transform);
  ADD ("/plot/axes/log-transform", test_axes_log_transform);
  ADD ("/plot/axes/log1p-transform", test_axes_log1p_transform);
  ADD ("/plot/axes/fixed-ticks", test_axes_fixed_ticks);
  ADD ("/plot/axes/short-log-range", test_axes_short_log_range);
  ADD ("/plot/axes/degenerate-ranges", test_axes_degenerate_ranges);
  ADD ("/plot/axes/margins-follow-the-text", test_axes_margins_follow_the_text);
  ADD ("/plot/axes/same-layout-at-2x", test_axes_same_layout_at_2x);
  ADD ("/plot/axes/nothing-drawn-outside", test_axes_nothing_drawn_outside);
  ADD ("/plot/axes/legend-avoids-the-data", test_axes_legend_avoids_the_data);
  ADD ("/plot/axes/legend-box", test_axes_legend_box);
  ADD ("/plot/axes/colorbar", test_axes_colorbar);
  ADD ("/plot/axes/legend-between-the-data", test_axes_legend_between_the_data);
  ADD ("/plot/axes/categories", test_axes_categories);
  ADD ("/plot/axes/tick-unit", test_axes_tick_unit);
  ADD ("/plot/axes/empty-state", test_axes_empty_state);
#undef ADD

  return g_test_run ();
}
