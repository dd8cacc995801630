/* test-dtype.c: element types and their conversions to float
 *
 * Copyright 2026 The QK Scope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "qks-dtype.h"

/* Independent decoders, from the definitions of the formats: sign, biased
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

static double
reference_bf16 (guint16 b)
{
  int sign = b >> 15, exponent = (b >> 7) & 0xff, mantissa = b & 0x7f;
  double magnitude;

  if (exponent == 0xff)
    magnitude = mantissa != 0 ? NAN : INFINITY;
  else if (exponent == 0)
    magnitude = ldexp (mantissa, -126 - 7);
  else
    magnitude = ldexp (128 + mantissa, exponent - 127 - 7);
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

static void
test_dtype_names_and_sizes (void)
{
  static const struct { const char *name; gsize size; } expected[QKS_DTYPE_N_TYPES] = {
    [QKS_DTYPE_F32] = { "F32", 4 }, [QKS_DTYPE_F16] = { "F16", 2 },
    [QKS_DTYPE_BF16] = { "BF16", 2 }, [QKS_DTYPE_F64] = { "F64", 8 },
    [QKS_DTYPE_F8_E5M2] = { "F8_E5M2", 1 }, [QKS_DTYPE_F8_E4M3] = { "F8_E4M3", 1 },
    [QKS_DTYPE_I64] = { "I64", 8 }, [QKS_DTYPE_I32] = { "I32", 4 },
    [QKS_DTYPE_I16] = { "I16", 2 }, [QKS_DTYPE_I8] = { "I8", 1 },
    [QKS_DTYPE_U64] = { "U64", 8 }, [QKS_DTYPE_U32] = { "U32", 4 },
    [QKS_DTYPE_U16] = { "U16", 2 }, [QKS_DTYPE_U8] = { "U8", 1 },
    [QKS_DTYPE_BOOL] = { "BOOL", 1 },
  };
  QksDtype dtype;

  for (guint i = 0; i < QKS_DTYPE_N_TYPES; i++)
    {
      g_assert_cmpstr (qks_dtype_to_string ((QksDtype) i), ==, expected[i].name);
      g_assert_cmpuint (qks_dtype_size ((QksDtype) i), ==, expected[i].size);
      g_assert_true (qks_dtype_from_string (expected[i].name, &dtype));
      g_assert_cmpint (dtype, ==, i);
      g_assert_cmpint (qks_dtype_converts_to_f32 ((QksDtype) i), ==,
                       i == QKS_DTYPE_F32 || i == QKS_DTYPE_F16 ||
                       i == QKS_DTYPE_BF16 || i == QKS_DTYPE_F64);
    }

  g_assert_false (qks_dtype_from_string ("f32", &dtype));
  g_assert_false (qks_dtype_from_string ("F4", &dtype));
  g_assert_false (qks_dtype_from_string ("", &dtype));
}

/* Every one of the 65536 halves, against the independent decoder. */
static void
test_f16_to_f32_all_values (void)
{
  for (guint h = 0; h <= 0xffff; h++)
    assert_same_value (qks_f16_to_f32 ((guint16) h), reference_f16 ((guint16) h), h);

  /* Spot checks of the decoder itself, so that it is not trusted blindly. */
  g_assert_cmpfloat (reference_f16 (0x3c00), ==, 1.0);
  g_assert_cmpfloat (reference_f16 (0xc000), ==, -2.0);
  g_assert_cmpfloat (reference_f16 (0x7bff), ==, 65504.0);
  g_assert_cmpfloat (reference_f16 (0x0400), ==, ldexp (1, -14));
  g_assert_cmpfloat (reference_f16 (0x0001), ==, ldexp (1, -24));
  g_assert_cmpfloat (reference_f16 (0x03ff), ==, ldexp (1023, -24));
  g_assert_true (isinf (reference_f16 (0xfc00)) && reference_f16 (0xfc00) < 0);
  g_assert_true (isnan (reference_f16 (0x7e00)));
}

