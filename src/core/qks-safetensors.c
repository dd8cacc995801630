/* qks-safetensors.c: read safetensors files, validated in full when opened
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include <stdarg.h>
#include <string.h>

#include "qks-json.h"
#include "qks-safetensors.h"

/* Checkpoints come from anywhere, so every number in the header is checked
 * before it is used: once a QksSafetensors exists, every QksTensorInfo in it
 * lies inside the byte buffer and no read can go out of bounds.
 *
 * What the format (https://huggingface.co/docs/safetensors) and its
 * reference implementation require, and so what this reader requires:
 * the header starts with “{”; the tensors, sorted by data_offsets, tile the
 * byte buffer exactly, with no overlaps, no holes and no trailing bytes
 * (so that a file cannot hide a second payload); no key appears twice.
 *
 * Once open, a QksSafetensors never changes, so threads may share it. */

/* A header nests three deep (the object, a tensor entry, its shape); the
 * reference implementation ignores unknown fields in an entry, so leave room
 * for modest nesting there. */
#define MAX_JSON_DEPTH 16

struct _QksSafetensors
{
  char         *display_name;
  GBytes       *bytes;         /* the whole file; for a file, it holds the mapping */
  const guint8 *buffer;        /* the byte buffer, right after the header */
  gsize         buffer_size;
  GArray       *tensors;       /* QksTensorInfo, sorted by data_offsets */
  GHashTable   *by_name;       /* name → QksTensorInfo * into @tensors */
  GHashTable   *metadata;      /* key → value, both strings */
  gboolean      mapped;        /* @bytes maps a file (else it is memory) */
};

G_DEFINE_QUARK (qks-safetensors-error-quark, qks_safetensors_error)

static gboolean G_GNUC_PRINTF (4, 5)
set_error (QksSafetensors  *self,
           GError         **error,
           int              code,
           const char      *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, QKS_SAFETENSORS_ERROR, code, "“%s”: %s", self->display_name, message);
  return FALSE;
}

static void
clear_tensor_info (gpointer data)
{
  QksTensorInfo *info = data;

  g_free ((char *) info->name);
}

static void
qks_safetensors_clear (QksSafetensors *self)
{
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->tensors, g_array_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->display_name, g_free);
}

static QksSafetensors *
qks_safetensors_new (const char *display_name)
{
  QksSafetensors *self = g_atomic_rc_box_new0 (QksSafetensors);

  self->display_name = g_strdup (display_name);
  self->tensors = g_array_new (FALSE, TRUE, sizeof (QksTensorInfo));
  g_array_set_clear_func (self->tensors, clear_tensor_info);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

QksSafetensors *
qks_safetensors_ref (QksSafetensors *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
qks_safetensors_unref (QksSafetensors *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, (GDestroyNotify) qks_safetensors_clear);
}

/* What a JSON value is, for messages that say what was found instead. */
static const char *
describe_node (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
      return json_node_get_int (node) < 0 ? "a negative integer" : "an integer";
    default:
      return "a number with a fraction or an exponent";
    }
}

static gboolean
node_get_size (JsonNode *node,
               gsize    *value)
{
  gint64 v;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > G_MAXSIZE)
    return FALSE;
  *value = (gsize) v;
  return TRUE;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static char *
format_shape (const QksTensorInfo *info)
{
  GString *string = g_string_new ("[");

  for (guint i = 0; i < info->n_dims; i++)
    g_string_append_printf (string, "%s%zu", i > 0 ? ", " : "", info->shape[i]);
  g_string_append_c (string, ']');
  return g_string_free (string, FALSE);
}

