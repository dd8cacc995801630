/* qks-adapt.c: another program's checkpoint as effective per-head matrices, layer by layer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-adapt-private.h"

G_DEFINE_QUARK (qks-adapt-error-quark, qks_adapt_error)

/* In the order they are tried: QK Scope's own first (its names are its
 * own), and MLA before LLaMA, because DeepSeek-V2-Lite has a q_proj too. */
static const QksAdaptLayout *layouts[] = {
  &qks_adapt_layout_qkscope,
  &qks_adapt_layout_mla,
  &qks_adapt_layout_llama,
  &qks_adapt_layout_gpt2,
};

/* How many names the unknown-layout message quotes. */
#define MAX_NAMES_SHOWN 8

static void
qks_adapter_clear (QksAdapter *self)
{
  g_clear_pointer (&self->model, qks_model_free);
  g_clear_pointer (&self->sizes.prefix, g_free);
  g_clear_pointer (&self->files, qks_model_files_unref);
}

QksAdapter *
qks_adapter_ref (QksAdapter *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
qks_adapter_unref (QksAdapter *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) qks_adapter_clear);
}

/* The names most telling of a layout: attention weights first. */
static char *
describe_names (QksModelFiles *files)
{
  g_autoptr(GPtrArray) names = qks_model_files_list_names (files);
  g_autoptr(GString) text = g_string_new (NULL);
  guint shown = 0;

  for (int pass = 0; pass < 2 && shown < MAX_NAMES_SHOWN; pass++)
    for (guint i = 0; i < names->len && shown < MAX_NAMES_SHOWN; i++)
      {
        const char *name = names->pdata[i];
        gboolean attention = strstr (name, "attn") != NULL || strstr (name, "attention") != NULL;

        if (attention != (pass == 0))
          continue;
        g_string_append_printf (text, "%s“%s”", shown ? ", " : "", name);
        shown++;
      }
  if (names->len > shown)
    g_string_append_printf (text, ", … (%u in all)", names->len);
  if (names->len == 0)
    g_string_append (text, "none");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
set_unknown_layout (QksModelFiles  *files,
                    GError        **error)
{
  const QksHfConfig *config = qks_model_files_get_config (files);
  g_autofree char *found = describe_names (files);
  g_autoptr(GString) expected = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    g_string_append_printf (expected, "\n  %s: %s", layouts[i]->name, layouts[i]->expects);

  g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_UNKNOWN_LAYOUT,
               "“%s” is in no attention layout that QK Scope knows%s%s%s.\n"
               "It holds the tensors %s.\nThe known layouts have (for layer 0):%s",
               qks_model_files_get_display_name (files),
               config != NULL && config->model_type != NULL ? " (config.json says model_type “" : "",
               config != NULL && config->model_type != NULL ? config->model_type : "",
               config != NULL && config->model_type != NULL ? "”)" : "",
               found, expected->str);
  return FALSE;
}

/**
 * qks_adapter_new:
 * @files: an open checkpoint
 *
 * Recognises the layout of @files and checks, from the headers alone, that
 * every layer has the tensors of that layout in the shapes its sizes give.
 *
 * Returns: (transfer full): the adapter, or %NULL with @error set: a
 *   %QKS_ADAPT_ERROR naming the file, the tensor and what was expected
 *   (_UNKNOWN_LAYOUT lists some of the names found and what each known
 *   layout has instead)
 */
