/* qks-cli-analyze.c: `qkscope-cli analyze`, every diagnostic of a checkpoint or a run
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "qks-checkpoint-series.h"
#include "qks-cli.h"
#include "qks-diag.h"
#include "qks-json.h"
#include "qks-run.h"

typedef enum
{
  FORMAT_TEXT,
  FORMAT_JSON,
  FORMAT_CSV,
} OutputFormat;

static const char *
flags_text (QksMetricFlags flags)
{
  if ((flags & QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION) && (flags & QKS_METRIC_FLAG_UNRELIABLE))
    return "shared-by-construction unreliable";
  if (flags & QKS_METRIC_FLAG_SHARED_BY_CONSTRUCTION)
    return "shared-by-construction";
  if (flags & QKS_METRIC_FLAG_UNRELIABLE)
    return "unreliable";
  return "";
}

static void
add_number (JsonBuilder *builder,
            double       value)
{
  /* JSON has no NaN: an undefined value is null. */
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
snapshot_to_json (JsonBuilder       *builder,
                  const QksSnapshot *snapshot)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "step");
  json_builder_add_int_value (builder, snapshot->step);

  json_builder_set_member_name (builder, "metrics");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->metrics->len; i++)
    {
      const QksMetricRow *row = &g_array_index (snapshot->metrics, QksMetricRow, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "layer");
      json_builder_add_int_value (builder, row->layer);
      json_builder_set_member_name (builder, "head");
      json_builder_add_int_value (builder, row->head);
      json_builder_set_member_name (builder, "form");
      json_builder_add_string_value (builder, qks_form_kind_to_string (row->form));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, row->name);
      json_builder_set_member_name (builder, "value");
      add_number (builder, row->value);
      if (row->flags != QKS_METRIC_FLAG_NONE)
        {
          json_builder_set_member_name (builder, "flags");
          json_builder_add_string_value (builder, flags_text (row->flags));
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "fits");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->spectra->len; i++)
    {
      const QksSpectrumRecord *record = snapshot->spectra->pdata[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "layer");
      json_builder_add_int_value (builder, record->layer);
      json_builder_set_member_name (builder, "head");
      json_builder_add_int_value (builder, record->head);
      json_builder_set_member_name (builder, "form");
      json_builder_add_string_value (builder, qks_form_kind_to_string (record->form));
      json_builder_set_member_name (builder, "shape");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, record->n_rows);
      json_builder_add_int_value (builder, record->n_cols);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "rank");
      json_builder_add_int_value (builder, record->rank);
      json_builder_set_member_name (builder, "null");
      json_builder_add_string_value (builder, record->null_law ? record->null_law : "");
      json_builder_set_member_name (builder, "estimator");
      json_builder_add_string_value (builder, record->estimator ? record->estimator : "");
      json_builder_set_member_name (builder, "threshold");
      json_builder_add_string_value (builder, record->threshold ? record->threshold : "");
      json_builder_set_member_name (builder, "null_chain");
      json_builder_begin_array (builder);
      for (guint c = 0; c < record->chain_length; c++)
        json_builder_add_int_value (builder, record->chain[c]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "events");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->events->len; i++)
    {
      const QksEventRecord *event = snapshot->events->pdata[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "layer");
      json_builder_add_int_value (builder, event->layer);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, event->kind);
      json_builder_set_member_name (builder, "detail");
      json_builder_add_string_value (builder, event->detail);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
print_csv (const QksSnapshot *snapshot)
{
  for (guint i = 0; i < snapshot->metrics->len; i++)
    {
      const QksMetricRow *row = &g_array_index (snapshot->metrics, QksMetricRow, i);
      char value[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (value, sizeof value, "%.10g", row->value);
      printf ("%u,%u,%d,%s,%s,%s,%s\n", snapshot->step, row->layer, row->head,
              qks_form_kind_to_string (row->form), row->name, isfinite (row->value) ? value : "",
              flags_text (row->flags));
    }
}

/* The conventions shared by the fits of a snapshot, one line per distinct one. */
static void
print_conventions (const QksSnapshot *snapshot)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < snapshot->spectra->len; i++)
    {
      const QksSpectrumRecord *record = snapshot->spectra->pdata[i];
      g_autofree char *line = g_strdup_printf ("%-10s null %s, σ² estimator %s, spike threshold %s",
                                               qks_form_kind_to_string (record->form),
                                               record->null_law, record->estimator, record->threshold);

      if (g_hash_table_add (seen, g_strdup (line)))
        printf ("  %s\n", line);
    }
}

