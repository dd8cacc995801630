/* bench-figures-spectra.c: how long the spectral figures take to draw, and
 * what they look like
 *
 * Makes real-looking spectra the way the diagnostics do — QK forms
 * B = W_Qᵀ W_K of Gaussian factors with planted low-rank structure, fitted
 * against the product law and plain MP; a heavy-tailed matrix for
 * weightwatcher's power law; a spike mass that grows over log-spaced
 * steps — draws the ESD, the per-layer ESD grid, the log–log tail and the
 * bulk/spike balance, times each at 640 × 400 on an image surface, and
 * writes PNGs in the light and dark themes at 1× and 2× (and an SVG of
 * each) to OUTDIR so that a person can look at them. Times are the median
 * and the fastest of 50 drawings.
 *
 * Usage: bench-figures-spectra [OUTDIR]     (default: the current directory)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qks-law-chain.h"
#include "qks-matrix.h"
#include "qks-plot-bulk-mass.h"
#include "qks-plot-esd.h"
#include "qks-plot-export.h"
#include "qks-plot-ww-tail.h"
#include "qks-rng.h"
#include "qks-spectrum.h"
#include "qks-ww.h"

#define WIDTH      640.0
#define HEIGHT     400.0
#define N_REPEATS  50
#define N_LAYERS   6
#define D_MODEL    256
#define D_HEAD     64
#define N_STEPS    40

/* One QK form's spectrum and its fits, owning what the plot data borrows. */
typedef struct
{
  double         *lambda;
  gsize           k;
  double          null_x[QKS_PLOT_ESD_NULL_NODES];
  double          null_density[QKS_PLOT_ESD_NULL_NODES];
  QksSpectrumFit  fit;
  QksSpectrumFit  mp_fit;
  char           *title;
  QksPlotEsdData  data;
} Form;

typedef struct
{
  QksPlotTheme         theme;
  Form                 forms[N_LAYERS];
  QksPlotEsdData       panels[N_LAYERS];
  QksPlotEsdGridData   grid;
  QksPlotEsdData       single_log;
  QksPlotEsdData       empty;
  double              *tail_evals;
  QksPlotWwTailData    tail;
  QksPlotWwTailData    tail_density;
  double               steps[N_STEPS];
  double               mass[N_STEPS];
  QksPlotBulkMassData  bulk;
  QksPlotBulkMassData  bulk_log;
} Figures;

/* B = W_Qᵀ W_K + Σ θ_i x_i y_iᵀ with W_Q, W_K ∈ R^{k×d} Gaussian: the product
 * law's bulk and a spike per planted direction. */