QksAdapter *
qks_adapter_new (QksModelFiles  *files,
                 GError        **error)
{
  g_autoptr(QksAdapter) self = NULL;

  g_return_val_if_fail (files != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_atomic_rc_box_new0 (QksAdapter);
  self->files = qks_model_files_ref (files);

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i]->recognise (files, &self->sizes.prefix))
      {
        self->layout = layouts[i];
        break;
      }
  if (self->layout == NULL)
    {
      set_unknown_layout (files, error);
      return NULL;
    }
  if (!self->layout->configure (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * qks_adapter_open:
 * @path: a .safetensors file, a shard index, or a model folder
 *
 * qks_model_files_open() then qks_adapter_new().
 */
QksAdapter *
qks_adapter_open (const char  *path,
                  GError     **error)
{
  g_autoptr(QksModelFiles) files = qks_model_files_open (path, error);

  if (files == NULL)
    return NULL;
  return qks_adapter_new (files, error);
}

QksModelFiles *
qks_adapter_get_files (QksAdapter *self)
{
  return self->files;
}

const char *
qks_adapter_get_layout_name (QksAdapter *self)
{
  return self->layout->name;
}

guint
qks_adapter_get_n_layers (QksAdapter *self)
{
  return self->sizes.n_layers;
}

/**
 * qks_adapter_get_layer_bytes:
 *
 * Returns: the memory that one layer's per-head matrices take once loaded
 *   (qks_adapter_load_layer()), in double precision, shared keys and values
 *   counted once per head as they are held
 */
gsize
qks_adapter_get_layer_bytes (QksAdapter *self)
{
  const QksAdaptSizes *s = &self->sizes;
  gsize per_head = (gsize) 2 * s->d_head * s->d_model + (gsize) 2 * s->d_v * s->d_model +
                   (gsize) s->d_rope * s->d_model;

  return sizeof (double) * ((gsize) s->n_heads * per_head + (gsize) s->d_rope * s->d_model);
}

/**
 * qks_adapter_get_step:
 * @step: (out): the training step the file records
 *
 * Returns: whether the file records its step (QK Scope's own do); for
 *   other programs' the step comes from the folder's name, see
 *   qks_checkpoint_series_list().
 */
gboolean
qks_adapter_get_step (QksAdapter *self,
                      guint      *step)
{
  if (self->has_step)
    *step = self->step;
  return self->has_step;
}

/**
 * qks_adapter_get_model_config:
 *
 * Returns: (nullable): for a QK Scope checkpoint, its model's
 *   configuration (the diagnostics then use the variant's Monte-Carlo
 *   null); %NULL for other programs'
 */
const QksModelConfig *
qks_adapter_get_model_config (QksAdapter *self)
{
  return self->model != NULL ? qks_model_get_config (self->model) : NULL;
}

/**
 * qks_adapter_describe:
 *
 * Returns: (transfer full): one line, e.g. “LLaMA/Mistral/Qwen2 layout,
 *   BF16, d=4096, L=32, H=32, 8 key/value heads, d_h=128”
 */
char *
qks_adapter_describe (QksAdapter *self)
{
  const QksAdaptSizes *s = &self->sizes;
  GString *text = g_string_new (NULL);

  if (self->model != NULL)
    {
      g_autofree char *model = qks_model_config_describe (qks_model_get_config (self->model));

      g_string_printf (text, "%s layout, %s", self->layout->name, model);
      return g_string_free (text, FALSE);
    }

  g_string_printf (text, "%s layout, %s, d=%u, L=%u, H=%u", self->layout->name,
                   qks_dtype_to_string (s->dtype), s->d_model, s->n_layers, s->n_heads);
  if (s->n_kv_heads != s->n_heads)
    g_string_append_printf (text, ", %u key/value heads", s->n_kv_heads);
  g_string_append_printf (text, ", d_h=%u", s->d_head);
  if (s->d_v != s->d_head)
    g_string_append_printf (text, ", d_v=%u", s->d_v);
  if (s->d_latent_kv > 0)
    g_string_append_printf (text, ", d_c=%u, d_c'=%u, d_h^R=%u", s->d_latent_kv, s->d_latent_q, s->d_rope);
  if (s->qk_norm)
    g_string_append (text, ", q/k norms");
  return g_string_free (text, FALSE);
}

/**
 * qks_adapter_load_layer:
 * @layer: less than qks_adapter_get_n_layers()
 *
 * Reads and converts one layer's attention weights, and nothing else: the
 * memory it takes is that of one layer's per-head matrices. Threads may
 * load layers of one adapter at once.
 *
 * Returns: (transfer full): the layer's effective per-head matrices
 *   (SCIENCE.md b.1), with the chains of its null and whether its keys are
 *   shared by construction, or %NULL with @error set
 */
QksAttnHeads *
qks_adapter_load_layer (QksAdapter  *self,
                        guint        layer,
                        GError     **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (layer < self->sizes.n_layers, NULL);

  return self->layout->load_layer (self, layer, error);
}

/* Helpers for the layouts ---------------------------------------------------- */

/**
 * qks_adapt_find_prefix:
 * @layer0_suffix: a name of layer 0 without its prefix, e.g.
 *   “layers.0.self_attn.q_proj.weight”
 * @prefix: (out) (optional): what comes before it in the file (“model.”),
 *   possibly empty
 *
 * Returns: whether some tensor name ends with @layer0_suffix after a
 *   prefix that is empty or ends in a dot
 */
gboolean
qks_adapt_find_prefix (QksModelFiles  *files,
                       const char     *layer0_suffix,
                       char          **prefix)
{
  g_autoptr(GPtrArray) names = qks_model_files_list_names (files);
  gsize suffix_length = strlen (layer0_suffix);

  /* Sorted, so the shortest prefix of several (a model and its draft
   * model, say) is found the same way every time. */
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      gsize length = strlen (name);

      if (length < suffix_length || strcmp (name + length - suffix_length, layer0_suffix) != 0)
        continue;
      if (length > suffix_length && name[length - suffix_length - 1] != '.')
        continue;
      if (prefix != NULL)
        *prefix = g_strndup (name, length - suffix_length);
      return TRUE;
    }
  return FALSE;
}

/**
 * qks_adapt_name:
 * @layer_format: how the layout names a layer, e.g. “layers.%u.”
 * @suffix: the rest, e.g. “self_attn.q_proj.weight”
 *
 * Returns: (transfer full): the full tensor name
 */
char *
qks_adapt_name (QksAdapter *self,
                const char *layer_format,
                guint       layer,
                const char *suffix)
{
  g_autofree char *layer_part = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  layer_part = g_strdup_printf (layer_format, layer);
#pragma GCC diagnostic pop
  return g_strconcat (self->sizes.prefix, layer_part, suffix, NULL);
}

/**
 * qks_adapt_require_config:
 * @what: what the sizes are needed for, for the message
 *
 * Returns: (nullable): the config.json sizes, or %NULL with @error set
 *   when the checkpoint has no config.json
 */
const QksHfConfig *
qks_adapt_require_config (QksAdapter  *self,
                          const char  *what,
                          GError     **error)
{
  const QksHfConfig *config = qks_model_files_get_config (self->files);

  if (config == NULL)
    g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_NO_CONFIG,
                 "“%s” looks like a %s checkpoint but has no %s beside it: %s cannot be read from "
                 "the tensor shapes alone", qks_model_files_get_display_name (self->files),
                 self->layout->name, QKS_MODEL_FILES_CONFIG, what);
  return config;
}

