/* qks-cli-eval.c: `qkscope-cli eval`, a checkpoint's loss on a text file
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qks-checkpoint.h"
#include "qks-cli.h"

/* The file is cut into consecutive windows of T + 1 bytes that overlap by
 * one byte, so every byte after the first is predicted exactly once, from
 * the bytes before it in its window. */
static gboolean
evaluate_file (QksModel     *model,
               const guint8 *bytes,
               gsize         n_bytes,
               guint         batch,
               double       *nats,
               gsize        *n_predicted,
               GError      **error)
{
  guint T = qks_model_get_config (model)->seq_len;
  gsize n_full = (n_bytes - 1) / T, rest = (n_bytes - 1) % T;
  g_autofree int *inputs = g_new (int, (gsize) batch * T);
  g_autofree int *targets = g_new (int, (gsize) batch * T);
  double total = 0.0;

  if (n_full > 0 && !qks_model_reserve (model, (guint) MIN (batch, n_full), T, error))
    return FALSE;
  for (gsize first = 0; first < n_full; first += batch)
    {
      guint rows = (guint) MIN (batch, n_full - first);

      if (!qks_model_reserve (model, rows, T, error))
        return FALSE;
      for (guint b = 0; b < rows; b++)
        for (guint t = 0; t < T; t++)
          {
            gsize at = (first + b) * T + t;

            inputs[b * T + t] = bytes[at];
            targets[b * T + t] = bytes[at + 1];
          }
      total += qks_model_forward (model, inputs, targets, rows, T) * rows * T;
    }

  if (rest > 0)
    {
      gsize start = n_full * T;

      if (!qks_model_reserve (model, 1, (guint) rest, error))
        return FALSE;
      for (gsize t = 0; t < rest; t++)
        {
          inputs[t] = bytes[start + t];
          targets[t] = bytes[start + t + 1];
        }
      total += qks_model_forward (model, inputs, targets, 1, (guint) rest) * rest;
    }

  *nats = total;
  *n_predicted = n_bytes - 1;
  return TRUE;
}

int
qks_cli_eval_run (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QksModel) model = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *text = NULL;
  gboolean as_json = FALSE;
  int batch = 8, status;
  double nats, mean;
  gsize n_predicted;
  guint step;
  const GOptionEntry entries[] = {
    { "text", 0, 0, G_OPTION_ARG_FILENAME, &text, N_("The file to measure the loss on (required)"), N_("FILE") },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Windows per batch (default 8)"), "B" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print the result as JSON"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("CHECKPOINT"));
  g_option_context_set_summary (context, _("Print the mean cross-entropy (nats per byte) and the "
                                           "perplexity of a checkpoint on a file. CHECKPOINT is a "
                                           "folder written by “train” or its model.safetensors."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = qks_cli_parse_options (context, "eval", &argc, &argv)) != QKS_CLI_EXIT_OK)
    return status;
  if (argc < 2)
    return qks_cli_usage_error ("eval", _("Name the checkpoint to evaluate"));
  if (argc > 2)
    return qks_cli_usage_error ("eval", _("Unexpected argument “%s”"), argv[2]);
  if (text == NULL)
    return qks_cli_usage_error ("eval", _("Name the text file with --text FILE"));
  if (batch < 1 || batch > 4096)
    return qks_cli_usage_error ("eval", _("The batch must be between 1 and 4096"));

  if ((model = qks_checkpoint_load_model (argv[1], &step, &error)) == NULL)
    return qks_cli_failure ("eval", error);
  if ((mapped = g_mapped_file_new (text, FALSE, &error)) == NULL)
    return qks_cli_failure ("eval", error);
  if (g_mapped_file_get_length (mapped) < 2)
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("“%s” holds fewer than two bytes: there is nothing to predict"), text);
      return qks_cli_failure ("eval", error);
    }

  if (!evaluate_file (model, (const guint8 *) g_mapped_file_get_contents (mapped),
                      g_mapped_file_get_length (mapped), (guint) batch, &nats, &n_predicted, &error))
    return qks_cli_failure ("eval", error);
  mean = nats / (double) n_predicted;

  if (as_json)
    g_print ("{\"nats_per_byte\": %.6f, \"bits_per_byte\": %.6f, \"perplexity\": %.6f, "
             "\"bytes\": %zu, \"step\": %u}\n", mean, mean / G_LN2, exp (mean), n_predicted, step);
  else
    {
      g_print (_("Cross-entropy  %.4f nats per byte (%.4f bits per byte)\n"), mean, mean / G_LN2);
      g_print (_("Perplexity     %.3f\n"), exp (mean));
      g_print (_("Bytes          %zu predicted, checkpoint at step %u\n"), n_predicted, step);
    }
  return QKS_CLI_EXIT_OK;
}
