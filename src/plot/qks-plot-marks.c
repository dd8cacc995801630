/* qks-plot-marks.c: small pieces the spectral figures share: line styles,
 * colour mixing, checking data, short labels and legend rows
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qks-plot-marks.h"
#include "qks-plot-text.h"

/* As the frame's legend draws them (qks-plot-axes.c). */
#define SWATCH_WIDTH   22.0
#define SWATCH_PATCH   12.0
#define DASH_ON         6.0
#define DASH_OFF        3.0

/**
 * qks_plot_color_mix:
 * @weight: 0 gives @base, 1 gives @over
 *
 * Returns: the opaque colour of @over painted at @weight (times its own
 *   alpha) on @base: a tint that adjacent marks can share without seams
 *   where their anti-aliased edges overlap.
 */
QksPlotColor
qks_plot_color_mix (const QksPlotColor *base,
                    const QksPlotColor *over,
                    double              weight)
{
  double t = CLAMP (weight, 0.0, 1.0) * over->alpha;
  QksPlotColor mixed = {
    base->red + (over->red - base->red) * t,
    base->green + (over->green - base->green) * t,
    base->blue + (over->blue - base->blue) * t,
    base->alpha,
  };

  return mixed;
}

void
qks_plot_set_line_style (cairo_t          *cr,
                         QksPlotLineStyle  style,
                         double            line_width)
{
  static const double dashes[] = { DASH_ON, DASH_OFF };

  cairo_set_line_width (cr, line_width);
  if (style == QKS_PLOT_LINE_DASHED)
    {
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0.0);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
    }
  else
    {
      cairo_set_dash (cr, NULL, 0, 0.0);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
    }
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
}

/* A vertical line on whole device pixels, with the current source and dash. */
void
qks_plot_stroke_vertical (const QksPlotTheme *theme,
                          cairo_t            *cr,
                          double              x,
                          double              y0,
                          double              y1,
                          double              line_width)
{
  x = qks_plot_theme_snap (theme, cr, x, line_width);
  cairo_set_line_width (cr, line_width);
  cairo_move_to (cr, x, y0);
  cairo_line_to (cr, x, y1);
  cairo_stroke (cr);
}

