/* qks-plot-loss.c: training and validation loss of one or several runs
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "qks-plot-colormap.h"
#include "qks-plot-loss.h"
#include "qks-plot-steps.h"

#define Y_MARGIN        0.04  /* of the span, above and below */
#define RAW_OPACITY     0.25  /* the raw loss under its moving average */
#define RAW_WIDTH       1.0
#define SMOOTH_WIDTH    1.5
#define VAL_WIDTH       1.0
#define VAL_RADIUS      2.75
#define VAL_RING        1.0
#define MAX_SMOOTHING   0.999
#define LEGEND_OVERLAP  3     /* curve samples an inside legend may cover */

typedef struct
{
  double *x;      /* step or FLOPs; NaN where the point cannot be placed */
  double *raw;    /* training loss */
  double *smooth; /* its moving average, NULL without smoothing */
  double *val_x;
  double *val;
  guint   n;
  guint   n_val;
} RunSeries;

static double
point_x (const QksLossData  *data,
         const QksLossPoint *point)
{
  if (data->x_axis == QKS_LOSS_X_FLOPS)
    return point->flops > 0.0 && isfinite (point->flops) ? point->flops : NAN;
  return point->step;
}

static gboolean
loss_usable (const QksLossData *data,
             double             loss)
{
  return isfinite (loss) && (!data->log_y || loss > 0.0);
}

static char *
find_problem (const QksLossData *data)
{
  guint n_points = 0, n_placed = 0;
  double first_step = NAN;

  if (data == NULL)
    return g_strdup (_("No data."));
  if (data->runs == NULL || data->n_runs == 0)
    return g_strdup (_("No runs to show yet."));
  if (data->n_runs > QKS_LOSS_MAX_RUNS)
    return g_strdup_printf (_("%u runs are too many to tell apart: choose at most %u."),
                            data->n_runs, QKS_LOSS_MAX_RUNS);
  if (data->x_axis != QKS_LOSS_X_STEPS && data->x_axis != QKS_LOSS_X_FLOPS)
    return g_strdup (_("Unknown x axis."));

  for (guint r = 0; r < data->n_runs; r++)
    {
      const QksLossRun *run = &data->runs[r];
      const char *name = run->name != NULL ? run->name : "";
      double last_flops = 0.0;

      if (run->points == NULL && run->n_points > 0)
        return g_strdup_printf (_("The run “%s” has %u steps but no values for them."), name, run->n_points);
      for (guint i = 0; i < run->n_points; i++)
        {
          const QksLossPoint *point = &run->points[i];

          if (!isfinite (point->step) || point->step < 0.0)
            return g_strdup_printf (_("A step of the run “%s” is not a step number (%g)."), name, point->step);
          if (i > 0 && !(point->step > run->points[i - 1].step))
            return g_strdup_printf (_("The steps of the run “%s” are not in increasing order (%g after %g)."),
                                    name, point->step, run->points[i - 1].step);
          if (isfinite (point->flops))
            {
              if (point->flops < last_flops)
                return g_strdup_printf (_("The cumulative FLOPs of the run “%s” fall at step %g."), name, point->step);
              last_flops = point->flops;
            }
          if (loss_usable (data, point->train_loss) || loss_usable (data, point->val_loss))
            {
              n_points++;
              if (isfinite (point_x (data, point)))
                n_placed++;
              if (isnan (first_step))
                first_step = point->step;
            }
        }
    }

  if (n_points == 0)
    return g_strdup (_("No loss recorded yet."));
  if (n_points == 1)
    {
      g_autofree char *step = qks_plot_format_step (first_step);

      return g_strdup_printf (_("Only step %s is recorded so far. The curves appear from the next recorded step."),
                              step);
    }
  if (n_placed == 0)
    return g_strdup (_("No FLOP counts recorded for these runs: show the loss against steps instead."));
  if (data->fixed_y && (!isfinite (data->y_min) || !isfinite (data->y_max) || !(data->y_max > data->y_min)))
    return g_strdup_printf (_("The y range, %g to %g, is not a range."), data->y_min, data->y_max);
  return NULL;
}

