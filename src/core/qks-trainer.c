/* qks-trainer.c: a training run on its own thread
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qks-blas.h"
#include "qks-checkpoint.h"
#include "qks-parallel.h"
#include "qks-run.h"
#include "qks-trainer.h"

/* A training thread's nice value: below the interface, above the
 * diagnostics (qks-recorder.c, 19). */
#define TRAINER_NICE 5

G_DEFINE_QUARK (qks-trainer-error-quark, qks_trainer_error)

/* The thread owns the model, the optimizer and the data stream: nothing
 * else touches them while it runs (DESIGN.md, Threads). Only the state,
 * the pause and stop flags are shared, under the mutex. */
struct _QksTrainer
{
  QksTrainConfig        config;
  QksDataset           *dataset;
  QksModel             *model;
  QksOptimizer         *optimizer;
  QksRng                data_rng;
  int                  *inputs;
  int                  *targets;
  double                forward_flops;   /* per batch */

  QksTrainProgressFunc  progress_func;
  gpointer              progress_data;
  QksTrainSnapshotFunc  snapshot_func;
  gpointer              snapshot_data;
  QksTrainCheckpointFunc checkpoint_func;
  gpointer              checkpoint_data;

  GThread              *thread;
  GMutex                mutex;
  GCond                 cond;
  QksTrainerState       state;
  gboolean              pause_requested;
  gboolean              stop_requested;
  GError               *thread_error;

  double                seconds_training;  /* in steps since this trainer started */
  guint                 steps_timed;
  guint                 last_good_checkpoint;
};

/* Configuration ----------------------------------------------------------- */

/**
 * qks_train_config_init_defaults:
 *
 * The tiny preset with MHA on the grammar corpus, DESIGN.md's optimizer,
 * batch 8, 1000 steps.
 */
void
qks_train_config_init_defaults (QksTrainConfig *config)
{
  memset (config, 0, sizeof *config);
  qks_model_config_init_preset (&config->model, "tiny", NULL);
  qks_optim_config_init_defaults (&config->optim, 0);
  qks_train_config_set_steps (config, 1000);
  config->dataset = QKS_DATASET_GRAMMAR;
  config->corpus_bytes = 4 * 1024 * 1024;
  config->validation_fraction = 0.1;
  config->batch_size = 8;
  config->seed = 1;
  config->eval_every = 100;
  config->eval_batches = 8;
  config->checkpoint_every = 0;
  config->diag_every = 50;
}

/**
 * qks_train_config_set_steps:
 *
 * Sets the length of the run, and with it where the learning rate's
 * cosine ends: at the last step.
 */
void
qks_train_config_set_steps (QksTrainConfig *config,
                            guint           steps)
{
  config->steps = steps;
  config->optim.total_steps = steps;
}

void
qks_train_config_copy (QksTrainConfig       *dest,
                       const QksTrainConfig *src)
{
  *dest = *src;
  dest->text_path = g_strdup (src->text_path);
  dest->output_dir = g_strdup (src->output_dir);
}

void
qks_train_config_clear (QksTrainConfig *config)
{
  g_clear_pointer (&config->text_path, g_free);
  g_clear_pointer (&config->output_dir, g_free);
}

gboolean
qks_train_config_validate (const QksTrainConfig  *config,
                           GError               **error)
{
  if (!qks_model_config_validate (&config->model, error) ||
      !qks_optim_config_validate (&config->optim, error))
    return FALSE;

  if (config->batch_size == 0 || config->batch_size > 4096)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "The batch size is %u; it must be between 1 and 4096", config->batch_size);
      return FALSE;
    }
  if (config->steps == 0)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "The number of steps must be at least 1");
      return FALSE;
    }
  if (config->dataset == QKS_DATASET_FILE && config->text_path == NULL)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "Training on a file needs the file’s name");
      return FALSE;
    }
  if (config->eval_every > 0 && config->eval_batches == 0)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "Validation every %u steps needs at least one validation batch",
                   config->eval_every);
      return FALSE;
    }
  return TRUE;
}

JsonNode *
qks_train_config_to_json (const QksTrainConfig *config)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_value (builder, qks_model_config_to_json (&config->model));

  json_builder_set_member_name (builder, "optimizer");
  json_builder_begin_object (builder);