static PangoLayout *
create_label (const QksPlotTheme *theme,
              cairo_t            *cr,
              QksPlotFont         font,
              const char         *text,
              double              max_width)
{
  PangoLayout *layout = qks_plot_theme_create_layout (theme, cr, font, text);

  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (max_width > 0.0)
    {
      pango_layout_set_width (layout, (int) (MAX (max_width, 1.0) * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  return layout;
}

void
qks_plot_measure_label (const QksPlotTheme *theme,
                        cairo_t            *cr,
                        QksPlotFont         font,
                        const char         *text,
                        double             *width,
                        double             *height)
{
  g_autoptr(PangoLayout) layout = create_label (theme, cr, font, text, 0.0);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = logical.width / (double) PANGO_SCALE;
  if (height != NULL)
    *height = logical.height / (double) PANGO_SCALE;
}

/**
 * qks_plot_draw_label:
 * @max_width: ellipsize beyond this width; 0 for no limit
 * @extents: (out) (optional): the box the label covers
 *
 * One line of text through qks_plot_show_layout(), so that it joins an
 * exported SVG's text layer.
 */
void
qks_plot_draw_label (const QksPlotTheme *theme,
                     cairo_t            *cr,
                     QksPlotFont         font,
                     const char         *text,
                     const QksPlotColor *color,
                     double              x,
                     double              y,
                     double              xalign,
                     double              yalign,
                     double              max_width,
                     QksPlotRect        *extents)
{
  g_autoptr(PangoLayout) layout = create_label (theme, cr, font, text, max_width);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (max_width > 0.0)
    logical.width = MIN (logical.width, (int) (max_width * PANGO_SCALE));
  if (extents != NULL)
    {
      extents->width = logical.width / (double) PANGO_SCALE;
      extents->height = logical.height / (double) PANGO_SCALE;
      extents->x = x - xalign * extents->width;
      extents->y = y - yalign * extents->height;
    }
  qks_plot_show_layout (theme, cr, layout, color, x, y, xalign, yalign);
}

double
qks_plot_legend_row_height (const QksPlotTheme *theme,
                            cairo_t            *cr)
{
  double height;

  qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, "0", NULL, &height);
  return MAX (height, SWATCH_PATCH);
}

static void
draw_swatch (const QksPlotTheme       *theme,
             cairo_t                  *cr,
             const QksPlotLegendEntry *entry,
             double                    x,
             double                    y)
{
  cairo_save (cr);
  qks_plot_set_source_color (cr, &entry->color);
  switch (entry->swatch)
    {
    case QKS_PLOT_SWATCH_MARKER:
      cairo_arc (cr, x + SWATCH_WIDTH / 2.0, y, 4.0, 0.0, 2.0 * G_PI);
      cairo_fill (cr);
      break;
    case QKS_PLOT_SWATCH_PATCH:
      cairo_rectangle (cr, x + (SWATCH_WIDTH - SWATCH_PATCH) / 2.0, y - SWATCH_PATCH / 2.0,
                       SWATCH_PATCH, SWATCH_PATCH);
      cairo_fill (cr);
      break;
    case QKS_PLOT_SWATCH_LINE:
    default:
      qks_plot_set_line_style (cr, entry->dashed ? QKS_PLOT_LINE_DASHED : QKS_PLOT_LINE_SOLID,
                               theme->line_width);
      cairo_move_to (cr, x + 1.0, y);
      cairo_line_to (cr, x + SWATCH_WIDTH - 1.0, y);
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

/**
 * qks_plot_legend_row_draw:
 * @x: left edge of the room
 * @y: top edge
 * @width: the room's width: entries wrap to further rows, each row centred
 * @draw: %FALSE to measure only
 *
 * A legend laid out in rows across a figure, in small type, for figures
 * whose panels share one legend.
 *
 * Returns: the height used
 */
double
qks_plot_legend_row_draw (const QksPlotTheme       *theme,
                          cairo_t                  *cr,
                          const QksPlotLegendEntry *entries,
                          guint                     n_entries,
                          double                    x,
                          double                    y,
                          double                    width,
                          gboolean                  draw)
{
  double row_height = qks_plot_legend_row_height (theme, cr);
  double gap = 3.0 * theme->spacing, row_gap = theme->spacing / 2.0;
  g_autofree double *widths = g_new0 (double, MAX (n_entries, 1));
  double height = 0.0;
  guint first = 0;

  if (n_entries == 0)
    return 0.0;

  for (guint i = 0; i < n_entries; i++)
    {
      double label_width;

      qks_plot_measure_label (theme, cr, QKS_PLOT_FONT_SMALL, entries[i].label, &label_width, NULL);
      widths[i] = SWATCH_WIDTH + theme->spacing + label_width;
    }

  while (first < n_entries)
    {
      double row_width = MIN (widths[first], width), left, middle;
      guint end = first + 1;

      while (end < n_entries && row_width + gap + widths[end] <= width)
        row_width += gap + widths[end++];

      left = x + MAX (0.0, (width - row_width) / 2.0);
      middle = y + height + row_height / 2.0;
      for (guint i = first; draw && i < end; i++)
        {
          double label_room = MAX (1.0, MIN (widths[i], width) - SWATCH_WIDTH - theme->spacing);

          draw_swatch (theme, cr, &entries[i], left, middle);
          qks_plot_draw_label (theme, cr, QKS_PLOT_FONT_SMALL, entries[i].label, &theme->foreground,
                               left + SWATCH_WIDTH + theme->spacing, middle, 0.0, 0.5, label_room, NULL);
          left += widths[i] + gap;
        }
      height += (first > 0 ? row_gap : 0.0) + row_height;
      first = end;
    }
  return height;
}

/**
 * qks_plot_check_values:
 *
 * Returns: %QKS_PLOT_VALUES_OK when every one of @values is finite and
 *   passes @check, else the first problem found
 */
QksPlotValuesProblem
qks_plot_check_values (const double *values,
                       gsize         n_values,
                       QksPlotCheck  check)
{
  if (values == NULL && n_values > 0)
    return QKS_PLOT_VALUES_MISSING;
  for (gsize i = 0; i < n_values; i++)
    {
      if (!isfinite (values[i]))
        return QKS_PLOT_VALUES_NOT_FINITE;
      if (check == QKS_PLOT_CHECK_NONNEGATIVE && values[i] < 0.0)
        return QKS_PLOT_VALUES_NEGATIVE;
      if (check == QKS_PLOT_CHECK_POSITIVE && values[i] <= 0.0)
        return QKS_PLOT_VALUES_NOT_POSITIVE;
      if (fabs (values[i]) > QKS_PLOT_VALUE_LIMIT ||
          (check == QKS_PLOT_CHECK_POSITIVE && values[i] < 1.0 / QKS_PLOT_VALUE_LIMIT))
        return QKS_PLOT_VALUES_OUT_OF_RANGE;
    }
  return QKS_PLOT_VALUES_OK;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Returns: (transfer full): @values in ascending order */
double *
qks_plot_sorted_copy (const double *values,
                      gsize         n_values)
{
  double *sorted = g_memdup2 (values, MAX (n_values, 1) * sizeof (double));

  qsort (sorted, n_values, sizeof (double), compare_doubles);
  return sorted;
}

/* The quantile of ascending @sorted by linear interpolation (type 7). */
double
qks_plot_quantile_sorted (const double *sorted,
                          gsize         n_values,
                          double        probability)
{
  double position, fraction;
  gsize below;

  if (n_values == 0)
    return NAN;
  position = CLAMP (probability, 0.0, 1.0) * (double) (n_values - 1);
  below = (gsize) floor (position);
  fraction = position - (double) below;
  if (below + 1 >= n_values)
    return sorted[n_values - 1];
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}
