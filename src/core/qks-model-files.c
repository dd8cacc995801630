/* qks-model-files.c: another program's checkpoint: one safetensors file or a folder of shards
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qks-json.h"
#include "qks-model-files.h"

/* The index nests two deep ({"metadata": {…}, "weight_map": {…}}). */
#define MAX_INDEX_DEPTH 8
/* Real indexes are a few hundred KiB even for the largest models. */
#define MAX_INDEX_SIZE (64 * 1024 * 1024)

struct _QksModelFiles
{
  char        *path;           /* as given */
  char        *display_name;
  char        *config_path;    /* NULL without a config.json */
  QksHfConfig  config;
  gboolean     has_config;
  GPtrArray   *shards;         /* QksSafetensors, in the order first named */
  GHashTable  *shard_of;       /* tensor name → QksSafetensors (borrowed from @shards) */
};

G_DEFINE_QUARK (qks-model-files-error-quark, qks_model_files_error)

static void
qks_model_files_clear (QksModelFiles *self)
{
  g_clear_pointer (&self->shard_of, g_hash_table_unref);
  g_clear_pointer (&self->shards, g_ptr_array_unref);
  qks_hf_config_clear (&self->config);
  g_clear_pointer (&self->config_path, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->path, g_free);
}

QksModelFiles *
qks_model_files_ref (QksModelFiles *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
qks_model_files_unref (QksModelFiles *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) qks_model_files_clear);
}

static void
add_shard (QksModelFiles  *self,
           QksSafetensors *shard)
{
  g_ptr_array_add (self->shards, shard);
  for (guint i = 0; i < qks_safetensors_get_n_tensors (shard); i++)
    g_hash_table_insert (self->shard_of, (char *) qks_safetensors_get_tensor (shard, i)->name, shard);
}

/* A shard's name comes from a file anyone may have written: it must name a
 * file in the index's own folder, not a path elsewhere. */
static gboolean
is_plain_file_name (const char *name)
{
  return name[0] != '\0' && strchr (name, '/') == NULL && strchr (name, '\\') == NULL &&
         strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

static gboolean
open_index (QksModelFiles  *self,
            const char     *index_path,
            GError        **error)
{
  g_autofree char *display = g_filename_display_name (index_path);
  g_autofree char *folder = g_path_get_dirname (index_path);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) opened = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GList) names = NULL;
  JsonNode *map_node;
  JsonObject *map;
  gsize length;

  if (!g_file_get_contents (index_path, &text, &length, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "“%s”: %s", display, local_error->message);
      return FALSE;
    }
  if (length > MAX_INDEX_SIZE || !g_utf8_validate_len (text, length, NULL))
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_INDEX,
                   "“%s” is not a shard index (too long, or not UTF-8 text)", display);
      return FALSE;
    }
  if ((root = qks_json_parse_strict (text, length, MAX_INDEX_DEPTH, &local_error)) == NULL)
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_INDEX,
                   "“%s” is not valid JSON: %s", display, local_error->message);
      return FALSE;
    }
  map_node = JSON_NODE_HOLDS_OBJECT (root) ? json_object_get_member (json_node_get_object (root), "weight_map")
                                           : NULL;
  if (map_node == NULL || !JSON_NODE_HOLDS_OBJECT (map_node))
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_INDEX,
                   "“%s” has no “weight_map” object naming each tensor's shard", display);
      return FALSE;
    }
  map = json_node_get_object (map_node);
  names = json_object_get_members (map);
  if (names == NULL)
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_INDEX,
                   "“%s” lists no tensors in its “weight_map”", display);
      return FALSE;
    }

  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *tensor = l->data;
      JsonNode *node = json_object_get_member (map, tensor);
      const char *file;
      QksSafetensors *shard;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !is_plain_file_name ((file = json_node_get_string (node))))
        {
          g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_INDEX,
                       "“%s” gives tensor “%s” a shard that is not a file name in its folder",
                       display, tensor);
          return FALSE;
        }

      if (!g_hash_table_lookup_extended (opened, file, NULL, (gpointer *) &shard))
        {
          g_autofree char *shard_path = g_build_filename (folder, file, NULL);

          if (!g_file_test (shard_path, G_FILE_TEST_EXISTS))
            {
              g_autofree char *shard_display = g_filename_display_name (shard_path);

              g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_MISSING_SHARD,
                           "“%s” is missing: “%s” says it holds “%s” (is the download incomplete?)",
                           shard_display, display, tensor);
              return FALSE;
            }
          if ((shard = qks_safetensors_open (shard_path, error)) == NULL)
            return FALSE;
          g_ptr_array_add (self->shards, shard);
          g_hash_table_insert (opened, g_strdup (file), shard);
        }

      if (qks_safetensors_lookup (shard, tensor) == NULL)
        {
          g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_MISSING_TENSOR,
                       "“%s” says “%s” holds tensor “%s”, but it does not", display, file, tensor);
          return FALSE;
        }
      g_hash_table_insert (self->shard_of, (char *) qks_safetensors_lookup (shard, tensor)->name, shard);
    }
  return TRUE;
}

