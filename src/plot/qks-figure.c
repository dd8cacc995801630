/* qks-figure.c: a named figure of a run's history, ready to draw or export
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "qks-figure-private.h"

struct _QksFigure
{
  gatomicrefcount      ref_count;
  const QksFigureKind *kind;
  gpointer             data;
  char                *title;
  char                *description;
  guint                step;
};

G_DEFINE_QUARK (qks-figure-error-quark, qks_figure_error)

static const QksFigureKind * const * const families[] = {
  qks_figure_kinds_spectra,
  qks_figure_kinds_heads,
  qks_figure_kinds_series,
};

static GArray *
build_list (void)
{
  GArray *list = g_array_new (FALSE, FALSE, sizeof (QksFigureInfo));

  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (guint i = 0; families[f][i] != NULL; i++)
      g_array_append_val (list, families[f][i]->info);
  return list;
}

const QksFigureInfo *
qks_figure_list (guint *n_figures)
{
  static gsize once;  /* a GArray *, built on the first call */
  GArray *list;

  if (g_once_init_enter (&once))
    g_once_init_leave (&once, (gsize) build_list ());
  list = (GArray *) once;
  if (n_figures != NULL)
    *n_figures = list->len;
  return (const QksFigureInfo *) list->data;
}

static const QksFigureKind *
find_kind (const char *name)
{
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (guint i = 0; families[f][i] != NULL; i++)
      if (g_strcmp0 (families[f][i]->info.name, name) == 0)
        return families[f][i];
  return NULL;
}

const QksFigureInfo *
qks_figure_lookup (const char *name)
{
  const QksFigureKind *kind = find_kind (name);

  return kind != NULL ? &kind->info : NULL;
}

void
qks_figure_selection_init (QksFigureSelection *selection)
{
  *selection = (QksFigureSelection) {
    .step = G_MAXUINT,
    .layer = -1,
    .head = -1,
    .form = QKS_FORM_QK,
    .subspace = 'q',
    .pair_i = -1,
    .pair_j = -1,
    .x_scale = QKS_PLOT_SCALE_LINEAR,
    .metric = NULL,
  };
}

gboolean
qks_figure_source_check_layer (const QksFigureSource  *source,
                               guint                  *layer,
                               GError                **error)
{
  guint n_layers = qks_history_get_n_layers (source->histories[0]);
  int wanted = source->selection->layer;

  if (wanted < 0)
    {
      *layer = 0;
      return TRUE;
    }
  if (n_layers > 0 && (guint) wanted >= n_layers)
    {
      g_set_error (error, QKS_FIGURE_ERROR, QKS_FIGURE_ERROR_SELECTION,
                   _("There is no layer %d: the run has layers 0 to %u"),
                   wanted, n_layers - 1);
      return FALSE;
    }
  *layer = (guint) wanted;
  return TRUE;
}

char *
qks_figure_source_describe_run (const QksFigureSource *source)
{
  QksHistory *history = source->histories[0];
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, _("Run: %s"), qks_history_get_name (history));
  if (qks_history_has_config (history))
    {
      const QksModelConfig *model = &qks_history_get_config (history)->model;
      g_autofree char *shape = qks_model_config_describe (model);

      g_string_append_printf (text, "\n%s %s", _("Model:"), shape);
    }
  return g_string_free (text, FALSE);
}

/* The conventions every spectral number depends on (SCIENCE.md f.3),
 * as the snapshot's spectra record them. */
static void
append_conventions (GString     *text,
                    QksSnapshot *snapshot)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (snapshot == NULL)
    return;
  for (guint i = 0; i < snapshot->spectra->len; i++)
    {
      const QksSpectrumRecord *record = snapshot->spectra->pdata[i];
      g_autofree char *line = g_strdup_printf (_("Null: %s · estimator: %s · threshold: %s"),
                                               record->null_law != NULL ? record->null_law : "—",
                                               record->estimator != NULL ? record->estimator : "—",
                                               record->threshold != NULL ? record->threshold : "—");

      if (!g_hash_table_contains (seen, line))
        {
          g_string_append_printf (text, "\n%s", line);
          g_hash_table_add (seen, g_steal_pointer (&line));
        }
    }
}

static char *
describe (const QksFigureSource *source,
          const QksFigureKind   *kind,
          gboolean               has_snapshot)
{
  g_autofree char *run = qks_figure_source_describe_run (source);
  GString *text = g_string_new (run);

  g_string_append_printf (text, "\n%s %s", _("Figure:"), kind->info.name);
  if (has_snapshot)
    g_string_append_printf (text, "\n%s %u", _("Step:"), source->step);
  else if (qks_history_get_n_steps (source->histories[0]) > 0)
    g_string_append_printf (text, "\n%s %u", _("Steps up to:"), source->step);
  for (guint i = 1; i < source->n_histories; i++)
    g_string_append_printf (text, "\n%s %s", _("Compared with:"),
                            qks_history_get_name (source->histories[i]));
  append_conventions (text, source->snapshot);
  return g_string_free (text, FALSE);
}

static guint
last_step (QksHistory *history)
{
  guint n = qks_history_get_n_steps (history);
  GArray *snapshot_steps = qks_history_get_snapshot_steps (history);
  guint step = n > 0 ? qks_history_get_steps (history)[n - 1].step : 0;

  if (snapshot_steps->len > 0)
    step = MAX (step, g_array_index (snapshot_steps, guint, snapshot_steps->len - 1));
  return step;
}

