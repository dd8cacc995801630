/* bench-figures-heads.c: how long the head figures take to draw, and what
 * they look like
 *
 * Builds one layer of 12 heads whose subspaces fall into clusters (as
 * trained heads often do), an MQA twin whose keys are shared, and computes
 * their principal angles, head diversity, KQ-SVD curves and symmetric
 * energy with src/core; draws every head figure (SCIENCE.md c.7–c.10) at
 * 640 × 400 into an image surface and prints the median time of each
 * (wall clock, and this thread's CPU time, which a busy machine does not
 * inflate);
 * and writes PNGs in the light and dark themes at 1× and 2× (and an SVG
 * of each) to OUTDIR for a person to look at.
 *
 * Usage: bench-figures-heads [OUTDIR]   (default: the current directory)
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qks-attn-heads.h"
#include "qks-diversity.h"
#include "qks-head-factors.h"
#include "qks-kqsvd.h"
#include "qks-symmetry.h"

#include "qks-plot-angles.h"
#include "qks-plot-diversity.h"
#include "qks-plot-export.h"
#include "qks-plot-kqsvd.h"
#include "qks-plot-symmetry.h"
#include "qks-plot-theme.h"

#define WIDTH      640.0
#define HEIGHT     400.0
#define N_REPEATS  41

#define N_HEADS    12
#define D_MODEL    256
#define D_HEAD     32
#define N_LAYERS   6
#define N_TOKENS   96
#define NO_CLUSTER G_MAXUINT

/* Figures ------------------------------------------------------------------ */

typedef enum
{
  FIGURE_ANGLES,
  FIGURE_HISTOGRAM,
  FIGURE_DIVERSITY,
  FIGURE_DIVERSITY_RANKS,
  FIGURE_KQSVD,
  FIGURE_SYMMETRY,
} FigureKind;

typedef struct
{
  const char  *name;
  FigureKind   kind;
  gconstpointer data;
  QksPlotTheme theme;
} Figure;