/* The weights of a folder: model.safetensors, the shards of its index, or
 * its only safetensors file. */
static char *
find_weights (const char  *folder,
              GError     **error)
{
  g_autofree char *single = g_build_filename (folder, QKS_MODEL_FILES_WEIGHTS, NULL);
  g_autofree char *index = g_build_filename (folder, QKS_MODEL_FILES_INDEX, NULL);
  g_autofree char *display = g_filename_display_name (folder);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  gboolean has_pickle = FALSE;
  const char *name;

  if (g_file_test (single, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&single);
  if (g_file_test (index, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&index);

  if ((dir = g_dir_open (folder, 0, error)) == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_suffix (name, ".safetensors"))
        g_ptr_array_add (found, g_strdup (name));
      has_pickle |= g_str_has_suffix (name, ".bin") || g_str_has_suffix (name, ".pt") ||
                    g_str_has_suffix (name, ".pth");
    }
  if (found->len == 1)
    return g_build_filename (folder, found->pdata[0], NULL);
  if (found->len > 1)
    {
      g_ptr_array_sort (found, (GCompareFunc) g_strcmp0);
      g_ptr_array_add (found, NULL);
      {
        g_autofree char *list = g_strjoinv (", ", (char **) found->pdata);

        g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_NO_WEIGHTS,
                     "“%s” holds several safetensors files (%s) but no %s to say which belong "
                     "together; open one of them", display, list, QKS_MODEL_FILES_INDEX);
      }
      return NULL;
    }
  g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_NO_WEIGHTS,
               "“%s” holds no %s, no %s and no other safetensors file%s", display,
               QKS_MODEL_FILES_WEIGHTS, QKS_MODEL_FILES_INDEX,
               has_pickle ? " (only PyTorch pickles, which QK Scope does not read: convert them "
                            "to safetensors)" : "");
  return NULL;
}

/**
 * qks_model_files_open:
 * @path: a .safetensors file, a model.safetensors.index.json, or a folder
 *   holding either
 *
 * Opens and validates every file of the checkpoint: the weights (each
 * shard that the index names; a missing one is an error that names it), and
 * the config.json beside them if there is one. No tensor is read yet.
 *
 * Returns: (transfer full): the files, or %NULL with @error naming the
 *   file and what is wrong with it
 */
QksModelFiles *
qks_model_files_open (const char  *path,
                      GError     **error)
{
  g_autoptr(QksModelFiles) self = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *config_path = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_atomic_rc_box_new0 (QksModelFiles);
  self->path = g_strdup (path);
  self->display_name = g_filename_display_name (path);
  self->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) qks_safetensors_unref);
  self->shard_of = g_hash_table_new (g_str_hash, g_str_equal);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if ((weights = find_weights (path, error)) == NULL)
        return NULL;
      folder = g_strdup (path);
    }
  else
    {
      weights = g_strdup (path);
      folder = g_path_get_dirname (path);
    }

  if (g_str_has_suffix (weights, ".index.json"))
    {
      if (!open_index (self, weights, error))
        return NULL;
    }
  else
    {
      QksSafetensors *shard = qks_safetensors_open (weights, error);

      if (shard == NULL)
        return NULL;
      add_shard (self, shard);
    }

  config_path = g_build_filename (folder, QKS_MODEL_FILES_CONFIG, NULL);
  if (g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      if (!qks_hf_config_load (&self->config, config_path, error))
        return NULL;
      self->has_config = TRUE;
      self->config_path = g_steal_pointer (&config_path);
    }

  return g_steal_pointer (&self);
}

