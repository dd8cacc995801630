/* bench-plot.c: how long a figure's frame takes to draw, and what it looks like
 *
 * Draws two demonstration figures with the shared parts of src/plot (a
 * line chart on a log-x axis with a legend, and a heatmap of cells with a
 * colour bar) plus an empty state, times them on an image surface, and
 * writes PNGs in the light and dark themes at 1× and 2× to OUTDIR (and an
 * SVG and a PDF of each figure), so that a person can look at them.
 *
 * Usage: bench-plot [OUTDIR]     (default: the current directory)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-runtime.h"

#include <math.h>
#include <stdlib.h>

#include "qks-plot-axes.h"
#include "qks-plot-colormap.h"
#include "qks-plot-export.h"
#include "qks-plot-theme.h"

#define N_LAYERS   4
#define N_STEPS    60
#define N_REPEATS  50

#define HEAT_LAYERS 6
#define HEAT_STEPS  20

typedef struct
{
  QksPlotTheme theme;
  double       steps[N_STEPS];
  double       rank[N_LAYERS][N_STEPS];
} LinesFigure;

typedef struct
{
  QksPlotTheme theme;
  double       spikes[HEAT_LAYERS][HEAT_STEPS];
} HeatFigure;

typedef struct
{
  QksPlotTheme theme;
} EmptyFigure;

static void
lines_fill (LinesFigure *figure)
{
  for (guint s = 0; s < N_STEPS; s++)
    {
      figure->steps[s] = pow (10.0, 4.0 * s / (N_STEPS - 1.0));
      for (guint l = 0; l < N_LAYERS; l++)
        {
          /* A smooth drop whose onset and depth vary with the layer, as the
           * rank-collapse figures of SCIENCE.md (c) 3 would show. */
          double onset = 1.2 + 0.55 * l, depth = 10.0 + 9.0 * l;
          double t = log10 (figure->steps[s]);

          figure->rank[l][s] = 97.0 - depth / (1.0 + exp (-(t - onset) * 3.0)) +
                               0.6 * sin (7.0 * t + l);
        }
    }
}

static void
draw_lines (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  LinesFigure *figure = user_data;
  const QksPlotTheme *theme = &figure->theme;
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (theme, width, height);
  g_autoptr(GError) error = NULL;
  QksPlotLegendEntry entries[N_LAYERS];
  g_autofree char *labels[N_LAYERS] = { NULL, };
  double xs[N_LAYERS * N_STEPS], ys[N_LAYERS * N_STEPS];

  for (guint l = 0; l < N_LAYERS; l++)
    {
      labels[l] = g_strdup_printf ("Layer %u", l + 1);
      entries[l] = (QksPlotLegendEntry) { labels[l], qks_plot_palette_color (l, theme->dark),
                                          QKS_PLOT_SWATCH_LINE, FALSE };
      for (guint s = 0; s < N_STEPS; s++)
        {
          xs[l * N_STEPS + s] = figure->steps[s];
          ys[l * N_STEPS + s] = figure->rank[l][s];
        }
    }

  qks_plot_draw_background (cr, width, height, theme);
  qks_plot_axes_set_title (axes, "Effective rank per layer · MHA");
  qks_plot_axes_set_x (axes, 1.0, 1e4, QKS_PLOT_SCALE_LOG, "Training step");
  qks_plot_axes_set_y (axes, 50.0, 100.0, QKS_PLOT_SCALE_LINEAR, "Effective rank (%)");
  qks_plot_axes_set_legend (axes, entries, N_LAYERS, QKS_PLOT_LEGEND_BEST);
  if (!qks_plot_axes_layout (axes, cr, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, "Effective rank", error->message);
      return;
    }

  qks_plot_axes_draw_grid (axes, cr);
  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  cairo_set_line_width (cr, theme->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint l = 0; l < N_LAYERS; l++)
    {
      for (guint s = 0; s < N_STEPS; s++)
        cairo_line_to (cr, qks_plot_axes_x_to_device (axes, figure->steps[s]),
                       qks_plot_axes_y_to_device (axes, figure->rank[l][s]));
      qks_plot_set_source_color (cr, &entries[l].color);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, xs, ys, G_N_ELEMENTS (xs));
}

static void
heat_fill (HeatFigure *figure)
{
  for (guint l = 0; l < HEAT_LAYERS; l++)
    for (guint s = 0; s < HEAT_STEPS; s++)
      {
        /* Spikes that appear early in layers 2 and 4 and spread. */
        double grow = (l == 1 || l == 3) ? 1.0 : 0.35;

        figure->spikes[l][s] = floor (grow * 9.0 * (1.0 - exp (-(double) s / (3.0 + l))) + 0.5 * ((l * 7 + s * 3) % 4));
      }
  figure->spikes[5][HEAT_STEPS - 1] = NAN;  /* not computed yet */
}

