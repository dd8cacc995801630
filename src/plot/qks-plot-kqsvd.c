/* qks-plot-kqsvd.c: how well a rank-r cache keeps the attention scores:
 * KQ-SVD against keys-only SVD (SCIENCE.md a.6, c.10)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

#include "qks-plot-axes.h"
#include "qks-plot-colormap.h"
#include "qks-plot-kqsvd.h"
#include "qks-plot-text.h"

#define ERROR_SLACK     1e-9   /* rounding past 0 or 1 */
#define BAND_OPACITY    0.2
#define MARKER_RADIUS   3.0
#define MAX_MARKED     16      /* ranks marked with a dot up to this length */
#define LOG_FLOOR      1e-12   /* relative to the largest error: what counts as exact */

typedef enum
{
  CURVE_KQSVD,
  CURVE_KEYS_ONLY,
  N_CURVES,
} Curve;

static const double keys_only_dashes[] = { 6.0, 3.0 };  /* as the legend draws it */

/* One curve as drawn: the head's, or the mean with its band. */
typedef struct
{
  double *centre;  /* length */
  double *low;     /* length, or NULL */
  double *high;
} Line;

static void
line_clear (Line *line)
{
  g_clear_pointer (&line->centre, g_free);
  g_clear_pointer (&line->low, g_free);
  g_clear_pointer (&line->high, g_free);
}

static char *
check_kqsvd (const QksPlotKqsvdData *data)
{
  if (data == NULL || data->n_heads == 0 || data->length == 0 || data->kqsvd == NULL || data->keys_only == NULL)
    return g_strdup (_("No KQ-SVD curves yet."));
  if (data->n_values != (gsize) data->n_heads * data->length)
    return g_strdup_printf (_("Each curve array holds %zu values where %u heads × %u ranks need %zu: "
                              "the data do not match."), data->n_values, data->n_heads, data->length,
                            (gsize) data->n_heads * data->length);
  if (data->head != QKS_PLOT_KQSVD_ALL_HEADS && (data->head < 0 || (guint) data->head >= data->n_heads))
    return g_strdup_printf (_("Head %d does not exist: the layer has %u heads."), data->head, data->n_heads);
  for (guint c = 0; c < N_CURVES; c++)
    {
      const double *values = c == CURVE_KQSVD ? data->kqsvd : data->keys_only;

      for (gsize i = 0; i < data->n_values; i++)
        {
          if (!isfinite (values[i]))
            return g_strdup (_("The curves include values that are not numbers (NaN or infinite)."));
          if (values[i] < -ERROR_SLACK || values[i] > 1.0 + ERROR_SLACK)
            return g_strdup_printf (_("A relative error of %.4g lies outside 0 to 1."), values[i]);
        }
    }
  return NULL;
}

static char *
kqsvd_title (const QksPlotKqsvdData *data)
{
  if (data != NULL && data->title != NULL)
    return g_strdup (data->title);
  if (data == NULL)
    return g_strdup (_("Score error against cache rank"));
  if (data->head == QKS_PLOT_KQSVD_ALL_HEADS)
    return g_strdup_printf (_("Score error against cache rank · mean of %u heads"), data->n_heads);
  return g_strdup_printf (_("Score error against cache rank · head %d"), data->head);
}

static void
line_make (const QksPlotKqsvdData *data,
           const double           *values,
           Line                   *line)
{
  guint n = data->length;

  line->centre = g_new0 (double, n);
  if (data->head != QKS_PLOT_KQSVD_ALL_HEADS)
    {
      memcpy (line->centre, values + (gsize) data->head * n, n * sizeof (double));
      return;
    }

  line->low = g_new (double, n);
  line->high = g_new (double, n);
  for (guint r = 0; r < n; r++)
    {
      line->low[r] = G_MAXDOUBLE;
      line->high[r] = -G_MAXDOUBLE;
      for (guint h = 0; h < data->n_heads; h++)
        {
          double value = values[(gsize) h * n + r];

          line->centre[r] += value / data->n_heads;
          line->low[r] = MIN (line->low[r], value);
          line->high[r] = MAX (line->high[r], value);
        }
    }
}

/* On a log axis, how many leading ranks have an error above @floor: the
 * line stops where the approximation becomes exact. */
static guint
positive_prefix (const double *values,
                 guint         n,
                 double        floor_value)
{
  guint r = 0;

  while (r < n && values[r] > floor_value)
    r++;
  return r;
}