static void
draw_figure (cairo_t  *cr,
             double    width,
             double    height,
             gpointer  user_data)
{
  Figure *figure = user_data;

  switch (figure->kind)
    {
    case FIGURE_ANGLES:
      qks_plot_angles_draw (cr, width, height, &figure->theme, figure->data);
      break;
    case FIGURE_HISTOGRAM:
      qks_plot_angle_histogram_draw (cr, width, height, &figure->theme, figure->data);
      break;
    case FIGURE_DIVERSITY:
      qks_plot_diversity_draw (cr, width, height, &figure->theme, figure->data);
      break;
    case FIGURE_DIVERSITY_RANKS:
      qks_plot_diversity_ranks_draw (cr, width, height, &figure->theme, figure->data);
      break;
    case FIGURE_KQSVD:
      qks_plot_kqsvd_draw (cr, width, height, &figure->theme, figure->data);
      break;
    case FIGURE_SYMMETRY:
      qks_plot_symmetry_draw (cr, width, height, &figure->theme, figure->data);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Data --------------------------------------------------------------------- */

static void
fill_gaussian (QksMatrix *matrix,
               double     stddev,
               QksRng    *rng)
{
  qks_rng_fill_normal (rng, matrix->data, matrix->rows * matrix->cols, 0.0, stddev);
}

/* W = share · S_c + √(1 − share²) · R, S_c shared by the heads of cluster
 * c, R each head's own. */
static void
fill_clustered (QksMatrix   **matrices,
                const guint  *clusters,
                double        share,
                QksRng       *rng)
{
  g_autoptr(GPtrArray) shared = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_matrix_free);
  gsize size = matrices[0]->rows * matrices[0]->cols;

  for (guint c = 0; c < N_HEADS; c++)
    g_ptr_array_add (shared, qks_matrix_new_gaussian (matrices[0]->rows, matrices[0]->cols, 1.0, rng));
  for (guint h = 0; h < N_HEADS; h++)
    {
      fill_gaussian (matrices[h], 1.0, rng);
      if (clusters[h] == NO_CLUSTER)
        continue;
      for (gsize i = 0; i < size; i++)
        matrices[h]->data[i] = share * ((QksMatrix *) shared->pdata[clusters[h]])->data[i] +
                               sqrt (1.0 - share * share) * matrices[h]->data[i];
    }
}

/* One layer. @trained clusters the heads' subspaces; @mqa shares W_K and
 * W_V across the heads; @symmetry pulls W_K towards W_Q. */
static QksAttnHeads *
make_heads (guint    seed,
            double   trained,
            gboolean mqa,
            double   symmetry)
{
  static const guint q_clusters[N_HEADS] = { 0, 0, 0, 1, 1, NO_CLUSTER, 2, 2, 2, 2, NO_CLUSTER, NO_CLUSTER };
  static const guint k_clusters[N_HEADS] = { 0, 0, 0, 0, 1, 1, NO_CLUSTER, 2, 2, 2, NO_CLUSTER, NO_CLUSTER };
  static const guint v_clusters[N_HEADS] = { 0, 0, 1, 1, 1, NO_CLUSTER, NO_CLUSTER, 2, 2, NO_CLUSTER, 3, 3 };
  QksAttnHeads *heads = qks_attn_heads_new (N_HEADS, D_MODEL, D_HEAD, D_HEAD);
  QksRng rng;

  qks_rng_init (&rng, seed);
  fill_clustered (heads->w_q, q_clusters, trained, &rng);
  fill_clustered (heads->w_k, k_clusters, trained, &rng);
  fill_clustered (heads->w_v, v_clusters, trained, &rng);
  fill_clustered (heads->w_o, v_clusters, trained, &rng);
  for (guint h = 0; h < N_HEADS; h++)
    {
      /* Some heads lean more than others. */
      double lean = MIN (0.95, symmetry * (0.4 + 1.2 * h / (N_HEADS - 1.0)));

      if (mqa && h > 0)
        {
          memcpy (heads->w_k[h]->data, heads->w_k[0]->data, sizeof (double) * D_HEAD * D_MODEL);
          memcpy (heads->w_v[h]->data, heads->w_v[0]->data, sizeof (double) * D_HEAD * D_MODEL);
        }

      for (gsize i = 0; !mqa && i < (gsize) D_HEAD * D_MODEL; i++)
        heads->w_k[h]->data[i] = lean * heads->w_q[h]->data[i] +
                                 sqrt (1.0 - lean * lean) * heads->w_k[h]->data[i];
    }
  if (mqa)
    heads->shared_key_width = D_HEAD;
  return heads;
}

/* Calibration inputs with a decaying spectrum, as real activations have. */
static QksMatrix *
make_inputs (guint seed)
{
  QksMatrix *x = qks_matrix_new (N_TOKENS, D_MODEL);
  QksRng rng;

  qks_rng_init (&rng, seed);
  fill_gaussian (x, 1.0, &rng);
  for (guint t = 0; t < N_TOKENS; t++)
    for (guint c = 0; c < D_MODEL; c++)
      x->data[t * D_MODEL + c] *= pow (1.0 + c, -0.6);
  return x;
}

/* Output ------------------------------------------------------------------- */

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

/* Median milliseconds to draw one figure into a 1× image surface: wall
 * time, and the CPU time of this thread, which a busy machine does not
 * inflate. */
static void
time_drawing (Figure *figure,
              double *wall_ms,
              double *cpu_ms)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) WIDTH, (int) HEIGHT);
  double wall[N_REPEATS], cpu[N_REPEATS];

  for (guint i = 0; i < N_REPEATS; i++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 start = g_get_monotonic_time ();
      double start_cpu = thread_cpu_ms ();

      draw_figure (cr, WIDTH, HEIGHT, figure);
      cairo_surface_flush (surface);
      wall[i] = (g_get_monotonic_time () - start) / 1000.0;
      cpu[i] = thread_cpu_ms () - start_cpu;
      cairo_destroy (cr);
    }
  cairo_surface_destroy (surface);
  qsort (wall, N_REPEATS, sizeof (double), compare_doubles);
  qsort (cpu, N_REPEATS, sizeof (double), compare_doubles);
  *wall_ms = wall[N_REPEATS / 2];
  *cpu_ms = cpu[N_REPEATS / 2];
}