static void
run_series_init (RunSeries          *series,
                 const QksLossData  *data,
                 const QksLossRun   *run)
{
  double alpha = isfinite (data->smoothing) ? CLAMP (data->smoothing, 0.0, MAX_SMOOTHING) : 0.0;
  double average = 0.0, weight = 1.0;

  series->n = run->n_points;
  series->x = g_new (double, MAX (run->n_points, 1));
  series->raw = g_new (double, MAX (run->n_points, 1));
  series->smooth = alpha > 0.0 ? g_new (double, MAX (run->n_points, 1)) : NULL;
  series->val_x = g_new (double, MAX (run->n_points, 1));
  series->val = g_new (double, MAX (run->n_points, 1));
  series->n_val = 0;

  for (guint i = 0; i < run->n_points; i++)
    {
      const QksLossPoint *point = &run->points[i];
      double loss = loss_usable (data, point->train_loss) ? point->train_loss : NAN;

      series->x[i] = point_x (data, point);
      series->raw[i] = loss;
      /* The average with its start-up bias removed (as TensorBoard's
       * smoothing), so that it starts at the first loss, not at 0; its
       * window, 1/(1 − s) steps, is held to a tenth of the steps so far,
       * so that it does not lag the fast early fall, which a log axis
       * spreads over most of its width. */
      if (series->smooth != NULL)
        {
          if (isfinite (loss))
            {
              double window = MIN (1.0 / (1.0 - alpha), 1.0 + 0.1 * point->step);
              double a = 1.0 - 1.0 / window;

              average = a * average + (1.0 - a) * loss;
              weight *= a;
              series->smooth[i] = average / (1.0 - weight);
            }
          else
            series->smooth[i] = NAN;
        }
      if (loss_usable (data, point->val_loss))
        {
          series->val_x[series->n_val] = series->x[i];
          series->val[series->n_val] = point->val_loss;
          series->n_val++;
        }
    }
}

static void
run_series_clear (RunSeries *series)
{
  g_free (series->x);
  g_free (series->raw);
  g_free (series->smooth);
  g_free (series->val_x);
  g_free (series->val);
}

static void
extend (double *min,
        double *max,
        double  value)
{
  if (isfinite (value))
    {
      *min = MIN (*min, value);
      *max = MAX (*max, value);
    }
}

/* What the drawing and the tooltips share: the runs' series, the legend
 * and the axes laid out with it in the corner it covers least. */
typedef struct
{
  RunSeries    *series;
  guint         n_runs;
  gboolean      smoothed, any_val, has_legend;
  char         *train_label;
  GArray       *legend;        /* QksPlotLegendEntry */
  GArray       *avoid_x, *avoid_y;
  QksPlotColor  style_color;
  double        xmin, xmax, ymin, ymax;
  QksPlotScale  x_scale, y_scale;
  QksPlotRect   legend_box;
  guint         n_curve;
  QksPlotAxes  *axes;
} LossLayout;

static void
loss_layout_clear (LossLayout *L)
{
  for (guint r = 0; L->series != NULL && r < L->n_runs; r++)
    run_series_clear (&L->series[r]);
  g_clear_pointer (&L->series, g_free);
  g_clear_pointer (&L->train_label, g_free);
  g_clear_pointer (&L->legend, g_array_unref);
  g_clear_pointer (&L->avoid_x, g_array_unref);
  g_clear_pointer (&L->avoid_y, g_array_unref);
  g_clear_pointer (&L->axes, qks_plot_axes_free);
}

