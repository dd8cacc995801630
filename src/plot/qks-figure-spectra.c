/* qks-figure-spectra.c: the spectral figures of a step, from histories
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "qks-figure-private.h"
#include "qks-law-chain.h"
#include "qks-plot-bulk-mass.h"
#include "qks-plot-esd.h"
#include "qks-plot-ww-tail.h"

/* The null's density for a chain of shapes, tabulated once per chain for
 * the life of the process: building a chain's law takes milliseconds to
 * seconds (SCIENCE.md b.4), and a run has only a few distinct chains. */
typedef struct
{
  gboolean valid;  /* FALSE for a chain whose law could not be built */
  double x[QKS_PLOT_ESD_NULL_NODES];
  double density[QKS_PLOT_ESD_NULL_NODES];
} LawTable;

static GMutex law_tables_lock;
static GHashTable *law_tables;   /* "d0,d1,…" → LawTable, or NULL while it is built */

/* Where an interactive program wants laws built: off its main thread. */
static GThreadPool *law_pool;
static GMainContext *law_context;
static GSourceFunc law_ready;
static gpointer law_ready_data;

typedef struct
{
  guint dims[8];
  guint n_dims;
  char *key;
} LawJob;

static LawTable *
build_law_table (const guint *dims,
                 guint        n_dims)
{
  g_autoptr(QksChainLaw) law = qks_chain_law_new (dims, n_dims, NULL);
  LawTable *table;

  if (law == NULL)
    return NULL;
  table = g_new (LawTable, 1);
  table->valid = TRUE;
  qks_plot_esd_tabulate_law (law, table->x, table->density, QKS_PLOT_ESD_NULL_NODES);
  return table;
}

static void
store_law_table (const char *key,
                 LawTable   *table)
{
  g_mutex_lock (&law_tables_lock);
  if (g_hash_table_lookup (law_tables, key) == NULL)
    g_hash_table_insert (law_tables, g_strdup (key), table);
  else
    g_free (table);
  g_mutex_unlock (&law_tables_lock);
}

static void
build_law_in_pool (gpointer data,
                   gpointer user_data)
{
  LawJob *job = data;
  LawTable *table = build_law_table (job->dims, job->n_dims);

  /* A chain whose law cannot be built stays without a curve: store an
   * all-zero table rather than trying again at every frame. */
  store_law_table (job->key, table != NULL ? table : g_new0 (LawTable, 1));
  if (law_ready != NULL)
    g_main_context_invoke (law_context, law_ready, law_ready_data);
  g_free (job->key);
  g_free (job);
}

/**
 * qks_figure_set_background_laws:
 * @context: (nullable): where @ready runs; %NULL for the default context
 * @ready: called when a null's law is ready: make the figures again
 *
 * Building a null's law takes up to a second for a long chain (SCIENCE.md
 * b.4). By default a figure builds what it needs before it is made, as the
 * command line wants; after this call, an interactive program's figures are
 * made at once, without the null's curve until its law is built on a worker
 * thread.
 */
void
qks_figure_set_background_laws (GMainContext *context,
                                GSourceFunc   ready,
                                gpointer      user_data)
{
  g_mutex_lock (&law_tables_lock);
  law_context = context;
  law_ready = ready;
  law_ready_data = user_data;
  if (law_pool == NULL)
    law_pool = g_thread_pool_new (build_law_in_pool, NULL, 1, FALSE, NULL);
  g_mutex_unlock (&law_tables_lock);
}

