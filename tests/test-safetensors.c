/* test-safetensors.c: the safetensors reader and writer
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "qks-rng.h"
#include "qks-safetensors.h"

/* Helpers ----------------------------------------------------------------- */

/* A file made by hand: the 8-byte length of @header, @header exactly as
 * given (padding included), then @data_size bytes of @data (zeros if NULL). */
static GBytes *
make_file (const char *header,
           const void *data,
           gsize       data_size)
{
  gsize header_size = strlen (header);
  guint64 length = GUINT64_TO_LE ((guint64) header_size);
  guint8 *file = g_malloc0 (8 + header_size + data_size);

  memcpy (file, &length, 8);
  memcpy (file + 8, header, header_size);
  if (data != NULL)
    memcpy (file + 8 + header_size, data, data_size);
  return g_bytes_new_take (file, 8 + header_size + data_size);
}

static void
assert_bytes_fail (GBytes              *bytes,
                   QksSafetensorsError  code,
                   const char          *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksSafetensors) st = qks_safetensors_new_from_bytes (bytes, &error);

  g_assert_null (st);
  g_assert_error (error, QKS_SAFETENSORS_ERROR, (int) code);
  g_assert_true (g_str_has_prefix (error->message, "“safetensors data”: "));
  if (in_message != NULL && strstr (error->message, in_message) == NULL)
    g_error ("the message “%s” does not say “%s”", error->message, in_message);
}

static void
assert_header_fails (const char          *header,
                     gsize                data_size,
                     QksSafetensorsError  code,
                     const char          *in_message)
{
  g_autoptr(GBytes) bytes = make_file (header, NULL, data_size);

  assert_bytes_fail (bytes, code, in_message);
}

static QksSafetensors *
open_header (const char *header,
             gsize       data_size)
{
  g_autoptr(GBytes) bytes = make_file (header, NULL, data_size);
  g_autoptr(GError) error = NULL;
  QksSafetensors *st = qks_safetensors_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (st);
  return st;
}

static guint32
bits_of (float value)
{
  guint32 bits;

  memcpy (&bits, &value, 4);
  return bits;
}

/* An independent decoder, from the definition of the format: sign, biased
 * exponent and mantissa, put together with ldexp in double precision. */
static double
reference_f16 (guint16 h)
{
  int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double magnitude;

  if (exponent == 0x1f)
    magnitude = mantissa != 0 ? NAN : INFINITY;
  else if (exponent == 0)
    magnitude = ldexp (mantissa, -24);                 /* subnormal: 0.m × 2⁻¹⁴ */
  else
    magnitude = ldexp (1024 + mantissa, exponent - 15 - 10);
  return copysign (magnitude, sign ? -1.0 : 1.0);
}

static void
assert_same_value (float  got,
                   double expected,
                   guint  what)
{
  if (isnan (expected))
    {
      if (!isnan (got) || !signbit (got) != !signbit (expected))
        g_error ("value 0x%04x: got %g, expected a NaN of the same sign", what, (double) got);
      return;
    }
  if ((double) got != expected || !signbit (got) != !signbit (expected))
    g_error ("value 0x%04x: got %.10g, expected %.10g", what, (double) got, expected);
}

/* A small good file: metadata, an F32 matrix and an F16 vector, every byte
 * of the buffer covered. */
static GBytes *
make_good_file (void)
{
  static const float matrix[] = { 1, 2, 3, 4, 5, 6 };
  static const float vector[] = { 0.5f, -1, 2 };
  static const gsize matrix_shape[] = { 2, 3 };
  static const gsize vector_shape[] = { 3 };
  g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();

  qks_safetensors_writer_add_metadata (writer, "format", "pt");
  qks_safetensors_writer_add_tensor (writer, "m", QKS_DTYPE_F32, 2, matrix_shape, matrix);
  qks_safetensors_writer_add_tensor (writer, "v", QKS_DTYPE_F16, 1, vector_shape, vector);
  return qks_safetensors_writer_to_bytes (writer);
}

/* Conversions on reading ------------------------------------------------- */

/* All 65536 halves as an F16 tensor in a file, read by the reader and
 * checked against the independent decoder. */
static void
test_f16_tensor_reads_exactly (void)
{
  g_autofree guint16 *halves = g_new (guint16, 65536);
  g_autofree float *out = g_new (float, 65536);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(QksSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  for (guint h = 0; h <= 0xffff; h++)
    halves[h] = GUINT16_TO_LE ((guint16) h);
  bytes = make_file ("{\"all\":{\"dtype\":\"F16\",\"shape\":[256,256],\"data_offsets\":[0,131072]}}",
                     halves, 131072);
  st = qks_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);

  g_assert_true (qks_safetensors_read_f32 (st, "all", out, 65536, &error));
  g_assert_no_error (error);
  for (guint h = 0; h <= 0xffff; h++)
    assert_same_value (out[h], reference_f16 ((guint16) h), h);
}

/* F64 rounds to the nearest float, ties to even, overflowing to infinity. */
static void
test_f64_tensor_rounds_to_nearest (void)
{
  const double values[] = {
    1.0,
    1.0 + 0x1p-24,                   /* a tie: to 1, the even one */
    1.0 + 3 * 0x1p-24,               /* a tie: to 1 + 2⁻²², the even one */
    1.0 + 0x1p-24 + 0x1p-40,         /* just above the tie: up */
    -1.0 / 3.0,
    1e300,
    -1e300,
    -0.0,
    1e-50,
    (double) FLT_MAX,
    NAN,
  };
  const float expected[] = {
    1.0f, 1.0f, 1.0f + 0x1p-22f, 1.0f + 0x1p-23f, -1.0f / 3.0f,
    INFINITY, -INFINITY, -0.0f, 0.0f, FLT_MAX, NAN,
  };
  guint64 data[G_N_ELEMENTS (values)];
  float out[G_N_ELEMENTS (values)];
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(QksSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      memcpy (&data[i], &values[i], 8);
      data[i] = GUINT64_TO_LE (data[i]);
    }
  bytes = make_file ("{\"d\":{\"dtype\":\"F64\",\"shape\":[11],\"data_offsets\":[0,88]}}", data, 88);
  st = qks_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_true (qks_safetensors_read_f32 (st, "d", out, G_N_ELEMENTS (out), &error));

  for (guint i = 0; i + 1 < G_N_ELEMENTS (values); i++)
    g_assert_cmphex (bits_of (out[i]), ==, bits_of (expected[i]));
  g_assert_true (isnan (out[G_N_ELEMENTS (values) - 1]));
}

/* Round trips ------------------------------------------------------------- */

typedef struct
{
  const char *name;
  QksDtype    dtype;
  guint       n_dims;
  gsize       shape[3];
} TensorSpec;

static const TensorSpec round_trip_specs[] = {
  { "embed", QKS_DTYPE_F32, 2, { 4, 3 } },
  { "layers.0.attn.bias", QKS_DTYPE_F32, 1, { 5 } },
  { "cube", QKS_DTYPE_F32, 3, { 2, 3, 4 } },
  { "empty", QKS_DTYPE_F32, 2, { 0, 3 } },
  { "scalar", QKS_DTYPE_F32, 0, { 0 } },
  { "half", QKS_DTYPE_F16, 2, { 3, 5 } },
  { "brain", QKS_DTYPE_BF16, 3, { 2, 2, 3 } },
  { "empty16", QKS_DTYPE_F16, 3, { 3, 0, 2 } },
  { "名前 with \"quotes\"\n", QKS_DTYPE_F32, 1, { 2 } },
};

static gsize
spec_n_elements (const TensorSpec *spec)
{
  gsize n = 1;

  for (guint d = 0; d < spec->n_dims; d++)
    n *= spec->shape[d];
  return n;
}

