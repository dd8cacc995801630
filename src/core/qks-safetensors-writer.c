/* qks-safetensors-writer.c: write safetensors files, atomically
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qks-safetensors.h"

/* The layout is the reference implementation's (serde_json's compact JSON,
 * "__metadata__" first, then each tensor as {"dtype","shape","data_offsets"},
 * the header padded with spaces so that the byte buffer starts at a multiple
 * of 8), so a file we write is byte for byte what it would write for the same
 * tensors in the same order. One difference: it sorts tensors by dtype
 * alignment, we keep the order they were added in; a caller that mixes
 * dtypes and wants every tensor aligned adds the wider ones first. */

typedef struct
{
  char        *name;
  QksDtype     dtype;
  guint        n_dims;
  gsize        shape[QKS_SAFETENSORS_MAX_DIMS];
  gsize        n_elements;
  gsize        n_bytes;
  const float *data;
} WriterTensor;

struct _QksSafetensorsWriter
{
  GArray     *tensors;         /* WriterTensor, in the order added */
  GHashTable *names;           /* the tensors' names, borrowed */
  gsize       data_size;       /* the byte buffer's size so far */
  GPtrArray  *metadata_keys;   /* in the order added */
  GHashTable *metadata;        /* key → value */
};

/* Whatever receives the bytes: a file or a buffer in memory. */
typedef gboolean (*SinkFunc) (gpointer      sink,
                              const void   *data,
                              gsize         length,
                              GError      **error);

static void
clear_writer_tensor (gpointer data)
{
  WriterTensor *tensor = data;

  g_free (tensor->name);
}

QksSafetensorsWriter *
qks_safetensors_writer_new (void)
{
  QksSafetensorsWriter *self = g_new0 (QksSafetensorsWriter, 1);

  self->tensors = g_array_new (FALSE, TRUE, sizeof (WriterTensor));
  g_array_set_clear_func (self->tensors, clear_writer_tensor);
  self->names = g_hash_table_new (g_str_hash, g_str_equal);
  self->metadata_keys = g_ptr_array_new ();
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
qks_safetensors_writer_free (QksSafetensorsWriter *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->names);
  g_array_unref (self->tensors);
  g_ptr_array_unref (self->metadata_keys);
  g_hash_table_unref (self->metadata);
  g_free (self);
}

/**
 * qks_safetensors_writer_add_metadata:
 * @key: UTF-8
 * @value: UTF-8
 *
 * Sets @key in “__metadata__”; setting a key again replaces its value and
 * keeps its place.
 */
void
qks_safetensors_writer_add_metadata (QksSafetensorsWriter *self,
                                     const char           *key,
                                     const char           *value)
{
  char *owned_key;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));

  if (g_hash_table_contains (self->metadata, key))
    {
      /* insert() keeps the stored key, which metadata_keys points at. */
      g_hash_table_insert (self->metadata, g_strdup (key), g_strdup (value));
      return;
    }

  owned_key = g_strdup (key);
  g_ptr_array_add (self->metadata_keys, owned_key);
  g_hash_table_insert (self->metadata, owned_key, g_strdup (value));
}

/**
 * qks_safetensors_writer_add_tensor:
 * @name: UTF-8, unique in the file, not “__metadata__”
 * @dtype: %QKS_DTYPE_F32, %QKS_DTYPE_F16, %QKS_DTYPE_BF16 or %QKS_DTYPE_F64
 * @n_dims: at most %QKS_SAFETENSORS_MAX_DIMS; 0 for a scalar
 * @shape: (array length=n_dims): the sizes, outermost first
 * @data: the row-major elements, borrowed until the last write or to_bytes
 *   call; F16 and BF16 are rounded to nearest, ties to even
 *
 * Appends a tensor; tensors are written in the order they are added.
 */
void
qks_safetensors_writer_add_tensor (QksSafetensorsWriter *self,
                                   const char           *name,
                                   QksDtype              dtype,
                                   guint                 n_dims,
                                   const gsize          *shape,
                                   const float          *data)
{
  WriterTensor tensor = { 0 };

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL && g_utf8_validate (name, -1, NULL));
  g_return_if_fail (strcmp (name, "__metadata__") != 0);
  g_return_if_fail (!g_hash_table_contains (self->names, name));
  g_return_if_fail (dtype == QKS_DTYPE_F32 || dtype == QKS_DTYPE_F16 || dtype == QKS_DTYPE_BF16 ||
                    dtype == QKS_DTYPE_F64);
  g_return_if_fail (n_dims <= QKS_SAFETENSORS_MAX_DIMS);
  g_return_if_fail (shape != NULL || n_dims == 0);

  tensor.dtype = dtype;
  tensor.n_dims = n_dims;
  tensor.n_elements = 1;
  for (guint i = 0; i < n_dims; i++)
    {
      tensor.shape[i] = shape[i];
      if (!g_size_checked_mul (&tensor.n_elements, tensor.n_elements, shape[i]))
        {
          g_critical ("%s: tensor “%s” has more elements than a size can count", G_STRFUNC, name);
          return;
        }
    }
  g_return_if_fail (data != NULL || tensor.n_elements == 0);
  if (!g_size_checked_mul (&tensor.n_bytes, tensor.n_elements, qks_dtype_size (dtype)) ||
      !g_size_checked_add (&self->data_size, self->data_size, tensor.n_bytes))
    {
      g_critical ("%s: tensor “%s” makes the file larger than a size can count", G_STRFUNC, name);
      return;
    }

  tensor.name = g_strdup (name);
  tensor.data = data;
  g_array_append_val (self->tensors, tensor);
  g_hash_table_add (self->names, tensor.name);
}

