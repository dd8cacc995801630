/* qks-config.c: the shape of a model and of its attention variant
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qks-config.h"

G_DEFINE_QUARK (qks-config-error-quark, qks_config_error)

/* DESIGN.md's presets: their names, as run files and the command line spell
 * them, and beside them (same order) what the app shows and the sizes. */
static const char * const preset_names[] = { "tiny", "small", NULL };

static const struct
{
  const char *label;
  guint       d_model;
  guint       n_layers;
  guint       n_heads;
  guint       seq_len;
} presets[] = {
  { N_("Tiny"), 128, 4, 4, 128 },
  { N_("Small"), 256, 6, 8, 256 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (preset_names) == G_N_ELEMENTS (presets) + 1);

static const struct
{
  const char *name;
  const char *label;
} attn_kinds[QKS_ATTN_N_KINDS] = {
  [QKS_ATTN_MHA] = { "mha", "MHA" },
  [QKS_ATTN_GQA] = { "gqa", "GQA" },
  [QKS_ATTN_MQA] = { "mqa", "MQA" },
  [QKS_ATTN_MLA_PREROPE] = { "mla-prerope", "MLA-PreRoPE" },
  [QKS_ATTN_MLA_DECOUPLED] = { "mla-decoupled", "MLA-Decoupled" },
  [QKS_ATTN_LRKV] = { "lrkv", "LRKV" },
};

const char *
qks_attn_kind_to_string (QksAttnKind kind)
{
  g_return_val_if_fail (kind < QKS_ATTN_N_KINDS, NULL);
  return attn_kinds[kind].name;
}

/**
 * qks_attn_kind_get_label:
 *
 * Returns: the name shown to users, as the papers write it ("MLA-PreRoPE").
 */
const char *
qks_attn_kind_get_label (QksAttnKind kind)
{
  g_return_val_if_fail (kind < QKS_ATTN_N_KINDS, NULL);
  return attn_kinds[kind].label;
}

gboolean
qks_attn_kind_from_string (const char   *name,
                           QksAttnKind  *kind,
                           GError      **error)
{
  g_autoptr(GString) known = g_string_new (NULL);

  for (guint i = 0; i < QKS_ATTN_N_KINDS; i++)
    {
      if (g_ascii_strcasecmp (name, attn_kinds[i].name) == 0)
        {
          *kind = (QksAttnKind) i;
          return TRUE;
        }
      g_string_append_printf (known, "%s%s", i ? ", " : "", attn_kinds[i].name);
    }

  g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_UNKNOWN_NAME,
               "Unknown attention variant “%s” (known: %s)", name, known->str);
  return FALSE;
}

/**
 * qks_model_config_set_attention:
 *
 * Selects a variant with the default settings of DESIGN.md, which depend on
 * the sizes already set: MLA d_c = d/4, d_c' = 3d/8, d_h^R = d_h/2;
 * GQA G = H/4; LRKV r = d_h/4.
 */
void
qks_model_config_set_attention (QksModelConfig *config,
                                QksAttnKind     kind)
{
  config->attention = kind;
  config->n_kv_groups = config->n_heads;
  config->d_latent_kv = config->d_model / 4;
  config->d_latent_q = 3 * config->d_model / 8;
  config->d_rope = config->d_head / 2;
  config->mla_rope_mode = QKS_MLA_ROPE_COUPLED;
  config->lrkv_rank = config->d_head / 4;
  config->lrkv_init = QKS_LRKV_INIT_RANDOM;

  if (kind == QKS_ATTN_GQA)
    config->n_kv_groups = MAX (config->n_heads / 4, 1);
  else if (kind == QKS_ATTN_MQA)
    config->n_kv_groups = 1;
}

/**
 * qks_model_config_get_presets:
 *
 * Returns: (transfer none): the presets' names, %NULL-terminated, smallest first.
 */
const char * const *
qks_model_config_get_presets (void)
{
  return preset_names;
}

/**
 * qks_model_preset_get_label:
 *
 * Returns: the translated name shown to users ("Tiny"), or %NULL for an
 *   unknown preset.
 */
const char *
qks_model_preset_get_label (const char *preset)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (preset, preset_names[i]) == 0)
      return _(presets[i].label);
  return NULL;
}

/**
 * qks_model_config_init_preset:
 * @preset: "tiny" (d=128, L=4, H=4, T=128) or "small" (d=256, L=6, H=8, T=256)
 *
 * Fills @config with a preset and MHA attention.
 */
gboolean
qks_model_config_init_preset (QksModelConfig  *config,
                              const char      *preset,
                              GError         **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (preset, preset_names[i]) == 0)
      return qks_model_config_init_sizes (config, presets[i].d_model, presets[i].n_layers,
                                          presets[i].n_heads, presets[i].seq_len, error);

  g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_UNKNOWN_NAME,
               "Unknown preset “%s” (known: tiny, small)", preset);
  return FALSE;
}