static gboolean
parse_metadata (QksSafetensors  *self,
                JsonNode        *node,
                GError         **error)
{
  JsonObject *object;
  g_autoptr(GList) keys = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON,
                      "“__metadata__” is %s, not an object mapping strings to strings",
                      describe_node (node));

  object = json_node_get_object (node);
  keys = json_object_get_members (object);
  for (const GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (object, key);

      if (!node_is_string (value))
        return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON,
                          "“__metadata__” maps “%s” to %s; its values must be strings",
                          key, describe_node (value));
      g_hash_table_insert (self->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static gboolean
parse_shape (QksSafetensors  *self,
             JsonNode        *node,
             QksTensorInfo   *info,
             GError         **error)
{
  g_autofree char *shape = NULL;
  JsonArray *array;
  guint n_dims;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                      "the shape of tensor “%s” is %s, not an array of sizes",
                      info->name, describe_node (node));

  array = json_node_get_array (node);
  n_dims = json_array_get_length (array);
  if (n_dims > QKS_SAFETENSORS_MAX_DIMS)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                      "tensor “%s” has %u dimensions; at most %u are supported",
                      info->name, n_dims, QKS_SAFETENSORS_MAX_DIMS);

  info->n_dims = n_dims;
  info->n_elements = 1;
  for (guint i = 0; i < n_dims; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!node_get_size (element, &info->shape[i]))
        return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                          "dimension %u of tensor “%s” is %s, not a non-negative integer",
                          i, info->name, describe_node (element));
    }

  shape = format_shape (info);
  for (guint i = 0; i < n_dims; i++)
    if (!g_size_checked_mul (&info->n_elements, info->n_elements, info->shape[i]))
      return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                        "tensor “%s” has shape %s, more elements than a 64-bit size can count",
                        info->name, shape);

  if (!g_size_checked_mul (&info->n_bytes, info->n_elements, qks_dtype_size (info->dtype)))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                      "tensor “%s” has shape %s of %s, more bytes than a 64-bit size can count",
                      info->name, shape, qks_dtype_to_string (info->dtype));
  return TRUE;
}

static gboolean
parse_data_offsets (QksSafetensors  *self,
                    JsonNode        *node,
                    QksTensorInfo   *info,
                    GError         **error)
{
  g_autofree char *shape = NULL;
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  gsize begin, end;

  if (array == NULL || json_array_get_length (array) != 2 ||
      !node_get_size (json_array_get_element (array, 0), &begin) ||
      !node_get_size (json_array_get_element (array, 1), &end))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_OFFSETS,
                      "the data_offsets of tensor “%s” are not two non-negative integers [begin, end]",
                      info->name);

  if (begin > end)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_OFFSETS,
                      "tensor “%s” has data_offsets [%zu, %zu], which end before they begin",
                      info->name, begin, end);

  shape = format_shape (info);
  if (end - begin != info->n_bytes)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_OFFSETS,
                      "tensor “%s” has shape %s of %s (%zu bytes) but its data_offsets span %zu bytes",
                      info->name, shape, qks_dtype_to_string (info->dtype),
                      info->n_bytes, end - begin);

  if (end > self->buffer_size)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_TRUNCATED,
                      "tensor “%s” has data_offsets [%zu, %zu] but the byte buffer after "
                      "the header holds only %zu bytes (is the file truncated?)",
                      info->name, begin, end, self->buffer_size);

  info->offset = begin;
  return TRUE;
}

static gboolean
parse_tensor (QksSafetensors  *self,
              const char      *name,
              JsonNode        *node,
              QksTensorInfo   *info,
              GError         **error)
{
  JsonObject *object;
  JsonNode *dtype, *shape, *data_offsets;

  /* Borrowed until the info is kept. */
  info->name = name;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON,
                      "the entry of tensor “%s” is %s, not an object", name, describe_node (node));

  object = json_node_get_object (node);
  dtype = json_object_get_member (object, "dtype");
  shape = json_object_get_member (object, "shape");
  data_offsets = json_object_get_member (object, "data_offsets");
  if (dtype == NULL || shape == NULL || data_offsets == NULL)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON,
                      "the entry of tensor “%s” has no “%s”", name,
                      dtype == NULL ? "dtype" : shape == NULL ? "shape" : "data_offsets");

  if (!node_is_string (dtype))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_DTYPE,
                      "the dtype of tensor “%s” is %s, not a string", name, describe_node (dtype));
  if (!qks_dtype_from_string (json_node_get_string (dtype), &info->dtype))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_DTYPE,
                      "tensor “%s” has the unknown dtype “%s”", name, json_node_get_string (dtype));

  return parse_shape (self, shape, info, error) &&
         parse_data_offsets (self, data_offsets, info, error);
}

static int
compare_by_offsets (gconstpointer a,
                    gconstpointer b)
{
  const QksTensorInfo *x = a, *y = b;

  if (x->offset != y->offset)
    return x->offset < y->offset ? -1 : 1;
  if (x->n_bytes != y->n_bytes)
    return x->n_bytes < y->n_bytes ? -1 : 1;
  return strcmp (x->name, y->name);
}

