/* bench-train.c: training throughput of the engine, tokens/s and model FLOP/s
 *
 * Usage: bench-train [--threads N] [--steps N] [--json] PRESET VARIANT...
 *
 * One step is a forward pass, a backward pass and an AdamW update on a
 * batch of 8 random sequences, as in training. FLOPs are the matrix
 * products' (qks_model_forward_flops), three times the forward's per step.
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-runtime.h"

#include <stdio.h>
#include <stdlib.h>

#include "qks-blas.h"
#include "qks-model.h"
#include "qks-optim.h"
#include "qks-parallel.h"
#include "qks-rng.h"

#define BATCH 8

static int threads = 0;
static int steps = 0;
static gboolean as_json = FALSE;

static const GOptionEntry entries[] = {
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default: one per core)", "N" },
  { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Timed steps (default: by preset)", "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "One JSON line per result", NULL },
  { NULL }
};

static void
bench_one (const char  *preset,
           QksAttnKind  kind)
{
  QksModelConfig config;
  QksOptimConfig optim;
  g_autoptr(QksModel) model = NULL;
  g_autoptr(QksOptimizer) optimizer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree int *inputs = NULL;
  g_autofree int *targets = NULL;
  QksRng rng;
  guint T, n_steps;
  gint64 start = 0;
  double seconds, tokens_per_second, flops_per_second, loss = 0;

  if (!qks_model_config_init_preset (&config, preset, &error))
    g_error ("%s", error->message);
  qks_model_config_set_attention (&config, kind);
  T = config.seq_len;
  n_steps = steps > 0 ? (guint) steps : (T <= 128 ? 20 : 5);

  model = qks_model_new (&config, &error);
  if (model == NULL || !qks_model_reserve (model, BATCH, T, &error))
    g_error ("%s", error->message);
  qks_model_init_weights (model, 1);
  qks_optim_config_init_defaults (&optim, 1000);
  optimizer = qks_optimizer_new (&optim, qks_model_get_layout (model));

  inputs = g_new (int, BATCH * T);
  targets = g_new (int, BATCH * T);
  qks_rng_init (&rng, 2);
  for (guint i = 0; i < BATCH * T; i++)
    {
      inputs[i] = (int) qks_rng_uniform_int (&rng, 256);
      targets[i] = (int) qks_rng_uniform_int (&rng, 256);
    }

  for (guint s = 0; s < n_steps + 2; s++)
    {
      /* Two untimed steps warm up caches and OpenBLAS's threads. */
      if (s == 2)
        start = g_get_monotonic_time ();
      qks_model_zero_grad (model);
      loss = qks_model_forward (model, inputs, targets, BATCH, T);
      qks_model_backward (model);
      qks_optimizer_update (optimizer, qks_model_get_params (model), qks_model_get_grads (model), NULL);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;

  tokens_per_second = (double) n_steps * BATCH * T / seconds;
  flops_per_second = 3.0 * qks_model_forward_flops (&config, T) * BATCH * n_steps / seconds;

  if (as_json)
    g_print ("{\"bench\": \"train\", \"preset\": \"%s\", \"variant\": \"%s\", \"threads\": %d, "
             "\"tokens_per_second\": %.1f, \"gflops\": %.2f, \"step_ms\": %.2f, \"params\": %zu}\n",
             preset, qks_attn_kind_to_string (kind), qks_parallel_get_threads (),
             tokens_per_second, flops_per_second / 1e9, seconds * 1e3 / n_steps,
             qks_model_get_n_params (model));
  else
    g_print ("%-6s %-14s %d thr  %9.0f tok/s  %6.1f GFLOP/s  %7.1f ms/step  (loss %.3f)\n",
             preset, qks_attn_kind_get_label (kind), qks_parallel_get_threads (),
             tokens_per_second, flops_per_second / 1e9, seconds * 1e3 / n_steps, loss);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("PRESET VARIANT…");
  g_autoptr(GError) error = NULL;

  qks_runtime_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 3)
    {
      g_printerr ("%s\n", error ? error->message : "usage: bench-train PRESET VARIANT…");
      return 2;
    }
  /* As the trainer runs: its own threads, OpenBLAS on each share. */
  qks_parallel_set_threads (threads > 0 ? (guint) threads : 0);
  qks_blas_set_num_threads (1);

  for (int i = 2; i < argc; i++)
    {
      QksAttnKind kind;

      if (!qks_attn_kind_from_string (argv[i], &kind, &error))
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }
      bench_one (argv[1], kind);
    }
  return 0;
}
