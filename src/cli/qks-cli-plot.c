/* qks-cli-plot.c: `qkscope-cli plot`, a run's figures as SVG, PDF or PNG files
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "qks-cli.h"
#include "qks-figure.h"

/* --all writes every format, so that a folder serves a paper (PDF), a web
 * page (SVG) and slides (PNG) alike. */
static const char * const all_formats[] = { "svg", "pdf", "png" };

static void
print_figures (void)
{
  const QksFigureInfo *figures;
  guint n_figures;

  figures = qks_figure_list (&n_figures);
  for (guint i = 0; i < n_figures; i++)
    printf ("%-18s %s\n", figures[i].name, _(figures[i].summary));
}

static gboolean
parse_form (const char  *name,
            QksFormKind *form)
{
  return qks_form_kind_from_string (name, form);
}

static gboolean
write_figure (const char                *name,
              QksHistory                *history,
              const QksFigureSelection  *selection,
              const char                *path,
              double                     width,
              double                     height,
              double                     scale,
              GError                   **error)
{
  g_autoptr(QksFigure) figure = qks_figure_new (name, &history, 1, selection, error);

  return figure != NULL && qks_figure_export (figure, path, width, height, scale, error);
}

/* Every figure of the run at its last step (or --step): per layer for the
 * figures of one layer, per subspace for the angles. */
static int
write_all (QksHistory               *history,
           const QksFigureSelection *base,
           const char               *directory,
           double                    width,
           double                    height,
           double                    scale)
{
  const QksFigureInfo *figures;
  guint n_figures, n_layers = MAX (qks_history_get_n_layers (history), 1), n_written = 0;
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the folder “%s”: %s"), directory, g_strerror (saved_errno));
      return qks_cli_failure ("plot", error);
    }

  figures = qks_figure_list (&n_figures);
  for (guint f = 0; f < n_figures; f++)
    {
      const QksFigureInfo *info = &figures[f];
      gboolean per_layer = (info->uses & QKS_FIGURE_USES_LAYER) != 0 && base->layer < 0;
      const char *subspaces = (info->uses & QKS_FIGURE_USES_SUBSPACE) ? "qkv" : "q";

      for (guint layer = 0; layer < (per_layer ? n_layers : 1); layer++)
        for (const char *s = subspaces; *s != '\0'; s++)
          {
            QksFigureSelection selection = *base;
            g_autoptr(GString) stem = g_string_new (info->name);

            if (per_layer)
              {
                selection.layer = (int) layer;
                g_string_append_printf (stem, "-layer%u", layer);
              }
            if (info->uses & QKS_FIGURE_USES_SUBSPACE)
              {
                selection.subspace = *s;
                g_string_append_printf (stem, "-%c", *s);
              }
            if ((info->uses & QKS_FIGURE_USES_PAIR) && selection.pair_i < 0)
              {
                selection.pair_i = 0;
                selection.pair_j = 1;
              }

            for (guint e = 0; e < G_N_ELEMENTS (all_formats); e++)
              {
                g_autofree char *name = g_strdup_printf ("%s.%s", stem->str, all_formats[e]);
                g_autofree char *path = g_build_filename (directory, name, NULL);

                if (!write_figure (info->name, history, &selection, path, width, height, scale, &error))
                  return qks_cli_failure ("plot", error);
                n_written++;
              }
          }
    }
  printf (g_dngettext (GETTEXT_PACKAGE, "Wrote %u file to %s\n", "Wrote %u files to %s\n", n_written),
          n_written, directory);
  return QKS_CLI_EXIT_OK;
}