static void
check_round_trip (QksSafetensors  *st,
                  float          **data)
{
  gsize offset = 0;

  g_assert_cmpuint (qks_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (round_trip_specs));
  g_assert_cmpuint (g_hash_table_size (qks_safetensors_get_metadata_table (st)), ==, 3);
  g_assert_cmpstr (qks_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (qks_safetensors_get_metadata (st, "step"), ==, "1200");
  g_assert_cmpstr (qks_safetensors_get_metadata (st, "note"), ==, "a \"quote\", a \\, a\nnewline, é\t\x1f");
  g_assert_null (qks_safetensors_get_metadata (st, "absent"));

  for (guint i = 0; i < G_N_ELEMENTS (round_trip_specs); i++)
    {
      const TensorSpec *spec = &round_trip_specs[i];
      const QksTensorInfo *info = qks_safetensors_get_tensor (st, i);
      gsize n = spec_n_elements (spec);
      g_autofree float *out = g_new (float, n + 1);
      g_autoptr(GError) error = NULL;

      /* In the order added, contiguous. */
      g_assert_cmpstr (info->name, ==, spec->name);
      g_assert_true (qks_safetensors_lookup (st, spec->name) == info);
      g_assert_cmpint (info->dtype, ==, spec->dtype);
      g_assert_cmpuint (info->n_dims, ==, spec->n_dims);
      for (guint d = 0; d < spec->n_dims; d++)
        g_assert_cmpuint (info->shape[d], ==, spec->shape[d]);
      g_assert_cmpuint (info->n_elements, ==, n);
      g_assert_cmpuint (info->n_bytes, ==, n * qks_dtype_size (spec->dtype));
      g_assert_cmpuint (info->offset, ==, offset);
      offset += info->n_bytes;

      out[n] = 12345.0f;
      g_assert_true (qks_safetensors_read_f32 (st, spec->name, out, n, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (out[n], ==, 12345.0f);

      for (gsize k = 0; k < n; k++)
        {
          float x = data[i][k];

          switch (spec->dtype)
            {
            case QKS_DTYPE_F32:
              g_assert_cmphex (bits_of (out[k]), ==, bits_of (x));
              break;

            case QKS_DTYPE_F16:
              /* Exactly the rounded value, so within half an ulp: 2⁻¹¹
               * relative for normal halves. */
              g_assert_cmphex (bits_of (out[k]), ==, bits_of (qks_f16_to_f32 (qks_f32_to_f16 (x))));
              g_assert_cmpfloat (fabsf (out[k] - x), <=, fabsf (x) * 0x1p-11f);
              break;

            case QKS_DTYPE_BF16:
              g_assert_cmphex (bits_of (out[k]), ==, bits_of (qks_bf16_to_f32 (qks_f32_to_bf16 (x))));
              g_assert_cmpfloat (fabsf (out[k] - x), <=, fabsf (x) * 0x1p-8f);
              break;

            case QKS_DTYPE_F64:
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
    }
}

static void
test_round_trip (void)
{
  g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(QksSafetensors) st = NULL;
  g_autoptr(QksSafetensors) from_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *header = NULL;
  float *data[G_N_ELEMENTS (round_trip_specs)];
  guint64 header_size;
  gsize length;
  QksRng rng;

  qks_rng_init (&rng, 20260521);
  for (guint i = 0; i < G_N_ELEMENTS (round_trip_specs); i++)
    {
      gsize n = spec_n_elements (&round_trip_specs[i]);

      data[i] = g_new (float, MAX (n, 1));
      qks_rng_fill_normal_f32 (&rng, data[i], n, 0.0f, 3.0f);
    }

  /* Values the F32 path must keep bit for bit, and values F16 and BF16 can
   * hold exactly (so they must come back exactly). */
  data[0][0] = -0.0f;
  data[0][1] = INFINITY;
  data[0][2] = -INFINITY;
  data[0][3] = FLT_TRUE_MIN;
  data[0][4] = FLT_MAX;
  data[0][5] = NAN;
  data[5][0] = 0.5f;
  data[5][1] = -2.0f;
  data[5][2] = 65504.0f;
  data[5][3] = 0x1p-24f;
  data[5][4] = 1024.0f + 1.0f;
  data[6][0] = 1.0f;
  data[6][1] = -3.0f;
  data[6][2] = 0x1p100f;
  data[6][3] = 1.5f;

  qks_safetensors_writer_add_metadata (writer, "format", "pt");
  qks_safetensors_writer_add_metadata (writer, "step", "1");
  qks_safetensors_writer_add_metadata (writer, "note", "a \"quote\", a \\, a\nnewline, é\t\x1f");
  qks_safetensors_writer_add_metadata (writer, "step", "1200");     /* replaces, keeps its place */
  for (guint i = 0; i < G_N_ELEMENTS (round_trip_specs); i++)
    qks_safetensors_writer_add_tensor (writer, round_trip_specs[i].name, round_trip_specs[i].dtype,
                                       round_trip_specs[i].n_dims, round_trip_specs[i].shape, data[i]);

  bytes = qks_safetensors_writer_to_bytes (writer);
  st = qks_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  check_round_trip (st, data);

  /* The byte buffer starts at a multiple of 8, and so every F32 tensor here
   * is aligned. */
  memcpy (&header_size, g_bytes_get_data (bytes, NULL), 8);
  g_assert_cmpuint (GUINT64_FROM_LE (header_size) % 8, ==, 0);
  g_assert_true (g_str_has_prefix ((const char *) g_bytes_get_data (bytes, NULL) + 8,
                                   "{\"__metadata__\":{\"format\":\"pt\",\"step\":\"1200\",\"note\":"));
  /* Escaped as serde_json escapes. */
  header = g_strndup ((const char *) g_bytes_get_data (bytes, NULL) + 8, GUINT64_FROM_LE (header_size));
  g_assert_nonnull (strstr (header, "\"note\":\"a \\\"quote\\\", a \\\\, a\\nnewline, é\\t\\u001f\"}"));
  g_assert_nonnull (strstr (header, "\"名前 with \\\"quotes\\\"\\n\":{"));

  /* The same through a file: the same bytes, and the same tensors back. */
  dir = g_dir_make_tmp ("test-safetensors-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (qks_safetensors_writer_write (writer, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_cmpmem (contents, length, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  from_file = qks_safetensors_open (path, &error);
  g_assert_no_error (error);
  check_round_trip (from_file, data);

  /* Pages released after a read come back unchanged when read again, from
   * a file and from memory alike (where releasing does nothing). */
  for (guint k = 0; k < 2; k++)
    {
      QksSafetensors *which = k == 0 ? from_file : st;

      for (guint t = 0; t < qks_safetensors_get_n_tensors (which); t++)
        {
          const QksTensorInfo *info = qks_safetensors_get_tensor (which, t);

          qks_safetensors_release_pages (which, qks_safetensors_get_tensor_data (which, info), info->n_bytes);
        }
      check_round_trip (which, data);
    }

  g_unlink (path);
  g_rmdir (dir);
  for (guint i = 0; i < G_N_ELEMENTS (round_trip_specs); i++)
    g_free (data[i]);
}

/* Reference files --------------------------------------------------------- */

/* Written out by hand from the specification: an 8-byte little-endian length
 * (144), the header padded with three spaces to 144 bytes so that the buffer
 * starts at 8 + 144 = 152, a multiple of 8, then "a" = [1, −2] as F32 and
 * "b" = [[0.5, 1, −0]] as F16, little-endian. */
static const char reference_header[] =
  "{\"__metadata__\":{\"format\":\"pt\"},"
  "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
  "\"b\":{\"dtype\":\"F16\",\"shape\":[1,3],\"data_offsets\":[8,14]}}   ";
static const guint8 reference_length[8] = { 144, 0, 0, 0, 0, 0, 0, 0 };
static const guint8 reference_data[14] = {
  0x00, 0x00, 0x80, 0x3f,   0x00, 0x00, 0x00, 0xc0,     /* 1.0f, -2.0f */
  0x00, 0x38,   0x00, 0x3c,   0x00, 0x80,               /* 0.5, 1.0, -0.0 as halves */
};

static GBytes *
reference_file (void)
{
  GByteArray *file = g_byte_array_new ();

  g_assert_cmpuint (strlen (reference_header), ==, 144);
  g_byte_array_append (file, reference_length, 8);
  g_byte_array_append (file, (const guint8 *) reference_header, 144);
  g_byte_array_append (file, reference_data, sizeof reference_data);
  return g_byte_array_free_to_bytes (file);
}

static void
test_reference_file_parses (void)
{
  g_autoptr(GBytes) bytes = reference_file ();
  g_autoptr(QksSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  const QksTensorInfo *a, *b;
  float out[3];

  st = qks_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qks_safetensors_get_n_tensors (st), ==, 2);
  g_assert_cmpstr (qks_safetensors_get_metadata (st, "format"), ==, "pt");

  a = qks_safetensors_get_tensor (st, 0);
  g_assert_cmpstr (a->name, ==, "a");
  g_assert_cmpint (a->dtype, ==, QKS_DTYPE_F32);
  g_assert_cmpuint (a->n_dims, ==, 1);
  g_assert_cmpuint (a->shape[0], ==, 2);
  g_assert_cmpuint (a->n_elements, ==, 2);
  g_assert_cmpuint (a->offset, ==, 0);
  g_assert_cmpuint (a->n_bytes, ==, 8);
  g_assert_cmpmem (qks_safetensors_get_tensor_data (st, a), 8, reference_data, 8);

  b = qks_safetensors_lookup (st, "b");
  g_assert_true (b == qks_safetensors_get_tensor (st, 1));
  g_assert_cmpint (b->dtype, ==, QKS_DTYPE_F16);
  g_assert_cmpuint (b->n_dims, ==, 2);
  g_assert_cmpuint (b->shape[0], ==, 1);
  g_assert_cmpuint (b->shape[1], ==, 3);
  g_assert_cmpuint (b->n_elements, ==, 3);
  g_assert_cmpuint (b->offset, ==, 8);
  g_assert_cmpuint (b->n_bytes, ==, 6);
  g_assert_true (qks_safetensors_get_tensor_data (st, b) ==
                 (const guint8 *) g_bytes_get_data (bytes, NULL) + 8 + 144 + 8);

  g_assert_true (qks_safetensors_read_f32 (st, "a", out, 2, &error));
  g_assert_cmpfloat (out[0], ==, 1.0f);
  g_assert_cmpfloat (out[1], ==, -2.0f);
  g_assert_true (qks_safetensors_read_f32 (st, "b", out, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out[0], ==, 0.5f);
  g_assert_cmpfloat (out[1], ==, 1.0f);
  g_assert_true (out[2] == 0.0f && signbit (out[2]));
}

static void
test_writer_matches_reference_bytes (void)
{
  static const float a[] = { 1.0f, -2.0f };
  static const float b[] = { 0.5f, 1.0f, -0.0f };
  static const gsize a_shape[] = { 2 };
  static const gsize b_shape[] = { 1, 3 };
  g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();
  g_autoptr(GBytes) expected = reference_file ();
  g_autoptr(GBytes) bytes = NULL;

  qks_safetensors_writer_add_metadata (writer, "format", "pt");
  qks_safetensors_writer_add_tensor (writer, "a", QKS_DTYPE_F32, 1, a_shape, a);
  qks_safetensors_writer_add_tensor (writer, "b", QKS_DTYPE_F16, 2, b_shape, b);
  bytes = qks_safetensors_writer_to_bytes (writer);

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* The layouts that the reference implementation's own tests expect of its
 * serializer (safetensors/src/tensor.rs: test_serialization,
 * test_serialization_forced_alignement, test_empty), written out here. */
static void
test_writer_matches_reference_implementation (void)
{
  static const float values[] = { 0, 1, 2, 3, 4, 5 };
  static const guint8 values_le[24] = {
    0, 0, 0, 0,  0, 0, 0x80, 0x3f,  0, 0, 0, 0x40,  0, 0, 0x40, 0x40,  0, 0, 0x80, 0x40,  0, 0, 0xa0, 0x40,
  };
  const struct
  {
    const char *name;
    guint       n_dims;
    gsize       shape[4];
    const char *metadata_value;
    const char *header;
  } cases[] = {
    { "attn.0", 3, { 1, 2, 3 }, NULL,
      "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}" },
    { "attn0", 4, { 1, 1, 2, 3 }, NULL,
      "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       " },
    { NULL, 0, { 0 }, NULL, "{}      " },
    { NULL, 0, { 0 }, "pt", "{\"__metadata__\":{\"framework\":\"pt\"}}     " },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) expected = NULL;

      if (cases[i].metadata_value != NULL)
        qks_safetensors_writer_add_metadata (writer, "framework", cases[i].metadata_value);
      if (cases[i].name != NULL)
        qks_safetensors_writer_add_tensor (writer, cases[i].name, QKS_DTYPE_F32,
                                           cases[i].n_dims, cases[i].shape, values);

      expected = make_file (cases[i].header, values_le, cases[i].name != NULL ? 24 : 0);
      bytes = qks_safetensors_writer_to_bytes (writer);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                       g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
    }

  /* Their lengths, as the reference tests spell them: 64, 72, 8, 40. */
  g_assert_cmpuint (strlen (cases[0].header), ==, 64);
  g_assert_cmpuint (strlen (cases[1].header), ==, 72);
  g_assert_cmpuint (strlen (cases[2].header), ==, 8);
  g_assert_cmpuint (strlen (cases[3].header), ==, 40);
}

/* Reading ----------------------------------------------------------------- */

static void
test_read_rows (void)
{
  g_autoptr(QksSafetensorsWriter) writer = qks_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(QksSafetensors) st = NULL;
  static const gsize matrix_shape[] = { 5, 3 };
  static const gsize cube_shape[] = { 2, 3, 4 };
  static const gsize scalar_shape[] = { 0 };
  float matrix[15], cube[24], scalar = 7;
  float out[25];

  for (guint i = 0; i < 15; i++)
    matrix[i] = (float) (10 * (i / 3) + i % 3);
  for (guint i = 0; i < 24; i++)
    cube[i] = (float) i;
  qks_safetensors_writer_add_tensor (writer, "m", QKS_DTYPE_F32, 2, matrix_shape, matrix);
  qks_safetensors_writer_add_tensor (writer, "h", QKS_DTYPE_F16, 2, matrix_shape, matrix);
  qks_safetensors_writer_add_tensor (writer, "b", QKS_DTYPE_BF16, 2, matrix_shape, matrix);
  qks_safetensors_writer_add_tensor (writer, "cube", QKS_DTYPE_F32, 3, cube_shape, cube);
  qks_safetensors_writer_add_tensor (writer, "scalar", QKS_DTYPE_F32, 0, scalar_shape, &scalar);
  bytes = qks_safetensors_writer_to_bytes (writer);
  st = qks_safetensors_new_from_bytes (bytes, NULL);
  g_assert_nonnull (st);

  /* Exactly the rows asked for, in every float dtype, and nothing beyond. */
  for (guint t = 0; t < 3; t++)
    {
      const char *name = (const char *[]) { "m", "h", "b" }[t];

      for (gsize begin = 0; begin <= 5; begin++)
        for (gsize n_rows = 0; begin + n_rows <= 5; n_rows++)
          {
            g_autoptr(GError) error = NULL;

            for (guint i = 0; i < G_N_ELEMENTS (out); i++)
              out[i] = -1.0f;
            g_assert_true (qks_safetensors_read_rows_f32 (st, name, begin, n_rows, out, &error));
            g_assert_no_error (error);
            for (gsize r = 0; r < n_rows; r++)
              for (gsize c = 0; c < 3; c++)
                g_assert_cmpfloat (out[r * 3 + c], ==, (float) (10 * (begin + r) + c));
            g_assert_cmpfloat (out[n_rows * 3], ==, -1.0f);
          }
    }

  /* For more than two dimensions, a row is everything after the first. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (qks_safetensors_read_rows_f32 (st, "cube", 1, 1, out, &error));
    g_assert_no_error (error);
    for (guint i = 0; i < 12; i++)
      g_assert_cmpfloat (out[i], ==, (float) (12 + i));
  }

  /* Rows outside the tensor, a scalar, a missing name. */
  {
    const struct { gsize begin, n_rows; } outside[] = {
      { 4, 2 }, { 5, 1 }, { 6, 0 }, { 0, 6 }, { 1, G_MAXSIZE }, { G_MAXSIZE, 2 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (outside); i++)
      {
        g_autoptr(GError) error = NULL;

        g_assert_false (qks_safetensors_read_rows_f32 (st, "m", outside[i].begin, outside[i].n_rows,
                                                       out, &error));
        g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
        g_assert_nonnull (strstr (error->message, "tensor “m” of shape [5, 3] has 5 rows"));
      }
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (qks_safetensors_read_rows_f32 (st, "scalar", 0, 1, out, &error));
    g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "scalar"));
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (qks_safetensors_read_rows_f32 (st, "missing", 0, 1, out, &error));
    g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "no tensor “missing”"));
  }
}

static void
test_read_f32_errors (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(QksSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  float out[8];

  /* Integer and FP8 tensors open, and say why they cannot be read. */
  bytes = make_file ("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                     "\"fp8\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[16,18]},"
                     "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[18,20]},"
                     "\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}}",
                     NULL, 32);
  st = qks_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qks_safetensors_lookup (st, "ids")->dtype, ==, QKS_DTYPE_I64);
  g_assert_cmpint (qks_safetensors_lookup (st, "fp8")->dtype, ==, QKS_DTYPE_F8_E4M3);
  g_assert_cmpint (qks_safetensors_lookup (st, "mask")->dtype, ==, QKS_DTYPE_BOOL);

  g_assert_false (qks_safetensors_read_f32 (st, "ids", out, 2, &error));
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_CONVERSION);
  g_assert_nonnull (strstr (error->message, "tensor “ids” holds I64, which cannot be read as float"));
  g_clear_error (&error);

  g_assert_false (qks_safetensors_read_f32 (st, "fp8", out, 2, &error));
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_CONVERSION);
  g_clear_error (&error);

  g_assert_false (qks_safetensors_read_f32 (st, "w", out, 4, &error));
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "tensor “w” of shape [3] holds 3 elements, not the 4 asked for"));
  g_clear_error (&error);

  g_assert_false (qks_safetensors_read_f32 (st, "W", out, 3, &error));
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_null (qks_safetensors_lookup (st, "W"));
  g_assert_true (qks_safetensors_read_f32 (st, "w", out, 3, &error));
  g_assert_no_error (error);
}