static void
draw_heat (cairo_t  *cr,
           double    width,
           double    height,
           gpointer  user_data)
{
  HeatFigure *figure = user_data;
  const QksPlotTheme *theme = &figure->theme;
  g_autoptr(QksPlotAxes) axes = qks_plot_axes_new (theme, width, height);
  g_autoptr(GError) error = NULL;
  double step_width = 100.0;

  qks_plot_draw_background (cr, width, height, theme);
  qks_plot_axes_set_title (axes, "Spikes above the product-law edge · MHA");
  qks_plot_axes_set_x (axes, 0.0, HEAT_STEPS * step_width, QKS_PLOT_SCALE_LINEAR, "Training step");
  qks_plot_axes_set_y (axes, 0.5, HEAT_LAYERS + 0.5, QKS_PLOT_SCALE_LINEAR, "Layer");
  qks_plot_axes_set_colorbar (axes, QKS_PLOT_COLORMAP_VIRIDIS, 0.0, 12.0, QKS_PLOT_SCALE_LINEAR,
                              "Spikes");
  if (!qks_plot_axes_layout (axes, cr, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, "Spikes", error->message);
      return;
    }

  for (guint l = 0; l < HEAT_LAYERS; l++)
    for (guint s = 0; s < HEAT_STEPS; s++)
      {
        double x0 = round (qks_plot_axes_x_to_device (axes, s * step_width));
        double x1 = round (qks_plot_axes_x_to_device (axes, (s + 1) * step_width));
        double y0 = round (qks_plot_axes_y_to_device (axes, l + 1.5));
        double y1 = round (qks_plot_axes_y_to_device (axes, l + 0.5));
        QksPlotColor color = qks_plot_axes_colorbar_color (axes, figure->spikes[l][s]);

        qks_plot_set_source_color (cr, &color);
        cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
        cairo_fill (cr);
      }
  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_colorbar (axes, cr);
}

static void
draw_empty (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  EmptyFigure *figure = user_data;

  qks_plot_draw_background (cr, width, height, &figure->theme);
  qks_plot_draw_empty_state (cr, width, height, &figure->theme, "Loss",
                             "No steps recorded yet. Start training to see the loss fall.");
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Median milliseconds to draw one figure into a 1× image surface. */
static double
time_drawing (QksPlotDrawFunc draw,
              gpointer        data,
              double          width,
              double          height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) width, (int) height);
  double times[N_REPEATS];

  for (guint i = 0; i < N_REPEATS; i++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 start = g_get_monotonic_time ();

      draw (cr, width, height, data);
      cairo_surface_flush (surface);
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
      cairo_destroy (cr);
    }
  cairo_surface_destroy (surface);
  qsort (times, N_REPEATS, sizeof (double), compare_doubles);
  return times[N_REPEATS / 2];
}

static gboolean
write_figure (const char         *directory,
              const char         *name,
              const QksPlotTheme *theme,
              QksPlotDrawFunc     draw,
              gpointer            data,
              double              width,
              double              height,
              const char         *title,
              gboolean            vector_too)
{
  static const double scales[] = { 1.0, 2.0 };

  for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s-%s-%gx.png", name, theme->dark ? "dark" : "light", scales[i]);
      g_autofree char *path = g_build_filename (directory, file, NULL);
      QksPlotExportOptions options = { title, "Demonstration data drawn by bench-plot", scales[i] };
      g_autoptr(GError) error = NULL;

      if (!qks_plot_export (path, width, height, draw, data, &options, &error))
        {
          g_printerr ("bench-plot: %s\n", error->message);
          return FALSE;
        }
      g_print ("wrote %s\n", path);
    }

  for (guint i = 0; vector_too && i < 2; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s-%s.%s", name, theme->dark ? "dark" : "light", i == 0 ? "svg" : "pdf");
      g_autofree char *path = g_build_filename (directory, file, NULL);
      QksPlotExportOptions options = { title, "Demonstration data drawn by bench-plot", 1.0 };
      g_autoptr(GError) error = NULL;

      if (!qks_plot_export (path, width, height, draw, data, &options, &error))
        {
          g_printerr ("bench-plot: %s\n", error->message);
          return FALSE;
        }
      g_print ("wrote %s\n", path);
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  const char *directory = argc > 1 ? argv[1] : ".";
  LinesFigure lines;
  HeatFigure heat;
  EmptyFigure empty;

  qks_runtime_init ();
  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      g_printerr ("bench-plot: cannot create %s\n", directory);
      return 1;
    }

  lines_fill (&lines);
  heat_fill (&heat);

  for (guint dark = 0; dark <= 1; dark++)
    {
      if (dark)
        {
          qks_plot_theme_init_dark (&lines.theme);
          qks_plot_theme_init_dark (&heat.theme);
          qks_plot_theme_init_dark (&empty.theme);
        }
      else
        {
          qks_plot_theme_init_light (&lines.theme);
          qks_plot_theme_init_light (&heat.theme);
          qks_plot_theme_init_light (&empty.theme);
        }
      if (!write_figure (directory, "lines", &lines.theme, draw_lines, &lines, 640.0, 400.0,
                         "Effective rank per layer", TRUE) ||
          !write_figure (directory, "heatmap", &heat.theme, draw_heat, &heat, 640.0, 360.0,
                         "Spikes per layer and step", TRUE) ||
          !write_figure (directory, "empty", &empty.theme, draw_empty, &empty, 480.0, 300.0,
                         "Loss", FALSE))
        return 1;
    }

  g_print ("{\"bench\": \"plot\", \"lines_ms\": %.3f, \"heatmap_ms\": %.3f, \"empty_ms\": %.3f}\n",
           time_drawing (draw_lines, &lines, 640.0, 400.0),
           time_drawing (draw_heat, &heat, 640.0, 360.0),
           time_drawing (draw_empty, &empty, 480.0, 300.0));
  return 0;
}
