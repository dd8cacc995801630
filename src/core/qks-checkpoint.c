/* qks-checkpoint.c: a model and its training state as safetensors files
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "qks-checkpoint.h"
#include "qks-json.h"

G_DEFINE_QUARK (qks-checkpoint-error-quark, qks_checkpoint_error)

#define KEY_CONFIG       "qkscope.config"
#define KEY_STEP         "qkscope.step"
#define KEY_VERSION      "qkscope.version"
#define KEY_TRAIN_CONFIG "qkscope.train_config"
#define KEY_DATA_RNG     "qkscope.data_rng"

G_STATIC_ASSERT (sizeof (qks_real) == sizeof (float));

static char *
json_to_text (JsonNode *node,
              gboolean  pretty)
{
  return qks_json_to_string (node, pretty);
}

static void
add_model_tensors (QksSafetensorsWriter *writer,
                   QksModel             *model,
                   const qks_real       *base,
                   const char           *prefix)
{
  const QksParamLayout *layout = qks_model_get_layout (model);

  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);
      g_autofree char *name = g_strconcat (prefix, tensor->name, NULL);

      qks_safetensors_writer_add_tensor (writer, name, QKS_DTYPE_F32, tensor->n_dims,
                                         tensor->shape, base + tensor->offset);
    }
}

static QksSafetensorsWriter *
model_writer (QksModel *model,
              guint     step)
{
  QksSafetensorsWriter *writer = qks_safetensors_writer_new ();
  g_autoptr(JsonNode) config = qks_model_config_to_json (qks_model_get_config (model));
  g_autofree char *config_text = json_to_text (config, FALSE);
  g_autofree char *step_text = g_strdup_printf ("%u", step);

  /* "pt" lets Hugging Face loaders accept the file as PyTorch weights. */
  qks_safetensors_writer_add_metadata (writer, "format", "pt");
  qks_safetensors_writer_add_metadata (writer, KEY_CONFIG, config_text);
  qks_safetensors_writer_add_metadata (writer, KEY_STEP, step_text);
  qks_safetensors_writer_add_metadata (writer, KEY_VERSION, PACKAGE_VERSION);
  add_model_tensors (writer, model, qks_model_get_params (model), "");
  return writer;
}

/**
 * qks_checkpoint_model_to_bytes:
 *
 * Returns: (transfer full): the weights as a safetensors file in memory,
 *   as model.safetensors holds them.
 */
GBytes *
qks_checkpoint_model_to_bytes (QksModel *model,
                               guint     step)
{
  g_autoptr(QksSafetensorsWriter) writer = model_writer (model, step);

  return qks_safetensors_writer_to_bytes (writer);
}

static char *
rng_to_text (const QksRng *rng)
{
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x:%016" G_GINT64_MODIFIER "x:%016"
                          G_GINT64_MODIFIER "x:%016" G_GINT64_MODIFIER "x:%d:%a",
                          rng->s[0], rng->s[1], rng->s[2], rng->s[3],
                          rng->has_spare_normal ? 1 : 0, rng->spare_normal);
}

static gboolean
rng_from_text (const char *text,
               QksRng     *rng)
{
  g_auto(GStrv) parts = NULL;
  char *end;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, ":", -1);
  if (g_strv_length (parts) != 6)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    if (!g_ascii_string_to_unsigned (parts[i], 16, 0, G_MAXUINT64, &rng->s[i], NULL))
      return FALSE;
  rng->has_spare_normal = g_strcmp0 (parts[4], "1") == 0;
  rng->spare_normal = g_ascii_strtod (parts[5], &end);
  return *end == '\0';
}

/* optimizer.safetensors: what continuing the run needs besides the
 * weights. */
static QksSafetensorsWriter *
optimizer_writer (QksModel              *model,
                  QksOptimizer          *optimizer,
                  const QksTrainConfig  *train_config,
                  const QksRng          *data_rng,
                  guint                  step)
{
  QksSafetensorsWriter *writer = qks_safetensors_writer_new ();
  g_autoptr(JsonNode) train_json = qks_train_config_to_json (train_config);
  g_autofree char *train_text = json_to_text (train_json, FALSE);
  g_autofree char *rng_text = rng_to_text (data_rng);
  g_autofree char *step_text = g_strdup_printf ("%u", step);

  qks_safetensors_writer_add_metadata (writer, KEY_STEP, step_text);
  qks_safetensors_writer_add_metadata (writer, KEY_TRAIN_CONFIG, train_text);
  qks_safetensors_writer_add_metadata (writer, KEY_DATA_RNG, rng_text);
  qks_safetensors_writer_add_metadata (writer, KEY_VERSION, PACKAGE_VERSION);
  add_model_tensors (writer, model, qks_optimizer_get_m (optimizer), "m.");
  add_model_tensors (writer, model, qks_optimizer_get_v (optimizer), "v.");
  return writer;
}

