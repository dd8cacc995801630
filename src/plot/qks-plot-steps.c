/* qks-plot-steps.c: what the figures over training steps share
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "qks-plot-colormap.h"
#include "qks-plot-steps.h"
#include "qks-plot-text.h"

#define TAG_PADDING_X 5.0
#define TAG_PADDING_Y 2.0
#define TAG_RADIUS    4.0

/**
 * qks_plot_steps_problem:
 * @steps: (array length=n_steps) (nullable): recorded steps
 * @min_steps: how many steps the figure needs to show anything
 *
 * Returns: (transfer full) (nullable): %NULL when @steps are finite, ≥ 0
 *   and increasing, and at least @min_steps; else a sentence that says
 *   what is wrong, for qks_plot_draw_empty_state()
 */
char *
qks_plot_steps_problem (const double *steps,
                        guint         n_steps,
                        guint         min_steps)
{
  if (steps == NULL || n_steps == 0)
    return g_strdup (_("No steps recorded yet."));
  for (guint i = 0; i < n_steps; i++)
    {
      if (!isfinite (steps[i]) || steps[i] < 0.0)
        return g_strdup_printf (_("Recorded step %u is not a step number (%g)."), i + 1, steps[i]);
      if (i > 0 && !(steps[i] > steps[i - 1]))
        return g_strdup_printf (_("The recorded steps are not in increasing order (%g after %g)."),
                                steps[i], steps[i - 1]);
    }
  if (n_steps < min_steps)
    {
      g_autofree char *step = qks_plot_format_step (steps[0]);

      return g_strdup_printf (_("Only step %s is recorded so far. The figure appears from the next recorded step."),
                              step);
    }
  return NULL;
}

/**
 * qks_plot_format_step:
 *
 * Returns: (transfer full): a step as a whole number, "2500"
 */
char *
qks_plot_format_step (double step)
{
  if (!isfinite (step))
    return g_strdup ("–");
  return g_strdup_printf ("%.0f", step);
}

static int
ladder_level (double step)
{
  static const double mantissas[] = { 1.0, 2.0, 5.0 };
  int level = 0, found = 0;

  for (double magnitude = 1.0; magnitude <= step; magnitude *= 10.0)
    for (guint i = 0; i < G_N_ELEMENTS (mantissas); i++, level++)
      if (mantissas[i] * magnitude <= step && fmod (step, mantissas[i] * magnitude) == 0.0)
        found = level;
  return found;
}

/**
 * qks_plot_step_tick_priority:
 *
 * How round a step is, for labels that compete for room (see
 * qks_plot_axes_set_x_ticks()): step 0 most, then by the largest of 1, 2,
 * 5, 10, 20, 50, 100 … that divides it, so that the labels shown are all
 * the recorded multiples of one such number. A power of ten from 10 up
 * ranks just below the multiples of five times it (100 after 500, 1000
 * and 1500), so that the early, log-spaced steps get a label when there
 * is room.
 */
int
qks_plot_step_tick_priority (double step)
{
  double decade;

  if (step == 0.0)
    return G_MAXINT;
  if (!(step > 0.0) || step != floor (step) || step > 1e15)
    return -1;
  decade = pow (10.0, round (log10 (step)));
  if (step >= 10.0 && step == decade)
    return 2 * ladder_level (5.0 * step) - 1;
  return 2 * ladder_level (step);
}

/**
 * qks_plot_step_scale:
 *
 * Returns: the scale a step axis uses for @requested: a log scale becomes
 *   log(1 + step), since step 0 exists
 */
QksPlotScale
qks_plot_step_scale (QksPlotScale requested)
{
  switch (requested)
    {
    case QKS_PLOT_SCALE_LOG:
    case QKS_PLOT_SCALE_LOG1P:
      return QKS_PLOT_SCALE_LOG1P;
    case QKS_PLOT_SCALE_LINEAR:
    default:
      return QKS_PLOT_SCALE_LINEAR;
    }
}

/**
 * qks_plot_series_color:
 * @count: how many series the figure draws
 *
 * Returns: the Okabe–Ito palette for up to %QKS_PLOT_PALETTE_SIZE series;
 *   beyond, viridis from dark to light (in the order of the series: for
 *   layers, their depth), since the palette would repeat
 */