static const LawTable *
lookup_law_table (const QksSpectrumRecord *record)
{
  g_autoptr(GString) key = g_string_new (NULL);
  gpointer found = NULL;
  gboolean known;
  LawTable *table;

  if (record->chain_length < 2 || record->chain_length > G_N_ELEMENTS (record->chain))
    return NULL;
  for (guint i = 0; i < record->chain_length; i++)
    g_string_append_printf (key, i > 0 ? ",%u" : "%u", record->chain[i]);

  g_mutex_lock (&law_tables_lock);
  if (law_tables == NULL)
    law_tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  known = g_hash_table_lookup_extended (law_tables, key->str, NULL, &found);
  if (!known && law_pool != NULL)
    {
      LawJob *job = g_new0 (LawJob, 1);

      memcpy (job->dims, record->chain, record->chain_length * sizeof (guint));
      job->n_dims = record->chain_length;
      job->key = g_strdup (key->str);
      /* NULL marks it as on its way. */
      g_hash_table_insert (law_tables, g_strdup (key->str), NULL);
      g_thread_pool_push (law_pool, job, NULL);
    }
  g_mutex_unlock (&law_tables_lock);
  if (known || law_pool != NULL)
    return found;

  table = build_law_table (record->chain, record->chain_length);
  if (table == NULL)
    return NULL;
  store_law_table (key->str, table);
  g_mutex_lock (&law_tables_lock);
  found = g_hash_table_lookup (law_tables, key->str);
  g_mutex_unlock (&law_tables_lock);
  return found;
}

static const char *
form_label (QksFormKind form)
{
  switch (form)
    {
    case QKS_FORM_QK:
      return _("QK form");
    case QKS_FORM_QK_ROPE:
      return _("QK RoPE part");
    case QKS_FORM_QK_SUM:
      return _("QK content + RoPE");
    case QKS_FORM_CROSS_GRAM:
      return _("Cross Gram");
    case QKS_FORM_OV:
      return _("OV circuit");
    case QKS_FORM_N_KINDS:
    default:
      return "";
    }
}

static const QksSpectrumRecord *
find_spectrum (QksSnapshot *snapshot,
               guint        layer,
               int          head,
               QksFormKind  form)
{
  if (snapshot == NULL)
    return NULL;
  for (guint i = 0; i < snapshot->spectra->len; i++)
    {
      const QksSpectrumRecord *record = snapshot->spectra->pdata[i];

      if (record->layer == layer && record->head == head && record->form == form)
        return record;
    }
  return NULL;
}

static double
find_value (QksSnapshot *snapshot,
            guint        layer,
            int          head,
            QksFormKind  form,
            const char  *name)
{
  const QksMetricRow *row = snapshot != NULL ? qks_snapshot_find_metric (snapshot, layer, head, form, name)
                                             : NULL;

  return row != NULL ? row->value : NAN;
}

/* One panel's data, owning copies of what it points to. */
typedef struct
{
  QksPlotEsdData  data;
  char           *title;
  double         *eigenvalues;
  char           *null_law;
  char           *threshold;
} Panel;

static void
panel_clear (Panel *panel)
{
  g_free (panel->title);
  g_free (panel->eigenvalues);
  g_free (panel->null_law);
  g_free (panel->threshold);
}

static void
panel_init (Panel                   *panel,
            QksSnapshot             *snapshot,
            const QksSpectrumRecord *record,
            char                    *title)
{
  memset (panel, 0, sizeof *panel);
  panel->title = title;
  if (record == NULL)
    {
      panel->data.title = panel->title;
      return;
    }
  qks_plot_esd_data_init_from_record (&panel->data, record);
  panel->eigenvalues = g_memdup2 (record->eigenvalues, MAX (record->rank, 1) * sizeof (double));
  panel->null_law = g_strdup (record->null_law);
  panel->threshold = g_strdup (record->threshold);
  panel->data.eigenvalues = panel->eigenvalues;
  panel->data.null_law = panel->null_law;
  panel->data.threshold = panel->threshold;
  panel->data.title = panel->title;
  panel->data.mp_sigma2 = find_value (snapshot, record->layer, record->head, record->form, "mp_sigma2");
  if (g_strcmp0 (record->null_law, "mp") != 0)
    {
      const LawTable *table = lookup_law_table (record);

      if (table != NULL && table->valid)
        {
          panel->data.null_x = table->x;
          panel->data.null_density = table->density;
          panel->data.n_null = QKS_PLOT_ESD_NULL_NODES;
        }
    }
}

/* One ESD, or a grid of them */

typedef struct
{
  char               *title;
  Panel              *panels;
  guint               n_panels;
  QksPlotEsdData     *grid_panels;
  QksPlotEsdGridData  grid;
  gboolean            is_grid;
} EsdFigure;

static void
esd_free (gpointer data)
{
  EsdFigure *figure = data;

  for (guint i = 0; i < figure->n_panels; i++)
    panel_clear (&figure->panels[i]);
  g_free (figure->panels);
  g_free (figure->grid_panels);
  g_free (figure->title);
  g_free (figure);
}