int
qks_cli_plot_run (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QksHistory) history = NULL;
  g_autofree char *figure_name = NULL, *output = NULL, *all_dir = NULL;
  g_autofree char *form_name = NULL, *subspace = NULL, *metric = NULL;
  gint64 step = -1;
  int layer = -1, head = -1, status;
  double width = 0, height = 0, scale = 0, dpi = 0;
  gboolean list = FALSE, log_x = FALSE;
  QksFigureSelection selection;
  QksPlotFormat format;
  const QksFigureInfo *info;
  const GOptionEntry entries[] = {
    { "figure", 'f', 0, G_OPTION_ARG_STRING, &figure_name, N_("The figure to draw (see --list)"), N_("NAME") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write it here; .svg, .pdf or .png"), N_("FILE") },
    { "all", 0, 0, G_OPTION_ARG_FILENAME, &all_dir, N_("Write every figure as SVG, PDF and PNG into this folder"), N_("DIR") },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, N_("List the figures and what they show"), NULL },
    { "step", 0, 0, G_OPTION_ARG_INT64, &step, N_("The recorded step to show (default: the last)"), N_("STEP") },
    { "layer", 0, 0, G_OPTION_ARG_INT, &layer, N_("The layer, from 0 (default: 0, or all layers)"), N_("L") },
    { "head", 0, 0, G_OPTION_ARG_INT, &head, N_("The head, from 0 (default: the whole layer)"), N_("H") },
    { "form", 0, 0, G_OPTION_ARG_STRING, &form_name, N_("The matrix of the spectra: qk (default), ov, cross-gram, qk-rope, qk-sum"), N_("FORM") },
    { "subspace", 0, 0, G_OPTION_ARG_STRING, &subspace, N_("The heads' subspaces the angles compare: q (default), k or v"), N_("S") },
    { "metric", 0, 0, G_OPTION_ARG_STRING, &metric, N_("The metric of the rank curves or the spike heatmap"), N_("NAME") },
    { "log-x", 0, 0, G_OPTION_ARG_NONE, &log_x, N_("Eigenvalues on a logarithmic axis"), NULL },
    { "width", 0, 0, G_OPTION_ARG_DOUBLE, &width, N_("Width in pixels at 96 dpi (default: the figure's own)"), N_("W") },
    { "height", 0, 0, G_OPTION_ARG_DOUBLE, &height, N_("Height in pixels at 96 dpi"), N_("H") },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, N_("PNG pixels per unit (default 2)"), N_("S") },
    { "dpi", 0, 0, G_OPTION_ARG_DOUBLE, &dpi, N_("PNG resolution, instead of --scale"), N_("DPI") },
    { NULL }
  };

  context = g_option_context_new (_("RUN.qkrun"));
  g_option_context_set_summary (context, _("Draw a figure of a recorded run — the same drawing the app shows — "
                                           "as SVG, PDF or PNG. An SVG carries the run, the variant, the step "
                                           "and the conventions (null, estimator, threshold) in its <title> "
                                           "and <desc>."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = qks_cli_parse_options (context, "plot", &argc, &argv)) != QKS_CLI_EXIT_OK)
    return status;

  if (list)
    {
      print_figures ();
      return QKS_CLI_EXIT_OK;
    }
  if (argc < 2)
    return qks_cli_usage_error ("plot", _("Name the run to draw"));
  if (argc > 2)
    return qks_cli_usage_error ("plot", _("Unexpected argument “%s”"), argv[2]);
  if ((figure_name == NULL) == (all_dir == NULL))
    return qks_cli_usage_error ("plot", _("Give either --figure NAME with -o FILE, or --all DIR"));
  if (figure_name != NULL && output == NULL)
    return qks_cli_usage_error ("plot", _("--figure needs -o FILE"));
  if (all_dir != NULL && output != NULL)
    return qks_cli_usage_error ("plot", _("--all writes into a folder; -o is for one figure"));
  if (width < 0 || height < 0 || width > 20000 || height > 20000)
    return qks_cli_usage_error ("plot", _("The width and height must be between 1 and 20000"));
  if (scale < 0 || scale > 16 || dpi < 0 || dpi > 1536)
    return qks_cli_usage_error ("plot", _("The scale must be at most 16 (1536 dpi)"));
  if (scale > 0 && dpi > 0)
    return qks_cli_usage_error ("plot", _("Choose one of --scale and --dpi"));
  if (dpi > 0)
    scale = dpi / 96.0;
  if (scale == 0)
    scale = 2.0;

  qks_figure_selection_init (&selection);
  if (step >= 0)
    selection.step = (guint) MIN (step, (gint64) G_MAXUINT - 1);
  selection.layer = layer;
  selection.head = head;
  selection.metric = metric;
  selection.x_scale = log_x ? QKS_PLOT_SCALE_LOG : QKS_PLOT_SCALE_LINEAR;
  if (form_name != NULL && !parse_form (form_name, &selection.form))
    return qks_cli_usage_error ("plot", _("Unknown form “%s” (known: qk, ov, cross-gram, qk-rope, qk-sum)"), form_name);
  if (subspace != NULL)
    {
      if (strlen (subspace) != 1 || strchr ("qkv", subspace[0]) == NULL)
        return qks_cli_usage_error ("plot", _("Unknown subspace “%s” (known: q, k, v)"), subspace);
      selection.subspace = subspace[0];
    }

  if (figure_name != NULL)
    {
      if ((info = qks_figure_lookup (figure_name)) == NULL)
        return qks_cli_usage_error ("plot", _("Unknown figure “%s”; “qkscope-cli plot --list” names them"),
                                    figure_name);
      if (!qks_plot_format_from_path (output, &format, &error))
        return qks_cli_usage_error ("plot", "%s", error->message);
      if ((info->uses & QKS_FIGURE_USES_PAIR) && selection.pair_i < 0)
        {
          selection.pair_i = 0;
          selection.pair_j = 1;
        }
    }

  if ((history = qks_history_open (argv[1], &error)) == NULL)
    return qks_cli_failure ("plot", error);
  if (step >= 0 && qks_history_get_snapshot_steps (history)->len > 0 &&
      qks_history_find_snapshot_step (history, selection.step) > selection.step)
    return qks_cli_usage_error ("plot", _("“%s” recorded no diagnostics at or before step %lld"),
                                argv[1], (long long) step);

  if (all_dir != NULL)
    return write_all (history, &selection, all_dir, width, height, scale);

  if (!write_figure (figure_name, history, &selection, output, width, height, scale, &error))
    return qks_cli_failure ("plot", error);
  return QKS_CLI_EXIT_OK;
}
