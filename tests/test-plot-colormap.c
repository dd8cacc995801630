/* test-plot-colormap.c: colour maps match the published tables, the palette
 * stays apart, and the themes carry Adwaita's colours
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "qks-plot-colormap.h"
#include "qks-plot-theme.h"

/* Entries 0, 127, 128 and 255 of matplotlib's _viridis_data and
 * _magma_data (lib/matplotlib/_cm_listed.py), typed in from the published
 * file, not from the table under test. */
static const struct
{
  QksPlotColormap map;
  guint           index;
  double          rgb[3];
} published[] = {
  { QKS_PLOT_COLORMAP_VIRIDIS,   0, { 0.267004, 0.004874, 0.329415 } },
  { QKS_PLOT_COLORMAP_VIRIDIS,  64, { 0.229739, 0.322361, 0.545706 } },
  { QKS_PLOT_COLORMAP_VIRIDIS, 127, { 0.128729, 0.563265, 0.551229 } },
  { QKS_PLOT_COLORMAP_VIRIDIS, 128, { 0.127568, 0.566949, 0.550556 } },
  { QKS_PLOT_COLORMAP_VIRIDIS, 255, { 0.993248, 0.906157, 0.143936 } },
  { QKS_PLOT_COLORMAP_MAGMA,     0, { 0.001462, 0.000466, 0.013866 } },
  { QKS_PLOT_COLORMAP_MAGMA,    64, { 0.316654, 0.071690, 0.485380 } },
  { QKS_PLOT_COLORMAP_MAGMA,   128, { 0.716387, 0.214982, 0.475290 } },
  { QKS_PLOT_COLORMAP_MAGMA,   255, { 0.987053, 0.991438, 0.749504 } },
};

static void
assert_rgb (QksPlotColor  color,
            const double *rgb,
            double        tolerance)
{
  g_assert_cmpfloat_with_epsilon (color.red, rgb[0], tolerance);
  g_assert_cmpfloat_with_epsilon (color.green, rgb[1], tolerance);
  g_assert_cmpfloat_with_epsilon (color.blue, rgb[2], tolerance);
  g_assert_cmpfloat (color.alpha, ==, 1.0);
}

static void
test_colormap_published_entries (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (published); i++)
    {
      const double *entry = qks_plot_colormap_entry (published[i].map, published[i].index);
      double t = published[i].index / 255.0;

      for (guint c = 0; c < 3; c++)
        g_assert_cmpfloat (entry[c], ==, published[i].rgb[c]);
      /* The lookup at an entry's own position gives the entry exactly. */
      assert_rgb (qks_plot_colormap_lookup (published[i].map, t), published[i].rgb, 1e-12);
    }
}

static void
test_colormap_tables_are_sequential (void)
{
  /* Perceptually uniform maps rise steadily in lightness; the sum of the
   * channels is a coarse stand-in that must still rise from end to end and
   * never jump between neighbours (a mistyped row would). */
  for (guint map = 0; map < QKS_PLOT_N_COLORMAPS; map++)
    {
      const double *first = qks_plot_colormap_entry (map, 0);
      const double *last = qks_plot_colormap_entry (map, QKS_PLOT_COLORMAP_SIZE - 1);

      g_assert_cmpfloat (last[0] + last[1] + last[2], >, first[0] + first[1] + first[2] + 1.0);
      for (guint i = 1; i < QKS_PLOT_COLORMAP_SIZE; i++)
        {
          const double *a = qks_plot_colormap_entry (map, i - 1);
          const double *b = qks_plot_colormap_entry (map, i);

          for (guint c = 0; c < 3; c++)
            {
              g_assert_cmpfloat (b[c], >=, 0.0);
              g_assert_cmpfloat (b[c], <=, 1.0);
              g_assert_cmpfloat (fabs (b[c] - a[c]), <, 0.02);
            }
        }
    }
}