const char *
qks_model_files_get_path (QksModelFiles *self)
{
  return self->path;
}

const char *
qks_model_files_get_display_name (QksModelFiles *self)
{
  return self->display_name;
}

/**
 * qks_model_files_get_config:
 *
 * Returns: (nullable): the sizes of the config.json beside the weights, or
 *   %NULL when there is none
 */
const QksHfConfig *
qks_model_files_get_config (QksModelFiles *self)
{
  return self->has_config ? &self->config : NULL;
}

const char *
qks_model_files_get_config_path (QksModelFiles *self)
{
  return self->config_path;
}

guint
qks_model_files_get_n_shards (QksModelFiles *self)
{
  return self->shards->len;
}

QksSafetensors *
qks_model_files_get_shard (QksModelFiles *self,
                           guint          index)
{
  g_return_val_if_fail (index < self->shards->len, NULL);

  return self->shards->pdata[index];
}

/**
 * qks_model_files_get_metadata:
 *
 * Returns: (nullable): @key of the first shard's “__metadata__” (the one
 *   a single-file checkpoint has)
 */
const char *
qks_model_files_get_metadata (QksModelFiles *self,
                              const char    *key)
{
  return qks_safetensors_get_metadata (self->shards->pdata[0], key);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * qks_model_files_list_names:
 *
 * Returns: (transfer container) (element-type utf8): every tensor name of
 *   every shard, sorted; the strings belong to @self
 */
GPtrArray *
qks_model_files_list_names (QksModelFiles *self)
{
  GPtrArray *names = g_ptr_array_sized_new (g_hash_table_size (self->shard_of));
  GHashTableIter iter;
  gpointer name;

  /* g_hash_table_get_keys_as_ptr_array() is newer than GLib 2.74. */
  g_hash_table_iter_init (&iter, self->shard_of);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_names);
  return names;
}

/**
 * qks_model_files_lookup:
 * @shard: (out) (optional) (transfer none): the file that holds it
 *
 * Returns: (nullable): the tensor @name, wherever it is
 */
const QksTensorInfo *
qks_model_files_lookup (QksModelFiles   *self,
                        const char      *name,
                        QksSafetensors **shard)
{
  QksSafetensors *file = g_hash_table_lookup (self->shard_of, name);

  if (shard != NULL)
    *shard = file;
  return file != NULL ? qks_safetensors_lookup (file, name) : NULL;
}

static const QksTensorInfo *
lookup_float (QksModelFiles   *self,
              const char      *name,
              QksSafetensors **shard,
              GError         **error)
{
  const QksTensorInfo *info = qks_model_files_lookup (self, name, shard);

  if (info == NULL)
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_MISSING_TENSOR,
                   "“%s” has no tensor “%s”", self->display_name, name);
      return NULL;
    }
  if (!qks_dtype_converts_to_f32 (info->dtype))
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_DTYPE,
                   "“%s”: tensor “%s” holds %s, which cannot be read as float (only F32, F16, "
                   "BF16 and F64 can; quantised checkpoints must be converted first)",
                   self->display_name, name, qks_dtype_to_string (info->dtype));
      return NULL;
    }
  return info;
}

/* @n values of @dtype to double; F64 stays exact (not through float). */
static void
convert_to_double (QksDtype      dtype,
                   const guint8 *src,
                   gsize         n,
                   float        *scratch,
                   double       *out,
                   gsize         stride)
{
  if (dtype == QKS_DTYPE_F64)
    {
      for (gsize i = 0; i < n; i++)
        {
          guint64 bits;

          memcpy (&bits, src + 8 * i, 8);
          bits = GUINT64_FROM_LE (bits);
          memcpy (&out[i * stride], &bits, 8);
        }
      return;
    }
  qks_dtype_convert_to_f32 (dtype, src, n, scratch);
  for (gsize i = 0; i < n; i++)
    out[i * stride] = scratch[i];
}

