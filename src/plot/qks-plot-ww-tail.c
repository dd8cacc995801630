/* qks-plot-ww-tail.c: the log–log tail of a spectrum with weightwatcher's
 * power-law fit (SCIENCE.md b.5, c.11)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

#include "qks-plot-axes.h"
#include "qks-plot-marks.h"
#include "qks-plot-ww-tail.h"

#define POINT_RADIUS        2.25  /* one per eigenvalue */
#define BIN_POINT_RADIUS    3.5   /* one per bin */
#define MARKER_LINE_WIDTH   1.5
#define BINS_PER_DECADE    10.0
#define MIN_BINS            8
#define MAX_BINS           60
#define X_MARGIN            1.25  /* the x range beyond the extreme values, as a factor */

#define DEFAULT_X_LABEL     _("Eigenvalue λ")
#define CCDF_Y_LABEL        _("Fraction of eigenvalues ≥ λ")
#define DENSITY_Y_LABEL     _("Density")

/**
 * qks_plot_ww_tail_get_style:
 *
 * The colours of the tail figure in @theme: the bulk neutral, the fitted
 * tail in the accent colour, the power law as the ESD's MP fit.
 */
void
qks_plot_ww_tail_get_style (const QksPlotTheme *theme,
                            QksPlotWwTailStyle *style)
{
  style->body = qks_plot_color_mix (&theme->background, &theme->foreground, theme->dark ? 0.42 : 0.38);
  style->tail = theme->accent;
  style->fit = qks_plot_color_from_rgb (0xd55e00);
  style->xmin = theme->foreground;
}

static const char *
check_data (const QksPlotWwTailData *data)
{
  if (data == NULL || data->eigenvalues == NULL || data->n_eigenvalues == 0)
    return _("No spectrum at this step yet");
  if (data->n_eigenvalues == 1)
    return _("A single eigenvalue has no tail: a spectrum needs at least two");
  switch (qks_plot_check_values (data->eigenvalues, data->n_eigenvalues, QKS_PLOT_CHECK_POSITIVE))
    {
    case QKS_PLOT_VALUES_OK:
      return NULL;
    case QKS_PLOT_VALUES_NOT_FINITE:
      return _("The spectrum holds NaN or infinite values");
    case QKS_PLOT_VALUES_NOT_POSITIVE:
    case QKS_PLOT_VALUES_NEGATIVE:
      return _("The log–log tail cannot show zero or negative eigenvalues");
    case QKS_PLOT_VALUES_OUT_OF_RANGE:
      return _("The spectrum spans more orders of magnitude than a figure can show");
    case QKS_PLOT_VALUES_MISSING:
    default:
      return _("No spectrum at this step yet");
    }
}

static gboolean
fit_usable (const QksPlotWwTailData *data)
{
  return isfinite (data->alpha) && data->alpha > 1.0 && isfinite (data->xmin) && data->xmin > 0.0;
}

/* The fitted law in the figure's y units: the tail's share times its
 * CCDF (λ/xmin)^−(α−1), or times its density (α−1)/xmin (λ/xmin)^−α. */
static double
fit_value (const QksPlotWwTailData *data,
           double                   share,
           double                   x)
{
  double ratio = x / data->xmin;

  if (data->mode == QKS_PLOT_WW_TAIL_DENSITY)
    return share * (data->alpha - 1.0) / data->xmin * pow (ratio, -data->alpha);
  return share * pow (ratio, 1.0 - data->alpha);
}

/* What the drawing and the tooltips share: the points as drawn, the fit,
 * the legend and the axes. */
typedef struct
{
  QksPlotAxes         *axes;
  double              *sorted, *xs, *ys;
  gboolean            *tail;
  char                *body_label, *tail_label, *fit_label, *xmin_label;
  QksPlotLegendEntry   entries[4];
  QksPlotWwTailStyle   style;
  QksPlotRect          frame;
  gboolean             fit;
  gsize                n, n_points, m;
  double               v_min, v_max, y_min, y_max, share, radius;
  guint                n_entries;
} TailLayout;

static void
tail_layout_clear (TailLayout *L)
{
  g_clear_pointer (&L->axes, qks_plot_axes_free);
  g_clear_pointer (&L->sorted, g_free);
  g_clear_pointer (&L->xs, g_free);
  g_clear_pointer (&L->ys, g_free);
  g_clear_pointer (&L->tail, g_free);
  g_clear_pointer (&L->body_label, g_free);
  g_clear_pointer (&L->tail_label, g_free);
  g_clear_pointer (&L->fit_label, g_free);
  g_clear_pointer (&L->xmin_label, g_free);
}