static void
test_order_follows_offsets (void)
{
  /* The header lists them out of order, with empty tensors at both ends and
   * between; the reader sorts by data_offsets. */
  g_autoptr(QksSafetensors) st =
    open_header ("{\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]},"
                 "\"z\":{\"dtype\":\"F16\",\"shape\":[2,0],\"data_offsets\":[32,32]},"
                 "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                 "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                 "\"m\":{\"dtype\":\"BF16\",\"shape\":[0,7],\"data_offsets\":[16,16]},"
                 "\"s\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1],\"data_offsets\":[32,36]}}",
                 36);
  const char *order[] = { "e", "a", "m", "b", "z", "s" };

  g_assert_cmpuint (qks_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (qks_safetensors_get_tensor (st, i)->name, ==, order[i]);
  g_assert_cmpuint (qks_safetensors_lookup (st, "s")->n_dims, ==, 8);
  g_assert_cmpuint (qks_safetensors_lookup (st, "z")->n_elements, ==, 0);
  g_assert_cmpuint (g_hash_table_size (qks_safetensors_get_metadata_table (st)), ==, 0);

  /* open_header() dropped its GBytes: the file holds the only reference to
   * the data, and a second reference to the file keeps it alive. */
  {
    QksSafetensors *extra = qks_safetensors_ref (st);
    float out[4];

    g_assert_true (extra == st);
    qks_safetensors_unref (extra);
    g_assert_true (qks_safetensors_read_f32 (st, "b", out, 4, NULL));
  }
}

static void
test_open_reports_file_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QksSafetensors) st = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-safetensors-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.safetensors", NULL);

  st = qks_safetensors_open (missing, &error);
  g_assert_null (st);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  {
    /* The full path: in a folder of checkpoints the name alone is ambiguous. */
    g_autofree char *prefix = g_strdup_printf ("“%s”: ", missing);

    g_assert_true (g_str_has_prefix (error->message, prefix));
  }
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  st = qks_safetensors_open (empty, &error);
  g_assert_null (st);
  g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (error->message, "empty.safetensors”: the file holds 0 bytes"));

  g_unlink (empty);
  g_rmdir (dir);
}