#define ADD_DOUBLE(key, value) \
  json_builder_set_member_name (builder, key); \
  json_builder_add_double_value (builder, value)
#define ADD_INT(key, value) \
  json_builder_set_member_name (builder, key); \
  json_builder_add_int_value (builder, (gint64) (value))
  ADD_DOUBLE ("learning_rate", config->optim.learning_rate);
  ADD_DOUBLE ("beta1", config->optim.beta1);
  ADD_DOUBLE ("beta2", config->optim.beta2);
  ADD_DOUBLE ("epsilon", config->optim.epsilon);
  ADD_DOUBLE ("weight_decay", config->optim.weight_decay);
  ADD_INT ("warmup_steps", config->optim.warmup_steps);
  ADD_INT ("total_steps", config->optim.total_steps);
  ADD_DOUBLE ("min_lr_ratio", config->optim.min_lr_ratio);
  ADD_DOUBLE ("grad_clip", config->optim.grad_clip);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "dataset");
  json_builder_add_string_value (builder, qks_dataset_kind_to_string (config->dataset));
  json_builder_set_member_name (builder, "text_path");
  if (config->text_path != NULL)
    json_builder_add_string_value (builder, config->text_path);
  else
    json_builder_add_null_value (builder);
  ADD_INT ("corpus_bytes", config->corpus_bytes);
  ADD_DOUBLE ("validation_fraction", config->validation_fraction);
  ADD_INT ("batch_size", config->batch_size);
  ADD_INT ("steps", config->steps);
  /* As a string: JSON numbers lose 64-bit integers in many readers. */
  json_builder_set_member_name (builder, "seed");
  {
    g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, config->seed);

    json_builder_add_string_value (builder, seed);
  }
  ADD_INT ("eval_every", config->eval_every);
  ADD_INT ("eval_batches", config->eval_batches);
  ADD_INT ("checkpoint_every", config->checkpoint_every);
  ADD_INT ("diag_every", config->diag_every);
#undef ADD_DOUBLE
#undef ADD_INT
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
get_number (JsonObject  *object,
            const char  *key,
            double       low,
            double       high,
            double      *out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The training configuration lacks the number “%s”", key);
      return FALSE;
    }
  *out = json_node_get_double (node);
  if (!(*out >= low && *out <= high))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The training configuration’s “%s” is out of range (%g)", key, *out);
      return FALSE;
    }
  return TRUE;
}

gboolean
qks_train_config_from_json (QksTrainConfig  *config,
                            JsonNode        *node,
                            GError         **error)
{
  JsonObject *object, *optim;
  JsonNode *member;
  const char *text;
  double value;
  guint64 seed;

  qks_train_config_init_defaults (config);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The training configuration is not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (node);

  if (!qks_model_config_from_json (&config->model, json_object_get_member (object, "model"), error))
    return FALSE;

  member = json_object_get_member (object, "optimizer");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The training configuration lacks the optimizer settings");
      return FALSE;
    }
  optim = json_node_get_object (member);