/* FALSE with @error set when the figure leaves no room. */
static gboolean
lay_out (cairo_t                 *cr,
         double                   width,
         double                   height,
         const QksPlotTheme      *theme,
         const QksPlotWwTailData *data,
         TailLayout              *L,
         GError                 **error)
{
  L->y_min = G_MAXDOUBLE;
  L->y_max = 0.0;
  qks_plot_ww_tail_get_style (theme, &L->style);
  L->n = data->n_eigenvalues;
  L->sorted = qks_plot_sorted_copy (data->eigenvalues, L->n);
  L->v_min = L->sorted[0];
  L->v_max = L->sorted[L->n - 1];
  L->fit = fit_usable (data);
  for (gsize i = 0; L->fit && i < L->n; i++)
    if (L->sorted[i] >= data->xmin)
      L->m++;
  L->share = L->m / (double) L->n;
  L->fit = L->fit && L->m > 0;

  if (data->mode == QKS_PLOT_WW_TAIL_DENSITY)
    {
      double low = log10 (L->v_min), high = log10 (L->v_max), step;
      guint n_bins;

      if (high - low < 0.1)
        {
          low -= 0.05;
          high += 0.05;
        }
      n_bins = (guint) CLAMP (ceil ((high - low) * BINS_PER_DECADE), MIN_BINS, MAX_BINS);
      step = (high - low) / n_bins;
      L->xs = g_new (double, n_bins);
      L->ys = g_new (double, n_bins);
      L->tail = g_new (gboolean, n_bins);
      for (guint b = 0; b < n_bins; b++)
        {
          double e0 = pow (10.0, low + b * step), e1 = pow (10.0, low + (b + 1) * step);
          gsize count = 0;

          for (gsize i = 0; i < L->n; i++)
            if ((L->sorted[i] > e0 || (b == 0 && L->sorted[i] >= e0)) && (L->sorted[i] <= e1 || b == n_bins - 1))
              count++;
          if (count == 0)
            continue;
          L->xs[L->n_points] = sqrt (e0 * e1);
          L->ys[L->n_points] = count / (L->n * (e1 - e0));
          L->tail[L->n_points] = L->fit && L->xs[L->n_points] >= data->xmin;
          L->n_points++;
        }
      L->radius = BIN_POINT_RADIUS;
    }
  else
    {
      L->xs = g_new (double, L->n);
      L->ys = g_new (double, L->n);
      L->tail = g_new (gboolean, L->n);
      for (gsize i = 0; i < L->n; i++)
        {
          L->xs[i] = L->sorted[i];
          L->ys[i] = (double) (L->n - i) / L->n;
          L->tail[i] = L->fit && L->sorted[i] >= data->xmin;
        }
      L->n_points = L->n;
      L->radius = POINT_RADIUS;
    }

  for (gsize i = 0; i < L->n_points; i++)
    {
      L->y_min = MIN (L->y_min, L->ys[i]);
      L->y_max = MAX (L->y_max, L->ys[i]);
    }
  if (L->fit)
    {
      /* The line stays in view, but a wild fit cannot stretch the axis
       * more than a decade past the points. */
      double ends[] = { fit_value (data, L->share, data->xmin), fit_value (data, L->share, L->v_max) };

      for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
        if (isfinite (ends[i]) && ends[i] > 0.0)
          {
            L->y_min = MIN (L->y_min, MAX (ends[i], L->y_min / 10.0));
            L->y_max = MAX (L->y_max, MIN (ends[i], L->y_max * 10.0));
          }
    }

  /* Legend: the points, the fitted tail, the law, xmin. */
  L->body_label = g_strdup_printf (data->mode == QKS_PLOT_WW_TAIL_DENSITY ? _("Eigenvalues, n = %zu, binned")
                                                                         : _("Eigenvalues, n = %zu"), L->n);
  L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->body_label, L->style.body, QKS_PLOT_SWATCH_MARKER, FALSE };
  if (L->fit)
    {
      g_autofree char *sigma = isfinite (data->sigma) ? g_strdup_printf (" ± %.2f", data->sigma) : g_strdup ("");
      g_autofree char *ks = isfinite (data->ks_distance) ? g_strdup_printf (", KS %.3f", data->ks_distance)
                                                         : g_strdup ("");

      L->tail_label = g_strdup_printf (_("Tail λ ≥ xmin, %zu values"), L->m);
      L->fit_label = g_strdup_printf (_("Power law α = %.2f%s%s%s"), data->alpha, sigma, ks,
                                   data->alpha > QKS_PLOT_WW_TAIL_ALPHA_UNRELIABLE ? _(" (random-like)") : "");
      L->xmin_label = g_strdup_printf ("xmin = %.3g", data->xmin);
      L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->tail_label, L->style.tail, QKS_PLOT_SWATCH_MARKER, FALSE };
      L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->fit_label, L->style.fit, QKS_PLOT_SWATCH_LINE, FALSE };
      L->entries[L->n_entries++] = (QksPlotLegendEntry) { L->xmin_label, L->style.xmin, QKS_PLOT_SWATCH_LINE, TRUE };
    }

  L->axes = qks_plot_axes_new (theme, width, height);
  if (data->title != NULL)
    qks_plot_axes_set_title (L->axes, data->title);
  qks_plot_axes_set_x (L->axes, L->v_min / X_MARGIN, L->v_max * X_MARGIN, QKS_PLOT_SCALE_LOG,
                       data->x_label != NULL ? data->x_label : DEFAULT_X_LABEL);
  qks_plot_axes_set_y (L->axes, L->y_min / 1.5, L->y_max * 1.5, QKS_PLOT_SCALE_LOG,
                       data->mode == QKS_PLOT_WW_TAIL_DENSITY ? DENSITY_Y_LABEL : CCDF_Y_LABEL);
  qks_plot_axes_set_legend (L->axes, L->entries, L->n_entries, QKS_PLOT_LEGEND_BEST);
  if (!qks_plot_axes_layout (L->axes, cr, error))
    return FALSE;
  qks_plot_axes_get_frame (L->axes, &L->frame);
  return TRUE;
}