/**
 * qks_checkpoint_optimizer_to_bytes:
 * @train_config: the run's training configuration
 * @data_rng: the data stream where the run is
 *
 * Returns: (transfer full): the optimizer state as a safetensors file in
 *   memory, as optimizer.safetensors holds it: with the weights of the same
 *   step, everything needed to continue the run exactly.
 */
GBytes *
qks_checkpoint_optimizer_to_bytes (QksModel              *model,
                                   QksOptimizer          *optimizer,
                                   const QksTrainConfig  *train_config,
                                   const QksRng          *data_rng,
                                   guint                  step)
{
  g_autoptr(QksSafetensorsWriter) writer = optimizer_writer (model, optimizer, train_config,
                                                             data_rng, step);

  return qks_safetensors_writer_to_bytes (writer);
}

static gboolean
write_config_json (const char            *path,
                   const QksModelConfig  *config,
                   GError               **error)
{
  g_autoptr(JsonNode) node = qks_model_config_to_json (config);
  g_autofree char *text = json_to_text (node, TRUE);
  g_autofree char *contents = g_strconcat (text, "\n", NULL);

  /* g_file_set_contents writes a temporary file and renames it: atomic. */
  return g_file_set_contents (path, contents, -1, error);
}

/**
 * qks_checkpoint_save:
 *
 * Writes the three files of a checkpoint into @directory, creating it if
 * needed. Each file is replaced atomically; each records @step, so a crash
 * between two files is detected when the checkpoint is read.
 */
gboolean
qks_checkpoint_save (const char            *directory,
                     QksModel              *model,
                     QksOptimizer          *optimizer,
                     const QksTrainConfig  *train_config,
                     const QksRng          *data_rng,
                     guint                  step,
                     GError               **error)
{
  g_autoptr(QksSafetensorsWriter) weights = NULL;
  g_autoptr(QksSafetensorsWriter) state = NULL;
  g_autofree char *model_path = g_build_filename (directory, QKS_CHECKPOINT_MODEL_FILE, NULL);
  g_autofree char *config_path = g_build_filename (directory, QKS_CHECKPOINT_CONFIG_FILE, NULL);
  g_autofree char *state_path = g_build_filename (directory, QKS_CHECKPOINT_OPTIMIZER_FILE, NULL);

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot create the folder “%s”: %s", directory, g_strerror (saved_errno));
      return FALSE;
    }

  weights = model_writer (model, step);
  if (!qks_safetensors_writer_write (weights, model_path, error) ||
      !write_config_json (config_path, qks_model_get_config (model), error))
    return FALSE;

  if (optimizer == NULL)
    return TRUE;

  state = optimizer_writer (model, optimizer, train_config, data_rng, step);
  return qks_safetensors_writer_write (state, state_path, error);
}

static JsonNode *
parse_json (const char  *text,
            const char  *what,
            const char  *origin,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  /* Metadata may come from anyone's file: parse it strictly. */
  JsonNode *node = qks_json_parse_strict (text, strlen (text), 64, &local_error);

  if (node == NULL)
    g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_NOT_QKSCOPE,
                 "The %s in “%s” is not valid JSON: %s", what, origin,
                 local_error ? local_error->message : "empty");
  return node;
}

static gboolean
parse_step (QksSafetensors  *file,
            const char      *origin,
            guint           *step,
            GError         **error)
{
  const char *text = qks_safetensors_get_metadata (file, KEY_STEP);
  guint64 value = 0;

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    {
      g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_NOT_QKSCOPE,
                   "“%s” records an invalid step “%s”", origin, text);
      return FALSE;
    }
  *step = (guint) value;
  return TRUE;
}

/* Reads every tensor of @layout named PREFIX.NAME from @file into @base,
 * after checking that the file holds exactly those tensors and shapes. */
static gboolean
read_tensors (QksSafetensors        *file,
              const char            *origin,
              const QksParamLayout  *layout,
              const char            *prefix,
              qks_real              *base,
              guint                  expected_total,
              GError               **error)
{
  for (guint i = 0; i < qks_param_layout_get_n_tensors (layout); i++)
    {
      const QksParamTensor *tensor = qks_param_layout_get_tensor (layout, i);
      g_autofree char *name = g_strconcat (prefix, tensor->name, NULL);
      const QksTensorInfo *info = qks_safetensors_lookup (file, name);
      gboolean same_shape;

      if (info == NULL)
        {
          g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_MISMATCH,
                       "“%s” lacks the tensor “%s” that its configuration needs", origin, name);
          return FALSE;
        }
      same_shape = info->n_dims == tensor->n_dims;
      for (guint d = 0; same_shape && d < tensor->n_dims; d++)
        same_shape = info->shape[d] == tensor->shape[d];
      if (!same_shape)
        {
          g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_MISMATCH,
                       "In “%s”, the tensor “%s” has %zu elements in another shape than its "
                       "configuration gives", origin, name, info->n_elements);
          return FALSE;
        }
      if (!qks_safetensors_read_f32 (file, name, base + tensor->offset, tensor->size, error))
        return FALSE;
    }

  if (qks_safetensors_get_n_tensors (file) != expected_total)
    {
      g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_MISMATCH,
                   "“%s” holds %u tensors where its configuration has %u",
                   origin, qks_safetensors_get_n_tensors (file), expected_total);
      return FALSE;
    }
  return TRUE;
}