QksPlotColor
qks_plot_series_color (guint    index,
                       guint    count,
                       gboolean dark)
{
  if (count <= QKS_PLOT_PALETTE_SIZE)
    return qks_plot_palette_color (index, dark);
  /* Leave out viridis's faint yellow end on a light background and its
   * near-black start on a dark one. */
  if (dark)
    return qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 0.2 + 0.8 * index / (double) (count - 1));
  return qks_plot_colormap_lookup (QKS_PLOT_COLORMAP_VIRIDIS, 0.85 * index / (double) (count - 1));
}

typedef struct
{
  double x;
  double y;
} Vertex;

/* The squared distance from @p to the segment @a @b. */
static double
segment_distance2 (const Vertex *p,
                   const Vertex *a,
                   const Vertex *b)
{
  double dx = b->x - a->x, dy = b->y - a->y, length2 = dx * dx + dy * dy, t, ex, ey;

  t = length2 > 0.0 ? CLAMP (((p->x - a->x) * dx + (p->y - a->y) * dy) / length2, 0.0, 1.0) : 0.0;
  ex = p->x - (a->x + t * dx);
  ey = p->y - (a->y + t * dy);
  return ex * ex + ey * ey;
}

/* Douglas–Peucker: marks in @keep the vertices that hold the polyline
 * within @tolerance of itself. */
static void
simplify (const Vertex *vertices,
          gsize         n,
          double        tolerance,
          gboolean     *keep)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize first = 0, last = n - 1;

  memset (keep, 0, n * sizeof (gboolean));
  keep[0] = keep[n - 1] = TRUE;
  g_array_append_val (stack, first);
  g_array_append_val (stack, last);
  while (stack->len > 0)
    {
      gsize b = g_array_index (stack, gsize, stack->len - 1);
      gsize a = g_array_index (stack, gsize, stack->len - 2);
      gsize farthest = a;
      double distance2 = tolerance * tolerance;

      g_array_set_size (stack, stack->len - 2);
      for (gsize i = a + 1; i < b; i++)
        {
          double d2 = segment_distance2 (&vertices[i], &vertices[a], &vertices[b]);

          if (d2 > distance2)
            {
              distance2 = d2;
              farthest = i;
            }
        }
      if (farthest != a)
        {
          keep[farthest] = TRUE;
          g_array_append_val (stack, a);
          g_array_append_val (stack, farthest);
          g_array_append_val (stack, farthest);
          g_array_append_val (stack, b);
        }
    }
}

/* Adds the run of vertices to the path and empties it. */
static void
emit_run (cairo_t  *cr,
          GArray   *run,
          double    tolerance)
{
  const Vertex *vertices = (const Vertex *) run->data;
  g_autofree gboolean *keep = NULL;

  if (run->len == 0)
    return;
  cairo_move_to (cr, vertices[0].x, vertices[0].y);
  if (run->len == 1)
    {
      /* A dot, for a round cap. */
      cairo_line_to (cr, vertices[0].x, vertices[0].y);
      g_array_set_size (run, 0);
      return;
    }
  keep = g_new (gboolean, run->len);
  if (tolerance > 0.0)
    simplify (vertices, run->len, tolerance, keep);
  else
    for (guint i = 0; i < run->len; i++)
      keep[i] = TRUE;
  for (guint i = 1; i < run->len; i++)
    if (keep[i])
      cairo_line_to (cr, vertices[i].x, vertices[i].y);
  g_array_set_size (run, 0);
}

/**
 * qks_plot_path_series:
 * @xs: (array length=n): data x values
 * @ys: (array length=n): data y values
 *
 * Adds a polyline through the points to the current path, broken where a
 * value is NaN or cannot be placed (≤ 0 on a log axis). A point alone
 * between gaps becomes a zero-length segment, which a round cap strokes as
 * a dot. On screen and in a PNG, points that fall within one device pixel
 * column are reduced to the first, lowest, highest and last of them, and
 * the rest simplified to within a quarter pixel (Douglas–Peucker), so that
 * 2000 steps cost no more than the pixels they cover; SVG and PDF keep
 * every point, for whoever zooms into them.
 */
