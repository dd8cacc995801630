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

#include "qks-runtime.h"

#include "qks-blas.h"
#include "qks-diag.h"
#include "qks-model.h"
#include "qks-recorder.h"

#include <glib/gstdio.h>

static int threads = 1;
static gboolean share_only = FALSE;

static const GOptionEntry entries[] = {
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "BLAS threads (default 1)", "N" },
  { "share-only", 0, 0, G_OPTION_ARG_NONE, &share_only, "Only the share of training time", NULL },
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

static double
train_seconds (const char *preset,
               guint       steps,
               gboolean    record)
{
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(QksTrainer) trainer = NULL;
  g_autoptr(QksRecorder) recorder = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qks-bench-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.qkrun", NULL);
  QksDiagOptions options;
  gint64 start;
  double seconds;

  qks_train_config_init_defaults (&config);
  qks_model_config_init_preset (&config.model, preset, NULL);
  config.steps = steps;
  config.optim.total_steps = steps;
  config.eval_every = 0;
  config.corpus_bytes = 1024 * 1024;
  trainer = qks_trainer_new (&config, NULL);
  if (record)
    {
      qks_diag_options_init (&options);
      recorder = qks_recorder_new (path, &config, &options, TRUE, NULL);
      qks_recorder_attach (recorder, trainer);
    }

  start = g_get_monotonic_time ();
  qks_trainer_run (trainer, NULL);
  if (recorder != NULL)
    {
      double trained = (g_get_monotonic_time () - start) / 1e6;

      qks_recorder_finish (recorder, NULL);
      g_print ("  (training %.1f s, then %.1f s to finish the diagnostics; %.1f s of them in all)\n",
               trained, (g_get_monotonic_time () - start) / 1e6 - trained,
               qks_recorder_get_diag_seconds (recorder));
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  g_remove (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (dir);
  return seconds;
}

/* The wall time a run takes with its diagnostics (default cadence, the
 * Monte-Carlo null included) against the same run without. */
static void
share_of_training (const char *preset,
                   guint       steps)
{
  double without, with;

  /* Training as users run it: every core (the trainer sets its threads). */
  without = train_seconds (preset, steps, FALSE);
  with = train_seconds (preset, steps, TRUE);
  g_print ("%s, %u steps: %.1f s without diagnostics, %.1f s with (every 50 steps, log-spaced "
           "early): %+.1f %%\n", preset, steps, without, with, 100 * (with - without) / without);
  g_print ("{\"bench\": \"diag-share\", \"preset\": \"%s\", \"steps\": %u, \"without_s\": %.2f, "
           "\"with_s\": %.2f}\n", preset, steps, without, with);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  QksModelConfig config;

  qks_runtime_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, NULL))
    return 2;
  qks_blas_set_num_threads (threads);
  if (share_only)
    {
      share_of_training ("tiny", 1000);
      return 0;
    }

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

  share_of_training ("tiny", 1000);
  return 0;
}