static void
print_text (const QksSnapshot *snapshot)
{
  guint n_layers = 0;

  for (guint i = 0; i < snapshot->metrics->len; i++)
    n_layers = MAX (n_layers, g_array_index (snapshot->metrics, QksMetricRow, i).layer + 1);

  printf (_("Step %u\n"), snapshot->step);
  printf (_("Conventions (spike counts under the null named; n_spikes_mp is plain MP, E2, TW-J 99 %%):\n"));
  print_conventions (snapshot);

  for (guint layer = 0; layer < n_layers; layer++)
    {
      int last_head = G_MININT;
      QksFormKind last_form = QKS_FORM_N_KINDS;

      printf (_("\nLayer %u\n"), layer);
      for (guint i = 0; i < snapshot->metrics->len; i++)
        {
          const QksMetricRow *row = &g_array_index (snapshot->metrics, QksMetricRow, i);
          char value[G_ASCII_DTOSTR_BUF_SIZE];

          if (row->layer != layer)
            continue;
          if (row->head != last_head || row->form != last_form)
            {
              if (row->head == QKS_WHOLE_LAYER)
                printf ("  %s, whole layer:\n", qks_form_kind_to_string (row->form));
              else
                printf ("  %s, head %d:\n", qks_form_kind_to_string (row->form), row->head);
              last_head = row->head;
              last_form = row->form;
            }
          g_ascii_formatd (value, sizeof value, "%.6g", row->value);
          if (row->flags != QKS_METRIC_FLAG_NONE)
            printf ("    %-28s %s  (%s)\n", row->name, isfinite (row->value) ? value : "—",
                    flags_text (row->flags));
          else
            printf ("    %-28s %s\n", row->name, isfinite (row->value) ? value : "—");
        }
      for (guint i = 0; i < snapshot->events->len; i++)
        {
          const QksEventRecord *event = snapshot->events->pdata[i];

          if (event->layer == layer)
            printf ("  %s: %s\n", event->kind, event->detail);
        }
    }
}

/* On a terminal, where a large model's layers take a while, say how far
 * the analysis is; never into a pipe or a log. */
static void
show_progress (double      fraction,
               const char *message,
               gpointer    user_data)
{
  fprintf (stderr, "\r\033[K%3.0f %% %s", 100 * fraction, message);
  if (fraction >= 1.0)
    fprintf (stderr, "\r\033[K");
  fflush (stderr);
}

/* Another program's checkpoint or QK Scope's own (a .safetensors file, a
 * model folder, or a sharded one), a layer at a time. */
static QksSnapshot *
analyze_checkpoint (QksDiagContext  *context,
                    const char      *path,
                    gboolean         step_known,
                    guint            step,
                    GError         **error)
{
  g_autoptr(QksAdapter) adapter = qks_adapter_open (path, error);
  g_autofree char *name = g_path_get_basename (path);

  if (adapter == NULL)
    return NULL;
  /* The file's own record first (QK Scope's), then its name (checkpoint-N). */
  if (!step_known && !qks_adapter_get_step (adapter, &step) &&
      !qks_checkpoint_step_from_name (name, &step))
    step = 0;
  return qks_checkpoint_analyze (context, adapter, step, isatty (fileno (stderr)) ? show_progress : NULL,
                                 NULL, NULL, error);
}

