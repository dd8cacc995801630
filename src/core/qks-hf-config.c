/* qks-hf-config.c: the attention sizes in a Hugging Face config.json
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-hf-config.h"
#include "qks-json.h"

/* config.json comes with checkpoints from anywhere, so it is parsed
 * strictly (qks_json_parse_strict: no duplicate keys, bounded depth) and
 * every number is checked before a layout adapter sizes a matrix by it.
 * Real files nest a little (rope_scaling, quantization_config, a
 * multimodal model's text_config); nothing needs more than this. */
#define MAX_JSON_DEPTH 32

G_DEFINE_QUARK (qks-hf-config-error-quark, qks_hf_config_error)

/* The names each size goes by: the transformers attribute first, then the
 * older names that GPT-2's config.json still uses. */
typedef struct
{
  const char *keys[3];
  gsize       offset;
  gboolean    nullable;    /* null means "not used" (DeepSeek-V2-Lite's q_lora_rank) */
} SizeKey;

static const SizeKey size_keys[] = {
  { { "num_hidden_layers", "n_layer", NULL }, G_STRUCT_OFFSET (QksHfConfig, n_layers), FALSE },
  { { "hidden_size", "n_embd", "d_model" }, G_STRUCT_OFFSET (QksHfConfig, d_model), FALSE },
  { { "num_attention_heads", "n_head", NULL }, G_STRUCT_OFFSET (QksHfConfig, n_heads), FALSE },
  { { "num_key_value_heads", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, n_kv_heads), TRUE },
  { { "head_dim", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, head_dim), TRUE },
  { { "q_lora_rank", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, q_lora_rank), TRUE },
  { { "kv_lora_rank", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, kv_lora_rank), TRUE },
  { { "qk_nope_head_dim", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, qk_nope_head_dim), TRUE },
  { { "qk_rope_head_dim", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, qk_rope_head_dim), TRUE },
  { { "v_head_dim", NULL, NULL }, G_STRUCT_OFFSET (QksHfConfig, v_head_dim), TRUE },
};

static const char *
describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_DOUBLE:
      return "a fractional number";
    default:
      return "a value of another kind";
    }
}

static gboolean
read_size (JsonObject     *object,
           const SizeKey  *key,
           QksHfConfig    *config,
           const char     *origin,
           GError        **error)
{
  guint *out = G_STRUCT_MEMBER_P (config, key->offset);

  for (guint i = 0; i < G_N_ELEMENTS (key->keys) && key->keys[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (object, key->keys[i]);
      gint64 value;

      if (node == NULL)
        continue;
      if (JSON_NODE_HOLDS_NULL (node) && key->nullable)
        return TRUE;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        {
          g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_VALUE,
                       "“%s”: “%s” is %s, not an integer", origin, key->keys[i], describe_node (node));
          return FALSE;
        }
      value = json_node_get_int (node);
      /* 0 is how some programs write "not used" for the optional sizes. */
      if (value < (key->nullable ? 0 : 1) ||
          value > (key->offset == G_STRUCT_OFFSET (QksHfConfig, n_layers) ? QKS_HF_CONFIG_MAX_LAYERS
                                                                         : QKS_HF_CONFIG_MAX_SIZE))
        {
          g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_VALUE,
                       "“%s”: “%s” is %" G_GINT64_FORMAT ", out of the range of a model's sizes "
                       "(%u to %u)", origin, key->keys[i], value, key->nullable ? 0 : 1,
                       key->offset == G_STRUCT_OFFSET (QksHfConfig, n_layers) ? QKS_HF_CONFIG_MAX_LAYERS
                                                                             : QKS_HF_CONFIG_MAX_SIZE);
          return FALSE;
        }
      *out = (guint) value;
      return TRUE;
    }
  return TRUE;
}

static gboolean
read_string (JsonObject  *object,
             const char  *key,
             char       **out,
             const char  *origin,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_VALUE,
                   "“%s”: “%s” is %s, not a string", origin, key, describe_node (node));
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_architecture (JsonObject   *object,
                   QksHfConfig  *config,
                   const char   *origin,
                   GError      **error)
{
  JsonNode *node = json_object_get_member (object, "architectures");
  JsonArray *array;
  JsonNode *first;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_VALUE,
                   "“%s”: “architectures” is %s, not an array of names", origin, describe_node (node));
      return FALSE;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return TRUE;
  first = json_array_get_element (array, 0);
  if (!JSON_NODE_HOLDS_VALUE (first) || json_node_get_value_type (first) != G_TYPE_STRING)
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_VALUE,
                   "“%s”: the first of “architectures” is %s, not a name", origin, describe_node (first));
      return FALSE;
    }
  config->architecture = g_strdup (json_node_get_string (first));
  return TRUE;
}