static void
test_colormap_interpolates_and_clamps (void)
{
  const double *a = qks_plot_colormap_entry (QKS_PLOT_COLORMAP_VIRIDIS, 127);
  const double *b = qks_plot_colormap_entry (QKS_PLOT_COLORMAP_VIRIDIS, 128);
  double halfway[3] = { (a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0, (a[2] + b[2]) / 2.0 };
  double quarter[3] = { a[0] + (b[0] - a[0]) / 4.0, a[1] + (b[1] - a[1]) / 4.0, a[2] + (b[2] - a[2]) / 4.0 };

  assert_rgb (qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 0.5), halfway, 1e-12);
  assert_rgb (qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 127.25 / 255.0), quarter, 1e-12);

  assert_rgb (qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_MAGMA, -3.0),
              qks_plot_colormap_entry (QKS_PLOT_COLORMAP_MAGMA, 0), 1e-15);
  assert_rgb (qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_MAGMA, 1.5),
              qks_plot_colormap_entry (QKS_PLOT_COLORMAP_MAGMA, 255), 1e-15);
  assert_rgb (qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_MAGMA, -INFINITY),
              qks_plot_colormap_entry (QKS_PLOT_COLORMAP_MAGMA, 0), 1e-15);
  assert_rgb (qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_MAGMA, INFINITY),
              qks_plot_colormap_entry (QKS_PLOT_COLORMAP_MAGMA, 255), 1e-15);
}

static void
test_colormap_nan_is_missing_grey (void)
{
  QksPlotColor missing = qks_plot_colormap_missing ();

  for (guint map = 0; map < QKS_PLOT_N_COLORMAPS; map++)
    {
      QksPlotColor color = qks_plot_colormap_lookup (map, NAN);

      g_assert_true (qks_plot_color_equal (&color, &missing, 0.0));
      /* Grey, and far from every colour the map can show. */
      g_assert_cmpfloat (fabs (missing.red - missing.green), <, 0.03);
      g_assert_cmpfloat (fabs (missing.green - missing.blue), <, 0.03);
      for (guint i = 0; i < QKS_PLOT_COLORMAP_SIZE; i++)
        {
          const double *rgb = qks_plot_colormap_entry (map, i);
          double distance = fabs (rgb[0] - missing.red) + fabs (rgb[1] - missing.green) +
                            fabs (rgb[2] - missing.blue);

          g_assert_cmpfloat (distance, >, 0.15);
        }
    }
}

static void
test_colormap_names (void)
{
  QksPlotColormap map;

  g_assert_cmpstr (qks_plot_colormap_name (QKS_PLOT_COLORMAP_VIRIDIS), ==, "viridis");
  g_assert_cmpstr (qks_plot_colormap_name (QKS_PLOT_COLORMAP_MAGMA), ==, "magma");
  g_assert_true (qks_plot_colormap_from_name ("magma", &map));
  g_assert_cmpint (map, ==, QKS_PLOT_COLORMAP_MAGMA);
  g_assert_false (qks_plot_colormap_from_name ("jet", &map));
}

/* WCAG relative luminance and contrast ratio. */
static double
luminance (QksPlotColor color)
{
  double channels[3] = { color.red, color.green, color.blue };

  for (guint c = 0; c < 3; c++)
    channels[c] = channels[c] <= 0.04045 ? channels[c] / 12.92 : pow ((channels[c] + 0.055) / 1.055, 2.4);
  return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
}