void
qks_plot_path_series (const QksPlotAxes  *axes,
                      cairo_t            *cr,
                      const QksPlotTheme *theme,
                      const double       *xs,
                      const double       *ys,
                      gsize               n)
{
  cairo_surface_type_t target = cairo_surface_get_type (cairo_get_target (cr));
  gboolean vector = target == CAIRO_SURFACE_TYPE_SVG || target == CAIRO_SURFACE_TYPE_PDF ||
                    target == CAIRO_SURFACE_TYPE_PS;
  double scale = qks_plot_theme_device_scale (theme, cr);
  double tolerance = vector ? 0.0 : 0.5 / scale;
  g_autoptr(GArray) run = g_array_new (FALSE, FALSE, sizeof (Vertex));
  /* The pixel column in progress: its first, lowest, highest and last
   * points (device y grows downwards: "low" is the largest y). */
  double column = NAN;
  Vertex first = { 0, }, low = { 0, }, high = { 0, }, last = { 0, };
  gsize first_i = 0, low_i = 0, high_i = 0, last_i = 0;

  for (gsize i = 0; i <= n; i++)
    {
      Vertex v = { i < n ? qks_plot_axes_x_to_device (axes, xs[i]) : NAN,
                   i < n ? qks_plot_axes_y_to_device (axes, ys[i]) : NAN };
      gboolean valid = isfinite (v.x) && isfinite (v.y);
      double this_column = !valid ? NAN : vector ? (double) i : floor (v.x * scale);

      /* Close the column in progress when this point leaves it. */
      if (!isnan (column) && (!valid || this_column != column))
        {
          g_array_append_val (run, first);
          if (low_i != first_i && low_i != last_i && high_i != first_i && high_i != last_i)
            {
              g_array_append_vals (run, low_i < high_i ? &low : &high, 1);
              g_array_append_vals (run, low_i < high_i ? &high : &low, 1);
            }
          else if (low_i != first_i && low_i != last_i)
            g_array_append_val (run, low);
          else if (high_i != first_i && high_i != last_i)
            g_array_append_val (run, high);
          if (last_i != first_i)
            g_array_append_val (run, last);
          column = NAN;
        }
      if (!valid)
        {
          emit_run (cr, run, tolerance);
          continue;
        }
      if (isnan (column))
        {
          column = this_column;
          first = low = high = last = v;
          first_i = low_i = high_i = last_i = i;
          continue;
        }
      last = v;
      last_i = i;
      if (v.y > low.y)
        {
          low = v;
          low_i = i;
        }
      if (v.y < high.y)
        {
          high = v;
          high_i = i;
        }
    }
}

typedef struct
{
  double column;  /* device pixel column */
  double top;     /* device units */
  double bottom;
} Span;

/* The band as one rectangle per device pixel column, on whole pixels:
 * cairo fills pixel-aligned rectangles without scan conversion, several
 * times faster than the same band as a polygon. */
static void
fill_band (cairo_t *cr,
           GArray  *spans,
           double   scale,
           double   thickness)
{
  double pixels = MAX (1.0, round (thickness * scale));

  for (guint i = 0; i < spans->len; i++)
    {
      const Span *span = &g_array_index (spans, Span, i);
      double top = round (span->top * scale), bottom = round (span->bottom * scale);

      if (bottom - top < pixels)
        {
          top = round ((span->top + span->bottom) * scale / 2.0 - pixels / 2.0);
          bottom = top + pixels;
        }
      cairo_rectangle (cr, span->column / scale, top / scale, 1.0 / scale, (bottom - top) / scale);
    }
  g_array_set_size (spans, 0);
}

/**
 * qks_plot_draw_dense_series:
 * @width: the line width
 *
 * Draws a long, noisy series (the raw training loss: thousands of steps,
 * several per pixel) in @color. On screen and in a PNG, where it has more
 * points than the frame has pixel columns, it is filled as the band each
 * pixel column's values span, which looks like the stroked line and costs
 * a fraction (stroking a zig-zag of 2000 points with round joins takes
 * cairo about 20 ms); SVG and PDF, and series with fewer points, get the
 * polyline itself.
 */