static void
draw_band (const QksPlotAxes  *axes,
           cairo_t            *cr,
           const Line         *line,
           guint               n,
           gboolean            log_y,
           double              y_min,
           const QksPlotColor *color)
{
  QksPlotColor fill = qks_plot_color_with_alpha (color, color->alpha * BAND_OPACITY);

  if (line->low == NULL || n == 0)
    return;
  cairo_new_path (cr);
  for (guint r = 0; r < n; r++)
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, r + 1.0),
                   qks_plot_axes_y_to_device (axes, log_y ? MAX (line->high[r], y_min) : line->high[r]));
  for (guint r = n; r-- > 0; )
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, r + 1.0),
                   qks_plot_axes_y_to_device (axes, log_y ? MAX (line->low[r], y_min) : line->low[r]));
  cairo_close_path (cr);
  qks_plot_set_source_color (cr, &fill);
  cairo_fill (cr);
}

static void
draw_line (const QksPlotTheme *theme,
           const QksPlotAxes  *axes,
           cairo_t            *cr,
           const Line         *line,
           guint               n,
           const QksPlotColor *color,
           gboolean            dashed,
           gboolean            marked)
{
  cairo_save (cr);
  cairo_set_line_width (cr, theme->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, dashed ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
  if (dashed)
    cairo_set_dash (cr, keys_only_dashes, G_N_ELEMENTS (keys_only_dashes), 0.0);
  qks_plot_set_source_color (cr, color);
  cairo_new_path (cr);
  for (guint r = 0; r < n; r++)
    cairo_line_to (cr, qks_plot_axes_x_to_device (axes, r + 1.0), qks_plot_axes_y_to_device (axes, line->centre[r]));
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
  for (guint r = 0; marked && r < n; r++)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, qks_plot_axes_x_to_device (axes, r + 1.0), qks_plot_axes_y_to_device (axes, line->centre[r]),
                 MARKER_RADIUS, 0.0, 2.0 * G_PI);
      qks_plot_set_source_color (cr, &theme->background);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke_preserve (cr);
      qks_plot_set_source_color (cr, color);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/* What the drawing and the tooltips share: the curves, the legend and the
 * axes laid out with it. */
typedef struct
{
  char               *band_label;
  QksPlotAxes        *axes;
  double             *avoid_x, *avoid_y;
  QksPlotLegendEntry  entries[3];
  QksPlotColor        colors[N_CURVES];
  Line                lines[N_CURVES];
  guint               n, drawn[N_CURVES], n_entries, n_avoid;
  double              y_min, largest;
  gboolean            mean;
} KqsvdLayout;

static void
kqsvd_layout_clear (KqsvdLayout *L)
{
  for (guint c = 0; c < N_CURVES; c++)
    line_clear (&L->lines[c]);
  g_clear_pointer (&L->band_label, g_free);
  g_clear_pointer (&L->axes, qks_plot_axes_free);
  g_clear_pointer (&L->avoid_x, g_free);
  g_clear_pointer (&L->avoid_y, g_free);
}

/* FALSE with @error set when there is nothing to show or no room. */
static gboolean
lay_out (cairo_t                *cr,
         double                  width,
         double                  height,
         const QksPlotTheme     *theme,
         const QksPlotKqsvdData *data,
         const char             *title,
         KqsvdLayout            *L,
         GError                **error)
{
  L->n_entries = 2;
  L->n = data->length;
  L->mean = data->head == QKS_PLOT_KQSVD_ALL_HEADS;

  L->colors[CURVE_KQSVD] = qks_plot_palette_color (0, theme->dark);
  L->colors[CURVE_KEYS_ONLY] = qks_plot_palette_color (3, theme->dark);
  line_make (data, data->kqsvd, &L->lines[CURVE_KQSVD]);
  line_make (data, data->keys_only, &L->lines[CURVE_KEYS_ONLY]);

  /* The log axis spans the errors drawn; an exact 0 is off it. */
  for (guint c = 0; c < N_CURVES; c++)
    for (guint r = 0; r < L->n; r++)
      L->largest = MAX (L->largest, L->mean ? L->lines[c].high[r] : L->lines[c].centre[r]);
  for (guint c = 0; c < N_CURVES; c++)
    {
      L->drawn[c] = L->n;
      if (data->log_y)
        L->drawn[c] = positive_prefix (L->lines[c].centre, L->n, LOG_FLOOR * L->largest);
    }
  if (data->log_y)
    {
      L->y_min = G_MAXDOUBLE;
      for (guint c = 0; c < N_CURVES; c++)
        for (guint r = 0; r < L->drawn[c]; r++)
          L->y_min = MIN (L->y_min, L->mean ? MAX (L->lines[c].low[r], L->lines[c].centre[r] * 1e-3) : L->lines[c].centre[r]);
      if (L->y_min == G_MAXDOUBLE || !(L->largest > 0.0))
        {
          g_set_error_literal (error, QKS_PLOT_AXES_ERROR, QKS_PLOT_AXES_ERROR_NO_RANGE,
                               _("Every error is 0: a log axis has nothing to show."));
          return FALSE;
        }
      L->y_min = pow (10.0, floor (log10 (L->y_min)));
    }

  L->entries[CURVE_KQSVD] = (QksPlotLegendEntry) { _("KQ-SVD: best rank r of K Qᵀ"), L->colors[CURVE_KQSVD],
                                                QKS_PLOT_SWATCH_LINE, FALSE };
  L->entries[CURVE_KEYS_ONLY] = (QksPlotLegendEntry) { _("keys-only SVD: K truncated to rank r"),
                                                    L->colors[CURVE_KEYS_ONLY], QKS_PLOT_SWATCH_LINE, TRUE };
  if (L->mean && data->n_heads > 1)
    {
      QksPlotColor neutral = qks_plot_color_with_alpha (&theme->foreground, theme->foreground.alpha * 0.25);

      L->band_label = g_strdup_printf (_("range over the %u heads"), data->n_heads);
      L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->band_label, neutral, QKS_PLOT_SWATCH_PATCH, FALSE };
    }

  /* What the legend must not cover: the lines and the bands. */
  L->avoid_x = g_new (double, 6 * N_CURVES * L->n);
  L->avoid_y = g_new (double, 6 * N_CURVES * L->n);
  for (guint c = 0; c < N_CURVES; c++)
    for (guint r = 0; r < L->drawn[c]; r++)
      {
        L->avoid_x[L->n_avoid] = r + 1.0;
        L->avoid_y[L->n_avoid++] = L->lines[c].centre[r];
        for (guint q = 0; L->mean && q <= 4; q++)
          {
            double low = data->log_y ? MAX (L->lines[c].low[r], L->y_min) : L->lines[c].low[r];

            L->avoid_x[L->n_avoid] = r + 1.0;
            L->avoid_y[L->n_avoid++] = data->log_y ? low * pow (L->lines[c].high[r] / low, q / 4.0)
                                             : low + (L->lines[c].high[r] - low) * q / 4.0;
          }
      }

  /* The legend inside the frame if there is room clear of the data, else
   * beside it. */
  for (gboolean outside = FALSE; ; outside = TRUE)
    {
      g_clear_pointer (&L->axes, qks_plot_axes_free);
      L->axes = qks_plot_axes_new (theme, width, height);
      qks_plot_axes_set_title (L->axes, title);
      /* Half a rank either side when the ranks are dotted, so that no dot
       * is cut by the frame. */
      if (L->n <= MAX_MARKED)
        qks_plot_axes_set_x (L->axes, 0.5, L->n + 0.5, QKS_PLOT_SCALE_LINEAR, _("Cache rank r"));
      else
        qks_plot_axes_set_x (L->axes, 1.0, L->n, QKS_PLOT_SCALE_LINEAR, _("Cache rank r"));
      /* Ranks are whole numbers. */
      if (L->n <= 12)
        qks_plot_axes_set_x_tick_unit (L->axes, 1.0);
      if (data->log_y)
        qks_plot_axes_set_y (L->axes, L->y_min, 1.0, QKS_PLOT_SCALE_LOG, _("Relative error of the scores"));
      else
        qks_plot_axes_set_y (L->axes, 0.0, 1.0, QKS_PLOT_SCALE_LINEAR, _("Relative error of the scores"));
      qks_plot_axes_set_legend (L->axes, L->entries, L->n_entries,
                                outside ? QKS_PLOT_LEGEND_OUTSIDE_RIGHT : QKS_PLOT_LEGEND_BEST);
      if (!qks_plot_axes_layout (L->axes, cr, error))
        return FALSE;
      if (outside || qks_plot_axes_legend_fits_inside (L->axes, L->avoid_x, L->avoid_y, L->n_avoid))
        break;
    }
  return TRUE;
}