#define READ(obj, key, low, high, dest, type) \
  G_STMT_START { \
    if (!get_number (obj, key, low, high, &value, error)) \
      return FALSE; \
    dest = (type) value; \
  } G_STMT_END
  READ (optim, "learning_rate", 0, 10, config->optim.learning_rate, double);
  READ (optim, "beta1", 0, 1, config->optim.beta1, double);
  READ (optim, "beta2", 0, 1, config->optim.beta2, double);
  READ (optim, "epsilon", 0, 1, config->optim.epsilon, double);
  READ (optim, "weight_decay", 0, 1, config->optim.weight_decay, double);
  READ (optim, "warmup_steps", 0, G_MAXUINT, config->optim.warmup_steps, guint);
  READ (optim, "total_steps", 0, G_MAXUINT, config->optim.total_steps, guint);
  READ (optim, "min_lr_ratio", 0, 1, config->optim.min_lr_ratio, double);
  READ (optim, "grad_clip", 0, G_MAXDOUBLE, config->optim.grad_clip, double);

  member = json_object_get_member (object, "dataset");
  text = member != NULL && JSON_NODE_HOLDS_VALUE (member) ? json_node_get_string (member) : NULL;
  if (text == NULL || !qks_dataset_kind_from_string (text, &config->dataset))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The training configuration names no known dataset");
      return FALSE;
    }
  member = json_object_get_member (object, "text_path");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
    config->text_path = g_strdup (json_node_get_string (member));

  READ (object, "corpus_bytes", 0, (double) G_MAXSIZE, config->corpus_bytes, gsize);
  READ (object, "validation_fraction", 0, 1, config->validation_fraction, double);
  READ (object, "batch_size", 1, 4096, config->batch_size, guint);
  READ (object, "steps", 1, G_MAXUINT, config->steps, guint);
  READ (object, "eval_every", 0, G_MAXUINT, config->eval_every, guint);
  READ (object, "eval_batches", 0, G_MAXUINT, config->eval_batches, guint);
  READ (object, "checkpoint_every", 0, G_MAXUINT, config->checkpoint_every, guint);
  READ (object, "diag_every", 0, G_MAXUINT, config->diag_every, guint);
#undef READ

  member = json_object_get_member (object, "seed");
  text = member != NULL && JSON_NODE_HOLDS_VALUE (member) ? json_node_get_string (member) : NULL;
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &seed, NULL))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The training configuration lacks its seed");
      return FALSE;
    }
  config->seed = seed;

  return qks_train_config_validate (config, error);
}

/* The trainer -------------------------------------------------------------- */

static QksDataset *
open_dataset (const QksTrainConfig  *config,
              GError               **error)
{
  g_autoptr(QksDataset) dataset = NULL;

  if (config->dataset == QKS_DATASET_FILE)
    dataset = qks_dataset_new_from_file (config->text_path, config->validation_fraction, error);
  else
    dataset = qks_dataset_new_builtin (config->dataset, config->seed, config->corpus_bytes,
                                       config->validation_fraction, error);
  if (dataset == NULL || !qks_dataset_check_window (dataset, config->model.seq_len, error))
    return NULL;
  return g_steal_pointer (&dataset);
}

/* Everything but the weights: those are drawn or loaded by the caller. */
static QksTrainer *
trainer_new_unweighted (const QksTrainConfig  *config,
                        GError               **error)
{
  g_autoptr(QksTrainer) self = NULL;
  gsize n;

  if (!qks_train_config_validate (config, error))
    return NULL;

  self = g_new0 (QksTrainer, 1);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  qks_train_config_copy (&self->config, config);
  self->state = QKS_TRAINER_IDLE;

  if ((self->dataset = open_dataset (config, error)) == NULL)
    return NULL;
  if ((self->model = qks_model_new (&config->model, error)) == NULL)
    return NULL;
  if (!qks_model_reserve (self->model, config->batch_size, config->model.seq_len, error))
    return NULL;
  self->optimizer = qks_optimizer_new (&config->optim, qks_model_get_layout (self->model));

  n = (gsize) config->batch_size * config->model.seq_len;
  self->inputs = g_new (int, n);
  self->targets = g_new (int, n);
  self->forward_flops = qks_model_forward_flops (&config->model, config->model.seq_len) *
                        config->batch_size;
  qks_rng_init_stream (&self->data_rng, config->seed, QKS_RNG_STREAM_DATA);

  return g_steal_pointer (&self);
}

/**
 * qks_trainer_new:
 *
 * Builds the dataset, the model (weights drawn from the seed) and the
 * optimizer of @config.
 *
 * Returns: (transfer full): a trainer at step 0, or %NULL with @error
 *   naming what is impossible (a size, a file).
 */
QksTrainer *
qks_trainer_new (const QksTrainConfig  *config,
                 GError               **error)
{
  QksTrainer *self = trainer_new_unweighted (config, error);

  if (self != NULL)
    qks_model_init_weights (self->model, config->seed);
  return self;
}

/**
 * qks_trainer_new_from_checkpoint:
 * @directory: a directory written by qks_trainer_save_checkpoint()
 * @steps: the new total number of steps, or 0 to keep the run's
 * @output_dir: (nullable): where the resumed run writes its checkpoints;
 *   %NULL keeps the run's
 *
 * Resumes a run exactly where it was saved: weights, optimizer moments,
 * step and data stream.
 */
