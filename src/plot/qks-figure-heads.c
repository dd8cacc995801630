/* qks-figure-heads.c: the figures that compare a layer's heads, from histories
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "qks-figure-private.h"
#include "qks-plot-angles.h"
#include "qks-plot-diversity.h"
#include "qks-plot-kqsvd.h"
#include "qks-plot-symmetry.h"

static const QksMatrixRecord *
find_matrix (QksSnapshot *snapshot,
             guint        layer,
             const char  *kind)
{
  if (snapshot == NULL)
    return NULL;
  for (guint i = 0; i < snapshot->matrices->len; i++)
    {
      const QksMatrixRecord *record = snapshot->matrices->pdata[i];

      if (record->layer == layer && g_strcmp0 (record->kind, kind) == 0)
        return record;
    }
  return NULL;
}

static const QksCurveRecord *
find_curve (QksSnapshot *snapshot,
            guint        layer,
            int          head,
            const char  *kind)
{
  if (snapshot == NULL)
    return NULL;
  for (guint i = 0; i < snapshot->curves->len; i++)
    {
      const QksCurveRecord *record = snapshot->curves->pdata[i];

      if (record->layer == layer && record->head == head && g_strcmp0 (record->kind, kind) == 0)
        return record;
    }
  return NULL;
}

static double
metric_value (QksSnapshot        *snapshot,
              guint               layer,
              int                 head,
              QksFormKind         form,
              const char         *name,
              QksMetricFlags     *flags)
{
  const QksMetricRow *row = snapshot != NULL ? qks_snapshot_find_metric (snapshot, layer, head, form, name)
                                             : NULL;

  if (flags != NULL)
    *flags = row != NULL ? row->flags : 0;
  return row != NULL ? row->value : NAN;
}

static double *
copy_doubles (const double *values,
              gsize         n)
{
  return values != NULL && n > 0 ? g_memdup2 (values, n * sizeof (double)) : NULL;
}

static char *
step_title (const char            *what,
            const QksFigureSource *source,
            guint                  layer)
{
  if (source->snapshot == NULL)
    return g_strdup (what);
  /* Translators: a figure's title: what, layer, step */
  return g_strdup_printf (_("%s · layer %u · step %u"), what, layer, source->step);
}

/* Principal angles */

typedef struct
{
  char              *title;
  char              *reason;
  double            *values;
  double            *pair_angles;
  QksPlotAnglesData  data;
} AnglesFigure;

static void
angles_free (gpointer data)
{
  AnglesFigure *figure = data;

  g_free (figure->title);
  g_free (figure->reason);
  g_free (figure->values);
  g_free (figure->pair_angles);
  g_free (figure);
}