static void
make_form (Form              *form,
           const QksChainLaw *law,
           guint              layer,
           const double      *strengths,
           guint              n_planted,
           QksRng            *rng)
{
  g_autoptr(QksMatrix) wq = qks_matrix_new_gaussian (D_HEAD, D_MODEL, 1.0 / sqrt (D_MODEL), rng);
  g_autoptr(QksMatrix) wk = qks_matrix_new_gaussian (D_HEAD, D_MODEL, 1.0 / sqrt (D_MODEL), rng);
  g_autoptr(QksMatrix) b = qks_matrix_multiply (wq, QKS_TRANSPOSE, wk, QKS_NO_TRANSPOSE, NULL);
  g_autofree double *values = g_new (double, D_MODEL);
  double scale = sqrt ((double) D_HEAD / D_MODEL);
  QksSpectrumOptions options;

  for (guint p = 0; p < n_planted; p++)
    {
      g_autofree double *x = g_new (double, D_MODEL);
      g_autofree double *y = g_new (double, D_MODEL);

      qks_rng_fill_normal (rng, x, D_MODEL, 0.0, 1.0 / sqrt (D_MODEL));
      qks_rng_fill_normal (rng, y, D_MODEL, 0.0, 1.0 / sqrt (D_MODEL));
      for (guint i = 0; i < D_MODEL; i++)
        for (guint j = 0; j < D_MODEL; j++)
          b->data[i * D_MODEL + j] += strengths[p] * scale * x[i] * y[j];
    }

  g_assert_true (qks_matrix_squared_singular_values (b, values, NULL));
  form->k = D_HEAD;
  form->lambda = g_new (double, D_HEAD);
  for (guint i = 0; i < D_HEAD; i++)
    form->lambda[i] = values[i] / D_MODEL;

  qks_spectrum_options_init (&options);
  options.null_law = QKS_NULL_CHAIN;
  options.chain = law;
  options.estimator = QKS_SIGMA_E1_TRACE;
  g_assert_true (qks_spectrum_fit (form->lambda, form->k, D_MODEL, D_MODEL, &options, &form->fit, NULL));
  qks_spectrum_options_init (&options);
  g_assert_true (qks_spectrum_fit (form->lambda, form->k, D_MODEL, D_MODEL, &options, &form->mp_fit, NULL));
  qks_plot_esd_tabulate_law (law, form->null_x, form->null_density, QKS_PLOT_ESD_NULL_NODES);

  form->title = g_strdup_printf ("Layer %u · head 1 · QK form · step 2000", layer + 1);
  form->data = (QksPlotEsdData) {
    .title = form->title,
    .eigenvalues = form->lambda,
    .n_eigenvalues = form->k,
    .mp_sigma2 = form->mp_fit.sigma2,
    .mp_c = form->mp_fit.c,
    .null_law = form->fit.null_name,
    .threshold = form->fit.threshold_name,
    .sigma2 = form->fit.sigma2,
    .lambda_plus = form->fit.lambda_plus,
    .lambda_threshold = form->fit.lambda_threshold,
    .null_x = form->null_x,
    .null_density = form->null_density,
    .n_null = QKS_PLOT_ESD_NULL_NODES,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
  };
}

/* A matrix with Student-t (ν = 3) entries: a power-law tail. */
static double *
make_heavy_tail (QksRng *rng,
                 gsize   rows,
                 gsize   cols)
{
  g_autoptr(QksMatrix) w = qks_matrix_new (rows, cols);
  double *values = g_new (double, cols);

  for (gsize i = 0; i < rows * cols; i++)
    {
      double chi2 = 0.0, z = qks_rng_normal (rng);

      for (guint k = 0; k < 3; k++)
        {
          double g = qks_rng_normal (rng);

          chi2 += g * g;
        }
      w->data[i] = z / sqrt (chi2 / 3.0) / sqrt ((double) rows);
    }
  g_assert_true (qks_matrix_squared_singular_values (w, values, NULL));
  return values;
}