/* FALSE with @error set when the figure leaves no room. */
static gboolean
lay_out (cairo_t            *cr,
         double              width,
         double              height,
         const QksPlotTheme *theme,
         const QksLossData  *data,
         LossLayout         *L,
         GError            **error)
{
  const char *title = data->title;

  L->legend = g_array_new (FALSE, TRUE, sizeof (QksPlotLegendEntry));
  L->avoid_x = g_array_new (FALSE, FALSE, sizeof (double));
  L->avoid_y = g_array_new (FALSE, FALSE, sizeof (double));
  L->xmin = L->ymin = INFINITY;
  L->xmax = L->ymax = -INFINITY;
  L->n_runs = data->n_runs;
  L->smoothed = isfinite (data->smoothing) && data->smoothing > 0.0;

  L->series = g_new0 (RunSeries, L->n_runs);
  for (guint r = 0; r < L->n_runs; r++)
    {
      RunSeries *s = &L->series[r];
      QksPlotLegendEntry entry = { data->runs[r].name != NULL ? data->runs[r].name : "",
                                   qks_plot_palette_color (r, theme->dark), QKS_PLOT_SWATCH_LINE, FALSE };

      run_series_init (s, data, &data->runs[r]);
      g_array_append_val (L->legend, entry);
      for (guint i = 0; i < s->n; i++)
        if (isfinite (s->x[i]) && isfinite (s->raw[i]))
          {
            extend (&L->xmin, &L->xmax, s->x[i]);
            extend (&L->ymin, &L->ymax, s->raw[i]);
          }
      for (guint i = 0; i < s->n_val; i++)
        if (isfinite (s->val_x[i]))
          {
            extend (&L->xmin, &L->xmax, s->val_x[i]);
            extend (&L->ymin, &L->ymax, s->val[i]);
          }
      L->any_val = L->any_val || s->n_val > 0;
    }
  if (data->has_target && loss_usable (data, data->target_loss))
    extend (&L->ymin, &L->ymax, data->target_loss);

  if (data->fixed_y)
    {
      L->ymin = data->y_min;
      L->ymax = data->y_max;
    }
  else if (L->ymax > L->ymin)
    {
      if (data->log_y)
        {
          double margin = Y_MARGIN * (log10 (L->ymax) - log10 (L->ymin));

          L->ymin = pow (10.0, log10 (L->ymin) - margin);
          L->ymax = pow (10.0, log10 (L->ymax) + margin);
        }
      else
        {
          double margin = Y_MARGIN * (L->ymax - L->ymin);

          L->ymin -= margin;
          L->ymax += margin;
        }
    }

  /* What a thin line and a marker stand for, in a neutral colour. */
  L->style_color = theme->muted;
  L->train_label = L->smoothed ? g_strdup_printf (_("Training (EMA %.3g)"), data->smoothing)
                         : g_strdup (_("Training"));
  {
    QksPlotLegendEntry entry = { L->train_label, L->style_color, QKS_PLOT_SWATCH_LINE, FALSE };

    g_array_append_val (L->legend, entry);
  }
  if (L->any_val)
    {
      QksPlotLegendEntry entry = { _("Validation"), L->style_color, QKS_PLOT_SWATCH_MARKER, FALSE };

      g_array_append_val (L->legend, entry);
    }

  L->x_scale = data->x_axis == QKS_LOSS_X_FLOPS ? QKS_PLOT_SCALE_LOG : qks_plot_step_scale (data->step_scale);
  L->y_scale = data->log_y ? QKS_PLOT_SCALE_LOG : QKS_PLOT_SCALE_LINEAR;

  /* The legend inside the frame, in the corner where it covers no curve;
   * if every corner has some, beside the frame. */
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      QksPlotLegendPlacement placement = attempt == 0 ? QKS_PLOT_LEGEND_BEST : QKS_PLOT_LEGEND_OUTSIDE_RIGHT;

      g_clear_pointer (&L->axes, qks_plot_axes_free);
      L->axes = qks_plot_axes_new (theme, width, height);
      if (title != NULL)
        qks_plot_axes_set_title (L->axes, title);
      qks_plot_axes_set_x (L->axes, L->xmin, L->xmax, L->x_scale,
                           data->x_axis == QKS_LOSS_X_FLOPS ? _("Cumulative training FLOPs") : _("Training step"));
      qks_plot_axes_set_y (L->axes, L->ymin, L->ymax, L->y_scale, _("Loss (nats per token)"));
      qks_plot_axes_set_legend (L->axes, (const QksPlotLegendEntry *) L->legend->data, L->legend->len, placement);
      if (!qks_plot_axes_layout (L->axes, cr, error))
        return FALSE;

      /* What the legend must not cover: the curves and the current step. */
      g_array_set_size (L->avoid_x, 0);
      g_array_set_size (L->avoid_y, 0);
      for (guint r = 0; r < L->n_runs; r++)
        {
          const RunSeries *s = &L->series[r];

          qks_plot_sample_series (L->axes, s->x, L->smoothed ? s->smooth : s->raw, s->n, L->x_scale, L->y_scale,
                                  L->avoid_x, L->avoid_y);
          qks_plot_sample_series (L->axes, s->val_x, s->val, s->n_val, L->x_scale, L->y_scale, L->avoid_x, L->avoid_y);
        }
      /* The current step steers the legend's corner, but a legend over
       * it is no reason to move out of the frame: its tag moves instead. */
      L->n_curve = L->avoid_x->len;
      if (data->has_current_step && data->x_axis == QKS_LOSS_X_STEPS)
        {
          double axis_ymin, axis_ymax;

          qks_plot_axes_get_y_range (L->axes, &axis_ymin, &axis_ymax);
          {
            double xs[2] = { data->current_step, data->current_step }, ys[2] = { axis_ymin, axis_ymax };

            qks_plot_sample_series (L->axes, xs, ys, 2, L->x_scale, L->y_scale, L->avoid_x, L->avoid_y);
          }
        }
      L->has_legend = qks_plot_axes_get_legend_box (L->axes, (const double *) L->avoid_x->data,
                                                 (const double *) L->avoid_y->data, L->avoid_x->len, &L->legend_box);
      if (!L->has_legend || placement == QKS_PLOT_LEGEND_OUTSIDE_RIGHT ||
          qks_plot_count_points_in_rect (L->axes, (const double *) L->avoid_x->data, (const double *) L->avoid_y->data,
                                         L->n_curve, &L->legend_box) <= LEGEND_OVERLAP)
        break;
    }
  return TRUE;
}