/* The tensors, sorted, must tile [0, buffer_size) exactly. */
static gboolean
check_tiling (QksSafetensors  *self,
              GError         **error)
{
  const QksTensorInfo *previous = NULL;
  gsize expected = 0;

  for (guint i = 0; i < self->tensors->len; i++)
    {
      const QksTensorInfo *info = &g_array_index (self->tensors, QksTensorInfo, i);

      if (info->offset < expected)
        return set_error (self, error, QKS_SAFETENSORS_ERROR_OFFSETS,
                          "tensor “%s” (data_offsets [%zu, %zu]) overlaps tensor “%s” (data_offsets [%zu, %zu])",
                          info->name, info->offset, info->offset + info->n_bytes,
                          previous->name, previous->offset, previous->offset + previous->n_bytes);
      if (info->offset > expected)
        return set_error (self, error, QKS_SAFETENSORS_ERROR_OFFSETS,
                          "bytes [%zu, %zu) of the byte buffer, before tensor “%s”, belong to no tensor; "
                          "the format allows no holes",
                          expected, info->offset, info->name);
      expected = info->offset + info->n_bytes;
      previous = info;
    }

  if (expected != self->buffer_size)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_OFFSETS,
                      "the byte buffer holds %zu bytes but its tensors end at byte %zu; "
                      "the format allows no trailing bytes",
                      self->buffer_size, expected);
  return TRUE;
}

static gboolean
load (QksSafetensors  *self,
      GError         **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) json_error = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *object;
  const guint8 *data;
  const char *header, *end;
  guint64 header_size;
  gsize size;

  data = g_bytes_get_data (self->bytes, &size);
  if (size < 8)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_TRUNCATED,
                      "the file holds %zu bytes, fewer than the 8 of the header length", size);

  memcpy (&header_size, data, 8);
  header_size = GUINT64_FROM_LE (header_size);
  if (header_size == 0)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_HEADER,
                      "the header length is 0; even an empty header is “{}”");
  if (header_size > QKS_SAFETENSORS_MAX_HEADER_SIZE)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_HEADER,
                      "the header length is %" G_GUINT64_FORMAT " bytes, more than the limit of %u",
                      header_size, QKS_SAFETENSORS_MAX_HEADER_SIZE);
  if (header_size > size - 8)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_TRUNCATED,
                      "the header is %" G_GUINT64_FORMAT " bytes long but the file holds only "
                      "%zu bytes after the header length (is the file truncated?)",
                      header_size, size - 8);

  header = (const char *) data + 8;
  self->buffer = data + 8 + header_size;
  self->buffer_size = size - 8 - (gsize) header_size;

  if (header[0] != '{')
    return set_error (self, error, QKS_SAFETENSORS_ERROR_HEADER,
                      "the header does not begin with “{” (is this a safetensors file?)");
  if (!g_utf8_validate_len (header, (gsize) header_size, &end))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_HEADER,
                      "the header holds %s at byte %zu of the header",
                      *end == '\0' ? "a NUL byte" : "text that is not valid UTF-8",
                      (gsize) (end - header));

  root = qks_json_parse_strict (header, (gsize) header_size, MAX_JSON_DEPTH, &json_error);
  if (root == NULL)
    {
      if (g_error_matches (json_error, QKS_JSON_ERROR, QKS_JSON_ERROR_DUPLICATE_KEY))
        return set_error (self, error, QKS_SAFETENSORS_ERROR_DUPLICATE,
                          "the header names something twice: %s", json_error->message);
      /* Valid JSON that no checkpoint needs: an integer beyond a gint64 (a
       * shape or an offset no file can have), deep nesting, an escaped NUL. */
      if (g_error_matches (json_error, QKS_JSON_ERROR, QKS_JSON_ERROR_UNSUPPORTED))
        return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON,
                          "the header holds JSON that this reader does not accept: %s",
                          json_error->message);
      return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON,
                        "the header is not valid JSON: %s", json_error->message);
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return set_error (self, error, QKS_SAFETENSORS_ERROR_JSON, "the header is not a JSON object");

  object = json_node_get_object (root);
  names = json_object_get_members (object);
  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      QksTensorInfo info = { 0 };

      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (self, node, error))
            return FALSE;
          continue;
        }

      if (!parse_tensor (self, name, node, &info, error))
        return FALSE;
      info.name = g_strdup (name);
      g_array_append_val (self->tensors, info);
    }

  g_array_sort (self->tensors, compare_by_offsets);
  if (!check_tiling (self, error))
    return FALSE;

  /* Only now is the array final, so pointers into it stay valid. */
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < self->tensors->len; i++)
    {
      QksTensorInfo *info = &g_array_index (self->tensors, QksTensorInfo, i);

      g_hash_table_insert (self->by_name, (char *) info->name, info);
    }

  return TRUE;
}

/**
 * qks_safetensors_new_from_bytes:
 * @bytes: a whole safetensors file; it is kept (not copied) as long as the
 *   result lives
 *
 * Validates everything, as qks_safetensors_open() does.
 *
 * Returns: (transfer full): the file, or %NULL with @error set
 */
