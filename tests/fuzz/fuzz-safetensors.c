/* fuzz-safetensors.c: libFuzzer target for the safetensors reader
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-target.h"
#include "qks-safetensors.h"

/* Every input is a whole file. The reader either refuses it with a
 * QKS_SAFETENSORS_ERROR, or opens it, and then every promise of
 * qks-safetensors.h must hold: the tensors tile the byte buffer, their sizes
 * are their shapes', every read stays inside the input (ASan watches) and
 * reads by rows agree with reads of the whole. */

/* libFuzzer's own mutator, for the custom one below. */
size_t LLVMFuzzerMutate        (uint8_t      *data,
                                size_t        size,
                                size_t        max_size);
size_t LLVMFuzzerCustomMutator (uint8_t      *data,
                                size_t        size,
                                size_t        max_size,
                                unsigned int  seed);

static guint64
read_header_length (const guint8 *data)
{
  guint64 length;

  memcpy (&length, data, 8);
  return GUINT64_FROM_LE (length);
}

static void
check_rows (QksSafetensors      *st,
            const QksTensorInfo *info,
            const float         *whole)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *rows = g_new (float, MAX (info->n_elements, 1));
  gsize n_rows = info->shape[0];
  gsize row_length = n_rows > 0 ? info->n_elements / n_rows : 0;

  /* All the rows, then the last one alone: the same floats as the whole. */
  g_assert_true (qks_safetensors_read_rows_f32 (st, info->name, 0, n_rows, rows, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (rows, whole, info->n_elements * sizeof (float)) == 0);

  if (n_rows > 0)
    {
      g_assert_true (qks_safetensors_read_rows_f32 (st, info->name, n_rows - 1, 1, rows, &error));
      g_assert_no_error (error);
      g_assert_true (memcmp (rows, whole + (n_rows - 1) * row_length, row_length * sizeof (float)) == 0);
    }

  g_assert_false (qks_safetensors_read_rows_f32 (st, info->name, n_rows, 1, rows, &error));
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
}