static double
contrast (QksPlotColor a,
          QksPlotColor b)
{
  double la = luminance (a), lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

static void
test_palette (void)
{
  QksPlotTheme light, dark;

  qks_plot_theme_init_light (&light);
  qks_plot_theme_init_dark (&dark);

  /* Okabe–Ito's eight, all different, repeating after eight. */
  for (guint i = 0; i < QKS_PLOT_PALETTE_SIZE; i++)
    {
      QksPlotColor a = qks_plot_palette_color (i, FALSE);
      QksPlotColor wrapped = qks_plot_palette_color (i + QKS_PLOT_PALETTE_SIZE, FALSE);

      g_assert_true (qks_plot_color_equal (&a, &wrapped, 0.0));
      for (guint j = 0; j < i; j++)
        {
          QksPlotColor b = qks_plot_palette_color (j, FALSE);

          g_assert_false (qks_plot_color_equal (&a, &b, 0.05));
        }
    }
  {
    QksPlotColor first = qks_plot_palette_color (0, FALSE);
    QksPlotColor expected = qks_plot_color_from_rgb (0x0072b2);

    g_assert_true (qks_plot_color_equal (&first, &expected, 0.0));
  }

  /* The lines drawn first stand out from their background, 3:1 at least
   * (WCAG's minimum for graphics) on dark, where the variant matters. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (contrast (qks_plot_palette_color (i, TRUE), dark.background), >=, 3.0);
  g_assert_cmpfloat (contrast (qks_plot_palette_color (0, FALSE), light.background), >=, 3.0);
  g_assert_cmpfloat (contrast (qks_plot_palette_color (0, TRUE), dark.background),
                     >, contrast (qks_plot_palette_color (0, FALSE), dark.background));
}

static void
test_theme_adwaita_colours (void)
{
  QksPlotTheme light, dark;
  QksPlotColor window_light = qks_plot_color_from_rgb (0xfafafa);
  QksPlotColor window_dark = qks_plot_color_from_rgb (0x242424);
  QksPlotColor fg_light = { 0.0, 0.0, 0.0, 0.8 };
  QksPlotColor fg_dark = { 1.0, 1.0, 1.0, 1.0 };

  qks_plot_theme_init_light (&light);
  qks_plot_theme_init_dark (&dark);
  g_assert_false (light.dark);
  g_assert_true (dark.dark);
  g_assert_true (qks_plot_color_equal (&light.background, &window_light, 0.0));
  g_assert_true (qks_plot_color_equal (&dark.background, &window_dark, 0.0));
  g_assert_true (qks_plot_color_equal (&light.foreground, &fg_light, 0.0));
  g_assert_true (qks_plot_color_equal (&dark.foreground, &fg_dark, 0.0));

  /* Text stands out; grid lines are fainter than the axis, which is
   * fainter than tick labels, which are fainter than text. */
  g_assert_cmpfloat (light.grid.alpha, <, light.axis.alpha);
  g_assert_cmpfloat (light.axis.alpha, <, light.muted.alpha);
  g_assert_cmpfloat (light.muted.alpha, <, light.foreground.alpha);
  g_assert_cmpstr (light.font_family, ==, "Cantarell, Sans");
  g_assert_cmpfloat (light.body_font_size, >, light.small_font_size);
  g_assert_cmpfloat (light.title_font_size, >=, light.body_font_size);
}

static void
test_theme_foreground_from_widget (void)
{
  QksPlotTheme theme;
  QksPlotColor red = { 0.8, 0.1, 0.1, 1.0 };

  qks_plot_theme_init_light (&theme);
  qks_plot_theme_set_foreground (&theme, &red);
  g_assert_true (qks_plot_color_equal (&theme.foreground, &red, 0.0));
  g_assert_cmpfloat (theme.grid.red, ==, red.red);
  g_assert_cmpfloat (theme.grid.alpha, <, 0.5);
  g_assert_cmpfloat (theme.muted.blue, ==, red.blue);

  qks_plot_theme_set_font_family (&theme, "Noto Sans");
  g_assert_cmpstr (theme.font_family, ==, "Noto Sans");
}

static void
test_theme_snap (void)
{
  QksPlotTheme theme;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 10, 10);
  cairo_t *cr = cairo_create (surface);

  qks_plot_theme_init_light (&theme);
  g_assert_cmpfloat (qks_plot_theme_device_scale (&theme, cr), ==, 1.0);
  g_assert_cmpfloat (qks_plot_theme_snap (&theme, cr, 10.3, 1.0), ==, 10.5);
  g_assert_cmpfloat (qks_plot_theme_snap (&theme, cr, 10.3, 2.0), ==, 10.0);

  /* At 2× a one-unit line covers two pixels: it sits on a pixel edge. */
  cairo_surface_set_device_scale (surface, 2.0, 2.0);
  g_assert_cmpfloat (qks_plot_theme_device_scale (&theme, cr), ==, 2.0);
  g_assert_cmpfloat (qks_plot_theme_snap (&theme, cr, 10.3, 1.0), ==, 10.5);
  g_assert_cmpfloat (qks_plot_theme_snap (&theme, cr, 10.3, 0.5), ==, 10.25);

  theme.scale = 3.0;
  g_assert_cmpfloat (qks_plot_theme_device_scale (&theme, cr), ==, 3.0);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/colormap/published-entries", test_colormap_published_entries);
  g_test_add_func ("/plot/colormap/tables-are-sequential", test_colormap_tables_are_sequential);
  g_test_add_func ("/plot/colormap/interpolates-and-clamps", test_colormap_interpolates_and_clamps);
  g_test_add_func ("/plot/colormap/nan-is-missing-grey", test_colormap_nan_is_missing_grey);
  g_test_add_func ("/plot/colormap/names", test_colormap_names);
  g_test_add_func ("/plot/colormap/palette", test_palette);
  g_test_add_func ("/plot/theme/adwaita-colours", test_theme_adwaita_colours);
  g_test_add_func ("/plot/theme/foreground-from-widget", test_theme_foreground_from_widget);
  g_test_add_func ("/plot/theme/snap", test_theme_snap);

  return g_test_run ();
}