/* Malformed files --------------------------------------------------------- */

/* Every prefix of a good file fails as truncated, on disk and in memory;
 * only the whole file opens. */
static void
test_every_truncation_fails (void)
{
  g_autoptr(GBytes) good = make_good_file ();
  g_autofree char *dir = g_dir_make_tmp ("test-safetensors-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cut.safetensors", NULL);
  gsize size = g_bytes_get_size (good);

  for (gsize length = 0; length <= size; length++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new_from_bytes (good, 0, length);
      g_autoptr(QksSafetensors) st = NULL;
      g_autoptr(QksSafetensors) from_file = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) file_error = NULL;

      st = qks_safetensors_new_from_bytes (prefix, &error);
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (prefix, NULL), (gssize) length, NULL));
      from_file = qks_safetensors_open (path, &file_error);
      if (length == size)
        {
          g_assert_no_error (error);
          g_assert_no_error (file_error);
          g_assert_cmpuint (qks_safetensors_get_n_tensors (st), ==, 2);
          continue;
        }

      g_assert_null (st);
      g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_TRUNCATED);
      g_assert_null (from_file);
      g_assert_error (file_error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_TRUNCATED);
      g_assert_true (g_str_has_prefix (file_error->message, "“") && strstr (file_error->message, "cut.safetensors”: ") != NULL);
      if (length < 8)
        g_assert_nonnull (strstr (error->message, "fewer than the 8 of the header length"));
      else
        g_assert_nonnull (strstr (error->message, "is the file truncated?"));
    }

  g_unlink (path);
  g_rmdir (dir);
}

static GBytes *
with_header_length (GBytes  *good,
                    guint64  header_size)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);
  guint8 *copy = g_memdup2 (data, size);

  header_size = GUINT64_TO_LE (header_size);
  memcpy (copy, &header_size, 8);
  return g_bytes_new_take (copy, size);
}