QksFigure *
qks_figure_new (const char                *name,
                QksHistory * const        *histories,
                guint                      n_histories,
                const QksFigureSelection  *selection,
                GError                   **error)
{
  const QksFigureKind *kind = find_kind (name);
  QksFigureSelection default_selection;
  QksFigureSource source = { 0 };
  g_autoptr(QksSnapshot) owned = NULL;
  g_autofree char *title = NULL;
  QksFigure *self;
  gpointer data;

  g_return_val_if_fail (n_histories > 0 && histories != NULL, NULL);

  if (kind == NULL)
    {
      g_set_error (error, QKS_FIGURE_ERROR, QKS_FIGURE_ERROR_UNKNOWN,
                   _("There is no figure called “%s”"), name);
      return NULL;
    }
  if (selection == NULL)
    {
      qks_figure_selection_init (&default_selection);
      selection = &default_selection;
    }

  source.histories = histories;
  source.n_histories = n_histories;
  source.selection = selection;
  source.step = selection->step != G_MAXUINT ? selection->step : last_step (histories[0]);

  if (kind->info.uses & QKS_FIGURE_USES_STEP)
    {
      guint step = qks_history_find_snapshot_step (histories[0], selection->step);

      if (step != G_MAXUINT)
        {
          source.snapshot = qks_history_get_snapshot (histories[0], step, error);
          if (source.snapshot == NULL)
            return NULL;
          source.step = step;
        }
    }

  data = kind->prepare (&source, &title, error);
  if (data == NULL)
    return NULL;

  self = g_new0 (QksFigure, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->data = data;
  self->step = source.step;
  self->title = title != NULL ? g_steal_pointer (&title) : g_strdup (kind->info.title);
  self->description = describe (&source, kind, source.snapshot != NULL);
  return self;
}

QksFigure *
qks_figure_ref (QksFigure *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
qks_figure_unref (QksFigure *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  self->kind->free (self->data);
  g_free (self->title);
  g_free (self->description);
  g_free (self);
}

const QksFigureInfo *
qks_figure_get_info (QksFigure *self)
{
  return &self->kind->info;
}

guint
qks_figure_get_step (QksFigure *self)
{
  return self->step;
}

const char *
qks_figure_get_title (QksFigure *self)
{
  return self->title;
}

const char *
qks_figure_get_description (QksFigure *self)
{
  return self->description;
}

void
qks_figure_draw (QksFigure          *self,
                 cairo_t            *cr,
                 double              width,
                 double              height,
                 const QksPlotTheme *theme)
{
  self->kind->draw (cr, width, height, theme, self->data);
}

/**
 * qks_figure_query:
 * @cr: a context to measure text with (the layout depends on it)
 *
 * Returns: (transfer full) (nullable): the exact values under (@x, @y) of a
 *   drawing @width × @height, as text for a tooltip
 */
char *
qks_figure_query (QksFigure          *self,
                  cairo_t            *cr,
                  double              width,
                  double              height,
                  const QksPlotTheme *theme,
                  double              x,
                  double              y)
{
  if (self->kind->query == NULL)
    return NULL;
  return self->kind->query (self->data, cr, width, height, theme, x, y);
}

/**
 * qks_figure_pick_panel:
 *
 * Returns: the panel of a figure of small multiples under (@x, @y) — in
 *   "esd-grid" the layer's index — or -1 where there is none
 */
int
qks_figure_pick_panel (QksFigure          *self,
                       cairo_t            *cr,
                       double              width,
                       double              height,
                       const QksPlotTheme *theme,
                       double              x,
                       double              y)
{
  if (self->kind->pick_panel == NULL)
    return -1;
  return self->kind->pick_panel (self->data, cr, width, height, theme, x, y);
}

typedef struct
{
  QksFigure    *figure;
  QksPlotTheme  theme;
} ExportClosure;

static void
draw_for_export (cairo_t  *cr,
                 double    width,
                 double    height,
                 gpointer  user_data)
{
  ExportClosure *closure = user_data;

  qks_figure_draw (closure->figure, cr, width, height, &closure->theme);
}

static void
init_export (QksFigure     *self,
             ExportClosure *closure,
             QksPlotExportOptions *options,
             double         scale)
{
  /* A file goes into papers and slides: always the light theme. */
  closure->figure = self;
  qks_plot_theme_init_light (&closure->theme);
  options->title = self->title;
  options->description = self->description;
  options->scale = scale;
}

gboolean
qks_figure_export (QksFigure   *self,
                   const char  *path,
                   double       width,
                   double       height,
                   double       scale,
                   GError     **error)
{
  ExportClosure closure;
  QksPlotExportOptions options;

  init_export (self, &closure, &options, scale);
  return qks_plot_export (path,
                          width > 0 ? width : self->kind->info.width,
                          height > 0 ? height : self->kind->info.height,
                          draw_for_export, &closure, &options, error);
}

GBytes *
qks_figure_export_to_bytes (QksFigure     *self,
                            QksPlotFormat  format,
                            double         width,
                            double         height,
                            double         scale,
                            GError       **error)
{
  ExportClosure closure;
  QksPlotExportOptions options;

  init_export (self, &closure, &options, scale);
  return qks_plot_export_to_bytes (format,
                                   width > 0 ? width : self->kind->info.width,
                                   height > 0 ? height : self->kind->info.height,
                                   draw_for_export, &closure, &options, error);
}
