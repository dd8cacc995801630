/* qks-cli-train.c: `qkscope-cli train`, a training run from the command line
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "qks-cli.h"
#include "qks-recorder.h"
#include "qks-trainer.h"

typedef struct
{
  gboolean    on_terminal;
  guint       print_every;
  double      last_val_loss;
  guint       last_val_step;
  GMainLoop   *loop;
  QksTrainer  *trainer;
  QksRecorder *recorder;
  double       flops_per_step;
  gboolean     interrupted;
} TrainOutput;

static char *
format_duration (double seconds)
{
  guint s = (guint) MAX (seconds, 0.0);

  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

/* Called on the training thread; stdio locks each call. */
static void
on_progress (const QksTrainProgress *p,
             gpointer                user_data)
{
  TrainOutput *out = user_data;
  g_autofree char *eta = format_duration (p->eta_seconds);
  g_autofree char *val = NULL;

  if (isfinite (p->val_loss))
    {
      out->last_val_loss = p->val_loss;
      out->last_val_step = p->step;
    }
  /* The recorder takes the checkpoints from the trainer itself. */
  if (out->recorder != NULL)
    qks_recorder_add_step (out->recorder, p, out->flops_per_step);
  val = isfinite (out->last_val_loss) ? g_strdup_printf ("  val %.4f", out->last_val_loss) : g_strdup ("");

  if (out->on_terminal)
    {
      const guint width = 24;
      guint filled = (guint) ((double) p->step / p->total_steps * width);
      char bar[32];

      for (guint i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
      bar[width] = '\0';
      fprintf (stderr, "\r\033[K[%s] %u/%u  loss %.4f%s  %.0f tok/s  ETA %s",
               bar, p->step, p->total_steps, p->loss, val, p->tokens_per_second, eta);
      if (p->step == p->total_steps)
        fputc ('\n', stderr);
      fflush (stderr);
    }
  else if (p->step % out->print_every == 0 || p->step == p->total_steps || isfinite (p->val_loss))
    {
      printf ("step %u/%u loss %.4f%s lr %.2e tok/s %.0f eta %s\n",
              p->step, p->total_steps, p->loss,
              isfinite (p->val_loss) ? val : "", p->learning_rate, p->tokens_per_second, eta);
      fflush (stdout);
    }
}

static gboolean
on_interrupt (gpointer user_data)
{
  TrainOutput *out = user_data;

  if (out->on_terminal)
    fputc ('\n', stderr);
  g_printerr (_("Stopping after this step…\n"));
  out->interrupted = TRUE;
  qks_trainer_stop (out->trainer);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_finished (gpointer user_data)
{
  TrainOutput *out = user_data;
  QksTrainerState state = qks_trainer_get_state (out->trainer);

  if (state == QKS_TRAINER_FINISHED || state == QKS_TRAINER_STOPPED || state == QKS_TRAINER_FAILED)
    g_main_loop_quit (out->loop);
  return G_SOURCE_CONTINUE;
}

int
qks_cli_train_run (int    argc,
                   char **argv)
{
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(QksTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *preset = NULL;
  g_autofree char *variant = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *text = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *resume = NULL;
  g_autofree char *mla_mode = NULL;
  g_autofree char *lrkv_init = NULL;
  g_autofree char *description = NULL;
  int d_model = -1, layers = -1, heads = -1, seq_len = -1, groups = -1, latent_kv = -1;
  int latent_q = -1, rope_dim = -1, rank = -1, steps = -1, batch = -1, warmup = -1;
  int eval_every = -1, checkpoint_every = -1, threads = 0, diag_every = -1, mc_draws = -1;
  g_autofree char *null_law = NULL;
  g_autofree char *estimator = NULL;
  g_autofree char *run_path = NULL;
  g_autoptr(QksRecorder) recorder = NULL;
  gboolean resume_run = FALSE;
  QksDiagOptions diag_options;
  double lr = NAN, corpus_mb = NAN, beta1 = NAN, beta2 = NAN, weight_decay = NAN;
  double clip = NAN, min_lr_ratio = NAN;
  gint64 seed = -1;
  TrainOutput out = { 0 };
  guint timeout_id, signal_id;
  int status;
  const GOptionEntry entries[] = {
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, N_("Model size: tiny (d=128, L=4, H=4, T=128) or small (d=256, L=6, H=8, T=256)"), N_("NAME") },
    { "d-model", 0, 0, G_OPTION_ARG_INT, &d_model, N_("Width d (overrides the preset)"), "D" },
    { "layers", 0, 0, G_OPTION_ARG_INT, &layers, N_("Number of layers L"), "L" },
    { "heads", 0, 0, G_OPTION_ARG_INT, &heads, N_("Number of heads H; d_h = d/H"), "H" },
    { "seq-len", 0, 0, G_OPTION_ARG_INT, &seq_len, N_("Sequence length T"), "T" },
    { "variant", 0, 0, G_OPTION_ARG_STRING, &variant, N_("Attention: mha, gqa, mqa, mla-prerope, mla-decoupled, lrkv"), N_("NAME") },
    { "groups", 0, 0, G_OPTION_ARG_INT, &groups, N_("GQA: key/value groups G (default H/4)"), "G" },
    { "latent-kv", 0, 0, G_OPTION_ARG_INT, &latent_kv, N_("MLA: key/value latent width d_c (default d/4)"), "D_C" },
    { "latent-q", 0, 0, G_OPTION_ARG_INT, &latent_q, N_("MLA: query latent width d_c' (default 3d/8)"), "D_C'" },
    { "rope-dim", 0, 0, G_OPTION_ARG_INT, &rope_dim, N_("MLA-Decoupled: RoPE dimension d_h^R (default d_h/2)"), "D_R" },
    { "mla-mode", 0, 0, G_OPTION_ARG_STRING, &mla_mode, N_("MLA-PreRoPE: coupled or rotate-then-compress"), N_("MODE") },
    { "rank", 0, 0, G_OPTION_ARG_INT, &rank, N_("LRKV: rank r of the per-head residuals (default d_h/4)"), "R" },
    { "lrkv-init", 0, 0, G_OPTION_ARG_STRING, &lrkv_init, N_("LRKV: random or zero-b"), N_("INIT") },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, N_("Built-in corpus: grammar, induction, recall, modular"), N_("NAME") },
    { "text", 0, 0, G_OPTION_ARG_FILENAME, &text, N_("Train on the bytes of this file instead"), N_("FILE") },
    { "corpus-mb", 0, 0, G_OPTION_ARG_DOUBLE, &corpus_mb, N_("Size of a built-in corpus in MB (default 4)"), "MB" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, N_("Training steps (default 1000)"), "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Sequences per batch (default 8)"), "B" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Peak learning rate (default 3e-4)"), "LR" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, N_("Warm-up steps (default 100)"), "N" },
    { "min-lr-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &min_lr_ratio, N_("Where the cosine ends, as a fraction of the peak (default 0.1)"), "F" },
    { "beta1", 0, 0, G_OPTION_ARG_DOUBLE, &beta1, N_("AdamW β1 (default 0.9)"), "B1" },
    { "beta2", 0, 0, G_OPTION_ARG_DOUBLE, &beta2, N_("AdamW β2 (default 0.95)"), "B2" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &weight_decay, N_("AdamW weight decay on matrices (default 0.1)"), "W" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &clip, N_("Global gradient-norm clipping (default 1.0; 0: off)"), "C" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "SEED" },
    { "eval-every", 0, 0, G_OPTION_ARG_INT, &eval_every, N_("Validation loss every N steps (default 100; 0: never)"), "N" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &checkpoint_every, N_("Checkpoint every N steps (default: at the end)"), "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, N_("Write checkpoints to this folder, or the run with its diagnostics to this .qkrun file"), N_("DIR|RUN.qkrun") },
    { "diag-every", 0, 0, G_OPTION_ARG_INT, &diag_every, N_("Diagnostics at steps 0, 1, 2, 4, … then every N steps (default 50; 0: none)"), "N" },
    { "null", 0, 0, G_OPTION_ARG_STRING, &null_law, N_("Null of the spike counts: matched (default), chain or mp"), N_("LAW") },
    { "estimator", 0, 0, G_OPTION_ARG_STRING, &estimator, N_("σ² of the MP fit: E1, E2 (default) or E3"), N_("E") },
    { "mc-draws", 0, 0, G_OPTION_ARG_INT, &mc_draws, N_("Layers simulated for the Monte-Carlo null (default 200)"), "N" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume, N_("Resume the run saved in this checkpoint folder, or continue this .qkrun file in place from its latest checkpoint"), N_("DIR|RUN.qkrun") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, N_("BLAS threads (default: all cores)"), "N" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Train a small transformer on the CPU and save it "
                                           "as safetensors or as a .qkrun run. Ctrl+C stops "
                                           "after the current step and saves a checkpoint, "
                                           "from which --resume continues."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = qks_cli_parse_options (context, "train", &argc, &argv)) != QKS_CLI_EXIT_OK)
    return status;
  if (argc > 1)
    return qks_cli_usage_error ("train", _("Unexpected argument “%s”"), argv[1]);

  qks_diag_options_init (&diag_options);
  if (null_law != NULL && !qks_diag_null_from_string (null_law, &diag_options.null_law))
    return qks_cli_usage_error ("train", _("Unknown null “%s” (known: matched, chain, mp)"), null_law);
  if (estimator != NULL && !qks_sigma_estimator_from_string (estimator, &diag_options.estimator))
    return qks_cli_usage_error ("train", _("Unknown estimator “%s” (known: E1, E2, E3)"), estimator);
  if (mc_draws == 0 || mc_draws > 100000 || diag_every < -1)
    return qks_cli_usage_error ("train", _("Counts must be positive"));
  if (mc_draws > 0)
    diag_options.mc_draws = (guint) mc_draws;
  if (out_dir != NULL && g_str_has_suffix (out_dir, ".qkrun"))
    run_path = g_steal_pointer (&out_dir);
  if (resume != NULL && g_str_has_suffix (resume, ".qkrun"))
    {
      if (run_path != NULL || out_dir != NULL)
        return qks_cli_usage_error ("train", _("--resume RUN.qkrun continues the run in its own file; leave out --out"));
      resume_run = TRUE;
    }

  if (resume != NULL)
    {
      if (preset || variant || dataset || text || d_model > 0 || layers > 0 || heads > 0 || seq_len > 0)
        return qks_cli_usage_error ("train", _("--resume continues a saved run; its model and data cannot be changed"));
      if (steps == 0 || steps < -1)
        return qks_cli_usage_error ("train", _("Counts must be positive"));
      if (resume_run)
        trainer = qks_trainer_new_from_run (resume, steps > 0 ? (guint) steps : 0, &error);
      else
        trainer = qks_trainer_new_from_checkpoint (resume, steps > 0 ? (guint) steps : 0,
                                                   out_dir ? out_dir : resume, &error);
      if (trainer == NULL)
        return qks_cli_failure ("train", error);
      if (resume_run)
        run_path = g_strdup (resume);
    }
  else
    {
      qks_train_config_init_defaults (&config);

      if (!qks_model_config_init_preset (&config.model, preset ? preset : "tiny", &error))
        return qks_cli_usage_error ("train", "%s", error->message);
      if (d_model == 0 || layers == 0 || heads == 0 || seq_len == 0)
        return qks_cli_usage_error ("train", _("Sizes must be positive"));
      if (d_model > 0 || layers > 0 || heads > 0 || seq_len > 0)
        {
          QksModelConfig base = config.model;

          if (!qks_model_config_init_sizes (&config.model,
                                            d_model > 0 ? (guint) d_model : base.d_model,
                                            layers > 0 ? (guint) layers : base.n_layers,
                                            heads > 0 ? (guint) heads : base.n_heads,
                                            seq_len > 0 ? (guint) seq_len : base.seq_len, &error))
            return qks_cli_usage_error ("train", "%s", error->message);
        }

      if (variant != NULL)
        {
          QksAttnKind kind;

          if (!qks_attn_kind_from_string (variant, &kind, &error))
            return qks_cli_usage_error ("train", "%s", error->message);
          qks_model_config_set_attention (&config.model, kind);
        }
      if (groups >= 0)
        config.model.n_kv_groups = (guint) groups;
      if (latent_kv >= 0)
        config.model.d_latent_kv = (guint) latent_kv;
      if (latent_q >= 0)
        config.model.d_latent_q = (guint) latent_q;
      if (rope_dim >= 0)
        config.model.d_rope = (guint) rope_dim;
      if (rank >= 0)
        config.model.lrkv_rank = (guint) rank;
      if (mla_mode != NULL && !qks_mla_rope_mode_from_string (mla_mode, &config.model.mla_rope_mode))
        return qks_cli_usage_error ("train", _("Unknown MLA mode “%s” (known: coupled, rotate-then-compress)"), mla_mode);
      if (lrkv_init != NULL && !qks_lrkv_init_from_string (lrkv_init, &config.model.lrkv_init))
        return qks_cli_usage_error ("train", _("Unknown LRKV initialisation “%s” (known: random, zero-b)"), lrkv_init);

      if (dataset != NULL && text != NULL)
        return qks_cli_usage_error ("train", _("Give either --dataset or --text, not both"));
      if (text != NULL)
        {
          config.dataset = QKS_DATASET_FILE;
          config.text_path = g_strdup (text);
        }
      else if (dataset != NULL &&
               (!qks_dataset_kind_from_string (dataset, &config.dataset) ||
                config.dataset == QKS_DATASET_FILE))
        return qks_cli_usage_error ("train", _("Unknown dataset “%s” (known: grammar, induction, recall, modular; or --text FILE)"), dataset);
      if (!isnan (corpus_mb))
        {
          if (!(corpus_mb >= 0.01 && corpus_mb <= 1024))
            return qks_cli_usage_error ("train", _("The corpus size must be between 0.01 and 1024 MB"));
          config.corpus_bytes = (gsize) (corpus_mb * 1024 * 1024);
        }

      if (steps == 0 || batch == 0 || warmup < -1 || eval_every < -1 || checkpoint_every < -1 ||
          steps < -1 || batch < -1 || threads < 0)
        return qks_cli_usage_error ("train", _("Counts must be positive"));
      if (steps > 0)
        qks_train_config_set_steps (&config, (guint) steps);
      if (batch > 0)
        config.batch_size = (guint) batch;
      if (seed >= 0)
        config.seed = (guint64) seed;
      if (eval_every >= 0)
        config.eval_every = (guint) eval_every;
      if (checkpoint_every >= 0)
        config.checkpoint_every = (guint) checkpoint_every;
      if (!isnan (lr))
        config.optim.learning_rate = lr;
      if (warmup >= 0)
        config.optim.warmup_steps = (guint) warmup;
      if (!isnan (min_lr_ratio))
        config.optim.min_lr_ratio = min_lr_ratio;
      if (!isnan (beta1))
        config.optim.beta1 = beta1;
      if (!isnan (beta2))
        config.optim.beta2 = beta2;
      if (!isnan (weight_decay))
        config.optim.weight_decay = weight_decay;
      if (!isnan (clip))
        config.optim.grad_clip = clip;
      config.output_dir = g_strdup (out_dir);
      config.threads = threads;
      if (diag_every >= 0)
        config.diag_every = (guint) diag_every;

      /* An impossible configuration is a usage error: exit status 2. */
      if (!qks_train_config_validate (&config, &error))
        return qks_cli_usage_error ("train", "%s", error->message);
      trainer = qks_trainer_new (&config, &error);
      if (trainer == NULL)
        return g_error_matches (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID)
               ? qks_cli_usage_error ("train", "%s", error->message)
               : qks_cli_failure ("train", error);
    }

  description = qks_model_config_describe (&qks_trainer_get_config (trainer)->model);
  g_printerr ("%s; %s; %u steps from step %u\n", description,
              qks_dataset_get_description (qks_trainer_get_dataset (trainer)),
              qks_trainer_get_config (trainer)->steps, qks_trainer_get_step (trainer));

  if (run_path != NULL)
    {
      if (resume_run)
        /* Drops the run's records after the checkpoint it resumes from. */
        recorder = qks_recorder_new_append (run_path, qks_trainer_get_config (trainer),
                                            qks_trainer_get_step (trainer), &diag_options, &error);
      else
        recorder = qks_recorder_new (run_path, qks_trainer_get_config (trainer), &diag_options, TRUE, &error);
      if (recorder == NULL)
        return qks_cli_failure ("train", error);
      qks_recorder_attach (recorder, trainer);
      out.recorder = recorder;
      out.flops_per_step = 3.0 * qks_model_forward_flops (&qks_trainer_get_config (trainer)->model,
                                                         qks_trainer_get_config (trainer)->model.seq_len) *
                           qks_trainer_get_config (trainer)->batch_size;
    }

  out.on_terminal = isatty (fileno (stderr));
  out.print_every = MAX (qks_trainer_get_config (trainer)->steps / 50, 1);
  out.last_val_loss = NAN;
  out.trainer = trainer;
  out.loop = loop = g_main_loop_new (NULL, FALSE);
  qks_trainer_set_progress_func (trainer, on_progress, &out);

  signal_id = g_unix_signal_add (SIGINT, on_interrupt, &out);
  if (!qks_trainer_start (trainer, &error))
    return qks_cli_failure ("train", error);
  timeout_id = g_timeout_add (50, check_finished, &out);
  g_main_loop_run (loop);
  g_source_remove (signal_id);
  g_source_remove (timeout_id);

  if (!qks_trainer_join (trainer, &error))
    {
      g_autoptr(GError) record_error = NULL;

      if (out.on_terminal)
        fputc ('\n', stderr);
      /* What was recorded before the failure stays in the run. */
      if (recorder != NULL)
        qks_recorder_finish (recorder, &record_error);
      return qks_cli_failure ("train", error);
    }

  if (recorder != NULL)
    {
      if (out.on_terminal)
        g_printerr (_("Finishing the diagnostics…\n"));
      if (!qks_recorder_finish (recorder, &error))
        return qks_cli_failure ("train", error);
      g_print (_("Run with %u diagnostic snapshots saved in %s (diagnostics took %.1f s on their own thread)\n"),
               qks_recorder_get_n_snapshots (recorder), run_path, qks_recorder_get_diag_seconds (recorder));
    }

  if (isfinite (out.last_val_loss))
    g_print (_("Validation loss %.4f nats per byte at step %u\n"), out.last_val_loss, out.last_val_step);
  if (qks_trainer_get_config (trainer)->output_dir != NULL)
    g_print (_("Checkpoint at step %u saved in %s\n"), qks_trainer_get_step (trainer),
             qks_trainer_get_config (trainer)->output_dir);
  return out.interrupted ? 130 : QKS_CLI_EXIT_OK;
}