QksTrainer *
qks_trainer_new_from_checkpoint (const char  *directory,
                                 guint        steps,
                                 const char  *output_dir,
                                 GError     **error)
{
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(QksTrainer) self = NULL;
  QksRng data_rng;
  guint step;

  if (!qks_checkpoint_read_train_config (directory, &config, error))
    return NULL;
  if (steps > 0)
    config.steps = steps;
  if (output_dir != NULL)
    {
      g_free (config.output_dir);
      config.output_dir = g_strdup (output_dir);
    }

  if ((self = trainer_new_unweighted (&config, error)) == NULL)
    return NULL;
  if (!qks_checkpoint_read_training_state (directory, self->model, self->optimizer,
                                           &step, &data_rng, error))
    return NULL;
  if (step >= config.steps)
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_RESUME,
                   "The checkpoint in “%s” is already at step %u of %u; ask for more steps",
                   directory, step, config.steps);
      return NULL;
    }
  self->data_rng = data_rng;
  self->last_good_checkpoint = step;
  return g_steal_pointer (&self);
}

/* The parts of a run's checkpoint, named for messages. */
typedef struct
{
  guint           step;
  char           *weights_origin;
  char           *state_origin;
  QksSafetensors *weights;
  QksSafetensors *state;
} RunCheckpoint;

static void
run_checkpoint_clear (RunCheckpoint *checkpoint)
{
  g_clear_pointer (&checkpoint->weights_origin, g_free);
  g_clear_pointer (&checkpoint->state_origin, g_free);
  g_clear_pointer (&checkpoint->weights, qks_safetensors_unref);
  g_clear_pointer (&checkpoint->state, qks_safetensors_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunCheckpoint, run_checkpoint_clear)

/* The latest checkpoint of @run_path that holds the optimizer state. */
static gboolean
open_run_checkpoint (const char     *run_path,
                     RunCheckpoint  *checkpoint,
                     GError        **error)
{
  g_autoptr(QksRunReader) reader = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) resumable = NULL;
  g_autoptr(GBytes) weights = NULL;
  g_autoptr(GBytes) state = NULL;

  if ((reader = qks_run_reader_open (run_path, error)) == NULL ||
      (all = qks_run_reader_list_checkpoint_steps (reader, error)) == NULL ||
      (resumable = qks_run_reader_list_resumable_steps (reader, error)) == NULL)
    return FALSE;
  if (all->len == 0)
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_RESUME,
                   "The run “%s” cannot be resumed: it holds no checkpoint (a run saves one "
                   "every checkpoint interval and when it ends or is stopped)", run_path);
      return FALSE;
    }
  if (resumable->len == 0)
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_RESUME,
                   "The run “%s” cannot be resumed: its checkpoints (the latest at step %u) hold "
                   "only the weights, not the optimizer state (older QK Scope versions kept "
                   "only the weights)", run_path, g_array_index (all, guint, all->len - 1));
      return FALSE;
    }

  checkpoint->step = g_array_index (resumable, guint, resumable->len - 1);
  checkpoint->weights_origin = g_strdup_printf ("%s, checkpoint of step %u (weights)",
                                                run_path, checkpoint->step);
  checkpoint->state_origin = g_strdup_printf ("%s, checkpoint of step %u (optimizer state)",
                                              run_path, checkpoint->step);
  if (!qks_run_reader_load_training_state (reader, checkpoint->step, &weights, &state, error))
    return FALSE;
  checkpoint->weights = qks_safetensors_new_from_named_bytes (weights, checkpoint->weights_origin, error);
  if (checkpoint->weights == NULL)
    return FALSE;
  checkpoint->state = qks_safetensors_new_from_named_bytes (state, checkpoint->state_origin, error);
  return checkpoint->state != NULL;
}