/**
 * qks_model_config_find_preset:
 *
 * Returns: (nullable): the name of the preset whose sizes @config has (its
 *   attention aside), or %NULL if it has custom sizes.
 */
const char *
qks_model_config_find_preset (const QksModelConfig *config)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      QksModelConfig preset;

      qks_model_config_init_preset (&preset, preset_names[i], NULL);
      if (config->vocab_size == preset.vocab_size && config->d_model == preset.d_model &&
          config->n_layers == preset.n_layers && config->n_heads == preset.n_heads &&
          config->d_head == preset.d_head && config->d_mlp == preset.d_mlp &&
          config->seq_len == preset.seq_len && config->rope_base == preset.rope_base)
        return preset_names[i];
    }
  return NULL;
}

/**
 * qks_model_config_init_sizes:
 *
 * Fills @config with custom sizes, d_h = d/H, the MLP 4d wide and MHA
 * attention, or fails naming the size that does not fit.
 */
gboolean
qks_model_config_init_sizes (QksModelConfig  *config,
                             guint            d_model,
                             guint            n_layers,
                             guint            n_heads,
                             guint            seq_len,
                             GError         **error)
{
  memset (config, 0, sizeof *config);
  if (n_heads == 0 || d_model % n_heads != 0)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID,
                   "The width d = %u is not divisible by the number of heads H = %u",
                   d_model, n_heads);
      return FALSE;
    }

  config->vocab_size = 256;
  config->rope_base = 10000.0;
  config->d_model = d_model;
  config->n_layers = n_layers;
  config->n_heads = n_heads;
  config->d_head = d_model / n_heads;
  config->d_mlp = 4 * d_model;
  config->seq_len = seq_len;
  qks_model_config_set_attention (config, QKS_ATTN_MHA);
  return qks_model_config_validate (config, error);
}