void
qks_plot_draw_dense_series (const QksPlotAxes  *axes,
                            cairo_t            *cr,
                            const QksPlotTheme *theme,
                            const double       *xs,
                            const double       *ys,
                            gsize               n,
                            const QksPlotColor *color,
                            double              width)
{
  cairo_surface_type_t target = cairo_surface_get_type (cairo_get_target (cr));
  gboolean vector = target == CAIRO_SURFACE_TYPE_SVG || target == CAIRO_SURFACE_TYPE_PDF ||
                    target == CAIRO_SURFACE_TYPE_PS;
  double scale = qks_plot_theme_device_scale (theme, cr);
  g_autoptr(GArray) spans = NULL;
  QksPlotRect frame;
  Span current = { NAN, 0.0, 0.0 };
  double previous_x = NAN, previous_y = NAN;

  qks_plot_axes_get_frame (axes, &frame);
  cairo_save (cr);
  qks_plot_set_source_color (cr, color);
  if (vector || n < 1.5 * frame.width * scale)
    {
      cairo_new_path (cr);
      cairo_set_line_width (cr, width);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      qks_plot_path_series (axes, cr, theme, xs, ys, n);
      cairo_stroke (cr);
      cairo_restore (cr);
      return;
    }

  spans = g_array_new (FALSE, FALSE, sizeof (Span));
  cairo_new_path (cr);
  for (gsize i = 0; i < n; i++)
    {
      double x = qks_plot_axes_x_to_device (axes, xs[i]);
      double y = qks_plot_axes_y_to_device (axes, ys[i]);
      double column;

      if (!isfinite (x) || !isfinite (y))
        {
          if (!isnan (current.column))
            g_array_append_val (spans, current);
          fill_band (cr, spans, scale, width);
          current.column = NAN;
          previous_x = previous_y = NAN;
          continue;
        }
      column = floor (x * scale);
      if (column == current.column)
        {
          current.top = MIN (current.top, y);
          current.bottom = MAX (current.bottom, y);
        }
      else
        {
          if (!isnan (current.column))
            g_array_append_val (spans, current);
          /* Where points are further apart than a column (the start of a
           * run on a log axis), the columns between hold the segment that
           * joins them. */
          if (!isnan (current.column) && column - current.column > 1.0 && column - current.column < 65536.0)
            for (double c = current.column + 1.0; c < column; c++)
              {
                double ya = previous_y + (y - previous_y) * (c / scale - previous_x) / (x - previous_x);
                double yb = previous_y + (y - previous_y) * ((c + 1.0) / scale - previous_x) / (x - previous_x);
                Span between = { c, MIN (ya, yb), MAX (ya, yb) };

                g_array_append_val (spans, between);
              }
          /* The segment from the previous point reaches into this column. */
          current.column = column;
          current.top = isnan (previous_y) ? y : MIN (y, previous_y);
          current.bottom = isnan (previous_y) ? y : MAX (y, previous_y);
          if (!isnan (previous_y) && x > previous_x)
            {
              double entry = previous_y + (y - previous_y) * MAX (0.0, column / scale - previous_x) / (x - previous_x);

              current.top = MIN (y, entry);
              current.bottom = MAX (y, entry);
            }
        }
      previous_x = x;
      previous_y = y;
    }
  if (!isnan (current.column))
    g_array_append_val (spans, current);
  fill_band (cr, spans, scale, width);
  cairo_fill (cr);
  cairo_restore (cr);
}

static double
to_axis (double       value,
         QksPlotScale scale)
{
  switch (scale)
    {
    case QKS_PLOT_SCALE_LOG:
      return value > 0.0 ? log (value) : NAN;
    case QKS_PLOT_SCALE_LOG1P:
      return value > -1.0 ? log1p (value) : NAN;
    case QKS_PLOT_SCALE_LINEAR:
    default:
      return value;
    }
}

static double
from_axis (double       value,
           QksPlotScale scale)
{
  switch (scale)
    {
    case QKS_PLOT_SCALE_LOG:
      return exp (value);
    case QKS_PLOT_SCALE_LOG1P:
      return expm1 (value);
    case QKS_PLOT_SCALE_LINEAR:
    default:
      return value;
    }
}

/**
 * qks_plot_sample_series:
 * @x_scale: the scale of the axes' x axis, along which segments are straight
 * @out_x: (element-type double): points are appended here, in data units
 * @out_y: (element-type double)
 *
 * Points along the polyline through (@xs, @ys) about every 8 units of
 * the drawing, vertices included: for qks_plot_axes_draw_legend() to keep
 * clear of lines between sparse points, not only of the points.
 */
