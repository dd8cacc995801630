/* qks-figure-series.c: the figures over training steps, from histories
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "qks-figure-private.h"
#include "qks-model.h"
#include "qks-plot-loss.h"
#include "qks-plot-pareto.h"
#include "qks-plot-step-heatmap.h"
#include "qks-plot-step-lines.h"

/* The metrics the step figures know, with their labels (SCIENCE.md b.6). */
typedef struct
{
  const char *name;
  const char *label;
  const char *unit;
  const char *short_label;   /* for a colour bar, where the long one does not fit */
} MetricInfo;

static const MetricInfo metrics[] = {
  { "erank", N_("Effective rank"), NULL },
  { "erank_pct", N_("Effective rank"), "%" },
  { "mp_soft_rank", N_("Soft rank"), NULL },
  { "stable_rank", N_("Stable rank"), NULL },
  { "participation_ratio", N_("Participation ratio"), NULL },
  { "n_spikes", N_("Spikes above the null's threshold"), NULL, N_("Spikes") },
  { "n_spikes_mp", N_("Spikes above the MP edge"), NULL, N_("Spikes over the MP edge") },
  { "spike_mass", N_("Spike mass"), NULL },
  { "lambda_max_over_plus", N_("λmax / λ₊"), NULL },
  { "ww_alpha", N_("Power-law exponent α"), NULL },
};

static const MetricInfo *
find_metric (const char *name,
             const char *fallback)
{
  for (guint i = 0; i < G_N_ELEMENTS (metrics); i++)
    if (g_strcmp0 (metrics[i].name, name != NULL ? name : fallback) == 0)
      return &metrics[i];
  return NULL;
}

static const char *
run_label (QksHistory *history)
{
  if (qks_history_has_config (history))
    return qks_attn_kind_get_label (qks_history_get_config (history)->model.attention);
  return qks_history_get_name (history);
}

/* Losses */

typedef struct
{
  char        *names[QKS_MAX_FIGURE_RUNS];
  GArray      *points[QKS_MAX_FIGURE_RUNS];  /* QksLossPoint */
  QksLossRun   runs[QKS_MAX_FIGURE_RUNS];
  QksLossData  data;
  char        *title;
} LossFigure;

static void
loss_free (gpointer data)
{
  LossFigure *figure = data;

  for (guint i = 0; i < figure->data.n_runs; i++)
    {
      g_free (figure->names[i]);
      g_array_unref (figure->points[i]);
    }
  g_free (figure->title);
  g_free (figure);
}

/* Runs of one variant are told apart by their file names. */
static char *
unique_run_name (const QksFigureSource *source,
                 guint                  index)
{
  const char *label = run_label (source->histories[index]);

  for (guint i = 0; i < source->n_histories; i++)
    if (i != index && g_strcmp0 (run_label (source->histories[i]), label) == 0)
      return g_strdup_printf ("%s (%s)", label, qks_history_get_name (source->histories[index]));
  return g_strdup (label);
}

static LossFigure *
loss_prepare_common (const QksFigureSource *source,
                     QksLossX               x_axis)
{
  LossFigure *figure = g_new0 (LossFigure, 1);
  guint n_runs = MIN (source->n_histories, QKS_MAX_FIGURE_RUNS);

  for (guint r = 0; r < n_runs; r++)
    {
      QksHistory *history = source->histories[r];
      const QksStepRecord *records = qks_history_get_steps (history);
      guint n = qks_history_get_n_steps (history);
      GArray *points = g_array_sized_new (FALSE, FALSE, sizeof (QksLossPoint), n);

      for (guint i = 0; i < n; i++)
        {
          QksLossPoint point = { records[i].step, records[i].flops,
                                 records[i].train_loss, records[i].val_loss };

          g_array_append_val (points, point);
        }
      figure->names[r] = unique_run_name (source, r);
      figure->points[r] = points;
      figure->runs[r] = (QksLossRun) { figure->names[r], (const QksLossPoint *) points->data, points->len };
    }
  figure->data.runs = figure->runs;
  figure->data.n_runs = n_runs;
  figure->data.x_axis = x_axis;
  figure->data.smoothing = 0.9;
  if (x_axis == QKS_LOSS_X_STEPS && source->selection->step != G_MAXUINT)
    {
      figure->data.has_current_step = TRUE;
      figure->data.current_step = source->selection->step;
    }
  return figure;
}