/* serde_json's escaping: the two that must be, the short forms for five
 * controls, \u00xx (lower case) for the other controls, the rest as is. */
static void
append_json_string (GString    *json,
                    const char *string)
{
  g_string_append_c (json, '"');
  for (const guchar *p = (const guchar *) string; *p != '\0'; p++)
    switch (*p)
      {
      case '"':  g_string_append (json, "\\\""); break;
      case '\\': g_string_append (json, "\\\\"); break;
      case '\b': g_string_append (json, "\\b"); break;
      case '\f': g_string_append (json, "\\f"); break;
      case '\n': g_string_append (json, "\\n"); break;
      case '\r': g_string_append (json, "\\r"); break;
      case '\t': g_string_append (json, "\\t"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (json, "\\u%04x", (guint) *p);
        else
          g_string_append_c (json, (char) *p);
        break;
      }
  g_string_append_c (json, '"');
}

static GString *
build_header (QksSafetensorsWriter *self)
{
  GString *json = g_string_new ("{");
  gboolean first = TRUE;
  gsize offset = 0;

  if (self->metadata_keys->len > 0)
    {
      g_string_append (json, "\"__metadata__\":{");
      for (guint i = 0; i < self->metadata_keys->len; i++)
        {
          const char *key = g_ptr_array_index (self->metadata_keys, i);

          if (i > 0)
            g_string_append_c (json, ',');
          append_json_string (json, key);
          g_string_append_c (json, ':');
          append_json_string (json, g_hash_table_lookup (self->metadata, key));
        }
      g_string_append_c (json, '}');
      first = FALSE;
    }

  for (guint i = 0; i < self->tensors->len; i++)
    {
      const WriterTensor *tensor = &g_array_index (self->tensors, WriterTensor, i);

      if (!first)
        g_string_append_c (json, ',');
      first = FALSE;

      append_json_string (json, tensor->name);
      g_string_append_printf (json, ":{\"dtype\":\"%s\",\"shape\":[", qks_dtype_to_string (tensor->dtype));
      for (guint d = 0; d < tensor->n_dims; d++)
        g_string_append_printf (json, d > 0 ? ",%zu" : "%zu", tensor->shape[d]);
      g_string_append_printf (json, "],\"data_offsets\":[%zu,%zu]}", offset, offset + tensor->n_bytes);
      offset += tensor->n_bytes;
    }
  g_string_append_c (json, '}');

  /* The 8-byte length comes first, so a header of a multiple of 8 bytes puts
   * the byte buffer, and so every F32 tensor, on an aligned address. */
  while (json->len % 8 != 0)
    g_string_append_c (json, ' ');

  return json;
}

static gboolean
emit_tensor (const WriterTensor  *tensor,
             SinkFunc             sink_func,
             gpointer             sink,
             GError             **error)
{
  /* Converted in chunks, so a large model needs no second copy in memory. */
  enum { CHUNK = 16384 };
  g_autofree guint8 *chunk = g_malloc (CHUNK * sizeof (double));
  gsize size = qks_dtype_size (tensor->dtype);

  for (gsize start = 0; start < tensor->n_elements; start += CHUNK)
    {
      gsize n = MIN (CHUNK, tensor->n_elements - start);
      const float *src = tensor->data + start;

      for (gsize i = 0; i < n; i++)
        {
          guint64 bits64;
          guint32 bits32;
          guint16 bits16;
          double wide;

          switch (tensor->dtype)
            {
            case QKS_DTYPE_F32:
              memcpy (&bits32, &src[i], 4);
              bits32 = GUINT32_TO_LE (bits32);
              memcpy (chunk + 4 * i, &bits32, 4);
              break;

            case QKS_DTYPE_F16:
              bits16 = GUINT16_TO_LE (qks_f32_to_f16 (src[i]));
              memcpy (chunk + 2 * i, &bits16, 2);
              break;

            case QKS_DTYPE_BF16:
              bits16 = GUINT16_TO_LE (qks_f32_to_bf16 (src[i]));
              memcpy (chunk + 2 * i, &bits16, 2);
              break;

            case QKS_DTYPE_F64:
              /* Exact: every float is a double. Other programs' F64
               * checkpoints are what this makes for the tests. */
              wide = src[i];
              memcpy (&bits64, &wide, 8);
              bits64 = GUINT64_TO_LE (bits64);
              memcpy (chunk + 8 * i, &bits64, 8);
              break;

            case QKS_DTYPE_F8_E5M2:
            case QKS_DTYPE_F8_E4M3:
            case QKS_DTYPE_I64:
            case QKS_DTYPE_I32:
            case QKS_DTYPE_I16:
            case QKS_DTYPE_I8:
            case QKS_DTYPE_U64:
            case QKS_DTYPE_U32:
            case QKS_DTYPE_U16:
            case QKS_DTYPE_U8:
            case QKS_DTYPE_BOOL:
            default:
              g_assert_not_reached ();
            }
        }

      if (!sink_func (sink, chunk, n * size, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
emit (QksSafetensorsWriter  *self,
      GString               *header,
      SinkFunc               sink_func,
      gpointer               sink,
      GError               **error)
{
  guint64 header_size = GUINT64_TO_LE ((guint64) header->len);

  if (!sink_func (sink, &header_size, 8, error) ||
      !sink_func (sink, header->str, header->len, error))
    return FALSE;

  for (guint i = 0; i < self->tensors->len; i++)
    if (!emit_tensor (&g_array_index (self->tensors, WriterTensor, i), sink_func, sink, error))
      return FALSE;
  return TRUE;
}

typedef struct
{
  guint8 *data;
  gsize   position;
} MemorySink;

static gboolean
write_to_memory (gpointer     sink,
                 const void  *data,
                 gsize        length,
                 GError     **error)
{
  MemorySink *memory = sink;

  memcpy (memory->data + memory->position, data, length);
  memory->position += length;
  return TRUE;
}

/**
 * qks_safetensors_writer_to_bytes:
 *
 * Returns: (transfer full): the whole file in memory (for a .qkrun blob or
 *   a test)
 */
GBytes *
qks_safetensors_writer_to_bytes (QksSafetensorsWriter *self)
{
  g_autoptr(GString) header = NULL;
  MemorySink memory = { NULL, 0 };
  gsize size;

  g_return_val_if_fail (self != NULL, NULL);

  header = build_header (self);
  size = 8 + header->len + self->data_size;
  memory.data = g_malloc (size);
  emit (self, header, write_to_memory, &memory, NULL);
  g_assert (memory.position == size);

  return g_bytes_new_take (memory.data, size);
}

typedef struct
{
  int         fd;
  const char *display_name;
} FileSink;

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *display_name)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "Could not %s “%s”: %s", what, display_name, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_to_file (gpointer     sink,
               const void  *data,
               gsize        length,
               GError     **error)
{
  FileSink *file = sink;
  const guint8 *p = data;

  while (length > 0)
    {
      gssize n = write (file->fd, p, length);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          return set_errno_error (error, saved_errno, "write", file->display_name);
        }
      p += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* The rename is durable only once the directory is on disk too. If this
 * fails, the path holds either the old file or the new one, each whole, so
 * it is not worth failing the save over. */
static void
sync_directory (const char *directory)
{
  int fd = open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return;
  fsync (fd);
  close (fd);
}

/**
 * qks_safetensors_writer_write:
 * @path: where to write; an existing file there is replaced
 *
 * Writes a temporary file beside @path, flushes it to disk and renames it
 * over @path, so that @path always holds a whole file, old or new, even if
 * the disk fills or the machine stops mid-write. On failure the temporary
 * file is removed and the old file is untouched.
 *
 * Returns: %TRUE, or %FALSE with a %G_FILE_ERROR that names @path
 */
gboolean
qks_safetensors_writer_write (QksSafetensorsWriter  *self,
                              const char            *path,
                              GError               **error)
{
  g_autoptr(GString) header = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *directory = NULL;
  g_autofree char *base_name = NULL;
  g_autofree char *template = NULL;
  g_autofree char *temp_path = NULL;
  FileSink file;
  int fd;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display_name = g_filename_display_name (path);
  directory = g_path_get_dirname (path);
  base_name = g_path_get_basename (path);
  template = g_strdup_printf (".%s.XXXXXX", base_name);
  temp_path = g_build_filename (directory, template, NULL);

  /* 0666 and the umask, as for any new file, rather than mkstemp's 0600. */
  fd = g_mkstemp_full (temp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    return set_errno_error (error, errno, "create a temporary file to write", display_name);

  header = build_header (self);
  file.fd = fd;
  file.display_name = display_name;
  if (!emit (self, header, write_to_file, &file, error))
    {
      close (fd);
      g_unlink (temp_path);
      return FALSE;
    }

  if (fsync (fd) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_unlink (temp_path);
      return set_errno_error (error, saved_errno, "flush to disk", display_name);
    }

  /* close() can report a deferred write error (NFS, quotas). */
  if (close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (temp_path);
      return set_errno_error (error, saved_errno, "finish writing", display_name);
    }

  if (g_rename (temp_path, path) != 0)
    {
      int saved_errno = errno;

      g_unlink (temp_path);
      return set_errno_error (error, saved_errno, "replace", display_name);
    }

  sync_directory (directory);
  return TRUE;
}
