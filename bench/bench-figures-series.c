/* bench-figures-series.c: how long the figures over training steps take to draw
 *
 * Draws the step heatmap, the step lines, the loss curves and the Pareto
 * plot with a realistic amount of synthetic data (6 layers × 60 recorded
 * steps; 4 runs × 2000 steps of loss), times each on a 640 × 400 image
 * surface (the thread's CPU time, median of 50), and prints them as one
 * JSON line. With OUTDIR it also
 * writes every figure (and a few variants) as PNG at 1× and 2×, light and
 * dark, and as SVG, for a person to look at.
 *
 * Usage: bench-figures-series [OUTDIR]
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "qks-plot-export.h"
#include "qks-plot-loss.h"
#include "qks-plot-pareto.h"
#include "qks-plot-step-heatmap.h"
#include "qks-plot-step-lines.h"
#include "qks-plot-theme.h"

#define WIDTH      640.0
#define HEIGHT     400.0
#define N_REPEATS  50

#define N_LAYERS   6
#define N_STEPS    60
#define N_RUNS     4
#define N_TRAIN    2000
#define VAL_EVERY  100
#define N_VARIANTS 6
#define N_SEEDS    3

typedef struct
{
  double steps[N_STEPS];
  double spikes[N_LAYERS * N_STEPS];
  double erank[N_LAYERS * N_STEPS];
  double events[N_LAYERS][1];
  const double *event_rows[N_LAYERS];
  guint  n_events[N_LAYERS];
  QksLossPoint points[N_RUNS][N_TRAIN];
  QksLossRun runs[N_RUNS];
  QksParetoPoint variants[N_VARIANTS];
  QksParetoPoint seeds[N_VARIANTS * N_SEEDS];
  char           seed_names[N_VARIANTS * N_SEEDS][32];
} Series;

typedef struct
{
  QksPlotTheme theme;
  void       (*draw) (cairo_t *, double, double, const QksPlotTheme *, gconstpointer);
  gconstpointer data;
} Figure;

/* A reproducible standard normal draw (xorshift and Box–Muller). */
static double
gaussian (guint64 *state)
{
  double u, v;

  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  u = ((*state >> 11) + 0.5) / 9007199254740992.0;
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  v = ((*state >> 11) + 0.5) / 9007199254740992.0;
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

static void
series_fill (Series *series)
{
  /* Spikes appear early in layers 1 and 3, then spread (SCIENCE.md d). */
  static const double onset[N_LAYERS] = { 700.0, 120.0, 380.0, 60.0, 1000.0, 1700.0 };
  static const double amplitude[N_LAYERS] = { 3.0, 9.0, 6.0, 12.0, 4.0, 2.0 };
  static const double drop[N_LAYERS] = { 7.0, 27.0, 16.0, 34.0, 9.0, 4.0 };
  static const char *names[N_RUNS] = { "MHA", "MLA-PreRoPE", "MLA-Decoupled", "LRKV" };
  static const double final_loss[N_RUNS] = { 1.48, 1.55, 1.50, 1.46 };
  static const double flops_per_step[N_RUNS] = { 2.1e11, 1.9e11, 2.0e11, 2.2e11 };
  guint64 state = 0x9e3779b97f4a7c15u;
  guint n = 0;

  for (guint step = 0; n < N_STEPS; step++)
    if (step == 0 || (step < 50 && (step & (step - 1)) == 0) || (step >= 50 && step % 50 == 0))
      series->steps[n++] = step;

  for (guint l = 0; l < N_LAYERS; l++)
    {
      double first = NAN;

      series->n_events[l] = 0;
      for (guint i = 0; i < N_STEPS; i++)
        {
          double s = series->steps[i], t = log1p (s);
          double grown = s > onset[l] ? 1.0 - exp (-(s - onset[l]) / 500.0) : 0.0;
          double wiggle = ((l * 131 + i * 71) % 7 == 0) ? 1.0 : 0.0;
          double erank;

          series->spikes[l * N_STEPS + i] = floor (amplitude[l] * grown + wiggle);
          erank = 96.5 - drop[l] / (1.0 + exp (-(t - log1p (onset[l])) * 2.2)) + 0.5 * sin (3.0 * t + l);
          series->erank[l * N_STEPS + i] = erank;
          if (i == 0)
            first = erank;
          /* SCIENCE.md b.6: a rank-collapse event when erank falls by more
           * than 20 % of its step-0 value. */
          if (series->n_events[l] == 0 && erank < 0.8 * first)
            {
              series->events[l][0] = s;
              series->n_events[l] = 1;
            }
        }
      series->event_rows[l] = series->events[l];
    }
  /* The last diagnostics of the top layer are still running. */
  series->spikes[(N_LAYERS - 1) * N_STEPS + N_STEPS - 1] = NAN;

  for (guint r = 0; r < N_RUNS; r++)
    {
      for (guint i = 0; i < N_TRAIN; i++)
        {
          double clean = final_loss[r] + (5.55 - final_loss[r]) / pow (1.0 + i / 40.0, 0.8);
          QksLossPoint *point = &series->points[r][i];

          point->step = i;
          point->flops = i * flops_per_step[r];
          point->train_loss = clean + 0.05 * gaussian (&state);
          point->val_loss = i % VAL_EVERY == 0 || i == N_TRAIN - 1 ? clean + 0.03 + 0.01 * gaussian (&state) : NAN;
        }
      series->runs[r] = (QksLossRun) { names[r], series->points[r], N_TRAIN };
    }

  /* SCIENCE.md a.7 for the app's small model (L = 6, H = 8, d_h = 32,
   * d_c = 64, d_h^R = 16, G = 2, r = 8) in bf16; runs in the loss
   * figure's order, so that they keep their colours. */
  series->variants[0] = (QksParetoPoint) { "MHA", 6144.0, 1.521 };
  series->variants[1] = (QksParetoPoint) { "MLA-PreRoPE", 768.0, 1.585 };
  series->variants[2] = (QksParetoPoint) { "MLA-Decoupled", 960.0, 1.534 };
  series->variants[3] = (QksParetoPoint) { "LRKV", 2304.0, 1.512 };
  series->variants[4] = (QksParetoPoint) { "GQA", 1536.0, 1.548 };
  series->variants[5] = (QksParetoPoint) { "MQA", 768.0, 1.602 };

  /* Three seeds of each: points close together, labels in each other's way. */
  for (guint v = 0; v < N_VARIANTS; v++)
    for (guint k = 0; k < N_SEEDS; k++)
      {
        QksParetoPoint *point = &series->seeds[k * N_VARIANTS + v];

        g_snprintf (series->seed_names[k * N_VARIANTS + v], sizeof series->seed_names[0], "%s #%u",
                    series->variants[v].name, k + 1);
        *point = series->variants[v];
        point->name = series->seed_names[k * N_VARIANTS + v];
        point->loss += 0.006 * gaussian (&state);
      }
}

static void
draw_heatmap (cairo_t *cr, double w, double h, const QksPlotTheme *theme, gconstpointer data)
{
  qks_plot_step_heatmap_draw (cr, w, h, theme, data);
}

static void
draw_lines (cairo_t *cr, double w, double h, const QksPlotTheme *theme, gconstpointer data)
{
  qks_plot_step_lines_draw (cr, w, h, theme, data);
}

static void
draw_loss (cairo_t *cr, double w, double h, const QksPlotTheme *theme, gconstpointer data)
{
  qks_plot_loss_draw (cr, w, h, theme, data);
}

static void
draw_pareto (cairo_t *cr, double w, double h, const QksPlotTheme *theme, gconstpointer data)
{
  qks_plot_pareto_draw (cr, w, h, theme, data);
}

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  Figure *figure = user_data;

  figure->draw (cr, width, height, &figure->theme, figure->data);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
thread_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

/* Median milliseconds to draw one figure into a 1× image surface, in the
 * thread's CPU time: what the drawing costs, whatever else the machine is
 * doing meanwhile. */
static double
time_drawing (Figure *figure)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  double times[N_REPEATS];

  for (guint i = 0; i < N_REPEATS; i++)
    {
      cairo_t *cr = cairo_create (surface);
      double start = thread_cpu_ms ();

      draw_figure (cr, WIDTH, HEIGHT, figure);
      cairo_surface_flush (surface);
      times[i] = thread_cpu_ms () - start;
      cairo_destroy (cr);
    }
  cairo_surface_destroy (surface);
  qsort (times, N_REPEATS, sizeof (double), compare_doubles);
  return times[N_REPEATS / 2];
}