void
qks_plot_sample_series (const QksPlotAxes *axes,
                        const double      *xs,
                        const double      *ys,
                        gsize              n,
                        QksPlotScale       x_scale,
                        QksPlotScale       y_scale,
                        GArray            *out_x,
                        GArray            *out_y)
{
  double last_x = NAN, last_y = NAN;  /* device: the last point sampled */
  gsize previous = G_MAXSIZE;         /* the last point placed */

  for (gsize i = 0; i < n; i++)
    {
      double x1 = qks_plot_axes_x_to_device (axes, xs[i]), y1 = qks_plot_axes_y_to_device (axes, ys[i]);
      double pieces;

      if (!isfinite (x1) || !isfinite (y1))
        {
          previous = G_MAXSIZE;
          continue;
        }
      /* Dense series: a point every few units is enough. */
      if (previous == i - 1 && i + 1 < n &&
          (x1 - last_x) * (x1 - last_x) + (y1 - last_y) * (y1 - last_y) < 16.0)
        {
          previous = i;
          continue;
        }
      if (previous == i - 1)
        {
          pieces = MIN (ceil (hypot (x1 - last_x, y1 - last_y) / 8.0), 256.0);
          for (double k = 1.0; k < pieces; k++)
            {
              double u0 = to_axis (xs[i - 1], x_scale), u1 = to_axis (xs[i], x_scale);
              double v0 = to_axis (ys[i - 1], y_scale), v1 = to_axis (ys[i], y_scale);
              double x = from_axis (u0 + (u1 - u0) * k / pieces, x_scale);
              double y = from_axis (v0 + (v1 - v0) * k / pieces, y_scale);

              g_array_append_val (out_x, x);
              g_array_append_val (out_y, y);
            }
        }
      g_array_append_val (out_x, xs[i]);
      g_array_append_val (out_y, ys[i]);
      last_x = x1;
      last_y = y1;
      previous = i;
    }
}

/**
 * qks_plot_count_points_in_rect:
 * @xs: (array length=n): data x values
 * @ys: (array length=n): data y values
 *
 * Returns: how many of the points fall in @rect (device units), as
 *   qks_plot_axes_draw_legend() would cover them
 */
guint
qks_plot_count_points_in_rect (const QksPlotAxes *axes,
                               const double      *xs,
                               const double      *ys,
                               gsize              n,
                               const QksPlotRect *rect)
{
  guint count = 0;

  for (gsize i = 0; i < n; i++)
    {
      double x = qks_plot_axes_x_to_device (axes, xs[i]), y = qks_plot_axes_y_to_device (axes, ys[i]);

      count += x >= rect->x && x <= rect->x + rect->width && y >= rect->y && y <= rect->y + rect->height;
    }
  return count;
}

/**
 * qks_plot_draw_marker:
 * @ring: (nullable): a ring around the disc, to stand out from what is
 *   under it
 *
 * A filled disc of @radius (its ring, if any, centred on the edge): one
 * `<path>` in an SVG, two with a ring.
 */
void
qks_plot_draw_marker (cairo_t            *cr,
                      double              x,
                      double              y,
                      double              radius,
                      const QksPlotColor *fill,
                      const QksPlotColor *ring,
                      double              ring_width)
{
  if (!isfinite (x) || !isfinite (y))
    return;
  cairo_save (cr);
  /* The ring as a larger disc under the marker: two fills cost cairo a
   * fraction of a stroked circle. */
  if (ring != NULL && ring_width > 0.0)
    {
      cairo_new_path (cr);
      cairo_arc (cr, x, y, radius + ring_width / 2.0, 0.0, 2.0 * G_PI);
      qks_plot_set_source_color (cr, ring);
      cairo_fill (cr);
      radius -= ring_width / 2.0;
    }
  cairo_new_path (cr);
  cairo_arc (cr, x, y, radius, 0.0, 2.0 * G_PI);
  qks_plot_set_source_color (cr, fill);
  cairo_fill (cr);
  cairo_restore (cr);
}

/**
 * qks_plot_draw_tag:
 *
 * A short label on a rounded card, readable over data: the card's
 * (@xalign, @yalign) at (@x, @y).
 */