/**
 * qks_adapt_count_layers:
 * @probe_suffix: a tensor every layer has
 *
 * Sets sizes.n_layers: config.json's number of layers if it gives one
 * (then every one of them must be there), else the layers present from 0.
 */
gboolean
qks_adapt_count_layers (QksAdapter   *self,
                        const char   *layer_format,
                        const char   *probe_suffix,
                        GError      **error)
{
  const QksHfConfig *config = qks_model_files_get_config (self->files);
  guint found = 0;

  while (found < QKS_HF_CONFIG_MAX_LAYERS)
    {
      g_autofree char *name = qks_adapt_name (self, layer_format, found, probe_suffix);

      if (qks_model_files_lookup (self->files, name, NULL) == NULL)
        break;
      found++;
    }

  if (config != NULL && config->n_layers > 0 && config->n_layers != found)
    {
      g_autofree char *name = qks_adapt_name (self, layer_format, MIN (found, config->n_layers), probe_suffix);

      if (found < config->n_layers)
        g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_MISSING_TENSOR,
                     "“%s”: %s gives %u layers, but there is no “%s” (layers 0 to %u are there)",
                     qks_model_files_get_display_name (self->files), QKS_MODEL_FILES_CONFIG,
                     config->n_layers, name, found == 0 ? 0 : found - 1);
      else
        g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                     "“%s”: %s gives %u layers, but the weights have %u (there is a “%s”)",
                     qks_model_files_get_display_name (self->files), QKS_MODEL_FILES_CONFIG,
                     config->n_layers, found, name);
      return FALSE;
    }
  self->sizes.n_layers = found;
  return TRUE;
}