static void
check_tensor (QksSafetensors      *st,
              const QksTensorInfo *info,
              const guint8        *buffer,
              gsize                buffer_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *whole = NULL;
  gsize n_elements = 1, n_bytes;

  g_assert_true (g_utf8_validate (info->name, -1, NULL));
  g_assert_true (qks_safetensors_lookup (st, info->name) == info);

  g_assert_cmpuint (info->n_dims, <=, QKS_SAFETENSORS_MAX_DIMS);
  for (guint d = 0; d < info->n_dims; d++)
    g_assert_true (g_size_checked_mul (&n_elements, n_elements, info->shape[d]));
  g_assert_cmpuint (info->n_elements, ==, n_elements);
  g_assert_true (g_size_checked_mul (&n_bytes, n_elements, qks_dtype_size (info->dtype)));
  g_assert_cmpuint (info->n_bytes, ==, n_bytes);
  g_assert_cmpuint (info->offset, <=, buffer_size);
  g_assert_cmpuint (info->n_bytes, <=, buffer_size - info->offset);
  g_assert_true (qks_safetensors_get_tensor_data (st, info) == buffer + info->offset);

  if (!qks_dtype_converts_to_f32 (info->dtype))
    {
      g_assert_false (qks_safetensors_read_f32 (st, info->name, NULL, 0, &error));
      g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_CONVERSION);
      return;
    }

  /* Every element is inside the input (n_bytes ≤ its size), so this
   * allocation is bounded by the input too. One more float checks that the
   * read stops at the count. */
  whole = g_new (float, n_elements + 1);
  whole[n_elements] = 12345.0f;
  g_assert_true (qks_safetensors_read_f32 (st, info->name, whole, n_elements, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (whole[n_elements], ==, 12345.0f);

  g_assert_false (qks_safetensors_read_f32 (st, info->name, whole, n_elements + 1, &error));
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
  g_clear_error (&error);

  if (info->n_dims > 0)
    check_rows (st, info, whole);
  else
    {
      g_assert_false (qks_safetensors_read_rows_f32 (st, info->name, 0, 0, whole, &error));
      g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
    }
}

static void
check_open_file (QksSafetensors *st,
                 const guint8   *data,
                 gsize           size)
{
  /* It opened, so the length field and the header fit in the input. */
  guint64 header_size = read_header_length (data);
  const guint8 *buffer = data + 8 + header_size;
  gsize buffer_size = size - 8 - (gsize) header_size;
  GHashTable *metadata = qks_safetensors_get_metadata_table (st);
  GHashTableIter iter;
  gpointer key, value;
  gsize expected = 0;

  g_assert_cmpuint (header_size, <=, size - 8);

  /* In the order of the buffer, each tensor starts where the one before it
   * ended, and the last ends at the end of the input. */
  for (guint i = 0; i < qks_safetensors_get_n_tensors (st); i++)
    {
      const QksTensorInfo *info = qks_safetensors_get_tensor (st, i);

      g_assert_cmpuint (info->offset, ==, expected);
      check_tensor (st, info, buffer, buffer_size);
      expected += info->n_bytes;
    }
  g_assert_cmpuint (expected, ==, buffer_size);

  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_utf8_validate (key, -1, NULL));
      g_assert_true (g_utf8_validate (value, -1, NULL));
      g_assert_true (qks_safetensors_get_metadata (st, key) == value);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Not copied: libFuzzer allocates each input to its exact size, so ASan
   * sees a read one byte past the end of the file. */
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(QksSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  st = qks_safetensors_new_from_bytes (bytes, &error);
  if (st == NULL)
    {
      qks_fuzz_assert_error (error, QKS_SAFETENSORS_ERROR);
      return 0;
    }

  g_assert_no_error (error);
  check_open_file (st, data, size);
  return 0;
}

/* Mutating the file as bytes mostly breaks the length field: insert or
 * erase a byte of the header and the header no longer ends where the field
 * says, so most inputs stop at the first check. Half the time, then, mutate
 * only the header text and write its new length into the field, keeping the
 * byte buffer after it: those mutations reach the JSON, the entries and the
 * layout. The other half mutates everything, the field included. */
size_t
LLVMFuzzerCustomMutator (uint8_t      *data,
                         size_t        size,
                         size_t        max_size,
                         unsigned int  seed)
{
  g_autofree guint8 *tail = NULL;
  guint64 header_size, field;
  gsize tail_size, new_header_size;

  if (seed % 2 == 0 || size < 8)
    return LLVMFuzzerMutate (data, size, max_size);

  header_size = read_header_length (data);
  if (header_size == 0 || header_size > size - 8)
    return LLVMFuzzerMutate (data, size, max_size);

  tail_size = size - 8 - (gsize) header_size;
  if (max_size < 8 + tail_size + 1)
    return LLVMFuzzerMutate (data, size, max_size);

  tail = g_memdup2 (data + 8 + header_size, tail_size);
  new_header_size = LLVMFuzzerMutate (data + 8, (size_t) header_size, max_size - 8 - tail_size);
  if (tail_size > 0)
    memcpy (data + 8 + new_header_size, tail, tail_size);
  field = GUINT64_TO_LE ((guint64) new_header_size);
  memcpy (data, &field, 8);
  return 8 + new_header_size + tail_size;
}

/* Seeds ------------------------------------------------------------------- */

/* A file made by hand, as tests/test-safetensors.c makes them: the 8-byte
 * length of @header, @header, then @data_size zero bytes. */
static GBytes *
make_file (const char *header,
           gsize       data_size)
{
  gsize header_size = strlen (header);
  guint64 length = GUINT64_TO_LE ((guint64) header_size);
  guint8 *file = g_malloc0 (8 + header_size + data_size);

  memcpy (file, &length, 8);
  memcpy (file + 8, header, header_size);
  return g_bytes_new_take (file, 8 + header_size + data_size);
}

static void
add_file (QksFuzzSeeds *seeds,
          const char   *name,
          const char   *header,
          gsize         data_size)
{
  g_autoptr(GBytes) bytes = make_file (header, data_size);

  qks_fuzz_add_seed (seeds, name, bytes);
}

static void
add_written (QksFuzzSeeds         *seeds,
             const char           *name,
             QksSafetensorsWriter *writer)
{
  g_autoptr(GBytes) bytes = qks_safetensors_writer_to_bytes (writer);

  qks_fuzz_add_seed (seeds, name, bytes);
}

#define T(name, dtype, shape, begin, end) \
  "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #begin "," #end "]}"