static char *
figure_title (const QksFigureSource *source,
              const char            *what)
{
  const char *variant = qks_history_has_config (source->histories[0])
                        ? qks_attn_kind_get_label (qks_history_get_config (source->histories[0])->model.attention)
                        : qks_history_get_name (source->histories[0]);

  if (source->snapshot == NULL)
    return g_strdup_printf ("%s · %s", what, variant);
  /* Translators: a figure's title: what, variant, step */
  return g_strdup_printf (_("%s · %s · step %u"), what, variant, source->step);
}

static void
esd_finish_grid (EsdFigure             *figure,
                 const QksFigureSource *source)
{
  figure->is_grid = TRUE;
  figure->grid_panels = g_new0 (QksPlotEsdData, MAX (figure->n_panels, 1));
  for (guint i = 0; i < figure->n_panels; i++)
    figure->grid_panels[i] = figure->panels[i].data;
  figure->grid.title = figure->title;
  figure->grid.panels = figure->grid_panels;
  figure->grid.n_panels = figure->n_panels;
  figure->grid.x_scale = source->selection->x_scale;
}

static gpointer
esd_grid_prepare (const QksFigureSource  *source,
                  char                  **title,
                  GError                **error)
{
  QksFormKind form = source->selection->form;
  EsdFigure *figure = g_new0 (EsdFigure, 1);
  guint n_layers = source->snapshot != NULL ? qks_history_get_n_layers (source->histories[0]) : 0;
  g_autofree char *what = g_strdup_printf (_("%s per layer"), form_label (form));

  figure->panels = g_new0 (Panel, MAX (n_layers, 1));
  for (guint layer = 0; layer < n_layers; layer++)
    {
      const QksSpectrumRecord *record = find_spectrum (source->snapshot, layer, QKS_WHOLE_LAYER, form);

      if (record == NULL)
        continue;
      panel_init (&figure->panels[figure->n_panels++], source->snapshot, record,
                  g_strdup_printf (_("Layer %u"), layer));
    }
  figure->title = figure_title (source, what);
  esd_finish_grid (figure, source);
  *title = g_strdup (figure->title);
  return figure;
}

static gpointer
esd_heads_prepare (const QksFigureSource  *source,
                   char                  **title,
                   GError                **error)
{
  QksFormKind form = source->selection->form;
  EsdFigure *figure;
  g_autofree char *what = NULL;
  guint layer, n_heads = 0;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;
  figure = g_new0 (EsdFigure, 1);
  if (qks_history_has_config (source->histories[0]))
    n_heads = qks_history_get_config (source->histories[0])->model.n_heads;

  figure->panels = g_new0 (Panel, MAX (n_heads, 1));
  for (guint head = 0; head < n_heads; head++)
    {
      const QksSpectrumRecord *record = find_spectrum (source->snapshot, layer, (int) head, form);

      if (record == NULL)
        continue;
      panel_init (&figure->panels[figure->n_panels++], source->snapshot, record,
                  g_strdup_printf (_("Head %u"), head));
    }
  what = g_strdup_printf (_("%s per head of layer %u"), form_label (form), layer);
  figure->title = figure_title (source, what);
  esd_finish_grid (figure, source);
  *title = g_strdup (figure->title);
  return figure;
}

static gpointer
esd_prepare (const QksFigureSource  *source,
             char                  **title,
             GError                **error)
{
  const QksFigureSelection *selection = source->selection;
  int head = selection->head >= 0 ? selection->head : QKS_WHOLE_LAYER;
  EsdFigure *figure;
  g_autofree char *what = NULL;
  guint layer;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;
  figure = g_new0 (EsdFigure, 1);
  if (head == QKS_WHOLE_LAYER)
    what = g_strdup_printf (_("%s of layer %u"), form_label (selection->form), layer);
  else
    what = g_strdup_printf (_("%s of layer %u, head %d"), form_label (selection->form), layer, head);
  figure->title = figure_title (source, what);
  figure->panels = g_new0 (Panel, 1);
  figure->n_panels = 1;
  panel_init (&figure->panels[0], source->snapshot,
              find_spectrum (source->snapshot, layer, head, selection->form),
              g_strdup (figure->title));
  figure->panels[0].data.x_scale = selection->x_scale;
  *title = g_strdup (figure->title);
  return figure;
}