QksSafetensors *
qks_safetensors_new_from_bytes (GBytes  *bytes,
                                GError **error)
{
  return qks_safetensors_new_from_named_bytes (bytes, "safetensors data", error);
}

/**
 * qks_safetensors_new_from_named_bytes:
 * @bytes: a whole safetensors file; it is kept (not copied) as long as the
 *   result lives
 * @display_name: what the bytes are, for messages (e.g. where they were
 *   stored)
 *
 * As qks_safetensors_new_from_bytes(), with messages that name the bytes.
 */
QksSafetensors *
qks_safetensors_new_from_named_bytes (GBytes      *bytes,
                                      const char  *display_name,
                                      GError     **error)
{
  g_autoptr(QksSafetensors) self = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = qks_safetensors_new (display_name);
  self->bytes = g_bytes_ref (bytes);
  if (!load (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * qks_safetensors_open:
 * @path: a file name in the GLib file name encoding
 *
 * Maps the file into memory (read-only, so only the pages of the tensors that
 * are read come into memory) and validates the header and every tensor's
 * place in it. A file that another program shrinks while it is mapped can
 * still fault on access; files we write are replaced by rename, never
 * truncated in place.
 *
 * Returns: (transfer full): the file, or %NULL with @error set (a
 *   %G_FILE_ERROR if it cannot be read, a %QKS_SAFETENSORS_ERROR if it is not
 *   a valid safetensors file); every message names the file
 */
QksSafetensors *
qks_safetensors_open (const char  *path,
                      GError     **error)
{
  g_autoptr(QksSafetensors) self = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display_name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display_name = g_filename_display_name (path);
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "“%s”: %s", display_name, local_error->message);
      return NULL;
    }

  self = qks_safetensors_new (display_name);
  self->bytes = g_mapped_file_get_bytes (mapped);
  self->mapped = TRUE;
  if (!load (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

guint
qks_safetensors_get_n_tensors (QksSafetensors *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->tensors->len;
}

/**
 * qks_safetensors_get_tensor:
 * @index: less than qks_safetensors_get_n_tensors()
 *
 * Returns: (transfer none): the @index-th tensor in the order of the byte
 *   buffer (which need not be the order of the header)
 */
const QksTensorInfo *
qks_safetensors_get_tensor (QksSafetensors *self,
                            guint           index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->tensors->len, NULL);

  return &g_array_index (self->tensors, QksTensorInfo, index);
}

/**
 * qks_safetensors_lookup:
 *
 * Returns: (transfer none) (nullable): the tensor named @name, or %NULL
 */
const QksTensorInfo *
qks_safetensors_lookup (QksSafetensors *self,
                        const char     *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (self->by_name, name);
}

/**
 * qks_safetensors_get_metadata:
 *
 * Returns: (nullable): the value of @key in “__metadata__”, or %NULL
 */
const char *
qks_safetensors_get_metadata (QksSafetensors *self,
                              const char     *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (self->metadata, key);
}

/**
 * qks_safetensors_get_metadata_table:
 *
 * Returns: (transfer none) (element-type utf8 utf8): all of “__metadata__”;
 *   empty, never %NULL, when the file has none
 */
GHashTable *
qks_safetensors_get_metadata_table (QksSafetensors *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->metadata;
}

/**
 * qks_safetensors_get_tensor_data:
 * @info: a tensor of @self
 *
 * Returns: the @info->n_bytes raw little-endian bytes of the tensor, inside
 *   the file's mapping; not necessarily aligned for the element type
 */
const guint8 *
qks_safetensors_get_tensor_data (QksSafetensors      *self,
                                 const QksTensorInfo *info)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (info >= &g_array_index (self->tensors, QksTensorInfo, 0) &&
                        info < &g_array_index (self->tensors, QksTensorInfo, self->tensors->len),
                        NULL);

  return self->buffer + info->offset;
}

static const QksTensorInfo *
lookup_convertible (QksSafetensors  *self,
                    const char      *name,
                    GError         **error)
{
  const QksTensorInfo *info = g_hash_table_lookup (self->by_name, name);

  if (info == NULL)
    {
      set_error (self, error, QKS_SAFETENSORS_ERROR_NOT_FOUND, "there is no tensor “%s”", name);
      return NULL;
    }
  if (!qks_dtype_converts_to_f32 (info->dtype))
    {
      set_error (self, error, QKS_SAFETENSORS_ERROR_CONVERSION,
                 "tensor “%s” holds %s, which cannot be read as float (only F32, F16, BF16 and F64 can)",
                 name, qks_dtype_to_string (info->dtype));
      return NULL;
    }
  return info;
}

/**
 * qks_safetensors_read_f32:
 * @name: the tensor
 * @out: (out caller-allocates): room for @n_elements floats
 * @n_elements: how many the caller expects; must be the tensor's count
 *
 * Converts the tensor to float32 whatever its float dtype: F32 as it is, F16
 * and BF16 exactly, F64 rounded to nearest.
 *
 * Returns: %TRUE, or %FALSE with @error set (%QKS_SAFETENSORS_ERROR_NOT_FOUND,
 *   _CONVERSION for an integer or FP8 dtype, _SHAPE for a wrong @n_elements)
 */
gboolean
qks_safetensors_read_f32 (QksSafetensors  *self,
                          const char      *name,
                          float           *out,
                          gsize            n_elements,
                          GError         **error)
{
  const QksTensorInfo *info;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out != NULL || n_elements == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((info = lookup_convertible (self, name, error)) == NULL)
    return FALSE;

  if (n_elements != info->n_elements)
    {
      g_autofree char *shape = format_shape (info);

      return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                        "tensor “%s” of shape %s holds %zu elements, not the %zu asked for",
                        name, shape, info->n_elements, n_elements);
    }

  qks_dtype_convert_to_f32 (info->dtype, self->buffer + info->offset, n_elements, out);
  return TRUE;
}

/**
 * qks_safetensors_read_rows_f32:
 * @name: a tensor of at least one dimension
 * @row_begin: the first row wanted
 * @n_rows: how many rows
 * @out: (out caller-allocates): room for @n_rows × (the product of the
 *   dimensions after the first) floats; for a 2-D tensor of shape [R, C],
 *   @n_rows × C
 *
 * Reads rows [@row_begin, @row_begin + @n_rows) along the first dimension,
 * converted as qks_safetensors_read_f32() does. Rows are contiguous in a
 * row-major tensor, so only their pages of the mapping are touched: one
 * head's block of a large projection loads in bounded memory.
 *
 * Returns: %TRUE, or %FALSE with @error set (_SHAPE if the tensor is 0-D or
 *   the rows lie outside it)
 */
gboolean
qks_safetensors_read_rows_f32 (QksSafetensors  *self,
                               const char      *name,
                               gsize            row_begin,
                               gsize            n_rows,
                               float           *out,
                               GError         **error)
{
  const QksTensorInfo *info;
  gsize row_length = 1;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((info = lookup_convertible (self, name, error)) == NULL)
    return FALSE;

  if (info->n_dims == 0)
    return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                      "tensor “%s” is a scalar (0-D) and has no rows", name);

  if (row_begin > info->shape[0] || n_rows > info->shape[0] - row_begin)
    {
      g_autofree char *shape = format_shape (info);

      return set_error (self, error, QKS_SAFETENSORS_ERROR_SHAPE,
                        "tensor “%s” of shape %s has %zu rows, so it cannot give %zu rows from row %zu",
                        name, shape, info->shape[0], n_rows, row_begin);
    }

  g_return_val_if_fail (out != NULL || n_rows == 0, FALSE);

  /* The size was checked as the product from the first dimension on, so
   * the rows of [0, 2⁶³, 2⁶³] are longer than a size can count: with no
   * rows wanted there is nothing to compute. */
  if (n_rows == 0)
    return TRUE;

  /* Cannot overflow now: with a row wanted the first dimension is at least
   * 1, so a row is no longer than the tensor, whose size was checked. */
  for (guint i = 1; i < info->n_dims; i++)
    row_length *= info->shape[i];

  qks_dtype_convert_to_f32 (info->dtype,
                            self->buffer + info->offset + row_begin * row_length * qks_dtype_size (info->dtype),
                            n_rows * row_length, out);
  return TRUE;
}

/**
 * qks_safetensors_release_pages:
 * @start: (array length=length): bytes of this file's data, already read
 *
 * Tells the kernel that the pages wholly inside @start … @start + @length
 * will not be read again soon: a mapped file's pages leave the process's
 * resident memory (they stay in the page cache, and come back if read
 * again), so that reading a 13 GB model a layer at a time keeps the
 * process as small as one layer. Does nothing for data in memory.
 */
void
qks_safetensors_release_pages (QksSafetensors *self,
                               const guint8   *start,
                               gsize           length)
{
#if defined(__linux__) && defined(MADV_DONTNEED)
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guintptr first = ((guintptr) start + page - 1) / page * page;
  guintptr end = ((guintptr) start + length) / page * page;

  if (!self->mapped || end <= first)
    return;
  madvise ((void *) first, end - first, MADV_DONTNEED);
#endif
}