static void
test_corrupt_header_length (void)
{
  g_autoptr(GBytes) good = make_good_file ();
  guint64 n;

  memcpy (&n, g_bytes_get_data (good, NULL), 8);
  n = GUINT64_FROM_LE (n);

  {
    g_autoptr(GBytes) bytes = with_header_length (good, 0);
    assert_bytes_fail (bytes, QKS_SAFETENSORS_ERROR_HEADER, "the header length is 0");
  }
  {
    g_autoptr(GBytes) bytes = with_header_length (good, 100000001);
    assert_bytes_fail (bytes, QKS_SAFETENSORS_ERROR_HEADER,
                       "the header length is 100000001 bytes, more than the limit of 100000000");
  }
  {
    g_autoptr(GBytes) bytes = with_header_length (good, G_MAXUINT64);
    assert_bytes_fail (bytes, QKS_SAFETENSORS_ERROR_HEADER, "more than the limit");
  }
  {
    g_autoptr(GBytes) bytes = make_file ("{}", NULL, 90);
    g_autoptr(GBytes) corrupt = with_header_length (bytes, 4096);

    g_assert_cmpuint (g_bytes_get_size (corrupt), ==, 100);
    assert_bytes_fail (corrupt, QKS_SAFETENSORS_ERROR_TRUNCATED,
                       "the header is 4096 bytes long but the file holds only 92 bytes after the header length");
  }

  /* Any other length moves the start of the buffer, so the tensors no
   * longer tile it, or the header takes in bytes of the data, or loses its
   * closing brace. Each must fail, none may crash. */
  for (gint64 delta = -24; delta <= 24; delta++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(QksSafetensors) st = NULL;
      g_autoptr(GError) error = NULL;

      if (delta == 0)
        continue;
      bytes = with_header_length (good, (guint64) ((gint64) n + delta));
      st = qks_safetensors_new_from_bytes (bytes, &error);
      g_assert_null (st);
      g_assert_true (error->domain == QKS_SAFETENSORS_ERROR);
    }
}

#define T(name, dtype, shape, begin, end) \
  "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #begin "," #end "]}"