/**
 * qks_checkpoint_model_from_safetensors:
 * @origin: the file's name, for messages
 * @fallback_config: (nullable): the configuration to use when the file's
 *   metadata has none (a config.json beside it)
 * @step: (out) (optional): the step the weights were saved at
 *
 * Returns: (transfer full): the model, or %NULL with @error saying what
 *   does not fit.
 */
QksModel *
qks_checkpoint_model_from_safetensors (QksSafetensors  *file,
                                       const char      *origin,
                                       JsonNode        *fallback_config,
                                       guint           *step,
                                       GError         **error)
{
  const char *config_text = qks_safetensors_get_metadata (file, KEY_CONFIG);
  g_autoptr(JsonNode) config_json = NULL;
  g_autoptr(QksModel) model = NULL;
  QksModelConfig config;
  guint saved_step;

  if (config_text != NULL)
    config_json = parse_json (config_text, "model configuration", origin, error);
  else if (fallback_config != NULL)
    config_json = json_node_copy (fallback_config);
  else
    g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_NOT_QKSCOPE,
                 "“%s” has no QK Scope model configuration (in its metadata or a config.json "
                 "beside it)", origin);
  if (config_json == NULL)
    return NULL;

  if (!qks_model_config_from_json (&config, config_json, error) ||
      !parse_step (file, origin, &saved_step, error) ||
      (model = qks_model_new (&config, error)) == NULL)
    return NULL;

  if (!read_tensors (file, origin, qks_model_get_layout (model), "", qks_model_get_params (model),
                     qks_param_layout_get_n_tensors (qks_model_get_layout (model)), error))
    return NULL;

  if (step != NULL)
    *step = saved_step;
  return g_steal_pointer (&model);
}

static JsonNode *
read_config_json (const char  *path,
                  GError     **error)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  return parse_json (text, "configuration", path, error);
}

/**
 * qks_checkpoint_load_model:
 * @path: a checkpoint directory, or a model.safetensors file
 * @step: (out) (optional): the step the weights were saved at
 *
 * Returns: (transfer full): the model, or %NULL with @error naming the
 *   file and what is wrong with it (truncated, malformed, not QK Scope's).
 */
QksModel *
qks_checkpoint_load_model (const char  *path,
                           guint       *step,
                           GError     **error)
{
  g_autofree char *file_path = NULL;
  g_autofree char *directory = NULL;
  g_autofree char *config_path = NULL;
  g_autoptr(QksSafetensors) file = NULL;
  g_autoptr(JsonNode) fallback = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    file_path = g_build_filename (path, QKS_CHECKPOINT_MODEL_FILE, NULL);
  else
    file_path = g_strdup (path);

  if ((file = qks_safetensors_open (file_path, error)) == NULL)
    return NULL;

  if (qks_safetensors_get_metadata (file, KEY_CONFIG) == NULL)
    {
      directory = g_path_get_dirname (file_path);
      config_path = g_build_filename (directory, QKS_CHECKPOINT_CONFIG_FILE, NULL);
      if (g_file_test (config_path, G_FILE_TEST_EXISTS) &&
          (fallback = read_config_json (config_path, error)) == NULL)
        return NULL;
    }

  return qks_checkpoint_model_from_safetensors (file, file_path, fallback, step, error);
}

/**
 * qks_checkpoint_train_config_from_safetensors:
 * @state: an optimizer state (optimizer.safetensors)
 * @origin: its name, for messages
 *
 * Reads the training configuration saved with the optimizer state.
 */
gboolean
qks_checkpoint_train_config_from_safetensors (QksSafetensors  *state,
                                              const char      *origin,
                                              QksTrainConfig  *config,
                                              GError         **error)
{
  g_autoptr(JsonNode) node = NULL;
  const char *text = qks_safetensors_get_metadata (state, KEY_TRAIN_CONFIG);

  if (text == NULL)
    {
      g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_NOT_QKSCOPE,
                   "“%s” holds no training configuration", origin);
      return FALSE;
    }
  if ((node = parse_json (text, "training configuration", origin, error)) == NULL)
    return FALSE;
  return qks_train_config_from_json (config, node, error);
}

/**
 * qks_checkpoint_read_train_config:
 *
 * Reads the training configuration saved with a checkpoint.
 */