#define INVALID(...) \
  G_STMT_START { \
    g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_INVALID, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

/* Keeps every buffer size well inside int (BLAS) and gsize arithmetic. */
#define MAX_DIM (1u << 20)

/**
 * qks_model_config_validate:
 *
 * Returns: %FALSE with a message naming the first impossible setting, such
 *   as a head count that does not divide the width.
 */
gboolean
qks_model_config_validate (const QksModelConfig  *config,
                           GError               **error)
{
  const guint dims[] = { config->vocab_size, config->d_model, config->n_layers,
                         config->n_heads, config->d_head, config->d_mlp, config->seq_len };
  const char *names[] = { "vocabulary size", "model width d", "number of layers L",
                          "number of heads H", "head dimension d_h", "MLP width", "sequence length T" };

  for (guint i = 0; i < G_N_ELEMENTS (dims); i++)
    if (dims[i] == 0 || dims[i] > MAX_DIM)
      INVALID ("The %s is %u; it must be between 1 and %u", names[i], dims[i], MAX_DIM);

  if (config->attention >= QKS_ATTN_N_KINDS)
    INVALID ("Unknown attention variant %d", (int) config->attention);
  if (!(config->rope_base > 1.0))
    INVALID ("The RoPE base is %g; it must be greater than 1", config->rope_base);
  if (config->d_head % 2 != 0)
    INVALID ("The head dimension d_h = %u is odd; RoPE rotates pairs, so it must be even",
             config->d_head);

  switch (config->attention)
    {
    case QKS_ATTN_MHA:
      if (config->n_kv_groups != config->n_heads)
        INVALID ("MHA has one key/value group per head: G must equal H = %u, not %u",
                 config->n_heads, config->n_kv_groups);
      break;

    case QKS_ATTN_MQA:
      if (config->n_kv_groups != 1)
        INVALID ("MQA shares one key/value group: G must be 1, not %u", config->n_kv_groups);
      break;

    case QKS_ATTN_GQA:
      if (config->n_kv_groups == 0 || config->n_heads % config->n_kv_groups != 0)
        INVALID ("GQA needs the number of groups G = %u to divide the number of heads H = %u",
                 config->n_kv_groups, config->n_heads);
      break;

    case QKS_ATTN_MLA_PREROPE:
    case QKS_ATTN_MLA_DECOUPLED:
      if (config->d_latent_kv == 0 || config->d_latent_kv > MAX_DIM)
        INVALID ("The MLA key/value latent width d_c = %u must be at least 1", config->d_latent_kv);
      if (config->d_latent_q == 0 || config->d_latent_q > MAX_DIM)
        INVALID ("The MLA query latent width d_c' = %u must be at least 1", config->d_latent_q);
      if (config->attention == QKS_ATTN_MLA_DECOUPLED && config->d_rope % 2 != 0)
        INVALID ("The decoupled RoPE dimension d_h^R = %u is odd; RoPE rotates pairs, so it must be even",
                 config->d_rope);
      if (config->attention == QKS_ATTN_MLA_DECOUPLED && config->d_rope > MAX_DIM)
        INVALID ("The decoupled RoPE dimension d_h^R = %u is too large", config->d_rope);
      if (config->attention == QKS_ATTN_MLA_PREROPE &&
          config->mla_rope_mode == QKS_MLA_ROPE_ROTATE_THEN_COMPRESS && config->d_model % 2 != 0)
        INVALID ("Rotate-then-compress rotates the layer input, so the width d = %u must be even",
                 config->d_model);
      break;

    case QKS_ATTN_LRKV:
      if (config->lrkv_rank > config->d_head)
        INVALID ("The LRKV rank r = %u exceeds the head dimension d_h = %u",
                 config->lrkv_rank, config->d_head);
      break;

    case QKS_ATTN_N_KINDS:
    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

/* JSON ------------------------------------------------------------------- */

static const char * const mla_rope_mode_names[] = {
  [QKS_MLA_ROPE_COUPLED] = "coupled",
  [QKS_MLA_ROPE_ROTATE_THEN_COMPRESS] = "rotate-then-compress",
};

static const char * const lrkv_init_names[] = {
  [QKS_LRKV_INIT_RANDOM] = "random",
  [QKS_LRKV_INIT_ZERO_B] = "zero-b",
};

/**
 * qks_mla_rope_mode_to_string:
 *
 * Returns: "coupled" or "rotate-then-compress", as run files and the
 *   command line spell the mode.
 */
const char *
qks_mla_rope_mode_to_string (QksMlaRopeMode mode)
{
  return mode == QKS_MLA_ROPE_ROTATE_THEN_COMPRESS ? mla_rope_mode_names[mode]
                                                   : mla_rope_mode_names[QKS_MLA_ROPE_COUPLED];
}

gboolean
qks_mla_rope_mode_from_string (const char     *name,
                               QksMlaRopeMode *mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (mla_rope_mode_names); i++)
    if (g_strcmp0 (name, mla_rope_mode_names[i]) == 0)
      {
        *mode = (QksMlaRopeMode) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * qks_lrkv_init_to_string:
 *
 * Returns: "random" or "zero-b".
 */
const char *
qks_lrkv_init_to_string (QksLrkvInit init)
{
  return init == QKS_LRKV_INIT_ZERO_B ? lrkv_init_names[init]
                                      : lrkv_init_names[QKS_LRKV_INIT_RANDOM];
}

gboolean
qks_lrkv_init_from_string (const char  *name,
                           QksLrkvInit *init)
{
  for (guint i = 0; i < G_N_ELEMENTS (lrkv_init_names); i++)
    if (g_strcmp0 (name, lrkv_init_names[i]) == 0)
      {
        *init = (QksLrkvInit) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * qks_model_config_to_json:
 *
 * Returns: (transfer full): the configuration as the object written to
 *   config.json and to the safetensors metadata.
 */
JsonNode *
qks_model_config_to_json (const QksModelConfig *config)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
#define ADD_INT(key, value) \
  json_builder_set_member_name (builder, key); \
  json_builder_add_int_value (builder, value)
#define ADD_STRING(key, value) \
  json_builder_set_member_name (builder, key); \
  json_builder_add_string_value (builder, value)

  ADD_STRING ("model_type", "qkscope");
  ADD_INT ("format_version", 1);
  ADD_INT ("vocab_size", config->vocab_size);
  ADD_INT ("d_model", config->d_model);
  ADD_INT ("n_layers", config->n_layers);
  ADD_INT ("n_heads", config->n_heads);
  ADD_INT ("d_head", config->d_head);
  ADD_INT ("d_mlp", config->d_mlp);
  ADD_INT ("seq_len", config->seq_len);
  json_builder_set_member_name (builder, "rope_base");
  json_builder_add_double_value (builder, config->rope_base);
  ADD_STRING ("attention", qks_attn_kind_to_string (config->attention));
  ADD_INT ("n_kv_groups", config->n_kv_groups);
  ADD_INT ("d_latent_kv", config->d_latent_kv);
  ADD_INT ("d_latent_q", config->d_latent_q);
  ADD_INT ("d_rope", config->d_rope);
  ADD_STRING ("mla_rope_mode", qks_mla_rope_mode_to_string (config->mla_rope_mode));
  ADD_INT ("lrkv_rank", config->lrkv_rank);
  ADD_STRING ("lrkv_init", qks_lrkv_init_to_string (config->lrkv_init));
#undef ADD_INT
#undef ADD_STRING
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
read_uint (JsonObject  *object,
           const char  *key,
           guint       *out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);
  gint64 value;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The model configuration lacks the integer “%s”", key);
      return FALSE;
    }
  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXUINT)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The model configuration’s “%s” is out of range (%" G_GINT64_FORMAT ")",
                   key, value);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static const char *
read_string (JsonObject  *object,
             const char  *key,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The model configuration lacks the string “%s”", key);
      return NULL;
    }
  return json_node_get_string (node);
}

/**
 * qks_model_config_from_json:
 *
 * Reads what qks_model_config_to_json() wrote, and validates it.
 */
gboolean
qks_model_config_from_json (QksModelConfig  *config,
                            JsonNode        *node,
                            GError         **error)
{
  JsonObject *object;
  JsonNode *rope_base;
  const char *text;

  memset (config, 0, sizeof *config);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The model configuration is not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (node);

  if ((text = read_string (object, "model_type", error)) == NULL)
    return FALSE;
  if (strcmp (text, "qkscope") != 0)
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The model type is “%s”, not a QK Scope model", text);
      return FALSE;
    }

  if (!read_uint (object, "vocab_size", &config->vocab_size, error) ||
      !read_uint (object, "d_model", &config->d_model, error) ||
      !read_uint (object, "n_layers", &config->n_layers, error) ||
      !read_uint (object, "n_heads", &config->n_heads, error) ||
      !read_uint (object, "d_head", &config->d_head, error) ||
      !read_uint (object, "d_mlp", &config->d_mlp, error) ||
      !read_uint (object, "seq_len", &config->seq_len, error) ||
      !read_uint (object, "n_kv_groups", &config->n_kv_groups, error) ||
      !read_uint (object, "d_latent_kv", &config->d_latent_kv, error) ||
      !read_uint (object, "d_latent_q", &config->d_latent_q, error) ||
      !read_uint (object, "d_rope", &config->d_rope, error) ||
      !read_uint (object, "lrkv_rank", &config->lrkv_rank, error))
    return FALSE;

  rope_base = json_object_get_member (object, "rope_base");
  if (rope_base == NULL || !JSON_NODE_HOLDS_VALUE (rope_base) ||
      (json_node_get_value_type (rope_base) != G_TYPE_DOUBLE &&
       json_node_get_value_type (rope_base) != G_TYPE_INT64))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "The model configuration lacks the number “rope_base”");
      return FALSE;
    }
  config->rope_base = json_node_get_double (rope_base);

  if ((text = read_string (object, "attention", error)) == NULL ||
      !qks_attn_kind_from_string (text, &config->attention, error))
    return FALSE;

  if ((text = read_string (object, "mla_rope_mode", error)) == NULL)
    return FALSE;
  if (!qks_mla_rope_mode_from_string (text, &config->mla_rope_mode))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "Unknown MLA RoPE mode “%s”", text);
      return FALSE;
    }

  if ((text = read_string (object, "lrkv_init", error)) == NULL)
    return FALSE;
  if (!qks_lrkv_init_from_string (text, &config->lrkv_init))
    {
      g_set_error (error, QKS_CONFIG_ERROR, QKS_CONFIG_ERROR_PARSE,
                   "Unknown LRKV initialisation “%s”", text);
      return FALSE;
    }

  return qks_model_config_validate (config, error);
}