/**
 * qks_plot_kqsvd_draw:
 * @width: the allocation, in device-independent units
 * @height: the allocation
 * @data: (nullable): one layer's curves
 *
 * The relative error of the attention scores K Qᵀ against the cache rank r
 * (SCIENCE.md c.10): KQ-SVD, the best rank-r approximation (a solid line
 * in the palette's first colour), against keys-only SVD, K truncated to
 * rank r (a dashed line in its fourth), for one head or as the mean over
 * the heads with a band from the least to the largest error at each rank.
 * On a log axis the lines stop where an approximation becomes exact.
 */
void
qks_plot_kqsvd_draw (cairo_t                *cr,
                     double                  width,
                     double                  height,
                     const QksPlotTheme     *theme,
                     const QksPlotKqsvdData *data)
{
  g_autofree char *title = kqsvd_title (data);
  g_autofree char *problem = check_kqsvd (data);
  g_autoptr(GError) error = NULL;
  KqsvdLayout layout = { 0 };
  QksPlotAxes *axes;
  QksPlotColor *colors;
  Line *lines;
  guint n, *drawn;

  qks_plot_draw_background (cr, width, height, theme);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  if (!lay_out (cr, width, height, theme, data, title, &layout, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      kqsvd_layout_clear (&layout);
      return;
    }
  axes = layout.axes;
  colors = layout.colors;
  lines = layout.lines;
  n = layout.n;
  drawn = layout.drawn;

  qks_plot_axes_draw_grid (axes, cr);
  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  for (guint c = 0; c < N_CURVES; c++)
    draw_band (axes, cr, &lines[c], data->log_y ? drawn[c] : n, data->log_y, layout.y_min, &colors[c]);
  /* Keys-only under KQ-SVD: where they meet, the better one shows. */
  draw_line (theme, axes, cr, &lines[CURVE_KEYS_ONLY], drawn[CURVE_KEYS_ONLY], &colors[CURVE_KEYS_ONLY], TRUE,
             n <= MAX_MARKED);
  draw_line (theme, axes, cr, &lines[CURVE_KQSVD], drawn[CURVE_KQSVD], &colors[CURVE_KQSVD], FALSE,
             n <= MAX_MARKED);
  cairo_restore (cr);

  qks_plot_axes_draw_frame (axes, cr);
  qks_plot_axes_draw_legend (axes, cr, layout.avoid_x, layout.avoid_y, layout.n_avoid);
  kqsvd_layout_clear (&layout);
}

/**
 * qks_plot_kqsvd_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the cache rank nearest
 *   @x and both errors there (their means, and the range over heads, for
 *   the mean of a layer's heads); NULL outside the plot.
 */
char *
qks_plot_kqsvd_query (cairo_t                *cr,
                      double                  width,
                      double                  height,
                      const QksPlotTheme     *theme,
                      const QksPlotKqsvdData *data,
                      double                  x,
                      double                  y)
{
  g_autofree char *title = kqsvd_title (data);
  g_autofree char *problem = check_kqsvd (data);
  KqsvdLayout layout = { 0 };
  char *text = NULL;

  if (problem == NULL && lay_out (cr, width, height, theme, data, title, &layout, NULL) &&
      qks_plot_axes_frame_contains (layout.axes, x, y))
    {
      const Line *kq = &layout.lines[CURVE_KQSVD], *keys = &layout.lines[CURVE_KEYS_ONLY];

      guint rank = qks_plot_axes_nearest_category (layout.axes, 1.0, layout.n, x);

      if (layout.mean && data->n_heads > 1)
        /* Translators: a rank, then each method's mean error over the heads and its range */
        text = g_strdup_printf (_("Rank %u, mean of %u heads\nKQ-SVD %.4f (%.4f to %.4f)\nKeys-only SVD %.4f (%.4f to %.4f)"),
                                rank + 1, data->n_heads, kq->centre[rank], kq->low[rank], kq->high[rank],
                                keys->centre[rank], keys->low[rank], keys->high[rank]);
      else
        text = g_strdup_printf (_("Rank %u\nKQ-SVD %.4f\nKeys-only SVD %.4f"), rank + 1, kq->centre[rank],
                                keys->centre[rank]);
    }
  kqsvd_layout_clear (&layout);
  return text;
}