/**
 * qks_trainer_new_from_run:
 * @run_path: a .qkrun file
 * @steps: the new total number of steps, or 0 to keep the run's
 *
 * Resumes a run from the latest checkpoint in its file that holds the
 * optimizer state, exactly as qks_trainer_new_from_checkpoint() resumes
 * from a folder: weights, optimizer moments, step and data stream. The
 * file is only read; the recorder that continues it
 * (qks_recorder_new_append()) drops its records after that checkpoint.
 *
 * Returns: (transfer full): a trainer at the checkpoint's step, or %NULL
 *   with @error naming the file: %QKS_TRAINER_ERROR_RESUME when the run has
 *   no checkpoint to resume from or is already at @steps, a
 *   %QKS_RUN_ERROR, %QKS_SAFETENSORS_ERROR or %QKS_CHECKPOINT_ERROR when
 *   the file or a checkpoint in it is damaged.
 */
QksTrainer *
qks_trainer_new_from_run (const char  *run_path,
                          guint        steps,
                          GError     **error)
{
  g_auto(RunCheckpoint) checkpoint = { 0 };
  g_auto(QksTrainConfig) config = { 0 };
  g_autoptr(QksTrainer) self = NULL;
  g_autofree char *description = NULL;
  QksRng data_rng;
  guint step;

  g_return_val_if_fail (run_path != NULL, NULL);

  if (!open_run_checkpoint (run_path, &checkpoint, error) ||
      !qks_checkpoint_train_config_from_safetensors (checkpoint.state, checkpoint.state_origin,
                                                     &config, error))
    return NULL;
  if (steps > 0)
    config.steps = steps;
  /* Before building the dataset, which takes a while. */
  if (checkpoint.step >= config.steps)
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_RESUME,
                   "The run “%s” is already at step %u (its latest checkpoint) of %u; ask for "
                   "more steps", run_path, checkpoint.step, config.steps);
      return NULL;
    }

  if ((self = trainer_new_unweighted (&config, error)) == NULL)
    return NULL;
  description = g_strdup_printf ("The checkpoint of step %u in “%s”", checkpoint.step, run_path);
  if (!qks_checkpoint_training_state_from_safetensors (description,
                                                       checkpoint.weights, checkpoint.weights_origin,
                                                       checkpoint.state, checkpoint.state_origin,
                                                       self->model, self->optimizer,
                                                       &step, &data_rng, error))
    return NULL;
  if (step != checkpoint.step)
    {
      g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_INCONSISTENT,
                   "%s is inconsistent: it records step %u", description, step);
      return NULL;
    }
  self->data_rng = data_rng;
  self->last_good_checkpoint = step;
  return g_steal_pointer (&self);
}