void
qks_fuzz_make_seeds (QksFuzzSeeds *seeds)
{
  static const char *dtypes[] = {
    "F32", "F16", "BF16", "F64", "F8_E5M2", "F8_E4M3",
    "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL",
  };
  static const float values[] = { 1.0f, -2.0f, 0.5f, 65504.0f, -0.0f, 3.25f, 1e-8f, 7.0f };
  static const gsize matrix[] = { 2, 3 };
  static const gsize vector[] = { 3 };
  static const gsize square[] = { 2, 2 };
  static const gsize empty[] = { 0, 3 };
  static const gsize deep[] = { 1, 1, 1, 1, 1, 1, 1, 2 };

  /* Good files, as this program writes them. */
  {
    g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();

    add_written (seeds, "good-empty", writer);
    qks_safetensors_writer_add_metadata (writer, "format", "pt");
    add_written (seeds, "good-metadata-only", writer);
    qks_safetensors_writer_add_tensor (writer, "m", QKS_DTYPE_F32, 2, matrix, values);
    qks_safetensors_writer_add_tensor (writer, "v", QKS_DTYPE_F16, 1, vector, values);
    qks_safetensors_writer_add_tensor (writer, "b", QKS_DTYPE_BF16, 2, square, values);
    add_written (seeds, "good-three-dtypes", writer);
  }
  {
    g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();

    qks_safetensors_writer_add_metadata (writer, "note", "é \"q\" \\ \n");
    qks_safetensors_writer_add_tensor (writer, "scalar", QKS_DTYPE_F32, 0, NULL, values);
    qks_safetensors_writer_add_tensor (writer, "empty", QKS_DTYPE_F16, 2, empty, NULL);
    qks_safetensors_writer_add_tensor (writer, "deep", QKS_DTYPE_F32, 8, deep, values);
    qks_safetensors_writer_add_tensor (writer, "名前\t", QKS_DTYPE_BF16, 1, vector, values);
    add_written (seeds, "good-shapes", writer);
  }

  /* Every dtype, one element each, in the order of the header. */
  {
    static const gsize sizes[] = { 4, 2, 2, 8, 1, 1, 8, 4, 2, 1, 8, 4, 2, 1, 1 };
    g_autoptr(GString) header = g_string_new ("{");
    gsize offset = 0;

    for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
      {
        g_string_append_printf (header, "%s\"t%u\":{\"dtype\":\"%s\",\"shape\":[1],\"data_offsets\":[%zu,%zu]}",
                                i > 0 ? "," : "", i, dtypes[i], offset, offset + sizes[i]);
        offset += sizes[i];
      }
    g_string_append_c (header, '}');
    add_file (seeds, "good-every-dtype", header->str, offset);
  }

  /* Bad files, one problem each, so that the fuzzer starts beside every
   * refusal. */
  add_file (seeds, "bad-overlap", "{" T ("a", "F32", "[4]", 0, 16) "," T ("b", "F32", "[4]", 8, 24) "}", 24);
  add_file (seeds, "bad-hole", "{" T ("a", "F32", "[4]", 0, 16) "," T ("b", "F32", "[4]", 20, 36) "}", 36);
  add_file (seeds, "bad-trailing", "{" T ("a", "F32", "[4]", 0, 16) "}", 20);
  add_file (seeds, "bad-beyond", "{" T ("a", "F32", "[3,4]", 0, 48) "}", 40);
  add_file (seeds, "bad-shape-bytes", "{" T ("w", "F32", "[3,4]", 0, 40) "}", 40);
  add_file (seeds, "bad-duplicate", "{" T ("w", "F32", "[1]", 0, 4) "," T ("w", "F32", "[1]", 4, 8) "}", 8);
  add_file (seeds, "bad-utf8", "{" T ("w\xff", "F32", "[1]", 0, 4) "}", 4);
  add_file (seeds, "bad-surrogate", "{" T ("\\ud800", "F32", "[1]", 0, 4) "}", 4);
  add_file (seeds, "bad-dtype", "{" T ("w", "F7", "[1]", 0, 4) "}", 4);
  add_file (seeds, "bad-negative-dim", "{" T ("w", "F32", "[2,-1]", 0, 4) "}", 4);
  add_file (seeds, "bad-overflow", "{" T ("w", "F32", "[4294967296,4294967296]", 0, 0) "}", 0);
  add_file (seeds, "bad-metadata", "{\"__metadata__\":{\"epoch\":5}}", 0);
  add_file (seeds, "bad-not-an-object", "[]", 0);
  add_file (seeds, "bad-json", "{\"a\":", 0);
  {
    /* The header length says more than the file holds. */
    g_autoptr(GBytes) good = make_file ("{}", 0);
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (good, NULL), g_bytes_get_size (good));
    g_autoptr(GBytes) bytes = NULL;

    copy[0] = 0xff;
    bytes = g_bytes_new (copy, g_bytes_get_size (good));
    qks_fuzz_add_seed (seeds, "bad-header-length", bytes);
  }

  /* The words of the format, and numbers at the edges of the checks. */
  qks_fuzz_add_token (seeds, "\"dtype\"");
  qks_fuzz_add_token (seeds, "\"shape\"");
  qks_fuzz_add_token (seeds, "\"data_offsets\"");
  qks_fuzz_add_token (seeds, "\"__metadata__\"");
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    {
      g_autofree char *token = g_strdup_printf ("\"%s\"", dtypes[i]);

      qks_fuzz_add_token (seeds, token);
    }
  qks_fuzz_add_token (seeds, "[0,0]");
  qks_fuzz_add_token (seeds, "[]");
  qks_fuzz_add_token (seeds, "{}");
  qks_fuzz_add_token (seeds, "\\u0000");
  qks_fuzz_add_token (seeds, "\\ud800");
  qks_fuzz_add_token (seeds, "\\udc00");
  qks_fuzz_add_token (seeds, "-1");
  qks_fuzz_add_token (seeds, "1e3");
  qks_fuzz_add_token (seeds, "0.5");
  qks_fuzz_add_token (seeds, "null");
  qks_fuzz_add_token (seeds, "true");
  qks_fuzz_add_token (seeds, "4294967296");
  qks_fuzz_add_token (seeds, "9223372036854775807");
  qks_fuzz_add_token (seeds, "9223372036854775808");
  qks_fuzz_add_token (seeds, "18446744073709551615");
}