static void
figures_fill (Figures *figures)
{
  static const double strengths[N_LAYERS][3] = {
    { 0.0, },
    { 7.0, },
    { 6.0, 8.0, },
    { 6.0, 8.0, 20.0 },
    { 5.0, 9.0, },
    { 24.0, },
  };
  static const guint n_planted[N_LAYERS] = { 0, 1, 2, 3, 2, 1 };
  static const guint dims[] = { D_MODEL, D_HEAD, D_MODEL };
  g_autoptr(QksChainLaw) law = qks_chain_law_new (dims, G_N_ELEMENTS (dims), NULL);
  QksWwMetrics metrics;
  QksRng rng;

  qks_rng_init (&rng, 20260401);
  for (guint l = 0; l < N_LAYERS; l++)
    {
      make_form (&figures->forms[l], law, l, strengths[l], n_planted[l], &rng);
      figures->panels[l] = figures->forms[l].data;
      figures->panels[l].title = g_strdup_printf ("Layer %u", l + 1);
    }
  figures->grid = (QksPlotEsdGridData) {
    .title = "QK forms per layer · head 1 · MHA · step 2000",
    .panels = figures->panels,
    .n_panels = N_LAYERS,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
  };
  figures->single_log = figures->forms[3].data;
  figures->single_log.x_scale = QKS_PLOT_SCALE_LOG;
  figures->empty = (QksPlotEsdData) { .title = "Layer 1 · head 1 · QK form · step 0" };

  figures->tail_evals = make_heavy_tail (&rng, 1024, 256);
  g_assert_true (qks_ww_fit (figures->tail_evals, 256, 1024, 256, &metrics, NULL));
  figures->tail = (QksPlotWwTailData) {
    .title = "Layer 2 · attention output · step 2000",
    .eigenvalues = figures->tail_evals,
    .n_eigenvalues = 256,
    .alpha = metrics.alpha,
    .xmin = metrics.xmin,
    .sigma = metrics.alpha_sigma,
    .ks_distance = metrics.ks_distance,
    .mode = QKS_PLOT_WW_TAIL_CCDF,
  };
  figures->tail_density = figures->tail;
  figures->tail_density.mode = QKS_PLOT_WW_TAIL_DENSITY;

  for (guint s = 0; s < N_STEPS; s++)
    {
      /* Log-spaced snapshots; a spike grows in after ~100 steps. */
      double t = s == 0 ? 0.0 : round (pow (10.0, 3.6 * s / (N_STEPS - 1.0)));
      double grow = 1.0 / (1.0 + exp (-(log10 (t + 1.0) - 2.2) * 4.0));

      figures->steps[s] = t;
      figures->mass[s] = 0.03 + 0.34 * grow + 0.015 * sin (1.7 * s);
    }
  figures->bulk = (QksPlotBulkMassData) {
    .title = "Layer 2 · QK form · bulk and spikes",
    .steps = figures->steps,
    .spike_mass = figures->mass,
    .n_steps = N_STEPS,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
  };
  figures->bulk_log = figures->bulk;
  figures->bulk_log.steps = figures->steps + 1;
  figures->bulk_log.spike_mass = figures->mass + 1;
  figures->bulk_log.n_steps = N_STEPS - 1;
  figures->bulk_log.x_scale = QKS_PLOT_SCALE_LOG;
}

static void
figures_clear (Figures *figures)
{
  for (guint l = 0; l < N_LAYERS; l++)
    {
      g_free (figures->forms[l].lambda);
      g_free (figures->forms[l].title);
      g_free ((char *) figures->panels[l].title);
    }
  g_free (figures->tail_evals);
}

#define DRAW_FUNC(name, call) \
  static void \
  name (cairo_t *cr, double width, double height, gpointer user_data) \
  { \
    Figures *figures = user_data; \
    call; \
  }

DRAW_FUNC (draw_esd, qks_plot_esd_draw (cr, width, height, &figures->theme, &figures->forms[2].data))
DRAW_FUNC (draw_esd_three, qks_plot_esd_draw (cr, width, height, &figures->theme, &figures->forms[3].data))
DRAW_FUNC (draw_esd_far, qks_plot_esd_draw (cr, width, height, &figures->theme, &figures->forms[5].data))
DRAW_FUNC (draw_esd_log, qks_plot_esd_draw (cr, width, height, &figures->theme, &figures->single_log))
DRAW_FUNC (draw_esd_grid, qks_plot_esd_grid_draw (cr, width, height, &figures->theme, &figures->grid))
DRAW_FUNC (draw_esd_empty, qks_plot_esd_draw (cr, width, height, &figures->theme, &figures->empty))
DRAW_FUNC (draw_esd_plain, qks_plot_esd_draw (cr, width, height, &figures->theme, &figures->forms[0].data))
DRAW_FUNC (draw_ww_tail, qks_plot_ww_tail_draw (cr, width, height, &figures->theme, &figures->tail))
DRAW_FUNC (draw_ww_density, qks_plot_ww_tail_draw (cr, width, height, &figures->theme, &figures->tail_density))
DRAW_FUNC (draw_bulk_mass, qks_plot_bulk_mass_draw (cr, width, height, &figures->theme, &figures->bulk))
DRAW_FUNC (draw_bulk_mass_log, qks_plot_bulk_mass_draw (cr, width, height, &figures->theme, &figures->bulk_log))