static gpointer
loss_prepare (const QksFigureSource  *source,
              char                  **title,
              GError                **error)
{
  LossFigure *figure = loss_prepare_common (source, QKS_LOSS_X_STEPS);

  figure->title = g_strdup (_("Loss against steps"));
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static gpointer
loss_flops_prepare (const QksFigureSource  *source,
                    char                  **title,
                    GError                **error)
{
  LossFigure *figure = loss_prepare_common (source, QKS_LOSS_X_FLOPS);

  figure->title = g_strdup (_("Loss against training compute"));
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
loss_draw (cairo_t            *cr,
           double              width,
           double              height,
           const QksPlotTheme *theme,
           gpointer            data)
{
  LossFigure *figure = data;

  qks_plot_loss_draw (cr, width, height, theme, &figure->data);
}

static char *
loss_query (gpointer            data,
            cairo_t            *cr,
            double              width,
            double              height,
            const QksPlotTheme *theme,
            double              x,
            double              y)
{
  LossFigure *figure = data;

  return qks_plot_loss_query (cr, width, height, theme, &figure->data, x, y);
}

static const QksFigureKind loss_kind = {
  .info = { "loss", N_("Loss"), N_("Training and validation loss against steps"),
            QKS_FIGURE_MANY_RUNS, 640, 420 },
  .prepare = loss_prepare,
  .draw = loss_draw,
  .free = loss_free,
  .query = loss_query,
};

static const QksFigureKind loss_flops_kind = {
  .info = { "loss-flops", N_("Loss Against Compute"),
            N_("Training and validation loss against cumulative matrix-product FLOPs"),
            QKS_FIGURE_MANY_RUNS, 640, 420 },
  .prepare = loss_flops_prepare,
  .draw = loss_draw,
  .free = loss_free,
  .query = loss_query,
};

/* Lines and heatmaps of one value per layer (or per run) and step */

typedef struct
{
  char            *title;
  char            *metric_label;
  GArray          *steps;     /* double */
  GArray          *values;    /* double, n_layers × n_steps */
  GPtrArray       *labels;    /* char *, one per line */
  GArray         **events;    /* per line: double steps, or NULL */
  GArray          *event_pointers;  /* const double *, for the data struct */
  GArray          *event_counts;    /* guint */
  guint            n_lines;
  gboolean         heatmap;
  QksStepLinesData lines;
  QksStepHeatmapData map;
} StepFigure;

static void
step_figure_free (gpointer data)
{
  StepFigure *figure = data;

  g_free (figure->title);
  g_free (figure->metric_label);
  g_array_unref (figure->steps);
  g_array_unref (figure->values);
  g_ptr_array_unref (figure->labels);
  if (figure->events != NULL)
    for (guint i = 0; i < figure->n_lines; i++)
      g_array_unref (figure->events[i]);
  g_free (figure->events);
  g_clear_pointer (&figure->event_pointers, g_array_unref);
  g_clear_pointer (&figure->event_counts, g_array_unref);
  g_free (figure);
}

static StepFigure *
step_figure_new (void)
{
  StepFigure *figure = g_new0 (StepFigure, 1);

  figure->steps = g_array_new (FALSE, FALSE, sizeof (double));
  figure->values = g_array_new (FALSE, FALSE, sizeof (double));
  figure->labels = g_ptr_array_new_with_free_func (g_free);
  return figure;
}

/* Reads @metric of every layer at every recorded step into a layer ×
 * step table, NaN where a layer has no value at a step. */
static gboolean
read_layer_table (QksHistory  *history,
                  const char  *metric,
                  StepFigure  *figure,
                  GError     **error)
{
  GArray *snapshot_steps = qks_history_get_snapshot_steps (history);
  guint n_layers = qks_history_get_n_layers (history);
  guint n_steps = snapshot_steps->len;

  for (guint i = 0; i < n_steps; i++)
    {
      double step = g_array_index (snapshot_steps, guint, i);
      g_array_append_val (figure->steps, step);
    }
  g_array_set_size (figure->values, (gsize) n_layers * n_steps);
  for (gsize i = 0; i < figure->values->len; i++)
    g_array_index (figure->values, double, i) = NAN;

  for (guint layer = 0; layer < n_layers; layer++)
    {
      g_autoptr(GArray) series = qks_history_get_metric_series (history, layer, QKS_WHOLE_LAYER,
                                                                QKS_FORM_QK, metric, error);
      guint column = 0;

      if (series == NULL)
        return FALSE;
      for (guint i = 0; i < series->len; i++)
        {
          const QksMetricPoint *point = &g_array_index (series, QksMetricPoint, i);

          while (column < n_steps && g_array_index (snapshot_steps, guint, column) < point->step)
            column++;
          if (column < n_steps && g_array_index (snapshot_steps, guint, column) == point->step)
            g_array_index (figure->values, double, (gsize) layer * n_steps + column) = point->value;
        }
      g_ptr_array_add (figure->labels, g_strdup_printf (_("Layer %u"), layer));
    }
  figure->n_lines = n_layers;
  return TRUE;
}

/* The rank-collapse events of every layer, from every snapshot. */
static gboolean
read_events (QksHistory  *history,
             StepFigure  *figure,
             GError     **error)
{
  GArray *snapshot_steps = qks_history_get_snapshot_steps (history);
  g_autoptr(GArray) flagged_before = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_autoptr(GArray) flagged_now = g_array_new (FALSE, TRUE, sizeof (gboolean));

  figure->events = g_new0 (GArray *, MAX (figure->n_lines, 1));
  figure->event_pointers = g_array_new (FALSE, FALSE, sizeof (const double *));
  figure->event_counts = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint layer = 0; layer < figure->n_lines; layer++)
    figure->events[layer] = g_array_new (FALSE, FALSE, sizeof (double));

  g_array_set_size (flagged_before, figure->n_lines);
  g_array_set_size (flagged_now, figure->n_lines);
  for (guint i = 0; i < snapshot_steps->len; i++)
    {
      guint step = g_array_index (snapshot_steps, guint, i);
      QksSnapshot *snapshot = qks_history_get_snapshot (history, step, error);

      if (snapshot == NULL)
        return FALSE;
      memset (flagged_now->data, 0, figure->n_lines * sizeof (gboolean));
      for (guint e = 0; e < snapshot->events->len; e++)
        {
          const QksEventRecord *event = snapshot->events->pdata[e];
          double at = step;

          /* The diagnostics flag every snapshot while a layer stays
           * collapsed; the figure marks where each collapse begins. */
          if (event->layer < figure->n_lines && g_strcmp0 (event->kind, "rank-collapse") == 0 &&
              !g_array_index (flagged_before, gboolean, event->layer))
            g_array_append_val (figure->events[event->layer], at);
          if (event->layer < figure->n_lines && g_strcmp0 (event->kind, "rank-collapse") == 0)
            g_array_index (flagged_now, gboolean, event->layer) = TRUE;
        }
      memcpy (flagged_before->data, flagged_now->data, figure->n_lines * sizeof (gboolean));
    }
  for (guint layer = 0; layer < figure->n_lines; layer++)
    {
      const double *pointer = (const double *) figure->events[layer]->data;
      guint count = figure->events[layer]->len;

      g_array_append_val (figure->event_pointers, pointer);
      g_array_append_val (figure->event_counts, count);
    }
  return TRUE;
}

static void
set_current_step (const QksFigureSource *source,
                  gboolean              *has_current_step,
                  double                *current_step)
{
  /* Following live there is no cursor: the newest step is the right edge. */
  if (source->selection->step != G_MAXUINT && source->snapshot != NULL)
    {
      *has_current_step = TRUE;
      *current_step = source->step;
    }
}

static gpointer
rank_lines_prepare (const QksFigureSource  *source,
                    char                  **title,
                    GError                **error)
{
  const MetricInfo *metric = find_metric (source->selection->metric, "erank");
  StepFigure *figure;

  if (metric == NULL)
    {
      g_set_error (error, QKS_FIGURE_ERROR, QKS_FIGURE_ERROR_SELECTION,
                   _("The rank curves cannot show “%s”"), source->selection->metric);
      return NULL;
    }
  figure = step_figure_new ();
  if (!read_layer_table (source->histories[0], metric->name, figure, error) ||
      !read_events (source->histories[0], figure, error))
    {
      step_figure_free (figure);
      return NULL;
    }
  figure->metric_label = g_strdup (_(metric->label));
  figure->title = g_strdup_printf (_("%s per layer · %s"), figure->metric_label,
                                   run_label (source->histories[0]));
  figure->lines = (QksStepLinesData) {
    .title = figure->title,
    .metric = figure->metric_label,
    .unit = metric->unit,
    .n_layers = figure->n_lines,
    .steps = (const double *) figure->steps->data,
    .n_steps = figure->steps->len,
    .values = (const double *) figure->values->data,
    .n_values = figure->values->len,
    .layer_labels = (const char * const *) figure->labels->pdata,
    .n_layer_labels = figure->labels->len,
    .events = (const double * const *) figure->event_pointers->data,
    .n_events = (const guint *) figure->event_counts->data,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
  };
  set_current_step (source, &figure->lines.has_current_step, &figure->lines.current_step);
  *title = g_strdup (figure->title);
  return figure;
}

static void
step_lines_draw (cairo_t            *cr,
                 double              width,
                 double              height,
                 const QksPlotTheme *theme,
                 gpointer            data)
{
  StepFigure *figure = data;

  qks_plot_step_lines_draw (cr, width, height, theme, &figure->lines);
}

static char *
step_lines_query (gpointer            data,
                  cairo_t            *cr,
                  double              width,
                  double              height,
                  const QksPlotTheme *theme,
                  double              x,
                  double              y)
{
  StepFigure *figure = data;

  return qks_plot_step_lines_query (cr, width, height, theme, &figure->lines, x, y);
}

static const QksFigureKind rank_lines_kind = {
  .info = { "rank-lines", N_("Rank Curves"),
            N_("A rank measure of each layer's QK form over training, rank collapses marked"),
            QKS_FIGURE_USES_STEP, 640, 420 },
  .prepare = rank_lines_prepare,
  .draw = step_lines_draw,
  .free = step_figure_free,
  .query = step_lines_query,
};

static gpointer
spike_heatmap_prepare (const QksFigureSource  *source,
                       char                  **title,
                       GError                **error)
{
  const MetricInfo *metric = find_metric (source->selection->metric, "n_spikes");
  StepFigure *figure;

  if (metric == NULL)
    {
      g_set_error (error, QKS_FIGURE_ERROR, QKS_FIGURE_ERROR_SELECTION,
                   _("The spike heatmap cannot show “%s”"), source->selection->metric);
      return NULL;
    }
  figure = step_figure_new ();
  if (!read_layer_table (source->histories[0], metric->name, figure, error))
    {
      step_figure_free (figure);
      return NULL;
    }
  figure->heatmap = TRUE;
  figure->metric_label = g_strdup (_(metric->label));
  figure->title = g_strdup_printf (_("%s · %s"), figure->metric_label,
                                   run_label (source->histories[0]));
  figure->map = (QksStepHeatmapData) {
    .title = figure->title,
    .value_label = metric->short_label != NULL ? _(metric->short_label) : figure->metric_label,
    .n_layers = figure->n_lines,
    .steps = (const double *) figure->steps->data,
    .n_steps = figure->steps->len,
    .values = (const double *) figure->values->data,
    .n_values = figure->values->len,
    .colormap = QKS_PLOT_COLORMAP_VIRIDIS,
    .columns = QKS_STEP_COLUMNS_UNIFORM,
  };
  set_current_step (source, &figure->map.has_current_step, &figure->map.current_step);
  *title = g_strdup (figure->title);
  return figure;
}

static void
step_heatmap_draw (cairo_t            *cr,
                   double              width,
                   double              height,
                   const QksPlotTheme *theme,
                   gpointer            data)
{
  StepFigure *figure = data;

  qks_plot_step_heatmap_draw (cr, width, height, theme, &figure->map);
}

static char *
step_heatmap_query (gpointer            data,
                    cairo_t            *cr,
                    double              width,
                    double              height,
                    const QksPlotTheme *theme,
                    double              x,
                    double              y)
{
  StepFigure *figure = data;

  return qks_plot_step_heatmap_query (cr, width, height, theme, &figure->map, x, y);
}

static const QksFigureKind spike_heatmap_kind = {
  .info = { "spike-heatmap", N_("Spike Heatmap"),
            N_("Spikes per layer and step: their count, their mass or λmax/λ₊"),
            QKS_FIGURE_USES_STEP, 640, 360 },
  .prepare = spike_heatmap_prepare,
  .draw = step_heatmap_draw,
  .free = step_figure_free,
  .query = step_heatmap_query,
};

/* Throughput: tokens per second over the steps, a line per run. */
static gpointer
throughput_prepare (const QksFigureSource  *source,
                    char                  **title,
                    GError                **error)
{
  StepFigure *figure = step_figure_new ();
  guint n_runs = MIN (source->n_histories, QKS_MAX_FIGURE_RUNS);
  g_autoptr(GArray) union_steps = g_array_new (FALSE, FALSE, sizeof (double));
  const QksStepRecord *first = qks_history_get_steps (source->histories[0]);
  guint n_first = qks_history_get_n_steps (source->histories[0]);

  /* The first run's steps are the x values; other runs are read at them. */
  for (guint i = 0; i < n_first; i++)
    {
      double step = first[i].step;
      g_array_append_val (figure->steps, step);
    }
  g_array_set_size (figure->values, (gsize) n_runs * n_first);
  for (guint r = 0; r < n_runs; r++)
    {
      const QksStepRecord *records = qks_history_get_steps (source->histories[r]);
      guint n = qks_history_get_n_steps (source->histories[r]);
      guint j = 0;

      for (guint i = 0; i < n_first; i++)
        {
          while (j < n && records[j].step < first[i].step)
            j++;
          g_array_index (figure->values, double, (gsize) r * n_first + i) =
            j < n && records[j].step == first[i].step ? records[j].tokens_per_second : NAN;
        }
      g_ptr_array_add (figure->labels, unique_run_name (source, r));
    }
  figure->n_lines = n_runs;
  figure->metric_label = g_strdup (_("Throughput"));
  figure->title = g_strdup (_("Training speed"));
  figure->lines = (QksStepLinesData) {
    .title = figure->title,
    .metric = figure->metric_label,
    .unit = _("tokens/s"),
    .n_layers = figure->n_lines,
    .steps = (const double *) figure->steps->data,
    .n_steps = figure->steps->len,
    .values = (const double *) figure->values->data,
    .n_values = figure->values->len,
    .layer_labels = (const char * const *) figure->labels->pdata,
    .n_layer_labels = figure->labels->len,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
  };
  *title = g_strdup (figure->title);
  return figure;
}

static const QksFigureKind throughput_kind = {
  .info = { "throughput", N_("Throughput"), N_("Training tokens per second against steps"),
            QKS_FIGURE_MANY_RUNS, 640, 420 },
  .prepare = throughput_prepare,
  .draw = step_lines_draw,
  .free = step_figure_free,
  .query = step_lines_query,
};

/* KV bytes per token against the final loss: one point per run */

typedef struct
{
  char           *title;
  char           *names[QKS_MAX_FIGURE_RUNS];
  QksParetoPoint  points[QKS_MAX_FIGURE_RUNS];
  QksParetoData   data;
} ParetoFigure;

static void
pareto_free (gpointer data)
{
  ParetoFigure *figure = data;

  for (guint i = 0; i < figure->data.n_points; i++)
    g_free (figure->names[i]);
  g_free (figure->title);
  g_free (figure);
}

/* The run's final loss: the last validation loss, else the mean training
 * loss of its last tenth (a single batch's loss is noisy). */
static double
final_loss (QksHistory *history)
{
  const QksStepRecord *records = qks_history_get_steps (history);
  guint n = qks_history_get_n_steps (history);
  double sum = 0.0;
  guint count = 0;

  for (guint i = n; i-- > 0;)
    if (isfinite (records[i].val_loss))
      return records[i].val_loss;
  for (guint i = n - MIN (n, MAX (n / 10, 1)); i < n; i++)
    if (isfinite (records[i].train_loss))
      {
        sum += records[i].train_loss;
        count++;
      }
  return count > 0 ? sum / count : NAN;
}

static gpointer
pareto_prepare (const QksFigureSource  *source,
                char                  **title,
                GError                **error)
{
  ParetoFigure *figure = g_new0 (ParetoFigure, 1);
  guint n_runs = MIN (source->n_histories, QKS_MAX_FIGURE_RUNS);

  for (guint r = 0; r < n_runs; r++)
    {
      QksHistory *history = source->histories[r];
      double bytes = NAN;

      if (qks_history_has_config (history))
        {
          const QksModelConfig *model = &qks_history_get_config (history)->model;

          /* float32 cache, all layers, one token (SCIENCE.md a.7) */
          bytes = qks_model_kv_cache_bytes (model, sizeof (float));
        }
      figure->names[r] = unique_run_name (source, r);
      figure->points[r] = (QksParetoPoint) { figure->names[r], bytes, final_loss (history) };
    }
  figure->title = g_strdup (_("KV cache against final loss"));
  figure->data = (QksParetoData) {
    .title = figure->title,
    .points = figure->points,
    .n_points = n_runs,
  };
  *title = g_strdup (figure->title);
  return figure;
}

static void
pareto_draw (cairo_t            *cr,
             double              width,
             double              height,
             const QksPlotTheme *theme,
             gpointer            data)
{
  ParetoFigure *figure = data;

  qks_plot_pareto_draw (cr, width, height, theme, &figure->data);
}

static char *
pareto_query (gpointer            data,
              cairo_t            *cr,
              double              width,
              double              height,
              const QksPlotTheme *theme,
              double              x,
              double              y)
{
  ParetoFigure *figure = data;

  return qks_plot_pareto_query (cr, width, height, theme, &figure->data, x, y);
}

static const QksFigureKind pareto_kind = {
  .info = { "pareto", N_("KV Cache Against Loss"),
            N_("Bytes of key-value cache per token against the final loss, one point per run"),
            QKS_FIGURE_MANY_RUNS, 560, 420 },
  .prepare = pareto_prepare,
  .draw = pareto_draw,
  .free = pareto_free,
  .query = pareto_query,
};

const QksFigureKind * const qks_figure_kinds_series[] = {
  &rank_lines_kind,
  &spike_heatmap_kind,
  &loss_kind,
  &loss_flops_kind,
  &throughput_kind,
  &pareto_kind,
  NULL,
};