static void
esd_draw (cairo_t            *cr,
          double              width,
          double              height,
          const QksPlotTheme *theme,
          gpointer            data)
{
  EsdFigure *figure = data;

  if (figure->is_grid)
    qks_plot_esd_grid_draw (cr, width, height, theme, &figure->grid);
  else
    qks_plot_esd_draw (cr, width, height, theme, &figure->panels[0].data);
}

static char *
esd_query (gpointer            data,
           cairo_t            *cr,
           double              width,
           double              height,
           const QksPlotTheme *theme,
           double              x,
           double              y)
{
  EsdFigure *figure = data;

  if (!figure->is_grid)
    return NULL;
  return qks_plot_esd_grid_query (cr, width, height, theme, &figure->grid, x, y, NULL);
}

static int
esd_pick_panel (gpointer            data,
                cairo_t            *cr,
                double              width,
                double              height,
                const QksPlotTheme *theme,
                double              x,
                double              y)
{
  EsdFigure *figure = data;
  g_autofree char *text = NULL;
  int panel = -1;

  if (figure->is_grid)
    text = qks_plot_esd_grid_query (cr, width, height, theme, &figure->grid, x, y, &panel);
  return panel;
}

static const QksFigureKind esd_kind = {
  .info = { "esd", N_("Eigenvalue Spectrum"),
            N_("The eigenvalue histogram of one layer's (or head's) form against Marchenko–Pastur and the null"),
            QKS_FIGURE_USES_STEP | QKS_FIGURE_USES_LAYER | QKS_FIGURE_USES_HEAD, 640, 440 },
  .prepare = esd_prepare,
  .draw = esd_draw,
  .free = esd_free,
};

static const QksFigureKind esd_grid_kind = {
  .info = { "esd-grid", N_("Spectra of All Layers"),
            N_("One eigenvalue histogram per layer, on shared axes"),
            QKS_FIGURE_USES_STEP, 880, 560 },
  .prepare = esd_grid_prepare,
  .draw = esd_draw,
  .free = esd_free,
  .query = esd_query,
  .pick_panel = esd_pick_panel,
};

static const QksFigureKind esd_heads_kind = {
  .info = { "esd-heads", N_("Spectra of a Layer's Heads"),
            N_("One eigenvalue histogram per head of a layer, on shared axes"),
            QKS_FIGURE_USES_STEP | QKS_FIGURE_USES_LAYER, 880, 560 },
  .prepare = esd_heads_prepare,
  .draw = esd_draw,
  .free = esd_free,
  .query = esd_query,
};

/* weightwatcher's power-law tail */

typedef struct
{
  char              *title;
  double            *eigenvalues;
  QksPlotWwTailData  data;
} TailFigure;

static void
tail_free (gpointer data)
{
  TailFigure *figure = data;

  g_free (figure->title);
  g_free (figure->eigenvalues);
  g_free (figure);
}

static gpointer
tail_prepare (const QksFigureSource  *source,
              char                  **title,
              GError                **error)
{
  const QksSpectrumRecord *record;
  g_autofree char *what = NULL;
  TailFigure *figure;
  guint layer;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;
  figure = g_new0 (TailFigure, 1);
  record = find_spectrum (source->snapshot, layer, QKS_WHOLE_LAYER, source->selection->form);
  if (record != NULL && record->rank > 0)
    {
      /* weightwatcher fits s², not s²/N (b.5): its xmin is in those units. */
      figure->eigenvalues = g_new (double, record->rank);
      for (guint i = 0; i < record->rank; i++)
        figure->eigenvalues[i] = record->eigenvalues[i] * record->n_rows;
      figure->data.eigenvalues = figure->eigenvalues;
      figure->data.n_eigenvalues = record->rank;
      figure->data.alpha = find_value (source->snapshot, layer, QKS_WHOLE_LAYER, record->form, "ww_alpha");
      figure->data.xmin = find_value (source->snapshot, layer, QKS_WHOLE_LAYER, record->form, "ww_alpha_xmin");
      figure->data.sigma = find_value (source->snapshot, layer, QKS_WHOLE_LAYER, record->form, "ww_alpha_sigma");
      figure->data.ks_distance = find_value (source->snapshot, layer, QKS_WHOLE_LAYER, record->form, "ww_alpha_ks");
    }
  figure->data.mode = QKS_PLOT_WW_TAIL_CCDF;
  what = g_strdup_printf (_("Power-law tail of layer %u"), layer);
  figure->title = figure_title (source, what);
  figure->data.title = figure->title;
  *title = g_strdup (figure->title);
  return figure;
}