static gpointer
angles_prepare (const QksFigureSource  *source,
                char                  **title,
                GError                **error)
{
  const QksFigureSelection *selection = source->selection;
  char subspace = selection->subspace == 'k' || selection->subspace == 'v' ? selection->subspace : 'q';
  g_autofree char *kind = g_strdup_printf ("angles-%c", subspace);
  g_autofree char *hdi_name = g_strdup_printf ("hdi_%c", subspace);
  const char *subspace_label;
  const QksMatrixRecord *matrix;
  AnglesFigure *figure;
  QksMetricFlags flags;
  guint layer;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;

  figure = g_new0 (AnglesFigure, 1);
  matrix = find_matrix (source->snapshot, layer, kind);
  figure->data.subspace = subspace == 'q' ? QKS_PLOT_SUBSPACE_Q :
                          subspace == 'k' ? QKS_PLOT_SUBSPACE_K : QKS_PLOT_SUBSPACE_V;
  figure->data.quantity = QKS_PLOT_ANGLES_MEAN_ANGLE;
  figure->data.selected_i = -1;
  figure->data.selected_j = -1;
  figure->data.hdi = metric_value (source->snapshot, layer, QKS_WHOLE_LAYER,
                                   subspace == 'v' ? QKS_FORM_OV : QKS_FORM_QK, hdi_name, &flags);
  figure->data.shared_by_construction = (flags & QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION) != 0;
  if (figure->data.shared_by_construction && qks_history_has_config (source->histories[0]))
    {
      QksAttnKind attention = qks_history_get_config (source->histories[0])->model.attention;

      figure->reason = g_strdup (qks_attn_kind_get_label (attention));
      figure->data.shared_reason = figure->reason;
    }

  if (matrix != NULL && matrix->rows == matrix->cols)
    {
      guint H = matrix->rows;
      int i = selection->pair_i, j = selection->pair_j;

      figure->values = copy_doubles (matrix->data, (gsize) H * H);
      figure->data.n_heads = H;
      figure->data.values = figure->values;
      figure->data.n_values = (gsize) H * H;
      if (i >= 0 && j >= 0 && i != j && (guint) MAX (i, j) < H)
        {
          /* The snapshot keeps each pair once, as i < j. */
          const QksCurveRecord *pair = find_curve (source->snapshot, layer,
                                                   MIN (i, j) * (int) H + MAX (i, j), kind);

          figure->data.selected_i = i;
          figure->data.selected_j = j;
          if (pair != NULL)
            {
              figure->pair_angles = copy_doubles (pair->values, pair->length);
              figure->data.pair_angles = figure->pair_angles;
              figure->data.n_pair_angles = pair->length;
            }
        }
    }

  subspace_label = subspace == 'q' ? _("Query subspaces") :
                   subspace == 'k' ? _("Key subspaces") : _("Value subspaces");
  figure->title = step_title (subspace_label, source, layer);
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
angles_draw (cairo_t            *cr,
             double              width,
             double              height,
             const QksPlotTheme *theme,
             gpointer            data)
{
  AnglesFigure *figure = data;

  qks_plot_angles_draw (cr, width, height, theme, &figure->data);
}

static char *
angles_query (gpointer            data,
              cairo_t            *cr,
              double              width,
              double              height,
              const QksPlotTheme *theme,
              double              x,
              double              y)
{
  AnglesFigure *figure = data;

  return qks_plot_angles_query (cr, width, height, theme, &figure->data, x, y);
}

static const QksFigureKind angles_kind = {
  .info = { "angles", N_("Principal Angles"),
            N_("The mean principal angle between every pair of heads' Q, K or V subspaces"),
            QKS_FIGURE_USES_STEP | QKS_FIGURE_USES_LAYER | QKS_FIGURE_USES_SUBSPACE | QKS_FIGURE_USES_PAIR,
            760, 420 },
  .prepare = angles_prepare,
  .draw = angles_draw,
  .free = angles_free,
  .query = angles_query,
};

/* Head diversity: the scree of the centred Gram of the QK and OV forms */

typedef struct
{
  char                  *title;
  double                *cumulative[2];
  QksPlotDiversitySeries series[2];
  QksPlotDiversityData   data;
} DiversityFigure;

static void
diversity_free (gpointer data)
{
  DiversityFigure *figure = data;

  g_free (figure->title);
  g_free (figure->cumulative[0]);
  g_free (figure->cumulative[1]);
  g_free (figure);
}

static gpointer
diversity_prepare (const QksFigureSource  *source,
                   char                  **title,
                   GError                **error)
{
  static const QksFormKind forms[] = { QKS_FORM_QK, QKS_FORM_OV };
  static const char * const labels[] = { "QK", "OV" };
  DiversityFigure *figure;
  guint layer;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;

  figure = g_new0 (DiversityFigure, 1);
  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      g_autofree char *kind = g_strdup_printf ("variance-explained-%s", qks_form_kind_to_string (forms[f]));
      const QksCurveRecord *curve = find_curve (source->snapshot, layer, QKS_WHOLE_LAYER, kind);
      guint n = figure->data.n_series;

      if (curve == NULL)
        continue;
      figure->cumulative[n] = copy_doubles (curve->values, curve->length);
      figure->series[n] = (QksPlotDiversitySeries) {
        .label = labels[f],
        .cumulative = figure->cumulative[n],
        .n_components = curve->length,
        .effective_rank_percent = metric_value (source->snapshot, layer, QKS_WHOLE_LAYER,
                                                forms[f], "diversity_erank_pct", NULL),
      };
      figure->data.n_series++;
    }
  figure->title = step_title (_("Head diversity"), source, layer);
  figure->data.series = figure->series;
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
diversity_draw (cairo_t            *cr,
                double              width,
                double              height,
                const QksPlotTheme *theme,
                gpointer            data)
{
  DiversityFigure *figure = data;

  qks_plot_diversity_draw (cr, width, height, theme, &figure->data);
}

static char *
diversity_query (gpointer            data,
                 cairo_t            *cr,
                 double              width,
                 double              height,
                 const QksPlotTheme *theme,
                 double              x,
                 double              y)
{
  DiversityFigure *figure = data;

  return qks_plot_diversity_query (cr, width, height, theme, &figure->data, x, y);
}

static const QksFigureKind diversity_kind = {
  .info = { "diversity", N_("Head Diversity"),
            N_("The share of the heads' joint variance each component explains, QK and OV"),
            QKS_FIGURE_USES_STEP | QKS_FIGURE_USES_LAYER, 560, 400 },
  .prepare = diversity_prepare,
  .draw = diversity_draw,
  .free = diversity_free,
  .query = diversity_query,
};

/* Head diversity per layer */

typedef struct
{
  char                      *title;
  double                    *qk;
  double                    *ov;
  QksPlotDiversityRanksData  data;
} DiversityRanksFigure;

static void
diversity_ranks_free (gpointer data)
{
  DiversityRanksFigure *figure = data;

  g_free (figure->title);
  g_free (figure->qk);
  g_free (figure->ov);
  g_free (figure);
}

static gpointer
diversity_ranks_prepare (const QksFigureSource  *source,
                         char                  **title,
                         GError                **error)
{
  DiversityRanksFigure *figure = g_new0 (DiversityRanksFigure, 1);
  guint n_layers = source->snapshot != NULL ? qks_history_get_n_layers (source->histories[0]) : 0;
  gboolean has_ov = FALSE;

  figure->qk = g_new (double, MAX (n_layers, 1));
  figure->ov = g_new (double, MAX (n_layers, 1));
  for (guint layer = 0; layer < n_layers; layer++)
    {
      figure->qk[layer] = metric_value (source->snapshot, layer, QKS_WHOLE_LAYER, QKS_FORM_QK,
                                        "diversity_erank_pct", NULL);
      figure->ov[layer] = metric_value (source->snapshot, layer, QKS_WHOLE_LAYER, QKS_FORM_OV,
                                        "diversity_erank_pct", NULL);
      has_ov |= isfinite (figure->ov[layer]);
    }
  if (qks_history_has_config (source->histories[0]))
    figure->data.n_heads = qks_history_get_config (source->histories[0])->model.n_heads;
  figure->title = source->snapshot != NULL
                  ? g_strdup_printf (_("Head diversity per layer · step %u"), source->step)
                  : g_strdup (_("Head diversity per layer"));
  figure->data.n_layers = n_layers;
  figure->data.qk = figure->qk;
  figure->data.n_qk = n_layers;
  figure->data.ov = has_ov ? figure->ov : NULL;
  figure->data.n_ov = has_ov ? n_layers : 0;
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
diversity_ranks_draw (cairo_t            *cr,
                      double              width,
                      double              height,
                      const QksPlotTheme *theme,
                      gpointer            data)
{
  DiversityRanksFigure *figure = data;

  qks_plot_diversity_ranks_draw (cr, width, height, theme, &figure->data);
}

static const QksFigureKind diversity_ranks_kind = {
  .info = { "diversity-layers", N_("Head Diversity per Layer"),
            N_("The effective rank of the heads' centred Gram, as a share of the heads, per layer"),
            QKS_FIGURE_USES_STEP, 560, 400 },
  .prepare = diversity_ranks_prepare,
  .draw = diversity_ranks_draw,
  .free = diversity_ranks_free,
};

/* KQ-SVD against keys-only */

typedef struct
{
  char             *title;
  double           *kqsvd;
  double           *keys_only;
  QksPlotKqsvdData  data;
} KqsvdFigure;

static void
kqsvd_free (gpointer data)
{
  KqsvdFigure *figure = data;

  g_free (figure->title);
  g_free (figure->kqsvd);
  g_free (figure->keys_only);
  g_free (figure);
}

static gpointer
kqsvd_prepare (const QksFigureSource  *source,
               char                  **title,
               GError                **error)
{
  KqsvdFigure *figure;
  guint layer, n_heads = 0, length = 0;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;
  figure = g_new0 (KqsvdFigure, 1);

  /* Heads in order, as long as each has both curves of one length. */
  while (TRUE)
    {
      const QksCurveRecord *kq = find_curve (source->snapshot, layer, (int) n_heads, "kqsvd");
      const QksCurveRecord *keys = find_curve (source->snapshot, layer, (int) n_heads, "keys-only");

      if (kq == NULL || keys == NULL || keys->length != kq->length ||
          (n_heads > 0 && kq->length != length))
        break;
      length = kq->length;
      figure->kqsvd = g_renew (double, figure->kqsvd, (gsize) (n_heads + 1) * length);
      figure->keys_only = g_renew (double, figure->keys_only, (gsize) (n_heads + 1) * length);
      memcpy (figure->kqsvd + (gsize) n_heads * length, kq->values, length * sizeof (double));
      memcpy (figure->keys_only + (gsize) n_heads * length, keys->values, length * sizeof (double));
      n_heads++;
    }
  figure->data.n_heads = n_heads;
  figure->data.length = length;
  figure->data.kqsvd = figure->kqsvd;
  figure->data.keys_only = figure->keys_only;
  figure->data.n_values = (gsize) n_heads * length;
  figure->data.head = source->selection->head >= 0 && (guint) source->selection->head < n_heads
                      ? source->selection->head : QKS_PLOT_KQSVD_ALL_HEADS;
  figure->title = step_title (_("KQ-SVD error against rank"), source, layer);
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
kqsvd_draw (cairo_t            *cr,
            double              width,
            double              height,
            const QksPlotTheme *theme,
            gpointer            data)
{
  KqsvdFigure *figure = data;

  qks_plot_kqsvd_draw (cr, width, height, theme, &figure->data);
}

static char *
kqsvd_query (gpointer            data,
             cairo_t            *cr,
             double              width,
             double              height,
             const QksPlotTheme *theme,
             double              x,
             double              y)
{
  KqsvdFigure *figure = data;

  return qks_plot_kqsvd_query (cr, width, height, theme, &figure->data, x, y);
}

static const QksFigureKind kqsvd_kind = {
  .info = { "kqsvd", N_("KQ-SVD Error"),
            N_("How well a rank-r key cache reproduces the attention scores, against keys-only truncation"),
            QKS_FIGURE_USES_STEP | QKS_FIGURE_USES_LAYER | QKS_FIGURE_USES_HEAD, 560, 400 },
  .prepare = kqsvd_prepare,
  .draw = kqsvd_draw,
  .free = kqsvd_free,
  .query = kqsvd_query,
};

/* Symmetric energy of the QK forms */

typedef struct
{
  char                *title;
  double              *layers;
  double              *heads;
  QksPlotSymmetryData  data;
} SymmetryFigure;

static void
symmetry_free (gpointer data)
{
  SymmetryFigure *figure = data;

  g_free (figure->title);
  g_free (figure->layers);
  g_free (figure->heads);
  g_free (figure);
}

static gpointer
symmetry_prepare (const QksFigureSource  *source,
                  char                  **title,
                  GError                **error)
{
  SymmetryFigure *figure = g_new0 (SymmetryFigure, 1);
  guint n_layers = source->snapshot != NULL ? qks_history_get_n_layers (source->histories[0]) : 0;
  guint n_heads = qks_history_has_config (source->histories[0])
                  ? qks_history_get_config (source->histories[0])->model.n_heads : 0;
  gboolean has_heads = n_heads > 0;

  figure->layers = g_new (double, MAX (n_layers, 1));
  figure->heads = g_new (double, MAX ((gsize) n_layers * n_heads, 1));
  for (guint layer = 0; layer < n_layers; layer++)
    {
      figure->layers[layer] = metric_value (source->snapshot, layer, QKS_WHOLE_LAYER, QKS_FORM_QK,
                                            "symmetric_energy", NULL);
      for (guint h = 0; h < n_heads; h++)
        {
          double value = metric_value (source->snapshot, layer, (int) h, QKS_FORM_QK,
                                       "symmetric_energy", NULL);

          figure->heads[(gsize) layer * n_heads + h] = value;
          has_heads &= isfinite (value);
        }
    }
  figure->title = source->snapshot != NULL
                  ? g_strdup_printf (_("Symmetric energy of the QK forms · step %u"), source->step)
                  : g_strdup (_("Symmetric energy of the QK forms"));
  figure->data.n_layers = n_layers;
  figure->data.layer_fraction = figure->layers;
  if (has_heads && n_layers > 0)
    {
      figure->data.n_heads = n_heads;
      figure->data.head_fraction = figure->heads;
      figure->data.n_head_values = (gsize) n_layers * n_heads;
    }
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
symmetry_draw (cairo_t            *cr,
               double              width,
               double              height,
               const QksPlotTheme *theme,
               gpointer            data)
{
  SymmetryFigure *figure = data;

  qks_plot_symmetry_draw (cr, width, height, theme, &figure->data);
}

static const QksFigureKind symmetry_kind = {
  .info = { "symmetry", N_("Symmetric Energy"),
            N_("The share of each QK form's energy in its symmetric part, per layer and head"),
            QKS_FIGURE_USES_STEP, 560, 400 },
  .prepare = symmetry_prepare,
  .draw = symmetry_draw,
  .free = symmetry_free,
};

const QksFigureKind * const qks_figure_kinds_heads[] = {
  &angles_kind,
  &diversity_kind,
  &diversity_ranks_kind,
  &kqsvd_kind,
  &symmetry_kind,
  NULL,
};