int
qks_cli_analyze_run (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_snapshot_free);
  g_autofree char *null_law = NULL;
  g_autofree char *source = NULL;
  gboolean as_json = FALSE, as_csv = FALSE;
  gint64 step = -1;
  int mc_draws = -1, status;
  QksDiagOptions options;
  const GOptionEntry entries[] = {
    { "step", 0, 0, G_OPTION_ARG_INT64, &step, N_("Only this step of a run or of a folder of checkpoints (default: every step)"), N_("STEP") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &as_csv, N_("Print CSV: step, layer, head, form, metric, value, flags"), NULL },
    { "null", 0, 0, G_OPTION_ARG_STRING, &null_law, N_("For checkpoints: the null of the spike counts, matched (default), chain or mp"), N_("LAW") },
    { "mc-draws", 0, 0, G_OPTION_ARG_INT, &mc_draws, N_("For QK Scope checkpoints: layers simulated for the Monte-Carlo null (default 200)"), "N" },
    { NULL }
  };

  context = g_option_context_new (_("CHECKPOINT|FOLDER|RUN.qkrun"));
  g_option_context_set_summary (context, _("Print every diagnostic per layer and head — spectra fits, spike "
                                           "counts, ranks, weightwatcher metrics, head diversity — with the "
                                           "conventions (null, estimator, threshold) that produced them.\n\n"
                                           "A .qkrun gives what was recorded during training. A checkpoint is "
                                           "analysed now, a layer at a time: a .safetensors file, or a model "
                                           "folder (config.json with model.safetensors, or the shards that "
                                           "model.safetensors.index.json lists), written by “train” or by "
                                           "PyTorch / Hugging Face in the GPT-2, LLaMA/Mistral/Qwen2 or "
                                           "DeepSeek MLA layouts, in F32, F16, BF16 or F64. A folder of "
                                           "checkpoints named by step (checkpoint-100/, step-100.safetensors, "
                                           "NAME-step-100) gives one snapshot per step, in step order.\n\n"
                                           "Other programs' weights are tested against the analytic chain "
                                           "law of their shapes (there is no variant to simulate)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = qks_cli_parse_options (context, "analyze", &argc, &argv)) != QKS_CLI_EXIT_OK)
    return status;
  if (argc < 2)
    return qks_cli_usage_error ("analyze", _("Name the checkpoint, folder of checkpoints or run to analyse"));
  if (argc > 2)
    return qks_cli_usage_error ("analyze", _("Unexpected argument “%s”"), argv[2]);
  if (as_json && as_csv)
    return qks_cli_usage_error ("analyze", _("Choose one of --json and --csv"));
  if (mc_draws == 0 || mc_draws > 100000)
    return qks_cli_usage_error ("analyze", _("The number of draws must be between 1 and 100000"));

  qks_diag_options_init (&options);
  if (null_law != NULL && !qks_diag_null_from_string (null_law, &options.null_law))
    return qks_cli_usage_error ("analyze", _("Unknown null “%s” (known: matched, chain, mp)"), null_law);
  if (mc_draws > 0)
    options.mc_draws = (guint) mc_draws;
  source = g_strdup (argv[1]);

  if (g_str_has_suffix (source, ".qkrun"))
    {
      g_autoptr(QksRunReader) reader = qks_run_reader_open (source, &error);
      g_autoptr(GArray) steps = NULL;

      if (reader == NULL || (steps = qks_run_reader_list_snapshot_steps (reader, &error)) == NULL)
        return qks_cli_failure ("analyze", error);
      for (guint i = 0; i < steps->len; i++)
        {
          guint s = g_array_index (steps, guint, i);
          QksSnapshot *snapshot;

          if (step >= 0 && s != (guint64) step)
            continue;
          if ((snapshot = qks_run_reader_load_snapshot (reader, s, &error)) == NULL)
            return qks_cli_failure ("analyze", error);
          g_ptr_array_add (snapshots, snapshot);
        }
      if (snapshots->len == 0)
        {
          if (step >= 0)
            return qks_cli_usage_error ("analyze", _("“%s” recorded no diagnostics at step %lld"), source, (long long) step);
          g_set_error (&error, QKS_RUN_ERROR, QKS_RUN_ERROR_NOT_FOUND,
                       _("“%s” holds no diagnostic snapshot yet"), source);
          return qks_cli_failure ("analyze", error);
        }
    }
  else if (qks_checkpoint_series_is_series (source))
    {
      g_autoptr(QksDiagContext) diag = qks_diag_context_new (&options);
      g_autoptr(GArray) checkpoints = qks_checkpoint_series_list (source, &error);

      if (checkpoints == NULL)
        return qks_cli_failure ("analyze", error);
      /* In step order with one context, so that rank-collapse events
       * compare each step with the first. */
      for (guint i = 0; i < checkpoints->len; i++)
        {
          const QksCheckpointEntry *entry = &g_array_index (checkpoints, QksCheckpointEntry, i);
          QksSnapshot *snapshot;

          if (step >= 0 && entry->step != (guint64) step)
            continue;
          if ((snapshot = analyze_checkpoint (diag, entry->path, TRUE, entry->step, &error)) == NULL)
            return qks_cli_failure ("analyze", error);
          g_ptr_array_add (snapshots, snapshot);
        }
      if (snapshots->len == 0)
        return qks_cli_usage_error ("analyze", _("“%s” holds no checkpoint of step %lld"), source, (long long) step);
    }
  else
    {
      g_autoptr(QksDiagContext) diag = qks_diag_context_new (&options);
      QksSnapshot *snapshot;

      if (step >= 0)
        return qks_cli_usage_error ("analyze", _("--step chooses a step of a .qkrun run or of a folder of checkpoints"));
      if ((snapshot = analyze_checkpoint (diag, source, FALSE, 0, &error)) == NULL)
        return qks_cli_failure ("analyze", error);
      g_ptr_array_add (snapshots, snapshot);
    }

  if (as_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, source);
      json_builder_set_member_name (builder, "steps");
      json_builder_begin_array (builder);
      for (guint i = 0; i < snapshots->len; i++)
        snapshot_to_json (builder, snapshots->pdata[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = qks_json_to_string (root, FALSE);
      printf ("%s\n", text);
    }
  else if (as_csv)
    {
      printf ("step,layer,head,form,metric,value,flags\n");
      for (guint i = 0; i < snapshots->len; i++)
        print_csv (snapshots->pdata[i]);
    }
  else
    for (guint i = 0; i < snapshots->len; i++)
      {
        if (i > 0)
          printf ("\n");
        print_text (snapshots->pdata[i]);
      }

  return QKS_CLI_EXIT_OK;
}