void
qks_plot_draw_tag (cairo_t            *cr,
                   const QksPlotTheme *theme,
                   const char         *text,
                   const QksPlotColor *color,
                   double              x,
                   double              y,
                   double              xalign,
                   double              yalign)
{
  g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, text);
  PangoRectangle logical;
  double width, height, left, top, radius;

  pango_layout_get_extents (layout, NULL, &logical);
  width = logical.width / (double) PANGO_SCALE + 2.0 * TAG_PADDING_X;
  height = logical.height / (double) PANGO_SCALE + 2.0 * TAG_PADDING_Y;
  left = round (x - xalign * width);
  top = round (y - yalign * height);
  radius = MIN (TAG_RADIUS, height / 2.0);

  cairo_save (cr);
  cairo_new_sub_path (cr);
  cairo_arc (cr, left + width - radius, top + radius, radius, -G_PI / 2.0, 0.0);
  cairo_arc (cr, left + width - radius, top + height - radius, radius, 0.0, G_PI / 2.0);
  cairo_arc (cr, left + radius, top + height - radius, radius, G_PI / 2.0, G_PI);
  cairo_arc (cr, left + radius, top + radius, radius, G_PI, 3.0 * G_PI / 2.0);
  cairo_close_path (cr);
  qks_plot_set_source_color (cr, &theme->card);
  cairo_fill_preserve (cr);
  qks_plot_set_source_color (cr, &theme->border);
  cairo_set_line_width (cr, theme->axis_line_width);
  cairo_stroke (cr);
  qks_plot_show_layout (theme, cr, layout, color, left + width / 2.0, top + height / 2.0, 0.5, 0.5);
  cairo_restore (cr);
}

static void
measure_tag (cairo_t            *cr,
             const QksPlotTheme *theme,
             const char         *text,
             double             *width,
             double             *height)
{
  g_autoptr(PangoLayout) layout = qks_plot_theme_create_layout (theme, cr, QKS_PLOT_FONT_SMALL, text);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  *width = logical.width / (double) PANGO_SCALE + 2.0 * TAG_PADDING_X;
  *height = logical.height / (double) PANGO_SCALE + 2.0 * TAG_PADDING_Y;
}

static gboolean
rects_meet (double             x,
            double             y,
            double             width,
            double             height,
            const QksPlotRect *other)
{
  return x < other->x + other->width && x + width > other->x &&
         y < other->y + other->height && y + height > other->y;
}

/**
 * qks_plot_draw_step_cursor:
 * @keep_clear: (nullable): a box the tag must not cover, such as the
 *   legend's (qks_plot_axes_get_legend_box())
 *
 * The step the timeline shows: a vertical line across the frame in the
 * accent colour, tagged "step N" at its top (below @keep_clear if that
 * is in the way, else at the bottom). Nothing if @step lies outside the
 * x range.
 */
void
qks_plot_draw_step_cursor (const QksPlotAxes  *axes,
                           cairo_t            *cr,
                           const QksPlotTheme *theme,
                           double              step,
                           const QksPlotRect  *keep_clear)
{
  g_autofree char *number = qks_plot_format_step (step);
  g_autofree char *text = NULL;
  QksPlotRect frame;
  double x, xmin, xmax, tag_width, tag_height, tag_x, tag_y;
  gboolean right;

  qks_plot_axes_get_frame (axes, &frame);
  qks_plot_axes_get_x_range (axes, &xmin, &xmax);
  if (!isfinite (step) || step < xmin || step > xmax)
    return;
  x = qks_plot_axes_x_to_device (axes, step);
  if (!isfinite (x))
    return;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.5);
  qks_plot_set_source_color (cr, &theme->accent);
  x = qks_plot_theme_snap (theme, cr, x, 1.5);
  cairo_move_to (cr, x, frame.y);
  cairo_line_to (cr, x, frame.y + frame.height);
  cairo_stroke (cr);

  /* The tag beside the line, on the side with room for it. */
  text = g_strdup_printf (_("step %s"), number);
  measure_tag (cr, theme, text, &tag_width, &tag_height);
  right = x < frame.x + frame.width * 0.75;
  tag_x = right ? x + 4.0 : x - 4.0 - tag_width;
  tag_y = frame.y + 4.0;
  if (keep_clear != NULL && rects_meet (tag_x, tag_y, tag_width, tag_height, keep_clear))
    {
      tag_y = keep_clear->y + keep_clear->height + 4.0;
      if (tag_y + tag_height > frame.y + frame.height - 4.0)
        tag_y = frame.y + frame.height - 4.0 - tag_height;
    }
  qks_plot_draw_tag (cr, theme, text, &theme->accent, tag_x, tag_y, 0.0, 0.0);
  cairo_restore (cr);
}