gboolean
qks_checkpoint_read_train_config (const char      *directory,
                                  QksTrainConfig  *config,
                                  GError         **error)
{
  g_autofree char *path = g_build_filename (directory, QKS_CHECKPOINT_OPTIMIZER_FILE, NULL);
  g_autoptr(QksSafetensors) file = qks_safetensors_open (path, error);

  if (file == NULL)
    return FALSE;
  return qks_checkpoint_train_config_from_safetensors (file, path, config, error);
}

/**
 * qks_checkpoint_training_state_from_safetensors:
 * @checkpoint: what the checkpoint is, for messages, e.g. "The checkpoint
 *   in “run/”"
 * @weights: its model.safetensors, named @weights_origin in messages
 * @state: its optimizer.safetensors, named @state_origin in messages
 * @model: a model of the checkpoint's configuration, whose weights are read
 * @optimizer: its optimizer, whose moments and step are read
 * @step: (out): the step of the checkpoint
 * @data_rng: (out): the data stream where the run left it
 *
 * Leaves @model and @optimizer untouched when it fails.
 */
gboolean
qks_checkpoint_training_state_from_safetensors (const char      *checkpoint,
                                                QksSafetensors  *weights,
                                                const char      *weights_origin,
                                                QksSafetensors  *state,
                                                const char      *state_origin,
                                                QksModel        *model,
                                                QksOptimizer    *optimizer,
                                                guint           *step,
                                                QksRng          *data_rng,
                                                GError         **error)
{
  const QksParamLayout *layout = qks_model_get_layout (model);
  guint n_tensors = qks_param_layout_get_n_tensors (layout);
  guint weights_step, state_step;
  gsize n = qks_model_get_n_params (model);
  g_autofree qks_real *scratch = NULL;
  QksRng rng;

  if (!parse_step (weights, weights_origin, &weights_step, error) ||
      !parse_step (state, state_origin, &state_step, error))
    return FALSE;

  if (weights_step != state_step)
    {
      g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_INCONSISTENT,
                   "%s is inconsistent: its weights are from step %u and its optimizer "
                   "state from step %u", checkpoint, weights_step, state_step);
      return FALSE;
    }
  if (!rng_from_text (qks_safetensors_get_metadata (state, KEY_DATA_RNG), &rng))
    {
      g_set_error (error, QKS_CHECKPOINT_ERROR, QKS_CHECKPOINT_ERROR_NOT_QKSCOPE,
                   "“%s” lacks a valid data stream state", state_origin);
      return FALSE;
    }

  /* Read into scratch first, so that a bad file leaves the model untouched. */
  scratch = g_new (qks_real, 3 * MAX (n, 1));
  if (!read_tensors (state, state_origin, layout, "m.", scratch, 2 * n_tensors, error) ||
      !read_tensors (state, state_origin, layout, "v.", scratch + n, 2 * n_tensors, error) ||
      !read_tensors (weights, weights_origin, layout, "", scratch + 2 * n, n_tensors, error))
    return FALSE;

  memcpy (qks_optimizer_get_m (optimizer), scratch, n * sizeof (qks_real));
  memcpy (qks_optimizer_get_v (optimizer), scratch + n, n * sizeof (qks_real));
  memcpy (qks_model_get_params (model), scratch + 2 * n, n * sizeof (qks_real));
  qks_optimizer_set_step (optimizer, state_step);
  *step = state_step;
  *data_rng = rng;
  return TRUE;
}

/**
 * qks_checkpoint_read_training_state:
 * @model: a model of the checkpoint's configuration, whose weights are read
 * @optimizer: its optimizer, whose moments and step are read
 * @step: (out): the step of the checkpoint
 * @data_rng: (out): the data stream where the run left it
 */
gboolean
qks_checkpoint_read_training_state (const char    *directory,
                                    QksModel      *model,
                                    QksOptimizer  *optimizer,
                                    guint         *step,
                                    QksRng        *data_rng,
                                    GError       **error)
{
  g_autofree char *model_path = g_build_filename (directory, QKS_CHECKPOINT_MODEL_FILE, NULL);
  g_autofree char *state_path = g_build_filename (directory, QKS_CHECKPOINT_OPTIMIZER_FILE, NULL);
  g_autofree char *checkpoint = g_strdup_printf ("The checkpoint in “%s”", directory);
  g_autoptr(QksSafetensors) weights = NULL;
  g_autoptr(QksSafetensors) state = NULL;

  if ((weights = qks_safetensors_open (model_path, error)) == NULL ||
      (state = qks_safetensors_open (state_path, error)) == NULL)
    return FALSE;
  return qks_checkpoint_training_state_from_safetensors (checkpoint, weights, model_path,
                                                         state, state_path, model, optimizer,
                                                         step, data_rng, error);
}