/**
 * qks_model_config_describe:
 *
 * Returns: (transfer full): a one-line summary such as
 *   "MLA-Decoupled, d=128, L=4, H=4, d_h=32, T=128, d_c=32, d_c'=48, d_h^R=16".
 */
char *
qks_model_config_describe (const QksModelConfig *config)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s, d=%u, L=%u, H=%u, d_h=%u, T=%u",
                          qks_attn_kind_get_label (config->attention), config->d_model,
                          config->n_layers, config->n_heads, config->d_head, config->seq_len);
  switch (config->attention)
    {
    case QKS_ATTN_GQA:
      g_string_append_printf (text, ", G=%u", config->n_kv_groups);
      break;
    case QKS_ATTN_MLA_PREROPE:
      g_string_append_printf (text, ", d_c=%u, d_c'=%u, %s", config->d_latent_kv, config->d_latent_q,
                              qks_mla_rope_mode_to_string (config->mla_rope_mode));
      break;
    case QKS_ATTN_MLA_DECOUPLED:
      g_string_append_printf (text, ", d_c=%u, d_c'=%u, d_h^R=%u", config->d_latent_kv,
                              config->d_latent_q, config->d_rope);
      break;
    case QKS_ATTN_LRKV:
      g_string_append_printf (text, ", r=%u, %s init", config->lrkv_rank,
                              qks_lrkv_init_to_string (config->lrkv_init));
      break;
    case QKS_ATTN_MHA:
    case QKS_ATTN_MQA:
    case QKS_ATTN_N_KINDS:
    default:
      break;
    }

  return g_string_free (text, FALSE);
}