static gboolean
write_figure (const char *directory,
              const char *name,
              Figure     *figure)
{
  for (guint dark = 0; dark <= 1; dark++)
    {
      if (dark)
        qks_plot_theme_init_dark (&figure->theme);
      else
        qks_plot_theme_init_light (&figure->theme);
      for (guint i = 0; i < 3; i++)
        {
          g_autofree char *file = i < 2 ? g_strdup_printf ("%s-%s-%ux.png", name, dark ? "dark" : "light", i + 1)
                                        : g_strdup_printf ("%s-%s.svg", name, dark ? "dark" : "light");
          g_autofree char *path = g_build_filename (directory, file, NULL);
          QksPlotExportOptions options = { name, "Synthetic data drawn by bench-figures-series", i < 2 ? i + 1.0 : 1.0 };
          g_autoptr(GError) error = NULL;

          if (!qks_plot_export (path, WIDTH, HEIGHT, draw_figure, figure, &options, &error))
            {
              g_printerr ("bench-figures-series: %s\n", error->message);
              return FALSE;
            }
        }
    }
  qks_plot_theme_init_light (&figure->theme);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  const char *directory = argc > 1 ? argv[1] : NULL;
  Series *series = g_new0 (Series, 1);
  QksStepHeatmapData heatmap = { 0, };
  QksStepHeatmapData heatmap_span;
  QksStepLinesData lines = { 0, };
  QksStepLinesData lines_log;
  QksLossData loss = { 0, };
  QksLossData loss_flops;
  QksLossData loss_log;
  QksParetoData pareto = { 0, };
  QksParetoData pareto_seeds = { 0, };
  Figure figures[4];

  series_fill (series);

  heatmap.title = "Spikes above the product-law edge · MHA";
  heatmap.value_label = "Spikes";
  heatmap.n_layers = N_LAYERS;
  heatmap.steps = series->steps;
  heatmap.n_steps = N_STEPS;
  heatmap.values = series->spikes;
  heatmap.n_values = N_LAYERS * N_STEPS;
  heatmap.shared_scale = TRUE;
  heatmap.color_min = 0.0;
  heatmap.color_max = 12.0;
  heatmap.has_current_step = TRUE;
  heatmap.current_step = 1800.0;
  heatmap_span = heatmap;
  heatmap_span.columns = QKS_STEP_COLUMNS_SPAN;
  heatmap_span.x_scale = QKS_PLOT_SCALE_LOG1P;

  lines.title = "Effective rank per layer · MHA";
  lines.metric = "Effective rank";
  lines.unit = "%";
  lines.n_layers = N_LAYERS;
  lines.steps = series->steps;
  lines.n_steps = N_STEPS;
  lines.values = series->erank;
  lines.n_values = N_LAYERS * N_STEPS;
  lines.events = series->event_rows;
  lines.n_events = series->n_events;
  lines.event_label = "Rank collapse (−20 %)";
  lines.has_current_step = TRUE;
  lines.current_step = 1800.0;
  lines_log = lines;
  lines_log.x_scale = QKS_PLOT_SCALE_LOG1P;

  loss.title = "Loss · 6 layers, d = 256";
  loss.runs = series->runs;
  loss.n_runs = N_RUNS;
  loss.smoothing = 0.9;
  loss.has_target = TRUE;
  loss.target_loss = 1.52;
  loss.target_label = "MHA final";
  loss.has_current_step = TRUE;
  loss.current_step = 1500.0;
  loss_log = loss;
  loss_log.step_scale = QKS_PLOT_SCALE_LOG1P;
  loss_log.log_y = TRUE;
  loss_flops = loss;
  loss_flops.x_axis = QKS_LOSS_X_FLOPS;
  loss_flops.log_y = TRUE;

  pareto.title = "KV cache against loss";
  pareto.points = series->variants;
  pareto.n_points = N_VARIANTS;
  pareto_seeds.title = "KV cache against loss · 3 seeds";
  pareto_seeds.points = series->seeds;
  pareto_seeds.n_points = N_VARIANTS * N_SEEDS;

  figures[0] = (Figure) { { 0, }, draw_heatmap, &heatmap };
  figures[1] = (Figure) { { 0, }, draw_lines, &lines };
  figures[2] = (Figure) { { 0, }, draw_loss, &loss };
  figures[3] = (Figure) { { 0, }, draw_pareto, &pareto };
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    qks_plot_theme_init_light (&figures[i].theme);

  if (directory != NULL)
    {
      Figure extra[5] = {
        { { 0, }, draw_heatmap, &heatmap_span },
        { { 0, }, draw_lines, &lines_log },
        { { 0, }, draw_loss, &loss_flops },
        { { 0, }, draw_loss, &loss_log },
        { { 0, }, draw_pareto, &pareto_seeds },
      };

      if (g_mkdir_with_parents (directory, 0755) != 0)
        {
          g_printerr ("bench-figures-series: cannot create %s\n", directory);
          return 1;
        }
      if (!write_figure (directory, "step-heatmap", &figures[0]) ||
          !write_figure (directory, "step-lines", &figures[1]) ||
          !write_figure (directory, "loss", &figures[2]) ||
          !write_figure (directory, "pareto", &figures[3]) ||
          !write_figure (directory, "step-heatmap-span-log", &extra[0]) ||
          !write_figure (directory, "step-lines-log", &extra[1]) ||
          !write_figure (directory, "loss-flops", &extra[2]) ||
          !write_figure (directory, "loss-log", &extra[3]) ||
          !write_figure (directory, "pareto-seeds", &extra[4]))
        return 1;
      g_print ("wrote the figures to %s\n", directory);
    }

  g_print ("{\"bench\": \"figures-series\", \"clock\": \"thread-cpu\", \"width\": %g, \"height\": %g, "
           "\"step_heatmap_ms\": %.3f, \"step_lines_ms\": %.3f, \"loss_ms\": %.3f, \"pareto_ms\": %.3f}\n",
           WIDTH, HEIGHT, time_drawing (&figures[0]), time_drawing (&figures[1]),
           time_drawing (&figures[2]), time_drawing (&figures[3]));
  g_free (series);
  return 0;
}