/**
 * qks_plot_ww_tail_draw:
 * @data: (nullable): %NULL draws the empty state
 *
 * weightwatcher's tail on log–log axes (SCIENCE.md c.11): the empirical
 * complementary CDF, every eigenvalue a point (or the density in
 * log-spaced bins), the points from xmin on in the accent colour, the
 * fitted power law from xmin as a line (slope −(α−1) for the CCDF, −α for
 * the density), xmin as a dashed vertical line, and α ± σ in the legend.
 * Data that cannot be drawn give the empty state with the reason.
 */
void
qks_plot_ww_tail_draw (cairo_t                 *cr,
                       double                   width,
                       double                   height,
                       const QksPlotTheme      *theme,
                       const QksPlotWwTailData *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) avoid_x = NULL;
  g_autoptr(GArray) avoid_y = NULL;
  TailLayout layout = { 0 };
  QksPlotAxes *axes;
  const double *xs, *ys;
  const gboolean *tail;
  QksPlotWwTailStyle style;
  QksPlotRect frame;
  const char *problem;
  gboolean fit;
  gsize n_points;
  double v_min, v_max, y_min, y_max, share, radius;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (theme != NULL);

  qks_plot_draw_background (cr, width, height, theme);
  problem = check_data (data);
  if (problem != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data != NULL ? data->title : NULL, problem);
      return;
    }

  if (!lay_out (cr, width, height, theme, data, &layout, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, data->title, error->message);
      tail_layout_clear (&layout);
      return;
    }
  axes = layout.axes;
  xs = layout.xs;
  ys = layout.ys;
  tail = layout.tail;
  style = layout.style;
  frame = layout.frame;
  fit = layout.fit;
  n_points = layout.n_points;
  v_min = layout.v_min;
  v_max = layout.v_max;
  y_min = layout.y_min;
  y_max = layout.y_max;
  share = layout.share;
  radius = layout.radius;

  qks_plot_axes_draw_grid (axes, cr);
  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);

  if (fit && data->xmin >= v_min / X_MARGIN && data->xmin <= v_max * X_MARGIN)
    {
      qks_plot_set_line_style (cr, QKS_PLOT_LINE_DASHED, MARKER_LINE_WIDTH);
      qks_plot_set_source_color (cr, &style.xmin);
      qks_plot_stroke_vertical (theme, cr, qks_plot_axes_x_to_device (axes, data->xmin), frame.y,
                                frame.y + frame.height, MARKER_LINE_WIDTH);
    }

  /* The points in two fills: the body, then the tail over it. */
  for (guint pass = 0; pass < 2; pass++)
    {
      gboolean any = FALSE;

      cairo_new_path (cr);
      for (gsize i = 0; i < n_points; i++)
        if (tail[i] == (pass == 1))
          {
            double x = qks_plot_axes_x_to_device (axes, xs[i]), y = qks_plot_axes_y_to_device (axes, ys[i]);

            cairo_new_sub_path (cr);
            cairo_arc (cr, x, y, radius, 0.0, 2.0 * G_PI);
            any = TRUE;
          }
      if (any)
        {
          qks_plot_set_source_color (cr, pass == 0 ? &style.body : &style.tail);
          cairo_fill (cr);
        }
    }

  if (fit)
    {
      double x0 = data->xmin, x1 = MAX (v_max, data->xmin);

      /* A power law is straight on log–log axes: its two ends suffice. */
      cairo_move_to (cr, qks_plot_axes_x_to_device (axes, x0), qks_plot_axes_y_to_device (axes, fit_value (data, share, x0)));
      cairo_line_to (cr, qks_plot_axes_x_to_device (axes, x1), qks_plot_axes_y_to_device (axes, fit_value (data, share, x1)));
      qks_plot_set_line_style (cr, QKS_PLOT_LINE_SOLID, theme->line_width);
      qks_plot_set_source_color (cr, &style.fit);
      cairo_stroke (cr);
    }
  cairo_restore (cr);

  qks_plot_axes_draw_frame (axes, cr);

  avoid_x = g_array_new (FALSE, FALSE, sizeof (double));
  avoid_y = g_array_new (FALSE, FALSE, sizeof (double));
  g_array_append_vals (avoid_x, xs, (guint) n_points);
  g_array_append_vals (avoid_y, ys, (guint) n_points);
  for (guint k = 0; fit && k <= 32; k++)
    {
      double x = data->xmin * pow (MAX (v_max, data->xmin) / data->xmin, k / 32.0);
      double y = fit_value (data, share, x);
      double top = y_max * 1.5, bottom = y_min / 1.5;

      g_array_append_val (avoid_x, x);
      g_array_append_val (avoid_y, y);
      /* And the dashed line at xmin, top to bottom. */
      x = data->xmin;
      y = bottom * pow (top / bottom, k / 32.0);
      g_array_append_val (avoid_x, x);
      g_array_append_val (avoid_y, y);
    }
  qks_plot_axes_draw_legend (axes, cr, (const double *) avoid_x->data, (const double *) avoid_y->data,
                             avoid_x->len);
  tail_layout_clear (&layout);
}