/**
 * qks_model_files_read_block:
 * @name: a 2-D tensor
 * @row: the block's first row in the tensor
 * @col: its first column
 * @transpose: whether @out receives the block's transpose
 * @out: the block's destination; its size is the block's (transposed if
 *   @transpose)
 *
 * Reads one block of a matrix, converting it to double: F32, F16 and BF16
 * exactly, F64 as it is. Only the block's bytes of the mapping are read, so
 * a head's slice of a projection costs the slice, not the projection.
 *
 * Returns: %TRUE, or %FALSE with @error set (_MISSING_TENSOR, _DTYPE, or
 *   _SHAPE if the tensor is not a matrix or the block does not fit in it)
 */
gboolean
qks_model_files_read_block (QksModelFiles  *self,
                            const char     *name,
                            gsize           row,
                            gsize           col,
                            QksTranspose    transpose,
                            QksMatrix      *out,
                            GError        **error)
{
  QksSafetensors *shard;
  const QksTensorInfo *info;
  gsize n_rows = transpose == QKS_TRANSPOSE ? out->cols : out->rows;
  gsize n_cols = transpose == QKS_TRANSPOSE ? out->rows : out->cols;
  gsize size;
  const guint8 *data;
  g_autofree float *scratch = NULL;

  if ((info = lookup_float (self, name, &shard, error)) == NULL)
    return FALSE;
  if (info->n_dims != 2 || row > info->shape[0] || n_rows > info->shape[0] - row ||
      col > info->shape[1] || n_cols > info->shape[1] - col)
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_SHAPE,
                   "“%s”: tensor “%s” (%u-D, %zu × %zu) has no %zu × %zu block at (%zu, %zu)",
                   self->display_name, name, info->n_dims, info->n_dims > 0 ? info->shape[0] : 0,
                   info->n_dims > 1 ? info->shape[1] : 0, n_rows, n_cols, row, col);
      return FALSE;
    }

  size = qks_dtype_size (info->dtype);
  data = qks_safetensors_get_tensor_data (shard, info);
  scratch = g_new (float, MAX (n_cols, 1));
  for (gsize i = 0; i < n_rows; i++)
    {
      const guint8 *src = data + ((row + i) * info->shape[1] + col) * size;

      if (transpose == QKS_TRANSPOSE)
        convert_to_double (info->dtype, src, n_cols, scratch, out->data + i, out->cols);
      else
        convert_to_double (info->dtype, src, n_cols, scratch, out->data + i * out->cols, 1);
    }
  /* Read once: out of the process's memory, or a whole model's pages
   * would pile up in it as the layers go by. */
  if (n_rows > 0)
    qks_safetensors_release_pages (shard, data + (row * info->shape[1] + col) * size,
                                   ((n_rows - 1) * info->shape[1] + n_cols) * size);
  return TRUE;
}

/**
 * qks_model_files_read_vector:
 * @name: a 1-D tensor of @length elements (a norm's gains)
 *
 * Returns: %TRUE, or %FALSE with @error set as qks_model_files_read_block() does
 */
gboolean
qks_model_files_read_vector (QksModelFiles  *self,
                             const char     *name,
                             double         *out,
                             gsize           length,
                             GError        **error)
{
  QksSafetensors *shard;
  const QksTensorInfo *info;
  g_autofree float *scratch = NULL;

  if ((info = lookup_float (self, name, &shard, error)) == NULL)
    return FALSE;
  if (info->n_dims != 1 || info->shape[0] != length)
    {
      g_set_error (error, QKS_MODEL_FILES_ERROR, QKS_MODEL_FILES_ERROR_SHAPE,
                   "“%s”: tensor “%s” should be a vector of %zu values, but is %u-D with %zu elements",
                   self->display_name, name, length, info->n_dims, info->n_elements);
      return FALSE;
    }
  scratch = g_new (float, MAX (length, 1));
  convert_to_double (info->dtype, qks_safetensors_get_tensor_data (shard, info), length, scratch, out, 1);
  return TRUE;
}