void
qks_trainer_free (QksTrainer *self)
{
  if (self == NULL)
    return;

  if (self->thread != NULL)
    {
      qks_trainer_stop (self);
      qks_trainer_join (self, NULL);
    }
  qks_train_config_clear (&self->config);
  g_clear_pointer (&self->dataset, qks_dataset_unref);
  g_clear_pointer (&self->model, qks_model_free);
  g_clear_pointer (&self->optimizer, qks_optimizer_free);
  g_free (self->inputs);
  g_free (self->targets);
  g_clear_error (&self->thread_error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

void
qks_trainer_set_progress_func (QksTrainer           *self,
                               QksTrainProgressFunc  func,
                               gpointer              user_data)
{
  self->progress_func = func;
  self->progress_data = user_data;
}

void
qks_trainer_set_snapshot_func (QksTrainer           *self,
                               QksTrainSnapshotFunc  func,
                               gpointer              user_data)
{
  self->snapshot_func = func;
  self->snapshot_data = user_data;
}

/**
 * qks_trainer_set_checkpoint_func:
 *
 * @func is called on the training thread whenever a checkpoint is due:
 * every checkpoint_every steps and when the run ends, also when it is
 * stopped, as for the checkpoint folder.
 */
void
qks_trainer_set_checkpoint_func (QksTrainer             *self,
                                 QksTrainCheckpointFunc  func,
                                 gpointer                user_data)
{
  self->checkpoint_func = func;
  self->checkpoint_data = user_data;
}

/* Calibration: the first sequence of the first validation batch (T rows). */
#define CALIBRATION_SEQUENCES 1

/**
 * qks_trainer_capture:
 *
 * Copies what a diagnostic snapshot needs at the current step: every
 * layer's effective per-head matrices, and each layer's attention inputs
 * on a fixed validation batch (the same one every time, so that
 * calibration curves compare across steps). Runs one forward pass.
 *
 * Returns: (transfer full): the copy, for the diagnostics worker.
 */
QksDiagInput *
qks_trainer_capture (QksTrainer *self)
{
  const QksModelConfig *config = qks_model_get_config (self->model);
  guint B = self->config.batch_size, T = config->seq_len;
  guint sequences = MIN (B, CALIBRATION_SEQUENCES);
  gsize rows = (gsize) sequences * T;
  QksDiagInput *input = qks_diag_input_new (qks_optimizer_get_step (self->optimizer), config->n_layers);

  input->config = *config;
  input->from_model = TRUE;

  qks_dataset_get_validation_batch (self->dataset, 0, B, T, self->inputs, self->targets);
  qks_model_forward (self->model, self->inputs, NULL, B, T);

  for (guint l = 0; l < config->n_layers; l++)
    {
      const qks_real *x = qks_model_get_attention_input (self->model, l);
      QksMatrix *calibration = qks_matrix_new (rows, config->d_model);

      for (gsize i = 0; i < rows * config->d_model; i++)
        calibration->data[i] = (double) x[i];
      input->calibration[l] = calibration;
      input->layers[l] = qks_model_export_heads (self->model, l);
    }
  return input;
}

static void
maybe_snapshot (QksTrainer *self)
{
  guint step = qks_optimizer_get_step (self->optimizer);

  if (self->snapshot_func == NULL ||
      !(qks_diag_schedule_is_due (step, self->config.diag_every) ||
        (self->config.diag_every > 0 && step == self->config.steps)))
    return;
  self->snapshot_func (qks_trainer_capture (self), self->snapshot_data);
}

const QksTrainConfig *
qks_trainer_get_config (QksTrainer *self)
{
  return &self->config;
}

QksModel *
qks_trainer_get_model (QksTrainer *self)
{
  return self->model;
}

QksOptimizer *
qks_trainer_get_optimizer (QksTrainer *self)
{
  return self->optimizer;
}

QksDataset *
qks_trainer_get_dataset (QksTrainer *self)
{
  return self->dataset;
}

guint
qks_trainer_get_step (QksTrainer *self)
{
  return qks_optimizer_get_step (self->optimizer);
}

const QksRng *
qks_trainer_get_data_rng (QksTrainer *self)
{
  return &self->data_rng;
}

void
qks_trainer_set_data_rng (QksTrainer   *self,
                          const QksRng *rng)
{
  self->data_rng = *rng;
}

QksTrainerState
qks_trainer_get_state (QksTrainer *self)
{
  QksTrainerState state;

  g_mutex_lock (&self->mutex);
  state = self->state;
  g_mutex_unlock (&self->mutex);
  return state;
}

static void
set_state (QksTrainer      *self,
           QksTrainerState  state)
{
  g_mutex_lock (&self->mutex);
  self->state = state;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/**
 * qks_trainer_evaluate:
 *
 * Returns: the mean loss over the first eval_batches validation batches
 *   (the same windows every time), in nats per byte.
 */
double
qks_trainer_evaluate (QksTrainer *self)
{
  guint B = self->config.batch_size, T = self->config.model.seq_len;
  guint available = qks_dataset_count_validation_batches (self->dataset, B, T);
  guint n_batches = MAX (MIN (self->config.eval_batches, available), 1);
  double total = 0.0;

  for (guint i = 0; i < n_batches; i++)
    {
      qks_dataset_get_validation_batch (self->dataset, i, B, T, self->inputs, self->targets);
      total += qks_model_forward (self->model, self->inputs, self->targets, B, T);
    }
  return total / n_batches;
}

/**
 * qks_trainer_step:
 * @progress: (out) (optional): what the step measured
 *
 * One update: a batch from the data stream, forward, backward, AdamW.
 *
 * Returns: %FALSE with %QKS_TRAINER_ERROR_NOT_FINITE when the loss or the
 *   gradient is not finite; the weights are then left as they were.
 */
gboolean
qks_trainer_step (QksTrainer        *self,
                  QksTrainProgress  *progress,
                  GError           **error)
{
  guint B = self->config.batch_size, T = self->config.model.seq_len;
  guint step = qks_optimizer_get_step (self->optimizer);
  gint64 start = g_get_monotonic_time ();
  double loss, grad_norm = NAN, seconds, mean_step;
  QksTrainProgress p = { 0 };

  qks_dataset_sample_batch (self->dataset, &self->data_rng, B, T, self->inputs, self->targets);
  qks_model_zero_grad (self->model);
  loss = qks_model_forward (self->model, self->inputs, self->targets, B, T);
  if (isfinite (loss))
    qks_model_backward (self->model);

  if (!isfinite (loss) ||
      !qks_optimizer_update (self->optimizer, qks_model_get_params (self->model),
                             qks_model_get_grads (self->model), &grad_norm))
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_NOT_FINITE,
                   "Training stopped at step %u: the %s became %s. The weights were not "
                   "updated with it; the last checkpoint (step %u) is kept. A lower learning "
                   "rate may help.",
                   step + 1, isfinite (loss) ? "gradient" : "loss",
                   isnan (isfinite (loss) ? grad_norm : loss) ? "NaN (not a number)" : "infinite",
                   self->last_good_checkpoint);
      return FALSE;
    }

  seconds = (g_get_monotonic_time () - start) / 1e6;
  self->seconds_training += seconds;
  self->steps_timed++;
  mean_step = self->seconds_training / self->steps_timed;

  p.step = step + 1;
  p.total_steps = self->config.steps;
  p.loss = loss;
  p.val_loss = NAN;
  p.learning_rate = qks_optim_config_get_lr (&self->config.optim, step);
  p.grad_norm = grad_norm;
  p.tokens_per_second = (double) B * T / mean_step;
  p.flops_per_second = 3.0 * self->forward_flops / mean_step;
  p.elapsed_seconds = self->seconds_training;
  p.eta_seconds = p.total_steps > p.step ? (p.total_steps - p.step) * mean_step : 0.0;

  if (self->config.eval_every > 0 &&
      (p.step % self->config.eval_every == 0 || p.step == self->config.steps))
    p.val_loss = qks_trainer_evaluate (self);

  if (progress != NULL)
    *progress = p;
  return TRUE;
}

/**
 * qks_trainer_save_checkpoint:
 *
 * Writes model.safetensors, optimizer.safetensors and config.json into
 * @directory, each atomically, so that the run can resume exactly.
 */
gboolean
qks_trainer_save_checkpoint (QksTrainer  *self,
                             const char  *directory,
                             GError     **error)
{
  guint step = qks_optimizer_get_step (self->optimizer);

  if (!qks_checkpoint_save (directory, self->model, self->optimizer, &self->config,
                            &self->data_rng, step, error))
    return FALSE;
  self->last_good_checkpoint = step;
  return TRUE;
}

static gboolean
wait_while_paused (QksTrainer *self)
{
  gboolean stop;

  g_mutex_lock (&self->mutex);
  if (self->pause_requested && !self->stop_requested)
    {
      self->state = QKS_TRAINER_PAUSED;
      g_cond_broadcast (&self->cond);
      while (self->pause_requested && !self->stop_requested)
        g_cond_wait (&self->cond, &self->mutex);
      self->state = QKS_TRAINER_RUNNING;
      g_cond_broadcast (&self->cond);
    }
  stop = self->stop_requested;
  g_mutex_unlock (&self->mutex);
  return !stop;
}

/* A checkpoint that is due goes to the folder and to the checkpoint
 * function, whichever the run has. */
static gboolean
save_due_checkpoint (QksTrainer  *self,
                     GError     **error)
{
  if (self->config.output_dir != NULL &&
      !qks_trainer_save_checkpoint (self, self->config.output_dir, error))
    return FALSE;
  if (self->checkpoint_func != NULL)
    {
      self->checkpoint_func (self, self->checkpoint_data);
      self->last_good_checkpoint = qks_optimizer_get_step (self->optimizer);
    }
  return TRUE;
}

/**
 * qks_trainer_run:
 *
 * Trains until the configured number of steps, a stop request or a
 * failure, on the calling thread. Checkpoints go to output_dir and to the
 * checkpoint function every checkpoint_every steps and at the end (also
 * when stopped).
 */
gboolean
qks_trainer_run (QksTrainer  *self,
                 GError     **error)
{
  gboolean saves = self->config.output_dir != NULL || self->checkpoint_func != NULL;

  /* The engine splits its work between threads itself (qks-parallel.c);
   * OpenBLAS runs each share on the calling thread. */
  qks_parallel_set_threads (self->config.threads > 0 ? (guint) self->config.threads : 0);
  qks_blas_set_num_threads (1);
  set_state (self, QKS_TRAINER_RUNNING);

  if (qks_optimizer_get_step (self->optimizer) == 0)
    maybe_snapshot (self);

  while (qks_optimizer_get_step (self->optimizer) < self->config.steps)
    {
      QksTrainProgress progress;

      if (!wait_while_paused (self))
        break;

      if (!qks_trainer_step (self, &progress, error))
        {
          set_state (self, QKS_TRAINER_FAILED);
          return FALSE;
        }
      if (self->progress_func != NULL)
        self->progress_func (&progress, self->progress_data);
      maybe_snapshot (self);

      if (saves && self->config.checkpoint_every > 0 &&
          progress.step % self->config.checkpoint_every == 0 &&
          progress.step < self->config.steps &&
          !save_due_checkpoint (self, error))
        {
          set_state (self, QKS_TRAINER_FAILED);
          return FALSE;
        }
    }

  if (saves && qks_optimizer_get_step (self->optimizer) > self->last_good_checkpoint &&
      !save_due_checkpoint (self, error))
    {
      set_state (self, QKS_TRAINER_FAILED);
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  self->state = self->stop_requested ? QKS_TRAINER_STOPPED : QKS_TRAINER_FINISHED;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

static gpointer
trainer_thread (gpointer data)
{
  QksTrainer *self = data;
  GError *error = NULL;

  /* Beside an interface, the interface comes first: with every core busy
   * training, its thread must still be scheduled at once. The engine's
   * worker threads, started from this one, inherit the value (on Linux a
   * thread's nice value is its own, man 7 sched). */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), TRAINER_NICE);

  if (!qks_trainer_run (self, &error))
    self->thread_error = error;
  return NULL;
}

/**
 * qks_trainer_start:
 *
 * Runs qks_trainer_run() on a new thread. The progress function is then
 * called on that thread.
 */
gboolean
qks_trainer_start (QksTrainer  *self,
                   GError     **error)
{
  if (self->thread != NULL)
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_STATE,
                   "The training run has already started");
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  self->state = QKS_TRAINER_RUNNING;
  self->stop_requested = FALSE;
  g_mutex_unlock (&self->mutex);

  self->thread = g_thread_try_new ("qks-trainer", trainer_thread, self, error);
  return self->thread != NULL;
}

void
qks_trainer_pause (QksTrainer *self)
{
  g_mutex_lock (&self->mutex);
  self->pause_requested = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
qks_trainer_resume (QksTrainer *self)
{
  g_mutex_lock (&self->mutex);
  self->pause_requested = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/**
 * qks_trainer_stop:
 *
 * Asks the run to stop after its current step; it then saves its
 * checkpoint, if it has an output directory. Returns at once.
 */
void
qks_trainer_stop (QksTrainer *self)
{
  g_mutex_lock (&self->mutex);
  self->stop_requested = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/**
 * qks_trainer_join:
 *
 * Waits for the training thread to end.
 *
 * Returns: %FALSE with the run's error if it failed.
 */
gboolean
qks_trainer_join (QksTrainer  *self,
                  GError     **error)
{
  if (self->thread == NULL)
    {
      g_set_error (error, QKS_TRAINER_ERROR, QKS_TRAINER_ERROR_STATE,
                   "The training run was not started");
      return FALSE;
    }

  g_thread_join (self->thread);
  self->thread = NULL;
  if (self->thread_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->thread_error));
      return FALSE;
    }
  return TRUE;
}