static void
test_malformed_header_text (void)
{
  assert_header_fails ("[]", 0, QKS_SAFETENSORS_ERROR_HEADER, "does not begin with “{”");
  assert_header_fails (" {}", 0, QKS_SAFETENSORS_ERROR_HEADER, "does not begin with “{”");
  assert_header_fails ("\xef\xbb\xbf{}", 0, QKS_SAFETENSORS_ERROR_HEADER, "does not begin with “{”");
  assert_header_fails ("{\"a\":", 0, QKS_SAFETENSORS_ERROR_JSON, "the header is not valid JSON");
  assert_header_fails ("{} {}", 0, QKS_SAFETENSORS_ERROR_JSON, "after the JSON value");
  assert_header_fails ("{/* */}", 0, QKS_SAFETENSORS_ERROR_JSON, "not valid JSON");
  assert_header_fails ("{" T ("w", "F32", "[1]", 0, 4) ",}", 4, QKS_SAFETENSORS_ERROR_JSON, "not valid JSON");
  assert_header_fails ("{'w':{}}", 0, QKS_SAFETENSORS_ERROR_JSON, "not valid JSON");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,0x4]}}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "not valid JSON");

  /* Names that are not UTF-8, raw or escaped, and NULs. */
  assert_header_fails ("{" T ("w\xff", "F32", "[1]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_HEADER, "not valid UTF-8 at byte 3 of the header");
  assert_header_fails ("{" T ("\xc0\xaf", "F32", "[1]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_HEADER, "not valid UTF-8");
  assert_header_fails ("{" T ("\\ud800", "F32", "[1]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "Unpaired high surrogate");
  assert_header_fails ("{" T ("a\\u0000b", "F32", "[1]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "\\u0000");
  /* Metadata keys and values too: the interface shows them. */
  assert_header_fails ("{\"__metadata__\":{\"k\":\"caf\xe9\"}}", 0,
                       QKS_SAFETENSORS_ERROR_HEADER, "not valid UTF-8 at byte 25 of the header");
  assert_header_fails ("{\"__metadata__\":{\"\xfe\":\"v\"}}", 0,
                       QKS_SAFETENSORS_ERROR_HEADER, "not valid UTF-8 at byte 18 of the header");
  {
    static const char header[] = "{\"a\0b\":{}}";
    g_autoptr(GBytes) bytes = NULL;
    guint8 file[8 + sizeof header - 1] = { sizeof header - 1 };

    memcpy (file + 8, header, sizeof header - 1);
    bytes = g_bytes_new (file, sizeof file);
    assert_bytes_fail (bytes, QKS_SAFETENSORS_ERROR_HEADER, "a NUL byte at byte 3 of the header");
  }

  /* Trailing spaces are the padding the format allows; other JSON
   * whitespace does no harm either. */
  {
    g_autoptr(QksSafetensors) st = open_header ("{" T ("w", "F32", "[1]", 0, 4) "}       ", 4);
    g_autoptr(QksSafetensors) st2 = open_header ("{\n  " T ("w", "F32", "[1]", 0, 4) "\n}\n", 4);

    g_assert_nonnull (qks_safetensors_lookup (st, "w"));
    g_assert_nonnull (qks_safetensors_lookup (st2, "w"));
  }
}

static void
test_malformed_entries (void)
{
  assert_header_fails ("{\"w\":5}", 0, QKS_SAFETENSORS_ERROR_JSON,
                       "the entry of tensor “w” is an integer, not an object");
  assert_header_fails ("{\"w\":[]}", 0, QKS_SAFETENSORS_ERROR_JSON, "is an array, not an object");
  assert_header_fails ("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "the entry of tensor “w” has no “dtype”");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "has no “shape”");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "has no “data_offsets”");

  /* Dtypes */
  assert_header_fails ("{" T ("w", "F7", "[1]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_DTYPE,
                       "tensor “w” has the unknown dtype “F7”");
  assert_header_fails ("{" T ("w", "f32", "[1]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_DTYPE, "“f32”");
  assert_header_fails ("{" T ("w", "F4", "[2]", 0, 1) "}", 1, QKS_SAFETENSORS_ERROR_DTYPE, "“F4”");
  assert_header_fails ("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                       QKS_SAFETENSORS_ERROR_DTYPE, "the dtype of tensor “w” is an integer, not a string");

  /* Shapes */
  assert_header_fails ("{" T ("w", "F32", "3", 0, 12) "}", 12, QKS_SAFETENSORS_ERROR_SHAPE,
                       "the shape of tensor “w” is an integer, not an array");
  assert_header_fails ("{" T ("w", "F32", "[2,-1]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_SHAPE,
                       "dimension 1 of tensor “w” is a negative integer, not a non-negative integer");
  assert_header_fails ("{" T ("w", "F32", "[2.5]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_SHAPE,
                       "a number with a fraction or an exponent");
  assert_header_fails ("{" T ("w", "F32", "[2e0]", 0, 8) "}", 8, QKS_SAFETENSORS_ERROR_SHAPE, "exponent");
  assert_header_fails ("{" T ("w", "F32", "[\"3\"]", 0, 12) "}", 12, QKS_SAFETENSORS_ERROR_SHAPE, "a string");
  assert_header_fails ("{" T ("w", "F32", "[null]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_SHAPE, "is null");
  assert_header_fails ("{" T ("w", "F32", "[[1]]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_SHAPE, "an array");
  assert_header_fails ("{" T ("w", "F32", "[1,1,1,1,1,1,1,1,1]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_SHAPE,
                       "tensor “w” has 9 dimensions; at most 8 are supported");

  /* Offsets */
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS,
                       "the data_offsets of tensor “w” are not two non-negative integers [begin, end]");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "two non-negative integers");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"begin\":0}}}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "two non-negative integers");
  assert_header_fails ("{" T ("w", "F32", "[1]", -4, 0) "}", 4, QKS_SAFETENSORS_ERROR_OFFSETS,
                       "two non-negative integers");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "two non-negative integers");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4.0]}}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "the data_offsets of tensor “w” are not two non-negative integers");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":null}}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "two non-negative integers");
  assert_header_fails ("{" T ("w", "F32", "[1]", 4, 0) "}", 4, QKS_SAFETENSORS_ERROR_OFFSETS,
                       "tensor “w” has data_offsets [4, 0], which end before they begin");
  assert_header_fails ("{" T ("w", "F32", "[3,4]", 0, 40) "}", 40, QKS_SAFETENSORS_ERROR_OFFSETS,
                       "tensor “w” has shape [3, 4] of F32 (48 bytes) but its data_offsets span 40 bytes");
  assert_header_fails ("{" T ("w", "BF16", "[]", 0, 4) "}", 4, QKS_SAFETENSORS_ERROR_OFFSETS,
                       "shape [] of BF16 (2 bytes) but its data_offsets span 4 bytes");
  assert_header_fails ("{" T ("w", "F32", "[3,4]", 0, 48) "}", 40, QKS_SAFETENSORS_ERROR_TRUNCATED,
                       "tensor “w” has data_offsets [0, 48] but the byte buffer after the header holds only 40 bytes");
}

static void
test_malformed_layout (void)
{
  /* Overlaps, including two tensors on the same bytes */
  assert_header_fails ("{" T ("a", "F32", "[4]", 0, 16) "," T ("b", "F32", "[4]", 8, 24) "}", 24,
                       QKS_SAFETENSORS_ERROR_OFFSETS,
                       "tensor “b” (data_offsets [8, 24]) overlaps tensor “a” (data_offsets [0, 16])");
  assert_header_fails ("{" T ("a", "F32", "[4]", 0, 16) "," T ("b", "I32", "[4]", 0, 16) "}", 16,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "overlaps");
  assert_header_fails ("{" T ("a", "F32", "[4]", 0, 16) "," T ("e", "F32", "[0]", 8, 8) "}", 16,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "tensor “e” (data_offsets [8, 8]) overlaps tensor “a”");

  /* Holes: at the start, between tensors */
  assert_header_fails ("{" T ("a", "F32", "[4]", 4, 20) "}", 20, QKS_SAFETENSORS_ERROR_OFFSETS,
                       "bytes [0, 4) of the byte buffer, before tensor “a”, belong to no tensor");
  assert_header_fails ("{" T ("a", "F32", "[4]", 0, 16) "," T ("b", "F32", "[4]", 20, 36) "}", 36,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "bytes [16, 20) of the byte buffer, before tensor “b”");

  /* Trailing bytes after the last tensor, and bytes with no tensor at all */
  assert_header_fails ("{" T ("a", "F32", "[4]", 0, 16) "}", 20, QKS_SAFETENSORS_ERROR_OFFSETS,
                       "the byte buffer holds 20 bytes but its tensors end at byte 16; "
                       "the format allows no trailing bytes");
  assert_header_fails ("{}", 1, QKS_SAFETENSORS_ERROR_OFFSETS, "holds 1 bytes but its tensors end at byte 0");

  /* Offsets beyond the buffer */
  assert_header_fails ("{" T ("a", "F32", "[0]", 9223372036854775807, 9223372036854775807) "}", 0,
                       QKS_SAFETENSORS_ERROR_TRUNCATED, "holds only 0 bytes");
  assert_header_fails ("{" T ("a", "F32", "[1]", 0, 18446744073709551620) "}", 4,
                       QKS_SAFETENSORS_ERROR_JSON, "does not fit in 64 bits");
}

static void
test_overflow_is_caught (void)
{
  assert_header_fails ("{" T ("w", "F32", "[4294967296,4294967296]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE,
                       "tensor “w” has shape [4294967296, 4294967296], more elements than a 64-bit size can count");
  assert_header_fails ("{" T ("w", "F32", "[4294967296,4294967296,0]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE, "more elements");
  assert_header_fails ("{" T ("w", "F64", "[2305843009213693952]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE,
                       "tensor “w” has shape [2305843009213693952] of F64, more bytes than a 64-bit size can count");
  assert_header_fails ("{" T ("w", "F32", "[4611686018427387904]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE, "more bytes");
  /* Large but countable: the sizes are fine, the offsets do not match them. */
  assert_header_fails ("{" T ("w", "F32", "[2147483648,2147483647]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "(18446744065119617024 bytes) but its data_offsets span 4 bytes");
}

/* Dimensions at and beyond what a 64-bit integer holds: each is refused
 * with the number or the size it makes, none wraps around to a small size. */
static void
test_huge_dimensions (void)
{
  /* Beyond a gint64: not read at all, and the message quotes the number. */
  assert_header_fails ("{" T ("w", "U8", "[9223372036854775808]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_JSON,
                       "the header holds JSON that this reader does not accept: "
                       "The integer 9223372036854775808 does not fit in 64 bits");
  assert_header_fails ("{" T ("w", "U8", "[18446744073709551616]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_JSON, "The integer 18446744073709551616 does not fit");
  assert_header_fails ("{" T ("w", "U8", "[-9223372036854775808]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_JSON, "The integer -9223372036854775808 does not fit");
  assert_header_fails ("{" T ("w", "U8", "[1, 100000000000000000000000000000000000000000000000000]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_JSON, "The integer 1000000000000000000000000000000000000000… does not fit");
  assert_header_fails ("{" T ("w", "U8", "[1e30]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE,
                       "dimension 0 of tensor “w” is a number with a fraction or an exponent");
  assert_header_fails ("{" T ("w", "U8", "[-9223372036854775807]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE, "dimension 0 of tensor “w” is a negative integer");

  /* The largest gint64: as bytes it is counted exactly, then found not to
   * match the offsets; as F32 it overflows. */
  assert_header_fails ("{" T ("w", "U8", "[9223372036854775807]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS,
                       "tensor “w” has shape [9223372036854775807] of U8 (9223372036854775807 bytes) "
                       "but its data_offsets span 4 bytes");
  assert_header_fails ("{" T ("w", "F16", "[9223372036854775807]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "(18446744073709551614 bytes)");
  assert_header_fails ("{" T ("w", "F32", "[9223372036854775807]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_SHAPE,
                       "tensor “w” has shape [9223372036854775807] of F32, more bytes than a 64-bit size can count");
  assert_header_fails ("{" T ("w", "U8", "[9223372036854775807,2]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_OFFSETS, "(18446744073709551614 bytes)");
  assert_header_fails ("{" T ("w", "U8", "[9223372036854775807,3]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_SHAPE, "more elements than a 64-bit size can count");

  /* The product is taken from the first dimension on, as the reference
   * implementation takes it: a zero first makes the tensor empty however
   * large the rest, a zero last comes after the overflow. */
  {
    g_autoptr(QksSafetensors) st =
      open_header ("{" T ("w", "F32", "[0,9223372036854775807,9223372036854775807]", 0, 0) "}", 0);
    g_autoptr(GError) error = NULL;
    const QksTensorInfo *info = qks_safetensors_lookup (st, "w");

    g_assert_cmpuint (info->n_elements, ==, 0);
    g_assert_cmpuint (info->n_bytes, ==, 0);
    g_assert_true (qks_safetensors_read_f32 (st, "w", NULL, 0, &error));
    g_assert_no_error (error);
    /* Its rows would be longer than a size can count: none are read. */
    g_assert_true (qks_safetensors_read_rows_f32 (st, "w", 0, 0, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (qks_safetensors_read_rows_f32 (st, "w", 0, 1, NULL, &error));
    g_assert_error (error, QKS_SAFETENSORS_ERROR, QKS_SAFETENSORS_ERROR_SHAPE);
  }
  assert_header_fails ("{" T ("w", "F32", "[9223372036854775807,9223372036854775807,0]", 0, 0) "}", 0,
                       QKS_SAFETENSORS_ERROR_SHAPE, "more elements than a 64-bit size can count");
}

/* A header nested deeper than any checkpoint's is refused by its depth, not
 * parsed recursively: a million "[" must not overflow the stack. */
static void
test_deep_nesting_is_refused (void)
{
  const gsize deep = 1000000;
  g_autoptr(GString) header = g_string_new ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":");

  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
                       "\"x\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}}", 4,
                       QKS_SAFETENSORS_ERROR_JSON,
                       "the header holds JSON that this reader does not accept: "
                       "Arrays and objects are nested more than 16 deep");

  for (gsize i = 0; i < deep; i++)
    g_string_append_c (header, '[');
  for (gsize i = 0; i < deep; i++)
    g_string_append_c (header, ']');
  g_string_append (header, "}}");
  assert_header_fails (header->str, 4, QKS_SAFETENSORS_ERROR_JSON, "nested more than 16 deep");

  /* Unknown fields of modest depth are ignored, as the reference
   * implementation ignores them. */
  {
    g_autoptr(QksSafetensors) st =
      open_header ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
                   "\"x\":[[[[[[[[[[[[[1]]]]]]]]]]]]]}}", 4);

    g_assert_nonnull (qks_safetensors_lookup (st, "w"));
  }
}

static void
test_duplicates_are_refused (void)
{
  assert_header_fails ("{" T ("w", "F32", "[1]", 0, 4) "," T ("w", "F32", "[1]", 4, 8) "}", 8,
                       QKS_SAFETENSORS_ERROR_DUPLICATE, "Key “w” appears twice in the top-level object");
  /* Both pointing at the same bytes, as in the known attack: one reader sees
   * the first entry and another the last. */
  assert_header_fails ("{" T ("w", "U8", "[4]", 0, 4) "," T ("w", "F32", "[1]", 0, 4) "}", 4,
                       QKS_SAFETENSORS_ERROR_DUPLICATE, "“w”");
  assert_header_fails ("{" T ("w", "F32", "[1]", 0, 4) "," T ("\\u0077", "F32", "[1]", 4, 8) "}", 8,
                       QKS_SAFETENSORS_ERROR_DUPLICATE, "Key “w”");
  assert_header_fails ("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                       QKS_SAFETENSORS_ERROR_DUPLICATE, "Key “dtype” appears twice in the object under “w”");
  assert_header_fails ("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0,
                       QKS_SAFETENSORS_ERROR_DUPLICATE, "Key “k” appears twice in the object under “__metadata__”");
  assert_header_fails ("{\"__metadata__\":{},\"__metadata__\":{}}", 0,
                       QKS_SAFETENSORS_ERROR_DUPLICATE, "Key “__metadata__”");
}

static void
test_malformed_metadata (void)
{
  assert_header_fails ("{\"__metadata__\":5}", 0, QKS_SAFETENSORS_ERROR_JSON,
                       "“__metadata__” is an integer, not an object mapping strings to strings");
  assert_header_fails ("{\"__metadata__\":[\"a\"]}", 0, QKS_SAFETENSORS_ERROR_JSON, "is an array");
  assert_header_fails ("{\"__metadata__\":{\"epoch\":5}}", 0, QKS_SAFETENSORS_ERROR_JSON,
                       "“__metadata__” maps “epoch” to an integer; its values must be strings");
  assert_header_fails ("{\"__metadata__\":{\"k\":null}}", 0, QKS_SAFETENSORS_ERROR_JSON, "to null");
  assert_header_fails ("{\"__metadata__\":{\"k\":true}}", 0, QKS_SAFETENSORS_ERROR_JSON, "a boolean");
  assert_header_fails ("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", 0, QKS_SAFETENSORS_ERROR_JSON, "an object");
  assert_header_fails ("{\"__metadata__\":{\"k\":[\"v\"]}}", 0, QKS_SAFETENSORS_ERROR_JSON, "an array");

  {
    g_autoptr(QksSafetensors) st = open_header ("{\"__metadata__\":{}," T ("w", "F32", "[1]", 0, 4) "}", 4);

    g_assert_cmpuint (g_hash_table_size (qks_safetensors_get_metadata_table (st)), ==, 0);
  }
}

/* Random damage to a good file: whatever is accepted must read without
 * going out of bounds (run under valgrind or ASan to see that). */
static void
test_random_damage_never_crashes (void)
{
  g_autoptr(GBytes) good = make_good_file ();
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);
  guint accepted = 0;
  QksRng rng;

  qks_rng_init (&rng, 7);
  for (guint iteration = 0; iteration < 20000; iteration++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, size);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(QksSafetensors) st = NULL;
      guint n_changes = 1 + (guint) qks_rng_uniform_int (&rng, 3);

      for (guint i = 0; i < n_changes; i++)
        copy[qks_rng_uniform_int (&rng, size)] = (guint8) qks_rng_uniform_int (&rng, 256);
      bytes = g_bytes_new (copy, size);
      st = qks_safetensors_new_from_bytes (bytes, NULL);
      if (st == NULL)
        continue;

      accepted++;
      for (guint t = 0; t < qks_safetensors_get_n_tensors (st); t++)
        {
          const QksTensorInfo *info = qks_safetensors_get_tensor (st, t);
          g_autofree float *out = g_new (float, MAX (info->n_elements, 1));

          g_assert_cmpuint (info->offset + info->n_bytes, <=, size);
          if (qks_dtype_converts_to_f32 (info->dtype))
            {
              g_assert_true (qks_safetensors_read_f32 (st, info->name, out, info->n_elements, NULL));
              if (info->n_dims > 0)
                g_assert_true (qks_safetensors_read_rows_f32 (st, info->name, 0, info->shape[0], out, NULL));
            }
        }
    }

  /* Damage to the data bytes leaves a valid file, so some must pass. */
  g_assert_cmpuint (accepted, >, 0);
}

/* Headers made up at random from the right pieces, with offsets, shapes and
 * buffer sizes that are often slightly off, the way a buggy writer would get
 * them wrong. What opens must lie inside the buffer; reading all of it then
 * shows, under valgrind or ASan, that nothing is read beyond. */
static void
test_random_headers_never_read_out_of_bounds (void)
{
  static const char *dtypes[] = { "F32", "F16", "BF16", "F64", "I64", "U8", "BOOL" };
  static const gsize sizes[] = { 4, 2, 2, 8, 8, 1, 1 };
  guint accepted = 0, refused = 0;
  QksRng rng;

  qks_rng_init (&rng, 11);
  for (guint iteration = 0; iteration < 20000; iteration++)
    {
      g_autoptr(GString) header = g_string_new ("{");
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(QksSafetensors) st = NULL;
      guint n_tensors = (guint) qks_rng_uniform_int (&rng, 4);
      gint64 offset = 0;
      gint64 buffer_size;

      for (guint t = 0; t < n_tensors; t++)
        {
          guint d = (guint) qks_rng_uniform_int (&rng, G_N_ELEMENTS (dtypes));
          guint n_dims = (guint) qks_rng_uniform_int (&rng, 4);
          gint64 n_bytes = (gint64) sizes[d];
          gint64 begin, end;

          g_string_append_printf (header, "%s\"t%u\":{\"dtype\":\"%s\",\"shape\":[",
                                  t > 0 ? "," : "", t, dtypes[d]);
          for (guint k = 0; k < n_dims; k++)
            {
              gint64 size = (gint64) qks_rng_uniform_int (&rng, 5);

              g_string_append_printf (header, "%s%" G_GINT64_FORMAT, k > 0 ? "," : "", size);
              n_bytes *= size;
            }

          /* Mostly right, sometimes a little off either way. */
          begin = offset;
          end = offset + n_bytes;
          if (qks_rng_uniform_int (&rng, 4) == 0)
            begin += (gint64) qks_rng_uniform_int (&rng, 9) - 4;
          if (qks_rng_uniform_int (&rng, 4) == 0)
            end += (gint64) qks_rng_uniform_int (&rng, 9) - 4;
          g_string_append_printf (header, "],\"data_offsets\":[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]}",
                                  begin, end);
          offset = end;
        }
      g_string_append_c (header, '}');

      buffer_size = offset;
      if (qks_rng_uniform_int (&rng, 4) == 0)
        buffer_size += (gint64) qks_rng_uniform_int (&rng, 9) - 4;
      bytes = make_file (header->str, NULL, (gsize) MAX (buffer_size, 0));

      st = qks_safetensors_new_from_bytes (bytes, NULL);
      if (st == NULL)
        {
          refused++;
          continue;
        }

      accepted++;
      for (guint t = 0; t < qks_safetensors_get_n_tensors (st); t++)
        {
          const QksTensorInfo *info = qks_safetensors_get_tensor (st, t);
          g_autofree float *out = g_new (float, MAX (info->n_elements, 1));
          const guint8 *data = qks_safetensors_get_tensor_data (st, info);
          guint sum = 0;

          /* Read first, so that a sanitizer sees any read beyond the end. */
          for (gsize k = 0; k < info->n_bytes; k++)
            sum += data[k];
          if (qks_dtype_converts_to_f32 (info->dtype))
            g_assert_true (qks_safetensors_read_f32 (st, info->name, out, info->n_elements, NULL));
          g_assert_cmpuint (sum, ==, 0);
          g_assert_cmpuint (info->offset + info->n_bytes, <=, (gsize) buffer_size);
        }
    }

  /* Both outcomes must be common, or the test tests little. */
  g_test_message ("%u accepted, %u refused", accepted, refused);
  g_assert_cmpuint (accepted, >, 2000);
  g_assert_cmpuint (refused, >, 2000);
}

/* Writing ------------------------------------------------------------------ */

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static QksSafetensorsWriter *
small_writer (const float *value)
{
  static const gsize shape[] = { 1 };
  QksSafetensorsWriter *writer = qks_safetensors_writer_new ();

  qks_safetensors_writer_add_tensor (writer, "w", QKS_DTYPE_F32, 1, shape, value);
  return writer;
}

static void
test_write_is_atomic (void)
{
  static const float one = 1.0f, two = 2.0f;
  g_autoptr(QksSafetensorsWriter) first = small_writer (&one);
  g_autoptr(QksSafetensorsWriter) second = small_writer (&two);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-safetensors-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-dir", "model.safetensors", NULL);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *subdir = g_build_filename (dir, "a-directory", NULL);
  float value;

  /* Into a directory that does not exist: a clear error, nothing created. */
  g_assert_false (qks_safetensors_writer_write (first, missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_cmpuint (count_entries (dir), ==, 0);
  g_clear_error (&error);

  /* A new file, then a second write replaces it. */
  g_assert_true (qks_safetensors_writer_write (first, path, &error));
  g_assert_no_error (error);
  g_assert_true (qks_safetensors_writer_write (second, path, &error));
  g_assert_no_error (error);
  {
    g_autoptr(QksSafetensors) st = qks_safetensors_open (path, &error);

    g_assert_no_error (error);
    g_assert_true (qks_safetensors_read_f32 (st, "w", &value, 1, &error));
    g_assert_cmpfloat (value, ==, 2.0f);
  }
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* Over a directory the rename fails: an error, the directory intact, the
   * temporary file gone. */
  g_assert_cmpint (g_mkdir (subdir, 0755), ==, 0);
  g_assert_false (qks_safetensors_writer_write (first, subdir, &error));
  g_assert_true (error->domain == G_FILE_ERROR);
  g_assert_nonnull (strstr (error->message, "Could not replace"));
  g_assert_true (g_file_test (subdir, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (count_entries (dir), ==, 2);

  g_rmdir (subdir);
  g_unlink (path);
  g_rmdir (dir);
}

/* A write that fails half-way, as on a full disk: the file-size limit makes
 * write() fail with EFBIG once 64 KiB are written. In a subprocess, so the
 * limit stays there. */
static void
test_write_failing_midway_keeps_the_old_file (void)
{
  if (g_test_subprocess ())
    {
      static const float old_value = 1.0f;
      g_autoptr(QksSafetensorsWriter) old_writer = small_writer (&old_value);
      g_autoptr(QksSafetensorsWriter) big = qks_safetensors_writer_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("test-safetensors-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
      g_autofree char *before = NULL, *after = NULL;
      g_autofree float *data = g_new0 (float, 1 << 20);
      gsize before_length, after_length;
      const gsize shape[] = { 1024, 1024 };
      struct rlimit limit;

      g_assert_true (qks_safetensors_writer_write (old_writer, path, &error));
      g_assert_true (g_file_get_contents (path, &before, &before_length, NULL));

      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      limit.rlim_cur = 64 * 1024;
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

      qks_safetensors_writer_add_tensor (big, "big", QKS_DTYPE_F32, 2, shape, data);
      g_assert_false (qks_safetensors_writer_write (big, path, &error));
      g_assert_true (error->domain == G_FILE_ERROR);
      g_assert_nonnull (strstr (error->message, "Could not write"));
      g_assert_nonnull (strstr (error->message, "model.safetensors"));

      g_assert_true (g_file_get_contents (path, &after, &after_length, NULL));
      g_assert_cmpmem (after, after_length, before, before_length);
      g_assert_cmpuint (count_entries (dir), ==, 1);

      g_unlink (path);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/safetensors/read/f16-tensor-all-values", test_f16_tensor_reads_exactly);
  g_test_add_func ("/safetensors/read/f64-tensor-rounds-to-nearest", test_f64_tensor_rounds_to_nearest);
  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/reference/file-parses", test_reference_file_parses);
  g_test_add_func ("/safetensors/reference/writer-matches-bytes", test_writer_matches_reference_bytes);
  g_test_add_func ("/safetensors/reference/writer-matches-reference-implementation",
                   test_writer_matches_reference_implementation);
  g_test_add_func ("/safetensors/read/rows", test_read_rows);
  g_test_add_func ("/safetensors/read/f32-errors", test_read_f32_errors);
  g_test_add_func ("/safetensors/read/order-follows-offsets", test_order_follows_offsets);
  g_test_add_func ("/safetensors/read/file-errors", test_open_reports_file_errors);
  g_test_add_func ("/safetensors/malformed/every-truncation", test_every_truncation_fails);
  g_test_add_func ("/safetensors/malformed/header-length", test_corrupt_header_length);
  g_test_add_func ("/safetensors/malformed/header-text", test_malformed_header_text);
  g_test_add_func ("/safetensors/malformed/entries", test_malformed_entries);
  g_test_add_func ("/safetensors/malformed/layout", test_malformed_layout);
  g_test_add_func ("/safetensors/malformed/overflow", test_overflow_is_caught);
  g_test_add_func ("/safetensors/malformed/huge-dimensions", test_huge_dimensions);
  g_test_add_func ("/safetensors/malformed/deep-nesting", test_deep_nesting_is_refused);
  g_test_add_func ("/safetensors/malformed/duplicates", test_duplicates_are_refused);
  g_test_add_func ("/safetensors/malformed/metadata", test_malformed_metadata);
  g_test_add_func ("/safetensors/malformed/random-damage", test_random_damage_never_crashes);
  g_test_add_func ("/safetensors/malformed/random-headers", test_random_headers_never_read_out_of_bounds);
  g_test_add_func ("/safetensors/write/atomic", test_write_is_atomic);
  g_test_add_func ("/safetensors/write/failing-midway-keeps-old-file", test_write_failing_midway_keeps_the_old_file);

  return g_test_run ();
}