static void
test_f32_to_f16_rounds_to_nearest_even (void)
{
  /* Every half survives the round trip, NaNs as NaNs. */
  for (guint h = 0; h <= 0xffff; h++)
    {
      guint16 back = qks_f32_to_f16 (qks_f16_to_f32 ((guint16) h));

      if (isnan (reference_f16 ((guint16) h)))
        g_assert_true (isnan (reference_f16 (back)) && (back & 0x8000) == (h & 0x8000));
      else
        g_assert_cmphex (back, ==, h);
    }

  /* Between each pair of neighbours, of either sign: the midpoint goes to
   * the even one, and a float either side of it to the nearer one. The last
   * pair is 65504 and infinity, whose midpoint 65520 rounds to infinity. */
  for (guint sign = 0; sign <= 0x8000; sign += 0x8000)
    for (guint h = 0; h < 0x7c00; h++)
      {
        guint16 lo = (guint16) (sign | h), hi = (guint16) (sign | (h + 1));
        double a = reference_f16 (lo);
        double b = h + 1 == 0x7c00 ? copysign (65536.0, a) : reference_f16 (hi);
        float mid = (float) ((a + b) / 2);

        g_assert_cmpfloat ((double) mid, ==, (a + b) / 2);    /* exact in a float */
        g_assert_cmphex (qks_f32_to_f16 (mid), ==, (h & 1) ? hi : lo);
        g_assert_cmphex (qks_f32_to_f16 (nextafterf (mid, 0)), ==, lo);
        g_assert_cmphex (qks_f32_to_f16 (nextafterf (mid, copysignf (INFINITY, mid))), ==, hi);
      }

  g_assert_cmphex (qks_f32_to_f16 (65519.99f), ==, 0x7bff);
  g_assert_cmphex (qks_f32_to_f16 (65520.0f), ==, 0x7c00);
  g_assert_cmphex (qks_f32_to_f16 (FLT_MAX), ==, 0x7c00);
  g_assert_cmphex (qks_f32_to_f16 (-1e10f), ==, 0xfc00);
  g_assert_cmphex (qks_f32_to_f16 (INFINITY), ==, 0x7c00);
  g_assert_cmphex (qks_f32_to_f16 (ldexpf (1, -25)), ==, 0x0000);      /* tie to even 0 */
  g_assert_cmphex (qks_f32_to_f16 (ldexpf (3, -26)), ==, 0x0001);
  g_assert_cmphex (qks_f32_to_f16 (-1e-30f), ==, 0x8000);
  g_assert_cmphex (qks_f32_to_f16 (FLT_TRUE_MIN), ==, 0x0000);
  g_assert_cmphex (qks_f32_to_f16 (1.0f / 3.0f), ==, 0x3555);

  /* NaNs stay NaNs, even with a payload only in the bits that are dropped. */
  {
    guint32 bits[] = { 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff };

    for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
      {
        float nan_value;
        guint16 h;

        memcpy (&nan_value, &bits[i], 4);
        h = qks_f32_to_f16 (nan_value);
        g_assert_true (isnan (reference_f16 (h)));
        g_assert_cmpint (h >> 15, ==, bits[i] >> 31);
      }
  }
}

static void
test_bf16_conversions (void)
{
  /* bfloat16 → float is exact: all 65536, against the independent decoder. */
  for (guint b = 0; b <= 0xffff; b++)
    {
      assert_same_value (qks_bf16_to_f32 ((guint16) b), reference_bf16 ((guint16) b), b);
      if (!isnan (reference_bf16 ((guint16) b)))
        g_assert_cmphex (qks_f32_to_bf16 (qks_bf16_to_f32 ((guint16) b)), ==, b);
    }

  for (guint sign = 0; sign <= 0x8000; sign += 0x8000)
    for (guint b = 0; b < 0x7f80; b++)
      {
        guint16 lo = (guint16) (sign | b), hi = (guint16) (sign | (b + 1));
        double x = reference_bf16 (lo);
        double y = b + 1 == 0x7f80 ? copysign (ldexp (1, 128), x) : reference_bf16 (hi);
        double mid = (x + y) / 2;

        g_assert_cmpfloat ((double) (float) mid, ==, mid);     /* exact in a float */
        g_assert_cmphex (qks_f32_to_bf16 ((float) mid), ==, (b & 1) ? hi : lo);
        g_assert_cmphex (qks_f32_to_bf16 (nextafterf ((float) mid, 0)), ==, lo);
        g_assert_cmphex (qks_f32_to_bf16 (nextafterf ((float) mid, copysignf (INFINITY, (float) mid))), ==, hi);
      }

  g_assert_cmphex (qks_f32_to_bf16 (FLT_MAX), ==, 0x7f80);
  g_assert_cmphex (qks_f32_to_bf16 (1.0f), ==, 0x3f80);
  g_assert_cmphex (qks_f32_to_bf16 (-2.0f), ==, 0xc000);

  /* Adding the rounding bias to a NaN would carry it into an infinity. */
  {
    guint32 bits[] = { 0x7f800001, 0xff800001, 0x7fffffff, 0x7fc00000 };

    for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
      {
        float nan_value;
        guint16 b;

        memcpy (&nan_value, &bits[i], 4);
        b = qks_f32_to_bf16 (nan_value);
        g_assert_true (isnan (reference_bf16 (b)));
        g_assert_cmpint (b >> 15, ==, bits[i] >> 31);
      }
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dtype/names-and-sizes", test_dtype_names_and_sizes);
  g_test_add_func ("/dtype/f16-to-f32-all-values", test_f16_to_f32_all_values);
  g_test_add_func ("/dtype/f32-to-f16-rounds-to-nearest-even", test_f32_to_f16_rounds_to_nearest_even);
  g_test_add_func ("/dtype/bf16-conversions", test_bf16_conversions);

  return g_test_run ();
}