static gboolean
write_figure (const char *directory,
              Figure     *figure)
{
  for (guint i = 0; i < 3; i++)
    {
      double scale = i == 1 ? 2.0 : 1.0;
      g_autofree char *file = i < 2 ? g_strdup_printf ("%s-%s-%gx.png", figure->name,
                                                       figure->theme.dark ? "dark" : "light", scale)
                                    : g_strdup_printf ("%s-%s.svg", figure->name,
                                                       figure->theme.dark ? "dark" : "light");
      g_autofree char *path = g_build_filename (directory, file, NULL);
      QksPlotExportOptions options = { figure->name, "Synthetic heads drawn by bench-figures-heads", scale };
      g_autoptr(GError) error = NULL;

      if (!qks_plot_export (path, WIDTH, HEIGHT, draw_figure, figure, &options, &error))
        {
          g_printerr ("bench-figures-heads: %s\n", error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static QksHeadDiversity *
diversity_of (const QksAttnHeads *heads)
{
  g_autoptr(GError) error = NULL;
  QksHeadDiversity *diversity = qks_head_diversity_new (heads, QKS_HEAD_GRAM_NORMALISED, &error);

  if (diversity == NULL)
    g_error ("bench-figures-heads: %s", error->message);
  return diversity;
}

int
main (int    argc,
      char **argv)
{
  static const double training[] = { 0.0, 0.5, 0.8, 0.95 };
  static const char *steps[] = { "step 0", "step 300", "step 1000", "step 3000" };
  const char *directory = argc > 1 ? argv[1] : ".";
  g_autoptr(GError) error = NULL;
  g_autoptr(QksAttnHeads) trained = make_heads (1, 0.75, FALSE, 0.0);
  g_autoptr(QksAttnHeads) mqa = make_heads (2, 0.75, TRUE, 0.0);
  g_autoptr(QksHeadAngles) k_angles = NULL;
  g_autoptr(QksHeadAngles) k_mqa = NULL;
  g_autoptr(QksHeadAngles) q_angles = NULL;
  g_autoptr(QksHeadDiversity) diversity = NULL;
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_head_diversity_free);
  QksPlotAnglesData angles_data, mqa_data, overlap_data;
  QksPlotAngleHistogramData histogram_data;
  QksPlotDiversitySeries one_series, runs[G_N_ELEMENTS (training)];
  QksPlotDiversityData diversity_data, runs_data;
  QksPlotDiversityRanksData ranks_data;
  QksPlotKqsvdData kqsvd_head, kqsvd_mean, kqsvd_log;
  QksPlotSymmetryData symmetry_data;
  double layer_symmetry[N_LAYERS], head_symmetry[N_LAYERS * N_HEADS];
  g_autoptr(QksMatrix) inputs = make_inputs (4);
  g_autoptr(GPtrArray) curves = NULL;
  g_autofree double *kq = g_new (double, N_HEADS * D_HEAD);
  g_autofree double *keys_only = g_new (double, N_HEADS * D_HEAD);
  double qk_ranks[N_LAYERS], ov_ranks[N_LAYERS];
  const double *pair;
  guint n_pair;
  GString *json = g_string_new ("{\"bench\": \"figures-heads\"");

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      g_printerr ("bench-figures-heads: cannot create %s\n", directory);
      return 1;
    }

  /* Principal angles. */
  if ((k_angles = qks_head_angles_new_for_heads (trained, QKS_HEAD_SUBSPACE_K, &error)) == NULL ||
      (q_angles = qks_head_angles_new_for_heads (trained, QKS_HEAD_SUBSPACE_Q, &error)) == NULL ||
      (k_mqa = qks_head_angles_new_for_heads (mqa, QKS_HEAD_SUBSPACE_K, &error)) == NULL)
    {
      g_printerr ("bench-figures-heads: %s\n", error->message);
      return 1;
    }
  pair = qks_head_angles_get_pair (k_angles, 1, 8, &n_pair);
  angles_data = (QksPlotAnglesData) {
    N_HEADS, k_angles->mean_angle->data, N_HEADS * N_HEADS, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K,
    k_angles->hdi, k_angles->shared_by_construction, NULL, NULL, 1, 8, pair, n_pair,
  };
  overlap_data = (QksPlotAnglesData) {
    N_HEADS, q_angles->overlap->data, N_HEADS * N_HEADS, QKS_PLOT_ANGLES_OVERLAP, QKS_PLOT_SUBSPACE_Q,
    q_angles->hdi, q_angles->shared_by_construction, NULL, NULL, -1, -1, NULL, 0,
  };
  mqa_data = (QksPlotAnglesData) {
    N_HEADS, k_mqa->mean_angle->data, N_HEADS * N_HEADS, QKS_PLOT_ANGLES_MEAN_ANGLE, QKS_PLOT_SUBSPACE_K,
    k_mqa->hdi, k_mqa->shared_by_construction, "MQA", NULL, -1, -1, NULL, 0,
  };
  histogram_data = (QksPlotAngleHistogramData) { pair, n_pair, 1, 8, QKS_PLOT_SUBSPACE_K, NULL };

  /* Head diversity: one layer, the same layer as training goes on, and
   * every layer. */
  diversity = diversity_of (trained);
  one_series = (QksPlotDiversitySeries) { NULL, diversity->qk->variance_explained, N_HEADS,
                                          diversity->qk->effective_rank_percent };
  diversity_data = (QksPlotDiversityData) { &one_series, 1, "QK", NULL };
  for (guint r = 0; r < G_N_ELEMENTS (training); r++)
    {
      g_autoptr(QksAttnHeads) heads = make_heads (3, training[r], FALSE, 0.0);
      QksHeadDiversity *d = diversity_of (heads);

      g_ptr_array_add (keep, d);
      runs[r] = (QksPlotDiversitySeries) { steps[r], d->qk->variance_explained, N_HEADS,
                                           d->qk->effective_rank_percent };
    }
  runs_data = (QksPlotDiversityData) { runs, G_N_ELEMENTS (runs), "QK", NULL };
  for (guint l = 0; l < N_LAYERS; l++)
    {
      g_autoptr(QksAttnHeads) heads = make_heads (10 + l, 0.3 + 0.12 * l, FALSE, 0.0);
      g_autoptr(QksHeadDiversity) d = diversity_of (heads);

      qk_ranks[l] = d->qk->effective_rank_percent;
      ov_ranks[l] = d->ov->effective_rank_percent;
    }
  ranks_data = (QksPlotDiversityRanksData) { N_LAYERS, qk_ranks, N_LAYERS, ov_ranks, N_LAYERS, N_HEADS, NULL };

  /* KQ-SVD on calibration inputs. */
  curves = qks_kqsvd_curves_new_for_heads (inputs, trained, &error);
  if (curves == NULL)
    g_error ("bench-figures-heads: %s", error->message);
  for (guint h = 0; h < N_HEADS; h++)
    {
      const QksKqsvdCurves *c = curves->pdata[h];

      memcpy (kq + h * D_HEAD, c->kq, D_HEAD * sizeof (double));
      memcpy (keys_only + h * D_HEAD, c->keys_only, D_HEAD * sizeof (double));
    }
  kqsvd_head = (QksPlotKqsvdData) { N_HEADS, D_HEAD, kq, keys_only, N_HEADS * D_HEAD, 3, FALSE, NULL };
  kqsvd_mean = kqsvd_head;
  kqsvd_mean.head = QKS_PLOT_KQSVD_ALL_HEADS;
  kqsvd_log = kqsvd_mean;
  kqsvd_log.log_y = TRUE;

  /* Symmetric energy: layers whose W_K lean more or less towards W_Q. */
  for (guint l = 0; l < N_LAYERS; l++)
    {
      static const double lean[N_LAYERS] = { 0.0, 0.15, 0.45, 0.7, 0.35, 0.1 };
      g_autoptr(QksAttnHeads) heads = make_heads (20 + l, 0.5, FALSE, lean[l]);
      g_autoptr(QksHeadFactors) factors = qks_head_factors_new (heads, QKS_FORM_QK, &error);
      g_autofree double *per_head = NULL;

      if (factors == NULL ||
          (per_head = qks_symmetric_energy_for_heads (factors, &layer_symmetry[l], &error)) == NULL)
        g_error ("bench-figures-heads: %s", error->message);
      memcpy (head_symmetry + l * N_HEADS, per_head, N_HEADS * sizeof (double));
    }
  symmetry_data = (QksPlotSymmetryData) { N_LAYERS, layer_symmetry, N_HEADS, head_symmetry, N_LAYERS * N_HEADS, NULL };

  {
    Figure figures[] = {
      { "angles", FIGURE_ANGLES, &angles_data, },
      { "angles-overlap", FIGURE_ANGLES, &overlap_data, },
      { "angles-mqa", FIGURE_ANGLES, &mqa_data, },
      { "angle-histogram", FIGURE_HISTOGRAM, &histogram_data, },
      { "diversity", FIGURE_DIVERSITY, &diversity_data, },
      { "diversity-runs", FIGURE_DIVERSITY, &runs_data, },
      { "diversity-ranks", FIGURE_DIVERSITY_RANKS, &ranks_data, },
      { "kqsvd-head", FIGURE_KQSVD, &kqsvd_head, },
      { "kqsvd-mean", FIGURE_KQSVD, &kqsvd_mean, },
      { "kqsvd-log", FIGURE_KQSVD, &kqsvd_log, },
      { "symmetry", FIGURE_SYMMETRY, &symmetry_data, },
    };

    for (guint f = 0; f < G_N_ELEMENTS (figures); f++)
      {
        double wall_ms, cpu_ms;

        for (guint dark = 0; dark <= 1; dark++)
          {
            if (dark)
              qks_plot_theme_init_dark (&figures[f].theme);
            else
              qks_plot_theme_init_light (&figures[f].theme);
            if (!write_figure (directory, &figures[f]))
              return 1;
          }
        qks_plot_theme_init_light (&figures[f].theme);
        time_drawing (&figures[f], &wall_ms, &cpu_ms);
        g_string_append_printf (json, ", \"%s_ms\": %.3f, \"%s_cpu_ms\": %.3f", figures[f].name, wall_ms,
                                figures[f].name, cpu_ms);
      }
  }

  g_string_append (json, "}");
  g_print ("wrote the figures to %s\n%s\n", directory, json->str);
  g_string_free (json, TRUE);
  return 0;
}