static void
tail_draw (cairo_t            *cr,
           double              width,
           double              height,
           const QksPlotTheme *theme,
           gpointer            data)
{
  TailFigure *figure = data;

  qks_plot_ww_tail_draw (cr, width, height, theme, &figure->data);
}

static char *
tail_query (gpointer            data,
            cairo_t            *cr,
            double              width,
            double              height,
            const QksPlotTheme *theme,
            double              x,
            double              y)
{
  TailFigure *figure = data;

  return qks_plot_ww_tail_query (cr, width, height, theme, &figure->data, x, y);
}

static const QksFigureKind tail_kind = {
  .info = { "ww-tail", N_("Power-Law Tail"),
            N_("The eigenvalues' tail on log–log axes with weightwatcher's fitted power law"),
            QKS_FIGURE_USES_STEP | QKS_FIGURE_USES_LAYER, 560, 440 },
  .prepare = tail_prepare,
  .draw = tail_draw,
  .free = tail_free,
  .query = tail_query,
};

/* Bulk and spike mass over training */

typedef struct
{
  char                *title;
  GArray              *steps;
  GArray              *mass;
  QksPlotBulkMassData  data;
} MassFigure;

static void
mass_free (gpointer data)
{
  MassFigure *figure = data;

  g_free (figure->title);
  g_array_unref (figure->steps);
  g_array_unref (figure->mass);
  g_free (figure);
}

static gpointer
mass_prepare (const QksFigureSource  *source,
              char                  **title,
              GError                **error)
{
  g_autoptr(GArray) series = NULL;
  MassFigure *figure;
  guint layer;

  if (!qks_figure_source_check_layer (source, &layer, error))
    return NULL;
  series = qks_history_get_metric_series (source->histories[0], layer, QKS_WHOLE_LAYER,
                                          source->selection->form, "spike_mass", error);
  if (series == NULL)
    return NULL;

  figure = g_new0 (MassFigure, 1);
  figure->steps = g_array_new (FALSE, FALSE, sizeof (double));
  figure->mass = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < series->len; i++)
    {
      const QksMetricPoint *point = &g_array_index (series, QksMetricPoint, i);
      double step = point->step;

      g_array_append_val (figure->steps, step);
      g_array_append_val (figure->mass, point->value);
    }
  figure->title = g_strdup_printf (_("Bulk and spike mass · layer %u · %s"), layer,
                                   form_label (source->selection->form));
  figure->data.title = figure->title;
  figure->data.steps = (const double *) figure->steps->data;
  figure->data.spike_mass = (const double *) figure->mass->data;
  figure->data.n_steps = figure->steps->len;
  figure->data.x_scale = QKS_PLOT_SCALE_LINEAR;
  *title = g_strdup (figure->title);
  return figure;
}

static void
mass_draw (cairo_t            *cr,
           double              width,
           double              height,
           const QksPlotTheme *theme,
           gpointer            data)
{
  MassFigure *figure = data;

  qks_plot_bulk_mass_draw (cr, width, height, theme, &figure->data);
}

static const QksFigureKind mass_kind = {
  .info = { "bulk-mass", N_("Bulk and Spike Mass"),
            N_("The share of a layer's spectral mass in its spikes, over training"),
            QKS_FIGURE_USES_LAYER, 640, 400 },
  .prepare = mass_prepare,
  .draw = mass_draw,
  .free = mass_free,
};

const QksFigureKind * const qks_figure_kinds_spectra[] = {
  &esd_grid_kind,
  &esd_heads_kind,
  &esd_kind,
  &tail_kind,
  &mass_kind,
  NULL,
};