/**
 * qks_plot_ww_tail_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the point within a
 *   few pixels of (@x, @y): its eigenvalue and the fraction of them at
 *   least as large (or, binned, the bin's density), and whether it is in
 *   the fitted tail; NULL elsewhere.
 */
char *
qks_plot_ww_tail_query (cairo_t                 *cr,
                        double                   width,
                        double                   height,
                        const QksPlotTheme      *theme,
                        const QksPlotWwTailData *data,
                        double                   x,
                        double                   y)
{
  TailLayout layout = { 0 };
  double best_distance = 8.0;
  gsize nearest = G_MAXSIZE;
  char *text = NULL;

  if (check_data (data) != NULL || !lay_out (cr, width, height, theme, data, &layout, NULL))
    {
      tail_layout_clear (&layout);
      return NULL;
    }
  for (gsize i = 0; i < layout.n_points; i++)
    {
      double distance = hypot (qks_plot_axes_x_to_device (layout.axes, layout.xs[i]) - x,
                               qks_plot_axes_y_to_device (layout.axes, layout.ys[i]) - y);

      if (distance < best_distance)
        {
          best_distance = distance;
          nearest = i;
        }
    }
  if (nearest != G_MAXSIZE)
    {
      const char *where = layout.tail[nearest] ? _("in the fitted tail") : _("below xmin");

      if (data->mode == QKS_PLOT_WW_TAIL_DENSITY)
        /* Translators: a bin's centre, its density, and where it lies */
        text = g_strdup_printf (_("λ ≈ %.4g\ndensity %.4g, %s"), layout.xs[nearest], layout.ys[nearest], where);
      else
        /* Translators: an eigenvalue, the share of eigenvalues at least as large, and where it lies */
        text = g_strdup_printf (_("λ = %.4g\n%.4g of the eigenvalues are ≥ λ, %s"), layout.xs[nearest],
                                layout.ys[nearest], where);
    }
  tail_layout_clear (&layout);
  return text;
}