/**
 * qks_plot_loss_draw:
 * @data: (nullable): what to draw; malformed data draws an empty state
 *   that says what is wrong
 *
 * Draws the background, grid, each run's training loss as a thin line
 * (its moving average over the raw loss in a lighter tone, if smoothing
 * is asked for) and its validation loss as markers joined by a line, a
 * colour per run, the target and the current step, the frame and the
 * legend: the runs, then what a line and a marker mean.
 */
void
qks_plot_loss_draw (cairo_t            *cr,
                    double              width,
                    double              height,
                    const QksPlotTheme *theme,
                    const QksLossData  *data)
{
  g_autofree char *problem = NULL;
  g_autoptr(GError) error = NULL;
  const char *title = data != NULL ? data->title : NULL;
  LossLayout layout = { 0 };
  RunSeries *series;
  QksPlotAxes *axes;
  GArray *avoid_x, *avoid_y;
  gboolean smoothed, has_legend;
  QksPlotRect legend_box;
  static const double val_dashes[] = { 3.0, 2.0 };
  guint n_runs;

  qks_plot_draw_background (cr, width, height, theme);
  if ((problem = find_problem (data)) != NULL)
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, problem);
      return;
    }
  if (!lay_out (cr, width, height, theme, data, &layout, &error))
    {
      qks_plot_draw_empty_state (cr, width, height, theme, title, error->message);
      loss_layout_clear (&layout);
      return;
    }
  series = layout.series;
  n_runs = layout.n_runs;
  axes = layout.axes;
  avoid_x = layout.avoid_x;
  avoid_y = layout.avoid_y;
  smoothed = layout.smoothed;
  has_legend = layout.has_legend;
  legend_box = layout.legend_box;


  qks_plot_axes_draw_grid (axes, cr);

  cairo_save (cr);
  qks_plot_axes_clip (axes, cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  if (data->has_target && loss_usable (data, data->target_loss))
    {
      static const double dashes[] = { 5.0, 4.0 };
      QksPlotRect frame;
      double y = qks_plot_theme_snap (theme, cr, qks_plot_axes_y_to_device (axes, data->target_loss), 1.0);

      qks_plot_axes_get_frame (axes, &frame);
      cairo_save (cr);
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0.0);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
      cairo_set_line_width (cr, 1.0);
      qks_plot_set_source_color (cr, &theme->muted);
      cairo_move_to (cr, frame.x, y);
      cairo_line_to (cr, frame.x + frame.width, y);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* Raw losses first, under every run's average and markers. */
  for (guint r = 0; r < n_runs; r++)
    {
      QksPlotColor color = qks_plot_palette_color (r, theme->dark);

      if (smoothed)
        color.alpha *= RAW_OPACITY;
      qks_plot_draw_dense_series (axes, cr, theme, series[r].x, series[r].raw, series[r].n, &color,
                                  smoothed ? RAW_WIDTH : SMOOTH_WIDTH);
    }
  /* Thin lines through thousands of steps: cairo's faster antialiasing
   * looks the same on them, at half the cost (SVG and PDF ignore it). */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  for (guint r = 0; r < n_runs && smoothed; r++)
    {
      const RunSeries *s = &series[r];
      QksPlotColor color = qks_plot_palette_color (r, theme->dark);

      cairo_new_path (cr);
      qks_plot_path_series (axes, cr, theme, s->x, s->smooth, s->n);
      cairo_set_line_width (cr, SMOOTH_WIDTH);
      qks_plot_set_source_color (cr, &color);
      cairo_stroke (cr);
    }
  for (guint r = 0; r < n_runs; r++)
    {
      const RunSeries *s = &series[r];
      QksPlotColor color = qks_plot_palette_color (r, theme->dark);

      if (s->n_val == 0)
        continue;
      cairo_set_antialias (cr, CAIRO_ANTIALIAS_DEFAULT);
      /* Dashed between the markers: measured only there. */
      cairo_save (cr);
      cairo_new_path (cr);
      qks_plot_path_series (axes, cr, theme, s->val_x, s->val, s->n_val);
      cairo_set_line_width (cr, VAL_WIDTH);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
      cairo_set_dash (cr, val_dashes, G_N_ELEMENTS (val_dashes), 0.0);
      qks_plot_set_source_color (cr, &color);
      cairo_stroke (cr);
      cairo_restore (cr);
      /* A run's markers as two fills, their rings then their discs:
       * a fill per marker would cost more than the rest of the run. */
      for (guint pass = 0; pass < 2; pass++)
        {
          double radius = pass == 0 ? VAL_RADIUS + VAL_RING / 2.0 : VAL_RADIUS - VAL_RING / 2.0;

          cairo_new_path (cr);
          for (guint i = 0; i < s->n_val; i++)
            {
              double x = qks_plot_axes_x_to_device (axes, s->val_x[i]);
              double y = qks_plot_axes_y_to_device (axes, s->val[i]);

              if (!isfinite (x) || !isfinite (y))
                continue;
              cairo_new_sub_path (cr);
              cairo_arc (cr, x, y, radius, 0.0, 2.0 * G_PI);
            }
          qks_plot_set_source_color (cr, pass == 0 ? &theme->background : &color);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);

  if (data->has_target && loss_usable (data, data->target_loss))
    {
      QksPlotRect frame;
      double y = qks_plot_axes_y_to_device (axes, data->target_loss);

      qks_plot_axes_get_frame (axes, &frame);
      if (y >= frame.y && y <= frame.y + frame.height)
        {
          const char *label = data->target_label != NULL ? data->target_label : _("Baseline");
          double x = frame.x + 4.0;

          /* At the left end, or right of the legend if it is there. */
          if (has_legend && legend_box.x < frame.x + frame.width / 2.0 &&
              y - 30.0 < legend_box.y + legend_box.height && y + 4.0 > legend_box.y)
            x = legend_box.x + legend_box.width + 4.0;
          qks_plot_draw_tag (cr, theme, label, &theme->muted, x, y - 3.0, 0.0, 1.0);
        }
    }
  qks_plot_axes_draw_frame (axes, cr);

  if (data->has_current_step && data->x_axis == QKS_LOSS_X_STEPS)
    qks_plot_draw_step_cursor (axes, cr, theme, data->current_step, has_legend ? &legend_box : NULL);
  qks_plot_axes_draw_legend (axes, cr, (const double *) avoid_x->data, (const double *) avoid_y->data,
                             avoid_x->len);

  loss_layout_clear (&layout);
}

/**
 * qks_plot_loss_query:
 *
 * Returns: (transfer full) (nullable): for a tooltip, the run whose curve
 *   passes nearest (@x, @y) at its recorded step nearest @x: the step (and
 *   the FLOPs on that axis), the training loss, its average, and the
 *   validation loss where one was measured; NULL outside the plot.
 */
char *
qks_plot_loss_query (cairo_t            *cr,
                     double              width,
                     double              height,
                     const QksPlotTheme *theme,
                     const QksLossData  *data,
                     double              x,
                     double              y)
{
  g_autofree char *problem = find_problem (data);
  LossLayout layout = { 0 };
  double best_dy = INFINITY;
  guint best_run = G_MAXUINT, best_point = 0;
  GString *text;

  if (problem != NULL || !lay_out (cr, width, height, theme, data, &layout, NULL) ||
      !qks_plot_axes_frame_contains (layout.axes, x, y))
    {
      loss_layout_clear (&layout);
      return NULL;
    }
  for (guint r = 0; r < layout.n_runs; r++)
    {
      const RunSeries *series = &layout.series[r];
      const double *curve = layout.smoothed ? series->smooth : series->raw;
      guint nearest = qks_plot_axes_nearest_x (layout.axes, series->x, curve, series->n, x);
      double dy;

      if (nearest == G_MAXUINT)
        continue;
      dy = fabs (qks_plot_axes_y_to_device (layout.axes, curve[nearest]) - y);
      if (dy < best_dy)
        {
          best_dy = dy;
          best_run = r;
          best_point = nearest;
        }
    }
  if (best_run == G_MAXUINT)
    {
      loss_layout_clear (&layout);
      return NULL;
    }

  {
    const QksLossPoint *point = &data->runs[best_run].points[best_point];
    const RunSeries *series = &layout.series[best_run];
    const char *name = data->runs[best_run].name != NULL ? data->runs[best_run].name : "";

    text = g_string_new (NULL);
    if (data->x_axis == QKS_LOSS_X_FLOPS)
      /* Translators: a run, cumulative FLOPs and a training step */
      g_string_append_printf (text, _("%s · %.3g FLOPs · step %.0f"), name, point->flops, point->step);
    else
      /* Translators: a run and a training step */
      g_string_append_printf (text, _("%s · step %.0f"), name, point->step);
    g_string_append_c (text, '\n');
    if (layout.smoothed)
      g_string_append_printf (text, _("Training loss %.4f, average %.4f"), series->raw[best_point],
                              series->smooth[best_point]);
    else
      g_string_append_printf (text, _("Training loss %.4f"), series->raw[best_point]);
    if (loss_usable (data, point->val_loss))
      {
        g_string_append_c (text, '\n');
        g_string_append_printf (text, _("Validation loss %.4f"), point->val_loss);
      }
  }
  loss_layout_clear (&layout);
  return g_string_free (text, FALSE);
}
