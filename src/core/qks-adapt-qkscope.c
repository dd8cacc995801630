/* qks-adapt-qkscope.c: QK Scope's own checkpoints, through the same adapter
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qks-adapt-private.h"
#include "qks-checkpoint.h"
#include "qks-json.h"

/* A checkpoint that QK Scope wrote (qks-checkpoint.c) says so: its
 * configuration is in the safetensors metadata, or in a config.json of
 * model_type “qkscope”. Its models are small, so the model is loaded whole
 * and each variant exports its own heads (qks_model_export_heads), with the
 * variant's chains; the diagnostics can then use the variant's Monte-Carlo
 * null (qks_adapter_get_model_config()). */

#define KEY_CONFIG "qkscope.config"
#define KEY_STEP   "qkscope.step"

static gboolean
qkscope_recognise (QksModelFiles  *files,
                   char          **prefix)
{
  const QksHfConfig *config = qks_model_files_get_config (files);

  if (qks_model_files_get_metadata (files, KEY_CONFIG) == NULL &&
      (config == NULL || g_strcmp0 (config->model_type, "qkscope") != 0))
    return FALSE;
  *prefix = g_strdup ("");
  return TRUE;
}

static gboolean
qkscope_configure (QksAdapter  *self,
                   GError     **error)
{
  g_autoptr(JsonNode) fallback = NULL;
  const char *config_path = qks_model_files_get_config_path (self->files);
  const QksModelConfig *config;

  if (qks_model_files_get_n_shards (self->files) != 1)
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                   "“%s”: QK Scope writes its checkpoints in one file, not in shards",
                   qks_model_files_get_display_name (self->files));
      return FALSE;
    }
  if (qks_model_files_get_metadata (self->files, KEY_CONFIG) == NULL && config_path != NULL)
    {
      g_autofree char *text = NULL;
      gsize length;
      g_autoptr(GError) local_error = NULL;

      if (!g_file_get_contents (config_path, &text, &length, error))
        return FALSE;
      if ((fallback = qks_json_parse_strict (text, length, 64, &local_error)) == NULL)
        {
          g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                       "“%s” is not valid JSON: %s", config_path, local_error->message);
          return FALSE;
        }
    }

  self->model = qks_checkpoint_model_from_safetensors (qks_model_files_get_shard (self->files, 0),
                                                       qks_model_files_get_display_name (self->files),
                                                       fallback, &self->step, error);
  if (self->model == NULL)
    return FALSE;
  self->has_step = qks_model_files_get_metadata (self->files, KEY_STEP) != NULL;

  config = qks_model_get_config (self->model);
  self->sizes.n_layers = config->n_layers;
  self->sizes.d_model = config->d_model;
  self->sizes.n_heads = config->n_heads;
  self->sizes.n_kv_heads = config->n_kv_groups;
  self->sizes.d_head = self->sizes.d_v = config->d_head;
  return TRUE;
}

static QksAttnHeads *
qkscope_load_layer (QksAdapter  *self,
                    guint        layer,
                    GError     **error)
{
  return qks_model_export_heads (self->model, layer);
}

const QksAdaptLayout qks_adapt_layout_qkscope = {
  .name = "QK Scope",
  .expects = "the metadata “" KEY_CONFIG "” or a config.json of model_type “qkscope”, and the "
             "tensors the README lists",
  .recognise = qkscope_recognise,
  .configure = qkscope_configure,
  .load_layer = qkscope_load_layer,
};