static gboolean
read_object (JsonObject   *object,
             QksHfConfig  *config,
             const char   *origin,
             GError      **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (size_keys); i++)
    if (!read_size (object, &size_keys[i], config, origin, error))
      return FALSE;
  return TRUE;
}

/**
 * qks_hf_config_parse:
 * @config: (out caller-allocates): filled in; cleared first, and left
 *   cleared on failure
 * @data: the file's bytes, not necessarily nul-terminated
 * @length: their number
 * @origin: the file's name, for messages
 *
 * Reads the sizes of a config.json as Hugging Face transformers writes it
 * (and GPT-2's older names). A multimodal model's sizes may sit in its
 * “text_config”: those are read when the top level has none. Only what
 * the file says is checked here (types, ranges, and that the key/value
 * heads divide the heads); whether the sizes fit the tensors is the
 * layout adapter's business.
 *
 * This is the entry point for fuzzing config.json: it reads nothing but
 * @data.
 *
 * Returns: %TRUE, or %FALSE with @error (a %QKS_HF_CONFIG_ERROR) naming
 *   @origin, the key and what is wrong with it
 */
gboolean
qks_hf_config_parse (QksHfConfig  *config,
                     const char   *data,
                     gsize         length,
                     const char   *origin,
                     GError      **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) json_error = NULL;
  JsonObject *object;
  JsonNode *text_config;
  const char *end;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (config, 0, sizeof *config);
  if (!g_utf8_validate_len (data, length, &end))
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_JSON,
                   "“%s” is not UTF-8 text (%s at byte %zu)", origin,
                   *end == '\0' ? "a NUL byte" : "an invalid sequence", (gsize) (end - data));
      return FALSE;
    }
  root = qks_json_parse_strict (data, length, MAX_JSON_DEPTH, &json_error);
  if (root == NULL)
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_JSON,
                   "“%s” is not valid JSON: %s", origin, json_error->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_JSON,
                   "“%s” holds %s, not a JSON object of settings", origin, describe_node (root));
      return FALSE;
    }
  object = json_node_get_object (root);

  if (!read_string (object, "model_type", &config->model_type, origin, error) ||
      !read_architecture (object, config, origin, error) ||
      !read_object (object, config, origin, error))
    goto fail;

  text_config = json_object_get_member (object, "text_config");
  if (config->d_model == 0 && text_config != NULL && JSON_NODE_HOLDS_OBJECT (text_config))
    {
      g_autofree char *inner_origin = g_strdup_printf ("%s (text_config)", origin);
      g_autofree char *outer_type = g_steal_pointer (&config->model_type);

      /* The language model's own type ("llama", "mistral") says its layout. */
      if (!read_string (json_node_get_object (text_config), "model_type", &config->model_type,
                        inner_origin, error) ||
          !read_object (json_node_get_object (text_config), config, inner_origin, error))
        goto fail;
      if (config->model_type == NULL)
        config->model_type = g_steal_pointer (&outer_type);
    }

  if (config->n_kv_heads > 0 && config->n_heads > 0 &&
      (config->n_kv_heads > config->n_heads || config->n_heads % config->n_kv_heads != 0))
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_INCONSISTENT,
                   "“%s”: %u key/value heads cannot serve %u attention heads in equal groups",
                   origin, config->n_kv_heads, config->n_heads);
      goto fail;
    }
  return TRUE;

fail:
  qks_hf_config_clear (config);
  return FALSE;
}

/**
 * qks_hf_config_load:
 * @path: a config.json
 *
 * As qks_hf_config_parse() on the file's contents; a file larger than
 * 16 MiB is refused unread (real ones are a few KiB).
 */
gboolean
qks_hf_config_load (QksHfConfig  *config,
                    const char   *path,
                    GError      **error)
{
  g_autofree char *display_name = g_filename_display_name (path);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;

  memset (config, 0, sizeof *config);
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "“%s”: %s", display_name,
                   local_error->message);
      return FALSE;
    }
  if (g_mapped_file_get_length (mapped) > 16 * 1024 * 1024)
    {
      g_set_error (error, QKS_HF_CONFIG_ERROR, QKS_HF_CONFIG_ERROR_JSON,
                   "“%s” is %zu bytes long, too long for a model configuration", display_name,
                   g_mapped_file_get_length (mapped));
      return FALSE;
    }
  /* An empty file maps to NULL contents. */
  if (g_mapped_file_get_length (mapped) == 0)
    return qks_hf_config_parse (config, "", 0, display_name, error);
  return qks_hf_config_parse (config, g_mapped_file_get_contents (mapped),
                              g_mapped_file_get_length (mapped), display_name, error);
}

void
qks_hf_config_clear (QksHfConfig *config)
{
  g_clear_pointer (&config->model_type, g_free);
  g_clear_pointer (&config->architecture, g_free);
  memset (config, 0, sizeof *config);
}