static char *
format_shape (const QksTensorInfo *info)
{
  GString *text = g_string_new ("[");

  for (guint i = 0; i < info->n_dims; i++)
    g_string_append_printf (text, "%s%zu", i ? ", " : "", info->shape[i]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

/**
 * qks_adapt_check_shape:
 * @n_dims: 1 (then @cols is ignored) or 2
 * @because: what gives the expected shape, for the message (“config.json's
 *   8 key/value heads of 128 dims”)
 *
 * Also notes the dtype of the first weight checked, for the description.
 */
gboolean
qks_adapt_check_shape (QksAdapter  *self,
                       const char  *name,
                       guint        n_dims,
                       gsize        rows,
                       gsize        cols,
                       const char  *because,
                       GError     **error)
{
  const QksTensorInfo *info = qks_model_files_lookup (self->files, name, NULL);
  const char *display = qks_model_files_get_display_name (self->files);

  if (info == NULL)
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_MISSING_TENSOR,
                   "“%s” has no “%s”, which the %s layout needs", display, name, self->layout->name);
      return FALSE;
    }
  if (info->n_dims != n_dims || info->shape[0] != rows || (n_dims == 2 && info->shape[1] != cols))
    {
      g_autofree char *shape = format_shape (info);

      if (n_dims == 2)
        g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                     "“%s”: “%s” has shape %s, but %s give [%zu, %zu]",
                     display, name, shape, because, rows, cols);
      else
        g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                     "“%s”: “%s” has shape %s, but %s give [%zu]", display, name, shape, because, rows);
      return FALSE;
    }
  if (!qks_dtype_converts_to_f32 (info->dtype))
    {
      g_set_error (error, QKS_ADAPT_ERROR, QKS_ADAPT_ERROR_INCONSISTENT,
                   "“%s”: “%s” holds %s, which cannot be read as float (only F32, F16, BF16 and F64 "
                   "can; quantised checkpoints must be converted first)",
                   display, name, qks_dtype_to_string (info->dtype));
      return FALSE;
    }
  if (n_dims == 2 && self->sizes.dtype == QKS_DTYPE_F32 && info->dtype != QKS_DTYPE_F32)
    self->sizes.dtype = info->dtype;
  return TRUE;
}

gboolean
qks_adapt_read (QksAdapter    *self,
                const char    *name,
                gsize          row,
                gsize          col,
                QksTranspose   transpose,
                QksMatrix     *out,
                GError       **error)
{
  return qks_model_files_read_block (self->files, name, row, col, transpose, out, error);
}

/* diag(@gains) @matrix: an RMSNorm's gains folded into the map after it. */
void
qks_adapt_scale_rows (QksMatrix    *matrix,
                      const double *gains)
{
  for (gsize i = 0; i < matrix->rows; i++)
    for (gsize j = 0; j < matrix->cols; j++)
      matrix->data[i * matrix->cols + j] *= gains[i];
}

/**
 * qks_adapt_set_gqa_chains:
 *
 * As QK Scope's own GQA sets them (qks-attn-gqa.c): the layer's form
 * W_Qᵀ W_K has rank G·d_h, and with one key/value head (MQA) every head's
 * keys are one map, so their subspaces coincide by construction (f.6).
 */
void
qks_adapt_set_gqa_chains (QksAttnHeads *heads,
                          guint         n_kv_heads)
{
  qks_attn_heads_set_kv_groups (heads, n_kv_heads);
}