typedef struct
{
  const char      *name;
  QksPlotDrawFunc  draw;
  double           width;
  double           height;
} Figure;

static const Figure figure_list[] = {
  { "esd", draw_esd, WIDTH, HEIGHT },
  { "esd-three-spikes", draw_esd_three, WIDTH, HEIGHT },
  { "esd-far-spike", draw_esd_far, WIDTH, HEIGHT },
  { "esd-log", draw_esd_log, WIDTH, HEIGHT },
  { "esd-no-spikes", draw_esd_plain, WIDTH, HEIGHT },
  { "esd-empty", draw_esd_empty, WIDTH, HEIGHT },
  { "esd-grid", draw_esd_grid, 900.0, 560.0 },
  { "esd-grid-640", draw_esd_grid, WIDTH, HEIGHT },
  { "ww-tail", draw_ww_tail, WIDTH, HEIGHT },
  { "ww-tail-density", draw_ww_density, WIDTH, HEIGHT },
  { "bulk-mass", draw_bulk_mass, WIDTH, HEIGHT },
  { "bulk-mass-log", draw_bulk_mass_log, WIDTH, HEIGHT },
};

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Milliseconds to draw one figure into a 1× image surface: the median,
 * and the fastest (the machine's load shows in the median first). */
static double
time_drawing (QksPlotDrawFunc draw,
              gpointer        data,
              double          width,
              double          height,
              double         *fastest)
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
  *fastest = times[0];
  return times[N_REPEATS / 2];
}

static gboolean
write_figure (const char    *directory,
              const Figure  *figure,
              Figures       *figures)
{
  static const double scales[] = { 1.0, 2.0 };
  const char *theme = figures->theme.dark ? "dark" : "light";

  for (guint i = 0; i <= G_N_ELEMENTS (scales); i++)
    {
      gboolean svg = i == G_N_ELEMENTS (scales);
      g_autofree char *file = svg ? g_strdup_printf ("%s-%s.svg", figure->name, theme)
                                  : g_strdup_printf ("%s-%s-%gx.png", figure->name, theme, scales[i]);
      g_autofree char *path = g_build_filename (directory, file, NULL);
      QksPlotExportOptions options = { figure->name, "Synthetic spectra drawn by bench-figures-spectra",
                                       svg ? 1.0 : scales[i] };
      g_autoptr(GError) error = NULL;

      if (!qks_plot_export (path, figure->width, figure->height, figure->draw, figures, &options, &error))
        {
          g_printerr ("bench-figures-spectra: %s\n", error->message);
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
  g_autoptr(GString) json = g_string_new ("{\"bench\": \"figures-spectra\"");
  Figures figures = { 0 };

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      g_printerr ("bench-figures-spectra: cannot create %s\n", directory);
      return 1;
    }

  figures_fill (&figures);
  for (guint dark = 0; dark <= 1; dark++)
    {
      if (dark)
        qks_plot_theme_init_dark (&figures.theme);
      else
        qks_plot_theme_init_light (&figures.theme);
      for (guint i = 0; i < G_N_ELEMENTS (figure_list); i++)
        if (!write_figure (directory, &figure_list[i], &figures))
          return 1;
    }

  /* Timings at the typical size, whatever size the preview has. */
  qks_plot_theme_init_light (&figures.theme);
  for (guint i = 0; i < G_N_ELEMENTS (figure_list); i++)
    {
      double fastest, median = time_drawing (figure_list[i].draw, &figures, WIDTH, HEIGHT, &fastest);

      g_string_append_printf (json, ", \"%s_ms\": %.3f, \"%s_min_ms\": %.3f",
                              figure_list[i].name, median, figure_list[i].name, fastest);
    }
  g_string_append (json, "}");
  g_print ("%s\n", json->str);

  figures_clear (&figures);
  return 0;
}
